#!/usr/bin/env bash
# reload_hitless.sh through the kernel path attached as a cls_bpf filter, as on a
# kernel before tcx (Debian 12's 6.1): datapath = kernel, the attachment
# chosen by a test hook.
export MCRELAY_DATAPATH=kernel MCRELAY_TEST_KPATH_ATTACH=cls_bpf
exec "$(dirname "$0")/reload_hitless.sh" "$@"
