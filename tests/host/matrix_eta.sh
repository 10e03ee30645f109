#!/bin/sh
# matrix_eta.sh ALLOCBENCH OUTDIR
# The ETA comes from the same cell's time in another rep: each cell's wall
# time goes to cells/times.csv, and a resumed matrix reads it. Here an
# earlier session recorded 600 s for rep 1 of stack's bulk cell (a
# sibling of rep 0, which is not done): the first ETA counts 600 s for each
# of the two reps not run, 20 minutes, where the operation-count guess
# gives a fraction of a second. The cells then record their own times.
# Then a series that timed out counts nothing at its size and above.
set -u
bin=$1 out=$2 fail=0
rm -rf "$out" "$out.def"
mkdir -p "$out/run/cells"
printf 'mode quick ops=1000 budget_s=60 reps=2\nmode full ops=1000 budget_s=60 reps=2\n%s\n' \
    "host stack pmm bulk 0.5 64M 64M 1" >"$out.def"
printf 'stack-pmm-bulk-64M-f500-t1-s2-r1,600.000,ran\nstack-pmm-bulk-64M-f5' \
    >"$out/run/cells/times.csv" # the second line a kill cut short: ignored
"$bin" matrix --quick --matrix "$out.def" --out "$out/run" >"$out.log" 2>&1 ||
    { echo "matrix_eta: the matrix failed"; cat "$out.log"; fail=1; }
first=$(grep -m1 'ETA' "$out.log")
case "$first" in
*"stack-pmm-bulk-64M-f500-t1-s1-r0 ... ETA 20m00s") ;;
*) echo "matrix_eta: first progress line '$first', want rep 0 with ETA 20m00s"; fail=1 ;;
esac
n=$(grep -c '^stack-pmm-bulk-64M-f500-t1-s[12]-r[01],[0-9.]*,ran$' "$out/run/cells/times.csv")
[ "$n" -eq 3 ] || { echo "matrix_eta: times.csv has $n well-formed lines, want 3"; cat "$out/run/cells/times.csv"; fail=1; }
# A series that timed out is skipped at that size and above, so none of
# it counts: here rep 1 at 64M ran out of its budget in an earlier
# session, and the first ETA (rep 0 at 64M, both reps at 128M left) is
# nothing, not 128M's weight at the 600 s rate that 64M's time gives.
mkdir -p "$out/late/cells"
printf 'mode quick ops=1000 budget_s=60 reps=2\nmode full ops=1000 budget_s=60 reps=2\n%s\n' \
    "host stack pmm bulk 0.5 64M,128M 64M 1" >"$out.def"
printf 'stack-pmm-bulk-64M-f500-t1-s2-r1,600.000,timeout\n' >"$out/late/cells/times.csv"
"$bin" matrix --quick --matrix "$out.def" --out "$out/late" >"$out.late.log" 2>&1 ||
    { echo "matrix_eta: the second matrix failed"; cat "$out.late.log"; fail=1; }
late=$(grep -m1 'ETA' "$out.late.log")
case "$late" in
*"stack-pmm-bulk-64M-f500-t1-s1-r0 ... ETA 0.0s") ;;
*) echo "matrix_eta: after a timeout, first progress line '$late', want ETA 0.0s"; fail=1 ;;
esac
[ "$fail" -eq 0 ] && echo "matrix_eta: ok ($first; $late)"
exit "$fail"
