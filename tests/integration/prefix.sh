#!/bin/bash
#
# prefix.sh: group prefixes, port ranges and source prefixes, with the
# most specific rule winning, joins for a prefix, and a refused
# link-local rule.  On one input:
#   wide16  239.1.0.0/16 ports 5000-5099          -> 239.9.1.1:6001
#   wide24  239.1.2.0/24 any port                 -> 239.9.1.3:6003
#   exact   239.1.2.3 port 5000                   -> 239.9.1.2:6002
#   src     239.1.4.0/24 from 10.1.0.0/16          -> 239.9.1.4:6004
#   other   239.1.4.0/24 from 10.99.0.0/16         -> 239.9.1.5:6005
#   keep    239.3.0.0/16                           -> rout2, each packet's own group
# 239.1.2.3:5000 must take exact (one group beats a prefix), 239.1.2.4:5050
# wide24 (a longer prefix beats a port range), 239.1.7.7:5010 wide16, and
# 239.1.7.7:6000 nothing.  239.1.4.9 from 10.1.0.1 takes src, not other.
# 239.3.5.5:5500 keeps its group, port and multicast MAC through keep.

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
require_python

topo_basic
{
	conf_global
	conf_rule wide16 rin 239.1.0.0/16 5000-5099 "rout1 239.9.1.1:6001" \
	    "join = 239.1.2.4" "join = 239.1.7.7"
	conf_rule wide24 rin 239.1.2.0/24 - "rout1 239.9.1.3:6003"
	conf_rule exact rin 239.1.2.3 5000 "rout1 239.9.1.2:6002"
	conf_rule src rin 239.1.4.0/24 - "rout2 239.9.1.4:6004" "source = 10.1.0.0/16"
	conf_rule other rin 239.1.4.0/24 - "rout2 239.9.1.5:6005" "source = 10.99.0.0/16"
	conf_rule keep rin 239.3.0.0/16 - "rout2"
} >"$TMP/prefix.conf"
check_conf "$TMP/prefix.conf" ||
    fail "check refused the configuration: $(cat "$TMP/check.out")"
grep -q "group 239.1.0.0/16, port 5000-5099" "$TMP/check.out" ||
    fail "check does not show the prefix and range: $(cat "$TMP/check.out")"
start_daemon "$TMP/prefix.conf"

# A prefix is not joined; its join = groups are, and one-group rules' groups.
joined() {
	ip -n "$RELAY" maddr show dev rin | grep -q "inet  $1\$"
}
for g in 239.1.2.3 239.1.2.4 239.1.7.7; do
	wait_until 10 joined "$g" || fail "$g is not joined on rin: $(ip -n "$RELAY" maddr show dev rin)"
done
ip -n "$RELAY" maddr show dev rin | grep -q "inet  239.1.0.0" &&
    fail "the prefix's network address was joined"

start_recv exact "$DST1" d0 239.9.1.2 6002 -n 300 -T 60 -q 3000
start_recv wide24 "$DST1" d0 239.9.1.3 6003 -n 300 -T 60 -q 3000
start_recv wide16 "$DST1" d0 239.9.1.1 6001 -n 300 -T 60 -q 3000
start_recv src "$DST2" d0 239.9.1.4 6004 -n 300 -T 60 -q 3000
start_recv keep "$DST2" d0 239.3.5.5 5500 -n 300 -T 60 -q 3000
send_from "$SRC" -g 239.1.2.3 -p 5000 -I s0 -n 300 -r 1000 -s 100
send_from "$SRC" -g 239.1.2.4 -p 5050 -I s0 -n 300 -r 1000 -s 100
send_from "$SRC" -g 239.1.7.7 -p 5010 -I s0 -n 300 -r 1000 -s 100
send_from "$SRC" -g 239.1.4.9 -p 7000 -I s0 -n 300 -r 1000 -s 100
send_from "$SRC" -g 239.3.5.5 -p 5500 -I s0 -n 300 -r 1000 -s 100
for r in exact wide24 wide16 src keep; do
	expect_recv_ok "$r"
	expect_field "$r" unique 300
	expect_field "$r" dup 0
done

note "--- what matched nothing, and what each rule counted"
status_json
before=$(status_eval 'no_match()')
send_from "$SRC" -g 239.1.7.7 -p 6000 -I s0 -n 100 -r 1000 -s 100
no_match_counted() {
	local n
	n=$(status_get 'no_match()') &&
	    [ "$n" -ge $((before + 100)) ]
}
wait_until 10 no_match_counted || fail "239.1.7.7:6000 was not counted as no match"
for r in exact wide24 wide16 src; do
	[ "$(status_eval "rule(\"$r\")[\"packets_in\"]")" = 300 ] ||
	    fail "rule $r: $(status_eval "rule(\"$r\")")"
done
[ "$(status_eval 'rule("other")["packets_in"]')" = 0 ] ||
    fail "rule other matched: $(status_eval 'rule("other")')"
[ "$(status_eval 'rule("wide16")["group"]')" = 239.1.0.0/16 ] &&
    [ "$(status_eval 'rule("wide16")["port"]')" = 5000 ] &&
    [ "$(status_eval 'rule("wide16")["port_last"]')" = 5099 ] &&
    [ "$(status_eval 'rule("src")["source"]')" = 10.1.0.0/16 ] ||
    fail "status does not show prefixes and ranges: $(status_eval 'd["rules"]')"
ctl status || fail "status failed: $(ctl_output)"
ctl_said_fixed "239.1.0.0/16:5000-5099" || fail "status text: $(ctl_output)"
stop_daemon

note "--- a link-local group with ttl = keep needs link-local = allow"
{
	conf_global
	conf_rule mdns rin 224.0.0.251 5353 "rout1" "ttl = keep"
} >"$TMP/ll.conf"
if check_conf "$TMP/ll.conf"; then
	fail "check accepted a link-local rule with ttl = keep"
fi
grep -q "ll.conf:[0-9]*: rule 'mdns': group 224.0.0.251 takes in link-local groups.*link-local = allow" \
    "$TMP/check.out" || fail "check did not say why: $(cat "$TMP/check.out")"
printf 'link-local = allow\n' >>"$TMP/ll.conf"
check_conf "$TMP/ll.conf" ||
    fail "link-local = allow was not enough: $(cat "$TMP/check.out")"
grep -q "warning: rule 'mdns': with ttl = keep nothing ends a loop through another relay host" \
    "$TMP/check.out" || fail "no loop warning for ttl = keep: $(cat "$TMP/check.out")"

pass "prefixes, ranges and source prefixes matched most specific first; joins; link-local refused"
