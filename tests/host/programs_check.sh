#!/bin/sh
# programs_check.sh ALLOCBENCH OUT_DIR HEAPS...
# Runs `allocbench programs --quick --runs 2` and checks DIR/programs.csv:
# a row for every program x allocator (the heaps given, jemalloc, glibc),
# status ok (jemalloc may be "skipped:" when libjemalloc.so.2 is absent),
# sane numbers (positive times, min <= median <= max, max RSS, peak live and
# footprint above 0, footprint/live in [1, 100) for the heaps), the
# hyperfine JSON of each program, and heapscale.csv rows for every heap.
set -u
ab=$1 out=$2
shift 2
heaps="$*"
rm -rf "$out"
if ! "$ab" programs --quick --runs 2 --out "$out"; then
    echo "programs_check: allocbench programs failed"
    [ -f "$out/programs.csv" ] && cat "$out/programs.csv"
    exit 1
fi
csv=$out/programs.csv
[ -f "$csv" ] || { echo "programs_check: no $csv"; exit 1; }
fail=0
for prog in python gcc perl; do
    [ -s "$out/hyperfine-$prog.json" ] || { echo "programs_check: no hyperfine-$prog.json"; fail=1; }
    for al in $heaps jemalloc glibc; do
        line=$(awk -F, -v p="$prog" -v a="$al" 'NR > 1 && $1 == p && $2 == a' "$csv")
        if [ -z "$line" ]; then
            echo "programs_check: no row for $prog x $al"; fail=1; continue
        fi
        if ! printf '%s\n' "$line" | awk -F, -v a="$al" '
            # columns: program allocator runs median stddev min max rss live fp ratio kind status
            $13 ~ /^skipped:/ && a == "jemalloc" { exit 0 }
            $13 != "ok" { print "status: " $13; exit 1 }
            !($3 >= 1 && $4 > 0 && $6 > 0 && $6 <= $4 && $4 <= $7) { print "times"; exit 1 }
            !($8 > 1000 && $9 > 0 && $10 > 0 && $11 > 0) { print "rss/live/footprint"; exit 1 }
            $12 == "heap" && !($11 >= 1 && $11 < 100) { print "heap footprint/live " $11; exit 1 }
            { exit 0 }'; then
            echo "programs_check: bad row: $line"; fail=1
        fi
    done
done
for h in $heaps; do
    n=$(awk -F, -v h="$h" 'NR > 1 && $1 == h && $5 > 0' "$out/heapscale.csv" | wc -l)
    [ "$n" -ge 4 ] || { echo "programs_check: heapscale.csv has $n rows for $h"; fail=1; }
done
# heappairs.csv: every heap and glibc timed with a positive mean; the slab
# ratio to jemalloc present whenever jemalloc loaded.
pairs="$out/heappairs.csv"
for al in $heaps glibc; do
    awk -F, -v a="$al" 'NR > 1 && $1 == a && $5 > 0 { found = 1 } END { exit !found }' "$pairs" ||
        { echo "programs_check: heappairs.csv lacks a timed row for $al"; fail=1; }
done
if awk -F, 'NR > 1 && $1 == "jemalloc"' "$pairs" | grep -q .; then
    awk -F, 'NR > 1 && $1 == "slab" && $7 > 0 { found = 1 } END { exit !found }' "$pairs" ||
        { echo "programs_check: heappairs.csv has no slab/jemalloc ratio"; fail=1; }
fi
cat "$csv" "$pairs"
[ "$fail" -eq 0 ] && echo "programs_check: ok"
exit "$fail"
