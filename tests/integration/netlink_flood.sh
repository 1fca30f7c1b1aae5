#!/bin/bash
#
# netlink_flood.sh: interface events that never stop, and events that do
# not come from the kernel.  An unrelated veth pair in the relay's
# namespace flaps without pause (several link events every few
# milliseconds, for the whole test) while the input of a pending rule
# appears: its worker must still start, and forward, within a deadline
# (a sync postponed at every event would never come).  Then a process in
# the namespace sends an RTM_NEWLINK to the supervisor's rtnetlink socket
# directly: the supervisor ignores it and says so in its log.
#
# Test builds only: events lost make a full sync.  The daemon is started
# again with a tiny rtnetlink receive buffer during the flood (it overruns:
# ENOBUFS), then, the flood over, reading each message into 64 bytes
# (every message is truncated: MSG_TRUNC); each time the input that
# appears is taken into use all the same, and the log says events were
# lost.
#
#   SRC --s0/rlate-- RELAY --rout1/d0-- DST1   (rlate created during the flood)
#                    RELAY: flap0 <-> flap1    (flapping)

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
require_python
SRC=${PREFIX}src
RELAY=${PREFIX}relay
DST1=${PREFIX}dst1
ns_add "$SRC"
ns_add "$RELAY"
ns_add "$DST1"
veth_pair "$RELAY" rout1 10.2.0.1/24 "$DST1" d0 10.2.0.2/24
must ip -n "$RELAY" link add flap0 type veth peer name flap1
must ip -n "$RELAY" link set flap1 up

{
	conf_global
	conf_rule late rlate 239.1.1.5 5005 rout1
} >"$TMP/flood.conf"

start_daemon "$TMP/flood.conf"
[ "${DAEMON_WORKERS:-}" = 0 ] || fail "expected 0 workers before rlate exists"

# --- the flood: flap0 down and up every 2 ms, from one ip process fed by
# one python process (no fork per event, so no gap of 50 ms but by chance)

bg_ns "$RELAY" bash -c "
	$PYTHON -u -c '
