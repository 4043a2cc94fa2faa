#!/bin/sh
# Memory of this host in KiB, read from /proc/meminfo. FREEMEMORY is what new guests can take
# (MemAvailable, or MemFree + Buffers + Cached on old kernels).
set -e

meminfo() {
    sed -n "s/^$1:[[:space:]]*\\([0-9]*\\) kB\$/\\1/p" /proc/meminfo
}

total=$(meminfo MemTotal)
free=$(meminfo MemAvailable)
if [ -z "$free" ]; then
    free=$(( $(meminfo MemFree) + $(meminfo Buffers) + $(meminfo Cached) ))
fi

echo "TOTALMEMORY = $total"
echo "USEDMEMORY = $((total - free))"
echo "FREEMEMORY = $free"
