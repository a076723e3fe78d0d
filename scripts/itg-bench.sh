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

# The profiler benchmark: gperftools' CPU profiler (libprofiler, by
# LD_PRELOAD) on a workload of known per-thread CPU time (itg_profwork),
# at each frequency and shape in three modes that take turns: "native"
# (its setitimer(ITIMER_PROF)), "pertimer" (its per-thread POSIX CPU
# timers) and "module" (its setitimer routed by the preload library to
# the module's shared group).  Each run prints the workload's truth, the
# module's counters before and after, and the profile, gzipped, in base64
# between PROFILE-BEGIN and PROFILE-END lines: pprof reads it on the host
# (scripts/bench-report.py).
prof_counters() {
	d=/sys/class/misc/itimer_group
	echo "$(cat $d/expirations) $(cat $d/signals_sent) $(cat $d/overruns) $(cat $d/signals_coalesced)"
}

# The workload (shape $2, for $5 seconds) under the profiler at $3 Hz in
# mode $1, the profile into $4.
profiler_exec() {
	per=
	case $1 in
	native)   pre=/tests/libprofiler.so.0 ;;
	pertimer) pre=/tests/libprofiler.so.0 per=CPUPROFILE_PER_THREAD_TIMERS=1 ;;
	# Ours first: it must define the setitimer() that libprofiler calls.
	module)   pre="/tests/libitg_preload.so /tests/libprofiler.so.0" ;;
	esac
	# shellcheck disable=SC2086 # no word when empty
	env $per LD_PRELOAD="$pre" CPUPROFILE="$4" CPUPROFILE_FREQUENCY="$3" \
		/tests/itg_profwork "$2" "$5" 2>&1
}

profiler_run() {
	how=$1 shape=$2 freq=$3 run=$4
	id=${how}_${shape}_${freq}_$run
	prof=/tmp/itg-$id.prof
	probe_gone
	echo "PROFILER-RUN $id mode=$how shape=$shape freq=$freq run=$run"
	# shellcheck disable=SC2046 # four numbers
	set -- $(prof_counters)
	profiler_exec "$how" "$shape" "$freq" "$prof" 3
	# shellcheck disable=SC2046
	set -- "$@" $(prof_counters)
	echo "BENCH profiler $id mode=$how shape=$shape freq=$freq run=$run" \
		"expirations=$(($5 - $1)) signals_sent=$(($6 - $2))" \
		"overruns=$(($7 - $3)) signals_coalesced=$(($8 - $4))"
	if [ "$how" = module ] && [ $(($6 - $2)) -le 0 ]; then
		echo "BENCH-ERROR profiler $id: the module sent no signal"
		exit 1
	fi
	[ -s "$prof" ] || { echo "BENCH-ERROR profiler $id: no profile"; exit 1; }
	echo "PROFILE-BEGIN $id"
	gzip -9 -c "$prof" | base64
	echo "PROFILE-END $id"
	rm -f "$prof"
}

profiler_runs() {
	# Each mode once first, not reported: the emulator translates the
	# code of the profiler's signal path as it first runs, and the first
	# runs had fewer samples in every mode.
	for how in native pertimer module; do
		probe_gone
		profiler_exec "$how" 2busy 1000 /tmp/itg-warmup.prof 2 >/dev/null
	done
	rm -f /tmp/itg-warmup.prof
	for run in 1 2 3; do
		for freq in 1000 250; do
			for shape in 2busy 4busy; do
				for how in native pertimer module; do
					profiler_run "$how" "$shape" "$freq" "$run"
				done
			done
		done
	done
}

# Where an arm and a read spend their time: the kernel's own profiler
# (Debian's linux-perf, in the VM) on each operation in a loop, sampling
# the CPU clock (TCG emulates no PMU); the symbols above 1 % of samples.
perf_runs() {
	for op in arm_module_shared arm_module_private arm_setitimer \
		  get_module_shared get_getitimer; do
		$b oploop "$op" 5000
		/tests/perf record -q -N -e cpu-clock -F 4000 -o /tmp/perf.data \
			-- $b oploop "$op" 40000
		echo "PERF-BEGIN $op"
		/tests/perf report -i /tmp/perf.data --stdio --no-children \
			--sort sym --percent-limit 1 -q 2>/dev/null | sed '/^$/d'
		echo "PERF-END $op"
		rm -f /tmp/perf.data
	done
}

case "$1" in
pre)
	# The scale benchmark runs 10,000 threads: above the default
	# threads-max of a small guest.
	echo 32768 > /proc/sys/kernel/threads-max
	;;
main)
	only=$(cat /etc/itg/bench-only 2>/dev/null)
	[ -n "$only" ] || only="ops perf latency drift cpu pingpong scale memory fd profiler"
	for mode in $only; do
		echo "ITG-BENCH: $mode"
		start=$(cut -d. -f1 /proc/uptime)
		case $mode in
		pingpong) pingpong_rounds ;;
		profiler) profiler_runs ;;
		perf) perf_runs ;;
		*) $b "$mode" ;;
		esac
		echo "ITG-BENCH: $mode done in $(($(cut -d. -f1 /proc/uptime) - start)) s"
	done
	;;
esac
