#!/bin/bash
#
# fanout.sh: one rule, two outputs.  rout1 gets the traffic unchanged,
# rout2 gets it rewritten to 239.2.2.2:6000; both receivers get every
# datagram, and neither sees the other's group.

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
topo_basic

COUNT=2000

{
	conf_global
	conf_rule fan rin 239.1.1.1 5000 rout1 "rout2 239.2.2.2:6000"
} >"$TMP/fanout.conf"
start_daemon "$TMP/fanout.conf"

start_recv dst1 "$DST1" d0 239.1.1.1 5000 -n "$COUNT" -x 15 -T 60 -q 3000
start_recv dst2 "$DST2" d0 239.2.2.2 6000 -n "$COUNT" -x 15 -T 60 -q 3000
# Listen for leaks: each output's group on the other output's link.
start_recv leak1 "$DST1" d0 239.2.2.2 6000 -T 0
start_recv leak2 "$DST2" d0 239.1.1.1 5000 -T 0

send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -n "$COUNT" -r 2000 -t 16 -s 100

expect_recv_ok dst1
expect_recv_ok dst2
# Partial checksums are passed on partial and verified by their pseudo-header sum.
expect_field dst1 bad_udp_csum 0
expect_field dst2 bad_udp_csum 0

# Everything has arrived where it should; whatever leaked is there too.
stop_recv leak1 || true
stop_recv leak2 || true
expect_field leak1 received 0
expect_field leak2 received 0

stop_daemon
pass "both outputs got all $COUNT, nothing leaked"
