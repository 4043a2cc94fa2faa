#!/bin/sh
# Shared by the kvm driver's scripts and the kvm IM probe of the VMs (sourced, not run). The
# caller sets KVM_DIR to this directory first. share/doc/kvm.md describes the host layout, the
# deployment file and what each action does.
#
# Every value a function gets is checked before use; the deployment file is read line by line
# into "$@" and never evaluated; ip(8) and QEMU get their arguments as argv words.

# shellcheck disable=SC2153 # KVM_DIR is the caller's
# shellcheck source=../../scripts_common.sh
. "$KVM_DIR/../../scripts_common.sh"
# shellcheck source=kvmrc
. "$KVM_DIR/kvmrc"

# The QMP helper shipped with the remotes (oned installs it next to these scripts).
ONE_QMP=${ONE_QMP:-$KVM_DIR/one_qmp}

NL='
'
# The largest deployment file (bytes) and line (bytes) accepted.
DEPLOYMENT_MAX=1048576
DEPLOYMENT_LINE_MAX=4096

# die MESSAGE: the action's FAILURE message; exit 1.
die() {
    error_message "$1"
    exit 1
}

# A number of seconds (decimals allowed, more than 0).
is_seconds() {
    case "$1" in
        '' | *[!0-9.]* | .* | *. | *.*.*) return 1 ;;
    esac
    case "$1" in
        *[1-9]*) return 0 ;;
        *) return 1 ;;
    esac
}

for kvm_setting in SHUTDOWN_TIMEOUT QEMU_START_TIMEOUT CANCEL_TIMEOUT SAVE_TIMEOUT QMP_TIMEOUT; do
    eval "kvm_value=\${$kvm_setting}"
    # shellcheck disable=SC2154 # set by the eval above
    is_seconds "$kvm_value" || die "Invalid $kvm_setting '$kvm_value' (kvmrc or environment): seconds expected"
done
case "$QEMU_BINARY" in
    '' | *"$NL"*) die "Invalid QEMU_BINARY (kvmrc or environment)" ;;
esac

KVM_UID=$(id -u)

# check_vmid VMID: a VM id (decimal, no leading zero).
check_vmid() {
    case "$1" in
        '' | *[!0-9]* | 0?*) die "Invalid VM id: '$1'" ;;
    esac
    [ "${#1}" -le 10 ] || die "Invalid VM id: '$1'"
}

# vm_name DEPLOY_ID VMID: sets VM_NAME to one-VMID; a DEPLOY_ID given must be exactly that.
vm_name() {
    check_vmid "$2"
    VM_NAME="one-$2"
    case "$1" in
        '' | "$VM_NAME") ;;
        *) die "Invalid deploy id '$1' for VM $2 ($VM_NAME expected)" ;;
    esac
}

# check_path WHAT PATH: PATH is absolute, has no . or .. component and no newline.
check_path() {
    case "$2" in
        /*) ;;
        *) die "Invalid $1: '$2' (an absolute path is needed)" ;;
    esac
    case "$2/" in
        */./* | */../*) die "Invalid $1: '$2' (no . or .. components)" ;;
        *"$NL"*) die "Invalid $1: a path with a newline" ;;
    esac
}

# vm_dir_from_stdin: the VM directory, from the action data on stdin (VMM_DRIVER_ACTION_DATA):
# the directory of REMOTE_DEPLOYMENT_FILE, else of CHECKPOINT_FILE; else from the running QEMU
# named VM_NAME (its -pidfile). Sets VM_DIR (empty when none is known).
vm_dir_from_stdin() {
    # Only what comes before the <VM> element is read: oned writes these elements there, and
    # nothing of the VM's template (user text) can be mistaken for them.
    vds_data=$(head -c 65536 2>/dev/null || true)
    vds_data=${vds_data%%<VM>*}
    VM_DIR=""
    for vds_tag in REMOTE_DEPLOYMENT_FILE CHECKPOINT_FILE; do
        vds_file=$(printf '%s\n' "$vds_data" |
            sed -n "s|.*<$vds_tag>\\([^<]*\\)</$vds_tag>.*|\\1|p" | head -n 1)
        [ -n "$vds_file" ] || continue
        case "$vds_file" in
            *'&#'*) die "Unsupported character reference in $vds_tag: $vds_file" ;;
        esac
        vds_file=$(printf '%s\n' "$vds_file" |
            sed -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&quot;/"/g' -e "s/&apos;/'/g" -e 's/&amp;/\&/g')
        check_path "$vds_tag" "$vds_file"
        VM_DIR=$(dirname "$vds_file")
        return 0
    done
    vm_dir_from_process
}

# cmdline_pidfile PID: the -pidfile argument of process PID's command line (nothing if none).
cmdline_pidfile() {
    tr '\000' '\n' <"/proc/$1/cmdline" 2>/dev/null | awk 'take { print; exit } $0 == "-pidfile" { take = 1 }'
}

# owns_pidfile PID PIDFILE: true when PIDFILE exists here and holds PID (so the process is a VM
# of this host: a host in a mount namespace of its own does not see another host's VM dirs).
owns_pidfile() {
    [ -f "$2" ] || return 1
    op_pid=""
    read -r op_pid 2>/dev/null <"$2" || [ -n "$op_pid" ] || return 1
    [ "$op_pid" = "$1" ]
}

# vm_dir_from_process: VM_DIR from the live process named VM_NAME whose pid file is here.
vm_dir_from_process() {
    VM_DIR=""
    for vdp in /proc/[0-9]*; do
        vdp_comm=""
        read -r vdp_comm 2>/dev/null <"$vdp/comm" || continue
        [ "$vdp_comm" = "$VM_NAME" ] || continue
        vdp_pid=${vdp#/proc/}
        vdp_file=$(cmdline_pidfile "$vdp_pid")
        case "$vdp_file" in
            */qemu.pid) ;;
            *) continue ;;
        esac
        owns_pidfile "$vdp_pid" "$vdp_file" || continue
        VM_DIR=$(dirname "$vdp_file")
        return 0
    done
}

