#!/bin/bash
#
# counters.sh: an output's counters are its history.  A stream runs
# through a rule with two outputs while one output's link goes down
# (sends fail with ENETDOWN until the supervisor makes the output
# pending) and comes back.  The send errors are counted on that output,
# equal to what the worker counted, and its packets and errors never
# restart from 0; the other output receives everything throughout.

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
require_python

topo_basic
{
	conf_global
	conf_rule c rin 239.1.1.1 5000 "rout1 239.2.2.2:6000" "rout2 239.3.3.3:6000"
} >"$TMP/counters.conf"
start_daemon "$TMP/counters.conf"

start_recv other "$DST2" d0 239.3.3.3 6000 -T 100 -q 3000
start_stream s "$SRC" -g 239.1.1.1 -p 5000 -I s0 -r 2000 -t 16
wait_status 10 'output("c", "rout1")["packets_out"] > 500' true

rule_in() { status_get 'rule("c")["packets_in"]'; }
# more_traffic N: waits until the rule has received N more datagrams.
more_traffic() {
	local from
	from=$(rule_in) || fail "status failed: $(ctl_output)"
	wait_status 10 'rule("c")["packets_in"] >= '$((from + $1)) true
}

status_json
up_pkts=$(status_eval 'output("c", "rout1")["packets_out"]')
must ip -n "$RELAY" link set rout1 down
wait_status 10 'output("c", "rout1")["state"]' pending
more_traffic 1000
status_json
errs=$(status_eval 'output("c", "rout1")["send_errors"]')
wsum=$(status_eval 'worker("rin")["drops"]["send_errors"]')
down_pkts=$(status_eval 'output("c", "rout1")["packets_out"]')
note "rout1 down: $errs send errors on it, $wsum in the worker; $down_pkts packets (had $up_pkts)"
[ "$errs" -gt 0 ] || fail "no send error counted on rout1 while it was down: $(cat "$TMP/status.json")"
[ "$errs" = "$wsum" ] ||
    fail "rout1 shows $errs send errors, the worker counted $wsum: $(cat "$TMP/status.json")"
[ "$down_pkts" -ge "$up_pkts" ] || fail "rout1's packets went from $up_pkts to $down_pkts"

must ip -n "$RELAY" link set rout1 up
wait_status 10 'output("c", "rout1")["state"]' active
wait_status 10 'output("c", "rout1")["packets_out"] > '$((down_pkts + 500)) true
status_json
[ "$(status_eval 'output("c", "rout1")["send_errors"]')" = "$errs" ] ||
    fail "rout1's send errors changed from $errs once it was back: $(cat "$TMP/status.json")"
[ "$(status_eval 'worker("rin")["drops"]["send_errors"]')" = "$errs" ] ||
    fail "the worker's send errors changed from $errs: $(cat "$TMP/status.json")"

stop_stream s
sent=$STREAM_SENT
expect_all other "$sent"
wait_status 10 'output("c", "rout2")["packets_out"]' "$sent"
wait_status 10 'output("c", "rout1")["packets_out"] + output("c", "rout1")["send_errors"] <= '"$sent" true

stop_daemon
pass "$errs send errors on rout1 as in the worker; its counters went on from $up_pkts through down and up"
