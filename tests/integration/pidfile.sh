#!/bin/bash
#
# pidfile.sh: `mcrelay supervisor -p FILE`.  A symbolic link or a file
# with a second (hard) link is refused with status 73 and left as it was;
# a pidfile locked by a running daemon is refused with status 69, even for
# a daemon with another control socket, and keeps its content; a stale
# pidfile (a process that is gone) is taken over and holds the detached
# daemon's process ID, not the launcher's; the workers do not hold it; at
# exit the daemon removes its pidfile, but not a file that replaced it.
#
#   RELAY: rin <-> rp (a veth pair inside the namespace)

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
RELAY=${PREFIX}relay
ns_add "$RELAY"
veth_pair "$RELAY" rin 10.1.0.2/24 "$RELAY" rp 10.1.0.1/24

{
	conf_global
	conf_rule a rin 239.1.1.1 5000 rp
} >"$TMP/pid.conf"
# The same rule with another control socket: only the pidfile can stop it.
{
	CTL_SOCK=$TMP/ctl2.sock conf_global
	conf_rule a rin 239.1.1.1 5000 rp
} >"$TMP/pid2.conf"

# supervisor CONF ARGS...: the supervisor (detaching unless -f is given)
# in RELAY, with a deadline; sets RC and OUT (stdout and stderr).
supervisor() {
	local conf=$1
	shift
	RC=0
	OUT=$(timeout 20 ip netns exec "$RELAY" "$MCRELAY" -c "$conf" supervisor "$@" \
	    2>&1 </dev/null) || RC=$?
}

# expect_refused RC ERE WHAT: the last supervisor exited RC saying ERE.
expect_refused() {
	[ "$RC" -eq "$1" ] || fail "$3: exit status $RC, expected $1: $OUT"
	grep -qE -- "$2" <<<"$OUT" || fail "$3: no message /$2/ in: $OUT"
	note "$3: refused ($RC): $(tail -n 1 <<<"$OUT")"
}

# --- a symbolic link is not followed, in the foreground or not

echo precious >"$TMP/target"
ln -s "$TMP/target" "$TMP/link"
supervisor "$TMP/pid.conf" -f -p "$TMP/link"
expect_refused 73 "pidfile .*link is a symbolic link" "symlink, foreground"
supervisor "$TMP/pid.conf" -p "$TMP/link"
expect_refused 73 "pidfile .*link is a symbolic link" "symlink, detaching"
[ "$(cat "$TMP/target")" = precious ] || fail "the symlink's target was changed"
[ -L "$TMP/link" ] || fail "the symlink was removed"

# --- nor a file with a second name

ln "$TMP/target" "$TMP/hardlink"
supervisor "$TMP/pid.conf" -p "$TMP/hardlink"
expect_refused 73 "hard links" "hard link"
[ "$(cat "$TMP/target")" = precious ] || fail "the hard link's file was changed"

# --- a running daemon's pidfile is refused, and it keeps it

start_daemon "$TMP/pid.conf"
wait_file "$TMP/pid" || fail "no pidfile $TMP/pid after the ready line"
read -r held <"$TMP/pid"
[ "$held" = "$DAEMON_PID" ] || fail "the pidfile says $held, the daemon is $DAEMON_PID"
supervisor "$TMP/pid2.conf" -p "$TMP/pid"
expect_refused 69 "locked by a running process \\(pid $DAEMON_PID\\)" "live pidfile"
supervisor "$TMP/pid2.conf" -f -p "$TMP/pid"
expect_refused 69 "locked by a running process" "live pidfile, foreground"
[ "$(cat "$TMP/pid")" = "$DAEMON_PID" ] ||
    fail "a refused daemon changed the pidfile to: $(cat "$TMP/pid")"
pid_alive "$DAEMON_PID" || fail "the first daemon died"
[ ! -e "$TMP/ctl2.sock" ] || fail "a refused daemon created its control socket"
stop_daemon
[ ! -e "$TMP/pid" ] || fail "the daemon left its pidfile behind"
note "a stopped daemon removes its pidfile"

# --- a stale pidfile is taken over by a detached daemon

# A process ID that is gone, padded so that a file not truncated shows it.
sh -c 'exit 0' &
stale=$!
wait "$stale"
printf '%s\n\n\n%s\n' "$stale" "0123456789012345678901234567890" >"$TMP/pid"
supervisor "$TMP/pid.conf" -p "$TMP/pid"
[ "$RC" -eq 0 ] || fail "with a stale pidfile: exit status $RC: $OUT"
daemon=$(cat "$TMP/pid")
[[ $daemon =~ ^[0-9]+$ ]] || fail "the pidfile holds '$daemon', not one process ID"
note "stale pidfile ($stale) taken over by daemon $daemon"
pid_alive "$daemon" || fail "the pidfile names $daemon, which does not run"
[ "$(ip netns identify "$daemon")" = "$RELAY" ] || fail "process $daemon is not our daemon"
[ "$(readlink "/proc/$daemon/exe")" = "$(readlink -f "$MCRELAY")" ] ||
    fail "process $daemon is not mcrelay"

# Its lock holds: another daemon is refused.
supervisor "$TMP/pid2.conf" -p "$TMP/pid"
expect_refused 69 "locked by a running process \\(pid $daemon\\)" "detached daemon's pidfile"

# The daemon holds the pidfile open; its workers do not.
# shellcheck disable=SC2317  # called through wait_until
has_worker() {
	[ -n "$(children_of "$daemon")" ]
}
wait_until 10 has_worker || fail "daemon $daemon started no worker"
holds_pidfile() {
	local f
	for f in "/proc/$1/fd/"*; do
		[ "$(readlink "$f" 2>/dev/null)" = "$TMP/pid" ] && return 0
	done
	return 1
}
holds_pidfile "$daemon" || fail "daemon $daemon does not hold its pidfile open"
for w in $(children_of "$daemon"); do
	holds_pidfile "$w" && fail "worker $w inherited the pidfile"
done

# --- at exit, a file that replaced the pidfile is left alone

mv "$TMP/pid" "$TMP/pid.moved"
echo "not mcrelay's" >"$TMP/pid"
kill -TERM "$daemon"
wait_until 10 pid_gone "$daemon" || fail "daemon $daemon did not stop on SIGTERM"
[ "$(cat "$TMP/pid" 2>/dev/null)" = "not mcrelay's" ] ||
    fail "the daemon removed or changed a pidfile that was not its own"
[ -e "$TMP/pid.moved" ] || fail "the daemon removed its renamed pidfile by another name"
note "a replaced pidfile is left alone at exit"

pass "symlink, hard link and live pidfile refused; stale taken over; own removed"