# process_alive PID NAME: PID runs (not a zombie) and is named NAME.
process_alive() {
    pa_comm=""
    read -r pa_comm 2>/dev/null <"/proc/$1/comm" || return 1
    [ "$pa_comm" = "$2" ] || return 1
    pa_stat=""
    read -r pa_stat 2>/dev/null <"/proc/$1/stat" || return 1
    pa_stat=${pa_stat##*) }
    case "$pa_stat" in
        Z* | X* | x*) return 1 ;;
    esac
    return 0
}

# vm_pid: VM_PID = the pid in VM_DIR/qemu.pid when that process is alive and named VM_NAME;
# empty otherwise (no QEMU of this VM runs here).
vm_pid() {
    VM_PID=""
    [ -n "$VM_DIR" ] && [ -f "$VM_DIR/qemu.pid" ] || return 0
    vp=""
    read -r vp 2>/dev/null <"$VM_DIR/qemu.pid" || [ -n "$vp" ] || return 0
    is_uint "$vp" || return 0
    process_alive "$vp" "$VM_NAME" || return 0
    VM_PID=$vp
}

# qmp ARG...: one_qmp on the VM's socket, bounded by QMP_TIMEOUT.
qmp() {
    "$ONE_QMP" --timeout "$QMP_TIMEOUT" "$VM_DIR/qmp.sock" "$@"
}

# qmp_do WHAT COMMAND [ARG...]: a QMP command whose failure fails the action.
qmp_do() {
    qd_what=$1
    shift
    qd_err=$(qmp "$@" 2>&1 >/dev/null) || die "Cannot $qd_what $VM_NAME: $qd_err"
}

