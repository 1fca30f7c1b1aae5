#!/usr/bin/env bash
# hotplug.sh through the kernel path: datapath = kernel for every daemon it starts.
export MCRELAY_DATAPATH=kernel
exec "$(dirname "$0")/hotplug.sh" "$@"
