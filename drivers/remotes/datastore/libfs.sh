#!/bin/sh
# Shared by the datastore (DS) scripts (sourced, not run). They run on the front-end, started by
# one_datastore as `datastore/<DS_MAD>/<action> <image or datastore id>` with the base64
# DS_DRIVER_ACTION_DATA on stdin; one_datastore puts its own directory first in PATH, so
# `one_xpath` is found there. POSIX sh; every value quoted, nothing evaluated.

# shellcheck source=../scripts_common.sh
. "$(dirname "$0")/../../scripts_common.sh"

# No pathname expansion anywhere: values are never globs.
set -f

# Where the temporary files of this run live (fifos, messages); removed on exit.
DS_WORK=""
# Temporary files (one a line) removed on exit; those renamed into place are gone by then.
DS_TMP_FILES=""
# The files of a new image (SOURCE and its sidecars, one a line): removed on exit unless the
# script exits 0, i.e. unless the driver gets the answer naming them (add_new_image).
DS_NEW_FILES=""
# Background processes to stop on exit (progress loop, hashers).
DS_BG_PIDS=""

# ds_remove_lines LIST: rm -f every non-empty line of LIST.
ds_remove_lines() {
    printf '%s\n' "$1" | while IFS= read -r ds_r_f; do
        if [ -n "$ds_r_f" ]; then
            rm -f -- "$ds_r_f"
        fi
    done
}

# On exit, whatever the cause (success, fail, an error under set -e, or a signal below): the
# background processes are stopped and the temporary files removed; a failed run also removes
# the new image it had already renamed into place, so nothing is left that no image names.
ds_cleanup() {
    ds_c_status=$?
    # the cleanup itself is not cut short by a second signal (the driver's SIGKILL still is)
    trap '' TERM INT HUP PIPE
    for ds_c_pid in $DS_BG_PIDS; do
        kill "$ds_c_pid" 2>/dev/null || true
    done
    if [ "$ds_c_status" -ne 0 ]; then
        ds_remove_lines "$DS_NEW_FILES"
    fi
    ds_remove_lines "$DS_TMP_FILES"
    if [ -n "$DS_WORK" ]; then
        rm -rf -- "$DS_WORK"
    fi
}
trap ds_cleanup EXIT
# one_datastore stops a script with SIGTERM to its process group (DRIVER_CANCEL, timeout, or
# oned gone); HUP and INT come from a terminal; PIPE when the driver is gone and the answer
# cannot be written. Each exits non-zero, which runs ds_cleanup.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

# add_tmp_file FILE: removed on exit.
add_tmp_file() {
    DS_TMP_FILES="$DS_TMP_FILES
$1"
}

# add_new_image SOURCE: SOURCE (a name new_source just made) and its sidecars are this run's,
# removed on exit unless the script exits 0. Not for an existing image (snap_*): its files are
# never removed on failure.
add_new_image() {
    DS_NEW_FILES="$DS_NEW_FILES
$1
$1.md5
$1.sha256"
}

# fail MESSAGE: the FAILURE text, exit 1.
fail() {
    error_message "$1"
    exit 1
}

# ---------------------------------------------------------------------------------------------
# The drv message
# ---------------------------------------------------------------------------------------------

# drv_init: reads the base64 DS_DRIVER_ACTION_DATA from stdin.
drv_init() {
    if ! command -v one_xpath >/dev/null 2>&1; then
        fail "one_xpath not found in PATH ($PATH): it ships with one_datastore"
    fi
    DRV_ACTION=$(cat)
    if [ -z "$DRV_ACTION" ]; then
        fail "No DS_DRIVER_ACTION_DATA on stdin"
    fi
}

# xpath PATH: the text of /DS_DRIVER_ACTION_DATA/PATH ("" when missing).
xpath() {
    printf '%s\n' "$DRV_ACTION" | one_xpath -b - "/DS_DRIVER_ACTION_DATA/$1"
}

# xpath_all PATH: every /DS_DRIVER_ACTION_DATA/PATH, one a line.
xpath_all() {
    printf '%s\n' "$DRV_ACTION" | one_xpath -b -m - "/DS_DRIVER_ACTION_DATA/$1"
}