# run_state: prints the VM's QMP run state (running, paused, shutdown, …); fails when QEMU
# does not answer.
run_state() {
    rs=$(qmp query-status) || return 1
    rs=${rs#*\"status\":\"}
    printf '%s\n' "${rs%%\"*}"
}

# require_one_qmp: fails clearly when the helper is not installed.
require_one_qmp() {
    [ -x "$ONE_QMP" ] ||
        die "$ONE_QMP is missing: oned installs one_qmp into var/remotes/vmm/kvm (onehost sync copies it to hosts)"
}

# vm_quit: stops the VM's QEMU (VM_PID): QMP quit, then SIGKILL if it is still there after
# CANCEL_TIMEOUT. Removes its pid file and socket. Fails only when SIGKILL did not stop it.
vm_quit() {
    [ -n "$VM_PID" ] || return 0
    qmp quit >/dev/null 2>&1 || true
    if ! "$ONE_QMP" --timeout "$CANCEL_TIMEOUT" --wait-exit "$VM_PID" >/dev/null 2>&1; then
        if process_alive "$VM_PID" "$VM_NAME"; then
            log_warning "QEMU of $VM_NAME (pid $VM_PID) did not quit within $CANCEL_TIMEOUT s: killing it"
            kill -9 "$VM_PID" 2>/dev/null || true
        fi
        "$ONE_QMP" --timeout 5 --wait-exit "$VM_PID" >/dev/null 2>&1 ||
            die "QEMU of $VM_NAME (pid $VM_PID) is still running after SIGKILL"
    fi
    rm -f "$VM_DIR/qemu.pid" "$VM_DIR/qmp.sock"
    VM_PID=""
}

# The reboot marker: VM_DIR/rebooting holds the pid of a reboot in progress, during which the
# guest passes through the run state shutdown, which poll must not take for a power-off.
rebooting() {
    rb=""
    read -r rb 2>/dev/null <"$VM_DIR/rebooting" || [ -n "$rb" ] || return 1
    is_uint "$rb" && kill -0 "$rb" 2>/dev/null
}

# settle_shutdown: a guest that powered itself off leaves QEMU in the run state shutdown
# (-no-shutdown): QEMU is quit and the taps deleted, so the VM is gone (poll: STATE=d).
settle_shutdown() {
    log_info "$VM_NAME powered itself off: stopping its QEMU"
    vm_quit
    taps_down
}

# ---------------------------------------------------------------------------------------------
# Taps (ip(8); as root, else through sudo -n, as OpenNebula's network drivers do).

ip_cmd() {
    if [ "$KVM_UID" -eq 0 ]; then
        ip "$@"
    else
        sudo -n ip "$@"
    fi
}

# A device name: 1 to 15 characters of [A-Za-z0-9_.-].
is_ifname() {
    case "$1" in
        '' | *[!A-Za-z0-9_.-]*) return 1 ;;
    esac
    [ "${#1}" -le 15 ]
}

# taps_up: creates the taps of DEP_TAPS ("name bridge" lines) and records their names in
# VM_DIR/taps first (so that whatever stops the VM later deletes them). A missing bridge is
# created. A tap left over by an earlier run of the VM is replaced.
taps_up() {
    printf '%s' "$DEP_TAPS" | sed 's/ .*//' >"$VM_DIR/taps"
    TAPS_MADE=yes
    while read -r tu_tap tu_bridge; do
        [ -n "$tu_tap" ] || continue
        if [ -e "/sys/class/net/$tu_tap" ]; then
            ip_cmd link del dev "$tu_tap" 2>/dev/null || true
        fi
        exec_and_log "Cannot create the tap $tu_tap" ip_cmd tuntap add dev "$tu_tap" mode tap user "$KVM_UID"
        if [ "$tu_bridge" = "-" ]; then
            exec_and_log "Cannot bring the tap $tu_tap up" ip_cmd link set dev "$tu_tap" up
            continue
        fi
        if [ ! -e "/sys/class/net/$tu_bridge" ]; then
            # the network drivers of a later issue create the bridges; until then, deploy does
            ip_cmd link add name "$tu_bridge" type bridge 2>/dev/null || [ -e "/sys/class/net/$tu_bridge" ] ||
                die "Cannot create the bridge $tu_bridge for $tu_tap"
            exec_and_log "Cannot bring the bridge $tu_bridge up" ip_cmd link set dev "$tu_bridge" up
        fi
        exec_and_log "Cannot attach the tap $tu_tap to the bridge $tu_bridge" \
            ip_cmd link set dev "$tu_tap" master "$tu_bridge" up
    done <<EOF
$DEP_TAPS
EOF
}

# taps_down: deletes the taps named in VM_DIR/taps (never fails; a tap that is not there is
# fine), then that file.
taps_down() {
    [ -n "$VM_DIR" ] && [ -f "$VM_DIR/taps" ] || return 0
    while read -r td_tap || [ -n "$td_tap" ]; do
        is_ifname "$td_tap" || continue
        if [ -e "/sys/class/net/$td_tap" ]; then
            ip_cmd link del dev "$td_tap" 2>/dev/null || log_warning "Cannot delete the tap $td_tap"
        fi
    done <"$VM_DIR/taps"
    rm -f "$VM_DIR/taps"
}

# ---------------------------------------------------------------------------------------------
# The deployment file (format 1).

