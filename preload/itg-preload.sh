#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run a test program of the VM under the preload library, in a line of
# selftests/tests.list:  <uid> <kind> itg-preload [VAR=value ...] PROG [ARGS]
# The settings (ITG_PRELOAD_SCOPE=private, ...) apply to PROG only.
here=$(dirname "$0")
while [ $# -gt 0 ]; do
	case "$1" in
	*=*) export "${1?}"; shift ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: itg-preload [VAR=value ...] PROG [ARGS]" >&2; exit 2; }
prog=$1
shift
echo "# itg-preload: LD_PRELOAD=$here/libitg_preload.so $prog $*"
LD_PRELOAD=$here/libitg_preload.so exec "$here/$prog" "$@"
