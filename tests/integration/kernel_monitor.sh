#!/usr/bin/env bash
# monitor.sh through the kernel path: datapath = kernel, so that the tc
# program follows the RTP streams and monitor = mpegts stays on the workers.
export MCRELAY_DATAPATH=kernel
exec "$(dirname "$0")/monitor.sh" "$@"
