#!/bin/bash
#
# kpath_forward.sh: the kernel path on a veth input, loaded through the
# supervisor's loader (tests/tools/kpathctl: the daemon is not wired to it
# yet).  One rule with two outputs: rout1 rewrites group, port and TTL,
# rout2 keeps the group, changes the port and tags the frames with VLAN
# 200.  Checked:
#
#  - every datagram arrives once at both outputs, rewritten, with the TTL
#    the rule sets; at DST1 through a UDP socket, the receiving kernel
#    verifying each UDP checksum (Udp InCsumErrors stays 0; rout1 completes
#    in software what arrives partial), at DST2 by mcrecv, which checks a
#    partial checksum's pseudo-header sum against the rewritten addresses;
#    with the sender's tx checksum offload on (partial checksums reach the
#    program) and off;
#  - a fragmented datagram and a group without a rule are passed up
#    (TC_ACT_OK): a UDP socket on the relay itself gets them, and nothing
#    of them is relayed;
#  - the program's counters are the receivers' counts;
#  - a reload under a stream swaps the program without losing a datagram,
#    and the counters go on;
#  - after the loader detaches, no program is left on the input (its tcx
#    programs, tc filter show, bpftool net show) and traffic goes up the
#    stack again;
#  - with cls_bpf, a filter left by a loader that was killed is replaced,
#    not doubled, by the next one, and removed by one that uses tcx.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/kpath_lib.sh"

require_root
require_binaries
require_kpath

topo_basic
# The receivers verify every checksum: veth would mark what it carries as checked.
must ip netns exec "$DST1" ethtool -K d0 rx off >/dev/null
must ip netns exec "$DST2" ethtool -K d0 rx off >/dev/null
# rout1 completes a partial checksum in software; rout2 passes it on partial.
must ip netns exec "$RELAY" ethtool -K rout1 tx off >/dev/null

SEND_TTL=16
OUT_TTL=5
IP_LEN=228	# 200 bytes of payload, UDP and IPv4 headers
# The datagram with sequence number 335 of this source port has a UDP
# checksum that is zero between the group and the port rewrite (forward.sh).
SEND_SPORT=20002

{
	conf_global
	conf_rule video rin 239.1.1.1 5000 "rout1 239.9.9.9:6000" "rout2 vlan 200 :7000" \
	    "ttl = $OUT_TTL"
} >"$TMP/kpath.conf"

csum_errors() {
	ip netns exec "$1" awk '$1 == "Udp:" && $2 !~ /^[0-9]+$/ { for (i = 2; i <= NF; i++) col[$i] = i }
		$1 == "Udp:" && $2 ~ /^[0-9]+$/ { print $col["InCsumErrors"] }' /proc/net/snmp
}

# ---------------------------------------------------------------------
# Relaying

SENT=0

# relay_run DESCRIPTION COUNT: COUNT datagrams, each at both outputs once, rewritten.
relay_run() {
	local desc=$1 count=$2 before
	note "--- $desc"
	start_recv out1 "$DST1" d0 239.9.9.9 6000 -n "$count" -x "$OUT_TTL" -T 60 -q 2000
	start_udprecv sock1 "$DST1" -g 239.9.9.9 -p 6000 -I d0 -n "$count" -T 60 -q 2000
	start_recv out2 "$DST2" d0 239.1.1.1 7000 -n "$count" -x "$OUT_TTL" -Q 200 -T 60 -q 2000
	before=$(csum_errors "$DST1")
	send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -n "$count" -r 5000 -t "$SEND_TTL" -s 200 \
	    -P "$SEND_SPORT"
	SENT=$((SENT + count))
	expect_recv_ok out1
	expect_recv_ok sock1
	expect_recv_ok out2
	for r in out1 sock1 out2; do
		expect_field "$r" unique "$count"
		expect_field "$r" dup 0
		expect_field "$r" ttl_min "$OUT_TTL"
		expect_field "$r" ttl_max "$OUT_TTL"
		expect_field "$r" src 10.1.0.1
	done
	[ "$(csum_errors "$DST1")" = "$before" ] ||
	    fail "DST1's kernel found bad UDP checksums: InCsumErrors $before -> $(csum_errors "$DST1")"
	note "partial checksums seen at DST2: $(recv_field out2 csum_partial)"
	expect_counter rule video packets_in "$SENT"
	expect_counter rule video bytes_in $((SENT * IP_LEN))
	expect_counter output video 0 packets "$SENT"
	expect_counter output video 0 bytes $((SENT * IP_LEN))
	expect_counter output video 1 packets "$SENT"
}

start_kpath "$TMP/kpath.conf"
[ "$(tcx_programs)" = 1 ] || fail "no tcx program on rin: $(ip netns exec "$RELAY" "$KPATHCTL" -q rin)"

must ip netns exec "$SRC" ethtool -K s0 tx on >/dev/null
relay_run "sender's tx checksum offload on" 3000
[ "$(recv_field out2 csum_partial)" -gt 0 ] ||
    fail "no partial checksum reached DST2: the offload path was not exercised"
