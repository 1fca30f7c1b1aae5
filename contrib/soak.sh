#!/bin/bash
#
# soak.sh: mcrelay under steady traffic for N minutes while it is
# disturbed on a schedule, then a report: packets lost outside the
# disturbances (zero expected), lost inside each kind, worker restarts
# expected and seen, and the memory and descriptors of every mcrelay
# process, sampled every minute, with a verdict on their flatness.  Ends
# with "soak: PASS" or "soak: FAIL: ..." (exit 0 or 1).
#
#   SRC --s0/rin-- RELAY --rout1/d0-- DST1
#                        --rout2/d0-- DST2
#
# Three streams (mcsend -L: numbered, with their send time) at --rate pps
# each: IPv4 239.1.1.1 fanned out to both outputs, IPv4 239.1.1.2 to rout1
# and to a udp output (10.3.0.2:7002, routed through rout2), IPv6 ff3e::1
# from 2001:db8:1::1 fanned out to both; six receivers (udprecv -G, an
# ordinary socket each) write down each run of missing numbers with the
# send times around it.
#
# Each minute: the memory (VmRSS) and descriptors of the supervisor and
# all its descendants; at +5 s a reload that changes an unrelated rule;
# at +12 s, every other minute, SIGKILL to the worker (the supervisor
# restarts it; every other minute so that its backoff is back at 100 ms);
# at +22 s an output down for 2 s and up (rout1 and rout2 in turn); at
# +32 s, every other minute, the input down for 2 s and up; at +42 s a
# flood of --clients control clients.  Each disturbance is a window from
# the moment the script starts it to the moment status shows everything
# back (the worker running, every rule and output active, the reload
# confirmed), widened by --margin ms on each side.  A loss whose send
# times fall in a window of a kind that can touch that receiver (an
# output's window only touches the receivers behind that output) is
# counted under that kind; any other is a loss outside.
#
# Verdict: FAIL if anything was lost or duplicated outside the windows, a
# payload was bad, a receiver's socket overflowed, the worker restarts
# seen differ from the kills, a process was missing at the end, or after
# the warm-up (min(10, N/3) minutes, at least 1) a process's RSS rose by
# more than --rss-slack kB or its descriptor count rose at all.
#
# Run as root from the top of a build tree (or give --binary), on a quiet
# machine:
#   contrib/soak.sh --minutes 60
# Options:
#   --minutes N       length of the run (default 10)
#   --binary PATH     the mcrelay to run (default: the build tree's src/mcrelay)
#   --datapath MODE   auto | kernel | packet: "datapath = MODE" in [global]
#                     (default: the key is left out)
#   --rate PPS        packets per second of each stream (default 2000)
#   --clients N       control clients in each flood (default 300)
#   --margin MS       widening of each window on each side (default 250)
#   --rss-slack KB    RSS growth allowed after the warm-up (default 1024)
#   --keep-logs DIR   copy the logs, samples, windows and gaps there
#   --inject KIND     break something, to see the soak fail: "loss" drops one
#                     frame in 20 of what reaches DST1 for 3 s outside any
#                     window (nft), "fd" makes the supervisor open 3
#                     descriptors (gdb); both in the second minute
# Environment: MCSEND, UDPRECV as for the tests (tests/integration/lib.sh).

if [ "$(id -u)" -ne 0 ]; then
	echo "soak.sh: run me as root: I create network namespaces" >&2
	exit 1
fi

