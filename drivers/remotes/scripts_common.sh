#!/bin/sh
# Helpers sourced by every Nephele remote script (POSIX sh).
#
# stderr conventions (the exec drivers' result contract, as in OpenNebula 7):
#   - lines "ERROR: ...", "WARN: ...", "INFO: ...", "DEBUG: ..." become LOG lines of the action;
#   - every other stderr line is part of the FAILURE message when the script exits non-zero;
#   - on exit 0, stdout (trimmed) is the action's SUCCESS info.
# Exit code 42 is reserved: the drivers read it as "remote scripts missing".

# Name of the running script, used as the log prefix.
SCRIPT_NAME=${0##*/}

log_function() {
    printf '%s: %s: %s\n' "$1" "$SCRIPT_NAME" "$2" >&2
}

log_info() {
    log_function "INFO" "$1"
}

log_error() {
    log_function "ERROR" "$1"
}

log_warning() {
    log_function "WARN" "$1"
}

log_debug() {
    log_function "DEBUG" "$1"
}

# A plain stderr line: the text of the FAILURE reply.
error_message() {
    printf '%s\n' "$1" >&2
}

# exec_and_log MESSAGE COMMAND [ARG...]
#   Runs COMMAND with its arguments (an argv, never a string evaluated by the shell), discarding
#   its stdout. On failure logs the command's stderr, prints MESSAGE (or a default one) as the
#   FAILURE text and exits with the command's exit code.
#   Unlike OpenNebula's exec_and_log "CMD STRING" "MESSAGE", the command is an argv so that no
#   value is ever split or expanded twice.
exec_and_log() {
    exec_and_log_message=$1
    shift
    exec_and_log_rc=0
    exec_and_log_err=$("$@" 2>&1 >/dev/null) || exec_and_log_rc=$?
    if [ "$exec_and_log_rc" -ne 0 ]; then
        log_error "Command \"$*\" failed: $exec_and_log_err"
        if [ -n "$exec_and_log_message" ]; then
            error_message "$exec_and_log_message"
        else
            error_message "Error executing $*: $exec_and_log_err"
        fi
        exit "$exec_and_log_rc"
    fi
}

# Prints its argument single-quoted for a POSIX shell ('\'' for every quote), for the rare
# command lines that must go through a remote shell (ssh always runs one). The shell does it
# alone (no process): scripts call it a dozen times per action.
shell_quote() {
    shell_quote_r=""
    shell_quote_s=$1
    while :; do
        case "$shell_quote_s" in
            *\'*)
                shell_quote_r="$shell_quote_r${shell_quote_s%%\'*}'\\''"
                shell_quote_s=${shell_quote_s#*\'}
                ;;
            *) break ;;
        esac
    done
    printf "'%s'" "$shell_quote_r$shell_quote_s"
}

# True when $1 is a non-negative decimal integer.
is_uint() {
    case "$1" in
        '' | *[!0-9]*) return 1 ;;
        *) return 0 ;;
    esac
}
