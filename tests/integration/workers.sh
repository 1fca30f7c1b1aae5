#!/bin/bash
#
# workers.sh: an input with two workers ([input rin] workers = 2), each with
# its own ingress socket in one PACKET_FANOUT group.  Flows with different
# ports are spread over both workers; one flow arrives whole and in order;
# a rule's counters in status are the sum of the workers'; the workers are
# pinned by cpu-affinity.  Killing one worker leaves the other forwarding and
# the input's group memberships in place, and the killed one is restarted.
# A reload that adds a group to the input keeps both workers (new sockets in
# the same group), and one that sets workers = 1 stops the second.  Started
# with one worker, a reload to two spreads the flows over both.

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
require_python
topo_basic

# The first CPU this test may run on: the workers are pinned there.
CPU=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*\([0-9]*\).*/\1/p' /proc/self/status)
[ -n "$CPU" ] || CPU=0

write_conf() {	# WORKERS [EXTRA RULE...]
	{
		conf_global
		conf_rule a rin 239.1.1.1 - rout1
		shift
		for r in "$@"; do
			printf '%s\n' "$r"
		done
		printf '[input rin]\nworkers = %s\ncpu-affinity = %s\n' "$WORKERS" "$CPU"
	} >"$TMP/workers.conf"
}
WORKERS=2
write_conf 2
start_daemon "$TMP/workers.conf"
[ "$DAEMON_WORKERS" = 2 ] || fail "the ready line counts $DAEMON_WORKERS workers, expected 2"

# Python expressions on the status document.
RIN='[w for w in d["workers"] if w["input"] == "rin"]'
RX="[w[\"rx_packets\"] for w in $RIN]"
SUM_RX="sum(w[\"rx_packets\"] for w in $RIN)"

status_json
v=$(status_eval "[w[\"index\"] for w in $RIN]" "len(set(w[\"pid\"] for w in $RIN))") ||
    fail "unexpected status: $v"
mapfile -t n <<<"$v"
[ "${n[0]}" = "[0, 1]" ] || fail "workers of rin have the indexes ${n[0]}, expected [0, 1]"
[ "${n[1]}" = 2 ] || fail "the two workers of rin do not have two pids"
mapfile -t pids < <(status_eval "[w[\"pid\"] for w in $RIN]" | tr -d '[],' | tr ' ' '\n')
w0=${pids[0]} w1=${pids[1]}
note "worker[rin] $w0, worker[rin/1] $w1"
log_has "started worker\[rin\] \(pid $w0\)" || fail "no 'started worker[rin] (pid $w0)' in the log"
log_has "started worker\[rin/1\] \(pid $w1\)" || fail "no 'started worker[rin/1] (pid $w1)' in the log"
for p in "$w0" "$w1"; do
	a=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$p/status")
	[ "$a" = "$CPU" ] || fail "worker $p may run on CPUs $a, expected $CPU (cpu-affinity)"
done

# --- flows spread over both workers: new flows until each has some
both_busy() {
	[ "$(status_get "all(x > 0 for x in $RX)" 2>/dev/null)" = true ]
}
flows=0
until both_busy; do
	[ "$flows" -lt 32 ] || fail "32 flows, and a worker still received none: $(status_eval "$RX")"
	send_from "$SRC" -g 239.1.1.1 -p $((5000 + flows)) -P $((20000 + flows)) -I s0 \
	    -n 20 -r 2000 -t 16
	flows=$((flows + 1))
done
note "$flows flows spread over both workers: rx $(status_eval "$RX")"
# Every frame that reached a worker matched rule a: its count is their sum.
wait_status 10 "rule(\"a\")[\"packets_in\"] == $SUM_RX and \
output(\"a\", \"rout1\")[\"packets_out\"] == rule(\"a\")[\"packets_in\"]" true
note "rule a: packets_in $(status_eval 'rule("a")["packets_in"]') = the workers' rx"

# --- one flow: whole and in order
start_recv ord "$DST1" d0 239.1.1.1 6000 -n 3000 -x 15 -T 60 -q 3000
send_from "$SRC" -g 239.1.1.1 -p 6000 -P 30000 -I s0 -n 3000 -r 5000 -t 16
expect_recv_ok ord
expect_field ord dup 0
expect_field ord reordered 0

# --- one worker killed: the other forwards, the groups stay, it comes back
start_recv s "$DST1" d0 239.1.1.1 7000 -x 15 -T 100 -q 2000
start_stream s "$SRC" -g 239.1.1.1 -p 7000 -P 30001 -I s0 -r 2000 -t 16
start_recv t "$DST1" d0 239.1.1.1 7001 -x 15 -T 100 -q 2000
start_stream t "$SRC" -g 239.1.1.1 -p 7001 -P 30002 -I s0 -r 2000 -t 16
wait_status 10 "rule(\"a\")[\"packets_in\"] > $SUM_RX - 1 and \
all(w[\"rx_packets\"] > 0 for w in $RIN)" true
rx0=$(status_get "$RX[0]") || fail "no rx count for worker[rin]"
kill -KILL "$w1" || fail "cannot kill worker[rin/1] $w1"
wait_until 10 pid_gone "$w1" || fail "worker[rin/1] $w1 survived SIGKILL"
ip -n "$RELAY" maddr show dev rin | grep -Eq 'inet +239\.1\.1\.1( |$)' ||
    fail "the relay left 239.1.1.1 on rin when worker[rin/1] died"
