#!/usr/bin/env bash
# Hostile-input check: runs schemathesis (PyPI) against the running service's /openapi.json
# with a bounded number of cases; fails on any 5xx or any response that breaks the schema.
#   bash .ci/schemathesis.sh [path/to/stridefit]   (default: the test build's binary)
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${1:-${CARGO_TARGET_DIR:-target}/debug/stridefit}"
PORT="${SCHEMATHESIS_PORT:-18099}"
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-25}"
command -v st >/dev/null 2>&1 || python3 -m pip install -q 'schemathesis>=4.32,<5'

TMP=$(mktemp -d)
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT

DB="sqlite://$TMP/schemathesis.db"
KEY=$(RUST_LOG=error "$BIN" --database-url "$DB" keys create --role admin --name schemathesis | tail -n 1)
STRIDEFIT_BIND="127.0.0.1:$PORT" STRIDEFIT_RATE_LIMIT_PER_MINUTE=0 RUST_LOG=warn "$BIN" --database-url "$DB" serve &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done

st run "http://127.0.0.1:$PORT/openapi.json" \
    --checks not_a_server_error,response_schema_conformance \
    --max-examples "$MAX_EXAMPLES" --seed 1 \
    -H "Authorization: Bearer $KEY"
