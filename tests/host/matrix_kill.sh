#!/bin/bash
# matrix_kill.sh ALLOCBENCH OUTDIR
# Kill anywhere: a small quick host matrix (one cell made to crash) is killed
# with SIGKILL at 10 random points, then once with SIGINT and once with
# SIGTERM, resumed each time. The final run must hold exactly the rows of an
# uninterrupted run with the same seeds (timing columns aside, sorted: no
# lost, duplicated or half-written row), the same failures.csv, exit 1 like
# it (the crashed cell counts from the folder, not the session), and no
# temporary file; no cell process may outlive a killed matrix.
set -u
bin=$1 out=$2
here=$(dirname "$0")
rows="sh $here/matrix_rows.sh"
F=(--quick --host-only --reps 3 --strategy buddy,stack,bitmap,freelist --mem 64M)
export ALLOCBENCH_TEST_CRASH_CELL=stack-pmm-churn-64M-f900-t1-s1-r0
rm -rf "$out"
mkdir -p "$out"
fail=0
no() { echo "matrix_kill: $*"; fail=1; }

"$bin" matrix "${F[@]}" --out "$out/ref" >"$out/ref.log" 2>&1
rc=$?
[ "$rc" -eq 1 ] || no "the uninterrupted run exited $rc, want 1 (a crashed cell)"

run="$out/run"
RANDOM=$$
for k in 1 2 3 4 5 6 7 8 9 10 INT TERM; do
    sig=KILL
    [ "$k" = INT ] && sig=INT
    [ "$k" = TERM ] && sig=TERM
    "$bin" matrix "${F[@]}" --out "$run" >"$out/kill-$k.log" 2>&1 &
    pid=$!
    if [ "$sig" = KILL ]; then
        # 0.05 .. 1.5 s: before the first cell, inside cells, between files.
        sleep "$(printf '0.%02d' $((RANDOM % 100)))"
        [ $((RANDOM % 2)) -eq 0 ] && sleep 0.5
    else
        # INT and TERM test the stop after a cell: send them once the
        # matrix runs cells (a signal during process start-up, before any
        # handler exists, only kills it, as for any program; under ASan
        # start-up takes long enough for the random delay to land there).
        for _ in $(seq 100); do grep -q '^\[' "$out/kill-$k.log" && break; sleep 0.05; done
        sleep "$(printf '0.%02d' $((RANDOM % 30)))"
    fi
    kill -s "$sig" "$pid" 2>/dev/null
    { wait "$pid"; } 2>/dev/null
    rc=$?
    if [ "$sig" != KILL ] && [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
        want=$((128 + $(kill -l "$sig")))
        [ "$rc" -eq "$want" ] || no "SIG$sig: exit $rc, want $want"
        grep -q "stopped after cell .*; resume with: allocbench matrix" "$out/kill-$k.log" ||
            no "SIG$sig: no 'stopped after cell ...; resume with' line"
    fi
    sleep 0.3
    if pgrep -f -- "--out $run" >/dev/null; then
        no "SIG$sig: a process of the killed matrix is still running: $(pgrep -af -- "--out $run")"
        pkill -KILL -f -- "--out $run"
    fi
done
"$bin" matrix "${F[@]}" --out "$run" >"$out/final.log" 2>&1
rc=$?
[ "$rc" -eq 1 ] || no "the resumed run exited $rc, want 1 (its folder has a crashed cell)"

for f in summary frag; do
    $rows "$out/ref/$f.csv" >"$out/ref.$f.rows" || no "ref/$f.csv has a bad row"
    $rows "$run/$f.csv" >"$out/run.$f.rows" || no "run/$f.csv has a bad row"
    cmp -s "$out/ref.$f.rows" "$out/run.$f.rows" ||
        no "$f.csv differs from the uninterrupted run's (diff $out/ref.$f.rows $out/run.$f.rows)"
done
sort "$out/ref/failures.csv" >"$out/ref.failures"
sort "$run/failures.csv" >"$out/run.failures" 2>/dev/null
cmp -s "$out/ref.failures" "$out/run.failures" || no "failures.csv differs (diff $out/ref.failures $out/run.failures)"
[ "$(grep -c ',crash,' "$run/failures.csv")" -eq 1 ] || no "failures.csv: want one crash line"
stale=$(find "$run" -name '*.tmp*')
[ -z "$stale" ] || no "temporary files left: $stale"
n=$(($(grep -c . "$run/summary.csv") - 1))
[ "$fail" -eq 0 ] && echo "matrix_kill: ok (12 interruptions, $n summary rows as uninterrupted)"
exit "$fail"
