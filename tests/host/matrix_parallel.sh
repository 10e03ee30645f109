#!/bin/sh
# matrix_parallel.sh ALLOCBENCH SLURM_SCRIPT OUTDIR
# The matrix as a list of cells any job runner can execute: a filtered quick
# host matrix runs serially, then through GNU parallel -j2 (allocbench
# matrix --list | allocbench cell ...) and through the Slurm script's
# per-task command (SLURM_ARRAY_TASK_ID=1..N, no sbatch); each set of cell
# folders is merged. The merged runs must hold the serial run's cells and
# rows (timing columns aside), its histograms' cells and its strategies.csv. merge must refuse to overwrite a folder it
# did not make, and a source with another header.
set -u
bin=$1 slurm=$2 out=$3
here=$(dirname "$0")
rows="sh $here/matrix_rows.sh"
F="--quick --host-only --reps 2 --strategy buddy,stack --workload bulk,churn --mem 64M"
rm -rf "$out"
mkdir -p "$out"
fail=0
no() { echo "matrix_parallel: $*"; fail=1; }
command -v parallel >/dev/null 2>&1 || { echo "matrix_parallel: GNU parallel missing (Debian: parallel; scripts/install-deps.sh)"; exit 1; }

# shellcheck disable=SC2086
"$bin" matrix $F --out "$out/serial" >"$out/serial.log" 2>&1 || no "serial run failed (see $out/serial.log)"
# shellcheck disable=SC2086
"$bin" matrix $F --list --out "$out/cells" >"$out/list.tsv" || no "--list failed"
n=$(grep -c . "$out/list.tsv")
[ "$n" -gt 4 ] || no "--list printed $n cells"
cut -f1 "$out/list.tsv" | sort >"$out/ids.list"
ls "$out/serial/cells" | sed -n 's/\.summary\.csv$//p' | sort >"$out/ids.serial"
cmp -s "$out/ids.list" "$out/ids.serial" || no "--list ids differ from the serial run's cells"

cut -f2 "$out/list.tsv" | parallel -j2 --joblog "$out/joblog" >"$out/parallel.log" 2>&1 ||
    no "parallel: a job failed (see $out/joblog)"
"$bin" merge "$out"/cells/* -o "$out/merged" >"$out/merge.log" 2>&1 || no "merge failed (see $out/merge.log)"

i=1
while [ "$i" -le "$n" ]; do
    SLURM_ARRAY_TASK_ID=$i ALLOCBENCH=$bin ALLOCBENCH_LIST_ARGS="$F" ALLOCBENCH_CELLS="$out/slurm" \
        bash "$slurm" >>"$out/slurm.log" 2>&1 || no "slurm task $i failed (see $out/slurm.log)"
    i=$((i + 1))
done
"$bin" merge "$out"/slurm/* -o "$out/slurm-merged" >>"$out/merge.log" 2>&1 || no "merge of the slurm cells failed"

for run in merged slurm-merged; do
    for f in summary frag; do
        $rows "$out/serial/$f.csv" >"$out/serial.$f.rows" || no "serial $f.csv has a bad row"
        $rows "$out/$run/$f.csv" >"$out/$run.$f.rows" || no "$run $f.csv has a bad row"
        cmp -s "$out/serial.$f.rows" "$out/$run.$f.rows" ||
            no "$run/$f.csv differs from the serial run's (diff $out/serial.$f.rows $out/$run.$f.rows)"
    done
    grep -q '"merged_from": \[' "$out/$run/meta.json" || no "$run/meta.json lacks merged_from"
    # hist.csv's counts are timings; its cells are not.
    for f in serial $run; do
        cut -d, -f1-10 "$out/$f/hist.csv" | sort -u >"$out/$f.hist.cells"
    done
    [ "$(wc -l <"$out/$run.hist.cells")" -gt 1 ] && cmp -s "$out/serial.hist.cells" "$out/$run.hist.cells" ||
        no "$run/hist.csv lacks the serial run's cells (diff $out/serial.hist.cells $out/$run.hist.cells)"
    cmp -s "$out/serial/strategies.csv" "$out/$run/strategies.csv" || no "$run/strategies.csv is not the run's"
done
rowsn=$(($(grep -c . "$out/serial/summary.csv") - 1))

# merge writes only where it wrote before.
"$bin" merge "$out"/cells/* -o "$out/serial" >"$out/refuse.log" 2>&1
[ $? -eq 1 ] && grep -q "refusing to overwrite" "$out/refuse.log" || no "merge overwrote a run it did not make"
"$bin" merge "$out"/cells/* -o "$out/merged" >/dev/null 2>&1 || no "merge refused its own output"
mkdir -p "$out/odd"
sed '1s/,op,/,operation,/' "$out/serial/summary.csv" >"$out/odd/summary.csv"
"$bin" merge "$out/serial" "$out/odd" -o "$out/merged-odd" >"$out/odd.log" 2>&1
[ $? -eq 1 ] && grep -q "odd/summary.csv: its header differs" "$out/odd.log" || no "merge took a mismatched header"
[ ! -e "$out/merged-odd/summary.csv" ] || no "merge wrote a run from a mismatched source"
# cell: an unknown id is bad usage.
"$bin" cell no-such-cell --quick --out "$out/x" >/dev/null 2>&1
[ $? -eq 2 ] || no "cell took an unknown id"

[ "$fail" -eq 0 ] && echo "matrix_parallel: ok ($n cells, $rowsn summary rows; serial = parallel -j2 = slurm tasks, merged)"
exit "$fail"