MINUTES=10 RATE=2000 CLIENTS=300 MARGIN_MS=250 RSS_SLACK_KB=1024
DATAPATH=default KEEP_LOGS='' INJECT=none BINARY=''
usage() {
	sed -n '/^# Options:/,/^# Environment/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 64
}
need() {	# need OPTION VALUE PATTERN WHAT
	[ -n "${2:-}" ] && [[ $2 =~ $3 ]] || {
		echo "soak.sh: $1 needs $4, not '${2:-}'" >&2
		exit 64
	}
}
while [ $# -gt 0 ]; do
	case $1 in
	--minutes) need "$1" "${2:-}" '^[1-9][0-9]{0,3}$' "a number of minutes (1-9999)"; MINUTES=$2 ;;
	--binary) need "$1" "${2:-}" '.' "a path"; BINARY=$2 ;;
	--datapath) need "$1" "${2:-}" '^(auto|kernel|packet|default)$' "auto, kernel or packet"; DATAPATH=$2 ;;
	--rate) need "$1" "${2:-}" '^[1-9][0-9]{0,5}$' "packets per second (1-999999)"; RATE=$2 ;;
	--clients) need "$1" "${2:-}" '^[1-9][0-9]{0,3}$' "a number of clients (1-9999)"; CLIENTS=$2 ;;
	--margin) need "$1" "${2:-}" '^[0-9]{1,5}$' "milliseconds"; MARGIN_MS=$2 ;;
	--rss-slack) need "$1" "${2:-}" '^[0-9]{1,7}$' "kB"; RSS_SLACK_KB=$2 ;;
	--keep-logs) need "$1" "${2:-}" '.' "a directory"; KEEP_LOGS=$2 ;;
	--inject) need "$1" "${2:-}" '^(none|loss|fd)$' "loss or fd"; INJECT=$2 ;;
	-h | --help) usage ;;
	*) echo "soak.sh: unknown option '$1'" >&2; usage ;;
	esac
	shift 2
done
if [ -n "$BINARY" ]; then
	[ -x "$BINARY" ] || { echo "soak.sh: --binary $BINARY is not an executable" >&2; exit 64; }
	MCRELAY=$(cd "$(dirname "$BINARY")" && pwd)/$(basename "$BINARY")
	export MCRELAY
fi
# The udprecv bitmap holds 2^27 numbers.
if ((RATE * MINUTES * 60 + RATE * 120 >= 134217728)); then
	echo "soak.sh: --rate $RATE for $MINUTES minutes needs more sequence numbers than the receivers hold" >&2
	exit 64
fi

. "$(dirname "$0")/../tests/integration/lib.sh"
TEST_NAME=soak
UDPRECV=${UDPRECV:-$top_builddir/tests/tools/udprecv}
REPORT=$top_srcdir/contrib/soak-report.py
for b in "$MCRELAY" "$MCSEND" "$UDPRECV"; do
	[ -x "$b" ] || fail "$b is missing: build first (make), or give --binary"
done
command -v python3 >/dev/null || fail "python3 is missing (contrib/install-deps.sh installs it)"
[ "$INJECT" != loss ] || command -v nft >/dev/null || fail "--inject loss needs nft (nftables)"
[ "$INJECT" != fd ] || command -v gdb >/dev/null || fail "--inject fd needs gdb"

# --keep-logs: what the report read, copied before cleanup removes it.
eval "$(declare -f cleanup | sed '1s/^cleanup/lib_cleanup/')"
cleanup() {
	if [ -n "$KEEP_LOGS" ] && [ -d "$TMP" ]; then
		mkdir -p "$KEEP_LOGS" && cp -r "$TMP"/. "$KEEP_LOGS"/ &&
		    echo "soak: logs kept in $KEEP_LOGS" >&2
		KEEP_LOGS=''
	fi
	[ -z "$SLEEP_PID" ] || kill "$SLEEP_PID" 2>/dev/null
	lib_cleanup
}
# pause SECONDS: a sleep that SIGTERM interrupts at once (bash runs a trap
# only between foreground commands, but during wait).
SLEEP_PID=
pause() {
	sleep "$1" &
	SLEEP_PID=$!
	wait "$SLEEP_PID"
	SLEEP_PID=
}
fail() {
	echo "soak: FAIL: $*" >&2
	[ -s "$TMP/daemon.log" ] && tail -n 30 "$TMP/daemon.log" | sed 's/^/  /' >&2
	exit 1
}

# ---------------------------------------------------------------------
# Topology: topo_basic with IPv6 on every link.

topo_basic ipv6
must ip -n "$SRC" addr add 2001:db8:1::1/64 dev s0 nodad
must ip -n "$RELAY" addr add 2001:db8:1::2/64 dev rin nodad

# ---------------------------------------------------------------------
# Configuration: the spare rule is what the reloads change.

