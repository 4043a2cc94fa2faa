#!/bin/sh
# The host's own name (the kernel's hostname).
set -e

name=$(cat /proc/sys/kernel/hostname)
# a template string: drop the characters that would end it
name=$(printf '%s' "$name" | tr -d '\\"')
echo "HOSTNAME = \"$name\""
