#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test VM's initramfs: busybox, /init, the module, test programs.
#
#   mkinitramfs.sh OUT MODE KO TESTLIST [FILE...]
#     MODE      check, demo or bench
#     KO        the module
#     TESTLIST  lines "<uid> <kselftest|plain> <program> [args]"
#     FILE      programs installed in /tests (/bin: itg-*.sh, itgstat), with
#               the libraries of the dynamic ones
set -euo pipefail
out=$1 mode=$2 ko=$3 list=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

chmod 0755 "$root"
mkdir -p "$root"/{bin,sbin,etc/itg,proc,sys,dev,tmp,tests,lib/modules}
cp /bin/busybox "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
install -m 0755 "$here/guest-init.sh" "$root/init"
install -m 0644 "$ko" "$root/lib/modules/itimer_group.ko"
echo "$mode" > "$root/etc/itg/mode"
echo "${BENCH_ONLY:-}" > "$root/etc/itg/bench-only"
cp "$list" "$root/etc/itg/tests"
printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' \
	> "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
for f in "$@"; do
	case "$(basename "$f")" in
	itg-*.sh|itgstat) install -m 0755 "$f" "$root/bin/$(basename "$f")" ;;
	*) install -m 0755 "$f" "$root/tests/$(basename "$f")" ;;
	esac
done
# Dynamic programs and libraries (the preload library and the programs run
# under it): the dynamic loader and the libraries ldd lists, at their paths.
for f in "$@"; do
	ldd "$f" 2>/dev/null | grep -o '/[^ ]*' || true
done | sort -u | while read -r lib; do
	[ -e "$root$lib" ] && continue
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) |
	gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
