#!/bin/sh
# Disk space (MB) of this host's datastores, as OpenNebula's monitor_ds probe reports it:
#   DS_LOCATION_TOTAL_MB / _USED_MB / _FREE_MB: the file system holding the datastores directory
#     ${DATASTORE_LOCATION:-/var/lib/one/datastores} (or its nearest existing parent);
#   DS = [ ID = <n>, TOTAL_MB = .., FREE_MB = .., USED_MB = .. ]: one per directory named by a
#     number <n> in it, i.e. per system datastore whose files are on this host: the file system
#     holding that directory. oned keeps them in HOST_SHARE/DATASTORES/DS, which is what a
#     non-shared system datastore has room for on this host.
# (remotes/im/dummy.d/datastores.sh is a link to this probe.)
set -e

location=${DATASTORE_LOCATION:-/var/lib/one/datastores}

existing=$location
while [ ! -d "$existing" ]; do
    existing=$(dirname "$existing")
done

# df -Pm: Filesystem 1M-blocks Used Available Capacity Mounted-on
df -Pm "$existing" | awk 'NR == 2 {
    print "DS_LOCATION_TOTAL_MB = " $2
    print "DS_LOCATION_USED_MB = " $3
    print "DS_LOCATION_FREE_MB = " $4
}'

[ -d "$location" ] || exit 0
for dir in "$location"/*; do
    id=${dir##*/}
    case "$id" in
        '' | *[!0-9]*) continue ;;
    esac
    [ -d "$dir" ] || continue
    # A directory df cannot read is left out (the last command of a pipeline decides for set -e).
    df -Pm "$dir" 2>/dev/null | awk -v id="$id" 'NR == 2 {
        print "DS = [ ID = " id ", TOTAL_MB = " $2 ", FREE_MB = " $4 ", USED_MB = " $3 " ]"
    }'
done
