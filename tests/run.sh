#!/usr/bin/env bash
# Runs every test of the project: Rust unit and end-to-end tests, then the pyone acceptance
# suite against a real oned. This is the README's test command; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

# The end-to-end tests and the pyone suite start the real binaries.
cargo build --workspace --bins
cargo test --workspace

# The pyone suite needs a Python venv with pyone (created here if missing).
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
    .venv/bin/pip install --quiet -r tests/pyone/requirements.txt
fi
.venv/bin/python -m pytest tests/pyone -q
