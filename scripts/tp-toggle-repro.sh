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
#   tp-toggle-repro.sh KERNEL_IMAGE [ITER]   exit 0: all ITER switches done
set -euo pipefail
kernel=${1:?usage: tp-toggle-repro.sh KERNEL_IMAGE [ITER]}
iter=${2:-1500}
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
ev=/sys/kernel/tracing/events/sched/sched_switch/enable
for i in 1 2 3 4; do (while :; do usleep 200; done) & done
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
	-append "console=ttyS0 rdinit=/init loglevel=5 panic=-1 oops=panic softlockup_panic=1 mitigations=off" \
	</dev/null 2>&1 | sed -u 's/\r//' |
	grep --line-buffered -E 'TP-|Oops|soft lockup|Kernel panic' | tee "$root.out" || true
grep -q "^TP-DONE $iter" "$root.out"
