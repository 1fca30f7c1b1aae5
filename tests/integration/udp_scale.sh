#!/bin/bash
#
# udp_scale.sh: 4,000 udp outputs (250 rules of 16), as a relay that feeds
# many unicast receivers runs.  A worker holds what the configuration says
# about each output and no send batch of its own per output: its resident
# size stays under 40 MB (it was 278 MB when every output carried a
# 256-message batch), and the cost per output is printed.  A stream through
# one rule reaches the receivers of two of its outputs, and a reload that
# changes one destination keeps the worker under the bound.
#
#   SRC --s0/rin-- RELAY --rout1/d0-- DST1 (10.2.0.2, ports 7000-10999)

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
require_python
topo_basic

RULES=250
OUTS=16
LIMIT_KB=$((40 * 1024))
# AddressSanitizer keeps what is freed in quarantine (256 MB by default)
# and pads every allocation: its worker's size says nothing of the real
# one, so that build checks the rest (the worker runs, sends, reloads) and
# leaves the limit to the plain build.
if ldd "$MCRELAY" 2>/dev/null | grep -q libasan; then
	LIMIT_KB=$((1024 * 1024))
	note "a sanitizer build: the worker's size is not checked against 40 MB here"
fi

# write_conf FIRST_PORT: RULES rules of OUTS udp outputs each, to ports from FIRST_PORT on.
write_conf() {
	{
		conf_global info
		awk -v n="$RULES" -v k="$OUTS" -v p="$1" 'BEGIN {
			for (i = 0; i < n; i++) {
				printf "[rule u%d]\ninput = rin\ngroup = 239.1.%d.%d\nport = 5000\n",
				    i, int(i / 250), i % 250 + 1
				for (o = 0; o < k; o++)
					printf "output = udp 10.2.0.2:%d\n", p + i * k + o
				printf "\n"
			}
		}'
	} >"$TMP/udp.conf.new"
	mv -f "$TMP/udp.conf.new" "$TMP/udp.conf"
}

rss_kb() {
	awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"
}

# The worker with one udp output, for the cost per output.
{
	conf_global info
	conf_rule one rin 239.1.0.1 5000 "udp 10.2.0.2:7000"
} >"$TMP/one.conf"
start_daemon "$TMP/one.conf"
base=$(rss_kb "$(daemon_workers)") || fail "no worker"
stop_daemon

write_conf 7000
DAEMON_TIMEOUT=60 start_daemon "$TMP/udp.conf"
w=$(daemon_workers)
status_json
[ "$(status_eval 'sum(o["state"] == "active" for r in d["rules"] for o in r["outputs"])')" = $((RULES * OUTS)) ] ||
    fail "not every one of the $((RULES * OUTS)) udp outputs is active"
rss=$(rss_kb "$w") || fail "worker $w vanished"
note "worker: $rss kB resident with $((RULES * OUTS)) udp outputs, $base kB with one: $(((rss - base) * 1000 / (RULES * OUTS - 1))) bytes per output"
[ "$rss" -lt "$LIMIT_KB" ] || fail "the worker holds $rss kB with $((RULES * OUTS)) udp outputs (limit $LIMIT_KB kB)"

# A stream through rule u1 reaches two of its outputs.
start_udprecv first "$DST1" -g 10.2.0.2 -p $((7000 + OUTS)) -n 500 -T 30 -q 3000
start_udprecv last "$DST1" -g 10.2.0.2 -p $((7000 + 2 * OUTS - 1)) -n 500 -T 30 -q 3000
send_from "$SRC" -g 239.1.0.2 -p 5000 -I s0 -n 500 -r 2000 -t 16 -s 200
expect_recv_ok first
expect_recv_ok last
expect_field first unique 500
expect_field last unique 500

# Every destination moves by one port: 4,000 new sockets, the old ones closed.
write_conf 7001
ctl reload || fail "reload: $(ctl_output)"
ctl_said 'reload applied' || fail "reload not applied: $(ctl_output)"
[ "$(daemon_workers)" = "$w" ] || fail "the worker changed during the reload"
rss=$(rss_kb "$w") || fail "worker $w vanished"
note "after a reload to 4,000 other destinations: $rss kB resident"
[ "$rss" -lt "$LIMIT_KB" ] || fail "the worker holds $rss kB after the reload (limit $LIMIT_KB kB)"
stop_daemon
pass "$((RULES * OUTS)) udp outputs in a worker of $rss kB (limit $LIMIT_KB kB)"
