# tm/lib/relay.sh: the host side of tm/lib/fanout. Not run from a file: fanout sends its text as
# an argument (`sh -c 'eval "$1"' fanout-relay <this text> ARGS…`) so hosts need nothing
# installed but sh, coreutils and ssh. Arguments:
#   $1 this text  $2 sha256  $3 cache dir  $4 size (bytes)  $5 CACHE_MAX_MB
#   $6 ssh key  $7 ssh user  $8 ssh port  $9 known_hosts  ${10} this host  ${11}… next hosts
# Reads the image on stdin, writes it to a temp file in the cache dir and forwards it to the
# next host (which runs this same text); then checks the SHA-256 of what it wrote and renames
# it to <cache dir>/<sha256> (mode 0444). Prints "OK <host>" or "FAIL <host> <reason>" on
# stdout (the lines of the hosts after it come through too). A local failure still forwards.
relay=$1 sha=$2 dir=$3 size=$4 maxmb=$5 key=$6 user=$7 port=$8 kh=$9
shift 9
me=$1
shift
q() {
    q_s=$(printf '%s' "$1" | sed "s/'/'\\\\''/g"; printf x)
    printf "'%s'" "${q_s%x}"
}
fail() { printf 'FAIL %s %s\n' "$me" "$*"; }
tmp="$dir/.$sha.tmp.$$"
trap 'rm -f "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# LRU eviction: unused entries (link count 1) go, oldest use first, until SIZE more bytes fit
# in MAXMB. Entries in use (a VM disk's .ref hard link) are never removed.
evict() {
    ev_max=$((maxmb * 1048576))
    ev_total=0
    ev_list=""
    for ev_f in "$dir"/*; do
        ev_b=${ev_f##*/}
        case "$ev_b" in *[!0-9a-f]*) continue ;; esac
        [ "${#ev_b}" -eq 64 ] && [ -f "$ev_f" ] || continue
        # shellcheck disable=SC2046
        set -- $(stat -c '%s %h %X' "$ev_f")
        ev_ts=$3
        [ -f "$ev_f.used" ] && ev_ts=$(stat -c '%Y' "$ev_f.used")
        ev_total=$((ev_total + $1))
        [ "$2" -gt 1 ] && continue
        ev_list="$ev_list$ev_ts $ev_b $1
"
    done
    [ $((ev_total + size)) -le "$ev_max" ] && return 0
    for ev_line in $(printf '%s' "$ev_list" | sort -n | tr ' ' ':'); do
        [ $((ev_total + size)) -le "$ev_max" ] && return 0
        ev_b=$(echo "$ev_line" | cut -d: -f2)
        ev_sz=$(echo "$ev_line" | cut -d: -f3)
        # re-check: a VM may have linked it meanwhile
        [ "$(stat -c '%h' "$dir/$ev_b" 2>/dev/null || echo 0)" -eq 1 ] || continue
        rm -f "$dir/$ev_b" "$dir/$ev_b.used"
        echo "INFO: fanout: $me: evicted $ev_b ($ev_sz bytes) from the cache" >&2
        ev_total=$((ev_total - ev_sz))
    done
    [ $((ev_total + size)) -le "$ev_max" ] ||
        echo "WARN: fanout: $me: the cache exceeds CACHE_MAX_MB=$maxmb (entries in use)" >&2
}

ok=1
target=$tmp
if ! mkdir -p "$dir" || ! : >"$tmp"; then
    ok=0
    target=/dev/null
    fail "cannot write in $dir"
else
    evict
fi

if [ "$#" -gt 0 ]; then
    next=$1
    cmd="sh -c 'eval \"\$1\"' fanout-relay $(q "$relay")"
    for a in "$sha" "$dir" "$size" "$maxmb" "$key" "$user" "$port" "$kh" "$@"; do
        cmd="$cmd $(q "$a")"
    done
    set -- -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o LogLevel=ERROR \
        -o "UserKnownHostsFile=$kh" -o HashKnownHosts=no -o ConnectTimeout=30
    [ -n "$key" ] && set -- "$@" -o IdentitiesOnly=yes -i "$key"
    [ -n "$user" ] && set -- "$@" -l "$user"
    [ -n "$port" ] && set -- "$@" -p "$port"
    # -p: a dead next host does not stop this one from storing its copy
    tee -p "$target" | ssh "$@" -- "$next" "$cmd" || true
else
    cat >"$target"
fi

[ "$ok" -eq 1 ] || exit 0
got=$(sha256sum "$tmp" | cut -c1-64)
if [ "$got" != "$sha" ]; then
    fail "checksum mismatch: expected $sha, got $got"
    exit 0
fi
if chmod 0444 "$tmp" && mv -f "$tmp" "$dir/$sha" && touch "$dir/$sha.used"; then
    printf 'OK %s\n' "$me"
else
    fail "cannot rename into $dir/$sha"
fi
