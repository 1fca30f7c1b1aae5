#!/bin/bash
#
# monitor.sh: upstream loss (monitor = rtp | mpegts) through a real daemon
# with two workers on its input.  mcsend plays scripted streams with known
# gaps, reordering, duplicates, a restart, an SSRC change and datagrams
# that are not RTP (or not MPEG-TS); `status --json` must show exactly the
# counts the scripts imply, summed over the workers, and `status` the line
# under each monitored rule.  A rule without monitor shows "off" and null
# for the same kind of stream.  Every datagram is still relayed unchanged
# and in order: the receivers' digests of the payloads equal the sender's.
# A reload keeps a monitored rule's counts and starts a newly monitored one
# at zero.  kernel_monitor.sh runs it with datapath = kernel: then the tc
# program counts rtp1's and plain's streams, and ts1 (mpegts) stays on the
# packet path, saying why.

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
require_python
topo_basic

write_conf() {	# $1: monitor for rule "plain" ("" for none)
	conf_global
	printf '[input rin]\nworkers = 2\n\n'
	conf_rule rtp1 rin 239.1.1.1 5004 "rout1 239.2.1.1:5004" "monitor = rtp"
	conf_rule ts1 rin 239.1.1.2 5006 rout1 "monitor = mpegts"
	if [ -n "$1" ]; then
		conf_rule plain rin 239.1.1.3 5008 rout2 "monitor = $1"
	else
		conf_rule plain rin 239.1.1.3 5008 rout2
	fi
}
write_conf "" >"$TMP/monitor.conf"
check_conf "$TMP/monitor.conf" || fail "check refused the file: $(cat "$TMP/check.out")"
grep -q 'rule rtp1 .*, monitor rtp$' "$TMP/check.out" ||
    fail "check does not print monitor rtp: $(cat "$TMP/check.out")"
start_daemon "$TMP/monitor.conf"

# RTP, numbers wrapping: 3 skipped; a swap (1 missing, filled late); a
# duplicate; 2 skipped, one of them late by 6 (filled); another SSRC (a new
# stream) with 1 skipped; 3 datagrams that are not RTP and 2 RTCP (not
# counted); a restart of the numbers.  189 datagrams.
RTP='seq=65500,40,skip=3,20,swap,20,dup,10,skip=2,5,late=7,30,ssrc=0x1234,seq=1000,20,skip=1,20,junk=3,rtcp=2,seq=40000,5,10'
RTP_N=189
RTP_WANT='{"missing": 7, "filled": 2, "errors": 4, "reordered": 2, "duplicates": 1, "resyncs": 1, "invalid": 3, "sources": 2, "evicted": 0}'
RTP_LINE='upstream rtp: 5 lost (7 missing, 2 filled late) in 4 gaps; 2 late, 1 duplicate, 1 restart, 3 not RTP; 2 streams'

# MPEG-TS, 3 PIDs in turn, 7 packets a datagram: 2 packets skipped (2 PIDs);
# a duplicate packet; a datagram lost (7 packets over the 3 PIDs); a
# discontinuity on each PID; an adaptation field alone; null packets; 3
# datagrams that are not TS; then behind RTP headers, 1 packet skipped.
# 93 datagrams.
TS='pids=256+257+258,20,skip=2,10,dup,10,drop=1,10,disc,10,adapt,5,null=4,5,junk=2,short=1,rtp=1,10,skip=1,10,flush'
TS_N=93
TS_WANT='{"missing": 10, "filled": 0, "errors": 6, "reordered": 0, "duplicates": 1, "resyncs": 3, "invalid": 3, "sources": 1, "evicted": 0}'
TS_LINE='upstream mpegts: 10 TS packets lost in 6 CC errors; 1 duplicate, 3 discontinuities, 3 not TS; 1 stream'

start_recv rtp "$DST1" d0 239.2.1.1 5004 -X -n "$RTP_N" -T 30
start_recv ts "$DST1" d0 239.1.1.2 5006 -X -n "$TS_N" -T 30
start_recv plain "$DST2" d0 239.1.1.3 5008 -X -n "$RTP_N" -T 30

