#!/bin/bash
#
# vlan.sh: VLANs on a trunk.  The source sends 802.1Q-tagged frames (mcsend
# -Q, raw, the tag in the frame) to the relay's input veth, which is the
# trunk's parent interface; each case runs with the relay's VLAN receive
# offload on and off.
#
#   1. Tagged frames are not relayed by default; untagged ones are.  A VID
#      that gets past the filter (more VLANs than it lists) is dropped by
#      the worker and counted as a "vlan" drop.  QinQ is never relayed.
#   2. "input = rin vlan N": two VLANs and untagged traffic on one parent,
#      each with its own rule; without a VLAN sub-interface the log says no
#      membership can be made.
#   3. "output = rout1 vlan 200": the receiver sees tag 200, payload and
#      checksums intact, with the relay's VLAN transmit offload on and off;
#      a 1500-byte IP packet passes an MTU of 1500 (the tag does not count).
#   4. VLAN sub-interfaces (rin.100, rout1.300) as input and output, where
#      the kernel has 802.1Q support.

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
require_python
command -v ethtool >/dev/null || fail "ethtool is missing (contrib/install-deps.sh installs it)"

topo_basic

# offload NS IFNAME FEATURE (rx-vlan-offload, tx-vlan-offload): on or off.
offload() {
	ip netns exec "$1" ethtool -k "$2" | sed -n "s/^$3: \([a-z]*\).*/\1/p"
}

set_offload() {	# NS IFNAME rxvlan|txvlan on|off FEATURE
	must ip netns exec "$1" ethtool -K "$2" "$3" "$4" >/dev/null
	[ "$(offload "$1" "$2" "$5")" = "$4" ] || fail "ethtool -K $2 $3 $4 did not take"
	note "$1:$2 $5: $4"
}

vlan_drops() {
	status_get 'sum(w["drops"]["vlan"] for w in d["workers"])'
}

send_tagged() {	# VID[:INNER] COUNT FIRST_SEQ GROUP
	send_from "$SRC" -g "$4" -p 5000 -I s0 -B 10.1.0.1 -Q "$1" -n "$2" -S "$3" -r 2000
}

case_default() {
	note "--- default: untagged only (rx-vlan-offload $(offload "$RELAY" rin rx-vlan-offload))"
	{
		conf_global
		conf_rule u rin 239.1.1.1 5000 "rout1 239.9.9.9:6000"
	} >"$TMP/vlan.conf"
	start_daemon "$TMP/vlan.conf"
	start_recv out "$DST1" d0 239.9.9.9 6000 -n 300 -T 60 -q 3000
	send_tagged 100 300 0 239.1.1.1
	send_tagged 100:100 300 0 239.1.1.1
	send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -n 300 -S 1000 -r 2000
	expect_recv_ok out
	expect_field out unique 300
	expect_field out dup 0
	# Only the untagged sequence numbers (1000-1299) arrived.
	status_json
	[ "$(status_eval 'rule("u")["packets_in"]')" = 300 ] ||
	    fail "rule u took $(status_eval 'rule("u")["packets_in"]') frames, expected the 300 untagged"
	[ "$(status_eval 'sum(w["drops"]["malformed"] for w in d["workers"])')" = 0 ] ||
	    fail "tagged frames were counted as malformed"
	stop_daemon

	# Seventeen VLANs are more than the filter lists: VLAN 100 reaches the
	# worker, which drops it as "vlan" (or the kernel path, for which it
	# matches no rule, and the filter then keeps it from the worker).
	{
		conf_global
		for v in $(seq 1 17); do
			conf_rule "v$v" "rin vlan $v" 239.1.1.1 5000 "rout1 239.9.9.9:6000"
		done
	} >"$TMP/vlan.conf"
	start_daemon "$TMP/vlan.conf"
	send_tagged 100 200 0 239.1.1.1
	wait_status 10 'sum(w["drops"]["vlan"] for w in d["workers"]) + kernel_no_rule()' 200
	[ "$(status_eval 'sum(r["packets_in"] for r in d["rules"])')" = 0 ] ||
	    fail "VLAN 100 frames matched a rule of another VLAN"
	stop_daemon
}

