#!/bin/bash
#
# unicast.sh: udp outputs.  One rule sends each datagram's payload to
# three unicast destinations through kernel UDP sockets:
#   10.2.0.2:7000  on a link of the relay (DST1), kernel TTL and source;
#   10.5.0.2:7001  two routed hops away (RELAY -> ROUTER -> FAR), with
#                  ttl=9 and source=10.2.0.1 (an address of another link);
#                  no route to it when the daemon starts: pending until
#                  the route appears;
#   10.3.0.2:7002  on DST2, where nothing listens: ICMP port unreachable,
#                  ECONNREFUSED on the connected socket, counted on that
#                  output alone while the other two receive everything.
# Then a reload changes one udp output, keeps one and removes one, while
# a stream runs through the one kept.

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
require_python

COUNT=2000
SIZE=200

topo_basic
ROUTER=${PREFIX}router
FAR=${PREFIX}far
ns_add "$ROUTER"
ns_add "$FAR"
veth_pair "$RELAY" rr0 10.4.0.1/24 "$ROUTER" ra 10.4.0.2/24
veth_pair "$ROUTER" rb 10.5.0.1/24 "$FAR" fb 10.5.0.2/24
must ip netns exec "$ROUTER" sysctl -qw net.ipv4.ip_forward=1 \
    net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.ra.rp_filter=0
must ip -n "$ROUTER" route add 10.2.0.0/24 via 10.4.0.1
must ip -n "$FAR" route add default via 10.5.0.1

write_conf() {
	{
		conf_global
		conf_rule uni rin 239.1.1.1 5000 "$@"
	} >"$TMP/unicast.conf"
}

write_conf "udp 10.2.0.2:7000" "udp 10.5.0.2:7001 ttl=9 source=10.2.0.1" \
    "udp 10.3.0.2:7002"
must "$MCRELAY" -c "$TMP/unicast.conf" check >"$TMP/check.out" 2>&1
grep -q -- '-> udp 10.5.0.2:7001, ttl 9, source 10.2.0.1' "$TMP/check.out" ||
    fail "check does not show the routed udp output: $(cat "$TMP/check.out")"
start_daemon "$TMP/unicast.conf"

# --- No route to FAR yet: that output waits, the others are up.
status_json
[ "$(status_eval 'output("uni", "10.5.0.2:7001")["state"]')" = pending ] ||
    fail "the output without a route is not pending: $(cat "$TMP/status.json")"
[ "$(status_eval 'output("uni", "10.2.0.2:7000")["state"]')" = active ] ||
    fail "the output on a link is not active: $(cat "$TMP/status.json")"
log_has 'output udp 10.5.0.2:7001 is pending' || fail "no log line for the pending output"
ctl status || fail "status failed: $(ctl_output)"
ctl_output | grep -Eq 'udp +pending +-> 10\.5\.0\.2:7001' ||
    fail "status does not show the pending udp output: $(ctl_output)"

must ip -n "$RELAY" route add 10.5.0.0/24 via 10.4.0.2
wait_status 10 'output("uni", "10.5.0.2:7001")["state"]' active
note "the route appeared: 10.5.0.2:7001 is active"

# --- Traffic: both reachable destinations get everything.
start_recv near "$DST1" d0 10.2.0.2 7000 -u -n "$COUNT" -x 64 -T 60 -q 3000
start_recv far "$FAR" fb 10.5.0.2 7001 -u -n "$COUNT" -x 8 -T 60 -q 3000
send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -n "$COUNT" -r 1000 -t 16 -s "$SIZE"
expect_recv_ok near
expect_recv_ok far
expect_field near unique "$COUNT"
expect_field far unique "$COUNT"
# The kernel's default source on the link; the configured one two hops away,
# with the TTL set (9) less the router's hop.
expect_field near src 10.2.0.1
expect_field far src 10.2.0.1

wait_status 10 'output("uni", "10.2.0.2:7000")["packets_out"]' "$COUNT"
wait_status 10 'output("uni", "10.5.0.2:7001")["packets_out"]' "$COUNT"
# Every datagram to the closed port is sent or counted as an error, on that output.
wait_status 10 'output("uni", "10.3.0.2:7002")["packets_out"] + output("uni", "10.3.0.2:7002")["send_errors"]' "$COUNT"
refused=$(status_eval 'output("uni", "10.3.0.2:7002")["send_errors"]')
[ "$refused" -gt 0 ] || fail "no send error counted for the closed port"
[ "$(status_eval 'output("uni", "10.2.0.2:7000")["send_errors"] + output("uni", "10.5.0.2:7001")["send_errors"]')" = 0 ] ||
    fail "send errors counted on the outputs that work: $(cat "$TMP/status.json")"
[ "$(status_eval 'worker("rin")["drops"]["send_errors"]')" = "$refused" ] ||
    fail "the worker counted other send errors than the output: $(cat "$TMP/status.json")"
# Bytes: the IP datagrams sent, as for the other outputs.
[ "$(status_eval 'output("uni", "10.2.0.2:7000")["bytes_out"]')" = $((COUNT * (SIZE + 28))) ] ||
    fail "bytes_out of 10.2.0.2:7000: $(status_eval 'output("uni", "10.2.0.2:7000")["bytes_out"]')"
[ "$(status_eval 'output("uni", "10.2.0.2:7000")["type"]')" = udp ] || fail "type is not udp"
note "closed port: $refused of $COUNT refused, counted on its output"

# --- Reload: 7000 becomes 7010 with ttl=5, 7001 stays, 7002 goes; a
# stream through 7001 across it loses nothing.
start_recv stream "$FAR" fb 10.5.0.2 7001 -u -x 8 -T 100 -q 3000
start_recv changed "$DST1" d0 10.2.0.2 7010 -u -x 5 -T 0
start_stream s "$SRC" -g 239.1.1.1 -p 5000 -I s0 -r 1000 -t 16 -s "$SIZE"
wait_status 10 'output("uni", "10.5.0.2:7001")["packets_out"] > '"$COUNT" true
write_conf "udp 10.2.0.2:7010 ttl=5" "udp 10.5.0.2:7001 ttl=9 source=10.2.0.1"
rc=0
ctl reload || rc=$?
[ "$rc" -eq 0 ] || fail "the reload client exited $rc: $(ctl_output)"
wait_status 10 'len(rule("uni")["outputs"])' 2
wait_status 10 'output("uni", "10.2.0.2:7010")["packets_out"] > 100' true
stop_stream s
sent=$STREAM_SENT
expect_all stream "$sent"
stop_recv changed || fail "the receiver of the changed output failed: $(cat "$TMP/changed.out")"
[ "$(recv_field changed received)" -gt 0 ] || fail "nothing reached the changed output"
expect_field changed bad_ttl 0
# The output kept keeps counting from where it was.
wait_status 10 'output("uni", "10.5.0.2:7001")["packets_out"]' $((COUNT + sent))
log_has 'output udp 10.3.0.2:7002: closing its socket \(no longer used\)' ||
    fail "the removed output's socket was not closed"

stop_daemon
pass "routed, sourced and TTL-set unicast, $refused refusals counted apart, reload lost none of $sent"
