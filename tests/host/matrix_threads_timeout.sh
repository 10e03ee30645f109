#!/bin/sh
# matrix_threads_timeout.sh ALLOCBENCH OUTDIR
# A threaded cell has a time budget too: past it the threads stop, the rows
# say status timeout, and the matrix does not run the cell's series at that
# size in the other reps or at larger sizes (rows with status
# skipped-timeout). Before, a threaded cell ran to its end: the full
# matrix's lock+freelist rand at 16 GiB was still running after 10 minutes.
# A matrix file with a 1 ms budget: lock+freelist's threaded rand at 64M
# and 1G, 2 reps (4 cells); the first one runs out of time.
set -u
bin=$1 out=$2
rm -rf "$out" "$out.def"
mkdir -p "$out"
cat >"$out.def" <<'DEF'
mode quick ops=100000 budget_s=0.001 reps=2
mode full  ops=100000 budget_s=0.001 reps=2
threads lock+freelist pmm rand 0 64M,1G 64M,1G 1
DEF
fail=0
"$bin" matrix --quick --matrix "$out.def" --out "$out/skip" >"$out.skip.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || { echo "matrix_threads_timeout: exit status $rc, want 0"; cat "$out.skip.log"; fail=1; }
t="$out/skip/threads.csv"
# status is the next to last field of a threads row; mem_bytes field 4, rep field 8
n=$(grep -c ',timeout,[0-9]*$' "$t")
[ "$n" -eq 2 ] || { echo "matrix_threads_timeout: $n timeout rows (alloc, free), want 2"; fail=1; }
k=$(grep ',skipped-timeout,[0-9]*$' "$t" | cut -d, -f4,8 | sort -u | wc -l)
[ "$k" -eq 3 ] || { echo "matrix_threads_timeout: $k cells with skipped-timeout rows, want 3"; fail=1; }
grep -q 'timeout: lock+freelist rand, 1 threads: time budget' "$out.skip.log" ||
    { echo "matrix_threads_timeout: stderr does not say the cell ran out of time"; fail=1; }
n=$(grep -c 'not run: lock+freelist-pmm-rand-64M-o0-t1-s1-r0 ran out of its time budget' "$out.skip.log")
[ "$n" -eq 3 ] || { echo "matrix_threads_timeout: stderr names the timed-out cell $n times, want 3"; fail=1; }
grep -q ' 1 cells run, 0 resumed, 0 failed (in this folder), 3 not run after a timeout' "$out.skip.log" ||
    { echo "matrix_threads_timeout: the closing line does not count them"; tail -1 "$out.skip.log"; fail=1; }
"$bin" matrix --quick --no-skip --matrix "$out.def" --out "$out/all" >"$out.all.log" 2>&1
a=$(grep ',timeout,[0-9]*$' "$out/all/threads.csv" | cut -d, -f4,8 | sort -u | wc -l)
[ "$a" -eq 4 ] || { echo "matrix_threads_timeout: --no-skip ran $a cells into their budget, want 4"; fail=1; }
[ "$fail" -eq 0 ] && echo "matrix_threads_timeout: ok (1 cell timed out, 3 recorded as skipped-timeout; --no-skip ran 4)"
exit "$fail"
