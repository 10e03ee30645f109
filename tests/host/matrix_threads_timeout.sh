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
bin=$1 out=$2 fail=0
. "$(dirname "$0")/skip_common.sh"
skip_matrix matrix_threads_timeout "threads lock+freelist pmm rand 0 64M,1G 64M,1G 1"
t="$out/skip/threads.csv"
# status is the next to last field of a threads row; mem_bytes field 4, rep field 8
n=$(grep -c ',timeout,[0-9]*$' "$t")
[ "$n" -eq 2 ] || { echo "matrix_threads_timeout: $n timeout rows (alloc, free), want 2"; fail=1; }
k=$(grep ',skipped-timeout,[0-9]*$' "$t" | cut -d, -f4,8 | sort -u | wc -l)
[ "$k" -eq 3 ] || { echo "matrix_threads_timeout: $k cells with skipped-timeout rows, want 3"; fail=1; }
grep -q 'timeout: lock+freelist rand, 1 threads: time budget' "$out.skip.log" ||
    { echo "matrix_threads_timeout: stderr does not say the cell ran out of time"; fail=1; }
skip_messages matrix_threads_timeout lock+freelist-pmm-rand-64M-o0-t1-s1-r0
"$bin" matrix --quick --no-skip --matrix "$out.def" --out "$out/all" >"$out.all.log" 2>&1
a=$(grep ',timeout,[0-9]*$' "$out/all/threads.csv" | cut -d, -f4,8 | sort -u | wc -l)
[ "$a" -eq 4 ] || { echo "matrix_threads_timeout: --no-skip ran $a cells into their budget, want 4"; fail=1; }
[ "$fail" -eq 0 ] && echo "matrix_threads_timeout: ok (1 cell timed out, 3 recorded as skipped-timeout; --no-skip ran 4)"
exit "$fail"
