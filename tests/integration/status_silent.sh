#!/bin/bash
#
# status_silent.sh: a worker that does not answer the supervisor's request
# for counters (STATS_REQ) costs one status request its second, not every
# one after it.
#   - test builds: SIGUSR1 makes the worker of rin leave STATS_REQ
#     unanswered while it forwards on.  The next status waits for it up to
#     its deadline (1 s); the two after it answer in under 0.5 s; all three
#     show it as not answering ("answering": false in JSON, "no answer" and
#     a note in the table), the other worker as answering; a stream
#     through it loses nothing meanwhile.
#   - the worker of rout2 is stopped (SIGSTOP): shown as not answering the
#     same way; once continued it answers the request it has, and status
#     shows it answering again (and waits for it again).
#
# Needs a build with --enable-test-hooks (tests/run-all.sh configures so);
# without it the test is skipped, or fails when CI is set.

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
require_python
require_feature test-hooks "configure --enable-test-hooks"

topo_basic
CFG=$TMP/silent.conf
{
	conf_global
	conf_rule a rin 239.1.1.1 5000 rout1
	conf_rule b rout2 239.3.3.3 5001 "rout1 239.4.4.4:6001"
} >"$CFG"
start_daemon "$CFG"
status_json
silent=$(status_eval 'worker("rin")["pid"]') || fail "no worker for rin: $(cat "$TMP/status.json")"
stopped=$(status_eval 'worker("rout2")["pid"]') || fail "no worker for rout2"
v=$(status_eval 'worker("rin")["answering"]' 'worker("rout2")["answering"]')
[ "$(echo $v)" = "true true" ] || fail "workers not answering before the test: $v"

# timed_status EXPR...: status --json, the time the client took in MS, and
# the values of EXPR on its document in V (one line).
timed_status() {
	local t0 rc=0
	_now
	t0=$_NOW
	ctl status --json || rc=$?
	_now
	MS=$(((_NOW - t0) / 1000))
	[ "$rc" -eq 0 ] || fail "status failed ($rc) after $MS ms: $(ctl_output)"
	must cp "$TMP/ctl.out" "$TMP/status.json"
	V=$(status_eval "$@") || fail "unexpected status: $V $(cat "$TMP/status.json")"
	V=$(echo $V)
}

# --- a worker that forwards but does not answer
start_recv out "$DST1" d0 239.1.1.1 5000 -T 100 -q 3000
start_stream a "$SRC" -g 239.1.1.1 -p 5000 -I s0 -r 1000 -t 16
wait_status 10 'rule("a")["packets_in"] > 0' true
kill -USR1 "$silent" || fail "cannot signal worker $silent"
for i in 1 2 3; do
	timed_status 'worker("rin")["answering"]' 'worker("rout2")["answering"]' \
	    'worker("rin")["counters_age_s"] is not None'
	note "status $i after SIGUSR1: $MS ms, answering: $V"
	[ "$V" = "false true true" ] ||
	    fail "status $i: rin answering, rout2 answering, rin has counters: $V, expected false true true"
	[ "$i" -eq 1 ] || [ "$MS" -lt 500 ] ||
	    fail "status $i took $MS ms: it waited again for the worker that does not answer"
done
rc=0
ctl status || rc=$?
[ "$rc" -eq 0 ] || fail "status (table) failed: $(ctl_output)"
grep -Eq "^rin +$silent +no answer " "$TMP/ctl.out" ||
    fail "the table does not show rin as 'no answer': $(cat "$TMP/ctl.out")"
ctl_said_fixed "worker rin (pid $silent) did not answer: its counters" ||
    fail "the table has no note about rin: $(cat "$TMP/ctl.out")"
log_has "worker\\[rin\\] \\(pid $silent\\) did not answer a status request within 1000 ms" ||
    fail "the log does not say that rin did not answer"
sleep 1
stop_stream a
expect_all out "$STREAM_SENT"
pid_alive "$silent" || fail "the silent worker was replaced"

# --- a stopped worker, continued: answering again
kill -STOP "$stopped" || fail "cannot stop worker $stopped"
timed_status 'worker("rout2")["answering"]'
note "status with rout2 stopped: $MS ms, rout2 answering: $V"
[ "$V" = false ] || fail "the stopped worker is shown as answering"
timed_status 'worker("rout2")["answering"]'
[ "$V" = false ] && [ "$MS" -lt 500 ] ||
    fail "status again with rout2 stopped: $MS ms, answering $V"
kill -CONT "$stopped"
wait_until 5 log_has "worker\\[rout2\\] \\(pid $stopped\\) answers status requests again" ||
    fail "the continued worker did not answer its request"
wait_status 5 'worker("rout2")["answering"]' true
note "rout2 answers again once continued"

stop_daemon
pass "a silent worker: one status waits for it, the next ones do not; shown as not answering; forwarding goes on"
