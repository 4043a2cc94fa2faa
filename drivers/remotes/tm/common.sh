#!/bin/sh
# Shared by the transfer (TM) scripts (sourced, not run). TM scripts run on the front-end; the
# ssh ones reach the hosts with the OpenSSH client themselves.

# shellcheck source=../scripts_common.sh
. "$(dirname "$0")/../../scripts_common.sh"

# Front-end state directory: $ONE_LOCATION/var, or /var/lib/one (oneadmin's home).
if [ -n "${ONE_LOCATION:-}" ]; then
    ONE_VAR="$ONE_LOCATION/var"
else
    ONE_VAR=/var/lib/one
fi
# Accept-and-remember, shared with the exec drivers (OpenSSH known_hosts format).
KNOWN_HOSTS=${NEPHELE_SSH_KNOWN_HOSTS:-$ONE_VAR/.ssh/known_hosts}

# arg_host HOST:PATH -> HOST (refuses empty names, names starting with '-' and odd characters)
arg_host() {
    case "$1" in
        /*)
            error_message "No host in '$1' (HOST:PATH expected)"
            exit 1
            ;;
        *:*) arg_host_h=${1%%:*} ;;
        *)
            error_message "No host in '$1' (HOST:PATH expected)"
            exit 1
            ;;
    esac
    case "$arg_host_h" in
        '' | -* | *[!A-Za-z0-9._-]*)
            error_message "Invalid host name: '$arg_host_h'"
            exit 1
            ;;
    esac
    printf '%s\n' "$arg_host_h"
}

# arg_path [HOST:]PATH -> PATH, which must be absolute, not '/', without '..' components.
arg_path() {
    case "$1" in
        /*) arg_path_p=$1 ;;
        *) arg_path_p=${1#*:} ;;
    esac
    case "$arg_path_p" in
        /*) ;;
        *)
            error_message "Invalid path in '$1' (an absolute path is needed)"
            exit 1
            ;;
    esac
    case "/$arg_path_p/" in
        */../* | */./*)
            error_message "Invalid path '$arg_path_p' ('.' and '..' components are refused)"
            exit 1
            ;;
    esac
    arg_path_trim=$(printf '%s' "$arg_path_p" | sed 's:/*$::')
    if [ -z "$arg_path_trim" ]; then
        error_message "Refusing to work on '/'"
        exit 1
    fi
    printf '%s\n' "$arg_path_p"
}

# tm_ssh HOST REMOTE_COMMAND: runs REMOTE_COMMAND (whose values the caller shell_quote'd) on
# HOST. Honours NEPHELE_SSH_USER, NEPHELE_SSH_PORT and NEPHELE_SSH_KEY like the exec drivers.
tm_ssh() {
    tm_ssh_host=$1
    tm_ssh_cmd=$2
    mkdir -p "$(dirname "$KNOWN_HOSTS")"
    set -- -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o LogLevel=ERROR \
        -o "UserKnownHostsFile=$KNOWN_HOSTS" -o HashKnownHosts=no -o ConnectTimeout=30
    if [ -n "${NEPHELE_SSH_KEY:-}" ]; then
        set -- "$@" -o IdentitiesOnly=yes -i "$NEPHELE_SSH_KEY"
    fi
    if [ -n "${NEPHELE_SSH_USER:-}" ]; then
        set -- "$@" -l "$NEPHELE_SSH_USER"
    fi
    if [ -n "${NEPHELE_SSH_PORT:-}" ]; then
        set -- "$@" -p "$NEPHELE_SSH_PORT"
    fi
    ssh "$@" -- "$tm_ssh_host" "$tm_ssh_cmd"
}

# check_size_format SIZE_MB FORMAT: refuses what mkimage cannot make.
check_size_format() {
    if ! is_uint "$1"; then
        error_message "Invalid size: '$1' (MB expected)"
        exit 1
    fi
    case "$2" in
        raw | qcow2 | swap) ;;
        *)
            error_message "Unsupported image format: '$2' (raw, qcow2 or swap)"
            exit 1
            ;;
    esac
}

# mkimage_command SIZE_MB FORMAT PATH: the (quoted) shell command creating the image.
mkimage_command() {
    mkimage_q=$(shell_quote "$3")
    case "$2" in
        raw) printf 'truncate -s %sM %s' "$1" "$mkimage_q" ;;
        swap) printf 'truncate -s %sM %s && mkswap %s >/dev/null' "$1" "$mkimage_q" "$mkimage_q" ;;
        qcow2) printf 'qemu-img create -q -f qcow2 %s %sM' "$mkimage_q" "$1" ;;
    esac
}

# make_context_iso ISO FILE...: an ISO 9660 image labelled CONTEXT holding the FILEs. A FILE is
# a front-end path (the file keeps its name) or OpenNebula's FILES_DS form PATH:'NAME' (the file
# is named NAME on the CD). Two files of one name are refused.
make_context_iso() {
    make_iso_out=$1
    shift
    make_iso_dir=$(mktemp -d)
    for make_iso_f in "$@"; do
        case "$make_iso_f" in
            *:\'*\')
                make_iso_name=${make_iso_f##*:\'}
                make_iso_name=${make_iso_name%\'}
                make_iso_f=${make_iso_f%:\'*}
                ;;
            *) make_iso_name=$(basename "$make_iso_f") ;;
        esac
        case "$make_iso_name" in
            '' | . | .. | */* | *\'*)
                rm -rf "$make_iso_dir"
                error_message "Invalid context file name '$make_iso_name'"
                exit 1
                ;;
        esac
        if [ ! -f "$make_iso_f" ]; then
            rm -rf "$make_iso_dir"
            error_message "Context file $make_iso_f not found"
            exit 1
        fi
        if [ -e "$make_iso_dir/$make_iso_name" ]; then
            rm -rf "$make_iso_dir"
            error_message "Two context files are named $make_iso_name"
            exit 1
        fi
        cp "$make_iso_f" "$make_iso_dir/$make_iso_name"
    done
    make_iso_rc=0
    if command -v genisoimage >/dev/null 2>&1; then
        genisoimage -quiet -o "$make_iso_out" -V CONTEXT -J -R "$make_iso_dir" || make_iso_rc=$?
    elif command -v mkisofs >/dev/null 2>&1; then
        mkisofs -quiet -o "$make_iso_out" -V CONTEXT -J -R "$make_iso_dir" || make_iso_rc=$?
    elif command -v xorriso >/dev/null 2>&1; then
        xorriso -as mkisofs -quiet -o "$make_iso_out" -V CONTEXT -J -R "$make_iso_dir" \
            || make_iso_rc=$?
    else
        make_iso_rc=127
        error_message "No ISO tool on the front-end (genisoimage, mkisofs or xorriso)"
    fi
    rm -rf "$make_iso_dir"
    [ "$make_iso_rc" -eq 0 ] || exit "$make_iso_rc"
}
