#!/usr/bin/env bash
# ipv6.sh through the kernel path: datapath = kernel for every daemon it starts.
export MCRELAY_DATAPATH=kernel
exec "$(dirname "$0")/ipv6.sh" "$@"
