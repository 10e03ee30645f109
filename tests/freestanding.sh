#!/bin/sh
# freestanding.sh CLANG SRCDIR ALLOWED_EXTRA FILE.c [FILE.c ...]
# Compiles the files for i686-elf and x86_64-elf with no libc headers, links
# them into one relocatable object (ld.lld -r) and fails if it needs any
# symbol but memset, memcpy, memmove, memcmp and the per-CPU hook
# ab_cpu_index (include/allocbench/cpu.h), or those matching the
# ALLOWED_EXTRA regex ("" for none: core may use compiler-rt's 64-bit
# division, which the kernel links; strategies may not).
set -eu
clang=$1 src=$2 extra=$3
shift 3
lld=$(command -v ld.lld-14 || command -v ld.lld || true)
allowed='memset|memcpy|memmove|memcmp|ab_cpu_index'
[ -n "$extra" ] && allowed="$allowed|$extra"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for target in i686-elf x86_64-elf; do
    flags=""
    [ "$target" = x86_64-elf ] && flags="-mno-red-zone"
    objs=""
    i=0
    for file in "$@"; do
        i=$((i + 1))
        if ! "$clang" --target=$target -ffreestanding -nostdlibinc -std=c11 -O2 \
                -Wall -Wextra -Werror $flags -I"$src/include" -I"$src/core" -I"$src/heaps" \
                -c "$src/$file" -o "$tmp/$i.o"; then
            echo "FAIL $file: does not compile freestanding for $target"
            status=1
            continue
        fi
        objs="$objs $tmp/$i.o"
    done
    [ -n "$objs" ] || continue
    if [ -n "$lld" ] && [ $i -gt 1 ]; then
        emul=elf_x86_64
        [ "$target" = i686-elf ] && emul=elf_i386
        "$lld" -m $emul -r -o "$tmp/all.o" $objs
    else
        cp $objs "$tmp/all.o"
    fi
    undef=$(nm -u "$tmp/all.o" | awk '{print $NF}' | sort -u)
    bad=$(printf '%s\n' "$undef" | grep -v -x -E "$allowed" | grep -v '^$' || true)
    if [ -n "$bad" ]; then
        echo "FAIL $* ($target) needs: $(echo $bad)"
        status=1
    else
        echo "ok   $* ($target): undefined symbols: $(echo $undef)"
    fi
done
exit $status
