#!/usr/bin/env bash
# Cross-compiles neckend for a 64-bit Raspberry Pi OS (aarch64-unknown-linux-gnu) and, with
# --check, runs the aarch64 binary under qemu-aarch64 on a corpus clip and compares its events
# with the x86-64 build's.
#
#   scripts/cross_pi.sh            # build target/aarch64-unknown-linux-gnu/release/neckend
#   scripts/cross_pi.sh --check    # build, then run both builds on a clip and compare
#
# The x86-64 side is target/release/neckend, built here, unless X86_NECKEND names an x86-64
# neckend already built (CI passes the test build's: the comparison is of architectures, and
# Rust's optimisation levels do not change float results, so it saves CI a release build).
#
# Needs (installed when missing, as root): gcc-aarch64-linux-gnu, libc6-dev-arm64-cross,
# libasound2-dev:arm64 (multiarch) and qemu-user; the Rust target comes from rustup.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
need=()
command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
[ -e /usr/lib/aarch64-linux-gnu/pkgconfig/alsa.pc ] || need+=(libasound2-dev:arm64)
command -v qemu-aarch64 >/dev/null || need+=(qemu-user)
command -v pkg-config >/dev/null || need+=(pkg-config)
if [ ${#need[@]} -gt 0 ]; then
    $SUDO dpkg --add-architecture arm64
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
rustup target add aarch64-unknown-linux-gnu >/dev/null 2>&1

export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export PKG_CONFIG_ALLOW_CROSS=1
export PKG_CONFIG_PATH_aarch64_unknown_linux_gnu=/usr/lib/aarch64-linux-gnu/pkgconfig
cargo build --release --locked --target aarch64-unknown-linux-gnu -p neckend
ARM=target/aarch64-unknown-linux-gnu/release/neckend
file "$ARM" 2>/dev/null || true
echo "built $ARM ($(du -h "$ARM" | cut -f1))"

[ "${1:-}" = "--check" ] || exit 0

X86=${X86_NECKEND:-}
if [ -z "$X86" ]; then
    cargo build --release --locked -p neckend
    X86=target/release/neckend
fi
CLIP=${CLIP:-$(awk -F, 'NR > 1 && $3 == "polska" { print "../shared/corpus/dev/" $2; exit }' ../shared/corpus/dev/labels.csv)}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
run() { # binary runner... -> events file
    local out=$1; shift
    "$@" --no-mqtt --store "$WORK/$out.sled" --model models/style-head-v17.nkhead \
        --beat-model models/beat-tcn-v3.onnx --embed-model models/embed-cnn-v2.onnx \
        --input "$CLIP" --events "$WORK/$out.jsonl" 2>"$WORK/$out.log"
}
run x86 "$X86"
# The arm64 loader and libraries come from the multiarch packages (libc6:arm64 with
# libasound2:arm64), at the paths the binary names, so qemu needs no -L prefix.
run arm qemu-aarch64 "$ARM"
python3 scripts/compare_events.py "$WORK/x86.jsonl" "$WORK/arm.jsonl"
