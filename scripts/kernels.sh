#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel matrix: Debian's kernels the module is built and tested on.
# A kernel is named SERIES[-FLAVOUR]: 6.1 (bookworm, the default target),
# 6.1-cloud, 6.1-rt, 6.12 (bookworm-backports), 6.12-rt; 6.12-cloud works
# too but is not in the matrix.
#
#   kernels.sh list          the matrix, one kernel a line
#   kernels.sh kver NAME     the installed release of NAME (exit 1: none)
#   kernels.sh install NAME  install its image and headers (root; apt)
#   kernels.sh source NAME   install linux-source-SERIES, print its tarball
#
# Images and headers are installed as packages, by exact name and version
# (never the meta packages: bookworm-backports' linux-image-amd64 would
# replace bookworm's, the default target).  The 6.12 headers depend on
# their image anyway.  INITRD=No skips the host's initramfs hook: the VM
# boots with its own initramfs, the host never boots these kernels.
# bookworm-backports is added to apt's sources (priority 100: nothing on
# the host is upgraded from it) when a 6.12 kernel is asked for.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
MATRIX="6.1 6.1-cloud 6.1-rt 6.12 6.12-rt"
BPO_LIST=/etc/apt/sources.list.d/itimer-group-backports.sources
LOG=/tmp/itg-apt.log

die() { echo "kernels: $*" >&2; exit 1; }

# NAME -> series, flavour ("" for generic) and the release pattern.
parse() {
	series=${1%%-*}
	flavour=${1#"$series"}
	flavour=${flavour#-}
	case "$series" in
	6.1|6.12) ;;
	*) die "unknown kernel series '$series' in '$1' (known: $MATRIX)" ;;
	esac
	case "$flavour" in
	''|cloud|rt) ;;
	*) die "unknown flavour '$flavour' in '$1' (generic, cloud, rt)" ;;
	esac
	suffix=${flavour:+$flavour-}amd64
	# 6.1.0-56-amd64, 6.1.0-56-rt-amd64, 6.12.95+deb12-amd64, ...
	pattern="^${series//./\\.}\\.[^-]*(-[0-9]+)?-$suffix\$"
}

# The newest installed release of NAME with both image and headers.
installed() {
	local k
	if [ "$series" = 6.1 ] && [ -z "$flavour" ]; then
		# The default target: the one make check uses without KERNEL.
		k=$("$here/kver.sh" 2>/dev/null) || true
		if [[ $k =~ $pattern ]] && [ -e "/boot/vmlinuz-$k" ] &&
		   [ -d "/lib/modules/$k/build" ]; then
			echo "$k"
			return 0
		fi
	fi
	for k in $(ls /lib/modules 2>/dev/null | sort -rV); do
		if [[ $k =~ $pattern ]] && [ -e "/boot/vmlinuz-$k" ] &&
		   [ -d "/lib/modules/$k/build" ]; then
			echo "$k"
			return 0
		fi
	done
	return 1
}

apt_update() {
	apt-get update -q >>"$LOG" 2>&1 || { tail -n 20 "$LOG" >&2; die "apt-get update failed"; }
}

# bookworm-backports at the mirror that serves bookworm here.
add_backports() {
	local uri
	[ -e "$BPO_LIST" ] && return 0
	grep -rqs '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/ && return 0
	uri=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(TARGET_OF)' 2>/dev/null |
	      awk '$2 == "bookworm" && $3 == "deb" { print $1; exit }')
	[ -n "$uri" ] || die "no bookworm entry in apt's sources to derive bookworm-backports from"
	echo "kernels: adding bookworm-backports ($uri) to apt's sources" >&2
	printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
		"$uri" >"$BPO_LIST"
	apt_update
}

# The newest ABI of NAME in the archive: the headers meta package's
# dependency, in the suite of the series.  Prints "ABI VERSION".
resolve() {
	local meta=linux-headers-$suffix ver abi
	while read -r ver; do
		abi=$(apt-cache show "$meta=$ver" 2>/dev/null |
		      sed -n 's/^Depends:.*\blinux-headers-\([^ ,]*\) (= .*/\1/p' | head -n1)
		if [[ $abi =~ $pattern ]]; then
			echo "$abi $ver"
			return 0
		fi
	done < <(apt-cache madison "$meta" 2>/dev/null | awk -F' *[|] *' '{ print $2 }')
	return 1
}

install_kernel() {
	local abi ver
	installed >/dev/null && return 0
	[ "$(id -u)" -eq 0 ] || die "$1 is not installed; run as root to install it"
	[ "$series" = 6.12 ] && add_backports
	if ! read -r abi ver < <(resolve); then
		apt_update
		read -r abi ver < <(resolve) || die "no $1 kernel in apt's sources"
	fi
	echo "kernels: installing linux-image-$abi and linux-headers-$abi ($ver)" >&2
	export DEBIAN_FRONTEND=noninteractive INITRD=No
	local pkgs=("linux-image-$abi=$ver" "linux-headers-$abi=$ver")
	if ! apt-get install -y -q --no-install-recommends "${pkgs[@]}" >>"$LOG" 2>&1; then
		apt_update
		read -r abi ver < <(resolve) || die "no $1 kernel in apt's sources"
		pkgs=("linux-image-$abi=$ver" "linux-headers-$abi=$ver")
		apt-get install -y -q --no-install-recommends "${pkgs[@]}" >>"$LOG" 2>&1 ||
			{ tail -n 20 "$LOG" >&2; die "apt-get install failed (log: $LOG)"; }
	fi
	installed >/dev/null || die "$abi installed but /boot/vmlinuz-$abi or its build tree is missing"
}

install_source() {
	local pkg=linux-source-$series tarball=/usr/src/linux-source-$series.tar.xz
	if [ ! -r "$tarball" ]; then
		[ "$(id -u)" -eq 0 ] || die "$pkg is not installed; run as root to install it"
		[ "$series" = 6.12 ] && add_backports
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y -q --no-install-recommends "$pkg" >>"$LOG" 2>&1 || {
			apt_update
			apt-get install -y -q --no-install-recommends "$pkg" >>"$LOG" 2>&1 ||
				{ tail -n 20 "$LOG" >&2; die "apt-get install $pkg failed (log: $LOG)"; }
		}
	fi
	echo "$tarball"
}

case "${1:-}" in
list)
	printf '%s\n' $MATRIX ;;
kver)
	parse "${2:?usage: kernels.sh kver NAME}"
	installed || die "$2 is not installed (scripts/deps.sh with KERNEL=$2, as root)" ;;
install)
	parse "${2:?usage: kernels.sh install NAME}"
	install_kernel "$2" ;;
source)
	parse "${2:?usage: kernels.sh source NAME}"
	install_source ;;
*)
	sed -n '3,13p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2 ;;
esac
