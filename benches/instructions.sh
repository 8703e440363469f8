#!/usr/bin/env bash
# Instructions per ranking, counted by valgrind's callgrind (other processes do not change the
# count, so this compares paths on a busy machine): the generic path, the scoring kernel's whole
# answer and the kernel's keys and shortlist alone, at 1 000 and 10 000 shoes, the bundled model,
# the README's shop fitting. One call = (count with N calls - count with 0 calls) / N.
#   bash benches/instructions.sh        (installs valgrind from Debian if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind; }
cargo bench --locked --bench allocations --no-run -q 2>/dev/null
BIN=$(ls -t "${CARGO_TARGET_DIR:-target}"/release/deps/allocations-* | grep -v '\.d$' | head -n 1)
count() { # $1 = path, $2 = shoes, $3 = calls
    STRIDEFIT_PATH=$1 STRIDEFIT_SHOES=$2 STRIDEFIT_CALLS=$3 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$BIN" --bench 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
printf '%-10s %8s %16s\n' path shoes "instructions/call"
for shoes in 1000 10000; do
    for path in generic kernel shortlist; do
        calls=$([ "$path" = generic ] && echo 20 || echo 200)
        base=$(count "$path" "$shoes" 0)
        total=$(count "$path" "$shoes" "$calls")
        printf '%-10s %8s %16s\n' "$path" "$shoes" $(( (total - base) / calls ))
    done
done