must ip netns exec "$SRC" ethtool -K s0 tx off >/dev/null
relay_run "sender's tx checksum offload off" 3000
[ "$(recv_field out2 csum_partial)" = 0 ] || fail "partial checksums with the offload off"

# ---------------------------------------------------------------------
# Passed up: a fragmented datagram, a group without a rule

note "--- fragments and a group without a rule are passed up"
before_nh=$(counter totals not_handleable)
before_nr=$(counter totals no_rule)
start_udprecv up1 "$RELAY" -g 239.1.1.1 -p 5000 -I rin -n 20 -T 30 -q 2000
start_udprecv up7 "$RELAY" -g 239.7.7.7 -p 5000 -I rin -n 50 -T 30 -q 2000
start_recv leak "$DST1" d0 239.9.9.9 6000 -T 30 -q 1500
send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -n 20 -r 200 -t "$SEND_TTL" -s 3000
send_from "$SRC" -g 239.7.7.7 -p 5000 -I s0 -n 50 -r 1000 -t "$SEND_TTL" -s 100
expect_recv_ok up1
expect_field up1 unique 20
expect_recv_ok up7
expect_field up7 unique 50
stop_recv leak || true
expect_field leak received 0
expect_counter rule video packets_in "$SENT"
nh=$(counter totals not_handleable)
nr=$(counter totals no_rule)
((nh - before_nh >= 60)) || fail "$((nh - before_nh)) frames not handleable, 60 fragments sent"
((nr - before_nr >= 50)) || fail "$((nr - before_nr)) frames without a rule, 50 sent"
note "passed up: $((nh - before_nh)) not handleable, $((nr - before_nr)) without a rule"

# ---------------------------------------------------------------------
# A reload under a stream

note "--- reloads under a stream"
start_recv stream "$DST1" d0 239.9.9.9 6000 -x "$OUT_TTL" -T 100 -q 2000
start_stream s "$SRC" -g 239.1.1.1 -p 5000 -I s0 -r 4000 -t "$SEND_TTL" -s 200
sleep 0.5
conf_rule added rin 239.4.4.4 - "rout2" >>"$TMP/kpath.conf"
for i in 1 2 3; do
	kill -HUP "$KPATH_PID"
	wait_until 10 kpath_updated "$i" || fail "no update $i: $(cat "$KPATH_LOG")"
	sleep 0.3
done
stop_stream s
expect_all stream "$STREAM_SENT"
SENT=$((SENT + STREAM_SENT))
expect_counter rule video packets_in "$SENT"
expect_counter output video 0 packets "$SENT"
note "$STREAM_SENT datagrams across 3 reloads, each relayed once; counters went on"

# ---------------------------------------------------------------------
# Detach

note "--- detach"
stop_kpath TERM
[ "$(tcx_programs)" = 0 ] || fail "a tcx program is left on rin: $(ip netns exec "$RELAY" "$KPATHCTL" -q rin)"
[ "$(tc_filters)" = 0 ] || fail "a tc filter is left on rin"
! ip netns exec "$RELAY" bpftool net show dev rin | grep -q kpath_ingress ||
    fail "bpftool still shows a program on rin"
start_udprecv up1 "$RELAY" -g 239.1.1.1 -p 5000 -I rin -n 100 -T 30 -q 2000
start_recv leak "$DST1" d0 239.9.9.9 6000 -T 30 -q 1500
send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -n 100 -r 1000 -t "$SEND_TTL" -s 200
expect_recv_ok up1
stop_recv leak || true
expect_field leak received 0
note "after the detach, the input's traffic goes up the stack and nowhere else"

# ---------------------------------------------------------------------
# cls_bpf, and what a killed loader leaves

short_run() {
	start_recv short "$DST1" d0 239.9.9.9 6000 -n 500 -x "$OUT_TTL" -T 30 -q 1500
	send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -n 500 -r 5000 -t "$SEND_TTL" -s 200
	expect_recv_ok short
	expect_field short unique 500
	expect_field short dup 0
}

note "--- cls_bpf"
start_kpath "$TMP/kpath.conf" -a cls_bpf
[ "$(tc_filters)" = 1 ] && [ "$(tcx_programs)" = 0 ] || fail "cls_bpf: $(tc_filters) filters, $(tcx_programs) tcx programs"
short_run
stop_kpath KILL
[ "$(tc_filters)" = 1 ] || fail "the killed loader's filter is gone: cls_bpf was expected to stay"
start_kpath "$TMP/kpath.conf" -a cls_bpf
[ "$(tc_filters)" = 1 ] || fail "$(tc_filters) filters after a restart: the stale one was not replaced"
short_run
stop_kpath KILL
start_kpath "$TMP/kpath.conf" -a tcx
[ "$(tc_filters)" = 0 ] || fail "the stale cls_bpf filter is left beside the tcx program"
short_run
stop_kpath TERM
[ "$(tcx_programs)" = 0 ] && [ "$(tc_filters)" = 0 ] || fail "a program is left on rin"

pass "$SENT datagrams relayed in the kernel, each once; fragments and other groups passed up; reloads hitless; nothing left behind"
