#!/bin/bash
#
# respawn.sh: a worker killed with SIGKILL while traffic flows is
# restarted: the log says why and when, status --json shows the new pid
# and restarts=1, and a stream sent once the new worker runs arrives
# whole.  The other worker keeps its pid and loses nothing.  Killed again
# right after each restart, the worker is restarted after a growing
# backoff (100, 200, 400, ... ms), is shown "restarting" while it waits;
# started again because its input went down and up, then killed, it is
# restarted after 100 ms; and it still forwards at the end.

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
require_python
topo_basic

# Rule a takes any port of 239.1.1.1, so that a stream flowing through
# the kill (port 5000) and one checked after it (port 5002) both use it.
# Rule b is on its own input, rout2 (DST2 sends), so it has its own worker.
{
	conf_global
	conf_rule a rin 239.1.1.1 - rout1
	conf_rule b rout2 239.3.3.3 5001 "rout1 239.4.4.4:6001"
} >"$TMP/respawn.conf"
start_daemon "$TMP/respawn.conf"

status_json
v=$(status_eval 'worker("rin")["pid"]' 'worker("rout2")["pid"]' \
    'worker("rin")["restarts"]' 'worker("rout2")["restarts"]') ||
    fail "unexpected status: $v"
mapfile -t n <<<"$v"
w_a=${n[0]} w_b=${n[1]}
[ "${n[2]}${n[3]}" = 00 ] || fail "restarts ${n[2]}, ${n[3]} before any death"
note "worker[rin] $w_a, worker[rout2] $w_b"

# replaced INPUT OLD_PID RESTARTS: waits until INPUT's worker runs with
# another pid than OLD_PID, restarted RESTARTS times; sets NEW to its pid.
replaced() {
	wait_status 10 "worker(\"$1\")[\"pid\"] not in (None, $2) and \
worker(\"$1\")[\"state\"] == \"running\" and worker(\"$1\")[\"restarts\"] == $3" true
	NEW=$(status_eval "worker(\"$1\")[\"pid\"]") || fail "no pid for worker[$1]"
}

# kill_worker PID: SIGKILL to a worker (not our child: no job report).
kill_worker() {
	kill -KILL "$1" || fail "cannot kill worker $1"
	wait_until 10 pid_gone "$1" || fail "worker $1 survived SIGKILL"
}

start_recv b "$DST1" d0 239.4.4.4 6001 -x 15 -T 100 -q 2000
start_stream b "$DST2" -g 239.3.3.3 -p 5001 -I d0 -r 2000 -t 16 -s 200
start_stream a1 "$SRC" -g 239.1.1.1 -p 5000 -I s0 -r 2000 -t 16
wait_status 10 'rule("a")["packets_in"] > 0 and rule("b")["packets_in"] > 0' true

# --- one death
kill_worker "$w_a"
replaced rin "$w_a" 1
new=$NEW
note "worker[rin] $w_a killed, replaced by $new"
is_child "$DAEMON_PID" "$new" ||
    fail "the new worker[rin] $new is not a child of the supervisor"
wait_until 5 log_has "worker\[rin\] killed by signal 9 \(Killed\); restart 1 in 100 ms" ||
    fail "no 'worker[rin] killed by signal 9 (Killed); restart 1 in 100 ms' in the log"
log_has "started worker\[rin\] \(pid $new\)" ||
    fail "no 'started worker[rin] (pid $new)' in the log"

start_recv a2 "$DST1" d0 239.1.1.1 5002 -n 2000 -x 15 -T 30 -q 3000
send_from "$SRC" -g 239.1.1.1 -p 5002 -I s0 -n 2000 -r 2000 -t 16
expect_recv_ok a2

stop_stream a1
stop_stream b
sent_b=$STREAM_SENT
expect_all b "$sent_b"
status_json
v=$(status_eval 'worker("rout2")["pid"]' 'worker("rout2")["restarts"]' \
    'worker("rin")["restarts"]') || fail "unexpected status: $v"
mapfile -t n <<<"$v"
[ "${n[0]}" = "$w_b" ] || fail "worker[rout2] is now ${n[0]}, was $w_b: it should not have changed"
[ "${n[1]}" = 0 ] || fail "worker[rout2] restarts=${n[1]}, expected 0"
[ "${n[2]}" = 1 ] || fail "worker[rin] restarts=${n[2]}, expected 1"
note "worker[rout2] kept pid $w_b and all $sent_b packets"

# --- deaths in a row: each replacement killed as soon as it runs
for r in 2 3 4 5; do
	old=$new
	kill_worker "$old"
	if [ "$r" = 5 ]; then
		# 1.6 s to wait: the status says so meanwhile.
		wait_status 1 'worker("rin")["state"]' restarting
		note "worker[rin] restarting"
	fi
	replaced rin "$old" "$r"
	new=$NEW
	note "worker[rin] $old killed, replaced by $new (restart $r)"
done

mapfile -t delays < <(sed -nE 's/.*worker\[rin\] .*; restart ([0-9]+) in ([0-9]+) ms.*/\1 \2/p' \
    "$TMP/daemon.log")
ms_list=
[ ${#delays[@]} -eq 5 ] ||
    fail "${#delays[@]} 'worker[rin] ...; restart N in M ms' lines in the log, expected 5"
prev=0
for ((i = 0; i < 5; i++)); do
	read -r nr ms <<<"${delays[i]}"
	[ "$nr" = $((i + 1)) ] || fail "restart numbers in the log (N M): ${delays[*]}"
	[ "$ms" -gt "$prev" ] || fail "restart delays do not grow (N M): ${delays[*]}"
	[ "$ms" = $((100 << i)) ] ||
	    note "restart $nr after $ms ms (100 ms doubling would give $((100 << i)))"
	prev=$ms
	ms_list+="${ms_list:+, }$ms"
done
note "restart delays: $ms_list ms"
[ "$(log_count 'started worker\[rin\]')" -ge 6 ] ||
    fail "$(log_count 'started worker\[rin\]') 'started worker[rin]' lines, expected 6"

# A worker started because its input came back is not in a crash loop:
# killed at once, it is restarted after 100 ms again, not 3,200.
old=$new
ip -n "$RELAY" link set rin down || fail "cannot take rin down"
wait_until 10 pid_gone "$old" || fail "worker[rin] $old still runs with rin down"
ip -n "$RELAY" link set rin up || fail "cannot bring rin up"
replaced rin "$old" 5
new=$NEW
kill_worker "$new"
replaced rin "$new" 6
new=$NEW
log_has "worker\[rin\] killed by signal 9 \(Killed\); restart 6 in 100 ms" ||
    fail "after rin came back, a kill: $(grep 'restart 6 in' "$TMP/daemon.log")"
note "worker[rin] started when rin came back, killed: restarted after 100 ms"

# The worker after all that forwards.
start_recv a3 "$DST1" d0 239.1.1.1 5002 -n 500 -x 15 -T 30 -q 3000
send_from "$SRC" -g 239.1.1.1 -p 5002 -I s0 -n 500 -r 2000 -t 16 -S 100000
expect_recv_ok a3

stop_daemon
pass "worker restarted after each of 5 kills, backoff $ms_list ms"
