#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Static checks: the module built with W=1 and sparse (C=2: every file)
# with zero warnings; checkpatch --strict on our sources (the preload
# library also built with -Werror); the uapi header
# compiled alone in userspace as C, C++ and 32-bit C, with its struct sizes
# checked against the published ones.
#
#   lint.sh KDIR KSRC
set -uo pipefail
kdir=$1 ksrc=$2
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
rc=0

echo "lint: module with W=1 and sparse (C=2)"
out=$(make -s -C "$kdir" M="$top" W=1 C=2 modules 2>&1)
if [ $? -ne 0 ] || grep -Eq 'warning:|error:' <<<"$out"; then
	echo "$out"
	echo "lint: FAIL: the module does not build clean"
	rc=1
fi

echo "lint: checkpatch --strict"
# Prints only what it finds (checkpatch's all-zero totals are dropped).
checkpatch() {
	local out rc
	out=$("$ksrc/scripts/checkpatch.pl" --strict --no-tree --terse --quiet "$@")
	rc=$?
	grep -v '^total: 0 errors, 0 warnings, 0 checks' <<<"$out" | sed '/^$/d'
	return $rc
}
if ! checkpatch -f $(ls module/*.[ch] | grep -vx module/compat.h) uapi/linux/*.h; then
	echo "lint: FAIL: checkpatch (module, uapi)"
	rc=1
fi
# Version tests are compat.h's whole job (out of tree, it cannot be "for
# the version to which it is merged").
if ! checkpatch --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f module/compat.h; then
	echo "lint: FAIL: checkpatch (module/compat.h)"
	rc=1
fi
# Userspace programs: <stdint.h> types are right there.
if ! checkpatch --ignore PREFER_KERNEL_TYPES -f selftests/*.c selftests/*.h tools/*.c; then
	echo "lint: FAIL: checkpatch (selftests)"
	rc=1
fi
# The preload library: checkpatch, and a -Wall -Wextra -Werror build.
if ! checkpatch --ignore PREFER_KERNEL_TYPES -f preload/*.c; then
	echo "lint: FAIL: checkpatch (preload)"
	rc=1
fi
if ! gcc -fsyntax-only -Wall -Wextra -Werror -D_GNU_SOURCE -fPIC -Iuapi preload/*.c; then
	echo "lint: FAIL: the preload library does not build clean"
	rc=1
fi

echo "lint: uapi header alone in userspace (C, C++, -m32)"
probe='#include <linux/itimer_group.h>
_Static_assert(sizeof(struct itg_timer_set) == ITG_TIMER_SET_SIZE_VER1, "set");
_Static_assert(sizeof(struct itg_timer_get) == ITG_TIMER_GET_SIZE_VER0, "get");
_Static_assert(sizeof(struct itg_group_info) == ITG_GROUP_INFO_SIZE_VER0, "info");
_Static_assert(sizeof(struct itg_scope) == ITG_SCOPE_SIZE_VER0, "scope");
_Static_assert(sizeof(struct itg_timer_fd) == ITG_TIMER_FD_SIZE_VER0, "fd");
int itg_probe;'
for cc in "gcc -x c -std=c11" "gcc -x c -m32 -std=c11" "g++ -x c++ -std=c++11"; do
	cxx_probe=$probe
	[[ $cc == g++* ]] && cxx_probe=${probe//_Static_assert/static_assert}
	if ! $cc -fsyntax-only -Wall -Wextra -Werror -pedantic -Iuapi - <<<"$cxx_probe"; then
		echo "lint: FAIL: uapi header with $cc"
		rc=1
	fi
done

[ $rc -eq 0 ] && echo "lint: all clean"
exit $rc
