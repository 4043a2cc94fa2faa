#!/bin/sh
# Shared by the ssh, qcow2 and shared transfer scripts and by tm/lib/fanout (sourced after
# ../common.sh, not run). A script sets TM_KIND (ssh, qcow2 or shared) and calls one tm_*
# function with its arguments. Hosts are reached with tm_ssh (shared: the paths are local).

# (not made canonical: no process for it; ../common.sh set TM_SCRIPT_DIR)
TM_LIB="$TM_SCRIPT_DIR/../lib"
REMOTES_DIR="$TM_SCRIPT_DIR/../.."

# The connection reuse settings (tm_ssh_mux_init in ../common.sh), read once here: tm_ssh often
# runs in a command substitution, a subshell whose variables and stderr do not come back.
[ "${TM_KIND:-}" = shared ] || tm_ssh_mux_init create

# Size under which a copy reports no progress.
PROGRESS_MIN_BYTES=${PROGRESS_MIN_BYTES:-67108864}

# cache_max_mb: CACHE_MAX_MB from the environment, else remotes/etc/tm/cache.conf, else 20480.
cache_max_mb() {
    cm_v=${CACHE_MAX_MB:-}
    if [ -z "$cm_v" ] && [ -f "$REMOTES_DIR/etc/tm/cache.conf" ]; then
        cm_v=$(sed -n 's/^[[:space:]]*CACHE_MAX_MB[[:space:]]*=[[:space:]]*"\{0,1\}\([0-9][0-9]*\).*/\1/p' \
            "$REMOTES_DIR/etc/tm/cache.conf" | tail -n 1)
    fi
    is_uint "$cm_v" || cm_v=20480
    printf '%s\n' "$cm_v"
}

check_sha256() {
    case "$1" in
        *[!0-9a-f]*)
            error_message "Invalid SHA-256 '$1' (64 lower-case hex digits expected)"
            exit 1
            ;;
    esac
    if [ "${#1}" -ne 64 ]; then
        error_message "Invalid SHA-256 '$1' (64 lower-case hex digits expected)"
        exit 1
    fi
}

# ds_location DISK_PATH: the DATASTORE_LOCATION of a host path <loc>/<sys ds>/<vmid>/disk.i
ds_location() {
    dir_of "$1"
    dir_of "$DIR_OF"
    dir_of "$DIR_OF"
    printf '%s\n' "$DIR_OF"
}

now_ms() {
    date +%s%3N
}

# send_file FILE LABEL: FILE on stdout; for files of PROGRESS_MIN_BYTES or more, progress on
# stderr ("INFO: <script>: LABEL 42% 110 MB/s") at most once a second, 32 MiB at a time.
send_file() {
    sf_size=$(stat -L -c %s "$1")
    if [ "$sf_size" -lt "$PROGRESS_MIN_BYTES" ]; then
        cat "$1"
        return
    fi
    sf_chunks=$(((sf_size + 33554431) / 33554432))
    sf_start=$(now_ms)
    sf_last=$sf_start
    sf_i=0
    while [ "$sf_i" -lt "$sf_chunks" ]; do
        dd if="$1" bs=1M skip=$((sf_i * 32)) count=32 status=none
        sf_i=$((sf_i + 1))
        sf_now=$(now_ms)
        if [ $((sf_now - sf_last)) -ge 1000 ] || [ "$sf_i" -eq "$sf_chunks" ]; then
            sf_last=$sf_now
            sf_done=$((sf_i * 33554432))
            [ "$sf_done" -le "$sf_size" ] || sf_done=$sf_size
            sf_ms=$((sf_now - sf_start))
            [ "$sf_ms" -gt 0 ] || sf_ms=1
            log_info "$2 $((sf_done * 100 / sf_size))% $((sf_done / 1000 / sf_ms)) MB/s"
        fi
    done
}

# on_host HOST COMMAND: COMMAND (a shell command whose values were shell_quote'd) on HOST, or
# here for the shared TM. stdin and stdout are the caller's.
# The front-end's own name, as oned writes it in transfer lines (`fe:path` of MV at stop and
# resume, DELETE of a local epilog): commands for it run here, without ssh to ourselves.
TM_FRONTEND_NAME=${TM_FRONTEND_NAME:-$(uname -n)}