SPARE_PORT=5099
write_conf() {
	{
		# conf_global pins the tests' "datapath = packet"; the soak runs
		# the daemon's default unless told otherwise.
		conf_global info | sed '/^datapath = /d'
		[ "$DATAPATH" = default ] || printf 'datapath = %s\n\n' "$DATAPATH"
		conf_rule v4fan rin 239.1.1.1 5000 "rout1 239.2.2.1:6000" "rout2 239.3.3.1:6000"
		conf_rule v4udp rin 239.1.1.2 5000 "rout1 239.2.2.2:6002" "udp 10.3.0.2:7002"
		printf '[rule v6fan]\ninput = rin\ngroup = ff3e::1\nport = 5000\nsource = 2001:db8:1::1\n'
		printf 'output = rout1 [ff3e::2:1]:6000\noutput = rout2 [ff3e::3:1]:6000\n\n'
		conf_rule spare rin 239.1.1.99 "$SPARE_PORT" "rout2 239.3.3.99:6099"
	} >"$TMP/soak.conf.new" && mv "$TMP/soak.conf.new" "$TMP/soak.conf"
}
write_conf
start_daemon "$TMP/soak.conf"
note "paths: $(status_get '" ".join(r["name"] + "=" + r["path"] for r in d["rules"])')"

# ---------------------------------------------------------------------
# Receivers and streams.  receivers.tsv: NAME STREAM OUTPUT (the
# interface it is behind).

printf '' >"$TMP/receivers.tsv"
receiver() {	# receiver NAME STREAM OUTPUT NS UDPRECV-ARGS...
	local name=$1 stream=$2 out=$3 ns=$4
	shift 4
	printf '%s\t%s\t%s\n' "$name" "$stream" "$out" >>"$TMP/receivers.tsv"
	start_udprecv "$name" "$ns" "$@" -T 0 -G "$TMP/$name.gaps"
}
receiver d1-v4fan v4fan rout1 "$DST1" -g 239.2.2.1 -p 6000 -I d0
receiver d2-v4fan v4fan rout2 "$DST2" -g 239.3.3.1 -p 6000 -I d0
receiver d1-v4udp v4udp rout1 "$DST1" -g 239.2.2.2 -p 6002 -I d0
receiver d2-udp v4udp rout2 "$DST2" -g 10.3.0.2 -p 7002
receiver d1-v6fan v6fan rout1 "$DST1" -g ff3e::2:1 -p 6000 -I d0
receiver d2-v6fan v6fan rout2 "$DST2" -g ff3e::3:1 -p 6000 -I d0

printf '' >"$TMP/streams.tsv"
stream() {	# stream NAME MCSEND-ARGS...
	local name=$1
	shift
	_now
	# -n: start_stream's default count (5,000,000) would end a stream of
	# 2,000 pps after 42 minutes; this one outlasts the run.
	start_stream "$name" "$SRC" -I s0 -r "$RATE" -s 200 -L -k -t 16 \
	    -n "$((RATE * (MINUTES * 60 + 120)))" "$@"
	printf '%s\t%s\t%s\n' "$name" "${_NOW}000" "${STREAM_LOGS[$name]}" >>"$TMP/streams.tsv"
}
stream v4fan -g 239.1.1.1 -p 5000
stream v4udp -g 239.1.1.2 -p 5000
stream v6fan -g ff3e::1 -p 5000 -B 2001:db8:1::1

# ---------------------------------------------------------------------
# Windows: windows.tsv KIND TARGET START_NS END_NS NOTE

printf '' >"$TMP/windows.tsv"
WIN_START=
win_begin() { _now; WIN_START=${_NOW}000; }
win_end() {	# win_end KIND TARGET NOTE
	_now
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$WIN_START" "${_NOW}000" "$3" >>"$TMP/windows.tsv"
}

ALL_ACTIVE='all(r["state"] == "active" and all(o["state"] == "active" for o in r["outputs"]) for r in d["rules"]) and all(w["state"] == "running" and w["answering"] for w in d["workers"])'
everything_back() { [ "$(status_get "$ALL_ACTIVE" 2>/dev/null)" = true ]; }

