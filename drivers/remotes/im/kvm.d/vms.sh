#!/bin/sh
# The VMs of this kvm host, for oned's reconciliation (share/doc/drivers.md, "IM actions"):
#   - every QEMU process named one-<id> whose pid file (its -pidfile, in the VM's directory) is
#     here and holds its pid: VM = [ ID, DEPLOY_ID = "one-<id>", STATE, CPU, MEMORY, NETRX,
#     NETTX, DISKRDBYTES, DISKWRBYTES, DISKRDIOPS, DISKWRIOPS ], the words of vmm/kvm/poll
#     (a guest that powered itself off is stopped and reported STATE = "d"). A one-<id> process
#     whose pid file is not visible here belongs to another host sharing this kernel (hosts in
#     namespaces of their own) and is left out;
#   - every other QEMU process (named qemu-system-*, qemu-kvm or kvm) is a VM Nephele did not
#     start: ID = "-1", DEPLOY_ID = its -name (guest=…), or qemu-<pid>.
# The list is complete, so the probe says VM_POLL = "YES": oned powers off a RUNNING VM of this
# host that is not listed. CPU is sampled over 0.1 s for all VMs at once.
set -e
KVM_DIR=$(dirname "$0")/../../vmm/kvm
# shellcheck source=../../vmm/kvm/common.sh
. "$KVM_DIR/common.sh"

require_one_qmp
echo 'VM_POLL = "YES"'

vms=""
for proc in /proc/[0-9]*; do
    comm=""
    read -r comm 2>/dev/null <"$proc/comm" || continue
    pid=${proc#/proc/}
    case "$comm" in
        one-*)
            id=${comm#one-}
            case "$id" in
                '' | *[!0-9]* | 0?*) continue ;;
            esac
            pidfile=$(cmdline_pidfile "$pid")
            case "$pidfile" in
                /*/qemu.pid) ;;
                *) continue ;;
            esac
            owns_pidfile "$pid" "$pidfile" || continue
            process_alive "$pid" "$comm" || continue
            cpu_ns "$pid"
            vms="$vms$id $pid $CPU_NS $(dirname "$pidfile")$NL"
            ;;
        qemu-system-* | qemu-kvm | kvm)
            process_alive "$pid" "$comm" || continue
            name=$(tr '\000' '\n' <"$proc/cmdline" 2>/dev/null | awk 'take { print; exit } $0 == "-name" { take = 1 }')
            name=${name#guest=}
            name=${name%%,*}
            name=$(printf '%s' "$name" | tr -c 'A-Za-z0-9_.-' '_')
            [ -n "$name" ] || name="qemu-$pid"
            echo "VM = [ ID = \"-1\", DEPLOY_ID = \"$name\", STATE = \"a\" ]"
            ;;
    esac
done
[ -n "$vms" ] || exit 0

uptime_cs
UPTIME_BEFORE=$UPTIME_CS
sleep 0.1 2>/dev/null || sleep 1
set -f
while read -r id VM_PID CPU_NS_BEFORE VM_DIR; do
    [ -n "$id" ] || continue
    VM_NAME="one-$id"
    vm_stats </dev/null
    line="VM = [ ID = \"$id\", DEPLOY_ID = \"$VM_NAME\""
    # shellcheck disable=SC2086 # the words of the poll line, split on purpose (no glob: set -f)
    for word in $STATS; do
        line="$line, ${word%%=*} = \"${word#*=}\""
    done
    echo "$line ]"
done <<EOF
$vms
EOF
