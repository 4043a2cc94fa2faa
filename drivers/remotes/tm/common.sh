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
    case "$arg_path_p" in
        *[!/]*) ;;
        *)
            error_message "Refusing to work on '/'"
            exit 1
            ;;
    esac
    printf '%s\n' "$arg_path_p"
}

# tm_conf FILE KEY: sets TM_CONF to the value of the last "KEY=value" line of
# remotes/etc/tm/FILE (blanks around both and double quotes around the value allowed), empty
# when there is none. Read by the shell itself (no process) and never evaluated.
tm_conf() {
    TM_CONF=""
    [ -f "$TM_ETC/$1" ] || return 0
    while IFS='=' read -r tc_k tc_v || [ -n "$tc_k" ]; do
        tc_k=${tc_k#"${tc_k%%[![:space:]]*}"}
        tc_k=${tc_k%"${tc_k##*[![:space:]]}"}
        [ "$tc_k" = "$2" ] || continue
        tc_v=${tc_v#"${tc_v%%[![:space:]]*}"}
        tc_v=${tc_v%"${tc_v##*[![:space:]]}"}
        tc_v=${tc_v#\"}
        TM_CONF=${tc_v%\"}
    done <"$TM_ETC/$1"
}
TM_NL='
'

# dir_of PATH: sets DIR_OF to what `dirname PATH` prints, computed by the shell (no process).
dir_of() {
    DIR_OF=$1
    while :; do
        case "$DIR_OF" in
            /) return 0 ;;
            */) DIR_OF=${DIR_OF%/} ;;
            *) break ;;
        esac
    done
    case "$DIR_OF" in
        */*) DIR_OF=${DIR_OF%/*} ;;
        *)
            DIR_OF=.
            return 0
            ;;
    esac
    while :; do
        case "$DIR_OF" in
            */) DIR_OF=${DIR_OF%/} ;;
            *) break ;;
        esac
    done
    [ -n "$DIR_OF" ] || DIR_OF=/
}

# the running script's directory (tm/<tm_mad> or tm/lib)
dir_of "$0"
TM_SCRIPT_DIR=$DIR_OF
TM_ETC="$TM_SCRIPT_DIR/../../etc/tm"

# Connection reuse (OpenSSH ControlMaster): the first ssh to a host becomes a master that
# stays NEPHELE_SSH_CONTROL_PERSIST seconds after its last session (environment, else
# etc/tm/ssh.conf, else 60; 0 turns reuse off), and every other ssh to that host (same user
# and port) runs its command as one more session of that connection, with no handshake.
# The masters' sockets are in NEPHELE_SSH_CONTROL_DIR (environment, else etc/tm/ssh.conf, else
# $ONE_VAR/.ssh/cm, or /tmp/nephele-ssh.<uid>.<cksum of ONE_VAR> when that path is too long),
# created mode 0700; a directory that is not ours, not 0700, not a directory (a symbolic link)
# or too long for a socket path turns reuse off. Concurrent scripts are safe: ControlMaster=auto
# makes the first one the master and the others its clients; one that loses the race, or that
# the host's MaxSessions refuses, connects on its own.
#
# tm_ssh_mux_init create|exists: sets TM_SSH_MUX_DIR (empty: no reuse) and TM_SSH_MUX_PERSIST,
# once per script; with "exists", a missing directory is not created (and reuse is off), and
# the directory is named even when reuse is off (to stop masters left from before).
tm_ssh_mux_init() {
    [ -z "${TM_SSH_MUX_DONE:-}" ] || return 0
    TM_SSH_MUX_DONE=1
    TM_SSH_MUX_DIR=""
    TM_SSH_MUX_PERSIST=${NEPHELE_SSH_CONTROL_PERSIST:-}
    if [ -z "$TM_SSH_MUX_PERSIST" ]; then
        tm_conf ssh.conf NEPHELE_SSH_CONTROL_PERSIST
        TM_SSH_MUX_PERSIST=$TM_CONF
    fi
    is_uint "$TM_SSH_MUX_PERSIST" || TM_SSH_MUX_PERSIST=60
    if [ "$TM_SSH_MUX_PERSIST" -eq 0 ] && [ "$1" != exists ]; then
        return 0
    fi
    mx_dir=${NEPHELE_SSH_CONTROL_DIR:-}
    if [ -z "$mx_dir" ]; then
        tm_conf ssh.conf NEPHELE_SSH_CONTROL_DIR
        mx_dir=$TM_CONF
    fi
    mx_explicit=1
    if [ -z "$mx_dir" ]; then
        mx_explicit=""
        mx_dir="$ONE_VAR/.ssh/cm"
        # ssh binds <dir>/<40 hex digits>.<16 characters>, which must fit in 103 bytes
        if [ "${#mx_dir}" -gt 45 ]; then
            mx_dir="/tmp/nephele-ssh.$(id -u).$(printf '%s' "$ONE_VAR" | cksum | cut -d' ' -f1)"
        fi
    fi
    mx_why=""
    case "$mx_dir" in
        *%*) mx_why="'%' in the path" ;;
        /*) ;;
        *) mx_why="not an absolute path" ;;
    esac
    [ "${#mx_dir}" -le 45 ] || mx_why="longer than 45 bytes (ssh's socket path limit)"
    if [ -z "$mx_why" ] && [ ! -d "$mx_dir" ]; then
        [ "$1" != exists ] || return 0
        mkdir -p "$(dirname "$mx_dir")" 2>/dev/null || true
        mkdir -m 0700 "$mx_dir" 2>/dev/null || true
    fi
    if [ -z "$mx_why" ]; then
        # one process: the directory's owner, mode and type, and our uid (the owner of /proc/$$)
        mx_st=$(stat -c '%u %a %F' "$mx_dir" /proc/$$ 2>/dev/null) || mx_st=""
        mx_me=${mx_st#*"$TM_NL"}
        if [ "${mx_st%%"$TM_NL"*}" != "${mx_me%% *} 700 directory" ]; then
            mx_why="not a directory of mode 0700 owned by the driver's user"
        fi
    fi
    if [ -n "$mx_why" ]; then
        # the default location only falls back; a directory that was asked for is worth a warning
        [ -z "$mx_explicit" ] || log_warning "ssh connection reuse off: NEPHELE_SSH_CONTROL_DIR $mx_dir: $mx_why"
        return 0
    fi
    TM_SSH_MUX_DIR=$mx_dir
}

# tm_ssh HOST REMOTE_COMMAND: runs REMOTE_COMMAND (whose values the caller shell_quote'd) on
# HOST. Honours NEPHELE_SSH_USER, NEPHELE_SSH_PORT and NEPHELE_SSH_KEY like the exec drivers,
# and shares one connection per host (see tm_ssh_mux_init).
tm_ssh() {
    tm_ssh_host=$1
    tm_ssh_cmd=$2
    [ -d "${KNOWN_HOSTS%/*}" ] || mkdir -p "$(dirname "$KNOWN_HOSTS")"
    tm_ssh_mux_init create
    set -- -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o LogLevel=ERROR \
        -o "UserKnownHostsFile=$KNOWN_HOSTS" -o HashKnownHosts=no -o ConnectTimeout=30
    if [ -n "$TM_SSH_MUX_DIR" ]; then
        # keep-alives bound how long a master of a vanished host is waited for (15 s)
        set -- "$@" -o ControlMaster=auto -o "ControlPath=$TM_SSH_MUX_DIR/%C" \
            -o "ControlPersist=$TM_SSH_MUX_PERSIST" -o ServerAliveInterval=5 -o ServerAliveCountMax=3
    fi
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
