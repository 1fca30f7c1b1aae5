#!/bin/bash
#
# shutdown.sh: SIGTERM to the supervisor, while traffic flows, ends the
# supervisor and every worker promptly with status 0; workers whose
# supervisor is killed outright exit on their own; and the test's cleanup
# leaves no namespace behind.

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
topo_basic

# Two inputs, so two workers.  Rule b's traffic goes out of rout1, which
# is nobody's input, so the rules cannot feed each other.
{
	conf_global
	conf_rule a rin 239.1.1.1 5000 rout1
	conf_rule b rout2 239.3.3.3 5001 "rout1 239.4.4.4:6001"
} >"$TMP/shutdown.conf"

# workers_up N: the supervisor has N workers.
# shellcheck disable=SC2317  # called through wait_until
workers_up() {
	local w
	mapfile -t w < <(daemon_workers)
	[ ${#w[@]} -eq "$1" ]
}

# --- SIGTERM under load

start_daemon "$TMP/shutdown.conf"
[ "${DAEMON_WORKERS:-}" = 2 ] ||
    fail "the ready line counts ${DAEMON_WORKERS:-no} workers, expected 2"
wait_until 10 workers_up 2 ||
    fail "the supervisor should have 2 workers, has: $(daemon_workers | xargs)"
mapfile -t workers < <(daemon_workers)
note "supervisor $DAEMON_PID, workers ${workers[*]}"

[ -s "$TMP/pid" ] || fail "no pidfile $TMP/pid"
read -r pidfile_pid <"$TMP/pid"
[ "$pidfile_pid" = "$DAEMON_PID" ] ||
    fail "the pidfile says $pidfile_pid, the supervisor is $DAEMON_PID"

# Traffic that outlasts the test (cleanup stops it), and proof it flows.
bg_ns "$SRC" "$MCSEND" -g 239.1.1.1 -p 5000 -I s0 -n 100000000 -r 20000
sender=$BG_PID
start_recv flow "$DST1" d0 239.1.1.1 5000 -n 1000 -T 30
expect_recv_ok flow

supervisor=$DAEMON_PID
stop_daemon
wait_until 10 all_gone "${workers[@]}" ||
    fail "workers still running 10s after the supervisor exited"
note "supervisor and workers gone"
pid_alive "$sender" || fail "the sender died; it should run until cleanup"

# --- workers outlive no supervisor

start_daemon "$TMP/shutdown.conf"
wait_until 10 workers_up 2 || fail "the restarted supervisor should have 2 workers"
mapfile -t workers < <(daemon_workers)
# (The braces keep bash's "Killed" job report out of the log.)
{
	kill -KILL "$DAEMON_PID"
	wait "$DAEMON_PID"
} 2>/dev/null
forget_pid "$DAEMON_PID"
DAEMON_PID=
wait_until 10 all_gone "${workers[@]}" ||
    fail "workers ${workers[*]} still running 10s after their supervisor was killed"
note "workers exit when their supervisor is killed"

# --- cleanup removes everything

cleanup
pid_alive "$sender" && fail "cleanup left the sender ($sender) running"
pid_alive "$supervisor" && fail "cleanup left the supervisor ($supervisor) running"
left=$(ip netns list | awk '{print $1}' | grep "^$PREFIX")
[ -z "$left" ] || fail "cleanup left namespaces: $left"
[ ! -e "$TMP" ] || [ -n "${KEEP_TMP:-}" ] || fail "cleanup left $TMP"
note "cleanup left no process, namespace or file"

pass "clean shutdown"
