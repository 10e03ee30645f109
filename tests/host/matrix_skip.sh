#!/bin/sh
# matrix_skip.sh ALLOCBENCH OUTDIR
# Once a host cell runs out of its time budget, the matrix does not run its
# series at that size in the other reps or at larger sizes: each of those
# cells gets one row with status skipped-timeout, the run says which cell
# timed out, and nothing is dropped. --no-skip runs them all.
# A matrix file with a 1 ms budget: freelist's rand cells at 64M and 1G,
# 2 reps (4 cells); the first one runs out of time.
set -u
bin=$1 out=$2 fail=0
. "$(dirname "$0")/skip_common.sh"
skip_matrix matrix_skip "host freelist pmm rand 0.5 64M,1G 64M,1G 1"
s="$out/skip/summary.csv"
t=$(grep -c ',timeout$' "$s")
k=$(grep -c ',-,.*,skipped-timeout$' "$s")
[ "$t" -ge 1 ] || { echo "matrix_skip: no timed-out row"; fail=1; }
[ "$k" -eq 3 ] || { echo "matrix_skip: $k skipped-timeout rows, want 3"; fail=1; }
skip_messages matrix_skip freelist-pmm-rand-64M-f500-t1-s1-r0
# Resumed, the folder stays as it is (every cell is done).
"$bin" matrix --quick --matrix "$out.def" --out "$out/skip" >"$out.resume.log" 2>&1 ||
    { echo "matrix_skip: resume failed"; fail=1; }
[ "$(grep -c ',skipped-timeout$' "$s")" -eq 3 ] || { echo "matrix_skip: resume changed the rows"; fail=1; }
"$bin" matrix --quick --no-skip --matrix "$out.def" --out "$out/all" >"$out.all.log" 2>&1
# cells, not rows (a timed-out cell keeps the rows of what it measured):
# mem_bytes and rep are fields 5 and 9
a=$(grep ',timeout$' "$out/all/summary.csv" | cut -d, -f5,9 | sort -u | wc -l)
[ "$a" -eq 4 ] || { echo "matrix_skip: --no-skip ran $a cells into their budget, want 4"; fail=1; }
grep -q skipped-timeout "$out/all/summary.csv" && { echo "matrix_skip: --no-skip skipped"; fail=1; }
[ "$fail" -eq 0 ] && echo "matrix_skip: ok (1 cell timed out, 3 recorded as skipped-timeout; --no-skip ran 4)"
exit "$fail"