import sys, time
while True:
    sys.stdout.write(\"link set flap0 down\nlink set flap0 up\n\")
    sys.stdout.flush()
    time.sleep(0.002)
' | ip -batch -"
flapper=$BG_PID

# flap_events N: at least N link events about flap0 reach the namespace
# within 2 s (the flood really runs).
flap_events() {
	local n
	n=$(timeout 2 ip -n "$RELAY" monitor link 2>/dev/null | grep -c flap0)
	note "link events about flap0 in 2 s: $n"
	[ "$n" -ge "$1" ]
}
flap_events 200 || fail "the flapping produces too few link events"
pid_alive "$flapper" || fail "the flapper died: $(cat "$BG_LOG")"

# --- an input appears during the flood

before=$(log_count "input rlate is up")
must ip link add s0 netns "$SRC" type veth peer name rlate netns "$RELAY"
must ip -n "$SRC" addr add 10.9.0.1/24 dev s0
must ip -n "$SRC" link set s0 up
must ip -n "$SRC" route add 224.0.0.0/4 dev s0
must ip -n "$RELAY" link set rlate up
_now
t0=$_NOW
wait_until 5 log_has "input rlate is up" $((before + 1)) ||
    fail "no worker for rlate 5 s after it came up, with link events flowing"
_now
note "rlate taken into use after $(((_NOW - t0) / 1000)) ms of flood"
# shellcheck disable=SC2317  # called through wait_until
one_worker() {
	[ "$(daemon_workers | wc -l)" -eq 1 ]
}
wait_until 5 one_worker || fail "the supervisor has no worker for rlate"

start_recv late "$DST1" d0 239.1.1.5 5005 -n 500 -x 15 -T 30 -q 3000
send_from "$SRC" -g 239.1.1.5 -p 5005 -I s0 -n 500 -r 2000 -t 16
expect_recv_ok late
pid_alive "$flapper" || fail "the flapper died during the test: $(cat "$BG_LOG")"

# --- a message that does not come from the kernel

# The supervisor's rtnetlink socket: its inode among the daemon's
# descriptors, its port ID in /proc/net/netlink (protocol 0, NETLINK_ROUTE).
port=$(ip netns exec "$RELAY" "$PYTHON" - "$DAEMON_PID" <<'EOF'
import os, sys
pid = sys.argv[1]
inodes = set()
for fd in os.listdir("/proc/%s/fd" % pid):
    try:
        t = os.readlink("/proc/%s/fd/%s" % (pid, fd))
    except OSError:
        continue
    if t.startswith("socket:["):
        inodes.add(t[8:-1])
with open("/proc/net/netlink") as f:
    next(f)
    for line in f:
        c = line.split()
        if c[1] == "0" and c[9] in inodes:
            print(c[2])
EOF
)
[[ $port =~ ^[0-9]+$ ]] || fail "cannot find the supervisor's rtnetlink port ID (got '$port')"
note "the supervisor's rtnetlink port ID is $port"
must ip netns exec "$RELAY" "$PYTHON" - "$port" <<'EOF'
import socket, struct, sys
RTM_NEWLINK = 16
ifinfo = struct.pack("=BxHiII", socket.AF_UNSPEC, 0, 1, 0, 0)
msg = struct.pack("=IHHII", 16 + len(ifinfo), RTM_NEWLINK, 0, 1, 0) + ifinfo
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
s.bind((0, 0))
s.sendto(msg, (int(sys.argv[1]), 0))
EOF
wait_until 5 log_has "ignoring rtnetlink messages that did not come from the kernel" ||
    fail "the supervisor did not report the message sent from user space"
note "$(grep -m1 'ignoring rtnetlink' "$TMP/daemon.log")"

# --- test builds: lost events (overrun, truncated) make a full sync

if ! has_feature test-hooks; then
	stop_daemon
	pass "a worker starts during a link flood; rtnetlink messages from user space ignored (no test hooks: lost events not tried)"
fi

# lost_then_up NAME=VALUE WHY: restarts the daemon with the test hook NAME
# in its environment, makes rlate appear, and expects its worker and the
# log line about WHY.
lost_then_up() {
	local hook=$1 why=$2 t0 ms
	stop_daemon
	ip -n "$RELAY" link del rlate 2>/dev/null
	export "${hook?}"
	start_daemon "$TMP/flood.conf"
	export -n "${hook%%=*}"
	unset "${hook%%=*}"
	[ "${DAEMON_WORKERS:-}" = 0 ] || fail "$hook: expected 0 workers before rlate exists"
	log_has "test hook: rtnetlink messages read into" || fail "$hook: the hook is not in force"
	must ip link add s0 netns "$SRC" type veth peer name rlate netns "$RELAY"
	must ip -n "$SRC" addr add 10.9.0.1/24 dev s0
	must ip -n "$SRC" link set s0 up
	must ip -n "$SRC" route add 224.0.0.0/4 dev s0
	must ip -n "$RELAY" link set rlate up
	_now
	t0=$_NOW
	wait_until 5 log_has "input rlate is up" ||
	    fail "$hook: no worker for rlate 5 s after it came up"
	_now
	ms=$(((_NOW - t0) / 1000))
	wait_until 5 log_has "interface events were lost \\($why\\): checking every interface" ||
	    fail "$hook: the log does not say that events were lost ($why)"
	note "$hook: rlate taken into use after $ms ms; $(grep -m1 'events were lost' "$TMP/daemon.log")"
	wait_until 5 one_worker || fail "$hook: the supervisor has no worker for rlate"
}

lost_then_up MCRELAY_TEST_NETLINK_RCVBUF=1 "the receive buffer overran"
pid_alive "$flapper" || fail "the flapper died: $(cat "$BG_LOG")"
# The flood ends with its interface (ip -batch stops at the first error).
must ip -n "$RELAY" link del flap0
lost_then_up MCRELAY_TEST_NETLINK_READ=64 "a message was truncated"
start_recv late2 "$DST1" d0 239.1.1.5 5005 -n 200 -x 15 -T 30 -q 3000
send_from "$SRC" -g 239.1.1.5 -p 5005 -I s0 -n 200 -r 2000 -t 16
expect_recv_ok late2

stop_daemon
pass "a worker starts during a link flood; rtnetlink messages from user space ignored; lost events (overrun, truncated) make a full sync"
