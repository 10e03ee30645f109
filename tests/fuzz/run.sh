#!/bin/sh
# run.sh replay|short|long HARNESS CORPUS REGRESS WORK SECONDS
#   replay: every corpus input and every kept crash input, once each;
#   short/long: fuzz for SECONDS from the corpus into WORK/corpus (the
#   repository's corpus is only read), crash inputs to WORK/artifacts.
# Prints libFuzzer's last status line (executions, cov:) and exits non-zero
# on any crash, leak or sanitizer report.
set -u
mode=$1 bin=$2 corpus=$3 regress=$4 work=$5 secs=$6
name=$(basename "$bin")
mkdir -p "$work/corpus" "$work/artifacts"
case $mode in
replay)
    inputs=$(find "$corpus" "$regress" -type f ! -name README 2>/dev/null | sort)
    [ -n "$inputs" ] || { echo "$name: no corpus in $corpus"; exit 1; }
    # shellcheck disable=SC2086
    "$bin" -artifact_prefix="$work/artifacts/" $inputs >"$work/replay.log" 2>&1
    rc=$?
    n=$(printf '%s\n' $inputs | wc -l)
    if [ $rc -ne 0 ]; then tail -30 "$work/replay.log"; echo "$name: replay FAILED"; exit 1; fi
    echo "$name: replayed $n inputs, no crash"
    ;;
short|long)
    # One input may take this long. Long runs share the machine with other
    # work (make fuzz runs beside builds): a slow input there is load, not a
    # hang, so they allow 60 s.
    tmo=10
    [ "$mode" = long ] && tmo=60
    "$bin" -max_total_time="$secs" -timeout="$tmo" -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/" "$work/corpus" "$corpus" >"$work/$mode.log" 2>&1
    rc=$?
    status=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$work/$mode.log" | tail -1)
    execs=$(grep -E 'stat::number_of_executed_units' "$work/$mode.log" | awk '{print $2}')
    if [ $rc -ne 0 ]; then
        tail -40 "$work/$mode.log"
        echo "$name: FAILED after ${secs}s; crash input in $work/artifacts/ (keep it in $regress/)"
        exit 1
    fi
    echo "$name: ${secs}s, ${execs:-?} executions, no crash; last: $status"
    ;;
*) echo "run.sh: unknown mode '$mode'"; exit 2 ;;
esac
