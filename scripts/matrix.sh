#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-matrix: for each kernel, install it (scripts/deps.sh), then
# `make check KERNEL=<name> W=1`, one after the other (2 CPUs: parallel VMs
# would disturb the timing tests).  A kernel passes when the module built
# without a warning and its run ended "N passed, 0 failed".  Prints a line
# per kernel and a total, and keeps them in build/matrix.txt; each run's
# output is in build/matrix-<name>.out, its console log in
# build/vm-check-<name>.log.  On the console only, a failed kernel's
# failed checks and build warnings follow its line.
#
#   matrix.sh NAME...     (make passes MAKE and the make variables: T=...)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
make=${MAKE:-make}
mkdir -p build
summary=build/matrix.txt
start=$(date +%s)
ok=0 bad=0 tp=0 tf=0 ts=0

line() { echo "$*"; echo "$*" >>"$summary.tmp"; }

: >"$summary.tmp"
line "# make check-matrix, $(date -u '+%Y-%m-%d %H:%M UTC'), $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo '+changes')"
for k in "$@"; do
	out=build/matrix-$k.out
	t0=$(date +%s)
	if ! ITG_KERNEL=$k scripts/deps.sh >"$out" 2>&1; then
		line "$(printf '%-9s %-26s deps failed: %s' "$k" '?' "$(tail -n1 "$out")")"
		bad=$((bad + 1))
		continue
	fi
	t1=$(date +%s)
	kver=$(scripts/kernels.sh kver "$k")
	$make --no-print-directory check KERNEL="$k" W=1 >>"$out" 2>&1
	rc=$?
	t2=$(date +%s)
	result=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$out" | tail -n1)
	# Compiler and modpost warnings of the module's W=1 build.
	warnings=$(grep -cE '(\.[ch]:[0-9]+:[0-9]+: warning:|WARNING: modpost)' "$out")
	if [ -z "$result" ]; then
		result="no result (make exit $rc)"
		tf=$((tf + 1)) rc=1
	else
		read -r p _ f _ s _ <<<"${result//,/}"
		tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
	fi
	build="build clean"
	if [ "$warnings" -ne 0 ]; then
		build="$warnings build warnings"
		rc=1
	fi
	fail=$(grep -m1 '^vm: FAILED' "$out" || true)
	line "$(printf '%-9s %-26s %-32s %-18s deps %3ds, run %3ds%s' "$k" "$kver" "$result" "$build" \
		$((t1 - t0)) $((t2 - t1)) "${fail:+  ($fail)}")"
	if [ $rc -eq 0 ]; then
		ok=$((ok + 1))
	else
		bad=$((bad + 1))
		# What failed, on the console (CI shows only this output).
		grep -E 'FAIL +not ok|: *Expected |vm: FAILED|^vm-regs:' "$out" |
			head -n 20 | sed 's/^/    /'
		grep -E '(\.[ch]:[0-9]+:[0-9]+: warning:|WARNING: modpost)' "$out" |
			head -n 5 | sed 's/^/    /'
	fi
done
line "matrix: $ok of $# kernels passed in $(( $(date +%s) - start )) s"
line "matrix: $tp passed, $tf failed, $ts skipped"
mv "$summary.tmp" "$summary"
[ $bad -eq 0 ]
