#!/bin/sh
# KVM hosts: QEMU must be installed; without /dev/kvm guests run emulated (a warning).
set -e

# shellcheck source=../../scripts_common.sh
. "$(dirname "$0")/../../scripts_common.sh"

qemu=""
for candidate in "qemu-system-$(uname -m)" qemu-kvm /usr/libexec/qemu-kvm; do
    if command -v "$candidate" >/dev/null 2>&1; then
        qemu=$candidate
        break
    fi
done

if [ -z "$qemu" ]; then
    error_message "QEMU is not installed on this host (no qemu-system-$(uname -m) or qemu-kvm)"
    exit 1
fi
if [ ! -c /dev/kvm ]; then
    log_warning "/dev/kvm missing: guests will run emulated"
fi

echo 'HYPERVISOR = "kvm"'
