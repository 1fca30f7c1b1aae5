#!/bin/bash
#
# reload_hitless.sh: 20 reloads, alternately `mcrelay reload` and SIGHUP,
# each changing only rule c, while rules a and b forward a steady stream
# each.  Every reload must be applied; a and b lose and duplicate nothing;
# their packets_in (from status --json after each reload) never goes
# back and ends equal to what was sent; rule c ends with the output port
# the last reload gave it; the ready line is logged once, and each worker
# maps its receive ring once (every reload re-sends the same socket).

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
require_python
topo_basic

RELOADS=20
RATE=2000
CFG=$TMP/hitless.conf

# write_conf C_PORT: the configuration, rule c's output port changed.
write_conf() {
	{
		conf_global
		conf_rule a rin 239.1.1.1 5000 rout1
		conf_rule b rin 239.1.1.2 5001 rout2
		conf_rule c rin 239.1.1.3 5002 "rout1 239.3.3.3:$1"
	} >"$CFG.new"
	mv -f "$CFG.new" "$CFG"
}

write_conf 7000
start_daemon "$CFG"
status_json
gen0=$(status_eval 'd["generation"]') || fail "no generation in the status"
wpid=$(status_eval 'worker("rin")["pid"]') || fail "no worker for rin in the status"
note "generation $gen0, worker[rin] $wpid"

start_recv a "$DST1" d0 239.1.1.1 5000 -x 15 -T 100 -q 2000
start_recv b "$DST2" d0 239.1.1.2 5001 -x 15 -T 100 -q 2000
start_stream a "$SRC" -g 239.1.1.1 -p 5000 -I s0 -r "$RATE" -t 16 -s 200
start_stream b "$SRC" -g 239.1.1.2 -p 5001 -I s0 -r "$RATE" -t 16 -s 300
# Rule c's traffic is not checked (its packets may be lost at a change),
# but it flows so that its rewrite is being used while it changes.
start_stream c "$SRC" -g 239.1.1.3 -p 5002 -I s0 -r 500 -t 16

# in_grew A B: rules a and b both counted more than A and B packets.
# shellcheck disable=SC2317  # called through wait_until
in_grew() {
	local v n
	v=$(status_get 'rule("a")["packets_in"]' 'rule("b")["packets_in"]' 2>/dev/null) ||
	    return 1
	mapfile -t n <<<"$v"
	[ "${n[0]}" -gt "$1" ] && [ "${n[1]}" -gt "$2" ]
}

wait_until 10 in_grew 0 0 || fail "rules a and b do not count the streams: $(ctl_output)"

prev_a=0 prev_b=0
for ((i = 1; i <= RELOADS; i++)); do
	port=$((7000 + i % 2))
	gen=$((gen0 + i))
	write_conf "$port"
	if ((i % 2)); then
		how="mcrelay reload"
		rc=0
		ctl reload || rc=$?
		[ "$rc" -eq 0 ] || fail "reload $i: the client exited $rc: $(ctl_output)"
		ctl_said 'reload applied' ||
		    fail "reload $i: the client did not say 'reload applied': $(ctl_output)"
	else
		how="SIGHUP"
		kill -HUP "$DAEMON_PID" || fail "cannot signal the daemon"
	fi
	# Both ways, the new generation must show in the status.
	wait_status 10 'd["generation"]' "$gen"
	wait_until 10 log_has 'reload applied' "$i" ||
	    fail "reload $i ($how): $(log_count 'reload applied') 'reload applied' lines in the log"
	v=$(status_eval 'output("c", "rout1")["port"]' 'rule("a")["packets_in"]' \
	    'rule("b")["packets_in"]' 'worker("rin")["pid"]') ||
	    fail "reload $i: unexpected status: $v"
	mapfile -t n <<<"$v"
	[ "${n[0]}" = "$port" ] ||
	    fail "reload $i ($how): rule c's output port is ${n[0]}, expected $port"
	[ "${n[1]}" -ge "$prev_a" ] ||
	    fail "reload $i ($how): rule a's packets_in went from $prev_a to ${n[1]}"
	[ "${n[2]}" -ge "$prev_b" ] ||
	    fail "reload $i ($how): rule b's packets_in went from $prev_b to ${n[2]}"
	[ "${n[3]}" = "$wpid" ] || fail "reload $i ($how): worker[rin] is now ${n[3]}, was $wpid"
	prev_a=${n[1]} prev_b=${n[2]}
	# Let the streams run between reloads: the counters must move on.
	wait_until 10 in_grew "$prev_a" "$prev_b" ||
	    fail "reload $i ($how): rules a and b stopped counting at $prev_a, $prev_b"
	note "reload $i ($how) applied: generation $gen, c -> :$port, a $prev_a, b $prev_b"
done

stop_stream a
sent_a=$STREAM_SENT
stop_stream b
sent_b=$STREAM_SENT
stop_stream c
expect_all a "$sent_a"
expect_all b "$sent_b"

# Every packet has arrived, so the relay has counted every one.
status_json
v=$(status_eval 'rule("a")["packets_in"]' 'rule("b")["packets_in"]' \
    'output("a", "rout1")["packets_out"]' 'output("b", "rout2")["packets_out"]') ||
    fail "unexpected status: $v"
mapfile -t n <<<"$v"
[ "${n[0]}" = "$sent_a" ] || fail "rule a: packets_in ${n[0]} at the end, $sent_a were sent"
[ "${n[1]}" = "$sent_b" ] || fail "rule b: packets_in ${n[1]} at the end, $sent_b were sent"
[ "${n[2]}" = "$sent_a" ] || fail "rule a: packets_out ${n[2]} at the end, $sent_a were sent"
[ "${n[3]}" = "$sent_b" ] || fail "rule b: packets_out ${n[3]} at the end, $sent_b were sent"
[ "$(log_count "$READY_RE")" = 1 ] ||
    fail "the ready line was logged $(log_count "$READY_RE") times, expected once"
[ "$(log_count 'reload failed|applied with errors')" = 0 ] ||
    fail "a reload failed or was applied with errors"
# The same socket came with every reload: each worker mapped its ring once.
[ "$(log_count 'receive ring: ')" = "$DAEMON_WORKERS" ] ||
    fail "receive rings mapped $(log_count 'receive ring: ') times by $DAEMON_WORKERS workers"

stop_daemon
pass "$RELOADS reloads, rules a and b lost nothing ($sent_a and $sent_b packets)"
