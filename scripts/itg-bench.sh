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
	sleep 2		# the CPU-time probe goes a second after its last use
	echo "ITG-BENCH: pingpong"
	$b pingpong
	$b pingpong --prof
	echo "ITG-BENCH: scale"
	$b scale
	echo "ITG-BENCH: memory"
	$b memory
	;;
esac
