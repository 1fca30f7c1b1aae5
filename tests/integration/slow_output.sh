#!/bin/bash
#
# slow_output.sh: one rule, two outputs; rout2 is throttled to 1 Mbit/s
# by a token bucket with a tiny queue, so its queue overflows at once.
# rout1 must still get every datagram; rout2's overflow is counted as
# egress_full, for that output and for the worker, and every packet the
# rule matched is accounted for on rout2 (sent, queue full or error).

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
require_python
topo_basic

COUNT=3000
must ip netns exec "$RELAY" tc qdisc replace dev rout2 root tbf rate 1mbit \
    burst 2000 limit 3000

{
	conf_global
	conf_rule slow rin 239.1.1.1 5000 rout1 "rout2 239.2.2.2:6000"
} >"$TMP/slow.conf"
start_daemon "$TMP/slow.conf"

start_recv fast "$DST1" d0 239.1.1.1 5000 -n "$COUNT" -x 15 -T 60 -q 3000
send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -n "$COUNT" -r 2000 -t 16 -s 1000
expect_recv_ok fast
expect_field fast unique "$COUNT"

wait_status 10 "output('slow', 'rout1')['packets_out']" "$COUNT"
wait_status 10 "sum(output('slow', 'rout2')[k] for k in ('packets_out', 'egress_full', 'send_errors'))" "$COUNT"
status_eval "output('slow', 'rout2')['egress_full'] > 0" | grep -qx true ||
    fail "rout2's overflow was not counted: $(cat "$TMP/status.json")"
status_eval "output('slow', 'rout1')['egress_full'] + output('slow', 'rout1')['send_errors']" |
    grep -qx 0 || fail "rout1 shows drops: $(cat "$TMP/status.json")"
status_eval "worker('rin')['drops']['egress_full'] == output('slow', 'rout2')['egress_full']" |
    grep -qx true || fail "the worker's egress_full differs from rout2's: $(cat "$TMP/status.json")"
note "rout2: $(status_eval "output('slow', 'rout2')")"
ctl status || fail "status failed: $(ctl_output)"
ctl_said 'queue full' || fail "the status table does not show rout2's full queue: $(ctl_output)"

stop_daemon
pass "rout1 got all $COUNT while rout2's full queue dropped and counted the rest"