on_host() {
    if [ "$TM_KIND" = shared ] || [ "$1" = "$TM_FRONTEND_NAME" ]; then
        sh -c "$2"
    else
        tm_ssh "$1" "$2"
    fi
}

# run_on MESSAGE HOST COMMAND: on_host with stdin closed; on failure MESSAGE and the command's
# stderr are the FAILURE text.
run_on() {
    ro_rc=0
    ro_err=$(on_host "$2" "$3" </dev/null 2>&1 >/dev/null) || ro_rc=$?
    if [ "$ro_rc" -ne 0 ]; then
        error_message "$1: $ro_err"
        exit "$ro_rc"
    fi
}

# image_format FILE: qcow2, vmdk… as qemu-img detects it, else raw. The format is the JSON's
# top-level "format" (indented four blanks, as datastore/fs reads it): since qemu 8 a nested
# "children" block comes first, whose "format" is the protocol layer's ("file").
image_format() {
    if_j=$(qemu-img info --output=json "$1" 2>/dev/null) || if_j=""
    if_f=raw
    case "$if_j" in
        *"$TM_NL    \"format\": \""*)
            if_f=${if_j#*"$TM_NL    \"format\": \""}
            if_f=${if_f%%\"*}
            case "$if_f" in
                '' | *[!A-Za-z0-9_-]*) if_f=raw ;;
            esac
            ;;
    esac
    printf '%s\n' "$if_f"
}

# the remote shell snippet printing the format of the file in $f (same rule, on the host)
FORMAT_SNIPPET='fmt=raw; if command -v qemu-img >/dev/null 2>&1; then fmt=$(qemu-img info --output=json "$f" | sed -n "s/^    \"format\": \"\([A-Za-z0-9_-]*\)\".*/\1/p" | head -n 1); fi; fmt=${fmt:-raw}'

# write_sidecars FILE: FILE.md5 and FILE.sha256 (the digest alone and \n), each written under
# a temp name and renamed.
write_sidecars() {
    ws_md5=$(md5sum "$1" | cut -c1-32)
    ws_sha=$(sha256sum "$1" | cut -c1-64)
    printf '%s\n' "$ws_md5" >"$1.md5.tmp" && mv -f "$1.md5.tmp" "$1.md5"
    printf '%s\n' "$ws_sha" >"$1.sha256.tmp" && mv -f "$1.sha256.tmp" "$1.sha256"
}

# copy_to_host SRC HOST DST: a straight copy (no cache), under DST.part then renamed.
copy_to_host() {
    ct_dst=$(shell_quote "$3")
    ct_part=$(shell_quote "$3.part")
    log_info "Copying $1 to $2:$3"
    ct_rc=0
    ct_err=$(send_file "$1" "copy to $2" |
        on_host "$2" "mkdir -p $(shell_quote "$(dirname "$3")") && cat > $ct_part && mv -f $ct_part $ct_dst" \
            2>&1 >/dev/null) || ct_rc=$?
    if [ "$ct_rc" -ne 0 ]; then
        error_message "Error copying $1 to $2:$3: $ct_err"
        exit "$ct_rc"
    fi
}

# cache_entry SRC DST: when SRC has a SHA-256 sidecar, sets CE_SHA and CACHE_ENTRY (the entry
# of the host's cache, of the datastore location of DST) and returns 0; else returns 1.
cache_entry() {
    [ -f "$1.sha256" ] || return 1
    IFS= read -r CE_SHA <"$1.sha256" || true
    CE_SHA=${CE_SHA%%[!0-9a-f]*}
    check_sha256 "$CE_SHA"
    CACHE_ENTRY="$(ds_location "$2")/.cache/$CE_SHA"
}