worker_pid() { status_get 'worker("rin")["pid"]' 2>/dev/null; }

KILLS=0 RELOADS_FAILED=0 PROBLEMS=()
problem() { PROBLEMS+=("$*"); echo "soak: $*" >&2; }

do_reload() {
	SPARE_PORT=$((SPARE_PORT == 5099 ? 5098 : 5099))
	write_conf
	win_begin
	ctl reload || { RELOADS_FAILED=$((RELOADS_FAILED + 1)); problem "reload failed: $(ctl_output)"; }
	win_end reload all "spare port $SPARE_PORT"
}

do_kill() {
	local pid
	pid=$(worker_pid) && [[ $pid =~ ^[1-9][0-9]*$ ]] || { problem "no worker pid to kill"; return; }
	win_begin
	kill -KILL "$pid" || { problem "cannot kill worker $pid"; return; }
	KILLS=$((KILLS + 1))
	new_worker() { local p; p=$(worker_pid) && [ "$p" != "$pid" ] && [ "$p" != 0 ] && everything_back; }
	wait_until 40 new_worker || problem "the worker killed at $(date +%T) was not back within 40 s"
	win_end kill all "worker $pid"
}

do_link_flap() {	# do_link_flap KIND IFNAME
	win_begin
	must ip -n "$RELAY" link set "$2" down
	pause 2	# the disturbance itself
	must ip -n "$RELAY" link set "$2" up
	wait_until 30 everything_back || problem "$2 down and up: not all back within 30 s"
	win_end "$1" "$2" "down 2 s"
}

FLOOD_PY=$TMP/flood.py
cat >"$FLOOD_PY" <<'EOF'
# flood.py SOCKET N SECONDS: N clients at once; two in three ask "status",
# one in three "status json"; one in four goes away without reading.
import socket, sys, time, selectors
path, n, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
sel = selectors.DefaultSelector()
ok = err = unconnected = abandoned = 0
reasons = {}
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect(path)
        s.send(b"status json\n" if i % 3 == 0 else b"status\n")
    except OSError:
        unconnected += 1
        s.close()
        continue
    if i % 4 == 3:
        abandoned += 1
        s.close()
        continue
    sel.register(s, selectors.EVENT_READ, [b""])
deadline = time.monotonic() + limit
while sel.get_map() and time.monotonic() < deadline:
    for key, _ in sel.select(timeout=0.5):
        try:
            chunk = key.fileobj.recv(65536)
        except OSError as e:
            chunk = b""
            key.data[0] = ("(%s)" % e.strerror).encode()
        if chunk:
            key.data[0] += chunk
            continue
        sel.unregister(key.fileobj)
        key.fileobj.close()
        if key.data[0].startswith(b"ok\n"):
            ok += 1
        else:
            err += 1
            first = key.data[0].split(b"\n")[:2]
            why = b" ".join(first).decode("ascii", "replace")[:60] or "(closed, no answer)"
            reasons[why] = reasons.get(why, 0) + 1
late = len(sel.get_map())
print("clients=%d answered=%d refused=%d unconnected=%d abandoned=%d late=%d%s"
      % (n, ok, err, unconnected, abandoned, late,
         "".join(" [%d: %s]" % (c, w) for w, c in sorted(reasons.items()))))
EOF
do_flood() {
	local out
	win_begin
	out=$(timeout 60 python3 "$FLOOD_PY" "$CTL_SOCK" "$CLIENTS" 30 2>&1) ||
	    problem "the control flood failed: $out"
	win_end flood all "$out"
	echo "$out" >>"$TMP/flood.log"
}

# ---------------------------------------------------------------------
# Samples: samples.tsv MINUTE LABEL PID RSS_KB FDS, for the supervisor
# and every process below it.

