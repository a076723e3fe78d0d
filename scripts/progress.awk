# SPDX-License-Identifier: GPL-2.0
# Progress of a test VM run on the console: which program runs, each
# test's result, failures with their diagnostics, kernel trouble.
/^ITG-BOOTED/		{ print "vm: booted " $2; fflush(); next }
/^ITG-TEST-BEGIN/	{ print "  " $2 " (" $3 ")"; fflush(); next }
/^ITG-TEST-END/		{ if ($4 != "rc=0") print "    exited " $4; fflush(); next }
/^ITG-FAIL:/		{ print; fflush(); next }
/^ITG-KMEMLEAK:/		{ print "  " $0; fflush(); next }
/^ITG-TP:/		{ print "  " $0; fflush(); next }
/^not ok [0-9]+/	{ print "    FAIL " $0; fflush(); next }
/^ok [0-9]+.*# SKIP/	{ print "    skip " $0; fflush(); next }
/^ok [0-9]+/		{ print "    pass " $0; fflush(); next }
/^# +(FAIL|.*[Ee]xpected|.*: Test terminated)/ { print "    " $0; fflush(); next }
/Kernel panic|BUG:|WARNING:|Oops|Call Trace|sleeping function|blocked for more than/ { print "    kernel: " $0; fflush() }
