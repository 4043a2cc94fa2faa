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
# xz-utils, bzip2, curl: drivers/tests/ds_fs.rs and tm_hosts.rs copy real images), and what
# real guests need: qemu-system-x86 (TCG), cpio (packing the test guest's initramfs) and
# genisoimage (context CDs, as drivers/remotes/tm/common.sh makes them).
#
# qemu-system-x86 is installed together with the qemu-utils of the same version, downgrades
# allowed: a qemu-utils newer than the release's qemu (a backport) Breaks its
# qemu-system-common, and apt would otherwise remove qemu-utils (ecosystem notes §3c).
#
# Then it builds the test guest (tests/guest/build.sh: a Debian kernel and busybox, downloaded
# once and cached under /var/cache/nephele/guest or $NEPHELE_GUEST_CACHE), so tests never
# download.
#
# The opt-outs, for machines where something cannot be installed: NEPHELE_ALLOW_MISSING (a
# comma- or blank-separated list) naming sshd lets the run go on without
# openssh-server/openssh-client, netns without iproute2/util-linux, qemu-img without
# qemu-utils, qemu without qemu-system-x86/cpio/genisoimage or the test guest; the tests that
# need a component so left missing are compiled as ignored (testkit::components). This script
# prints the names of the components so left missing on stdout (and nothing else there), so
# that tests/run.sh can report the run as skipped (exit 77), never as passed. Everything else
# goes to stderr.
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
        qemu-system-x86) have qemu-system-x86_64 ;;
        cpio) have cpio ;;
        genisoimage) have genisoimage ;;
        *) return 1 ;;
    esac
}

# The component name of NEPHELE_ALLOW_MISSING a package belongs to (empty: no opt-out).
component() {
    case $1 in
        openssh-server | openssh-client) echo sshd ;;
        iproute2 | util-linux) echo netns ;;
        qemu-utils) echo qemu-img ;;
        qemu-system-x86 | cpio | genisoimage) echo qemu ;;
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

# The apt-get arguments installing the packages "$@": qemu-system-x86 comes with the
# qemu-utils of its own version (downgrading a newer one), so qemu-img stays installed.
apt_args() {
    local p qemu_version=""
    for p in "$@"; do
        [ "$p" = qemu-system-x86 ] || continue
        qemu_version=$(apt-cache policy qemu-system-x86 2>/dev/null | sed -n 's/^ *Candidate: *//p')
        [ "$qemu_version" = "(none)" ] && qemu_version=""
    done
    [ -n "$qemu_version" ] && printf '%s\n' --allow-downgrades
    for p in "$@"; do
        if [ "$p" = qemu-utils ] && [ -n "$qemu_version" ]; then
            continue
        fi
        printf '%s\n' "$p"
        [ "$p" = qemu-system-x86 ] && [ -n "$qemu_version" ] && printf '%s\n' "qemu-utils=$qemu_version"
    done
    return 0
}

packages=(gcc g++ pkg-config libssl-dev python3 python3-venv openssh-server openssh-client
    qemu-utils lzop xz-utils bzip2 curl iproute2 util-linux qemu-system-x86 cpio genisoimage)
missing=()
for p in "${packages[@]}"; do
    present "$p" || missing+=("$p")
done

# The components left missing under NEPHELE_ALLOW_MISSING (printed on stdout at the end).
skipped=()
skip() {
    case " ${skipped[*]} " in *" $1 "*) ;; *) skipped+=("$1") ;; esac
}

if [ ${#missing[@]} -gt 0 ]; then
    mapfile -t args < <(apt_args "${missing[@]}")
    install="apt-get install -y --no-install-recommends ${args[*]}"
    if [ "$(id -u)" = 0 ] && have apt-get; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        # the versions as the fresh package lists have them
        mapfile -t args < <(apt_args "${missing[@]}")
        say "installing ${args[*]}"
        apt-get install -y -qq --no-install-recommends "${args[@]}" >&2
        # every package, not only those installed: an install must not remove another
        still=()
        for p in "${packages[@]}"; do
            present "$p" || still+=("$p")
        done
        if [ ${#still[@]} -gt 0 ]; then
            say "still missing after apt-get: ${still[*]}"
            exit 1
        fi
    else
        # Not root (or no apt-get): what the opt-out covers may stay missing; the rest cannot.
        blocking=()
        for p in "${missing[@]}"; do
            c=$(component "$p")
            if [ -n "$c" ] && allowed "$c"; then
                skip "$c"
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
            say "(NEPHELE_ALLOW_MISSING=sshd,netns,qemu-img,qemu lets the tests run without the components so named; that run does not count as a pass)"
            exit 1
        fi
        say "SKIPPED: ${missing[*]} missing and allowed by NEPHELE_ALLOW_MISSING; the tests that need ${skipped[*]} will be reported as ignored. Install as root: apt-get update && $install"
    fi
fi

# The test guest (a kernel and an initramfs, cached), unless qemu itself was left out.
case " ${skipped[*]} " in
    *" qemu "*) ;;
    *)
        if ! "$(dirname "$0")/guest/build.sh" >&2; then
            if allowed qemu; then
                skip qemu
                say "SKIPPED: the test guest could not be built and NEPHELE_ALLOW_MISSING names qemu; the tests that boot it will be reported as ignored."
            else
                say "the test guest could not be built (above): run tests/guest/build.sh as root (it downloads a Debian kernel and busybox-static once), or set NEPHELE_GUEST_CACHE to a writable directory"
                say "(NEPHELE_ALLOW_MISSING=qemu lets the tests run without it; that run does not count as a pass)"
                exit 1
            fi
        fi
        ;;
esac

[ ${#skipped[@]} -eq 0 ] || echo "${skipped[*]}"
exit 0
