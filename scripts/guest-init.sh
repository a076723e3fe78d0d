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
if [ "$mode" = bench ]; then
	/bin/itg-bench.sh pre || fail "a benchmark could not run"
fi
modparams=$(sed -n 's/.*itg\.modparams=\([^ ]*\).*/\1/p' /proc/cmdline | tr ',' ' ')
# shellcheck disable=SC2086 # one word per parameter
insmod /lib/modules/itimer_group.ko $modparams || fail "insmod failed"
[ -c /dev/itimer_group ] || fail "/dev/itimer_group missing after insmod"

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
