#!/usr/bin/env bash
# Proof that a build answers POST /v1/recommendations exactly as another one did: both
# binaries serve copies of one SQLite database (the bundled catalogue, then the load test's
# 1 000 shoes; the bundled model), and get the same bodies: 500 simulated fittings, each with
# and without filters (price, width, terrain, top_k 1 / 5 / 12), plus the README's shop and web
# fittings from the OpenAPI examples. Responses are compared byte for byte. Loopback only; stops by itself.
#   bash benches/same_answers.sh OLD_BINARY [NEW_BINARY]   (NEW defaults to this tree's release build)
set -euo pipefail
cd "$(dirname "$0")/.."
OLD="$(realpath "$1")"
NEW="$(realpath "${2:-${CARGO_TARGET_DIR:-target}/release/stridefit}")"
PORT_OLD="${PORT:-18110}"
PORT_NEW=$((PORT_OLD + 1))
TMP=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

serve() { # $1 = binary, $2 = database, $3 = port
    STRIDEFIT_BIND="127.0.0.1:$3" STRIDEFIT_WORKERS=1 STRIDEFIT_RATE_LIMIT_PER_MINUTE=0 RUST_LOG=warn "$1" --database-url "sqlite://$2" serve &
    PIDS+=($!)
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$3/readyz" >/dev/null && return; sleep 0.1; done
    echo "$1 did not become ready" >&2; exit 1
}

BUNDLED=$(($(wc -l < data/shoes.csv) - 1))
python3 benches/make_catalogue.py $((1000 - BUNDLED)) > "$TMP/shoes1000.csv"
for catalogue in bundled 1000; do
    DB="$TMP/$catalogue.db"
    [ "$catalogue" = 1000 ] && RUST_LOG=warn "$OLD" --database-url "sqlite://$DB" import catalogue "$TMP/shoes1000.csv" >/dev/null
    RUST_LOG=warn "$OLD" --database-url "sqlite://$DB" migrate >/dev/null
    KEY=$(RUST_LOG=warn "$OLD" --database-url "sqlite://$DB" keys create --role storefront --name same-answers | tail -n 1)
    RUST_LOG=warn "$OLD" --database-url "sqlite://$DB" simulate --sales 500 --seed 42 --output "$TMP/sales.csv" >/dev/null
    cp "$DB" "$TMP/old.db"; cp "$DB" "$TMP/new.db"
    serve "$OLD" "$TMP/old.db" "$PORT_OLD"
    serve "$NEW" "$TMP/new.db" "$PORT_NEW"
    python3 - "$TMP/sales.csv" "$PORT_OLD" "$PORT_NEW" "$KEY" "$catalogue" <<'PY'
import csv, json, sys, urllib.request
sales, old_port, new_port, key, catalogue = sys.argv[1:]
# The documented examples: the recommendation request's and the shop fitting's (README, OpenAPI).
schemas = json.load(open("openapi/openapi.json"))["components"]["schemas"]
bodies = [schemas["RecommendationRequest"]["example"], {"fitting": schemas["Fitting"]["example"], "top_k": 5}]
with open(sales, newline="") as f:
    for i, row in enumerate(csv.DictReader(f)):
        fitting = json.loads(row["fitting"])
        bodies.append({"fitting": fitting})
        extra = [{"max_price_usd": 150.0}, {"width": "wide", "top_k": 12}, {"terrain": "trail", "top_k": 1},
                 {"max_price_usd": 120.0, "width": "narrow"}][i % 4]
        bodies.append({"fitting": fitting, **extra})
def post(port, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/recommendations", data=json.dumps(body).encode(),
                                 headers={"content-type": "application/json", "authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
same = differ = 0
for body in bodies:
    a, b = post(old_port, body), post(new_port, body)
    if a == b:
        same += 1
    else:
        differ += 1
        if differ <= 3:
            print("DIFFERENT:", json.dumps(body)[:300], "\n old:", a[1][:600], "\n new:", b[1][:600])
print(f"{catalogue} catalogue: {same} of {same + differ} responses identical")
sys.exit(1 if differ else 0)
PY
    for p in "${PIDS[@]}"; do kill "$p"; wait "$p" 2>/dev/null || true; done
    PIDS=()
done