# tm_clone fe:SRC host:DST vmid dsid. The common case is a host that has the image in its
# cache: the disk is made from the entry in one ssh session; only when the entry is missing
# (exit 99) is it sent (tm/lib/fanout) and the disk made again.
tm_clone() {
    tc_src=$(arg_path "$1")
    tc_host=$(arg_host "$2")
    tc_dst=$(arg_path "$2")
    if [ ! -f "$tc_src" ]; then
        error_message "Image $tc_src not found on the front-end"
        exit 1
    fi
    if [ "$TM_KIND" = shared ]; then
        exec_and_log "Error creating directory $(dirname "$tc_dst")" mkdir -p "$(dirname "$tc_dst")"
        exec_and_log "Error copying $tc_src to $tc_dst" cp -f "$tc_src" "$tc_dst"
        return
    fi
    if ! cache_entry "$tc_src" "$tc_dst"; then
        copy_to_host "$tc_src" "$tc_host" "$tc_dst"
        return
    fi
    q_e=$(shell_quote "$CACHE_ENTRY")
    q_d=$(shell_quote "$tc_dst")
    dir_of "$tc_dst"
    q_dir=$(shell_quote "$DIR_OF")
    if [ "$TM_KIND" = qcow2 ]; then
        tc_fmt=$(image_format "$tc_src")
        q_r=$(shell_quote "$tc_dst.ref")
        # the .ref hard link marks the entry as in use; ln fails only when it is not there. The
        # use stamp is renewed by truncating it (its mtime; no process).
        tc_cmd="{ [ -d $q_dir ] || mkdir -p $q_dir; } && rm -f $q_d $q_r && { ln $q_e $q_r || exit 99; } && : > $(shell_quote "$CACHE_ENTRY.used") && qemu-img create -q -f qcow2 -b $q_e -F $(shell_quote "$tc_fmt") $q_d"
    else
        q_p=$(shell_quote "$tc_dst.part")
        tc_cmd="{ [ -d $q_dir ] || mkdir -p $q_dir; } && { [ -f $q_e ] || exit 99; } && { cp $q_e $q_p || exit 98; } && : > $(shell_quote "$CACHE_ENTRY.used") && chmod 0644 $q_p && mv -f $q_p $q_d"
    fi
    tc_try=1
    while :; do
        tc_rc=0
        tc_err=$(tm_ssh "$tc_host" "$tc_cmd" </dev/null 2>&1 >/dev/null) || tc_rc=$?
        if [ "$tc_rc" -eq 0 ]; then
            [ "$tc_try" -gt 1 ] || log_info "$tc_host: $CE_SHA already cached"
            return 0
        fi
        if [ "$tc_rc" -eq 99 ] && [ "$tc_try" -lt 3 ]; then
            # not in the host's cache (or evicted between the fan-out and its use): send it; a
            # fan-out that fails fails the clone (its reasons are on stderr)
            tc_try=$((tc_try + 1))
            dir_of "$CACHE_ENTRY"
            "$TM_LIB/fanout" "$tc_src" "$CE_SHA" "$DIR_OF" "$tc_host"
            continue
        fi
        error_message "Error creating $tc_host:$tc_dst from the cache: $tc_err"
        exit 1
    done
}

# tm_ln fe:SRC host:DST vmid dsid (persistent image: copied to the host, no cache; shared:
# a symbolic link)
tm_ln() {
    tl_src=$(arg_path "$1")
    tl_host=$(arg_host "$2")
    tl_dst=$(arg_path "$2")
    if [ ! -f "$tl_src" ]; then
        error_message "Image $tl_src not found on the front-end"
        exit 1
    fi
    if [ "$TM_KIND" = shared ]; then
        exec_and_log "Error creating directory $(dirname "$tl_dst")" mkdir -p "$(dirname "$tl_dst")"
        exec_and_log "Error linking $tl_src to $tl_dst" ln -sfn "$tl_src" "$tl_dst"
        return
    fi
    copy_to_host "$tl_src" "$tl_host" "$tl_dst"
}

# tm_mkimage SIZE FORMAT host:DST vmid dsid
tm_mkimage() {
    check_size_format "$1" "$2"
    tm_host=$(arg_host "$3")
    tm_dst=$(arg_path "$3")
    run_on "Error creating $2 image $tm_host:$tm_dst" "$tm_host" \
        "mkdir -p $(shell_quote "$(dirname "$tm_dst")") && $(mkimage_command "$1" "$2" "$tm_dst")"
}

# tm_mkswap SIZE host:DST vmid dsid
tm_mkswap() {
    tm_mkimage "$1" swap "$2"
}

