#!/usr/bin/env bash
# rpf.sh through the kernel path: datapath = kernel for every daemon it starts.
export MCRELAY_DATAPATH=kernel
exec "$(dirname "$0")/rpf.sh" "$@"
