#!/usr/bin/env bash
# Runs every cargo-fuzz target of the project for a bounded time (FUZZ_SECONDS each, default
# 20): the XML-RPC decoders, the template parsers (text and XML), the driver line codec, the
# transfer-file format and the scheduler's expressions. Installs cargo-fuzz when it is missing.
# A crash fails the run and leaves its input under <crate>/fuzz/artifacts/<target>/.
# .ci/run calls this after the README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-20}

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked --quiet
fi

# cargo-fuzz needs nightly-only sanitizer flags; RUSTC_BOOTSTRAP lets the stable compiler act
# as nightly. Each fuzz crate has its own workspace and target directory.
export RUSTC_BOOTSTRAP=1
run() {
    local crate=$1 target=$2
    shift 2
    echo "== fuzz $crate/$target for ${seconds}s"
    local log
    log=$(mktemp)
    if (cd "$crate" && cargo fuzz run "$target" -- -max_total_time="$seconds" -rss_limit_mb=2048 "$@" >"$log" 2>&1); then
        tail -n 3 "$log"
        rm -f "$log"
    else
        # A crash: show the panic message and the input (the backtrace alone names no cause).
        grep -v '^#[0-9]' "$log" | grep -A 12 -m 1 -E 'panicked|ERROR: libFuzzer|==ERROR' || tail -n 40 "$log"
        grep -E '^(Test unit written|Base64:)' "$log" || true
        rm -f "$log"
        return 1
    fi
}

run libone xmlrpc_call
run libone xmlrpc_response
run libone template_text
run libone template_xml -dict=fuzz/template.dict
run drivers proto_line -dict=fuzz/proto.dict
run drivers transfer_file
run sched expr
echo "== fuzz: every target ran ${seconds}s without a crash"