descendants() {
	local p
	for p in $(children_of "$1"); do
		echo "$p"
		descendants "$p"
	done
}
sample() {	# sample MINUTE
	local p label rss fds cmd
	for p in "$DAEMON_PID" $(descendants "$DAEMON_PID"); do
		rss=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$p/status" 2>/dev/null) || continue
		fds=$(fd_count "$p") || continue
		cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)
		if [ "$p" = "$DAEMON_PID" ]; then
			label=supervisor
		else
			label=${cmd#mcrelay: }
			label=${label% }
			label=${label// /-}
		fi
		printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$label" "$p" "${rss:-0}" "$fds" >>"$TMP/samples.tsv"
	done
}
printf '' >"$TMP/samples.tsv"

inject() {
	case $INJECT in
	loss)
		# Every 20th frame that reaches DST1 dropped for 3 s: a loss outside
		# any window.  (nftables: this kernel may have no netem or gact.)
		printf 'table netdev soakinject {\n chain in {\n  type filter hook ingress device d0 priority 0;\n  numgen inc mod 20 0 drop\n }\n}\n' \
		    >"$TMP/inject.nft"
		must ip netns exec "$DST1" nft -f "$TMP/inject.nft"
		pause 3
		must ip netns exec "$DST1" nft delete table netdev soakinject
		note "injected: 1 in 20 frames dropped at DST1 for 3 s (not a window)"
		;;
	fd)
		gdb -q -batch -p "$DAEMON_PID" -ex 'call (int)dup(2)' -ex 'call (int)dup(2)' \
		    -ex 'call (int)dup(2)' >"$TMP/gdb.out" 2>&1 || problem "gdb failed: $(tail -n 3 "$TMP/gdb.out")"
		note "injected: 3 descriptors opened in the supervisor"
		;;
	esac
}

# ---------------------------------------------------------------------
# The schedule: one cycle a minute, each step at its offset.

_now
T0=$_NOW
at() {	# at MINUTE SECONDS: waits until that time of the run
	local target=$((T0 + ($1 * 60 + $2) * 1000000)) left
	_now
	left=$((target - _NOW))
	((left > 0)) || return 0
	pause "$((left / 1000000)).$(printf '%06d' $((left % 1000000)))"
}

note "soak: $MINUTES minutes, 3 streams at $RATE pps, 6 receivers, $CLIENTS clients a flood, datapath ${DATAPATH}; logs in $TMP"
OUT_IF=(rout1 rout2)
for ((m = 0; m < MINUTES; m++)); do
	at "$m" 0
	sample "$m"
	at "$m" 5
	do_reload
	if ((m % 2 == 1)); then
		at "$m" 12
		do_kill
	fi
	at "$m" 22
	do_link_flap output "${OUT_IF[m % 2]}"
	if ((m % 2 == 0)); then
		at "$m" 32
		do_link_flap input rin
	fi
	at "$m" 42
	do_flood
	if [ "$INJECT" != none ] && ((m == 1)); then
		at "$m" 52
		inject
	fi
	_now
	note "minute $((m + 1))/$MINUTES done: $(($(wc -l <"$TMP/windows.tsv"))) windows, $KILLS kills"
done
at "$MINUTES" 0
sample "$MINUTES"

# ---------------------------------------------------------------------
# The end: streams stopped, what is in flight let through, receivers stopped.

for s in v4fan v4udp v6fan; do
	_now
	stop_stream "$s"
	cat "${STREAM_LOGS[$s]}" >"$TMP/$s.sent"
	echo "stop_ns=${_NOW}000" >>"$TMP/$s.sent"
done
pause 1	# a paced stream: what the relay holds is out within milliseconds
for r in $(cut -f1 "$TMP/receivers.tsv"); do
	stop_recv "$r"
done
status_json
cp "$TMP/status.json" "$TMP/status-end.json"
{
	echo "minutes=$MINUTES"
	echo "rate=$RATE"
	echo "margin_ms=$MARGIN_MS"
	echo "rss_slack_kb=$RSS_SLACK_KB"
	echo "kills=$KILLS"
	echo "reloads_failed=$RELOADS_FAILED"
	echo "datapath=$DATAPATH"
	echo "inject=$INJECT"
	echo "killed_in_log=$(log_count 'killed by signal 9')"
	for p in "${PROBLEMS[@]}"; do echo "problem=$p"; done
} >"$TMP/meta"
stop_daemon >/dev/null

python3 "$REPORT" "$TMP"
exit $?
