#!/usr/bin/env bash
# fragments.sh: UDP datagrams larger than the MTU cross the relay as IP
# fragments (the later ones carry no port and follow their first), and
# jumbo frames cross it whole; with one worker and with two (their fragments
# hash alike); a real UDP socket at the receiver gets every
# datagram, reassembled, with a valid checksum after group and port rewrite.
. "$(dirname "$0")/lib.sh"
require_root
require_binaries
require_python

topo_basic
CTL_SOCK=$TMP/ctl.sock
must ip -n "$DST1" route add default via 10.2.0.1
{
	conf_global
	conf_rule big rin 239.1.1.1 5000 "rout1 239.9.9.9:6000"
} >"$TMP/frag.conf"

# udp_recv NAME COUNT SIZE: a UDP socket in DST1 joined to 239.9.9.9:6000;
# writes "unique=N bad=N" to $TMP/NAME.udp when COUNT arrived or 20 s passed.
udp_recv() {
	ip netns exec "$DST1" "$PYTHON" - "$2" "$3" "$TMP/$1.udp" "$TMP/$1.ready" <<'PY' &
import socket, struct, sys, time
count, size, out, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind(("239.9.9.9", 6000))
mreq = socket.inet_aton("239.9.9.9") + socket.inet_aton("10.2.0.2")
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
s.settimeout(0.5)
open(ready, "w").write("ready\n")
seen, bad, deadline = set(), 0, time.time() + 20
while len(seen) < count and time.time() < deadline:
    try:
        data = s.recv(65536)
    except socket.timeout:
        continue
    if len(data) != size or data[:4] != b"MCRL":
        bad += 1
        continue
    seen.add(struct.unpack("!I", data[4:8])[0])
open(out, "w").write("unique=%d bad=%d\n" % (len(seen), bad))
PY
	UDP_PID=$!
	PIDS+=("$UDP_PID")
	wait_file "$TMP/$1.ready" || fail "UDP receiver $1 not ready"
}

expect_udp() {	# NAME COUNT
	wait_until 30 pid_gone "$UDP_PID" || fail "UDP receiver $1 did not finish"
	forget_pid "$UDP_PID"
	note "$1: $(cat "$TMP/$1.udp" 2>/dev/null)"
	grep -qx "unique=$2 bad=0" "$TMP/$1.udp" ||
		fail "$1: expected all $2 datagrams intact: $(cat "$TMP/$1.udp" 2>/dev/null)"
}

# 1. 4000-byte datagrams over 1500-byte links: three fragments each; with
# one worker, and with two in a fanout group (the fragments of a datagram
# carry no ports, so they all hash to the same worker).
for workers in 1 2; do
	{
		cat "$TMP/frag.conf"
		printf '[input rin]\nworkers = %s\n' "$workers"
	} >"$TMP/frag-$workers.conf"
	start_daemon "$TMP/frag-$workers.conf"
	udp_recv "fragmented-$workers" 1000 4000
	send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -n 1000 -r 2000 -t 16 -s 4000
	expect_udp "fragmented-$workers" 1000
	status_json
	frames=$(status_eval 'rule("big")["packets_in"]')
	[ "$frames" -ge 3000 ] ||
		fail "$workers workers: the rule saw $frames frames, expected 3 fragments per datagram"
	drops=$(status_eval 'sum(w["drops"]["fragments"] for w in d["workers"])')
	[ "$drops" = 0 ] || fail "$workers workers: $drops fragments were dropped"
	stop_daemon
done

# 2. Jumbo frames: 8000-byte datagrams over 9000-byte links, unfragmented.
for end in "$SRC s0" "$RELAY rin" "$RELAY rout1" "$DST1 d0"; do
	read -r ns ifname <<<"$end"
	must ip -n "$ns" link set "$ifname" mtu 9000
done
start_daemon "$TMP/frag.conf"
udp_recv jumbo 1000 8000
send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -n 1000 -r 2000 -t 16 -s 8000
expect_udp jumbo 1000
status_json
frames=$(status_eval 'rule("big")["packets_in"]')
[ "$frames" = 1000 ] || fail "jumbo: the rule saw $frames frames, expected 1000 (unfragmented)"
stop_daemon

pass "4000-byte datagrams as fragments and 8000-byte jumbo frames, all relayed intact"
