#!/bin/bash
# merge_kill.sh ALLOCBENCH OUTDIR
# Kill anywhere, for `allocbench merge`: 60 generated source folders (about
# half a second of merging) are merged into RUN, killed with SIGKILL at 10
# random points, then once with SIGINT and once with SIGTERM, and merged
# again each time. Every file a stopped merge left in RUN must be, byte for
# byte, the uninterrupted merge's (no half-written CSV in place), RUN must
# be taken back as the merge's own folder every time, and the final RUN must
# equal the uninterrupted one with no temporary left. A folder holding
# only a temporary (a merge killed before its mark) is its own too; a folder
# with anything else is refused.
set -u
bin=$1 out=$2
rm -rf "$out"
mkdir -p "$out/src"
fail=0
no() { echo "merge_kill: $*"; fail=1; }

# Source I: summary.csv and frag.csv of 5000 rows, meta.json, gbench.json,
# and a failures.csv for every seventh.
for i in $(seq 1 60); do
    d="$out/src/s$i"
    mkdir -p "$d"
    awk -v i="$i" -v n=5000 'BEGIN {
        print "cell,strategy,seed,ops,value,status"
        for (r = 0; r < n; r++)
            printf "c%d-%d,buddy,%d,%d,%d.%03d,ok\n", i, r, i * n + r, r * 7, r % 1000, (r * 31) % 1000
    }' >"$d/summary.csv"
    awk -v i="$i" -v n=5000 'BEGIN {
        print "cell,step,frag"
        for (r = 0; r < n; r++)
            printf "c%d,%d,%d.%04d\n", i, r, r % 97, r % 10000
    }' >"$d/frag.csv"
    [ $((i % 7)) -eq 3 ] && printf 'cell,n,status\nc%d,%d,crash\n' "$i" "$i" >"$d/failures.csv"
    printf '{\n  "host": "h%d",\n  "seed": %d\n}\n' "$i" "$i" >"$d/meta.json"
    printf '{"benchmarks": [%d]}\n' "$i" >"$d/gbench.json"
done
src=()
for i in $(seq 1 60); do src+=("$out/src/s$i"); done

t0=$(date +%s.%N)
"$bin" merge "${src[@]}" -o "$out/ref" >"$out/ref.log" 2>&1 || no "the uninterrupted merge failed: $(cat "$out/ref.log")"
t1=$(date +%s.%N)
echo "merge_kill: the uninterrupted merge took $(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") s"

# Every file in RUN but temporaries must be the uninterrupted merge's.
same_files() {
    for f in "$1"/* "$1"/.allocbench-merge; do
        [ -e "$f" ] || continue
        case "$f" in *.tmp.*) continue ;; esac
        cmp -s "$f" "$out/ref/${f##*/}" || no "$2: ${f##*/} is not the uninterrupted merge's"
    done
}

run="$out/run"
RANDOM=$$
stopped=0
for k in 1 2 3 4 5 6 7 8 9 10 INT TERM; do
    sig=KILL
    [ "$k" = INT ] && sig=INT
    [ "$k" = TERM ] && sig=TERM
    "$bin" merge "${src[@]}" -o "$run" >"$out/kill-$k.log" 2>&1 &
    pid=$!
    # 0 .. 0.6 s: before the mark, between the CSVs, among the gbench copies.
    # INT and TERM from 0.2 s on: a signal during process start-up, before
    # any handler exists, only kills the process (slow under ASan).
    if [ "$sig" = KILL ]; then
        sleep "$(printf '0.%02d' $((RANDOM % 60)))"
    else
        sleep "$(printf '0.%02d' $((20 + RANDOM % 40)))"
    fi
    kill -s "$sig" "$pid" 2>/dev/null
    { wait "$pid"; } 2>/dev/null
    rc=$?
    grep -q "refusing" "$out/kill-$k.log" && no "SIG$sig: the merge refused its own folder: $(cat "$out/kill-$k.log")"
    if [ "$sig" != KILL ] && [ "$rc" -ne 0 ]; then
        want=$((128 + $(kill -l "$sig")))
        [ "$rc" -eq "$want" ] || no "SIG$sig: exit $rc, want $want"
        grep -q "stopped after .*; resume with: allocbench merge" "$out/kill-$k.log" ||
            no "SIG$sig: no 'stopped after ...; resume with' line"
    fi
    [ "$rc" -ne 0 ] && stopped=$((stopped + 1))
    [ -d "$run" ] && same_files "$run" "SIG$sig ($k)"
done
"$bin" merge "${src[@]}" -o "$run" >"$out/final.log" 2>&1 || no "the final merge failed: $(cat "$out/final.log")"
diff -r "$out/ref" "$run" >"$out/final.diff" 2>&1 || no "RUN differs from the uninterrupted merge (see $out/final.diff)"
stale=$(find "$run" -name '*.tmp*')
[ -z "$stale" ] || no "temporary files left: $stale"

# Killed before its mark was in place: a folder of temporaries is its own.
mkdir -p "$out/early"
echo "allocbench merge" >"$out/early/.allocbench-merge.tmp.99999"
"$bin" merge "${src[@]}" -o "$out/early" >"$out/early.log" 2>&1 || no "a folder holding only a temporary was refused: $(cat "$out/early.log")"
diff -r "$out/ref" "$out/early" >/dev/null 2>&1 || no "early: RUN differs from the uninterrupted merge"
# ... but a folder with anything else is not.
mkdir -p "$out/foreign"
echo x >"$out/foreign/notes.txt"
"$bin" merge "${src[@]}" -o "$out/foreign" >"$out/foreign.log" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q "no merge made it" "$out/foreign.log" || no "a foreign folder: exit $rc, want 1 and a refusal"

[ "$fail" -eq 0 ] && echo "merge_kill: ok (12 interruptions, $stopped of them mid-merge; the final folder is the uninterrupted one, byte for byte)"
exit "$fail"