# tm_delete host:PATH vmid dsid
tm_delete() {
    td_host=$(arg_host "$1")
    td_path=$(arg_path "$1")
    run_on "Error deleting $td_host:$td_path" "$td_host" "rm -rf $(shell_quote "$td_path")"
}

# fetch_to_ds HOST FILE SOURCE: FILE of HOST (flattened first when it has a backing file)
# becomes SOURCE on the front-end: received under a temp name, its SHA-256 checked against
# the host's, renamed, sidecars rewritten.
fetch_to_ds() {
    fd_host=$1
    fd_file=$2
    fd_source=$3
    q_f=$(shell_quote "$fd_file")
    q_flat=$(shell_quote "$fd_file.flat")
    # prints the path to send and its SHA-256
    fd_prep="f=$q_f; [ -f \"\$f\" ] || { echo \"\$f not found\" >&2; exit 1; }; $FORMAT_SNIPPET; if command -v qemu-img >/dev/null 2>&1 && qemu-img info --output=json \"\$f\" | grep -q '\"backing-filename\"'; then qemu-img convert -O \"\$fmt\" \"\$f\" $q_flat && f=$q_flat; fi; echo \"\$f\"; sha256sum \"\$f\" | cut -c1-64"
    fd_rc=0
    fd_out=$(on_host "$fd_host" "$fd_prep" </dev/null 2>"${TMPDIR:-/tmp}/fetch.$$.err") || fd_rc=$?
    if [ "$fd_rc" -ne 0 ]; then
        error_message "Error reading $fd_host:$fd_file: $(cat "${TMPDIR:-/tmp}/fetch.$$.err")"
        rm -f "${TMPDIR:-/tmp}/fetch.$$.err"
        exit 1
    fi
    rm -f "${TMPDIR:-/tmp}/fetch.$$.err"
    fd_send=$(printf '%s\n' "$fd_out" | sed -n 1p)
    fd_sha=$(printf '%s\n' "$fd_out" | sed -n 2p)
    fd_tmp="$(dirname "$fd_source")/.$(basename "$fd_source").tmp.$$"
    mkdir -p "$(dirname "$fd_source")"
    log_info "Copying $fd_host:$fd_file to $fd_source"
    fd_rc=0
    on_host "$fd_host" "cat $(shell_quote "$fd_send")" </dev/null >"$fd_tmp" || fd_rc=$?
    if [ "$fd_send" != "$fd_file" ]; then
        on_host "$fd_host" "rm -f $(shell_quote "$fd_send")" </dev/null || true
    fi
    if [ "$fd_rc" -ne 0 ]; then
        rm -f "$fd_tmp"
        error_message "Error copying $fd_host:$fd_file to $fd_source"
        exit 1
    fi
    fd_got=$(sha256sum "$fd_tmp" | cut -c1-64)
    if [ "$fd_got" != "$fd_sha" ]; then
        rm -f "$fd_tmp"
        error_message "Checksum mismatch copying $fd_host:$fd_file: expected $fd_sha, got $fd_got"
        exit 1
    fi
    mv -f "$fd_tmp" "$fd_source"
    write_sidecars "$fd_source"
}

# tm_mvds host:DISK SOURCE vmid dsid: the persistent disk back into the datastore
tm_mvds() {
    tv_host=$(arg_host "$1")
    tv_disk=$(arg_path "$1")
    tv_source=$(arg_path "$2")
    if [ "$TM_KIND" = shared ] && [ -L "$tv_disk" ] &&
        [ "$(readlink -f "$tv_disk")" = "$(readlink -f "$tv_source")" ]; then
        # used in place: only the sidecars change
        write_sidecars "$tv_source"
        rm -f "$tv_disk"
        return
    fi
    fetch_to_ds "$tv_host" "$tv_disk" "$tv_source"
}

# tm_cpds host:DISK SOURCE SNAP_ID vmid dsid: save-as (the disk, or its snapshot SNAP_ID >= 0)
tm_cpds() {
    tp_host=$(arg_host "$1")
    tp_disk=$(arg_path "$1")
    tp_source=$(arg_path "$2")
    case "$3" in
        -*) tp_file=$tp_disk ;;
        *)
            is_uint "$3" || {
                error_message "Invalid snapshot id '$3'"
                exit 1
            }
            tp_file="$tp_disk.snap/$3"
            ;;
    esac
    fetch_to_ds "$tp_host" "$tp_file" "$tp_source"
}

