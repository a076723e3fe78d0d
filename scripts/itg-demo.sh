#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The demo scenario, run inside the VM by /init after insmod.
set -e
say() { printf '\n=== %s\n' "$*"; }

say "The module is loaded"
lsmod | grep -E '^(Module|itimer_group)'
dmesg | grep 'itimer_group:' | grep -v 'verification failed' || true

say "Its misc device and sysfs node"
ls -l /dev/itimer_group
echo "/sys/class/misc/itimer_group/dev: $(cat /sys/class/misc/itimer_group/dev)"
echo "module parameters:"
for p in /sys/module/itimer_group/parameters/*; do
	echo "  $(basename "$p") = $(cat "$p")"
done

if [ -x /tests/itg_example ]; then
	say "A process with a shared group and a private group (itg_example)"
	/tests/itg_example
fi
say "Unloading"
