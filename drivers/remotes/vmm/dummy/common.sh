#!/bin/sh
# Shared by the dummy hypervisor's scripts (sourced, not run).
#
# The dummy hypervisor keeps one file per "domain" in ${NEPHELE_DUMMY_DIR:-/var/tmp/one-dummy}
# on the host: <dir>/one-<vmid> holds the VM XML given to deploy. The directory comes from the
# host's environment; the exec drivers forward front-end variables named in NEPHELE_REMOTE_ENV
# (e.g. NEPHELE_REMOTE_ENV=NEPHELE_DUMMY_DIR in etc/mad/<driver>rc), never from a VM template.

# shellcheck source=../../scripts_common.sh
. "$(dirname "$0")/../../scripts_common.sh"

DUMMY_DIR=${NEPHELE_DUMMY_DIR:-/var/tmp/one-dummy}

# domain_name DEPLOY_ID VMID: the domain's file name (DEPLOY_ID, or one-VMID when it is empty);
# refuses names that are not a plain file name.
domain_name() {
    if [ -n "$1" ]; then
        domain_name_n=$1
    elif is_uint "$2"; then
        domain_name_n="one-$2"
    else
        error_message "Neither a deploy id nor a VM id given"
        exit 1
    fi
    case "$domain_name_n" in
        . | .. | */* | -*)
            error_message "Invalid domain name: $domain_name_n"
            exit 1
            ;;
    esac
    printf '%s\n' "$domain_name_n"
}

# require_domain PATH NAME: fails unless the domain exists.
require_domain() {
    if [ ! -f "$1" ]; then
        error_message "Domain $2 not found in $DUMMY_DIR"
        exit 1
    fi
}
