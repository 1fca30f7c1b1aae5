#!/bin/bash
#
# ipv6.sh: IPv6 multicast end to end.  A source-specific rule for
# ff3e::1234 from 2001:db8:1::1 is rewritten to [ff3e::4321]:6000 and must
# arrive at an ordinary UDP socket in another namespace, every datagram
# once, with its payload intact, the hop limit the rule asks for, and a
# UDP checksum the receiving kernel verified (Udp6InCsumErrors stays 0).
# The relay's MLD membership must be the source-specific one.  Checked
# with the sender's checksum offload on (the relay gets a partial checksum
# and passes it on; its output completes it in software) and off (the
# relay updates a full checksum).  Also: another source's traffic is not
# relayed, fragmented datagrams are relayed fragment by fragment (the
# receiving kernel reassembles them and checks their checksum), a udp
# output sends to an IPv6 unicast receiver, status shows IPv6 addresses,
# and a rule that mixes families is refused.

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
require_python
command -v ethtool >/dev/null || fail "ethtool is missing (contrib/install-deps.sh installs it)"

topo_basic ipv6
must ip -n "$SRC" addr add 2001:db8:1::1/64 dev s0 nodad
must ip -n "$SRC" addr add 2001:db8:1::99/64 dev s0 nodad
must ip -n "$RELAY" addr add 2001:db8:1::2/64 dev rin nodad
must ip -n "$RELAY" addr add 2001:db8:2::1/64 dev rout1 nodad
must ip -n "$DST1" addr add 2001:db8:2::2/64 dev d0 nodad
# The receiving kernel verifies every UDP checksum itself: veth would
# otherwise mark what it carries as already checked.
must ip netns exec "$DST1" ethtool -K d0 rx off
# What leaves the relay with a partial checksum is completed in software.
must ip netns exec "$RELAY" ethtool -K rout1 tx off

csum_errors() {
	ip netns exec "$DST1" awk '$1 == "Udp6InCsumErrors" { print $2 }' /proc/net/snmp6
}

{
	conf_global
	printf '[rule v6]\ninput = rin\ngroup = ff3e::1234\nport = 5000\nsource = 2001:db8:1::1\noutput = rout1 [ff3e::4321]:6000\nttl = 5\n\n'
	conf_rule v4 rin 239.1.1.1 5000 "rout1 239.9.9.9:6000"
} >"$TMP/v6.conf"
check_conf "$TMP/v6.conf" ||
    fail "check refused the IPv6 configuration: $(cat "$TMP/check.out")"
grep -q "group ff3e::1234" "$TMP/check.out" ||
    fail "check does not show the IPv6 group: $(cat "$TMP/check.out")"
start_daemon "$TMP/v6.conf"

has_mld_join() {
	ip netns exec "$RELAY" grep -qi "rin.*ff3e0000000000000000000000001234.*20010db8000100000000000000000001" \
	    /proc/net/mcfilter6
}
# (/proc/net/mcfilter6 is read while the only IPv6 membership is this one:
# on this kernel it stops listing at a group without sources.)
wait_until 10 has_mld_join ||
    fail "no source-specific MLD membership for (2001:db8:1::1, ff3e::1234) on rin: $(ip netns exec "$RELAY" cat /proc/net/mcfilter6)"
note "MLD membership on rin: (2001:db8:1::1, ff3e::1234)"

# run_case DESCRIPTION TX_OFFLOAD COUNT
run_case() {
	local desc=$1 tx=$2 count=$3 before
	note "--- $desc"
	must ip netns exec "$SRC" ethtool -K s0 tx "$tx"
	before=$(csum_errors)
	start_udprecv u "$DST1" -I d0 -g ff3e::4321 -p 6000 -n "$count" -T 60
	send_from "$SRC" -g ff3e::1234 -p 5000 -I s0 -B 2001:db8:1::1 -n "$count" -r 2000 \
	    -t 16 -s 300
	expect_recv_ok u
	expect_field u unique "$count"
	expect_field u dup 0
	expect_field u ttl_min 5
	expect_field u ttl_max 5
	expect_field u src 2001:db8:1::1
	[ "$(csum_errors)" = "$before" ] ||
	    fail "the receiving kernel counted $(($(csum_errors) - before)) UDP checksum errors"
}

run_case "checksum offload on at the sender: partial checksums" on 2000
run_case "checksum offload off at the sender: full checksums" off 2000

note "--- another source is not relayed"
status_json
before=$(status_eval 'no_match()')
send_from "$SRC" -g ff3e::1234 -p 5000 -I s0 -B 2001:db8:1::99 -n 50 -r 1000 -s 100
wait_status_no_match() {
	local n
	n=$(status_get 'no_match()') &&
	    [ "$n" -ge $((before + 50)) ]
}
wait_until 10 wait_status_no_match ||
    fail "50 datagrams from 2001:db8:1::99 were not counted as no match: $(status_eval 'd["workers"]')"

