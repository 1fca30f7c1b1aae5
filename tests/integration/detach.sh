#!/bin/bash
#
# detach.sh: `mcrelay supervisor` without -f.  The launching process exits
# 0 once the detached daemon is ready, leaving it running.  A daemon that
# is never ready (here its workers cannot be executed: strace makes their
# execve of /proc/self/exe fail) is stopped when --ready-timeout expires,
# and the launcher exits 75 (EX_TEMPFAIL) saying so, leaving no process
# and no pidfile behind.  A bad --ready-timeout is a usage error.
#
#   RELAY: rin <-> rp (a veth pair inside the namespace)

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
command -v strace >/dev/null || skip "needs strace, to make the workers fail"
RELAY=${PREFIX}relay
ns_add "$RELAY"
veth_pair "$RELAY" rin 10.1.0.2/24 "$RELAY" rp 10.1.0.1/24

{
	conf_global
	conf_rule a rin 239.1.1.1 5000 rp
} >"$TMP/detach.conf"

# launch [WRAPPER...] -- ARGS...: runs WRAPPER... mcrelay -c CONF supervisor
# ARGS in RELAY with a deadline; sets RC, OUT (stdout and stderr) and
# ELAPSED (whole seconds).
launch() {
	local wrap=() t0
	while [ "$1" != -- ]; do
		wrap+=("$1")
		shift
	done
	shift
	_now
	t0=$_NOW
	RC=0
	OUT=$(timeout 90 ip netns exec "$RELAY" "${wrap[@]}" "$MCRELAY" -c "$TMP/detach.conf" \
	    supervisor "$@" 2>&1 </dev/null) || RC=$?
	_now
	ELAPSED=$(((_NOW - t0) / 1000000))
}

# nothing_left: no process runs in RELAY.
nothing_left() {
	[ -z "$(ip netns pids "$RELAY" 2>/dev/null)" ]
}

# --- usage

launch -- -t abc
[ "$RC" -eq 64 ] || fail "--ready-timeout abc: exit status $RC, expected 64: $OUT"
launch -- --ready-timeout=-1
[ "$RC" -eq 64 ] || fail "--ready-timeout -1: exit status $RC, expected 64: $OUT"

# --- ready in time: the launcher returns 0, the daemon runs on

launch -- -p "$TMP/pid" -t 30
[ "$RC" -eq 0 ] || fail "the launcher exited $RC: $OUT"
daemon=$(cat "$TMP/pid")
pid_alive "$daemon" || fail "the daemon ($daemon) is not running after the launcher returned"
note "daemon $daemon ready after ${ELAPSED}s"
kill -TERM "$daemon"
wait_until 10 nothing_left || fail "the daemon did not stop on SIGTERM"
[ ! -e "$TMP/pid" ] || fail "the daemon left its pidfile behind"

# --- never ready: stopped after the timeout

launch strace -f -qq -o /dev/null -P /proc/self/exe -e trace=execve \
    -e inject=execve:error=EACCES -- -p "$TMP/pid" -t 2
note "never ready: status $RC after ${ELAPSED}s: $(grep -v '^strace:' <<<"$OUT")"
[ "$RC" -eq 75 ] || fail "the launcher exited $RC, expected 75 (EX_TEMPFAIL): $OUT"
grep -qE "was not ready within 2 s: stopping it" <<<"$OUT" ||
    fail "the launcher did not say why it failed: $OUT"
if [ "$ELAPSED" -lt 2 ] || [ "$ELAPSED" -ge 20 ]; then
	fail "the launcher gave up after ${ELAPSED}s, with a timeout of 2s"
fi
wait_until 10 nothing_left ||
    fail "processes left in the namespace: $(ip netns pids "$RELAY" | xargs)"
[ ! -e "$TMP/pid" ] || fail "the stopped daemon left its pidfile behind"

pass "ready launcher returns 0; an unready daemon is stopped after the timeout"
