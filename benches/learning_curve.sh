#!/usr/bin/env bash
# The learning curve in one command: the Rust models (rules, logistic, interaction ranker)
# and a LightGBM lambdarank reference trained on the same simulated sessions, all scored
# against the simulator's true utilities on the same fresh runners.
#   bash benches/learning_curve.sh [SIZES…]      (default 2000 6000 20000)
# The reference runs in its own virtual environment (packages from the Python registry).
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET="${CARGO_TARGET_DIR:-target}"
OUT="$TARGET/learning-curve"
VENV="$TARGET/bench-venv"

cargo bench --locked --bench learning_curve -- "$OUT" "$@"

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -c 'import lightgbm, pandas' 2>/dev/null \
    || "$VENV/bin/pip" install -q 'lightgbm>=4.5,<5' 'pandas>=2,<3' 'numpy>=1.26'
echo
"$VENV/bin/python" benches/lightgbm_reference.py "$OUT"
