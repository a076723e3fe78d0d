#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build a debug kernel from Debian's linux-source-6.1: x86_64 defconfig +
# kvm_guest.config + KASAN, lockdep (PROVE_LOCKING), DEBUG_ATOMIC_SLEEP,
# DEBUG_OBJECTS_TIMERS, kmemleak, without debug info.  The result is cached
# in OUTDIR keyed by the source version and this configuration: a second
# run with both unchanged does nothing.
#
# ITG_KERNEL (make KERNEL=, mk/matrix.mk) picks another source: 6.12 builds
# from linux-source-6.12 (apt's candidate: bookworm's security suite carries
# a newer one than bookworm-backports), 6.12-rt the same with
# PREEMPT_RT, so that lockdep and DEBUG_ATOMIC_SLEEP check the module's
# contexts on a real-time kernel.  Each kernel has its own cache entry.
#
#   debug-kernel.sh OUTDIR     prints the built tree's path when done
set -euo pipefail
out=${1:?usage: debug-kernel.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
kernel=${ITG_KERNEL:-6.1}
case "$kernel" in
6.1)	tag="" rt="" ;;
6.12)	tag="6.12-" rt="" ;;
6.12-rt) tag="6.12-rt-" rt=y ;;
*)	echo "debug-kernel: no debug lane for $kernel (6.1, 6.12, 6.12-rt)" >&2; exit 1 ;;
esac
if [ -z "$tag" ]; then
	tarball=/usr/src/linux-source-6.1.tar.xz
else
	tarball=$("$here/kernels.sh" source "$kernel") || exit 1
fi
[ -r "$tarball" ] || { echo "debug-kernel: $tarball missing (scripts/deps.sh)" >&2; exit 1; }

# The debug options; the key of the cache covers them.
fragment='CONFIG_KASAN=y
CONFIG_KASAN_GENERIC=y
CONFIG_KASAN_OUTLINE=y
CONFIG_PROVE_LOCKING=y
CONFIG_DEBUG_ATOMIC_SLEEP=y
CONFIG_DEBUG_OBJECTS=y
CONFIG_DEBUG_OBJECTS_TIMERS=y
CONFIG_DEBUG_OBJECTS_WORK=y
CONFIG_DEBUG_OBJECTS_RCU_HEAD=y
CONFIG_DEBUG_KMEMLEAK=y
CONFIG_DEBUG_KMEMLEAK_MEM_POOL_SIZE=16000
CONFIG_DEBUG_FS=y
CONFIG_DEBUG_INFO_NONE=y
CONFIG_FTRACE=y
CONFIG_ENABLE_DEFAULT_TRACERS=y
CONFIG_MODULES=y
CONFIG_MODULE_UNLOAD=y
CONFIG_MODULE_SIG=n
CONFIG_IA32_EMULATION=y
CONFIG_HIGH_RES_TIMERS=y
CONFIG_DEVTMPFS=y
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_BLK_DEV_INITRD=y
CONFIG_RD_GZIP=y
CONFIG_PANIC_ON_OOPS=y
CONFIG_DETECT_HUNG_TASK=y
CONFIG_SOFTLOCKUP_DETECTOR=y'
# A real-time kernel (6.12 has PREEMPT_RT in mainline; it needs EXPERT).
[ -n "$rt" ] && fragment+=$'\nCONFIG_EXPERT=y\nCONFIG_PREEMPT_RT=y'

key=$( (stat -c '%s %Y' "$tarball"; echo "$fragment") | sha256sum | cut -c1-16)
src="$out/linux-$tag$key"
if [ -e "$src/.itg-built" ]; then
	echo "$src"
	exit 0
fi

# Older builds of this kernel go (linux-<tag><16 hex digits>), not others'.
for old in "$out"/linux-"$tag"*; do
	case "${old#"$out"/linux-"$tag"}" in
	????????????????) rm -rf "$old" ;;
	esac
done
mkdir -p "$src"
echo "debug-kernel: extracting $(basename "$tarball" .tar.xz) into $src" >&2
tar -xJf "$tarball" -C "$src" --strip-components=1
cd "$src"
echo "debug-kernel: configuring (defconfig + kvm_guest.config + debug options)" >&2
make -s x86_64_defconfig >&2
make -s kvm_guest.config >&2
printf '%s\n' "$fragment" > itg-debug.config
scripts/kconfig/merge_config.sh -m .config itg-debug.config >/dev/null
make -s olddefconfig >&2
for opt in KASAN PROVE_LOCKING DEBUG_ATOMIC_SLEEP DEBUG_OBJECTS_TIMERS DEBUG_KMEMLEAK TRACEPOINTS ${rt:+PREEMPT_RT}; do
	grep -q "^CONFIG_$opt=y" .config ||
		{ echo "debug-kernel: CONFIG_$opt did not stick" >&2; exit 1; }
done
echo "debug-kernel: building bzImage and modules_prepare with -j$(nproc) (about 16 min on 2 cores)" >&2
start=$(date +%s)
make -s -j"$(nproc)" bzImage >&2
make -s -j"$(nproc)" modules_prepare >&2
# External modules resolve symbols through Module.symvers; ours needs only
# vmlinux's exports.
cp vmlinux.symvers Module.symvers
echo "debug-kernel: built in $(( $(date +%s) - start )) s" >&2
touch .itg-built
echo "$src"
