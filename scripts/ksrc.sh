#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Extract the few kernel source files we use from Debian's linux-source-6.1
# into a build directory (never committed): the kselftest harness headers,
# checkpatch.pl with its data files, and the kernel's timers selftests.
#
#   scripts/ksrc.sh OUTDIR
set -euo pipefail
out=${1:?usage: ksrc.sh OUTDIR}
stamp="$out/.extracted"
files=(tools/testing/selftests/kselftest_harness.h
       tools/testing/selftests/kselftest.h
       scripts/checkpatch.pl scripts/spelling.txt
       scripts/const_structs.checkpatch
       tools/testing/selftests/timers)
# Done unless a path was added to the list since the last extraction.
if [ -e "$stamp" ]; then
	for f in "${files[@]}"; do [ -e "$out/$f" ] || rm -f "$stamp"; done
	[ -e "$stamp" ] && exit 0
fi
tarball=$(ls /usr/src/linux-source-6.1.tar.xz 2>/dev/null | head -n1)
[ -n "$tarball" ] || { echo "ksrc: linux-source-6.1 not installed" >&2; exit 1; }
top=$(basename "$tarball" .tar.xz)
mkdir -p "$out"
tar -xJf "$tarball" -C "$out" --strip-components=1 \
	"${files[@]/#/$top/}"
touch "$stamp"
