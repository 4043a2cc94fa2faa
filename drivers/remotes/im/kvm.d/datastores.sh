#!/bin/sh
# Space (MB) of the file system holding the datastores of this host:
# ${DATASTORE_LOCATION:-/var/lib/one/datastores}, or its nearest existing parent.
set -e

location=${DATASTORE_LOCATION:-/var/lib/one/datastores}
while [ ! -d "$location" ]; do
    location=$(dirname "$location")
done

# df -Pm: Filesystem 1M-blocks Used Available Capacity Mounted-on
df -Pm "$location" | awk 'NR == 2 {
    print "DS_LOCATION_TOTAL_MB = " $2
    print "DS_LOCATION_USED_MB = " $3
    print "DS_LOCATION_FREE_MB = " $4
}'
