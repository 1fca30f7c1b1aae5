#!/bin/bash
#
# reload_change.sh: a reload that removes rule "gone" (the only rule on
# input rout2) and adds rule "new" on input rin2, which had no worker.
# Afterwards rout2's worker has exited, rin2 has a worker and forwards a
# whole stream, "gone"'s traffic is no longer relayed, and rule "keep"
# (on rin, unchanged) keeps its worker and loses nothing meanwhile.
#
#   SRC  --s0/rin--   RELAY --rout1/d0-- DST1
#   SRC2 --s1/rin2--        --rout2/d0-- DST2 (the sender of rule "gone")

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
require_python
topo_basic
SRC2=${PREFIX}src2
ns_add "$SRC2"
veth_pair "$SRC2" s1 10.4.0.1/24 "$RELAY" rin2 10.4.0.2/24
must ip -n "$SRC2" route add 224.0.0.0/4 dev s1

CFG=$TMP/change.conf
COUNT=1000

# write_conf RULE...: the configuration with the named rules.
write_conf() {
	local r
	{
		conf_global
		for r in "$@"; do
			case $r in
			keep) printf '\n[rule keep]\ninput  = rin\ngroup  = 239.1.1.1\nport   = 5000\noutput = rout1\n' ;;
			gone) printf '\n[rule gone]\ninput  = rout2\ngroup  = 239.3.3.3\nport   = 5001\noutput = rout1 239.4.4.4:6001\n' ;;
			new) printf '\n[rule new]\ninput  = rin2\ngroup  = 239.5.5.5\nport   = 5005\noutput = rout1 239.6.6.6:6005\n' ;;
			esac
		done
	} >"$CFG.new"
	mv -f "$CFG.new" "$CFG"
}

write_conf keep gone
start_daemon "$CFG"
[ "${DAEMON_WORKERS:-}" = 2 ] || fail "the ready line counts ${DAEMON_WORKERS:-no} workers, expected 2"
status_json
v=$(status_eval 'worker("rin")["pid"]' 'worker("rout2")["pid"]' 'has_worker("rin2")' \
    'd["generation"]') || fail "unexpected status: $v"
mapfile -t n <<<"$v"
w_rin=${n[0]} w_rout2=${n[1]} gen0=${n[3]}
[ "${n[2]}" = false ] || fail "a worker for rin2 before it is configured"
for p in "$w_rin" "$w_rout2"; do
	is_child "$DAEMON_PID" "$p" ||
	    fail "worker $p from the status is not a child of the supervisor"
done
note "worker[rin] $w_rin, worker[rout2] $w_rout2"

# Rule "gone" forwards before the reload, so its silence afterwards means
# something.
start_recv gone "$DST1" d0 239.4.4.4 6001 -n 500 -x 15 -T 30 -q 3000
send_from "$DST2" -g 239.3.3.3 -p 5001 -I d0 -n 500 -r 2000 -t 16
expect_recv_ok gone

# Rule "keep" streams across the reload.
start_recv keep "$DST1" d0 239.1.1.1 5000 -x 15 -T 100 -q 2000
start_stream keep "$SRC" -g 239.1.1.1 -p 5000 -I s0 -r 2000 -t 16 -s 200
wait_status 10 'rule("keep")["packets_in"] > 0' true

write_conf keep new
rc=0
ctl reload || rc=$?
[ "$rc" -eq 0 ] || fail "the reload client exited $rc: $(ctl_output)"
ctl_said 'reload applied' || fail "no 'reload applied' from the client: $(ctl_output)"
note "reload: $(ctl_output | tr '\n' ' ')"

wait_until 10 pid_gone "$w_rout2" ||
    fail "worker[rout2] ($w_rout2) still runs 10s after its only rule was removed"
wait_status 10 'has_worker("rout2")' false
wait_status 10 'worker("rin2")["state"]' running
status_json
v=$(status_eval 'd["generation"]' 'worker("rin")["pid"]' 'worker("rin2")["pid"]' \
    'has_rule("gone")' 'rule("new")["state"]') || fail "unexpected status: $v"
mapfile -t n <<<"$v"
[ "${n[0]}" = $((gen0 + 1)) ] || fail "generation ${n[0]} after one reload from $gen0"
[ "${n[1]}" = "$w_rin" ] || fail "worker[rin] is now ${n[1]}, was $w_rin: rule keep did not change"
w_rin2=${n[2]}
is_child "$DAEMON_PID" "$w_rin2" ||
    fail "worker[rin2] $w_rin2 from the status is not a child of the supervisor"
[ "${n[3]}" = false ] || fail "rule gone is still in the status"
[ "${n[4]}" = active ] || fail "rule new is ${n[4]}, expected active"
note "worker[rout2] gone, worker[rin2] $w_rin2"

# The removed rule's traffic first, then the new rule's: once the new one
# has all arrived, anything the removed rule still relayed would be there.
start_recv leak "$DST1" d0 239.4.4.4 6001 -T 0
start_recv new "$DST1" d0 239.6.6.6 6005 -n "$COUNT" -x 15 -T 30 -q 3000
send_from "$DST2" -g 239.3.3.3 -p 5001 -I d0 -n 500 -r 2000 -t 16
send_from "$SRC2" -g 239.5.5.5 -p 5005 -I s1 -n "$COUNT" -r 2000 -t 16
expect_recv_ok new
stop_recv leak || true
expect_field leak received 0

stop_stream keep
sent=$STREAM_SENT
expect_all keep "$sent"
wait_status 10 'rule("keep")["packets_in"]' "$sent"
wait_status 10 'rule("new")["packets_in"]' "$COUNT"

stop_daemon
pass "rule new forwards, rule gone stopped with its worker, keep lost none of $sent"