# deployment_read FILE VMID [DIR]: checks FILE and reads its header into DEP_VMID, DEP_DIR,
# DEP_TAPS ("name bridge" lines), DEP_VNC (yes/no) and DEP_VNC_PASSWORD. Fails with the reason
# when the file is not a deployment file of format 1 this driver can run for VM VMID (in
# directory DIR when given): first line, size, line length, NUL bytes, VMID, DIR, TAP names,
# no ARGS, and the arguments deploy relies on (-name …process=one-<id>, -daemonize, -pidfile
# DIR/qemu.pid, -qmp unix:DIR/qmp.sock,…).
deployment_read() {
    dr_file=$1
    dr_vmid=$2
    dr_dir=${3:-}
    dr_size=$(wc -c <"$dr_file")
    [ "$dr_size" -gt 0 ] || die "The deployment file is empty"
    [ "$dr_size" -le "$DEPLOYMENT_MAX" ] || die "The deployment file is larger than $DEPLOYMENT_MAX bytes"
    [ "$(tr -d '\000' <"$dr_file" | wc -c)" -eq "$dr_size" ] || die "The deployment file holds NUL bytes"
    LC_ALL=C awk -v max="$DEPLOYMENT_LINE_MAX" 'length($0) > max { exit 1 }' "$dr_file" ||
        die "The deployment file has a line longer than $DEPLOYMENT_LINE_MAX bytes"
    DEP_VMID="" DEP_DIR="" DEP_TAPS="" DEP_VNC=no DEP_VNC_PASSWORD=""
    dr_n=0 dr_in_args=no dr_prev="" dr_nargs=0
    dr_name=no dr_daemonize=no dr_pidfile=no dr_qmp=no dr_qmp_prefix=""
    while IFS= read -r dr_line || [ -n "$dr_line" ]; do
        dr_n=$((dr_n + 1))
        if [ "$dr_n" -eq 1 ]; then
            [ "$dr_line" = "NEPHELE-DEPLOYMENT 1" ] ||
                die "Not a deployment file of format 1 (first line: '$(printf '%.60s' "$dr_line")')"
            continue
        fi
        if [ "$dr_in_args" = yes ]; then
            dr_nargs=$((dr_nargs + 1))
            case "$dr_prev" in
                -name)
                    case ",$dr_line," in
                        *",process=one-$DEP_VMID,"*) dr_name=yes ;;
                    esac
                    ;;
                -pidfile) [ "$dr_line" = "$DEP_DIR/qemu.pid" ] && dr_pidfile=yes ;;
                -qmp)
                    case "$dr_line" in
                        "$dr_qmp_prefix"*) dr_qmp=yes ;;
                    esac
                    ;;
            esac
            [ "$dr_line" = "-daemonize" ] && dr_daemonize=yes
            dr_prev=$dr_line
            continue
        fi
        if [ "$dr_line" = "ARGS" ]; then
            [ -n "$DEP_VMID" ] || die "The deployment file has no VMID line"
            [ -n "$DEP_DIR" ] || die "The deployment file has no DIR line"
            dr_qmp_prefix="unix:$(printf '%s' "$DEP_DIR" | sed 's/,/,,/g')/qmp.sock,"
            dr_in_args=yes
            continue
        fi
        dr_key=${dr_line%% *}
        dr_value=${dr_line#* }
        [ "$dr_key" != "$dr_line" ] || dr_value=""
        case "$dr_key" in
            VMID)
                case "$dr_value" in
                    '' | *[!0-9]* | 0?*) die "Invalid VMID in the deployment file: '$dr_value'" ;;
                esac
                [ "$dr_value" = "$dr_vmid" ] || die "The deployment file is for VM $dr_value, not $dr_vmid"
                DEP_VMID=$dr_value
                ;;
            DIR)
                check_path "DIR in the deployment file" "$dr_value"
                if [ -n "$dr_dir" ] && [ "$dr_value" != "$dr_dir" ]; then
                    die "The deployment file's DIR ($dr_value) is not the directory of the deployment file ($dr_dir)"
                fi
                DEP_DIR=$dr_value
                ;;
            TAP)
                dr_tap=${dr_value%% *}
                dr_bridge=${dr_value#* }
                if [ "$dr_tap" = "$dr_value" ] || ! is_ifname "$dr_tap"; then
                    die "Invalid TAP line in the deployment file: '$dr_line'"
                fi
                if [ "$dr_bridge" != "-" ] && ! is_ifname "$dr_bridge"; then
                    die "Invalid bridge in the deployment file: '$dr_line'"
                fi
                DEP_TAPS="$DEP_TAPS$dr_tap $dr_bridge$NL"
                ;;
            VNC_PASSWORD)
                DEP_VNC=yes
                DEP_VNC_PASSWORD=$dr_value
                ;;
            ARGS) die "Invalid line in the deployment file: '$dr_line'" ;;
            *) ;; # a later version's header key: ignored
        esac
    done <"$dr_file"
    [ "$dr_in_args" = yes ] || die "The deployment file has no ARGS line"
    [ "$dr_nargs" -gt 0 ] || die "The deployment file has no QEMU arguments"
    [ "$dr_name" = yes ] || die "The deployment file's arguments lack -name …,process=one-$DEP_VMID"
    [ "$dr_daemonize" = yes ] || die "The deployment file's arguments lack -daemonize"
    [ "$dr_pidfile" = yes ] || die "The deployment file's arguments lack -pidfile $DEP_DIR/qemu.pid"
    [ "$dr_qmp" = yes ] || die "The deployment file's arguments lack -qmp ${dr_qmp_prefix}server=on,wait=off"
}

