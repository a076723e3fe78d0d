#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what the build, the VM harness and the static checks need, from
# Debian's archive.  Idempotent: quiet and fast when everything is present.
#
#   scripts/deps.sh          everything (module, VM, selftests, lint)
#   scripts/deps.sh debug    and what building a kernel needs (check-debug)
#   scripts/deps.sh bench    and what the benchmark report needs
#   scripts/deps.sh package  and dkms (make dkms-install, check-package)
#   ITG_KERNEL=<name>        and that kernel of the matrix (scripts/kernels.sh)
set -euo pipefail

pkgs=(linux-headers-amd64 linux-image-amd64 qemu-system-x86 busybox-static
      cpio kmod linux-source-6.1 sparse gcc make xz-utils gcc-multilib g++)
case "${1:-}" in
debug)	pkgs+=(bc flex bison libelf-dev libssl-dev) ;;
# The profiler benchmark: gperftools' libprofiler (into the VM) and
# google-pprof (reads the profiles on the host); the kernel's perf (into
# the VM, for the "perf" benchmark).
bench)	pkgs+=(gnuplot-nox python3 libgoogle-perftools4 google-perftools linux-perf) ;;
package) pkgs+=(dkms) ;;
# make deb: Debian's packaging tools; make check-deb: a minimal root.
deb)	pkgs+=(debhelper dh-dkms lintian python3-docutils debootstrap) ;;
esac

# make KERNEL=<name> (mk/matrix.mk): that kernel's image and headers too.
if [ -n "${ITG_KERNEL:-}" ]; then
	"$(dirname "$0")/kernels.sh" install "$ITG_KERNEL" || exit 1
fi

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	     grep -q '^install ok installed$'; then
		missing+=("$p")
	fi
done

# The meta packages must point at the same ABI: the kernel we boot has to
# be the one we build against.
if [ ${#missing[@]} -eq 0 ]; then
	kver=$("$(dirname "$0")/kver.sh")
	[ -e "/boot/vmlinuz-$kver" ] && [ -d "/lib/modules/$kver/build" ] && exit 0
	missing+=(linux-headers-amd64 linux-image-amd64)
fi

[ "$(id -u)" -eq 0 ] || {
	echo "deps: missing ${missing[*]}; run as root to install them" >&2
	exit 1
}
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# An update is needed on a fresh machine; it is skipped when lists exist.
if ! ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1 ||
   ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/itg-apt.log 2>&1; then
	apt-get update -q >/tmp/itg-apt.log 2>&1
	apt-get install -y -q --no-install-recommends "${missing[@]}" \
		>>/tmp/itg-apt.log 2>&1 || {
		tail -20 /tmp/itg-apt.log >&2
		echo "deps: apt-get install failed (log: /tmp/itg-apt.log)" >&2
		exit 1
	}
fi
echo "deps: done"
