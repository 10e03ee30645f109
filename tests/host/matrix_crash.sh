#!/bin/sh
# matrix_crash.sh ALLOCBENCH OUTDIR (one repetition of the quick host matrix)
# A host cell that crashes must become a failed cell, not end the matrix:
# one cell's child is made to raise SIGSEGV; the matrix must exit 1, record
# that cell as an error row and a 'crash' line in failures.csv, and still
# finish every other cell.
set -u
bin=$1 out=$2
cell=buddy-pmm-churn-64M-f900-t1-s1-r0
rm -rf "$out"
# The 64 MiB cells of every strategy: enough cells around the crashed one.
F="--quick --host-only --reps 1 --mem 64M --workload bulk,churn,sizes"
# shellcheck disable=SC2086
ALLOCBENCH_TEST_CRASH_CELL=$cell "$bin" matrix $F --out "$out" >"$out.log" 2>&1
rc=$?
fail=0
[ "$rc" -eq 1 ] || { echo "matrix_crash: exit status $rc, want 1"; fail=1; }
# Killed by the signal, or (under ASan, whose handler catches it) exited.
grep -q "FAILED: crashed: " "$out.log" || { echo "matrix_crash: no FAILED line on stderr"; fail=1; }
grep -q '^host,buddy,pmm,churn,67108864,1,crash,' "$out/failures.csv" 2>/dev/null ||
    { echo "matrix_crash: failures.csv lacks the crash line"; fail=1; }
grep -q '^host,buddy,pmm,churn,67108864,0.900,1,1,0,-,.*,error$' "$out/summary.csv" ||
    { echo "matrix_crash: summary.csv lacks the cell's error row"; fail=1; }
# Every other cell finished: its cell file exists and is not empty (the
# gbench step writes no rows: its cell file is empty).
n=$(find "$out/cells" -name '*.summary.csv' ! -name 'gbench.*' -size +0 | wc -l)
# shellcheck disable=SC2086
planned=$("$bin" matrix $F --dry-run 2>/dev/null | grep -vc '^gbench$')
[ "$n" -eq "$planned" ] || { echo "matrix_crash: $n of $planned cells recorded"; fail=1; }
grep -q ',ok$' "$out/summary.csv" || { echo "matrix_crash: no ok rows"; fail=1; }
[ "$fail" -eq 0 ] && echo "matrix_crash: ok ($n cells, the crashed one recorded as failed)"
exit "$fail"
