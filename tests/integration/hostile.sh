#!/bin/bash
#
# hostile.sh: a worker taken over by a hostile packet gains nothing.  The
# test-hooks build makes a sandboxed worker (uid nobody, seccomp, an empty
# root, Landlock) do what such a worker would try, each in turn
# (src/worker/test_hooks.h): a 512 MiB receive ring on the egress socket
# it shares the kernel's memory with, a frame sent by sendto, sendmsg or
# sendmmsg to the loopback interface (an IPv6 datagram to [::1]:9999, which
# a local service bound to ::1 would take for its own host's) and to an
# interface the configuration never names, a udp output's datagram sent
# elsewhere (127.0.0.1:9999), write(2) on its own egress socket, a stat of
# /etc/shadow, an open of /etc/passwd and a new packet socket.  Each time
# the worker is killed by its filter (the supervisor logs "killed by
# signal 31" and starts a new one), nothing reaches the listeners on
# [::1]:9999 and 127.0.0.1:9999 in the relay's namespace nor the far end of
# the unnamed interface, the host's free memory does not drop by the ring,
# and the relay forwards afterwards.
#
#   SRC --s0/rin-- RELAY --rout1/d0-- DST1
#                        --mgmt/m0--  MGMT (not in the configuration)

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
require_python

require_feature seccomp "configure found no libseccomp: apt-get install libseccomp-dev"
require_feature test-hooks "configure --enable-test-hooks"

topo_basic
MGMT=${PREFIX}mgmt
ns_add "$MGMT"
veth_pair "$RELAY" mgmt 192.168.77.1/24 "$MGMT" m0 192.168.77.2/24
# The relay's loopback, with ::1 (ns_add switches IPv6 off).
must ip netns exec "$RELAY" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
    net.ipv6.conf.lo.disable_ipv6=0
must ip -n "$RELAY" link set lo up
ip -n "$RELAY" -6 addr show dev lo | grep -q '::1/128' ||
    must ip -n "$RELAY" addr add ::1/128 dev lo

{
	conf_global
	conf_rule a rin 239.1.1.1 5000 rout1 "udp 10.2.0.2:7000"
} >"$TMP/hostile.conf"

# listen NAME NS MODE...: counts what arrives until SIGTERM, then prints it.
# MODE udp4/udp6 ADDR PORT: datagrams on a socket bound there; packet IF:
# frames of UDP port 9999 (IPv4 or IPv6) seen on IF.
listen() {
	local name=$1 ns=$2
	shift 2
	bg_ns "$ns" /usr/bin/python3 -c '
import select, signal, socket, struct, sys
socks, kinds = [], {}
args = sys.argv[1:]
if args[0] in ("udp4", "udp6"):
    s = socket.socket(socket.AF_INET if args[0] == "udp4" else socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind((args[1], int(args[2])))
else:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((args[1], 0))
n = 0
stop = False
def on_term(sig, frame):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)
open(args[-1], "w").write("ready\n")
while not stop:
    r, _, _ = select.select([s], [], [], 0.1)
    if not r:
        continue
    d = s.recv(65536)
    if args[0] != "packet":
        n += 1
        continue
    t = struct.unpack("!H", d[12:14])[0]
    if t == 0x0800 and len(d) >= 38 and d[23] == 17 and struct.unpack("!H", d[36:38])[0] == 9999:
        n += 1
    elif t == 0x86dd and len(d) >= 58 and d[20] == 17 and struct.unpack("!H", d[56:58])[0] == 9999:
        n += 1
print(n)
' "$@" "$TMP/$name.ready"
	LISTENER[$name]=$BG_PID
	LISTENER_LOG[$name]=$BG_LOG
	wait_until 10 test -s "$TMP/$name.ready" || fail "listener $name not ready: $(cat "$BG_LOG")"
}
declare -A LISTENER=() LISTENER_LOG=()
listen lo6 "$RELAY" udp6 ::1 9999
listen lo4 "$RELAY" udp4 127.0.0.1 9999
listen unnamed "$MGMT" packet m0

mem_available_kb() {
	awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo
}

# attack VALUE WHAT: the worker of rin does what VALUE says and is killed by
# its filter, then replaced.  A daemon is started for every four attacks,
# so that the restarts' back-off stays short.
RESTARTS=0 ATTACKS=0
attack() {
	local value=$1 what=$2 w
	if [ $((ATTACKS % 4)) = 0 ]; then
		[ -z "$DAEMON_PID" ] || stop_daemon
		cat "$TMP/daemon.log" >>"$TMP/daemons.log" 2>/dev/null
		rm -f "$TMP/daemon.log"
		DAEMON_LOG_PIPE=1 start_daemon "$TMP/hostile.conf"
		RESTARTS=0
	fi
	ATTACKS=$((ATTACKS + 1))
	w=$(status_get 'worker("rin")["pid"]') || fail "no worker for rin"
	/bin/kill -s USR2 -q "$value" "$w" || fail "cannot signal worker $w"
	wait_until 10 pid_gone "$w" || fail "worker $w survived: $what"
	RESTARTS=$((RESTARTS + 1))
	wait_until 5 log_has "worker\[rin\] killed by signal 31 \(Bad system call\); restart $RESTARTS in [0-9]+ ms" ||
	    fail "$what: no 'worker[rin] killed by signal 31 (Bad system call); restart $RESTARTS' in the log"
	wait_status 10 "worker(\"rin\")[\"pid\"] not in (None, $w) and worker(\"rin\")[\"state\"] == \"running\"" true
	if log_has 'test hook: .*: succeeded'; then
		fail "$what succeeded: $(grep 'test hook:' "$TMP/daemon.log")"
	fi
	note "$what: worker $w killed by its filter, replaced"
}

lo=$(ip -n "$RELAY" -o link show dev lo | cut -d: -f1)
mgmt=$(ip -n "$RELAY" -o link show dev mgmt | cut -d: -f1)
before=$(mem_available_kb)
attack 1 "a 512 MiB receive ring on an egress socket"
after=$(mem_available_kb)
[ $((before - after)) -lt $((128 * 1024)) ] ||
    fail "the host's free memory dropped by $(((before - after) / 1024)) MiB after the receive ring attack"
for how in 2:sendto 3:sendmsg 4:sendmmsg; do
	attack $((${how%%:*} | lo << 8)) "a frame to lo by ${how#*:}"
	attack $((${how%%:*} | mgmt << 8)) "a frame to the unnamed interface by ${how#*:}"
done
attack 5 "a udp output's datagram to 127.0.0.1:9999"
attack 8 "write(2) on its own egress socket"
attack 6 "stat /etc/shadow"
attack 7 "open /etc/passwd"
attack 0 "a packet socket"

# Nothing arrived, and the relay still forwards.
for name in lo6 lo4 unnamed; do
	kill -TERM "${LISTENER[$name]}"
	wait_until 10 pid_gone "${LISTENER[$name]}" || fail "listener $name did not stop"
	n=$(tail -n 1 "${LISTENER_LOG[$name]}")
	[ "$n" = 0 ] || fail "listener $name received $n datagrams from the attacks"
done
start_recv a "$DST1" d0 239.1.1.1 5000 -n 500 -x 15 -T 30 -q 3000
send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -n 500 -r 2000 -t 16
expect_recv_ok a
stop_daemon
pass "$ATTACKS attacks from inside the sandbox: each killed the worker, none reached anything; memory kept"
