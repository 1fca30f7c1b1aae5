#!/bin/bash
#
# demo.sh: watch mcrelay relay a multicast stream, in throwaway network
# namespaces that are removed afterwards (also on Ctrl-C).
#
#   SRC --(s0/rin)-- RELAY --(rout1/d0)-- DST1   gets 239.2.2.2:6000
#                          --(rout2/d0)-- DST2   gets 239.1.1.1:5000
#
# Run as root after a build, from the top of the build tree:
#   sudo contrib/demo.sh
# Environment: MCRELAY, MCSEND, MCRECV as for the tests (see
# tests/integration/lib.sh); DEMO_COUNT (5000) and DEMO_RATE (1000 pps).

if [ "$(id -u)" -ne 0 ]; then
	echo "demo.sh: run me as root: I create network namespaces" >&2
	exit 1
fi

. "$(dirname "$0")/../tests/integration/lib.sh"

CONF=$top_srcdir/contrib/demo.conf
COUNT=${DEMO_COUNT:-5000}
RATE=${DEMO_RATE:-1000}
TTL=8

for b in "$MCRELAY" "$MCSEND" "$MCRECV"; do
	[ -x "$b" ] || { echo "demo.sh: $b is missing: build first (make)" >&2; exit 1; }
done

# Printed by fail and by the end of the demo alike.
fail() {
	echo "demo failed: $*" >&2
	if [ -s "$TMP/daemon.log" ]; then
		echo "daemon log (last 20 lines):" >&2
		tail -n 20 "$TMP/daemon.log" | sed 's/^/  /' >&2
	fi
	exit 1
}

# result NAME LABEL GROUP:PORT: one line about what a receiver got.
result() {
	local f n=$1
	declare -A r
	if [ ! -s "$TMP/$n.out" ]; then
		printf '  %-16s %-15s no summary from the receiver: %s\n' "$2" "$3" \
		    "$(cat "$TMP/$n.err")"
		return
	fi
	for f in received unique dup lost bad_ip_csum bad_udp_csum bad_mac \
	    bad_payload ttl_min ttl_max src; do
		r[$f]=$(recv_field "$n" "$f") || r[$f]=0
	done
	local ttl=${r[ttl_min]} bad='' k
	[ "${r[ttl_min]}" = "${r[ttl_max]}" ] || ttl="${r[ttl_min]}..${r[ttl_max]}"
	for k in bad_ip_csum bad_udp_csum bad_mac bad_payload; do
		[ "${r[$k]}" = 0 ] || bad="$bad, ${r[$k]} ${k#bad_}"
	done
	printf '  %-16s %-15s %5s/%s received, TTL %s, from %s, %s lost, %s duplicate%s\n' \
	    "$2" "$3" "${r[unique]}" "$COUNT" "$ttl" "${r[src]}" "${r[lost]}" \
	    "${r[dup]}" "${bad:-, checksums and MAC ok}"
	# mcrecv -v described each damaged packet.
	[ -z "$bad" ] || head -n 3 "$TMP/$n.err" | sed 's/^/      /'
}

echo "mcrelay demo"
echo "  rule: rin 239.1.1.1:5000 -> rout1 as 239.2.2.2:6000, rout2 unchanged, ttl decrement"
echo "  config: $CONF"

topo_basic
echo "[1/4] topology up: namespaces ${PREFIX}{src,relay,dst1,dst2}"

# The demo's own control socket, so that it never meets a real daemon's.
sed "s|^\[global\]|[global]\ncontrol-socket = $TMP/ctl.sock|" "$CONF" >"$TMP/demo.conf"
start_daemon "$TMP/demo.conf" >/dev/null
echo "[2/4] mcrelay running in ${PREFIX}relay: supervisor $DAEMON_PID, ${DAEMON_WORKERS:-?} worker(s)"

start_recv dst1 "$DST1" d0 239.2.2.2 6000 -n "$COUNT" -T $((COUNT / RATE + 30)) -q 3000
start_recv dst2 "$DST2" d0 239.1.1.1 5000 -n "$COUNT" -T $((COUNT / RATE + 30)) -q 3000
echo "[3/4] sending $COUNT packets to 239.1.1.1:5000 at $RATE pps with TTL $TTL..."
out=$(ip netns exec "$SRC" "$MCSEND" -g 239.1.1.1 -p 5000 -I s0 -n "$COUNT" \
    -r "$RATE" -t "$TTL" -s 200 2>&1) || fail "mcsend: $out"

ok=0
wait_recv dst1 || ok=1
wait_recv dst2 || ok=1
echo "      status: $("$MCRELAY" -s "$TMP/ctl.sock" status --json | python3 -c 'import json,sys; r=json.load(sys.stdin)["rules"][0]; print(r["name"], r["packets_in"], "packets in,", ", ".join("%s %d out" % (o["interface"], o["packets_out"]) for o in r["outputs"]))' 2>/dev/null)"
echo "[4/4] what the receivers captured (TTL $TTL at the sender):"
result dst1 "DST1 (via rout1)" 239.2.2.2:6000
result dst2 "DST2 (via rout2)" 239.1.1.1:5000

echo "daemon log (last 10 lines):"
tail -n 10 "$TMP/daemon.log" | sed 's/^/  /'
stop_daemon >/dev/null

if [ "$ok" -eq 0 ]; then
	echo "demo ok: every packet relayed to both receivers; cleaning up"
else
	echo "demo: some packets were lost or damaged (see above); cleaning up"
fi
exit "$ok"
