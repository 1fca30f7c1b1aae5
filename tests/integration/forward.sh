#!/bin/bash
#
# forward.sh: one rule, one rewritten output.  Every datagram must arrive
# once, with valid IPv4 and UDP checksums, the multicast MAC of the new
# group, and the TTL the rule asks for.
#
# Run with the sender's checksum offload on (the relay reads frames whose
# UDP checksum the kernel left partial) and off (full checksums arrive, so
# the relay's incremental checksum update is what is tested), then with
# ttl = 5 and ttl = keep.

. "$(dirname "$0")/lib.sh"

require_root
require_binaries

HAVE_ETHTOOL=1
if ! command -v ethtool >/dev/null; then
	[ -n "${CI:-}" ] && fail "ethtool is missing (CI installs it)"
	HAVE_ETHTOOL=0
	note "ethtool is missing: the checksum-offload-off run is left out"
fi

topo_basic

SEND_TTL=16

# The sender's source port is fixed so that the test is the same on every
# run.  With it, the datagram with sequence number 335 (200-byte payload)
# has a UDP checksum that becomes 0x0000 between the group rewrite and the
# port rewrite: a relay that updates the checksum in steps must not take
# that intermediate zero for "no checksum".  (The port was found by search
# over mcpayload.h's fill pattern; changing the pattern moves it.)
SEND_SPORT=20002

# run_case DESCRIPTION TTL_SETTING EXPECTED_TTL COUNT RATE
run_case() {
	local desc=$1 ttl_setting=$2 want_ttl=$3 count=$4 rate=$5 partial
	note "--- $desc"
	{
		conf_global
		conf_rule video1 rin 239.1.1.1 5000 "rout1 239.9.9.9:6000" "ttl = $ttl_setting"
	} >"$TMP/forward.conf"
	start_daemon "$TMP/forward.conf"

	# What reaches DST1, and for reference what the relay itself sees.
	start_recv out "$DST1" d0 239.9.9.9 6000 -n "$count" -x "$want_ttl" -T 120 -q 3000
	start_recv in "$RELAY" rin 239.1.1.1 5000 -n "$count" -x "$SEND_TTL" -T 120 -q 3000
	send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -n "$count" -r "$rate" \
	    -t "$SEND_TTL" -s 200 -P "$SEND_SPORT"

	expect_recv_ok in
	expect_recv_ok out
	# A partial checksum is passed on partial (PACKET_VNET_HDR): the
	# receiver checks its pseudo-header sum against the rewritten
	# addresses (bad_udp_csum), and it arrives partial exactly when the
	# relay received it so.
	[ "$(recv_field out csum_partial)" = "$(recv_field in csum_partial)" ] ||
	    fail "partial checksums: $(recv_field in csum_partial) in, $(recv_field out csum_partial) out"
	expect_field out src 10.1.0.1
	expect_field out ttl_min "$want_ttl"
	expect_field out ttl_max "$want_ttl"

	partial=$(recv_field in csum_partial)
	if [ "$(ethtool_tx "$SRC" s0)" = on ]; then
		[ "$partial" -gt 0 ] ||
		    note "the relay saw no partial checksum; the offload path was not exercised"
	else
		[ "$partial" -eq 0 ] ||
		    fail "tx checksumming is off in SRC but the relay saw $partial partial checksums"
	fi
	stop_daemon
}

# ethtool_tx NS IFNAME: prints on or off, the state of tx checksumming.
ethtool_tx() {
	if [ "$HAVE_ETHTOOL" -eq 0 ]; then
		echo on
		return
	fi
	ip netns exec "$1" ethtool -k "$2" |
	    sed -n 's/^tx-checksumming: \([a-z]*\).*/\1/p'
}

run_case "tx checksum offload on, ttl = decrement" decrement $((SEND_TTL - 1)) 10000 5000

if [ "$HAVE_ETHTOOL" -eq 1 ]; then
	must ip netns exec "$SRC" ethtool -K s0 tx off >/dev/null
	[ "$(ethtool_tx "$SRC" s0)" = off ] || fail "ethtool -K s0 tx off did not take"
	run_case "tx checksum offload off, ttl = decrement" decrement $((SEND_TTL - 1)) 10000 5000
fi

run_case "ttl = 5" 5 5 2000 5000
run_case "ttl = keep" keep "$SEND_TTL" 2000 5000

pass "10,000 relayed with each checksum path, and the ttl settings"
