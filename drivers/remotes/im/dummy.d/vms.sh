#!/bin/sh
# The domains of the dummy hypervisor on this host: one file per domain in
# ${NEPHELE_DUMMY_DIR:-/var/tmp/one-dummy}, named one-<vmid> for the VMs Nephele deployed.
# The list is complete (no directory: no domain), so the probe says VM_POLL = "YES": oned
# powers off a RUNNING VM of this host that is not listed (share/doc/drivers.md).
set -e

echo 'VM_POLL = "YES"'

dir=${NEPHELE_DUMMY_DIR:-/var/tmp/one-dummy}
[ -d "$dir" ] || exit 0

for domain in "$dir"/*; do
    [ -f "$domain" ] || continue
    name=$(basename "$domain")
    case "$name" in
        one-*) id=${name#one-} ;;
        *) id=-1 ;;
    esac
    case "$id" in
        '' | *[!0-9-]*) id=-1 ;;
    esac
    name=$(printf '%s' "$name" | tr -d '\\"')
    echo "VM = [ ID = \"$id\", DEPLOY_ID = \"$name\", STATE = \"a\" ]"
done
