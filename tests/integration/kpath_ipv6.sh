#!/bin/bash
#
# kpath_ipv6.sh: the kernel path relays IPv6.  A source-specific rule for
# ff3e::1234 is rewritten to [ff3e::4321]:6000 with hop limit 5 on rout1
# and sent with its own group to port 7000 on rout2 (tags are checked by
# kpath_forward.sh: this kernel may have no 802.1Q sub-interfaces to
# receive them with).  Every datagram arrives once at both, through UDP
# sockets; both kernels verify each checksum (Udp6InCsumErrors stays 0), both outputs
# completing in software what is partial; with the sender's tx checksum
# offload on (partial checksums, updated by bpf_l4_csum_replace from a
# 16-byte difference, completed on the way out) and off.  Fragmented datagrams (a fragment header) and
# another source's traffic are passed up to the relay's own socket and
# not relayed.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/kpath_lib.sh"

require_root
require_binaries
require_kpath

topo_basic ipv6
must ip -n "$SRC" addr add 2001:db8:1::1/64 dev s0 nodad
must ip -n "$SRC" addr add 2001:db8:1::99/64 dev s0 nodad
must ip -n "$RELAY" addr add 2001:db8:1::2/64 dev rin nodad
must ip -n "$RELAY" addr add 2001:db8:2::1/64 dev rout1 nodad
must ip -n "$DST1" addr add 2001:db8:2::2/64 dev d0 nodad
must ip -n "$DST2" addr add 2001:db8:3::2/64 dev d0 nodad
for ns in "$DST1" "$DST2"; do
	must ip netns exec "$ns" ethtool -K d0 rx off >/dev/null
done
for o in rout1 rout2; do
	must ip netns exec "$RELAY" ethtool -K "$o" tx off >/dev/null
done

csum6_errors() {
	ip netns exec "$1" awk '$1 == "Udp6InCsumErrors" { print $2 }' /proc/net/snmp6
}

{
	conf_global
	printf '[rule v6]\ninput = rin\ngroup = ff3e::1234\nport = 5000\nsource = 2001:db8:1::1\n'
	printf 'output = rout1 [ff3e::4321]:6000\noutput = rout2 :7000\nttl = 5\n\n'
} >"$TMP/kpath.conf"
start_kpath "$TMP/kpath.conf"

SENT=0
IP_LEN=$((40 + 8 + 300))

run_case() {
	local desc=$1 tx=$2 count=$3 before1 before2
	note "--- $desc"
	must ip netns exec "$SRC" ethtool -K s0 tx "$tx" >/dev/null
	before1=$(csum6_errors "$DST1")
	before2=$(csum6_errors "$DST2")
	start_udprecv sock1 "$DST1" -I d0 -g ff3e::4321 -p 6000 -n "$count" -T 60 -q 2000
	start_udprecv sock2 "$DST2" -I d0 -g ff3e::1234 -p 7000 -n "$count" -T 60 -q 2000
	send_from "$SRC" -g ff3e::1234 -p 5000 -I s0 -B 2001:db8:1::1 -n "$count" -r 4000 \
	    -t 16 -s 300
	SENT=$((SENT + count))
	expect_recv_ok sock1
	expect_recv_ok sock2
	for r in sock1 sock2; do
		expect_field "$r" unique "$count"
		expect_field "$r" dup 0
		expect_field "$r" ttl_min 5
		expect_field "$r" ttl_max 5
		expect_field "$r" src 2001:db8:1::1
	done
	[ "$(csum6_errors "$DST1")" = "$before1" ] && [ "$(csum6_errors "$DST2")" = "$before2" ] ||
	    fail "the receiving kernels counted UDP checksum errors"
	expect_counter rule v6 packets_in "$SENT"
	expect_counter rule v6 bytes_in $((SENT * IP_LEN))
	expect_counter output v6 0 packets "$SENT"
	expect_counter output v6 1 packets "$SENT"
}

run_case "sender's tx checksum offload on: partial checksums" on 2000
run_case "sender's tx checksum offload off: full checksums" off 2000

note "--- fragments and another source are passed up"
start_udprecv up "$RELAY" -I rin -g ff3e::1234 -p 5000 -n 70 -T 30 -q 2000
start_udprecv leak "$DST2" -I d0 -g ff3e::1234 -p 7000 -T 30
send_from "$SRC" -g ff3e::1234 -p 5000 -I s0 -B 2001:db8:1::1 -n 20 -r 200 -t 16 -s 3000 -S 100000
send_from "$SRC" -g ff3e::1234 -p 5000 -I s0 -B 2001:db8:1::99 -n 50 -r 1000 -t 16 -s 100 -S 200000
expect_recv_ok up
expect_field up unique 70
stop_recv leak || true
expect_field leak received 0
expect_counter rule v6 packets_in "$SENT"

stop_kpath TERM
[ "$(tcx_programs)" = 0 ] || fail "a tcx program is left on rin"
pass "$SENT IPv6 datagrams relayed in the kernel with partial and full checksums; fragments and other sources passed up"
