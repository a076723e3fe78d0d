#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own timers selftest, tools/testing/selftests/timers/
# posix_timers.c from linux-source-6.1 (built unmodified), as TAP: one
# result per check it prints ("Check itimer virtual... [OK]"), since it
# exits 0 whether its checks pass or not.
#
#   itg-posix-timers native    run it as it is
#   itg-posix-timers preload   run it under the preload library; then its
#                              itimers must be the module's: the module's
#                              signals_sent counter grows by one signal per
#                              itimer check at least
#
# Its checks compare CPU time with wall time, and say themselves that
# "false negative may happen ... if other threads run on the CPU" (a busy
# host starves the VM's CPUs): a run with a failed check is repeated, three
# runs at most, and the last one is reported.
#
# The native run is the reference, the kernel measuring itself: a check it
# fails there is reported as skipped, with its output above.  On a busy
# host the kernel's tick-sampled ITIMER_PROF loses the ticks of a stalled
# vCPU and its 2 s expire after 4.5 s of wall time (seen with stress-ng
# on both host cores, three runs in a row); the module's exact clocks do
# not, and the preload run must pass every check but one: the module's
# ITIMER_VIRTUAL never runs more than a tick ahead of the user time the
# kernel ticked (Documentation/design.rst), so it misses the check with
# the kernel's (2 s took 2.7 to 3.1 s of wall time both ways under
# stress-ng).  The native run notes the checks it missed in $state; the
# preload run reports a missed "itimer virtual" as skipped when the native
# run missed it too, and as a failure otherwise.
here=$(dirname "$0")
mode=${1:-native}
counter=/sys/class/misc/itimer_group/signals_sent
state=${TMPDIR:-/tmp}/itg-posix-timers.native-missed
checks="itimer virtual|itimer prof|itimer real|timer_create() per thread|timer_create() per process"

run_once() {
	if [ "$mode" = preload ]; then
		LD_PRELOAD=$here/libitg_preload.so "$here/posix_timers" 2>&1
	else
		"$here/posix_timers" 2>&1
	fi
}

echo "TAP version 13"
echo "1..7"
first=$(cat "$counter")
for attempt in 1 2 3; do
	before=$(cat "$counter")
	out=$(run_once)
	rc=$?
	after=$(cat "$counter")
	echo "# run $attempt (exit status $rc):"
	printf '%s\n' "$out" | sed 's/^/#   /'
	printf '%s\n' "$out" | grep -qF '[FAIL]' || break
done

n=0 failed=0
[ "$mode" = native ] && : >"$state"
IFS='|'
for check in $checks; do
	n=$((n + 1))
	if printf '%s\n' "$out" | grep -qF "Check $check... [OK]"; then
		echo "ok $n posix_timers $mode: $check"
	elif [ "$mode" = native ] &&
	     printf '%s\n' "$out" | grep -qF "Check $check... "; then
		echo "$check" >>"$state"
		echo "ok $n posix_timers $mode: $check # SKIP the kernel's own timer missed its check: a busy host (see above)"
	elif [ "$mode" = preload ] && [ "$check" = "itimer virtual" ] &&
	     grep -qxF "$check" "$state" 2>/dev/null &&
	     printf '%s\n' "$out" | grep -qF "Check $check... "; then
		echo "ok $n posix_timers $mode: $check # SKIP the native run missed it too: VIRTUAL follows the user time the kernel ticked"
	else
		echo "not ok $n posix_timers $mode: $check"
		failed=1
	fi
done
unset IFS
if [ $rc -eq 0 ]; then
	echo "ok 6 posix_timers $mode: exit status 0"
else
	echo "not ok 6 posix_timers $mode: exit status $rc"
	failed=1
fi
sent=$((after - before))
if [ "$mode" = preload ]; then
	[ $sent -ge 3 ] && res=ok || { res="not ok"; failed=1; }
	echo "$res 7 posix_timers $mode: $sent module signals in the last run (at least 3: the itimers are the module's)"
else
	sent=$((after - first))
	[ $sent -eq 0 ] && res=ok || { res="not ok"; failed=1; }
	echo "$res 7 posix_timers $mode: $sent module signals (none: native itimers)"
fi
exit $failed
