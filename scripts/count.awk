# SPDX-License-Identifier: GPL-2.0
# Count test results in a VM console log: "ok N" lines pass ("# SKIP"
# ones are skipped), "not ok N" lines fail.  A program that exits non-zero
# without reporting a failure, or never reports its end, counts as one
# failure.  Prints "pass fail skip".
/^ITG-TEST-BEGIN/ { open_prog = $2; prog_fail = 0; next }
/^ITG-TEST-END/ {
	if ($4 != "rc=0" && !prog_fail) fail++
	open_prog = ""; next
}
open_prog != "" && /^not ok [0-9]+/ { fail++; prog_fail = 1; next }
open_prog != "" && /^ok [0-9]+.*# SKIP/ { skip++; next }
open_prog != "" && /^ok [0-9]+/ { pass++; next }
END {
	if (open_prog != "") fail++
	printf "%d %d %d\n", pass, fail, skip
}
