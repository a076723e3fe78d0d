#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Proof that the Debian packages install and work (make check-deb, root):
# in a minimal bookworm root (debootstrap, cached), with the headers of the
# test kernels installed, `apt install ./*.deb` must build the module
# through DKMS for each; that module is the one the VM loads for a short
# `make check` on each kernel; `apt remove --purge` must then leave no file
# that was not there before the install.
#
#   deb-check.sh DEBDIR      DEBDIR: itimer-group-{dkms,tools}_*.deb
#   ITG_DEB_KERNELS          kernels to prove (default "6.1 6.12")
#   ITG_DEB_T                the tests run on each (default below)
set -euo pipefail
debdir=$(cd "${1:?usage: deb-check.sh DEBDIR}" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${ITG_DEB_CACHE:-/var/cache/itimer-group/debroot}
kernels=${ITG_DEB_KERNELS:-6.1 6.12}
tests=${ITG_DEB_T:-itg_device itg_signal itg_errno}
work=$(mktemp -d /var/tmp/itg-deb.XXXXXX)
root=$work/root
mkdir "$root"
mounted=()

say() { echo "check-deb: $*"; }
fail() { say "FAIL: $*"; exit 1; }

cleanup() {
	local m
	for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null || true; done
	rm -rf --one-file-system "$work"
}
trap cleanup EXIT

# The minimal root, once: Debian's own debootstrap, from the host's mirror.
if [ ! -s "$cache/root.tar" ]; then
	say "debootstrap bookworm (minbase) into $cache, once"
	mkdir -p "$cache"
	rm -rf "$cache/tree"
	mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\/\?\)$/\1/p' \
		/etc/apt/sources.list.d/debian.sources | head -n 1)
	debootstrap --variant=minbase bookworm "$cache/tree" \
		"${mirror:-http://deb.debian.org/debian}" >"$cache/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$cache/debootstrap.log"; fail "debootstrap"; }
	tar -C "$cache/tree" -cf "$cache/root.tar.tmp" .
	mv "$cache/root.tar.tmp" "$cache/root.tar"
	rm -rf "$cache/tree"
fi
tar -C "$root" -xf "$cache/root.tar"

# The host's archive sources (bookworm, its updates and security, and
# bookworm-backports for 6.12), and its resolver.
rm -f "$root/etc/apt/sources.list"
cp /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/"
cp /etc/resolv.conf "$root/etc/resolv.conf"
for m in proc sys dev; do
	mount --bind "/$m" "$root/$m"
	mounted=("$root/$m" "${mounted[@]}")
done
in_root() { chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }

kvers=()
for k in $kernels; do
	"$top/scripts/kernels.sh" install "$k"
	kvers+=("$("$top/scripts/kernels.sh" kver "$k")")
done
# The headers, and what our packages pull in (dkms and its recommends):
# the purge below must take away what our packages brought, and only that.
say "headers of ${kvers[*]}, and dkms"
in_root apt-get update -q >/dev/null
in_root apt-get install -y -q --no-install-recommends \
	$(printf 'linux-headers-%s ' "${kvers[@]}") >"$work/headers.log" 2>&1 ||
	{ tail -n 20 "$work/headers.log"; fail "installing the headers"; }
in_root apt-get install -y -q dkms >>"$work/headers.log" 2>&1 ||
	{ tail -n 20 "$work/headers.log"; fail "installing dkms"; }

# The file list of the root before our packages (apt's state and
# depmod's indexes aside: see below).
snapshot() {
	(cd "$root" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev \
		-o -path ./tmp -o -path ./var/cache -o -path ./var/lib/apt \
		-o -path ./var/lib/dpkg -o -path ./var/log -o -path ./root \) -prune \
		-o -print | grep -v '^\./usr/lib/modules/[^/]*/modules\.' | sort)
}
snapshot >"$work/before.list"

say "apt install ./itimer-group-dkms_*.deb ./itimer-group-tools_*.deb"
mkdir -p "$root/tmp/debs"
cp "$debdir"/itimer-group-dkms_*.deb "$debdir"/itimer-group-tools_*.deb "$root/tmp/debs/"
in_root sh -c 'apt-get install -y -q /tmp/debs/*.deb' >"$work/install.log" 2>&1 ||
	{ tail -n 30 "$work/install.log"; fail "apt install"; }
grep -E '^Setting up|^Building|^Installing|Signing|itimer_group.ko' "$work/install.log" |
	head -n 20 | sed 's/^/  /'
in_root dkms status | sed 's/^/  dkms status: /'
for t in /usr/bin/itgstat /usr/include/linux/itimer_group.h \
	 /usr/share/man/man1/itgstat.1.gz /usr/lib/modules-load.d/itimer_group.conf; do
	[ -e "$root$t" ] || fail "$t not installed"
done
in_root itgstat -h >/dev/null || fail "itgstat -h"

i=0
for k in $kernels; do
	kver=${kvers[$i]}
	i=$((i + 1))
	# Compressed where the kernel's modules are (Debian's 6.12: xz).
	ko=$(ls "$root/lib/modules/$kver/updates/dkms/"itimer_group.ko* 2>/dev/null | head -n 1)
	[ -n "$ko" ] || fail "DKMS built no module for $kver"
	case "$ko" in
	*.xz) xz -dc "$ko" >"$work/itimer_group-$kver.ko" ;;
	*.zst) zstd -qdc "$ko" >"$work/itimer_group-$kver.ko" ;;
	*) cp "$ko" "$work/itimer_group-$kver.ko" ;;
	esac
	say "$kver: $(basename "$ko") $(modinfo -F version "$work/itimer_group-$kver.ko") built by DKMS; make check KERNEL=$k T=\"$tests\""
	make -s -C "$top" --no-print-directory check KERNEL="$k" T="$tests" \
		KO="$work/itimer_group-$kver.ko" LOG="$top/build/vm-deb-$k.log" |
		tail -n 2 | sed 's/^/  /'
	[ "${PIPESTATUS[0]}" = 0 ] || fail "make check with the DKMS module on $kver"
	# The module the VM loaded is the one DKMS built.
	sum=$(zcat "$top/build/check.cpio.gz" |
	      (cd "$work" && cpio -i --quiet --to-stdout lib/modules/itimer_group.ko) | md5sum)
	[ "$sum" = "$(md5sum <"$work/itimer_group-$kver.ko")" ] ||
		fail "the VM's initramfs did not hold the DKMS module"
done

say "apt remove --purge"
in_root apt-get remove --purge -y -q itimer-group-dkms itimer-group-tools \
	>"$work/remove.log" 2>&1 || { tail -n 20 "$work/remove.log"; fail "apt remove"; }
snapshot >"$work/after.list"
if ! diff -u "$work/before.list" "$work/after.list" >"$work/left.diff"; then
	head -n 30 "$work/left.diff" | sed 's/^/  /'
	fail "files left behind (or gone) after the purge"
fi
# depmod's indexes, which DKMS made (a root without a kernel image had
# none): rebuilt at the removal, they must not name the module.
if grep -ls itimer_group "$root"/usr/lib/modules/*/modules.* 2>/dev/null; then
	fail "depmod's indexes still name itimer_group"
fi
for d in usr/src/itimer_group-* var/lib/dkms/itimer_group lib/modules/*/updates/dkms/itimer_group.ko*; do
	[ ! -e "$root/$d" ] || fail "$d left behind"
done
say "ok: installed, built for ${kvers[*]}, loaded and tested in the VM, purged without a trace"
