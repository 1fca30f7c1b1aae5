#!/bin/bash
#
# hotplug.sh: interfaces that come and go.  With its only input absent,
# the daemon is ready with 0 workers.  Then it starts with a rule on input
# rlate, which does not exist yet (the rule is pending, it has no worker),
# and a rule with an output rlate2, which does not exist yet (the rule
# forwards to its other output; that output is pending).  As each
# interface appears it is taken into use and traffic flows; each set down
# and up, deleted and re-created with the same name (a new ifindex) goes
# back to pending and then to active again, and traffic flows again.  A
# steady rule on rin loses nothing throughout and keeps its worker.
#
#   SRC  --s0/rin--     RELAY --rout1/d0-- DST1
#   SRC2 --s9/rlate--         --rout2/d0-- DST2
#     (created later)         --rlate2/d0-- DST3 (created later)

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
require_python
topo_basic
SRC2=${PREFIX}src2
DST3=${PREFIX}dst3
ns_add "$SRC2"
ns_add "$DST3"

COUNT=1000

{
	conf_global
	conf_rule late rlate 239.1.1.5 5005 rout1
	conf_rule steady rin 239.1.1.1 5000 rout1
	conf_rule fan rin 239.1.1.7 5007 rout2 "rlate2 239.8.8.8:6008"
} >"$TMP/hotplug.conf"

# make_rlate: SRC2:s9 <-> RELAY:rlate, up, SRC2 routing multicast via s9.
make_rlate() {
	veth_pair "$SRC2" s9 10.9.0.1/24 "$RELAY" rlate 10.9.0.2/24
	must ip -n "$SRC2" route add 224.0.0.0/4 dev s9
}

ifindex() {
	ip -n "$1" -o link show dev "$2" | cut -d: -f1
}

# Deviations that need not stop the test are collected, and fail it at
# the end, so that one run shows everything.
LATER=()
fail_later() {
	echo "# FAILED: $*" >&2
	LATER+=("$*")
}

# no_late_worker WHEN: the status lists no worker for rlate.
no_late_worker() {
	status_json
	[ "$(status_eval 'has_worker("rlate")')" = false ] ||
	    fail_later "$1: rule late is pending, yet the status lists a worker for rlate: $(status_eval 'worker("rlate")')"
}

# send_late: rule late relays a whole stream from SRC2 to DST1.
send_late() {
	start_recv late "$DST1" d0 239.1.1.5 5005 -n "$COUNT" -x 15 -T 30 -q 3000
	send_from "$SRC2" -g 239.1.1.5 -p 5005 -I s9 -n "$COUNT" -r 2000 -t 16
	expect_recv_ok late
}

# send_fan: rule fan relays a whole stream to both its outputs.
send_fan() {
	start_recv fan2 "$DST2" d0 239.1.1.7 5007 -n "$COUNT" -x 15 -T 30 -q 3000
	start_recv fan3 "$DST3" d0 239.8.8.8 6008 -n "$COUNT" -x 15 -T 30 -q 3000
	send_from "$SRC" -g 239.1.1.7 -p 5007 -I s0 -n "$COUNT" -r 2000 -t 16
	expect_recv_ok fan2
	expect_recv_ok fan3
}

# late_pending OLD_WORKER WHEN: rule late goes back to pending, its
# worker ends.
late_pending() {
	wait_status 10 'rule("late")["state"]' pending
	wait_until 10 pid_gone "$1" || fail "worker[rlate] $1 still runs with its rule pending"
	no_late_worker "$2"
}

# late_active: rule late becomes active with a running worker; sets LATE_W.
late_active() {
	wait_status 10 'rule("late")["state"] == "active" and worker("rlate")["state"] == "running"' true
	LATE_W=$(status_eval 'worker("rlate")["pid"]') || fail "no pid for worker[rlate]"
	is_child "$DAEMON_PID" "$LATE_W" ||
	    fail "worker[rlate] $LATE_W is not a child of the supervisor"
	# Run with datapath = kernel: the interface, each time new, has the program back.
	if [ "${MCRELAY_DATAPATH:-}" = kernel ]; then
		wait_status 10 'inp("rlate")["kernel_path"]' attached
		note "rlate: program $(status_eval 'inp("rlate")["program_id"]') attached"
	fi
}

# --- every input absent: the daemon is still ready, with no worker
{
	conf_global
	conf_rule late rlate 239.1.1.5 5005 rout1
} >"$TMP/none.conf"
start_daemon "$TMP/none.conf"
[ "${DAEMON_WORKERS:-}" = 0 ] ||
    fail "the ready line counts ${DAEMON_WORKERS:-no} workers, expected 0 (rlate is absent)"
wait_status 10 'rule("late")["state"]' pending
no_late_worker "every input absent"
[ -z "$(children_of "$DAEMON_PID")" ] ||
    fail "the supervisor has children with no input present: $(children_of "$DAEMON_PID" | xargs)"
KPATH_NONE_OK=1 stop_daemon
note "with every input absent: ready, 0 workers, rule pending"

start_daemon "$TMP/hotplug.conf"
[ "${DAEMON_WORKERS:-}" = 1 ] ||
    fail "the ready line counts ${DAEMON_WORKERS:-no} workers, expected 1 (rin)"