# qemu_start FILE [incoming]: starts QEMU (daemonized) with the arguments of deployment FILE
# (each line after ARGS one argument, verbatim), plus -incoming defer for restore. Sets
# VM_PID and QEMU_STARTED (the pid to kill if the action fails later).
qemu_start() {
    qs_file=$1
    qs_incoming=${2:-}
    set --
    qs_in_args=no
    while IFS= read -r qs_arg || [ -n "$qs_arg" ]; do
        if [ "$qs_in_args" = yes ]; then
            set -- "$@" "$qs_arg"
        elif [ "$qs_arg" = ARGS ]; then
            qs_in_args=yes
        fi
    done <"$qs_file"
    if [ "$qs_incoming" = incoming ]; then
        set -- "$@" -incoming defer
    fi
    qs_err=$(mktemp "$VM_DIR/.qemu-start.XXXXXX")
    qs_rc=0
    timeout "$QEMU_START_TIMEOUT" "$QEMU_BINARY" "$@" </dev/null >/dev/null 2>"$qs_err" || qs_rc=$?
    qs_text=$(head -c 2000 "$qs_err" | tr '\n' ' ')
    rm -f "$qs_err"
    vm_pid
    QEMU_STARTED=$VM_PID
    if [ "$qs_rc" -eq 124 ]; then
        die "QEMU did not start within $QEMU_START_TIMEOUT s${qs_text:+: $qs_text}"
    elif [ "$qs_rc" -ne 0 ]; then
        die "QEMU failed to start (exit code $qs_rc): ${qs_text:-no message}"
    fi
    [ -n "$VM_PID" ] || die "QEMU started but $VM_DIR/qemu.pid names no running $VM_NAME process"
}

# vnc_password: sets the VNC password of the deployment file through QMP (never in a command
# line: one_qmp reads it on stdin).
vnc_password() {
    [ "$DEP_VNC" = yes ] || return 0
    vp_err=$(printf '%s' "$DEP_VNC_PASSWORD" | qmp set_password protocol=vnc --stdin-arg password 2>&1 >/dev/null) ||
        die "Cannot set the VNC password of $VM_NAME: $vp_err"
}

# refuse_running: fails when a QEMU of this VM already runs here; one left in the run state
# shutdown (the guest powered off, nobody polled since) is stopped first.
refuse_running() {
    vm_pid
    [ -n "$VM_PID" ] || return 0
    if [ "$(run_state 2>/dev/null)" = shutdown ]; then
        settle_shutdown
        return 0
    fi
    die "$VM_NAME is already running here (pid $VM_PID)"
}

# start_failed: the EXIT trap of deploy and restore: when they fail, the QEMU they started is
# killed and the taps they made are deleted.
start_failed() {
    sf_rc=$?
    [ -n "${START_TMP:-}" ] && rm -f "$START_TMP"
    [ "$sf_rc" -ne 0 ] || return 0
    if [ -n "${QEMU_STARTED:-}" ] && process_alive "$QEMU_STARTED" "$VM_NAME"; then
        kill -9 "$QEMU_STARTED" 2>/dev/null || true
        "$ONE_QMP" --timeout 5 --wait-exit "$QEMU_STARTED" >/dev/null 2>&1 || true
        rm -f "$VM_DIR/qemu.pid" "$VM_DIR/qmp.sock"
    fi
    if [ "${TAPS_MADE:-no}" = yes ]; then
        taps_down
    fi
    exit "$sf_rc"
}

# ---------------------------------------------------------------------------------------------
# Monitoring (poll and the IM probe).