# snap_args host:DISK SNAP_ID: sets sn_host, sn_disk, q_disk, q_snap
snap_args() {
    sn_host=$(arg_host "$1")
    sn_disk=$(arg_path "$1")
    if ! is_uint "$2"; then
        error_message "Invalid snapshot id '$2'"
        exit 1
    fi
    q_disk=$(shell_quote "$sn_disk")
    q_snap=$(shell_quote "$sn_disk.snap/$2")
}

# tm_snap_create host:DISK SNAP_ID vmid dsid: a full copy at DISK.snap/SNAP_ID
tm_snap_create() {
    snap_args "$1" "$2"
    run_on "Error creating snapshot $2 of $sn_host:$sn_disk" "$sn_host" \
        "mkdir -p $(shell_quote "$sn_disk.snap") && cp --sparse=always $q_disk $q_snap.tmp && mv -f $q_snap.tmp $q_snap"
}

# tm_snap_revert host:DISK SNAP_ID vmid dsid (through a symbolic link: the linked file)
tm_snap_revert() {
    snap_args "$1" "$2"
    run_on "Error reverting $sn_host:$sn_disk to snapshot $2" "$sn_host" \
        "test -f $q_snap || { echo 'snapshot $2 not found' >&2; exit 1; }; d=\$(readlink -f $q_disk) && cp --sparse=always $q_snap \"\$d.tmp\" && mv -f \"\$d.tmp\" \"\$d\""
}

# tm_snap_delete host:DISK SNAP_ID vmid dsid (a missing snapshot is fine)
tm_snap_delete() {
    snap_args "$1" "$2"
    run_on "Error deleting snapshot $2 of $sn_host:$sn_disk" "$sn_host" "rm -f $q_snap"
}

# tm_resize host:DISK SIZE_MB vmid dsid: grows the disk (qemu-img resize; truncate for raw
# files where qemu-img is missing)
tm_resize() {
    tr_host=$(arg_host "$1")
    tr_disk=$(arg_path "$1")
    if ! is_uint "$2"; then
        error_message "Invalid size: '$2' (MB expected)"
        exit 1
    fi
    q_disk=$(shell_quote "$tr_disk")
    run_on "Error resizing $tr_host:$tr_disk to $2 MB" "$tr_host" \
        "f=$q_disk; test -f \"\$f\" || { echo \"\$f not found\" >&2; exit 1; }; $FORMAT_SNIPPET; if command -v qemu-img >/dev/null 2>&1; then qemu-img resize -q -f \"\$fmt\" \"\$f\" $2M; else truncate -s $2M \"\$f\"; fi"
}

