#!/bin/bash
#
# rpf.sh: the relay forwards traffic whose source the relay's own IP
# stack would reject by reverse-path filtering (192.0.2.77 has no route
# back through rin), because it captures below the IP layer; and a rule
# with `source` forwards only that source.

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
topo_basic

must ip -n "$SRC" addr add 192.0.2.77/32 dev s0
must ip netns exec "$RELAY" sysctl -qw net.ipv4.conf.all.rp_filter=1
must ip netns exec "$RELAY" sysctl -qw net.ipv4.conf.rin.rp_filter=1

COUNT=1000

{
	conf_global
	conf_rule ssm rin 239.1.1.1 5000 "source = 192.0.2.77" rout1
} >"$TMP/rpf.conf"
start_daemon "$TMP/rpf.conf"

start_recv dst1 "$DST1" d0 239.1.1.1 5000 -n "$COUNT" -x 15 -T 60 -q 3000

# First from the routable address, which the rule must not forward
# (sequence numbers far from the others, so a leak shows as extra
# packets and a second source address), then from 192.0.2.77.
send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -n 300 -r 2000 -S 500000
send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -B 192.0.2.77 -n "$COUNT" -r 2000

expect_recv_ok dst1
expect_field dst1 src 192.0.2.77
expect_field dst1 received "$COUNT"

stop_daemon
pass "$COUNT from 192.0.2.77 relayed despite rp_filter, other source dropped"
