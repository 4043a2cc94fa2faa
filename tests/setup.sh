#!/usr/bin/env bash
# Makes sure the system packages the tests need are installed; tests/run.sh (the README's test
# command) runs it first. Idempotent: does nothing when everything is present. When something
# is missing it installs it with apt-get if run as root, and otherwise fails naming the exact
# command to run as root.
#
# Needed: a C/C++ toolchain and OpenSSL headers (the -sys crates; g++ for cargo-fuzz's
# libFuzzer), Python 3 with venv (the pyone suite), OpenSSH's server and client (the exec
# drivers' SSH tests start a throw-away sshd on 127.0.0.1), iproute2 + util-linux (the multi-host
# netns fixture of the transfer tests), and the storage scripts' tools (qemu-utils, lzop,
# xz-utils, bzip2, curl: drivers/tests/ds_fs.rs and tm_hosts.rs copy real images).
#
# The one opt-out, for machines where it cannot be installed: NEPHELE_ALLOW_MISSING=sshd lets
# the run go on without openssh-server/openssh-client; the tests that need sshd are then
# compiled as ignored (testkit::components). This script prints the names of the components
# so left missing on stdout (and nothing else there), so that tests/run.sh can report the run
# as skipped (exit 77), never as passed. Everything else goes to stderr.
set -euo pipefail

say() { echo "setup: $*" >&2; }

have() { command -v "$1" >/dev/null 2>&1; }

# Whether the Debian package $1 is in place, judged by what the tests use of it.
present() {
    case $1 in
        gcc) have gcc ;;
        g++) have g++ ;;
        pkg-config) have pkg-config ;;
        libssl-dev) have pkg-config && pkg-config --exists openssl ;;
        python3) have python3 ;;
        python3-venv) have python3 && python3 -c 'import ensurepip, venv' >/dev/null 2>&1 ;;
        openssh-server) [ -x /usr/sbin/sshd ] ;;
        openssh-client) have ssh && have ssh-keygen ;;
        qemu-utils) have qemu-img ;;
        lzop) have lzop ;;
        xz-utils) have xz ;;
        bzip2) have bzip2 ;;
        curl) have curl ;;
        iproute2) have ip && have tc ;;
        util-linux) have unshare && have mount ;;
        *) return 1 ;;
    esac
}

# The component name of NEPHELE_ALLOW_MISSING a package belongs to (empty: no opt-out).
component() {
    case $1 in
        openssh-server | openssh-client) echo sshd ;;
        iproute2 | util-linux) echo netns ;;
        qemu-utils) echo qemu-img ;;
        *) echo "" ;;
    esac
}

allowed() {
    local name=$1 entry
    for entry in $(echo "${NEPHELE_ALLOW_MISSING:-}" | tr ',' ' '); do
        [ "$entry" = "$name" ] && return 0
    done
    return 1
}

packages=(gcc g++ pkg-config libssl-dev python3 python3-venv openssh-server openssh-client
    qemu-utils lzop xz-utils bzip2 curl iproute2 util-linux)
missing=()
for p in "${packages[@]}"; do
    present "$p" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

install="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" = 0 ] && have apt-get; then
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # shellcheck disable=SC2086 # the package list is meant to split
    apt-get install -y -qq --no-install-recommends ${missing[*]} >&2
    still=()
    for p in "${missing[@]}"; do
        present "$p" || still+=("$p")
    done
    if [ ${#still[@]} -gt 0 ]; then
        say "still missing after apt-get: ${still[*]}"
        exit 1
    fi
    exit 0
fi

# Not root (or no apt-get): what the opt-out covers may stay missing; the rest cannot.
blocking=()
skipped=()
for p in "${missing[@]}"; do
    c=$(component "$p")
    if [ -n "$c" ] && allowed "$c"; then
        case " ${skipped[*]} " in *" $c "*) ;; *) skipped+=("$c") ;; esac
    else
        blocking+=("$p")
    fi
done
if [ ${#blocking[@]} -gt 0 ]; then
    say "missing system packages: ${missing[*]}"
    if have apt-get; then
        say "install them as root:  apt-get update && $install"
    else
        say "install them with your system's package manager (Debian names: ${missing[*]})"
    fi
    say "(NEPHELE_ALLOW_MISSING=sshd lets the tests run without openssh-server/openssh-client; that run does not count as a pass)"
    exit 1
fi
say "SKIPPED: ${missing[*]} missing and allowed by NEPHELE_ALLOW_MISSING; the tests that need ${skipped[*]} will be reported as ignored. Install as root: apt-get update && $install"
echo "${skipped[*]}"
