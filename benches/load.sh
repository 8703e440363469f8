#!/usr/bin/env bash
# Load test: release build, a temporary SQLite database with a 1 000-shoe catalogue and the
# bundled trained model, then wrk against (a) GET /healthz and (b) POST /v1/recommendations
# with varied realistic fittings, at saturation and at half the saturating rate; finally the
# resident memory with a 10 000-shoe catalogue and the shipped binary's size. Loopback only;
# stops by itself.
#   bash benches/load.sh            (DURATION=10 CONNECTIONS=16 to change; STRIDEFIT_BIN=path to skip the build)
#   bash benches/load.sh --peer     also the Python peer (../shared/peer: FastAPI + scikit-learn)
#                                   on the same 1 000 shoes and the same bodies, one worker
set -euo pipefail
cd "$(dirname "$0")/.."
PEER=0
for arg in "$@"; do
    case "$arg" in
        --peer) PEER=1 ;;
        *) echo "unknown argument: $arg (use --peer)" >&2; exit 2 ;;
    esac
done
PEER_DIR=""
if [ "$PEER" = 1 ]; then
    for d in ../shared/peer ../../shared/peer; do [ -f "$d/run.sh" ] && PEER_DIR="$(cd "$d" && pwd)" && break; done
    [ -n "$PEER_DIR" ] || { echo "--peer: the Python peer (shared/peer/run.sh beside the project) is missing" >&2; exit 1; }
fi

DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-16}"
PORT="${PORT:-18090}"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
# STRIDEFIT_BIN=path runs a binary built elsewhere (then the binary-size line reports that file).
if [ -n "${STRIDEFIT_BIN:-}" ]; then
    BIN="$STRIDEFIT_BIN"
else
    # Not into target/dist: that is where cargo puts the dist profile's own build.
    bash deploy/package.sh "${CARGO_TARGET_DIR:-target}/package" >/dev/null
    BIN="${CARGO_TARGET_DIR:-target}/package/stridefit"
fi

TMP=$(mktemp -d)
SERVER_PID=""
PEER_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
    [ -n "$PEER_PID" ] && kill "$PEER_PID" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

start_server() { # $1 = database url; rate limiting off so the limiter is not what is measured
    STRIDEFIT_BIND="127.0.0.1:$PORT" STRIDEFIT_WORKERS=1 STRIDEFIT_RATE_LIMIT_PER_MINUTE=0 RUST_LOG=warn "$BIN" --database-url "$1" serve &
    SERVER_PID=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && return; sleep 0.1; done
    echo "server did not become ready" >&2; exit 1
}
stop_server() { kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; }
run_wrk_at() { # $1 = port, $2 = path, rest = env
    env "${@:3}" WRK_CONNECTIONS="$CONNECTIONS" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" -s benches/wrk.lua \
        -H "Authorization: Bearer $KEY" "http://127.0.0.1:$1$2" | grep '^RESULT'
}
run_wrk() { run_wrk_at "$PORT" "$@"; }
field() { sed -n "s/.*$2=\([0-9.]*\).*/\1/p" <<<"$1"; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -m)"
# The database starts with the bundled catalogue; generate the rest up to 1 000 / 10 000.
BUNDLED=$(($(wc -l < data/shoes.csv) - 1))
python3 benches/make_catalogue.py $((1000 - BUNDLED)) > "$TMP/shoes1000.csv"
python3 benches/make_catalogue.py $((10000 - BUNDLED)) > "$TMP/shoes10000.csv"
DB="sqlite://$TMP/load.db"
RUST_LOG=warn "$BIN" --database-url "$DB" import catalogue "$TMP/shoes1000.csv" >/dev/null
KEY=$(RUST_LOG=warn "$BIN" --database-url "$DB" keys create --role storefront --name load-test | tail -n 1)
RUST_LOG=warn "$BIN" --database-url "$DB" simulate --sales 500 --seed 42 --output "$TMP/sales.csv" >/dev/null
python3 benches/make_bodies.py "$TMP/sales.csv" > "$TMP/bodies.lua"

start_server "$DB"
echo "catalogue: $(curl -s -H "Authorization: Bearer $KEY" "http://127.0.0.1:$PORT/v1/shoes?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])') shoes; model: $(curl -s "http://127.0.0.1:$PORT/readyz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["model_version"])')"
run_wrk /healthz >/dev/null  # warm-up
BARE=$(run_wrk /healthz)
RECO=$(run_wrk /v1/recommendations WRK_BODIES="$TMP/bodies.lua")
HALF_RATE=$(python3 -c "print(int(float('$(field "$RECO" rps)') / 2))")
HALF=$(run_wrk /v1/recommendations WRK_BODIES="$TMP/bodies.lua" WRK_RATE="$HALF_RATE")
stop_server

