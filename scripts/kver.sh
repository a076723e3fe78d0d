#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the kernel release the project builds for and boots: the one that
# Debian's linux-headers-amd64 meta package depends on (never the host's
# uname -r).  Falls back to the newest installed */build tree.
set -eu
dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null || true)
kver=$(printf '%s\n' "$dep" | sed -n 's/.*linux-headers-\([^ ,]*\).*/\1/p' | head -n1)
if [ -z "$kver" ]; then
	kver=$(ls -d /lib/modules/*/build 2>/dev/null | sed 's|/lib/modules/||;s|/build||' |
	       sort -V | tail -n1)
fi
[ -n "$kver" ] || { echo "kver: no kernel headers installed" >&2; exit 1; }
echo "$kver"