note "--- fragmented datagrams: later fragments follow their first"
before=$(csum_errors)
status_json
in_before=$(status_eval 'rule("v6")["packets_in"]')
start_udprecv u "$DST1" -I d0 -g ff3e::4321 -p 6000 -n 20 -T 60
send_from "$SRC" -g ff3e::1234 -p 5000 -I s0 -B 2001:db8:1::1 -n 20 -r 100 -s 3000 -t 16
expect_recv_ok u
expect_field u unique 20
expect_field u ttl_min 5
[ "$(csum_errors)" = "$before" ] ||
    fail "the receiving kernel counted UDP checksum errors in reassembled datagrams"
# Three fragments each (1,500-byte MTU), every one matched.
[ "$(status_get 'rule("v6")["packets_in"]')" -eq $((in_before + 60)) ] ||
    fail "rule v6 counted $(status_eval 'rule("v6")["packets_in"]') packets, expected $((in_before + 60))"

note "--- an IPv6 rule with a udp output: a unicast IPv6 receiver"
printf '[rule v6u]\ninput = rin\ngroup = ff3e::1236\noutput = udp [2001:db8:2::2]:7100 ttl=9\n\n' >>"$TMP/v6.conf"
ctl reload || fail "reload failed: $(ctl_output)"
start_udprecv u "$DST1" -g 2001:db8:2::2 -p 7100 -n 500 -T 60
# A udp output has no interface: output(RULE, None) finds it.
udp_out_active() {
	[ "$(status_get 'output("v6u", None)["state"]' 2>/dev/null)" = active ]
}
wait_until 10 udp_out_active || fail "the udp output of v6u is not active: $(status_eval 'rule("v6u")')"
send_from "$SRC" -g ff3e::1236 -p 7000 -I s0 -B 2001:db8:1::1 -n 500 -r 2000 -t 16 -s 200
expect_recv_ok u
expect_field u dup 0
expect_field u ttl_min 9
expect_field u src 2001:db8:2::1

note "--- status shows IPv6"
status_json
[ "$(status_eval 'rule("v6")["group"]')" = "ff3e::1234" ] ||
    fail "status group: $(status_eval 'rule("v6")')"
[ "$(status_eval 'rule("v6")["source"]')" = "2001:db8:1::1" ] ||
    fail "status source: $(status_eval 'rule("v6")')"
[ "$(status_eval 'output("v6", "rout1")["group"]')" = "ff3e::4321" ] ||
    fail "status output group: $(status_eval 'rule("v6")')"
[ "$(status_eval 'rule("v6")["packets_in"]')" -ge 4000 ] ||
    fail "status packets_in: $(status_eval 'rule("v6")')"
ctl status || fail "status failed: $(ctl_output)"
ctl_said_fixed "[ff3e::1234]:5000 from 2001:db8:1::1" ||
    fail "status text does not show the IPv6 match: $(ctl_output)"
ctl_said_fixed "-> [ff3e::4321]:6000" ||
    fail "status text does not show the IPv6 output: $(ctl_output)"

note "--- a reload adds an any-source IPv6 rule: joined, and relayed"
printf '[rule v6any]\ninput = rin\ngroup = ff3e::1235\noutput = rout1\n\n' >>"$TMP/v6.conf"
ctl reload || fail "reload failed: $(ctl_output)"
has_asm_join() {
	ip -n "$RELAY" maddr show dev rin | grep -q "inet6 ff3e::1235"
}
wait_until 10 has_asm_join ||
    fail "no MLD membership for ff3e::1235 on rin: $(ip -n "$RELAY" maddr show dev rin)"
start_udprecv u "$DST1" -I d0 -g ff3e::1235 -p 7000 -n 500 -T 60
send_from "$SRC" -g ff3e::1235 -p 7000 -I s0 -B 2001:db8:1::99 -n 500 -r 2000 -t 16 -s 64
expect_recv_ok u
expect_field u dup 0
expect_field u ttl_min 15
stop_daemon

note "--- a rule of one family with an output of the other is refused"
{
	conf_global
	conf_rule mixed rin 239.1.1.1 5000 "rout1 [ff3e::1]:6000"
} >"$TMP/mixed.conf"
if check_conf "$TMP/mixed.conf"; then
	fail "check accepted an IPv4 rule with an IPv6 output"
fi
grep -q "mixed.conf:[0-9]*: .*ff3e::1.*IPv6.*IPv4" "$TMP/check.out" ||
    fail "check did not name the mixed output with FILE:LINE: $(cat "$TMP/check.out")"

pass