# is_yes VALUE: YES/yes/true/1.
is_yes() {
    case "$1" in
        [Yy][Ee][Ss] | [Tt][Rr][Uu][Ee] | 1) return 0 ;;
        *) return 1 ;;
    esac
}

# ---------------------------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------------------------

# check_abs_path WHAT PATH: absolute, not '/', without '.' or '..' components.
check_abs_path() {
    case "$2" in
        /*) ;;
        *) fail "Invalid $1 '$2' (an absolute path is needed)" ;;
    esac
    case "/$2/" in
        */../* | */./*) fail "Invalid $1 '$2' ('.' and '..' components are refused)" ;;
    esac
    if [ -z "$(printf '%s' "$2" | tr -d /)" ]; then
        fail "Refusing to work on '/' as $1"
    fi
}

# ds_base_path: the datastore's BASE_PATH (checked), created if missing.
ds_base_path() {
    ds_bp=$(xpath DATASTORE/BASE_PATH)
    if [ -z "$ds_bp" ]; then
        fail "The datastore has no BASE_PATH"
    fi
    check_abs_path BASE_PATH "$ds_bp"
    ds_bp=$(printf '%s' "$ds_bp" | sed 's:/*$::')
    mkdir -p -- "$ds_bp" || fail "Cannot create the datastore directory $ds_bp"
    printf '%s\n' "$ds_bp"
}

# path_under PATH DIR: PATH is DIR or below it (both canonical).
path_under() {
    if [ "$2" = / ]; then
        return 0
    fi
    path_under_d=$(printf '%s' "$2" | sed 's:/*$::')
    case "$1" in
        "$path_under_d" | "$path_under_d"/*) return 0 ;;
        *) return 1 ;;
    esac
}

# canonical PATH: the path with symlinks resolved (the path itself when it cannot be resolved).
canonical() {
    readlink -f -- "$1" 2>/dev/null || printf '%s\n' "$1"
}

# check_allowed_path PATH BASE_PATH: OpenNebula's allow-list. A PATH (symlinks resolved) under
# one of RESTRICTED_DIRS (blank-separated; the datastores directory is always restricted) is
# refused unless it is under one of SAFE_DIRS.
check_allowed_path() {
    check_abs_path PATH "$1"
    cap_real=$(canonical "$1")
    cap_restricted="$(xpath DATASTORE/TEMPLATE/RESTRICTED_DIRS) $(dirname "$2")"
    cap_safe=$(xpath DATASTORE/TEMPLATE/SAFE_DIRS)
    for cap_r in $cap_restricted; do
        cap_r=$(canonical "$cap_r")
        if path_under "$cap_real" "$cap_r"; then
            for cap_s in $cap_safe; do
                cap_s=$(canonical "$cap_s")
                if path_under "$cap_real" "$cap_s"; then
                    return 0
                fi
            done
            fail "Not allowed to copy images from $1: it is in the restricted directory $cap_r (RESTRICTED_DIRS; SAFE_DIRS: ${cap_safe:-none})"
        fi
    done
}

# image_source BASE_PATH: the SOURCE of the image (checked to be a file name of BASE_PATH).
image_source() {
    is_src=$(xpath IMAGE/SOURCE)
    if [ -z "$is_src" ]; then
        fail "The image has no SOURCE"
    fi
    check_abs_path SOURCE "$is_src"
    if [ "$(dirname "$is_src")" != "$1" ]; then
        fail "SOURCE $is_src is not in the datastore directory $1"
    fi
    printf '%s\n' "$is_src"
}

# new_source BASE_PATH: a fresh image file name, BASE_PATH/<32 hex>. It runs in a command
# substitution (a subshell), so the caller registers the name with add_new_image.
new_source() {
    ns_hex=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    if [ "${#ns_hex}" -ne 32 ]; then
        fail "Cannot read /dev/urandom"
    fi
    printf '%s/%s\n' "$1" "$ns_hex"
}

# tmp_name SOURCE: the temporary name SOURCE is written under (same directory): hidden and
# ending in .tmp (so are the sidecars' .SOURCE.md5.tmp, .SOURCE.sha256.tmp), never a SOURCE
# (32 hex digits, no dot) nor a sidecar (SOURCE.md5, SOURCE.sha256).
tmp_name() {
    printf '%s/.%s.tmp\n' "$(dirname "$1")" "$(basename "$1")"
}

# ---------------------------------------------------------------------------------------------
# Sizes and space
# ---------------------------------------------------------------------------------------------

file_bytes() {
    stat -c %s -- "$1"
}

# mib BYTES: rounded up.
mib() {
    echo $((($1 + 1048575) / 1048576))
}

# free_kib DIR
free_kib() {
    df -Pk -- "$1" | awk 'NR == 2 { print $4 }'
}

# check_free_space DIR BYTES WHAT: fails when DIR's file system has less than BYTES free.
check_free_space() {
    cfs_free=$(free_kib "$1")
    if ! is_uint "$cfs_free"; then
        log_warning "Cannot tell the free space of $1"
        return 0
    fi
    cfs_need=$((($2 + 1023) / 1024))
    if [ "$cfs_need" -gt "$cfs_free" ]; then
        fail "Not enough free space in the datastore ($1) for $3: $(mib "$2") MB needed, $((cfs_free / 1024)) MB free"
    fi
}

# ---------------------------------------------------------------------------------------------
# Copy with checksums, decompression and progress, in one pass
# ---------------------------------------------------------------------------------------------

ds_work() {
    if [ -z "$DS_WORK" ]; then
        DS_WORK=$(mktemp -d "${TMPDIR:-/tmp}/one-ds.XXXXXX")
    fi
}

# magic_kind FILE: gzip, bzip2, xz, lzop or none, from the first bytes of FILE.
magic_kind() {
    mk_hex=$(od -An -N9 -tx1 -- "$1" | tr -d ' \n')
    case "$mk_hex" in
        1f8b*) echo gzip ;;
        425a68*) echo bzip2 ;;
        fd377a585a00*) echo xz ;;
        894c5a4f000d0a1a0a*) echo lzop ;;
        *) echo none ;;
    esac
}

# decompressor KIND: the decompressing filter of KIND (none: cat).
decompress_stream() {
    case "$1" in
        none) cat ;;
        *)
            if ! command -v "$1" >/dev/null 2>&1; then
                error_message "The image is $1-compressed and $1 is not installed on the front-end"
                return 1
            fi
            "$1" -dc
            ;;
    esac
}

# sniff_decompress STATUS_FILE: stdin → stdout, decompressed when the first bytes say so.
# The first bytes are read one at a time (dd bs=1) so that nothing else is consumed.
sniff_decompress() {
    sd_magic="$DS_WORK/magic"
    dd bs=1 count=9 of="$sd_magic" 2>/dev/null
    sd_kind=$(magic_kind "$sd_magic")
    echo "$sd_kind" >"$DS_WORK/kind"
    if [ "$sd_kind" != none ]; then
        log_info "Decompressing the $sd_kind input while copying"
    fi
    { cat -- "$sd_magic" && cat; } | decompress_stream "$sd_kind"
}

# human_rate BYTES_PER_S
human_rate() {
    awk -v b="$1" 'BEGIN { if (b >= 1048576) printf "%d MB/s", b / 1048576; else printf "%d KB/s", b / 1024 }'
}

# progress_loop FILE TOTAL_BYTES LABEL: every second, `INFO: Copying LABEL: 42% 110 MB/s` (or
# the bytes written when the total is unknown or the input is compressed).
progress_loop() {
    pl_last=0
    pl_sleep=""
    # stopped with TERM: the pending sleep goes too (it holds the script's stderr open)
    trap 'kill "$pl_sleep" 2>/dev/null; exit 0' TERM
    while :; do
        sleep 1 &
        pl_sleep=$!
        wait "$pl_sleep" || true
        pl_now=$(stat -c %s -- "$1" 2>/dev/null || echo 0)
        pl_rate=$(human_rate $((pl_now - pl_last)))
        if [ "$2" -gt 0 ] && [ "$pl_now" -le "$2" ]; then
            log_info "Copying $3: $((pl_now * 100 / $2))% $pl_rate"
        else
            log_info "Copying $3: $(mib "$pl_now") MB $pl_rate"
        fi
        pl_last=$pl_now
    done
}

# copy_in MODE SRC DEST LABEL TOTAL_BYTES: copies SRC (MODE file or url) to DEST in one pass,
# decompressing it (unless NO_DECOMPRESS) and computing its MD5, SHA-256 and (when SHA1 is
# set) SHA-1. Sets COPY_MD5, COPY_SHA256, COPY_SHA1. On any failure DEST is removed and the
# script fails with a clear message (no space, download error, ...).
copy_in() {
    ci_mode=$1
    ci_src=$2
    ci_dest=$3
    ci_label=$4
    ci_total=$5
    ds_work
    add_tmp_file "$ci_dest"
    rm -f -- "$DS_WORK/st.src" "$DS_WORK/st.dec" "$DS_WORK/st.tee" "$DS_WORK/src.err" "$DS_WORK/tee.err"
    rm -f -- "$DS_WORK/md5" "$DS_WORK/sha256" "$DS_WORK/sha1"
    : >"$ci_dest" || fail "Cannot write $ci_dest"
    mkfifo "$DS_WORK/md5" "$DS_WORK/sha256"
    md5sum <"$DS_WORK/md5" >"$DS_WORK/md5.out" &
    ci_h1=$!
    sha256sum <"$DS_WORK/sha256" >"$DS_WORK/sha256.out" &
    ci_h2=$!
    ci_h3=""
    set -- "$DS_WORK/md5" "$DS_WORK/sha256"
    if [ -n "${WANT_SHA1:-}" ]; then
        mkfifo "$DS_WORK/sha1"
        sha1sum <"$DS_WORK/sha1" >"$DS_WORK/sha1.out" &
        ci_h3=$!
        set -- "$@" "$DS_WORK/sha1"
    fi
    DS_BG_PIDS="$DS_BG_PIDS $ci_h1 $ci_h2 $ci_h3"
    progress_loop "$ci_dest" "$ci_total" "$ci_label" &
    ci_prog=$!
    DS_BG_PIDS="$DS_BG_PIDS $ci_prog"

    {
        produce "$ci_mode" "$ci_src" 2>"$DS_WORK/src.err" || echo "$?" >"$DS_WORK/st.src"
    } | {
        if [ -n "${NO_DECOMPRESS:-}" ]; then
            cat || echo "$?" >"$DS_WORK/st.dec"
        else
            sniff_decompress || echo "$?" >"$DS_WORK/st.dec"
        fi
    } | {
        tee -- "$@" >"$ci_dest" 2>"$DS_WORK/tee.err" || echo "$?" >"$DS_WORK/st.tee"
    }

    kill "$ci_prog" 2>/dev/null || true
    wait "$ci_prog" 2>/dev/null || true
    ci_failed=""
    if [ -s "$DS_WORK/st.tee" ] || [ -s "$DS_WORK/st.src" ] || [ -s "$DS_WORK/st.dec" ]; then
        ci_failed=yes
    fi
    if [ -n "$ci_failed" ]; then
        for ci_h in $ci_h1 $ci_h2 $ci_h3; do
            kill "$ci_h" 2>/dev/null || true
        done
    fi
    for ci_h in $ci_h1 $ci_h2 $ci_h3; do
        wait "$ci_h" 2>/dev/null || true
    done
    if [ -s "$DS_WORK/st.tee" ]; then
        rm -f -- "$ci_dest"
        if grep -qi 'no space' "$DS_WORK/tee.err" 2>/dev/null; then
            fail "Not enough space in the datastore: writing $ci_label to $(dirname "$ci_dest") failed (No space left on device)"
        fi
        fail "Error writing $ci_label to $ci_dest: $(tr '\n' ' ' <"$DS_WORK/tee.err")"
    fi
    if [ -s "$DS_WORK/st.src" ]; then
        rm -f -- "$ci_dest"
        ci_err=$(tr '\n' ' ' <"$DS_WORK/src.err")
        if [ "$ci_mode" = url ]; then
            fail "Error downloading $ci_src: ${ci_err:-curl exit code $(cat "$DS_WORK/st.src")}"
        fi
        fail "Error reading $ci_src: ${ci_err:-exit code $(cat "$DS_WORK/st.src")}"
    fi
    if [ -s "$DS_WORK/st.dec" ]; then
        rm -f -- "$ci_dest"
        fail "Error decompressing $ci_label ($(cat "$DS_WORK/kind" 2>/dev/null || echo unknown) input)"
    fi
    COPY_MD5=$(cut -d ' ' -f 1 <"$DS_WORK/md5.out")
    COPY_SHA256=$(cut -d ' ' -f 1 <"$DS_WORK/sha256.out")
    COPY_SHA1=""
    if [ -n "$ci_h3" ]; then
        COPY_SHA1=$(cut -d ' ' -f 1 <"$DS_WORK/sha1.out")
    fi
    if [ "${#COPY_MD5}" -ne 32 ] || [ "${#COPY_SHA256}" -ne 64 ]; then
        rm -f -- "$ci_dest"
        fail "Could not compute the checksums of $ci_label"
    fi
}

# curl_args: the bounded, failing curl options (LIMIT_TRANSFER_BW in bytes/s when set).
# Timeouts: NEPHELE_CURL_CONNECT_TIMEOUT (s, default 15), NEPHELE_CURL_MAX_TIME (s, default 3600).
curl_opts() {
    CURL_OPTS="--fail --silent --show-error --location --max-redirs 5 --proto =http,https"
    CURL_OPTS="$CURL_OPTS --connect-timeout ${NEPHELE_CURL_CONNECT_TIMEOUT:-15}"
    CURL_OPTS="$CURL_OPTS --max-time ${NEPHELE_CURL_MAX_TIME:-3600} --speed-limit 1 --speed-time 60"
    if [ -n "${LIMIT_TRANSFER_BW:-}" ]; then
        CURL_OPTS="$CURL_OPTS --limit-rate $LIMIT_TRANSFER_BW"
    fi
}

# produce MODE SRC: the bytes of SRC on stdout.
produce() {
    case "$1" in
        file) cat -- "$2" ;;
        url)
            curl_opts
            # shellcheck disable=SC2086 # CURL_OPTS holds fixed words only (checked numbers)
            curl $CURL_OPTS "$2"
            ;;
        *) return 2 ;;
    esac
}

# check_url URL: http(s) only, no blanks or control characters.
check_url() {
    case "$1" in
        http://?* | https://?*) ;;
        *) fail "Unsupported URL '$1' (http:// or https:// only)" ;;
    esac
    if printf '%s' "$1" | grep -q '[[:space:][:cntrl:]]'; then
        fail "Invalid URL '$1'"
    fi
}

# check_digests LABEL: the MD5 / SHA1 / SHA256 of the image template, when given, match the copy.
check_digests() {
    for cd_algo in MD5 SHA1 SHA256; do
        cd_expected=$(xpath "IMAGE/TEMPLATE/$cd_algo" | tr 'A-F' 'a-f' | tr -d ' \t')
        [ -n "$cd_expected" ] || continue
        case "$cd_algo" in
            MD5) cd_actual=$COPY_MD5 ;;
            SHA1) cd_actual=$COPY_SHA1 ;;
            SHA256) cd_actual=$COPY_SHA256 ;;
        esac
        if [ "$cd_expected" != "$cd_actual" ]; then
            fail "$cd_algo checksum mismatch for $1: expected $cd_expected, got $cd_actual"
        fi
    done
}

# ---------------------------------------------------------------------------------------------
# Formats
# ---------------------------------------------------------------------------------------------

# detect_format FILE: qcow2, vmdk, ... (qemu-img), iso, or raw. Refuses a qcow2 that fails
# `qemu-img check` and any image with a backing file.
detect_format() {
    df_magic=$(od -An -N4 -tx1 -- "$1" | tr -d ' \n')
    if ! command -v qemu-img >/dev/null 2>&1; then
        if [ "$df_magic" = 514649fb ]; then
            fail "qemu-img is needed to check qcow2 images (install qemu-utils on the front-end)"
        fi
        log_warning "qemu-img not found: only raw and iso are recognised"
        df_fmt=raw
    else
        df_json=$(qemu-img info --output=json -- "$1" 2>&1) || fail "qemu-img cannot read the image: $(printf '%s' "$df_json" | tr '\n' ' ')"
        df_fmt=$(printf '%s\n' "$df_json" | sed -n 's/^    "format": "\([A-Za-z0-9_-]*\)".*/\1/p' | head -n 1)
        if [ -z "$df_fmt" ]; then
            fail "qemu-img could not tell the format of the image"
        fi
        if printf '%s\n' "$df_json" | grep -q '^    "backing-filename"'; then
            fail "Images with a backing file are refused"
        fi
    fi
    case "$df_fmt" in
        qcow2)
            df_rc=0
            df_out=$(qemu-img check -q -f qcow2 -- "$1" 2>&1) || df_rc=$?
            case "$df_rc" in
                0) ;;
                3) log_warning "qcow2 image has leaked clusters (harmless)" ;;
                *) fail "Corrupt qcow2 image (qemu-img check exit code $df_rc): $(printf '%s' "$df_out" | tr '\n' ' ')" ;;
            esac
            ;;
        raw)
            if [ "$(dd if="$1" bs=1 skip=32769 count=5 2>/dev/null)" = CD001 ]; then
                df_fmt=iso
            fi
            ;;
    esac
    printf '%s\n' "$df_fmt"
}

