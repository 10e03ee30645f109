#!/bin/sh
# run_out.sh CASE ALLOCBENCH DIR
# The run folder that `allocbench run --out DIR` writes into.
#   ok_after_write  rows that cannot be written: exit 1, a message naming the
#                   file, and never "ok; results in" (it was printed first)
#   appends         a second cell and the same cell again are added under
#                   one header (the same cell as rep 1); a CSV with another
#                   header is refused naming --force, and --force keeps it
#                   as FILE.old; nothing is ever truncated
set -u
case_=$1 ab=$2 dir=$3
rm -rf "$dir" && mkdir -p "$dir" || exit 1
cell() { s=$1; shift; "$ab" run --strategy "$s" --workload bulk --mem 64M --out "$dir" "$@"; }
fail() { echo "run_out: $case_: $*"; exit 1; }
case $case_ in
ok_after_write)
    mkdir "$dir/summary.csv" || exit 1
    out=$(cell buddy 2>&1 >/dev/null); rc=$?
    printf '%s\n' "$out"
    [ "$rc" -eq 1 ] || fail "exit $rc, want 1"
    printf '%s\n' "$out" | grep -q "cannot write $dir/summary.csv" || fail "no message naming summary.csv"
    printf '%s\n' "$out" | grep -q "results in" && fail "said 'results in' for rows it did not write"
    ;;
appends)
    cell buddy >/dev/null 2>&1 || fail "first cell failed"
    n1=$(wc -l < "$dir/summary.csv")
    cell bitmap >/dev/null 2>&1 || fail "second cell failed"
    cell buddy >/dev/null 2>&1 || fail "the same cell again failed"
    n3=$(wc -l < "$dir/summary.csv")
    [ "$(grep -c '^env,' "$dir/summary.csv")" -eq 1 ] || fail "summary.csv: not one header"
    [ "$(grep -c '^env,' "$dir/frag.csv")" -eq 1 ] || fail "frag.csv: not one header"
    [ "$n3" -eq $((3 * n1 - 2)) ] || fail "summary.csv has $n3 lines, want $((3 * n1 - 2))"
    grep -q '^host,bitmap,pmm,bulk,67108864,[^,]*,1,1,0,' "$dir/summary.csv" || fail "no bitmap rep 0"
    grep -q '^host,buddy,pmm,bulk,67108864,[^,]*,1,1,0,' "$dir/summary.csv" || fail "no buddy rep 0"
    grep -q '^host,buddy,pmm,bulk,67108864,[^,]*,1,1,1,' "$dir/summary.csv" || fail "no buddy rep 1"
    grep -q '^host,buddy,bulk,67108864,1,1,1,' "$dir/frag.csv" || fail "no buddy rep 1 in frag.csv"
    sed -i '1s/^env,/ENV,/' "$dir/summary.csv"
    out=$(cell buddy 2>&1 >/dev/null) && fail "a summary.csv with another header was accepted"
    printf '%s\n' "$out" | grep -q -- "--force" || fail "the refusal does not name --force"
    [ "$(wc -l < "$dir/summary.csv")" -eq "$n3" ] || fail "the refused run changed summary.csv"
    cell buddy --force >/dev/null 2>&1 || fail "--force failed"
    [ "$(wc -l < "$dir/summary.csv.old")" -eq "$n3" ] || fail "--force lost the old rows"
    ;;
*) fail "unknown case" ;;
esac
echo "run_out: $case_: ok"
