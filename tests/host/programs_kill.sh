#!/bin/bash
# programs_kill.sh ALLOCBENCH OUTDIR
# Kill anywhere, for `allocbench programs`: a quick run (glibc and the
# firstfit heap, hyperfine --runs 1) is killed with SIGKILL at 10 random
# points, after once with SIGINT and once with SIGTERM, resumed each time.
# The final folder must hold exactly the rows of an uninterrupted run
# (program, allocator, runs, footprint kind and status: timings differ
# between runs), the same files (no temporary, no leftover output), and no
# child (hyperfine, python3, gcc, cc1, perl) may outlive a killed run. After
# every interruption programs.csv, if there, has whole rows and no key twice.
# Exit 77 (skipped) if hyperfine, python3, gcc or perl is missing.
set -u
bin=$1 out=$2
for t in hyperfine python3 gcc perl; do
    command -v "$t" >/dev/null || { echo "programs_kill: skipped: no $t"; exit 77; }
done
F=(--quick --heaps glibc,firstfit --runs 1)
# Every process of a run carries the tag in its environment.
tag="programs-kill-$$"
rm -rf "$out"
mkdir -p "$out"
fail=0
no() { echo "programs_kill: $*"; fail=1; }
alive() { grep -lsa "AB_PROGRAMS_KILL_TAG=$tag" /proc/[0-9]*/environ 2>/dev/null; }

# The columns two runs share, sorted; fails on a row with the wrong number
# of fields or a key twice.
keys() {
    awk -F, 'NR == 1 { n = NF; next }
        NF != n { printf "%s:%d: %d fields, header has %d\n", FILENAME, NR, NF, n > "/dev/stderr"; bad = 1 }
        seen[$1 "," $2]++ { printf "%s:%d: %s,%s twice\n", FILENAME, NR, $1, $2 > "/dev/stderr"; bad = 1 }
        { print $1 "," $2 "," $3 "," $12 "," $13 }
        END { exit bad }' "$1" | sort
    return "${PIPESTATUS[0]}"
}

t0=$(date +%s)
AB_PROGRAMS_KILL_TAG=$tag "$bin" programs "${F[@]}" --out "$out/ref" >"$out/ref.log" 2>&1
ref_rc=$?
echo "programs_kill: the uninterrupted run took $(($(date +%s) - t0)) s, exit $ref_rc"
[ "$ref_rc" -eq 0 ] || no "the uninterrupted run exited $ref_rc (see $out/ref.log)"

run="$out/run"
RANDOM=$$
stopped=0
# SIGINT and SIGTERM first, while there is most left to stop.
for k in INT TERM 1 2 3 4 5 6 7 8 9 10; do
    sig=KILL
    [ "$k" = INT ] && sig=INT
    [ "$k" = TERM ] && sig=TERM
    AB_PROGRAMS_KILL_TAG=$tag "$bin" programs "${F[@]}" --out "$run" >"$out/kill-$k.log" 2>&1 &
    pid=$!
    # 0 .. 4.5 s at first, up to 0 .. 8.5 s: the points move on through the
    # checked runs, the recorder, hyperfine, the files, heapscale and
    # heappairs as the resumed runs keep what the killed ones finished.
    n=4
    [ "$sig" = KILL ] && n=$((k + 2))
    cs=$((RANDOM % (250 + 50 * n)))
    # INT and TERM from 0.5 s on: a signal during process start-up, before
    # any handler exists, only kills the process (slow under ASan).
    [ "$sig" != KILL ] && [ "$cs" -lt 50 ] && cs=$((cs + 50))
    sleep "$((cs / 100)).$(printf '%02d' $((cs % 100)))"
    kill -s "$sig" "$pid" 2>/dev/null
    { wait "$pid"; } 2>/dev/null
    rc=$?
    if [ "$sig" != KILL ] && [ "$rc" -ne 0 ]; then
        want=$((128 + $(kill -l "$sig")))
        [ "$rc" -eq "$want" ] || no "SIG$sig: exit $rc, want $want"
        grep -q "stopped after .*; resume with: allocbench programs" "$out/kill-$k.log" ||
            no "SIG$sig: no 'stopped after ...; resume with' line"
    fi
    [ "$rc" -ne 0 ] && stopped=$((stopped + 1))
    sleep 0.3
    left=$(alive)
    if [ -n "$left" ]; then
        no "SIG$sig: a process of the killed run is still running:" \
            "$(for f in $left; do tr '\0' ' ' <"${f%environ}cmdline"; echo; done)"
        for f in $left; do p=${f#/proc/}; kill -KILL "${p%/environ}" 2>/dev/null; done
    fi
    if [ -f "$run/programs.csv" ]; then
        keys "$run/programs.csv" >/dev/null || no "SIG$sig ($k): programs.csv has a bad row"
    fi
done
AB_PROGRAMS_KILL_TAG=$tag "$bin" programs "${F[@]}" --out "$run" >"$out/final.log" 2>&1
rc=$?
[ "$rc" -eq "$ref_rc" ] || no "the resumed run exited $rc, the uninterrupted one $ref_rc (see $out/final.log)"

keys "$out/ref/programs.csv" >"$out/ref.rows" || no "ref/programs.csv has a bad row"
keys "$run/programs.csv" >"$out/run.rows" || no "run/programs.csv has a bad row"
[ -s "$out/ref.rows" ] || no "ref/programs.csv has no rows"
cmp -s "$out/ref.rows" "$out/run.rows" ||
    no "programs.csv differs from the uninterrupted run's (diff $out/ref.rows $out/run.rows)"
for f in heapscale heappairs; do
    cut -d, -f1-4 "$out/ref/$f.csv" >"$out/ref.$f"
    cut -d, -f1-4 "$run/$f.csv" >"$out/run.$f" 2>/dev/null
    cmp -s "$out/ref.$f" "$out/run.$f" || no "$f.csv's rows differ from the uninterrupted run's"
done
(cd "$out/ref" && find . | sort) >"$out/ref.files"
(cd "$run" && find . | sort) >"$out/run.files"
cmp -s "$out/ref.files" "$out/run.files" ||
    no "the folder's files differ from the uninterrupted run's (diff $out/ref.files $out/run.files)"
stale=$(find "$run" -name '*.tmp*')
[ -z "$stale" ] || no "temporary files left: $stale"
n=$(($(grep -c . "$run/programs.csv") - 1))
[ "$fail" -eq 0 ] && echo "programs_kill: ok (12 interruptions, $stopped of them mid-run; $n rows as uninterrupted)"
exit "$fail"
