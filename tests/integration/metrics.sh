#!/bin/bash
#
# metrics.sh: metrics-listen and status --openmetrics against what the
# receivers counted.  A rule sends to a multicast output and a udp output;
# a known number of datagrams goes through; GET /metrics (from inside the
# relay's namespace, as Prometheus would) is parsed by the OpenMetrics
# parser of Debian's python3-prometheus-client, and the rule's and the
# outputs' counters equal the receivers' counts; status --openmetrics
# parses the same, status --prometheus parses with the classic parser
# (the one node_exporter's textfile collector is like).  A second rule's
# RTP monitor counts the numbers a stream skipped, as status --json does.
# Then: answers to
# other paths, methods and junk (404, 405, 400); the metrics process runs
# unprivileged (uid, capabilities, seccomp, no_new_privs from /proc), as
# the supervisor's child; killed, it is started again; a reload moving
# metrics-listen to [::1] moves it (the old port refuses), one that cannot
# listen fails naming FILE:LINE and keeps it, one without metrics-listen
# stops it; the reloads are counted.
#
#   SRC --s0/rin-- RELAY --rout1/d0-- DST1 (239.2.2.2:6000)
#                        --rout2/d0-- DST2 (udp 10.3.0.2:7000)

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/metrics_lib.sh"

require_root
require_binaries
require_python
require_om_parser

COUNT=1000
SIZE=300
PORT=9234
PORT6=9235
NOBODY=65534

topo_basic
# IPv6 on the relay's loopback only, for the move to [::1].
must ip netns exec "$RELAY" sysctl -qw net.ipv6.conf.lo.disable_ipv6=0

# write_conf [METRICS-LISTEN]: the rule, with metrics-listen in [global] if given.
write_conf() {
	{
		conf_global
		conf_rule m rin 239.1.1.1 5000 "rout1 239.2.2.2:6000" "udp 10.3.0.2:7000"
		conf_rule r rin 239.1.1.9 5004 "rout1 239.2.1.9:5004" "monitor = rtp"
	} | if [ -n "${1:-}" ]; then
		sed "0,/^\$/s||metrics-listen = $1\n|"
	else
		cat
	fi >"$TMP/metrics.conf"
}

# --- check shows it, and refuses a bad one with FILE:LINE
write_conf "127.0.0.1:$PORT"
check_conf "$TMP/metrics.conf" || fail "check refused the configuration: $(cat "$TMP/check.out")"
grep -qx "metrics: GET /metrics on 127.0.0.1:$PORT" "$TMP/check.out" ||
    fail "check does not show metrics-listen: $(cat "$TMP/check.out")"
write_conf "localhost:$PORT"
line=$(grep -n '^metrics-listen' "$TMP/metrics.conf" | cut -d: -f1)
check_conf "$TMP/metrics.conf" && fail "check took metrics-listen = localhost:$PORT"
grep -qF "$TMP/metrics.conf:$line: invalid metrics-listen 'localhost:$PORT'" "$TMP/check.out" ||
    fail "check's error does not name FILE:LINE: $(cat "$TMP/check.out")"

write_conf "127.0.0.1:$PORT"
start_daemon "$TMP/metrics.conf"
wait_until 10 scrape 127.0.0.1 "$PORT" >/dev/null ||
    fail "GET /metrics did not answer: $(scrape 127.0.0.1 "$PORT" 2>&1)"
mpid=$(metrics_pid) || fail "no metrics process among the supervisor's children"
note "metrics process $mpid answers on 127.0.0.1:$PORT"

# --- The counters against the receivers
start_recv mc "$DST1" d0 239.2.2.2 6000 -n "$COUNT" -x 15 -T 60 -q 3000
start_recv uni "$DST2" d0 10.3.0.2 7000 -u -n "$COUNT" -T 60 -q 3000
send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -n "$COUNT" -r 2000 -t 16 -s "$SIZE"
expect_recv_ok mc
expect_recv_ok uni
mc_got=$(recv_field mc unique) || fail "receiver mc printed no count"
uni_got=$(recv_field uni unique) || fail "receiver uni printed no count"
[ "$mc_got" = "$COUNT" ] && [ "$uni_got" = "$COUNT" ] ||
    fail "the receivers counted $mc_got and $uni_got of $COUNT"

