#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The demo scenario, run inside the VM by /init after insmod.
set -e
say() { printf '\n=== %s\n' "$*"; }
sys=/sys/class/misc/itimer_group

say "The itimer_group module is loaded: its device, sysfs directory and parameters"
ls -l /dev/itimer_group
echo "$sys: $(ls $sys | grep -v -e power -e subsystem -e uevent -e '^dev$' | tr '\n' ' ')"
for p in /sys/module/itimer_group/parameters/*; do
	echo "parameter $(basename "$p") = $(cat "$p")"
done

say "itg_demo: four threads, shared and private itimer groups, and the native itimer"
/tests/itg_demo

say "After the process exited, the module's counters (sysfs)"
for f in processes groups_shared groups_private armed_real armed_virtual armed_prof \
	 expirations signals_sent overruns signals_coalesced cpu_probe; do
	printf '  %-18s %s\n' "$f" "$(cat $sys/$f)"
done
itgstat

say "Unloading the module"