# tm_mv from_host:PATH to_host:PATH vmid dsid: a VM directory (or disk) host to host. Cached
# bases (.ref hard links) are put into the destination's cache and linked again there, not
# copied as part of the directory.
tm_mv() {
    tv_sh=$(arg_host "$1")
    tv_s=$(arg_path "$1")
    tv_dh=$(arg_host "$2")
    tv_d=$(arg_path "$2")
    if [ "$tv_s" = "$tv_d" ] && { [ "$tv_sh" = "$tv_dh" ] || [ "$TM_KIND" = shared ]; }; then
        return 0
    fi
    q_s=$(shell_quote "$tv_s")
    q_d=$(shell_quote "$tv_d")
    q_dd=$(shell_quote "$(dirname "$tv_d")")
    # "dir" plus "ref <name> <sha>" lines, or "file", or nothing
    tv_cache=$(shell_quote "$(dirname "$(dirname "$tv_s")")/.cache")
    tv_info=$(on_host "$tv_sh" "if [ -d $q_s ]; then echo dir; for r in $q_s/*.ref; do [ -f \"\$r\" ] || continue; i=\$(stat -c %i \"\$r\"); for e in $tv_cache/*; do [ \"\$(stat -c %i \"\$e\")\" = \"\$i\" ] && echo \"ref \${r##*/} \${e##*/}\" && break; done; done; elif [ -e $q_s ]; then echo file; fi" </dev/null)
    tv_kind=$(printf '%s\n' "$tv_info" | sed -n 1p)
    if [ -z "$tv_kind" ]; then
        log_info "$tv_sh:$tv_s does not exist: nothing to move"
        return 0
    fi
    if [ "$TM_KIND" = shared ] || [ "$tv_sh" = "$tv_dh" ]; then
        run_on "Error moving $tv_s to $tv_d on $tv_sh" "$tv_sh" "mkdir -p $q_dd && rm -rf $q_d && mv $q_s $q_d"
        return 0
    fi
    tv_dcache="$(dirname "$(dirname "$tv_d")")/.cache"
    tv_links=""
    tv_relay=$(cat "$TM_LIB/relay.sh")
    for tv_line in $(printf '%s\n' "$tv_info" | sed -n 's/^ref \(.*\) \(.*\)$/\1:\2/p'); do
        tv_name=${tv_line%%:*}
        tv_sha=${tv_line#*:}
        check_sha256 "$tv_sha"
        tv_links="$tv_links && ln -f $(shell_quote "$tv_dcache/$tv_sha") $q_d/$(shell_quote "$tv_name")"
        # the destination's cache gets the base (verified) unless it has it
        tv_size=$(on_host "$tv_sh" "stat -c %s $(shell_quote "$(dirname "$(dirname "$tv_s")")/.cache/$tv_sha")" </dev/null)
        tv_cmd="if [ -f $(shell_quote "$tv_dcache/$tv_sha") ]; then cat >/dev/null; echo OK $(shell_quote "$tv_dh"); else sh -c 'eval \"\$1\"' fanout-relay $(shell_quote "$tv_relay")"
        for a in "$tv_sha" "$tv_dcache" "$tv_size" "$(cache_max_mb)" "" "" "" "" "$tv_dh"; do
            tv_cmd="$tv_cmd $(shell_quote "$a")"
        done
        tv_cmd="$tv_cmd; fi"
        tv_res=$(on_host "$tv_sh" "cat $(shell_quote "$(dirname "$(dirname "$tv_s")")/.cache/$tv_sha")" </dev/null |
            on_host "$tv_dh" "$tv_cmd") || true
        case "$tv_res" in
            *"OK $tv_dh"*) ;;
            *)
                error_message "Error copying the cached base $tv_sha to $tv_dh: $tv_res"
                exit 1
                ;;
        esac
    done
    if [ "$tv_kind" = dir ]; then
        tv_rc=0
        on_host "$tv_sh" "tar -C $q_s --exclude='*.ref' -cf - ." </dev/null |
            on_host "$tv_dh" "rm -rf $q_d && mkdir -p $q_d && tar -C $q_d -xf - $tv_links" || tv_rc=$?
    else
        tv_rc=0
        on_host "$tv_sh" "cat $q_s" </dev/null |
            on_host "$tv_dh" "mkdir -p $q_dd && cat > $q_d" || tv_rc=$?
    fi
    if [ "$tv_rc" -ne 0 ]; then
        error_message "Error moving $tv_sh:$tv_s to $tv_dh:$tv_d"
        exit 1
    fi
    run_on "Error removing $tv_sh:$tv_s after the move" "$tv_sh" "rm -rf $q_s"
}

# tm_monitor DS_ID (stdin: base64 drv message): USED_MB, TOTAL_MB, FREE_MB of the datastore's
# BASE_PATH on the front-end (created when missing).
tm_monitor() {
    tmo_xml=$(base64 -d 2>/dev/null || true)
    tmo_base=$(printf '%s' "$tmo_xml" | tr -d '\n' | sed -n 's:.*<DATASTORE>.*<BASE_PATH>\(<!\[CDATA\[\)\{0,1\}\([^]<]*\).*:\2:p' | head -n 1)
    if [ -z "$tmo_base" ]; then
        tmo_base="$ONE_VAR/datastores/$1"
    fi
    mkdir -p "$tmo_base"
    # shellcheck disable=SC2046
    set -- $(df -P -m "$tmo_base" | tail -n 1)
    printf 'USED_MB=%s\nTOTAL_MB=%s\nFREE_MB=%s\n' "$3" "$2" "$4"
}