R='rule="m", input="rin", path="packet"'
OUT_MC="$R, output=\"rout1\", destination=\"239.2.2.2:6000\""
OUT_UDP="$R, output=\"udp\", destination=\"10.3.0.2:7000\""
wait_om 10 127.0.0.1 "$PORT" "m('mcrelay_rule_packets_total', $R)" "$COUNT"
vals=$(om_eval "m('mcrelay_rule_bytes_total', $R)" \
    "m('mcrelay_output_packets_total', $OUT_MC)" \
    "m('mcrelay_output_packets_total', $OUT_UDP)" \
    "m('mcrelay_output_bytes_total', $OUT_MC)" \
    "m('mcrelay_output_bytes_total', $OUT_UDP)" \
    "total('mcrelay_output_errors_total', rule='m')" \
    "m('mcrelay_rule_active', $R)" "m('mcrelay_output_active', $OUT_UDP)" \
    "m('mcrelay_rule_upstream_lost_packets_total', $R, monitor='off')" \
    "m('mcrelay_worker_received_packets_total', input='rin', worker='0')" \
    "m('mcrelay_worker_up', input='rin', worker='0')" \
    "m('mcrelay_worker_restarts_total', input='rin', worker='0')" \
    "m('mcrelay_dropped_packets_total', input='rin', worker='0', reason='no_match')" \
    "m('mcrelay_up')" "m('mcrelay_build_info', version='$("$MCRELAY" version | sed -n '1s/^mcrelay //p')')" \
    "m('mcrelay_config_generation')" "family('mcrelay_rule_bytes')[0]" \
    "family('mcrelay_rule_bytes')[1]" "family('mcrelay_build')[0]" | tr '\n' ' ') ||
    fail "the scrape lacks a sample: $vals"
# IP datagrams: 20 + 8 + payload, for the rule and both outputs.
want="$((COUNT * (SIZE + 28))) $COUNT $COUNT $((COUNT * (SIZE + 28))) $((COUNT * (SIZE + 28))) 0 1 1 0 "
if [[ "$vals" != "$want"* ]]; then
	fail "rule bytes, output packets and bytes, errors, active, upstream loss: '$vals', expected '$want...'"
fi
read -r -a v <<<"$vals"
[ "${v[9]}" -ge "$COUNT" ] || fail "the worker received ${v[9]} frames, fewer than $COUNT"
[ "${v[10]} ${v[11]} ${v[13]} ${v[14]} ${v[15]}" = "1 0 1 1 1" ] ||
    fail "worker up, restarts, mcrelay_up, build_info, generation: ${v[*]:10:6}"
[ "${v[16]} ${v[17]} ${v[18]}" = 'counter bytes info' ] ||
    fail "families: mcrelay_rule_bytes ${v[16]} ${v[17]}, mcrelay_build ${v[18]}"
note "GET /metrics: $COUNT packets, $((COUNT * (SIZE + 28))) bytes through the rule and each output, as received"

# Upstream loss, from the rule's RTP monitor: 3 numbers skipped.
send_from "$SRC" -g 239.1.1.9 -p 5004 -I s0 -r 2000 -s 200 --rtp 'seq=100,20,skip=3,20'
RR='rule="r", input="rin", path="packet"'
wait_om 10 127.0.0.1 "$PORT" "m('mcrelay_rule_upstream_lost_packets_total', $RR, monitor='rtp'), m('mcrelay_rule_packets_total', $RR)" "[3, 40]"
status_get 'rule("r")["upstream_lost"]' >"$TMP/lost" || fail "status --json: $(ctl_output)"
[ "$(cat "$TMP/lost")" = 3 ] || fail "status --json says $(cat "$TMP/lost") lost upstream, the metrics 3"
note "upstream loss: 3 RTP packets, as status --json counts them"

# --- status --openmetrics: the same, through the same parser
ctl status --openmetrics || fail "status --openmetrics failed: $(ctl_output)"
metrics_py parse om "$TMP/ctl.out" "$TMP/metrics.json" ||
    fail "the OpenMetrics parser refused status --openmetrics: $(head -c 2000 "$TMP/ctl.out")"
