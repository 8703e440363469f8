#!/usr/bin/env bash
# Instructions per whole request, counted by valgrind's callgrind on `stridefit serve` (one
# worker): a temporary SQLite database with the load test's 1 000 shoes and 500 simulated
# bodies (as benches/load.sh makes them); after start-up and 30 warm-up requests the counters
# are zeroed, N recommendations are sent on one keep-alive connection and dumped, then the
# same for N `GET /healthz`. Per request = every thread's instructions / N (the refresher is
# set to an hour so that it does not run in between). Other processes do not change the count.
#   bash benches/request_instructions.sh BINARY [N]    (N defaults to 300; keeps OUT_DIR if set)
# Then `callgrind_annotate --inclusive=yes OUT_DIR/cg.*.1-*` (the largest file is the worker)
# shows where a recommendation goes; `.2-*` files are the /healthz run.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(realpath "$1")"
N="${2:-300}"
PORT="${PORT:-18480}"
command -v valgrind >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind; }
OUT="${OUT_DIR:-$(mktemp -d)}"
mkdir -p "$OUT"
VPID=""
cleanup() { [ -n "$VPID" ] && kill "$VPID" 2>/dev/null; wait 2>/dev/null || true; [ -n "${OUT_DIR:-}" ] || rm -rf "$OUT"; }
trap cleanup EXIT

BUNDLED=$(($(wc -l < data/shoes.csv) - 1))
python3 benches/make_catalogue.py $((1000 - BUNDLED)) > "$OUT/shoes1000.csv"
DB="sqlite://$OUT/req.db"
RUST_LOG=warn "$BIN" --database-url "$DB" import catalogue "$OUT/shoes1000.csv" >/dev/null
KEY=$(RUST_LOG=warn "$BIN" --database-url "$DB" keys create --role storefront --name instructions | tail -n 1)
RUST_LOG=warn "$BIN" --database-url "$DB" simulate --sales 500 --seed 42 --output "$OUT/sales.csv" >/dev/null

STRIDEFIT_BIND="127.0.0.1:$PORT" STRIDEFIT_WORKERS=1 STRIDEFIT_RATE_LIMIT_PER_MINUTE=0 STRIDEFIT_REFRESH_INTERVAL_MS=3600000 RUST_LOG=warn \
    valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$OUT/cg.%p" "$BIN" --database-url "$DB" serve 2>"$OUT/valgrind.log" &
VPID=$!
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done

drive() { # $1 = reco | healthz, $2 = requests
    python3 - "$PORT" "$1" "$2" "$KEY" "$OUT/sales.csv" <<'PY'
import csv, http.client, json, sys
port, what, n, key, sales = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
bodies = []
with open(sales, newline="") as f:  # the load test's bodies (benches/make_bodies.py)
    for i, row in enumerate(csv.DictReader(f)):
        body = {"fitting": json.loads(row["fitting"]), "top_k": 5}
        if i % 3 == 0:
            body["max_price_usd"] = 180.0
        bodies.append(json.dumps(body, separators=(",", ":")))
c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
for i in range(n):
    if what == "reco":
        c.request("POST", "/v1/recommendations", body=bodies[i % len(bodies)],
                  headers={"content-type": "application/json", "authorization": "Bearer " + key})
    else:
        c.request("GET", "/healthz", headers={"authorization": "Bearer " + key})  # as load.sh sends it
    r = c.getresponse()
    r.read()
    if r.status != 200:
        sys.exit(f"{what}: status {r.status}")
PY
}
drive reco 30
drive healthz 30
for what in reco healthz; do
    callgrind_control -z "$VPID" >/dev/null 2>&1
    drive "$what" "$N"
    callgrind_control -d "$what" "$VPID" >/dev/null 2>&1
done
kill "$VPID"; wait "$VPID" 2>/dev/null || true; VPID=""
for part in 1 2; do
    total=0
    for f in "$OUT"/cg.*."$part"-*; do total=$((total + $(sed -n 's/^summary: //p' "$f"))); done
    printf '%-28s %10d instructions per request\n' "$([ "$part" = 1 ] && echo 'POST /v1/recommendations' || echo 'GET /healthz')" $((total / N))
done
