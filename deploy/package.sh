#!/usr/bin/env bash
# The shipped binary: the `dist` profile (the release build optimised as one unit: fat LTO,
# one codegen unit; see Cargo.toml) with its debug info split into a separate file.
# dist/stridefit is what goes to /usr/local/bin (see deploy/stridefit.service);
# dist/stridefit.debug keeps the line tables and symbols, and the binary names it
# (.gnu_debuglink), so perf, gdb and addr2line find it when it sits beside the binary or in
# /usr/lib/debug. Prints both sizes.
#   bash deploy/package.sh [OUT_DIR]        (default: dist)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-dist}"
command -v objcopy >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq binutils; }
# About 25-45 minutes and 7 GB of memory on 2 cores from a clean cache: the whole program is
# optimised at link time.
cargo build --profile dist --locked -q --bin stridefit
BIN="${CARGO_TARGET_DIR:-target}/dist/stridefit"
mkdir -p "$OUT"
objcopy --only-keep-debug "$BIN" "$OUT/stridefit.debug"
objcopy --strip-all --add-gnu-debuglink="$OUT/stridefit.debug" "$BIN" "$OUT/stridefit"
size() { du -m "$1" | cut -f1; }
echo "built:   $BIN ($(size "$BIN") MB)"
echo "shipped: $OUT/stridefit ($(size "$OUT/stridefit") MB), debug info: $OUT/stridefit.debug ($(size "$OUT/stridefit.debug") MB)"
