#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side packaging checks (make check-package, root): the module's
# modinfo, `make install` and `make headers_install` into a scratch
# DESTDIR, and a DKMS add/build/install for the target kernel, removed
# again afterwards so that the check can run twice.  Nothing is loaded.
#
#   check-package.sh KVER
set -uo pipefail
kver=${1:?usage: check-package.sh KVER}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
rc=0
tmp=$(mktemp -d)
version=$(sed -n 's/^#define ITG_VERSION "\(.*\)"/\1/p' module/main.c)

fail() {
	echo "check-package: FAIL: $*"
	rc=1
}

cleanup() {
	make -s --no-print-directory dkms-uninstall KVER="$kver" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || { echo "check-package: needs root (dkms)"; exit 1; }
[ -n "$version" ] || { echo "check-package: no ITG_VERSION in module/main.c"; exit 1; }

# modinfo: description, author, license, version; every parameter with a
# description.  $1: the .ko, $2: what it is.
check_modinfo() {
	local ko=$1 what=$2 field val p params desc_re='^[^ (]'
	[ -e "$ko" ] || { fail "$what: $ko missing"; return; }
	for field in description author license version; do
		val=$(modinfo -F "$field" "$ko")
		[ -n "$val" ] || fail "$what: modinfo has no $field"
	done
	[ "$(modinfo -F license "$ko")" = GPL ] || fail "$what: license is not GPL"
	val=$(modinfo -F version "$ko")
	[ "$val" = "$version" ] || fail "$what: version '$val', module/main.c says '$version'"
	modinfo -F vermagic "$ko" | grep -q "^$kver " ||
		fail "$what: vermagic '$(modinfo -F vermagic "$ko")' is not for $kver"
	# The parameters the sources declare, and those modinfo types.
	params=$(grep -ohE 'module_param(_named|_cb)?\([a-z_0-9]+' module/*.c |
		 sed 's/.*(//' | sort -u)
	[ -n "$params" ] || fail "$what: no module_param found in module/*.c"
	for p in $params $(modinfo -F parmtype "$ko" | cut -d: -f1); do
		val=$(modinfo -F parm "$ko" | sed -n "s/^$p:\(.*\)/\1/p")
		# A description (module_param() adds " (type)" after it).
		[[ $val =~ $desc_re ]] ||
			fail "$what: parameter $p has no description ('$val')"
	done
	echo "check-package: $what: modinfo $(modinfo -F version "$ko"), parameters: $(echo $params)"
}

echo "check-package: building the module for $kver"
make -s --no-print-directory module KVER="$kver" >"$tmp/build.log" 2>&1 ||
	{ cat "$tmp/build.log"; fail "make module"; exit 1; }
check_modinfo itimer_group.ko "built module"

echo "check-package: make install DESTDIR=$tmp/root"
dest=$tmp/root prefix=/usr/local
if make -s --no-print-directory install KVER="$kver" DESTDIR="$dest" \
	PREFIX=$prefix >"$tmp/install.log" 2>&1; then
	check_modinfo "$dest/lib/modules/$kver/extra/itimer_group.ko" "installed module"
	cmp -s uapi/linux/itimer_group.h "$dest$prefix/include/linux/itimer_group.h" ||
		fail "installed header differs from uapi/linux/itimer_group.h"
	for cc in "gcc -x c" "gcc -x c -m32" "g++ -x c++"; do
		echo '#include <linux/itimer_group.h>
		      int main(void) { return sizeof(struct itg_timer_set) != ITG_TIMER_SET_SIZE_VER0; }' |
			$cc -Wall -Werror -I"$dest$prefix/include" -o "$tmp/probe" - ||
			fail "a program does not build against the installed header ($cc)"
	done
	rules=$dest/etc/udev/rules.d/60-itimer_group.rules
	grep -q 'KERNEL=="itimer_group".*MODE="0666"' "$rules" 2>/dev/null ||
		fail "udev rule $rules missing or without MODE=\"0666\""
	grep -q '\.mode = 0666,' module/main.c &&
		grep -q 'mode 0666' Documentation/userspace-api.rst ||
		fail "the module or its documentation no longer says mode 0666"
	lib=$dest$prefix/lib/itimer_group/libitg_preload.so
	for sym in setitimer getitimer alarm ualarm; do
		nm -D --defined-only "$lib" 2>/dev/null | grep -qw "$sym" ||
			fail "$lib does not define $sym"
	done
	[ "$(nm -D --defined-only "$lib" | grep -c ' T ')" -eq 4 ] ||
		fail "$lib exports more than its four functions"
	[ -x "$dest$prefix/bin/itgstat" ] || fail "itgstat not installed"
	echo "check-package: installed: $(cd "$dest" && find . -type f | sort | tr '\n' ' ')"
else
	cat "$tmp/install.log"
	fail "make install"
fi

echo "check-package: make headers_install INSTALL_HDR_PATH=$tmp/hdr"
make -s --no-print-directory headers_install INSTALL_HDR_PATH="$tmp/hdr" &&
	[ -f "$tmp/hdr/include/linux/itimer_group.h" ] || fail "headers_install"

grep -q "^PACKAGE_VERSION=\"$version\"$" dkms.conf ||
	fail "dkms.conf PACKAGE_VERSION is not $version (module/main.c)"

echo "check-package: dkms add/build/install -k $kver"
make -s --no-print-directory dkms-uninstall KVER="$kver" >/dev/null 2>&1
if make --no-print-directory dkms-install KVER="$kver" >"$tmp/dkms.log" 2>&1; then
	status=$(dkms status -m itimer_group -v "$version" -k "$kver")
	echo "check-package: dkms status: $status"
	[[ $status == *": installed"* ]] || fail "dkms status is not 'installed'"
	ko=$(find "/lib/modules/$kver/updates/dkms" -name 'itimer_group.ko*' 2>/dev/null | head -n1)
	if [ -z "$ko" ]; then
		fail "no itimer_group.ko in /lib/modules/$kver/updates/dkms"
	else
		case "$ko" in
		*.xz) xz -dc "$ko" > "$tmp/dkms.ko"; ko=$tmp/dkms.ko ;;
		*.zst) zstd -qdc "$ko" > "$tmp/dkms.ko"; ko=$tmp/dkms.ko ;;
		esac
		check_modinfo "$ko" "DKMS module"
	fi
	grep -q 'itimer_group' "/lib/modules/$kver/modules.dep" ||
		fail "depmod did not list the DKMS module for $kver"
else
	tail -n 30 "$tmp/dkms.log"
	fail "make dkms-install"
fi
make -s --no-print-directory dkms-uninstall KVER="$kver" >/dev/null 2>&1
[ -z "$(dkms status -m itimer_group 2>/dev/null)" ] || fail "dkms-uninstall left a registration"
[ ! -e "/usr/src/itimer_group-$version" ] || fail "dkms-uninstall left /usr/src/itimer_group-$version"

[ $rc -eq 0 ] && echo "check-package: all good"
exit $rc