# send NAME ARGS...: mcsend in SRC; its digest goes to DIGEST[NAME].
declare -A DIGEST
send() {
	local name=$1 out
	shift
	out=$(ip netns exec "$SRC" "$MCSEND" -I s0 -r 2000 "$@" 2>&1) ||
	    fail "mcsend $* failed: $out"
	DIGEST[$name]=$(sed -n 's/^digest=//p' <<<"$out")
	note "mcsend $*: $(tr '\n' ' ' <<<"$out")"
}
send rtp -g 239.1.1.1 -p 5004 -P 40000 -s 200 --rtp "$RTP"
send ts -g 239.1.1.2 -p 5006 -P 40002 --mpegts "$TS"
send plain -g 239.1.1.3 -p 5008 -P 40004 -s 200 --rtp "$RTP"

# Relayed unchanged, in order, every one of them.
for r in rtp ts plain; do
	expect_recv_ok "$r"
	expect_field "$r" digest "${DIGEST[$r]}"
	expect_field "$r" bad_udp_csum 0
done

wait_status 10 'rule("rtp1")["packets_in"]' "$RTP_N"
wait_status 10 'rule("ts1")["packets_in"]' "$TS_N"
wait_status 10 'rule("plain")["packets_in"]' "$RTP_N"
status_json
[ "$(status_eval 'len(d["workers"])')" = 2 ] || fail "not two workers: $(cat "$TMP/status.json")"
got=()
for e in 'rule("rtp1")["monitor"]' 'rule("rtp1")["upstream_lost"]' 'rule("rtp1")["upstream"]' \
    'rule("ts1")["monitor"]' 'rule("ts1")["upstream_lost"]' 'rule("ts1")["upstream"]' \
    'rule("plain")["monitor"]' 'rule("plain")["upstream_lost"]' 'rule("plain")["upstream"]'; do
	got+=("$(status_eval "$e")")
done
want=(rtp 5 "$RTP_WANT" mpegts 10 "$TS_WANT" off null null)
for i in "${!want[@]}"; do
	[ "${got[$i]}" = "${want[$i]}" ] ||
	    fail "status entry $i is '${got[$i]}', expected '${want[$i]}': $(cat "$TMP/status.json")"
done
note "rtp1: ${got[2]}"
note "ts1: ${got[5]}"
if [ "${MCRELAY_DATAPATH:-packet}" = kernel ]; then
	[ "$(status_eval 'rule("rtp1")["path"]')" = kernel ] &&
	    [ "$(status_eval 'rule("ts1")["path"]')" = packet ] &&
	    [ "$(status_eval 'rule("ts1")["path_reason"]')" = 'monitor = mpegts needs the packet path' ] ||
	    fail "paths: $(cat "$TMP/status.json")"
fi

ctl status || fail "status failed: $(ctl_output)"
ctl_said_fixed "$RTP_LINE" || fail "no line '$RTP_LINE' in: $(ctl_output)"
ctl_said_fixed "$TS_LINE" || fail "no line '$TS_LINE' in: $(ctl_output)"
[ "$(grep -c 'upstream ' "$TMP/ctl.out")" = 2 ] || fail "an upstream line too many: $(ctl_output)"

# A reload: rule plain now watched too (from zero), the others keep their counts.
write_conf rtp >"$TMP/monitor.conf"
ctl reload || fail "reload failed: $(ctl_output)"
wait_status 10 'rule("plain")["monitor"]' rtp
status_json
[ "$(status_eval 'rule("plain")["upstream_lost"]')" = 0 ] &&
    [ "$(status_eval 'rule("rtp1")["upstream"]')" = "$RTP_WANT" ] &&
    [ "$(status_eval 'rule("ts1")["upstream"]')" = "$TS_WANT" ] ||
    fail "after the reload: $(cat "$TMP/status.json")"
start_recv plain2 "$DST2" d0 239.1.1.3 5008 -X -n "$RTP_N" -T 30
send plain2 -g 239.1.1.3 -p 5008 -P 40004 -s 200 --rtp "$RTP"
expect_recv_ok plain2
wait_status 10 'rule("plain")["upstream"]' "$RTP_WANT"

stop_daemon
pass "rtp: 5 lost of 7 missing, mpegts: 10 TS packets in 6 CC errors (datapath ${MCRELAY_DATAPATH:-packet}, 2 workers); every datagram relayed unchanged"
