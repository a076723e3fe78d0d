#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's text symbols as a guest booted with nokaslr (the test VM's
# way) sees them, for naming where a hung guest's vCPUs were
# (scripts/vm-regs.py): Debian's System.map is a placeholder (the real one
# is in the -dbg package).  Boots KERNEL_IMAGE once with a busybox /init
# that prints /proc/kallsyms.
#
#   vm-kallsyms.sh KERNEL_IMAGE OUT
set -euo pipefail
kernel=${1:?usage: vm-kallsyms.sh KERNEL_IMAGE OUT}
out=${2:?usage: vm-kallsyms.sh KERNEL_IMAGE OUT}
root=$(mktemp -d)
trap 'rm -rf "$root" "$root.cpio.gz"' EXIT
mkdir -p "$root"/{bin,proc}
cp /bin/busybox "$root/bin/"
for a in sh mount grep echo poweroff; do ln -s busybox "$root/bin/$a"; done
cat >"$root/init" <<'INIT'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
echo KSYMS-BEGIN
grep ' [tTwW] ' /proc/kallsyms
echo KSYMS-END
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) >"$root.cpio.gz"
timeout 300 qemu-system-x86_64 -nodefaults -no-user-config -machine pc -accel tcg \
	-cpu "${ITG_VM_CPU:-max}" -smp 1 -m 1G -display none -serial stdio -no-reboot \
	-kernel "$kernel" -initrd "$root.cpio.gz" \
	-append "console=ttyS0 rdinit=/init loglevel=1 nokaslr" </dev/null 2>&1 |
	sed -u 's/\r//' | sed -n '/^KSYMS-BEGIN/,/^KSYMS-END/p' | grep ' [tTwW] ' >"$out.tmp" || true
[ -s "$out.tmp" ] || { rm -f "$out.tmp"; echo "vm-kallsyms: no symbols from $kernel" >&2; exit 1; }
mv "$out.tmp" "$out"
