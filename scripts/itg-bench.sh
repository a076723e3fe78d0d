#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The benchmarks, run inside the VM by /init: "pre" before the module is
# loaded, "main" after.  Any benchmark that cannot run fails the run.
set -e
b=/tests/itg_bench
ko=${ITG_KO:-/lib/modules/itimer_group.ko}

# Until the scheduler probe is inactive (a CPU-time timer that expired
# stops its group's tracking a little later): "loaded, nothing armed"
# means an idle probe.
probe_gone() {
	n=0
	while [ "$(cat /sys/class/misc/itimer_group/cpu_probe)" != 0 ]; do
		n=$((n + 1))
		[ $n -le 600 ] || { echo "the scheduler probe stayed"; exit 1; }
		sleep 0.1
	done
}

# Context switches without the module, loaded and idle, and with a PROF
# timer armed, in alternating rounds so that all three see the same
# emulator and host conditions; the report takes the median of all rounds.
pingpong_rounds() {
	for round in 1 2 3; do
		probe_gone
		rmmod itimer_group
		$b pingpong --nomodule
		insmod "$ko"
		$b pingpong
		$b pingpong --prof
	done
	# Once: with 10,000 other processes holding state (issue #9).
	$b pingpong --prof-crowd
}

case "$1" in
pre)
	# The scale benchmark runs 10,000 threads: above the default
	# threads-max of a small guest.
	echo 32768 > /proc/sys/kernel/threads-max
	;;
main)
	only=$(cat /etc/itg/bench-only 2>/dev/null)
	[ -n "$only" ] || only="ops latency drift cpu pingpong scale memory"
	for mode in $only; do
		echo "ITG-BENCH: $mode"
		if [ "$mode" = pingpong ]; then
			pingpong_rounds
		else
			$b "$mode"
		fi
	done
	;;
esac
