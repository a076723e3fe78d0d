#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The benchmarks, run inside the VM by /init: "pre" before the module is
# loaded, "main" after.  Any benchmark that cannot run fails the run.
set -e
b=/tests/itg_bench
case "$1" in
pre)
	$b pingpong --nomodule
	;;
main)
	only=$(cat /etc/itg/bench-only 2>/dev/null)
	if [ -n "$only" ]; then
		for mode in $only; do
			echo "ITG-BENCH: $mode"
			$b $mode
		done
		exit 0
	fi
	for mode in ops latency drift cpu; do
		echo "ITG-BENCH: $mode"
		$b $mode
	done
	# "Loaded, nothing armed" means no scheduler probe either: it
	# lingers cpu_probe_linger_ms after the CPU-time benchmarks.
	n=0
	while [ "$(cat /sys/class/misc/itimer_group/cpu_probe)" != 0 ]; do
		n=$((n + 1))
		[ $n -le 600 ] || { echo "the scheduler probe stayed"; exit 1; }
		sleep 0.1
	done
	echo "ITG-BENCH: pingpong"
	$b pingpong
	$b pingpong --prof
	echo "ITG-BENCH: scale"
	$b scale
	echo "ITG-BENCH: memory"
	$b memory
	;;
esac
