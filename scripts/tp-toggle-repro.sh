#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Without the module: boot KERNEL_IMAGE in the test VM's QEMU (TCG, 2 CPUs)
# and switch the kernel's own sched_switch trace event on and off ITER
# times through tracefs while four shell loops keep __schedule() busy.
# Each switch patches __schedule() (static key and static call), as the
# module's probe registration does.  Under QEMU's TCG this kills Debian's
# 6.12 within seconds (Oops: int3) and hangs 6.1 within minutes
# (Documentation/testing.rst, "Seen in the matrix").
#
# TP_PRE=1: the test VM's way out.  The event is on from boot
# (trace_event=, patched while one CPU runs), which puts two probes on the
# tracepoint (the event's and the comm recorder's); the loop then switches
# the same event of a second trace instance, a third probe (other data),
# which changes only the probe list: no code is patched.
#
# TP_MON=SOCKET: QEMU's monitor there, for where a hung guest's vCPUs
# are: scripts/vm-regs.py sample SOCKET >RAW, then vm-regs.py name SYMS
# RAW, SYMS from scripts/vm-kallsyms.sh (the guest boots with nokaslr).
#
#   [TP_PRE=1] [TP_MON=SOCKET] tp-toggle-repro.sh KERNEL_IMAGE [ITER]
#   exit 0: all ITER switches done
set -euo pipefail
kernel=${1:?usage: tp-toggle-repro.sh KERNEL_IMAGE [ITER]}
iter=${2:-1500}
append="console=ttyS0 rdinit=/init loglevel=5 panic=-1 oops=panic softlockup_panic=1 mitigations=off nokaslr"
mon=()
[ -n "${TP_MON:-}" ] && mon=(-monitor "unix:$TP_MON,server=on,wait=off")
inst=""
if [ "${TP_PRE:-0}" = 1 ]; then
	append+=" trace_event=sched:sched_switch trace_buf_size=4k"
	inst=instances/tp/
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,proc,sys,dev}
cp /bin/busybox "$root/bin/"
for a in $("$root/bin/busybox" --list); do
	[ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
done
cat >"$root/init" <<EOF
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys
mount -t tracefs tracefs /sys/kernel/tracing
[ -n "$inst" ] && mkdir /sys/kernel/tracing/$inst
ev=/sys/kernel/tracing/${inst}events/sched/sched_switch/enable
echo "TP-START boot-enabled: \$(cat /sys/kernel/tracing/events/sched/sched_switch/enable)"
for i in 1 2 3 4; do (while :; do usleep 200; done) & done
echo 1 > \$ev; usleep 100000; echo 0 > \$ev
echo "TP-CHECK sched_switch events traced: \$(grep -c sched_switch \${ev%events/*}trace)"
n=0
while [ \$n -lt $iter ]; do
	echo 1 > \$ev; echo 0 > \$ev
	n=\$((n + 1))
	[ \$((n % 250)) -eq 0 ] && echo "TP-ITER \$n"
done
echo "TP-DONE \$n"
poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) >"$root.cpio.gz"
trap 'rm -rf "$root" "$root.cpio.gz" "$root.out"' EXIT
timeout 600 qemu-system-x86_64 -nodefaults -no-user-config -machine pc -accel tcg \
	-cpu max -smp 2 -m 1G -display none -serial stdio -no-reboot \
	-kernel "$kernel" -initrd "$root.cpio.gz" \
	-append "$append" "${mon[@]}" \
	</dev/null 2>&1 | sed -u 's/\r//' |
	grep --line-buffered -E 'TP-|Oops|soft lockup|Kernel panic' | tee "$root.out" || true
grep -q "^TP-DONE $iter" "$root.out"