case_choose() {
	note "--- two VLANs and untagged on rin (rx-vlan-offload $(offload "$RELAY" rin rx-vlan-offload))"
	{
		conf_global
		conf_rule a "rin vlan 100" 239.1.1.1 5000 "rout1 239.9.9.9:6000"
		conf_rule b "rin vlan 200" 239.1.1.1 5000 "rout2 239.8.8.8:6000"
		conf_rule u rin 239.1.1.1 5000 "rout1 239.7.7.7:6000"
	} >"$TMP/vlan.conf"
	start_daemon "$TMP/vlan.conf"
	log_has "no membership can be made for VLAN 100 on rin" ||
	    fail "no warning that VLAN 100 has no membership"
	status_json
	[ "$(status_eval 'rule("a")["vlan"]' 'rule("u")["vlan"]')" = "100
null" ] || fail "status shows the VLANs wrong: $(status_eval 'rule("a")' 'rule("u")')"
	ctl status || fail "status failed"
	grep -q "rin vlan 200" "$TMP/ctl.out" || fail "status does not show 'rin vlan 200'"
	start_recv a "$DST1" d0 239.9.9.9 6000 -n 200 -T 60 -q 3000
	start_recv b "$DST2" d0 239.8.8.8 6000 -n 300 -T 60 -q 3000
	start_recv u "$DST1" d0 239.7.7.7 6000 -n 400 -T 60 -q 3000
	send_tagged 100 200 0 239.1.1.1
	send_tagged 200 300 0 239.1.1.1
	send_tagged 300 100 0 239.1.1.1
	send_tagged 100:200 100 0 239.1.1.1
	send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -n 400 -r 2000
	expect_recv_ok a
	expect_recv_ok b
	expect_recv_ok u
	expect_field a unique 200
	expect_field b unique 300
	expect_field u unique 400
	status_json
	[ "$(status_eval 'rule("a")["packets_in"]' 'rule("b")["packets_in"]' 'rule("u")["packets_in"]')" = "200
300
400" ] || fail "per-VLAN counts wrong: $(status_eval 'rule("a")' 'rule("b")' 'rule("u")')"
	stop_daemon
}

case_output() {
	note "--- output tagged 200 (tx-vlan-offload $(offload "$RELAY" rout1 tx-vlan-offload))"
	{
		conf_global
		conf_rule t rin 239.1.1.1 5000 "rout1 vlan 200 239.9.9.9:6000" "rout2 239.9.9.9:6000"
	} >"$TMP/vlan.conf"
	start_daemon "$TMP/vlan.conf"
	ctl status || fail "status failed"
	grep -q "rout1 vlan 200" "$TMP/ctl.out" || fail "status does not show 'rout1 vlan 200'"
	start_recv tagged "$DST1" d0 239.9.9.9 6000 -Q 200 -n 400 -T 60 -q 3000
	start_recv plain "$DST2" d0 239.9.9.9 6000 -n 400 -T 60 -q 3000
	send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -n 200 -r 2000 -s 200
	# A full-MTU IP packet: 1518 bytes on the wire with the tag.
	send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -n 200 -S 200 -r 2000 -s 1472
	expect_recv_ok tagged
	expect_recv_ok plain
	expect_field tagged unique 400
	expect_field tagged bad_vlan 0
	expect_field plain bad_vlan 0
	status_json
	[ "$(status_eval 'output("t", "rout1")["too_big"]')" = 0 ] ||
	    fail "the tag counted against the MTU"
	[ "$(status_eval 'output("t", "rout1")["bytes_out"]' 'output("t", "rout2")["bytes_out"]' |
	    uniq | wc -l)" = 1 ] || fail "tagged output counts the tag in its bytes"
	stop_daemon
}

case_subif() {
	if ! ip -n "$SRC" link add link s0 name s0.100 type vlan id 100 2>/dev/null; then
		note "--- VLAN sub-interfaces: left out, this kernel has no 802.1Q support"
		SUBIF=skipped
		return
	fi
	note "--- VLAN sub-interfaces rin.100 in, rout1.300 out"
	must ip -n "$RELAY" link add link rin name rin.100 type vlan id 100
	must ip -n "$RELAY" link add link rout1 name rout1.300 type vlan id 300
	must ip -n "$DST1" link add link d0 name d0.300 type vlan id 300
	must ip -n "$SRC" addr add 10.100.0.1/24 dev s0.100
	must ip -n "$RELAY" addr add 10.100.0.2/24 dev rin.100
	must ip -n "$RELAY" addr add 10.130.0.1/24 dev rout1.300
	must ip -n "$DST1" addr add 10.130.0.2/24 dev d0.300
	local l
	for l in "$SRC s0.100" "$RELAY rin.100" "$RELAY rout1.300" "$DST1 d0.300"; do
		# shellcheck disable=SC2086
		must ip -n ${l% *} link set ${l#* } up
	done
	{
		conf_global
		conf_rule s rin.100 239.1.1.1 5000 "rout1.300 239.9.9.9:6000"
		conf_rule p "rin vlan 100" 239.2.2.2 5000 "rout1 vlan 300 239.9.9.9:6001"
	} >"$TMP/vlan.conf"
	start_daemon "$TMP/vlan.conf"
	log_has "input rin vlan 100: memberships through rin.100" ||
	    fail "the VLAN 100 memberships were not made through rin.100"
	start_recv sub "$DST1" d0.300 239.9.9.9 6000 -n 200 -T 60 -q 3000
	start_recv par "$DST1" d0 239.9.9.9 6001 -Q 300 -n 200 -T 60 -q 3000
	send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0.100 -n 200 -r 2000
	send_from "$SRC" -g 239.2.2.2 -p 5000 -I s0.100 -n 200 -r 2000
	expect_recv_ok sub
	expect_recv_ok par
	expect_field sub unique 200
	expect_field par unique 200
	stop_daemon
	SUBIF=tested
}

for rx in on off; do
	set_offload "$RELAY" rin rxvlan "$rx" rx-vlan-offload
	case_default
	case_choose
done
for tx in on off; do
	set_offload "$RELAY" rout1 txvlan "$tx" tx-vlan-offload
	case_output
done
case_subif

pass "VLANs: untagged only by default, VLANs chosen per rule, tagged outputs, sub-interfaces $SUBIF"
