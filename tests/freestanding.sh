#!/bin/sh
# freestanding.sh CLANG SRCDIR FILE.c [EXTRA_ALLOWED_REGEX]
# Compiles FILE.c for i686-elf and x86_64-elf with no libc headers and fails
# if its object needs any symbol but memset, memcpy, memmove and memcmp
# (bench/core also may use compiler-rt's 64-bit division, which the kernel
# links; strategies may not).
set -eu
clang=$1 src=$2 file=$3 extra=${4:-}
allowed='memset|memcpy|memmove|memcmp'
[ -n "$extra" ] && allowed="$allowed|$extra"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for target in i686-elf x86_64-elf; do
    flags=""
    [ "$target" = x86_64-elf ] && flags="-mno-red-zone"
    if ! "$clang" --target=$target -ffreestanding -nostdlibinc -std=c11 -O2 \
            -Wall -Wextra -Werror $flags -I"$src/include" -I"$src/bench/core" -I"$src/heap" \
            -c "$src/$file" -o "$tmp/obj.o"; then
        echo "FAIL $file: does not compile freestanding for $target"
        status=1
        continue
    fi
    bad=$(nm -u "$tmp/obj.o" | awk '{print $NF}' | grep -v -x -E "$allowed" || true)
    if [ -n "$bad" ]; then
        echo "FAIL $file ($target) needs: $(echo $bad)"
        status=1
    else
        echo "ok   $file ($target): undefined symbols: $(nm -u "$tmp/obj.o" | awk '{print $NF}' | tr '\n' ' ')"
    fi
done
exit $status
