#!/bin/sh
# cli_expect.sh RC REGEX CMD [ARGS...]
# Runs CMD, and passes iff it exits with RC and its stdout+stderr matches the
# extended regex REGEX.
set -u
want_rc=$1 regex=$2
shift 2
out=$("$@" 2>&1)
rc=$?
printf '%s\n' "$out"
if [ "$rc" -ne "$want_rc" ]; then
    echo "cli_expect: exit status $rc, want $want_rc"
    exit 1
fi
if ! printf '%s\n' "$out" | grep -q -E -e "$regex"; then
    echo "cli_expect: output does not match /$regex/"
    exit 1
fi
echo "cli_expect: ok (exit $rc, matched /$regex/)"
