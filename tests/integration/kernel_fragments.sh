#!/usr/bin/env bash
# fragments.sh through the kernel path: datapath = kernel for every daemon it starts.
export MCRELAY_DATAPATH=kernel
exec "$(dirname "$0")/fragments.sh" "$@"