[ "$(tail -n 1 "$TMP/ctl.out")" = "# EOF" ] || fail "status --openmetrics does not end in # EOF"
[ "$(om_eval "m('mcrelay_rule_packets_total', $R)" "m('mcrelay_output_packets_total', $OUT_UDP)" | tr '\n' ' ')" = "$COUNT $COUNT " ] ||
    fail "status --openmetrics: $(om_eval "m('mcrelay_rule_packets_total', $R)")"
# --prometheus: the text format 0.0.4, counters typed as such by the classic parser.
ctl status --prometheus || fail "status --prometheus failed: $(ctl_output)"
grep -q '^# EOF' "$TMP/ctl.out" && fail "status --prometheus ends in # EOF"
grep -q '^# UNIT' "$TMP/ctl.out" && fail "status --prometheus has # UNIT lines"
metrics_py parse prom "$TMP/ctl.out" "$TMP/metrics.json" ||
    fail "the classic parser refused status --prometheus"
[ "$(om_eval "m('mcrelay_output_packets_total', $OUT_MC)" "family('mcrelay_output_packets')[0]" "family('mcrelay_build_info')[0]" | tr '\n' ' ')" = "$COUNT counter gauge " ] ||
    fail "status --prometheus: $(om_eval "family('mcrelay_output_packets')" "family('mcrelay_build_info')" 2>&1)"
note "status --openmetrics and --prometheus parse, with the same counts"

# --- Other paths, methods and junk
expect_http() {	# expect_http BYTES STATUS [ALLOW]
	local got
	got=$(http_raw 127.0.0.1 "$PORT" "$1") || fail "no answer to $1"
	[[ "$got" == "$2 text/plain; charset=utf-8 ${3:-}"* ]] || fail "$1: '$got', expected $2"
}
expect_http "b'GET / HTTP/1.1\r\nHost: x\r\n\r\n'" 404
expect_http "b'GET /metricsx HTTP/1.0\r\n\r\n'" 404
expect_http "b'POST /metrics HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi'" 405 "GET, HEAD"
expect_http "b'PUT /metrics HTTP/1.1\r\n\r\n'" 405 "GET, HEAD"
expect_http "b'hello there\r\n\r\n'" 400
expect_http "b'\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'" 400
expect_http "b'GET /metrics HTTP/2.0\r\n\r\n'" 505
got=$(http_raw 127.0.0.1 "$PORT" "b'HEAD /metrics HTTP/1.1\r\n\r\n'") || fail "no answer to HEAD"
[[ "$got" == "200 application/openmetrics-text; version=1.0.0; charset=utf-8  " ]] ||
    fail "HEAD /metrics: '$got'"
note "404, 405 with Allow, 400, 505, and HEAD answered"

# --- Unprivileged, the supervisor's child
is_child "$DAEMON_PID" "$mpid" || fail "the metrics process $mpid is not the supervisor's child"
for f in "Uid:$NOBODY $NOBODY $NOBODY $NOBODY" "Gid:$NOBODY $NOBODY $NOBODY $NOBODY" \
    "Groups:" "CapEff:0000000000000000" "CapPrm:0000000000000000" \
    "CapBnd:0000000000000000" "CapAmb:0000000000000000" "NoNewPrivs:1" "Seccomp:2"; do
	v=$(proc_field "$mpid" "${f%%:*}") || fail "the metrics process $mpid vanished"
	[ "$v" = "${f#*:}" ] || fail "metrics process $mpid: ${f%%:*}: '$v', expected '${f#*:}'"
done
[ "$(cat "/proc/$mpid/comm")" = mcrelay-metrics ] || fail "comm: $(cat "/proc/$mpid/comm")"
[ "$(tr '\0' ' ' <"/proc/$mpid/cmdline")" = "mcrelay: metrics 127.0.0.1:$PORT " ] ||
    fail "command line: $(tr '\0' ' ' <"/proc/$mpid/cmdline")"
