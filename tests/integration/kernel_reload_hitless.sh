#!/usr/bin/env bash
# reload_hitless.sh through the kernel path: datapath = kernel for every daemon it starts.
export MCRELAY_DATAPATH=kernel
exec "$(dirname "$0")/reload_hitless.sh" "$@"