DB10K="sqlite://$TMP/load10k.db"
RUST_LOG=warn "$BIN" --database-url "$DB10K" import catalogue "$TMP/shoes10000.csv" >/dev/null
start_server "$DB10K"
KEY=$(RUST_LOG=warn "$BIN" --database-url "$DB10K" keys create --role storefront --name load-test | tail -n 1)
curl -s -X POST "http://127.0.0.1:$PORT/v1/recommendations" -H 'content-type: application/json' -H "Authorization: Bearer $KEY" \
    -d "$(python3 -c 'import json; print(json.dumps({"fitting": {"profile": {"body_mass_kg": 70, "weekly_distance_km": 30, "goal": "daily_training", "terrain": "road"}}}))')" >/dev/null
RSS_KB=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
stop_server
BIN_MB=$(du -m "$BIN" | cut -f1)

# The peer: same 1 000 shoes (the bundled rows plus the generated ones), same bodies, one worker.
PEER_SKLEARN="RESULT rps=0 p50_ms=0 p99_ms=0 p999_ms=0 errors=0 non2xx=0"
PEER_NUMPY="$PEER_SKLEARN"
if [ "$PEER" = 1 ]; then
    { cat data/shoes.csv; tail -n +2 "$TMP/shoes1000.csv"; } > "$TMP/peer-shoes.csv"
    for scorer in sklearn numpy; do
        PEER_PID=$(PEER_SCORER=$scorer PEER_CATALOGUE="$TMP/peer-shoes.csv" PORT=$((PORT + 1)) WORKERS=1 LOG="$TMP/peer.log" \
            bash "$PEER_DIR/run.sh" | tail -n 1)
        r=$(PORT=$((PORT + 1)) run_wrk_at $((PORT + 1)) /v1/recommendations WRK_BODIES="$TMP/bodies.lua")
        [ "$scorer" = sklearn ] && PEER_SKLEARN=$r || PEER_NUMPY=$r
        kill "$PEER_PID"; wait "$PEER_PID" 2>/dev/null || true; PEER_PID=""
    done
fi

printf '\n%-34s %10s %9s %9s %9s %7s\n' "run ($CONNECTIONS connections, ${DURATION}s)" "req/s" "p50 ms" "p99 ms" "p99.9 ms" "errors"
RUNS="BARE RECO HALF"
[ "$PEER" = 1 ] && RUNS="$RUNS PEER_SKLEARN PEER_NUMPY"
for name in $RUNS; do
    r=${!name}
    case $name in
        BARE) label="GET /healthz" ;;
        RECO) label="POST /v1/recommendations" ;;
        HALF) label="recommendations @ ${HALF_RATE}/s (half)" ;;
        PEER_SKLEARN) label="peer, scikit-learn scorer" ;;
        PEER_NUMPY) label="peer, numpy scorer" ;;
    esac
    printf '%-34s %10s %9s %9s %9s %7s\n' "$label" "$(field "$r" rps)" "$(field "$r" p50_ms)" "$(field "$r" p99_ms)" "$(field "$r" p999_ms)" "$(( $(field "$r" errors) + $(field "$r" non2xx) ))"
done
python3 - "$(field "$BARE" rps)" "$(field "$RECO" rps)" "$(field "$HALF" p99_ms)" "$RSS_KB" "$BIN_MB" "$PEER" \
    "$(field "$PEER_SKLEARN" rps)" "$(field "$PEER_NUMPY" rps)" <<'PY'
import sys
bare, reco, p99_half, rss_kb, bin_mb, peer, sk, nump = map(float, sys.argv[1:])
def line(text, ok):
    print(f"{text}: {'MET' if ok else 'MISSED'}")
ratio = reco / bare
print()
line(f"recommendation / bare throughput: {ratio:.2f} (target >= 0.50)", ratio >= 0.5)
line(f"p99 at half the saturating rate: {p99_half:.2f} ms (target <= 2 ms)", p99_half <= 2)
line(f"resident memory, 10 000-shoe catalogue and the model: {rss_kb / 1024:.0f} MB (target <= 100 MB)", rss_kb <= 100 * 1024)
line(f"shipped binary (debug info split off): {bin_mb:.0f} MB (target <= 100 MB)", bin_mb <= 100)
if peer:
    line(f"stridefit / Python peer (scikit-learn): {reco / max(sk, 1e-9):.1f}x (target >= 20x)", reco >= 20 * sk)
    print(f"stridefit / Python peer (numpy scorer): {reco / max(nump, 1e-9):.1f}x")
PY
