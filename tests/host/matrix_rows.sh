#!/bin/sh
# matrix_rows.sh CSV: the file's rows without the timing columns (*_ns,
# *_cycles, batch_*, batches*, group_*, cpu_wall, below_resolution: all set
# by how fast the machine was), sorted: what two runs with the same seeds
# must share.
# Also fails (exit 1) if a row has a different number of fields than the
# header (a half-written row).
awk -F, 'NR == 1 {
    for (i = 1; i <= NF; i++)
        keep[i] = $i !~ /(_ns|_cycles)$/ && $i !~ /^(batch_|batches|group_)/ &&
                  $i != "cpu_wall" && $i != "below_resolution"
    n = NF; print "#" $0; next
}
NF != n { printf "matrix_rows: %s:%d: %d fields, header has %d\n", FILENAME, NR, NF, n > "/dev/stderr"; bad = 1 }
{
    s = ""
    for (i = 1; i <= NF; i++) if (keep[i]) s = s $i ","
    print s
}
END { exit bad }' "$1" | sort
