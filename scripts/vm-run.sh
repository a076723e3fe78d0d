#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test VM and judge the run.  Fails closed: the run passes only if
# the guest printed the success token for this run's nonce (which /init
# prints only after every test ran, rmmod succeeded and the kernel log was
# clean), the console shows no oops/WARN/lockdep/hang, and no test failed.
#
#   vm-run.sh MODE KERNEL INITRD LOG
#     MODE   check: print progress and "N passed, N failed, N skipped"
#            demo:  print the guest's output
#            bench: print the benchmarks' progress (the log has the data)
#   Environment: ITG_KVM=1 uses /dev/kvm if usable (TCG otherwise),
#   ITG_VM_TIMEOUT (seconds, default 900), ITG_VM_MEM (default 1G),
#   ITG_SLOW=1 (a debug kernel: tests skip timing bounds), ITG_MTTCG=1,
#   ITG_VM_CPU (QEMU's -cpu, default max), ITG_VM_TP_PRE=0 (the
#   sched_switch trace event off at boot: see below),
#   ITG_MODPARAMS="name=value ..." (module parameters given to insmod).
set -uo pipefail
mode=$1 kernel=$2 initrd=$3 log=$4
timeout_s=${ITG_VM_TIMEOUT:-900}
here=$(cd "$(dirname "$0")" && pwd)

# Round-robin TCG (one host thread for both vCPUs): its timing is the one
# the tests' bounds were measured on.  Multi-threaded TCG (ITG_MTTCG=1)
# runs the vCPUs truly in parallel, which finds races sooner.
accel=tcg accel_opts=""
[ "${ITG_MTTCG:-0}" = 1 ] && accel_opts=",thread=multi"
if [ "${ITG_KVM:-0}" = 1 ]; then
	if [ -w /dev/kvm ]; then accel=kvm accel_opts=""; else echo "vm: /dev/kvm not usable, using TCG"; fi
fi
nonce=$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
cmdline="console=ttyS0 rdinit=/init loglevel=5 panic=-1 oops=panic panic_on_warn=1"
cmdline+=" softlockup_panic=1 softlockup_all_cpu_backtrace=1 hung_task_panic=1"
# A CPU stuck in interrupt context: TCG has no NMI watchdog, so the RCU
# stall detector (about 21 s) is what sees it; it panics the guest.
cmdline+=" sysctl.kernel.panic_on_rcu_stall=1 hardlockup_panic=1"
cmdline+=" mitigations=off nokaslr itg.nonce=$nonce"
# The TSC is never marked unstable at run time: 6.12's clocksource
# watchdog did so 18 to 22 s into most runs under TCG (a stalled vCPU
# looks like skew), and that flips sched_clock's static key, code patched
# while both CPUs run; a CI replica died of it (Oops: int3 at
# sched_clock_cpu+0x9 on 6.12-rt), as the module's own patching did.
cmdline+=" tsc=reliable"
# The sched_switch trace event on from boot, switched on while one CPU
# runs: its probe and the comm recorder's make two on the tracepoint, so
# the module's probe is a third and its load and unload patch no code in
# __schedule() (the static key and call stay as they are).  Patching it
# while the other vCPU runs it hangs or kills guests under QEMU's TCG, with
# no module at all (scripts/tp-toggle-repro.sh, Documentation/testing.rst).
# The guest switches the ring buffer off before the module loads.
[ "${ITG_VM_TP_PRE:-1}" = 1 ] &&
	cmdline+=" trace_event=sched:sched_switch trace_buf_size=4k"
# A debug kernel is many times slower: tests skip their timing bounds.
[ "${ITG_SLOW:-0}" = 1 ] && cmdline+=" itg.slow=1"
# Module parameters travel comma-separated on the kernel command line.
if [ -n "${ITG_MODPARAMS:-}" ]; then
	params=$(echo "$ITG_MODPARAMS" | tr -s ' ' ',')
	case "$params" in
	*[!A-Za-z0-9_=,]*) echo "vm: bad ITG_MODPARAMS: $ITG_MODPARAMS"; exit 2 ;;
	esac
	cmdline+=" itg.modparams=$params"
fi

mkdir -p "$(dirname "$log")"
echo "vm: booting $(basename "$kernel") ($accel, 2 CPUs), console log: $log"
# One VM at a time on this machine: two would share the two cores, and
# every timing in either would lie.
exec 9>"${ITG_VM_LOCK:-/tmp/itimer-group-vm.lock}"
if ! flock -n 9; then
	echo "vm: waiting for the other VM run on this machine"
	flock 9
fi
start=$(date +%s)
if [ "$mode" = demo ]; then
	filter=(sed -u -n '/^ITG-SUCCESS-/d; /^ITG-BOOTED/,$p')
elif [ "$mode" = bench ]; then
	filter=(sed -u -n 's/^ITG-BENCH: /bench: /p; /^ITG-FAIL/p')
else
	filter=(awk -f "$here/progress.awk")
