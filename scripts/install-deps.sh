#!/bin/sh
# Installs the Debian 12 packages allocbench needs, if any are missing.
# Idempotent: with everything present it only checks and exits.
set -eu
PACKAGES="cmake make gcc g++ clang lld libclang-rt-14-dev gcc-multilib g++-multilib \
qemu-system-x86 qemu-user gnuplot-nox gcovr hyperfine libjemalloc-dev libjemalloc2 libbenchmark-dev \
python3 parallel libjansson-dev libcmark-gfm-dev libcmark-gfm-extensions-dev zlib1g-dev chromium"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
here=$(dirname "$0")
if [ -z "$missing" ]; then
    sh "$here/ia32-binfmt.sh"
    exit 0
fi
echo "install-deps: missing Debian packages:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "install-deps: run as root: apt-get update && apt-get install -y$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
# Kernels without IA32 emulation cannot run the m32 build's tests natively.
sh "$here/ia32-binfmt.sh"
