#!/bin/sh
# mtrace_run.sh ALLOCBENCH PYTHON3 DIR HEAPS...
# Records python3 with `allocbench record`, replays the trace with
# `allocbench run --workload mtrace:FILE` on every heap, and checks the rows:
# summary.csv has HEAP@buddy rows (role heap, ops malloc and free, status ok)
# for each heap, and mtrace.csv a footprint/live line per heap.
set -u
ab=$1 py=$2 dir=$3
shift 3
rm -rf "$dir" && mkdir -p "$dir" || exit 1
"$ab" record -o "$dir/py.abt" -- "$py" -c 'd = {i: str(i) * (i % 40) for i in range(50000)}; print(sum(map(len, d.values())))' || exit 1
"$ab" run --workload "mtrace:$dir/py.abt" --strategy buddy --mem 1G --out "$dir/run" || exit 1
fail=0
for h in "$@"; do
    for op in malloc free; do
        grep -q "^host,$h@buddy,heap,mtrace,1073741824,.*,$op,.*,ok\$" "$dir/run/summary.csv" ||
            { echo "mtrace_run: no ok $op row for $h@buddy"; fail=1; }
    done
    awk -F, -v h="$h" 'NR > 1 && $1 == h && $7 >= 1 && $10 == "ok" { f = 1 } END { exit !f }' \
        "$dir/run/mtrace.csv" || { echo "mtrace_run: no footprint/live line for $h"; fail=1; }
done
cat "$dir/run/mtrace.csv"
[ "$fail" -eq 0 ] && echo "mtrace_run: ok"
exit "$fail"