[ "$(readlink "/proc/$mpid/root")" != / ] || fail "the metrics process's root is /"
log_has "metrics: running as uid $NOBODY gid $NOBODY, no capabilities, an empty root, seccomp" ||
    fail "no log line of the metrics process's sandbox"
note "metrics process $mpid: uid and gid $NOBODY, no capabilities, no_new_privs, seccomp filter"

# --- Killed, it comes back; the supervisor says why
kill -KILL "$mpid"
wait_until 10 metrics_pid_is_not "$mpid" || fail "the metrics process was not started again"
log_has "metrics process killed by signal 9 \(Killed\); restart 1 in 100 ms" ||
    fail "no log line for the killed metrics process"
wait_until 10 scrape 127.0.0.1 "$PORT" >/dev/null || fail "no answer after the restart"
mpid=$(metrics_pid)
note "killed, started again as $mpid"

# --- A reload moves it to [::1]; the old port refuses; the reloads are counted
write_conf "[::1]:$PORT6"
ctl reload || fail "reload: $(ctl_output)"
wait_until 10 scrape ::1 "$PORT6" >/dev/null || fail "nothing answers on [::1]:$PORT6: $(scrape ::1 "$PORT6" 2>&1)"
http_raw 127.0.0.1 "$PORT" "b'GET /metrics HTTP/1.1\r\n\r\n'" >/dev/null 2>&1 &&
    fail "127.0.0.1:$PORT still answers after the move"
[ "$(metrics_pid)" = "$mpid" ] || fail "the move started another process"
wait_om 10 ::1 "$PORT6" "m('mcrelay_config_reloads_total', result='success'), m('mcrelay_config_generation')" "[1, 2]"
log_has "metrics: moving from 127.0.0.1:$PORT" || fail "no log line for the move"
note "reload: moved to [::1]:$PORT6"

# A socket that cannot be made: the reload fails naming FILE:LINE, nothing moves.
write_conf "10.99.99.99:$PORT"
line=$(grep -n '^metrics-listen' "$TMP/metrics.conf" | cut -d: -f1)
rc=0
ctl reload || rc=$?
[ "$rc" = 69 ] || fail "a reload to an address not on the host exited $rc: $(ctl_output)"
ctl_said_fixed "$TMP/metrics.conf:$line: metrics-listen: cannot listen on 10.99.99.99:$PORT: Cannot assign requested address" ||
    fail "the failed reload does not say why, at FILE:LINE: $(ctl_output)"
wait_om 10 ::1 "$PORT6" "m('mcrelay_config_reloads_total', result='failure'), m('mcrelay_config_generation')" "[1, 2]"
note "reload to 10.99.99.99: refused at $TMP/metrics.conf:$line, still on [::1]:$PORT6"

# Without metrics-listen: the process stops and is not started again.
write_conf
ctl reload || fail "reload: $(ctl_output)"
wait_until 10 pid_gone "$mpid" || fail "the metrics process did not stop"
log_has "metrics process exited with status 0" || fail "no log line for the metrics process's end"
metrics_pid >/dev/null && fail "a metrics process runs without metrics-listen"
# And back.
write_conf "127.0.0.1:$PORT"
ctl reload || fail "reload: $(ctl_output)"
wait_until 10 scrape 127.0.0.1 "$PORT" >/dev/null || fail "no answer once metrics-listen is back"
wait_om 10 127.0.0.1 "$PORT" "m('mcrelay_config_reloads_total', result='success')" 3
stamp=$(om_eval "m('mcrelay_config_last_reload_success_timestamp_seconds')")
now=$(date +%s)
[ "${stamp%.*}" -le "$now" ] && [ "${stamp%.*}" -ge $((now - 60)) ] ||
    fail "the last reload's time $stamp is not within a minute of $now"
[ "$(log_count 'restart [0-9]+ in')" = 1 ] || fail "restarts other than the one killed: $(grep 'restart' "$TMP/daemon.log")"

stop_daemon
log_has "metrics process exited with status 0" || fail "the metrics process did not exit with the daemon"
pass "GET /metrics and status --openmetrics count $COUNT datagrams as the receivers did; unprivileged, restarted, moved by a reload"
