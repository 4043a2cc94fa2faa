#!/usr/bin/env bash
# The house rules, checked before the tests (tests/run.sh runs this first):
# - the code is formatted (rustfmt.toml);
# - clippy finds nothing, warnings included (workspace lints: unsafe only where a module says
#   why, no unwrap outside tests);
# - oned's modules only name lower layers (oned/tests/layers.rs, which prints the graph);
# - oned does not link ssh2 or OpenSSL (it uses only the pure codec crate driver-proto).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "== layering of oned"
cargo test --quiet -p oned --test layers

echo "== oned links no ssh2 / OpenSSL"
if cargo tree -p oned -e normal,build 2>/dev/null | grep -iE '(^|[^a-z])(ssh2|libssh2-sys|openssl|openssl-sys) v'; then
    echo "oned depends on ssh2 or OpenSSL (above); it may only use the codec crate driver-proto" >&2
    exit 1
fi
echo "== checks passed"
