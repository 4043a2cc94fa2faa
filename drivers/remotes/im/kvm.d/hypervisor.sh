#!/bin/sh
# The hypervisor of a kvm host: QEMU (QEMU_BINARY of vmm/kvm/kvmrc) must be installed.
#   HYPERVISOR = "kvm", QEMU_VERSION (from --version), KVM_ACCEL = "kvm" when /dev/kvm is
#   readable and writable and the CPU has vmx or svm (hardware virtualization), else "tcg"
#   (emulation; the deployment files of this host's VMs then say -accel tcg), KVM_MACHINES
#   (the machine types of -machine help, e.g. "pc q35 …").
set -e

# shellcheck source=../../scripts_common.sh
. "$(dirname "$0")/../../scripts_common.sh"
# shellcheck source=../../vmm/kvm/kvmrc
. "$(dirname "$0")/../../vmm/kvm/kvmrc"

if ! command -v "$QEMU_BINARY" >/dev/null 2>&1; then
    error_message "QEMU is not installed on this host ($QEMU_BINARY not found)"
    exit 1
fi

version=$("$QEMU_BINARY" --version 2>/dev/null | sed -n '1s/^QEMU emulator version \([0-9][0-9.]*\).*/\1/p')

accel=tcg
if [ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -qw -E 'vmx|svm' /proc/cpuinfo; then
    accel=kvm
elif [ -e /dev/kvm ]; then
    log_info "/dev/kvm is there but not usable (no vmx/svm in /proc/cpuinfo, or no access): guests run emulated (tcg)"
else
    log_info "/dev/kvm missing: guests run emulated (tcg)"
fi

# "-machine help": a header line, then "<name> <description>" lines; "none" is no machine.
machines=$("$QEMU_BINARY" -machine help 2>/dev/null |
    awk 'NR > 1 && $1 != "none" && $1 ~ /^[A-Za-z0-9_.-]+$/ { printf "%s%s", sep, $1; sep = " " }')

echo 'HYPERVISOR = "kvm"'
echo "QEMU_VERSION = \"$version\""
echo "KVM_ACCEL = \"$accel\""
echo "KVM_MACHINES = \"$machines\""