# cpu_ns PID: CPU_NS = nanoseconds of CPU time of all the threads of PID (schedstat).
cpu_ns() {
    CPU_NS=0
    for cn in /proc/"$1"/task/*/schedstat; do
        cn_run=""
        read -r cn_run cn_rest 2>/dev/null <"$cn" || continue
        is_uint "$cn_run" && CPU_NS=$((CPU_NS + cn_run))
    done
    : "${cn_rest:=}"
}

# uptime_cs: UPTIME_CS = the host's uptime in centiseconds.
uptime_cs() {
    uc=""
    read -r uc uc_idle </proc/uptime
    : "${uc_idle:=}"
    uc="${uc%.*}${uc#*.}"
    uc=${uc#"${uc%%[!0]*}"}
    UPTIME_CS=${uc:-0}
}

# cpu_percent NS_BEFORE NS_AFTER CS_ELAPSED: the percentage of one CPU, one decimal.
cpu_percent() {
    if [ "$3" -le 0 ]; then
        echo 0.0
        return
    fi
    cp_tenths=$((($2 - $1) / ($3 * 10000)))
    [ "$cp_tenths" -ge 0 ] || cp_tenths=0
    echo "$((cp_tenths / 10)).$((cp_tenths % 10))"
}

# rss_kib PID: the resident memory of PID in KiB.
rss_kib() {
    rk=0
    while read -r rk_key rk_value rk_unit; do
        if [ "$rk_key" = "VmRSS:" ]; then
            rk=$rk_value
            break
        fi
    done 2>/dev/null <"/proc/$1/status"
    : "${rk_unit:=}"
    echo "$rk"
}

# net_counters: NET_RX / NET_TX = bytes the guest received / sent on its taps (a tap's tx is
# the guest's rx).
net_counters() {
    NET_RX=0 NET_TX=0
    [ -f "$VM_DIR/taps" ] || return 0
    while read -r nc_tap || [ -n "$nc_tap" ]; do
        is_ifname "$nc_tap" || continue
        nc_s=/sys/class/net/$nc_tap/statistics
        [ -d "$nc_s" ] || continue
        nc_v=0
        read -r nc_v 2>/dev/null <"$nc_s/tx_bytes" || true
        NET_RX=$((NET_RX + nc_v))
        nc_v=0
        read -r nc_v 2>/dev/null <"$nc_s/rx_bytes" || true
        NET_TX=$((NET_TX + nc_v))
    done <"$VM_DIR/taps"
}

# poll_state RUNSTATE: OpenNebula's STATE letter of a QEMU run state.
poll_state() {
    case "$1" in
        running) echo a ;;
        internal-error | io-error | guest-panicked | shutdown) echo e ;;
        *) echo p ;;
    esac
}

# vm_stats: STATS = OpenNebula's poll words of the VM (VM_DIR, VM_PID, VM_NAME) after a CPU
# sample of CPU_NS_BEFORE / UPTIME_BEFORE: "STATE=… CPU=… MEMORY=… NETRX=… NETTX=…
# DISKRDBYTES=… DISKWRBYTES=… DISKRDIOPS=… DISKWRIOPS=…". A guest that powered itself off is
# stopped and reported gone (STATE=d); a QEMU that does not answer QMP is STATE=e.
vm_stats() {
    if ! vs_line=$("$ONE_QMP" --timeout "$QMP_TIMEOUT" "$VM_DIR/qmp.sock" --stats 2>&1); then
        log_warning "$VM_NAME (pid $VM_PID) does not answer on QMP: $vs_line"
        STATS="STATE=e"
        return 0
    fi
    vs_run=${vs_line#RUNSTATE=}
    vs_run=${vs_run%% *}
    vs_disk=${vs_line#RUNSTATE=* }
    if [ "$vs_run" = shutdown ] && ! rebooting; then
        settle_shutdown
        STATS="STATE=d"
        return 0
    fi
    vs_state=$(poll_state "$vs_run")
    [ "$vs_run" = shutdown ] && vs_state=a # an ACPI reboot in progress
    cpu_ns "$VM_PID"
    uptime_cs
    vs_cpu=$(cpu_percent "$CPU_NS_BEFORE" "$CPU_NS" $((UPTIME_CS - UPTIME_BEFORE)))
    net_counters
    # shellcheck disable=SC2034 # read by poll and the IM probe
    STATS="STATE=$vs_state CPU=$vs_cpu MEMORY=$(rss_kib "$VM_PID") NETRX=$NET_RX NETTX=$NET_TX $vs_disk"
}