log_has 'rlate' || fail "nothing in the log about the missing rlate"
status_json
v=$(status_eval 'rule("late")["state"]' 'has_worker("rlate")' 'rule("steady")["state"]' \
    'rule("fan")["state"]' 'output("fan", "rout2")["state"]' 'output("fan", "rlate2")["state"]' \
    'worker("rin")["pid"]') || fail "unexpected status: $v"
mapfile -t n <<<"$v"
[ "${n[1]}" = false ] ||
    fail_later "at start: rule late is pending, yet the status lists a worker for rlate: $(status_eval 'worker("rlate")')"
[ "${n[0]} ${n[*]:2:4}" = "pending active active active pending" ] ||
    fail "at start: late ${n[0]}, steady ${n[2]}, fan ${n[3]}, fan's rout2 ${n[4]}, fan's rlate2 ${n[5]}"
w_rin=${n[6]}
note "at start: rule late pending, output rlate2 pending, worker[rin] $w_rin"

start_recv steady "$DST1" d0 239.1.1.1 5000 -x 15 -T 100 -q 2000
start_stream steady "$SRC" -g 239.1.1.1 -p 5000 -I s0 -r 2000 -t 16 -s 200
wait_status 10 'rule("steady")["packets_in"] > 0' true

# --- an output that comes later
start_recv fan2 "$DST2" d0 239.1.1.7 5007 -n 500 -x 15 -T 30 -q 3000
send_from "$SRC" -g 239.1.1.7 -p 5007 -I s0 -n 500 -r 2000 -t 16
expect_recv_ok fan2

veth_pair "$RELAY" rlate2 10.8.0.1/24 "$DST3" d0 10.8.0.2/24
wait_status 10 'output("fan", "rlate2")["state"]' active
note "output rlate2 active"
send_fan

# --- an input that comes later
make_rlate
late_active
note "rlate created (ifindex $(ifindex "$RELAY" rlate)): rule late active, worker[rlate] $LATE_W"
send_late

# --- set down, and up again
must ip -n "$RELAY" link set rlate down
late_pending "$LATE_W" "rlate down"
note "rlate down: rule late pending"
must ip -n "$RELAY" link set rlate up
wait_until 10 link_up "$RELAY" rlate || fail "rlate did not come up again"
late_active
note "rlate up: rule late active, worker[rlate] $LATE_W"
send_late

# --- deleted, and created again with the same name
old_index=$(ifindex "$RELAY" rlate)
must ip -n "$RELAY" link del rlate
late_pending "$LATE_W" "rlate deleted"
note "rlate deleted: rule late pending"
make_rlate
new_index=$(ifindex "$RELAY" rlate)
[ "$new_index" != "$old_index" ] || fail "test bug: rlate got its old ifindex $old_index back"
late_active
note "rlate created again (ifindex $old_index -> $new_index): rule late active, worker[rlate] $LATE_W"
send_late

# --- the late output set down and up, deleted and created again
must ip -n "$RELAY" link set rlate2 down
wait_status 10 'output("fan", "rlate2")["state"]' pending
must ip -n "$RELAY" link set rlate2 up
wait_until 10 link_up "$RELAY" rlate2 || fail "rlate2 did not come up again"
wait_status 10 'output("fan", "rlate2")["state"]' active
note "rlate2 down: output pending; up: active"
send_fan
old_index=$(ifindex "$RELAY" rlate2)
must ip -n "$RELAY" link del rlate2
wait_status 10 'output("fan", "rlate2")["state"]' pending
wait_status 10 'rule("fan")["state"] == "active" and output("fan", "rout2")["state"] == "active"' true
start_recv fan2 "$DST2" d0 239.1.1.7 5007 -n 500 -x 15 -T 30 -q 3000
send_from "$SRC" -g 239.1.1.7 -p 5007 -I s0 -n 500 -r 2000 -t 16 -S 10000
expect_recv_ok fan2
note "rlate2 deleted: output pending, rout2 still served"
veth_pair "$RELAY" rlate2 10.8.0.1/24 "$DST3" d0 10.8.0.2/24
new_index=$(ifindex "$RELAY" rlate2)
[ "$new_index" != "$old_index" ] || fail "test bug: rlate2 got its old ifindex $old_index back"
wait_status 10 'output("fan", "rlate2")["state"]' active
note "rlate2 created again (ifindex $old_index -> $new_index): output active"
send_fan

# --- the steady rule was never disturbed
stop_stream steady
sent=$STREAM_SENT
expect_all steady "$sent"
status_json
v=$(status_eval 'worker("rin")["pid"]' 'worker("rin")["restarts"]' \
    'rule("steady")["packets_in"]') || fail "unexpected status: $v"
mapfile -t n <<<"$v"
[ "${n[0]}" = "$w_rin" ] || fail "worker[rin] is now ${n[0]}, was $w_rin"
[ "${n[1]}" = 0 ] || fail "worker[rin] restarts=${n[1]}"
[ "${n[2]}" = "$sent" ] || fail "rule steady: packets_in ${n[2]}, $sent were sent"
[ "$(log_count "$READY_RE")" = 1 ] ||
    fail "the ready line was logged $(log_count "$READY_RE") times, expected once"

stop_daemon
[ ${#LATER[@]} -eq 0 ] || fail "${#LATER[@]} problem(s), all else passed: $(printf '\n  %s' "${LATER[@]}")"
pass "rlate and rlate2 taken into use as they came, went and came back; steady lost none of $sent"