fi
run=$(mktemp -d)
# shellcheck disable=SC2046 # one word per process id
trap 'kill $(cat "$run/watch" "$run/regwatch" 2>/dev/null) 2>/dev/null; rm -rf "$run"' EXIT
# A guest that hangs without a word: where its vCPUs are, 20 s before the
# timeout (QEMU's monitor), named after it from System.map or, Debian's
# being a placeholder, from the kallsyms of a boot of the same kernel
# (nokaslr above: the same addresses in every boot).
hang_regs() {
	local map=${kernel/vmlinuz-/System.map-} syms
	# A built tree's bzImage: its System.map is the tree's.
	[ "$map" != "$kernel" ] && [ -e "$map" ] ||
		map=$(dirname "$kernel")/../../../System.map
	if [ -e "$map" ] && [ "$(wc -l <"$map")" -gt 1000 ]; then
		syms=$map
	else
		syms=$(dirname "$log")/kallsyms-$(echo "$kernel" | md5sum | cut -c1-12)
		[ -s "$syms" ] || "$here/vm-kallsyms.sh" "$kernel" "$syms" ||
			{ cat "$log.regs"; return; }
	fi
	python3 "$here/vm-regs.py" name "$syms" "$log.regs" "$log"
}

# One boot.  A guest that has not reached /init (ITG-BOOTED, printed
# before the module is loaded) within boot_s seconds is stopped.
boot_once() {
	rm -f "$run/qemu.pid" "$run/stuck"
	: >"$log"
	(
		exec 9>&-	# not the lock
		for _ in $(seq "$boot_s"); do
			sleep 1
			grep -q '^ITG-BOOTED' "$log" 2>/dev/null && exit 0
		done
		touch "$run/stuck"
		kill "$(cat "$run/qemu.pid" 2>/dev/null)" 2>/dev/null
	) &
	echo $! >"$run/watch"
	rm -f "$log.regs"
	(
		exec 9>&-
		sleep $((timeout_s > 40 ? timeout_s - 20 : timeout_s / 2)) &
		trap 'kill $! 2>/dev/null; exit 0' TERM
		wait $! &&
			python3 "$here/vm-regs.py" sample "$run/mon" >"$log.regs" 2>&1
	) </dev/null >/dev/null 2>&1 &
	echo $! >"$run/regwatch"
	timeout --foreground -k 10 "$timeout_s" \
		qemu-system-x86_64 -nodefaults -no-user-config -machine pc \
		-accel $accel$accel_opts -pidfile "$run/qemu.pid" \
		-cpu "${ITG_VM_CPU:-max}" -smp 2 -m "${ITG_VM_MEM:-1G}" \
		-display none -serial stdio -no-reboot -kernel "$kernel" \
		-initrd "$initrd" -append "$cmdline" \
		-monitor "unix:$run/mon,server=on,wait=off" \
		</dev/null 2>&1 | sed -u 's/\r//g' | tee "$log" | "${filter[@]}"
	qemu_rc=${PIPESTATUS[0]}
	kill "$(cat "$run/watch")" "$(cat "$run/regwatch")" 2>/dev/null
	wait "$(cat "$run/watch")" "$(cat "$run/regwatch")" 2>/dev/null
}

# A kernel that dies or hangs before /init ran none of our code: QEMU's
# TCG has both (a KASAN kernel's boot with LA57, a hang after the PCI
# probe: Documentation/testing.rst).  Such a boot is tried again, up to
# twice, its log kept beside; anything after ITG-BOOTED counts.
boot_s=${ITG_BOOT_TIMEOUT:-300}
for attempt in 1 2 3; do
	boot_once
	grep -q '^ITG-BOOTED' "$log" && break
	if [ -e "$run/stuck" ]; then
		why="no /init after ${boot_s} s; its last line: $(grep -v '^qemu-system' "$log" | tail -n 1)"
	else
		why="it stopped before /init: $(grep -Em1 'Kernel panic|BUG:|Oops' "$log" || tail -n 1 "$log")"
	fi
	cp "$log" "$log.boot$attempt"
	echo "vm: boot $attempt failed before our code ran ($why; log: $log.boot$attempt)"
	[ "$attempt" = 3 ] || echo "vm: booting again"
done
echo "vm: finished in $(( $(date +%s) - start )) s"

cause=""
if ! grep -q '^ITG-BOOTED' "$log"; then
	cause="the guest never reached /init in $attempt boots ($why)"
elif [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	cause="VM timed out after ${timeout_s}s"
	[ -s "$log.regs" ] && hang_regs
elif grep -q '^ITG-FAIL:' "$log"; then
	cause=$(grep -m1 '^ITG-FAIL:' "$log" | sed 's/^ITG-FAIL: //')
elif grep -Eq 'Kernel panic|BUG:|WARNING:|Oops|general protection fault|sleeping function called from invalid context|possible circular locking|blocked for more than|soft lockup|hard LOCKUP|RCU stall|detected stall|detected expedited stall' "$log"; then
	cause="kernel splat: $(grep -Em1 'Kernel panic|BUG:|WARNING:|Oops|general protection fault|sleeping function called|possible circular|blocked for more than|soft lockup|hard LOCKUP|RCU stall|detected stall|detected expedited stall' "$log")"
elif ! grep -q "^ITG-SUCCESS-$nonce\$" "$log"; then
	cause="no success token from the guest (qemu exit $qemu_rc)"
fi

rc=0
if [ "$mode" = check ]; then
	read -r pass fail skip < <(awk -f "$here/count.awk" "$log")
	[ -z "$cause" ] || fail=$((fail + 1))
	[ -n "$cause" ] && echo "vm: FAILED: $cause (guest log: $log)"
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ] || rc=1
else
	if [ -n "$cause" ]; then
		echo "vm: FAILED: $cause (guest log: $log)"
		rc=1
	fi
fi
exit $rc
