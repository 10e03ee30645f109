# Sourced by matrix_skip.sh and matrix_threads_timeout.sh, which set bin
# (allocbench), out (a folder of their own) and fail.

# skip_matrix NAME LINE: writes $out.def, a matrix with a 1 ms budget and
# 2 reps holding LINE (two sizes: 4 cells), runs it into $out/skip (stderr
# in $out.skip.log); fail=1 unless it exits 0.
skip_matrix() {
    rm -rf "$out" "$out.def"
    mkdir -p "$out"
    printf 'mode quick ops=100000 budget_s=0.001 reps=2\nmode full  ops=100000 budget_s=0.001 reps=2\n%s\n' \
        "$2" >"$out.def"
    "$bin" matrix --quick --matrix "$out.def" --out "$out/skip" >"$out.skip.log" 2>&1
    rc=$?
    [ "$rc" -eq 0 ] || { echo "$1: exit status $rc, want 0"; cat "$out.skip.log"; fail=1; }
}

# skip_messages NAME CELL: stderr names CELL as the one that timed out for
# the 3 others, and the closing line counts them.
skip_messages() {
    n=$(grep -c "not run: $2 ran out of its time budget" "$out.skip.log")
    [ "$n" -eq 3 ] || { echo "$1: stderr names the timed-out cell $n times, want 3"; fail=1; }
    grep -q ' 1 cells run, 0 resumed, 0 failed (in this folder), 3 not run after a timeout' "$out.skip.log" ||
        { echo "$1: the closing line does not count them"; tail -1 "$out.skip.log"; fail=1; }
}
