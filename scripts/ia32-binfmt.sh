#!/bin/sh
# Makes 32-bit x86 programs runnable for the m32 test preset. Some kernels
# are built without IA32 emulation ("Exec format error" for any -m32
# program). Then, as root, this registers QEMU's user-mode emulator
# (Debian: qemu-user) for i386 ELF files with binfmt_misc, so the m32 build's
# tests run under emulation (about 7x slower; the m32 preset runs a lighter
# conformance load for that reason). Does nothing where -m32 programs run.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'int main(void) { return 0; }\n' >"$tmp/t.c"
if ! gcc -m32 "$tmp/t.c" -o "$tmp/t" 2>/dev/null; then
    echo "ia32-binfmt: gcc -m32 cannot link (install gcc-multilib)" >&2
    exit 1
fi
"$tmp/t" 2>/dev/null && exit 0
qemu=$(command -v qemu-i386 || true)
if [ -z "$qemu" ] || [ "$(id -u)" -ne 0 ]; then
    echo "ia32-binfmt: this kernel cannot run 32-bit programs; as root with qemu-user installed," >&2
    echo "ia32-binfmt: this script registers qemu-i386 for them" >&2
    exit 1
fi
bm=/proc/sys/fs/binfmt_misc
[ -w "$bm/register" ] || mount -t binfmt_misc binfmt_misc "$bm"
if [ ! -e "$bm/qemu-i386" ]; then
    printf '%s' ':qemu-i386:M::\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x03\x00:\xff\xff\xff\xff\xff\xfe\xfe\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:'"$qemu"':F' >"$bm/register"
fi
"$tmp/t" && echo "ia32-binfmt: 32-bit programs run under $qemu (binfmt_misc)" >&2
