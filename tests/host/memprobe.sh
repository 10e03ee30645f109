#!/bin/sh
# memprobe.sh ALLOCBENCH DIR
# allocbench memprobe writes one row per buffer size (16 KiB up to --max,
# powers of 2) with a positive latency; a second run keeps the file and
# exits 1; merge carries the first source's memprobe.csv and keeps the
# second's as memprobe-2.csv.
set -u
ab=$1 dir=$2
rm -rf "$dir"
mkdir -p "$dir"
fail() { echo "memprobe: FAIL: $*"; exit 1; }
"$ab" memprobe --max 64K -o "$dir/a" || fail "memprobe exited $?"
f=$dir/a/memprobe.csv
[ "$(head -1 "$f")" = "bytes,ns_per_load,ns_min,ns_max,trials,loads_per_trial" ] || fail "header: $(head -1 "$f")"
[ "$(tail -n +2 "$f" | cut -d, -f1 | tr '\n' ' ')" = "16384 32768 65536 " ] || fail "sizes: $(cat "$f")"
tail -n +2 "$f" | awk -F, '!($2 > 0 && $3 <= $2 && $2 <= $4 && $5 == 5) { bad = 1 } END { exit bad }' ||
    fail "a latency that is not positive, or a median outside its range: $(cat "$f")"
cp "$f" "$dir/before"
out=$("$ab" memprobe --max 64K -o "$dir/a" 2>&1)
[ $? -eq 1 ] || fail "a second run into the same folder did not exit 1"
echo "$out" | grep -q "memprobe.csv exists; it is kept" || fail "no message for the kept file: $out"
cmp -s "$f" "$dir/before" || fail "the second run changed memprobe.csv"
# merge: two run folders, each with a cell and its own memprobe.csv.
"$ab" run -s stack -w bulk -m 64M -o "$dir/a" >/dev/null 2>&1 || fail "run a"
"$ab" run -s buddy -w bulk -m 64M -o "$dir/b" >/dev/null 2>&1 || fail "run b"
printf 'bytes,ns_per_load,ns_min,ns_max,trials,loads_per_trial\n16384,2,1,3,5,9\n' >"$dir/b/memprobe.csv"
"$ab" merge "$dir/a" "$dir/b" -o "$dir/m" >/dev/null 2>&1 || fail "merge exited $?"
cmp -s "$dir/m/memprobe.csv" "$f" || fail "merge: memprobe.csv is not the first source's"
cmp -s "$dir/m/memprobe-2.csv" "$dir/b/memprobe.csv" || fail "merge: memprobe-2.csv is not the second's"
echo "memprobe: ok"
