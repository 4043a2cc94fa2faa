#!/bin/sh
# CPU capacity and usage of this host, read from /proc:
#   TOTALCPU = online cores x 100, CPUSPEED in MHz, USEDCPU/FREECPU sampled from /proc/stat,
#   MODELNAME (OpenNebula's name for the CPU model), ARCH (uname -m).
set -e

cores=$(grep -c '^processor' /proc/cpuinfo || true)
if [ -z "$cores" ] || [ "$cores" -eq 0 ]; then
    cores=$(getconf _NPROCESSORS_ONLN)
fi
total=$((cores * 100))

speed=$(sed -n 's/^cpu MHz[[:space:]]*:[[:space:]]*\([0-9]*\).*/\1/p' /proc/cpuinfo | head -n 1)
[ -n "$speed" ] || speed=0

# the CPU's model name (a template string: the characters that would end it dropped)
model=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1 | tr -d '\\"')

# busy and total jiffies of the aggregated "cpu" line of /proc/stat
sample() {
    # shellcheck disable=SC2034 # "cpu" label and the trailing guest fields are unused
    read -r label user nice system idle iowait irq softirq steal rest </proc/stat
    all=$((user + nice + system + idle + ${iowait:-0} + ${irq:-0} + ${softirq:-0} + ${steal:-0}))
    printf '%s %s\n' "$((all - idle - ${iowait:-0}))" "$all"
}

first=$(sample)
sleep 0.2 2>/dev/null || sleep 1
second=$(sample)

busy1=${first% *}
all1=${first#* }
busy2=${second% *}
all2=${second#* }
dall=$((all2 - all1))
dbusy=$((busy2 - busy1))

if [ "$dall" -gt 0 ]; then
    used=$((dbusy * total / dall))
else
    used=0
fi
[ "$used" -le "$total" ] || used=$total
[ "$used" -ge 0 ] || used=0

echo "ARCH = \"$(uname -m)\""
echo "MODELNAME = \"$model\""
echo "TOTALCPU = $total"
echo "CPUSPEED = $speed"
echo "USEDCPU = $used"
echo "FREECPU = $((total - used))"
