#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the test VM (busybox).  Loads the module, runs what
# /etc/itg/tests lists, unloads the module, checks the kernel log and only
# then prints the success token the host asked for on the command line.
# Any failure prints "ITG-FAIL: <cause>" and powers off without the token.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /dev/shm
chmod 1777 /tmp /dev/shm
echo 30 > /proc/sys/kernel/hung_task_timeout_secs

nonce=$(sed -n 's/.*itg\.nonce=\([^ ]*\).*/\1/p' /proc/cmdline)
mode=$(cat /etc/itg/mode)

off() {
	sync
	poweroff -f
	sleep 5
}

fail() {
	echo "ITG-FAIL: $*"
	dmesg | tail -n 40
	off
}

# Reports start with BUG: or WARNING: (lockdep, KASAN, sleeping in atomic).
splat='BUG:|WARNING:|Oops|general protection|Call Trace|possible circular|sleeping function called from invalid context|blocked for more than|soft lockup|hard LOCKUP|RCU stall|detected stall|detected expedited stall|UBSAN:|suspected memory leak'

echo "ITG-BOOTED $(uname -r)"
# The host had the sched_switch trace event switched on at boot (see
# scripts/vm-run.sh): no trace is kept, and the event must be on, or the
# module's load would patch __schedule() after all.
if grep -q 'trace_event=sched:sched_switch' /proc/cmdline; then
	mount -t tracefs tracefs /sys/kernel/tracing || fail "no tracefs"
	[ "$(cat /sys/kernel/tracing/events/sched/sched_switch/enable)" = 1 ] ||
		fail "the sched_switch trace event is not on from boot"
	echo 0 > /sys/kernel/tracing/tracing_on
	echo "ITG-TP: sched_switch traced from boot (ring buffer off)"
fi
if [ "$mode" = bench ]; then
	/bin/itg-bench.sh pre || fail "a benchmark could not run"
fi
modparams=$(sed -n 's/.*itg\.modparams=\([^ ]*\).*/\1/p' /proc/cmdline | tr ',' ' ')
# shellcheck disable=SC2086 # one word per parameter
insmod /lib/modules/itimer_group.ko $modparams || fail "insmod failed"
[ -c /dev/itimer_group ] || fail "/dev/itimer_group missing after insmod"
# Where the module's code is, for naming a hung vCPU (scripts/vm-regs.py).
echo "ITG-MODTEXT $(cat /sys/module/itimer_group/sections/.text)"

export ITG_KO=/lib/modules/itimer_group.ko
if [ "$mode" = demo ]; then
	/bin/itg-demo.sh || fail "demo failed"
elif [ "$mode" = bench ]; then
	/bin/itg-bench.sh main || fail "a benchmark could not run"
else
	# Each line: <uid> <kind> <program> [args]; kind is kselftest or plain.
	while read -r uid kind prog args; do
		case "$uid" in ''|'#'*) continue ;; esac
		echo "ITG-TEST-BEGIN $prog uid=$uid"
		cmd="cd /tmp && exec timeout 600 /tests/$prog $args"
		if [ "$uid" = 0 ]; then
			sh -c "$cmd" 2>&1
		else
			su -s /bin/sh -c "$cmd" "$(awk -F: -v u="$uid" '$3 == u { print $1 }' /etc/passwd)" 2>&1
		fi
		rc=$?
		if [ "$kind" = plain ]; then
			if [ $rc -eq 0 ]; then echo "ok 1 $prog"; else echo "not ok 1 $prog"; fi
		fi
		echo "ITG-TEST-END $prog uid=$uid rc=$rc"
	done < /etc/itg/tests
fi

# A kmemleak kernel: no object of the module may be left unreferenced.
if [ -w /sys/kernel/debug/kmemleak ] ||
   { mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null &&
     [ -w /sys/kernel/debug/kmemleak ]; }; then
	echo "ITG-KMEMLEAK: scanning"
	sleep 6		# kmemleak reports objects older than 5 s
	echo scan > /sys/kernel/debug/kmemleak
	if grep -qE 'itg_|itimer_group' /sys/kernel/debug/kmemleak; then
		cat /sys/kernel/debug/kmemleak
		fail "kmemleak found objects of the module leaked"
	fi
	echo "ITG-KMEMLEAK: clean ($(grep -c unreferenced /sys/kernel/debug/kmemleak) other reports)"
fi

# Nothing may hold the module now: a failed rmmod fails the run.
rmmod itimer_group || fail "rmmod failed"
if dmesg | grep -Eq "$splat"; then
	dmesg | grep -E -B2 -A20 "$splat" | head -n 80
	fail "kernel log shows a warning, bug or lockup"
fi
dmesg | grep -q 'itimer_group: unloaded' || fail "module did not log its unload"
echo "ITG-SUCCESS-$nonce"
off
