#!/bin/sh
# record_index.sh ALLOCBENCH DIR
# `allocbench record` under a wrapper script: one trace per recorded
# process, named after its program and pid, and OUT.index.tsv naming them.
# (It wrote 43 FILE.<pid>.abt with nothing to say which program each was.)
set -u
ab=$1 dir=$2
rm -rf "$dir" && mkdir -p "$dir" || exit 1
fail() { echo "record_index: $*"; exit 1; }
"$ab" record -o "$dir/t.abt" -- sh -c 'ls / >/dev/null; cat /dev/null; exit 0' || fail "record failed"
idx="$dir/t.abt.index.tsv"
[ -f "$idx" ] || fail "no $idx"
cat "$idx"
head -1 "$idx" | grep -q "^pid	ppid	program	argv0	file$" || fail "index header"
for prog in ls cat; do
    line=$(awk -F'\t' -v p="$prog" 'NR > 1 && $3 == p' "$idx" | head -1)
    [ -n "$line" ] || fail "no row for $prog"
    file=$(printf '%s\n' "$line" | cut -f5)
    pid=$(printf '%s\n' "$line" | cut -f1)
    case $file in *"t.abt.$prog.$pid".abt|*"t.abt.$prog.$pid".*.abt) ;; *) fail "$prog: file '$file' not named after program and pid";; esac
    [ -s "$dir/$(basename "$file")" ] || fail "$file missing"
done
# dash leaves by _exit(): its own records are lost, and it has no file;
# a python3 under record has one (host.mtrace_run).
echo "record_index: ok"