# ---------------------------------------------------------------------------------------------
# Sidecars and placing files
# ---------------------------------------------------------------------------------------------

# write_sidecars SOURCE MD5 SHA256: SOURCE.md5 and SOURCE.sha256 (written then renamed).
write_sidecars() {
    for ws_ext in md5 sha256; do
        if [ "$ws_ext" = md5 ]; then ws_val=$2; else ws_val=$3; fi
        ws_tmp="$(dirname "$1")/.$(basename "$1").$ws_ext.tmp"
        add_tmp_file "$ws_tmp"
        printf '%s\n' "$ws_val" >"$ws_tmp" || fail "Cannot write $1.$ws_ext"
        mv -f -- "$ws_tmp" "$1.$ws_ext" || fail "Cannot write $1.$ws_ext"
    done
}

# place TMP SOURCE MD5 SHA256: the sidecars, then TMP renamed to SOURCE. For a new image
# (add_new_image) a failure after this, up to the answer, removes all three again.
place() {
    write_sidecars "$2" "$3" "$4"
    mv -f -- "$1" "$2" || fail "Cannot rename $1 to $2"
}

# hash_file FILE: sets COPY_MD5 and COPY_SHA256 of FILE, read once.
hash_file() {
    ds_work
    rm -f -- "$DS_WORK/h.md5"
    mkfifo "$DS_WORK/h.md5"
    md5sum <"$DS_WORK/h.md5" >"$DS_WORK/h.md5.out" &
    hf_pid=$!
    DS_BG_PIDS="$DS_BG_PIDS $hf_pid"
    COPY_SHA256=$(tee -- "$DS_WORK/h.md5" <"$1" | sha256sum | cut -d ' ' -f 1)
    wait "$hf_pid" || true
    COPY_MD5=$(cut -d ' ' -f 1 <"$DS_WORK/h.md5.out")
    if [ "${#COPY_MD5}" -ne 32 ] || [ "${#COPY_SHA256}" -ne 64 ]; then
        fail "Could not compute the checksums of $1"
    fi
}

# sidecar SOURCE EXT: the digest stored in SOURCE.EXT ("" when none).
sidecar() {
    if [ -f "$1.$2" ]; then
        head -n 1 -- "$1.$2" | tr -d ' \t\r'
    fi
}

# snapshot_id: IMAGE/TARGET_SNAPSHOT, a number.
snapshot_id() {
    si_id=$(xpath IMAGE/TARGET_SNAPSHOT)
    if ! is_uint "$si_id"; then
        fail "Invalid TARGET_SNAPSHOT '$si_id'"
    fi
    printf '%s\n' "$si_id"
}