wait_status 10 "$RIN[1][\"pid\"] not in (None, $w1) and $RIN[1][\"state\"] == \"running\" \
and $RIN[1][\"restarts\"] == 1 and $RIN[0][\"pid\"] == $w0 and $RIN[0][\"rx_packets\"] > $rx0" true
new1=$(status_eval "$RIN[1][\"pid\"]")
note "worker[rin/1] $w1 killed, replaced by $new1; worker[rin] $w0 kept forwarding"
log_has "worker\[rin/1\] killed by signal 9 \(Killed\); restart 1 in 100 ms" ||
    fail "no 'worker[rin/1] killed by signal 9 (Killed); restart 1 in 100 ms' in the log"
ip -n "$RELAY" maddr show dev rin | grep -Eq 'inet +239\.1\.1\.1( |$)' ||
    fail "the relay is not a member of 239.1.1.1 on rin after the restart"
for st in s t; do
	stop_stream "$st"
	sent=$STREAM_SENT
	expect_recv_ok "$st" 60
	u=$(recv_field "$st" unique)
	# Frames queued on the killed worker's socket may be lost; not more.
	[ "$u" -gt $((sent / 2)) ] || fail "stream $st: $u of $sent datagrams arrived"
	note "stream $st: $u of $sent arrived across the kill"
done
wait_status 10 "rule(\"a\")[\"packets_in\"] == $SUM_RX" true

# --- a reload that changes the input's groups: new sockets, same workers
write_conf 2 "$(conf_rule b rin 239.1.1.2 5000 rout2)"
ctl reload || fail "reload failed: $(ctl_output)"
wait_status 10 "rule(\"b\")[\"state\"] == \"active\" and \
[w[\"pid\"] for w in $RIN] == [$w0, $new1]" true
start_recv b "$DST2" d0 239.1.1.2 5000 -n 500 -x 15 -T 30 -q 3000
send_from "$SRC" -g 239.1.1.2 -p 5000 -I s0 -n 500 -r 2000 -t 16
expect_recv_ok b
start_recv a2 "$DST1" d0 239.1.1.1 6001 -n 500 -x 15 -T 30 -q 3000
send_from "$SRC" -g 239.1.1.1 -p 6001 -P 30003 -I s0 -n 500 -r 2000 -t 16
expect_recv_ok a2
note "after the reload: the new group and the old one forwarded, workers kept"

# --- workers = 1: the second worker stops, the first forwards on
WORKERS=1
write_conf 1 "$(conf_rule b rin 239.1.1.2 5000 rout2)"
ctl reload || fail "reload failed: $(ctl_output)"
wait_status 10 "[w[\"pid\"] for w in $RIN]" "[$w0]"
wait_until 5 log_has "stopping worker\[rin/1\]" || fail "no 'stopping worker[rin/1]' in the log"
start_recv a3 "$DST1" d0 239.1.1.1 6002 -n 500 -x 15 -T 30 -q 3000
send_from "$SRC" -g 239.1.1.1 -p 6002 -P 30004 -I s0 -n 500 -r 2000 -t 16
expect_recv_ok a3

stop_daemon

# --- from one worker to two: the first one's socket joins the new group
start_daemon "$TMP/workers.conf"
[ "$DAEMON_WORKERS" = 1 ] || fail "the ready line counts $DAEMON_WORKERS workers, expected 1"
WORKERS=2
write_conf 2
ctl reload || fail "reload failed: $(ctl_output)"
wait_status 10 "[w[\"state\"] for w in $RIN]" '["running", "running"]'
base=$(status_get "$RX") || fail "no rx counts"
busy_since() {
	[ "$(status_get "all(x > y for x, y in zip($RX, $base))" 2>/dev/null)" = true ]
}
n=0
until busy_since; do
	[ "$n" -lt 32 ] || fail "32 flows after going to 2 workers, and one received none: $(status_eval "$RX")"
	send_from "$SRC" -g 239.1.1.1 -p $((5000 + n)) -P $((21000 + n)) -I s0 -n 20 -r 2000 -t 16
	n=$((n + 1))
done
wait_status 10 "rule(\"a\")[\"packets_in\"] == $SUM_RX" true
note "after going from 1 worker to 2, $n flows spread over both: rx $(status_eval "$RX")"
stop_daemon
pass "2 workers on one input: $flows flows spread, order kept, a killed worker replaced"
