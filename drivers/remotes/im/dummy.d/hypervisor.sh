#!/bin/sh
# The dummy hypervisor is always there.
set -e

echo 'HYPERVISOR = "dummy"'
