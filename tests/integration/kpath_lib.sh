# shellcheck shell=bash
#
# kpath_lib.sh: the kernel path's helpers for the kpath_*.sh integration
# tests, over lib.sh (source that first).  The program is attached at
# RELAY's rin by tests/tools/kpathctl, the supervisor's loader in a
# process of its own.

KPATHCTL=${KPATHCTL:-$top_builddir/tests/tools/kpathctl}
UDPRECV=${UDPRECV:-$top_builddir/tests/tools/udprecv}

# require_kpath: kpathctl is built, and the tools the checks use are there.
require_kpath() {
	local c
	[ -x "$KPATHCTL" ] || fail "$KPATHCTL is missing: build first (configure found no kernel path?)"
	for c in ethtool tc bpftool; do
		command -v "$c" >/dev/null || fail "$c is missing (contrib/install-deps.sh installs it)"
	done
}

KPATH_PID=

# start_kpath CONF [KPATHCTL ARGS...]: attaches the program for CONF at
# rin's ingress in RELAY; KPATH_PID, KPATH_LOG (what kpathctl printed).
start_kpath() {
	local conf=$1
	shift
	rm -f "$TMP/kpath.ready" "$TMP/kpath.counters"
	bg_ns "$RELAY" "$KPATHCTL" -c "$conf" -i rin -R "$TMP/kpath.ready" \
	    -o "$TMP/kpath.counters" "$@"
	KPATH_PID=$BG_PID
	KPATH_LOG=$BG_LOG
	wait_until 10 _kpath_ready_or_dead ||
	    fail "kpathctl not ready after 10s: $(cat "$KPATH_LOG")"
	[ -s "$TMP/kpath.ready" ] || fail "kpathctl exited: $(cat "$KPATH_LOG")"
	note "$(grep attached "$KPATH_LOG")"
}

_kpath_ready_or_dead() {
	[ -s "$TMP/kpath.ready" ] || pid_gone "$KPATH_PID"
}

# stop_kpath [SIGNAL]: TERM (a clean detach, status 0) or KILL (a crash).
stop_kpath() {
	local sig=${1:-TERM} rc
	kill -"$sig" "$KPATH_PID"
	wait_until 10 pid_gone "$KPATH_PID" || fail "kpathctl did not exit after SIG$sig"
	{ wait "$KPATH_PID"; } 2>/dev/null
	rc=$?
	forget_pid "$KPATH_PID"
	[ "$sig" != TERM ] || [ "$rc" -eq 0 ] || fail "kpathctl exited $rc: $(cat "$KPATH_LOG")"
	KPATH_PID=
}

# counter KIND NAME... KEY: a value from the counters kpathctl writes on SIGUSR1
# ("rule video packets_in", "output video 1 packets", "totals no_rule").
counter() {
	local key=${*: -1} args=("${@:1:$#-1}")
	rm -f "$TMP/kpath.counters"
	kill -USR1 "$KPATH_PID"
	wait_file "$TMP/kpath.counters" 5 || fail "kpathctl wrote no counters"
	awk -v want="${args[*]}" -v key="$key" '
		{ head = $1; for (i = 2; i <= NF && $i !~ /=/; i++) head = head " " $i }
		head == want { for (; i <= NF; i++) { split($i, kv, "="); if (kv[1] == key) print kv[2] } }
	' "$TMP/kpath.counters"
}

# expect_counter KIND NAME... KEY VALUE: the counter has VALUE.
expect_counter() {
	local v
	v=$(counter "${@:1:$#-1}")
	[ "$v" = "${*: -1}" ] || fail "counter ${*:1:$#-1} is '$v', expected ${*: -1}: $(cat "$TMP/kpath.counters")"
}

# tc_filters: mcrelay's cls_bpf filters (its handle) at rin's ingress.
tc_filters() {
	ip netns exec "$RELAY" tc filter show dev rin ingress | grep -c "handle 0x6d63"
}

# tcx_programs: the programs at rin's tcx ingress (bpftool 7.1 shows no tcx link's device).
tcx_programs() {
	ip netns exec "$RELAY" "$KPATHCTL" -q rin | sed -n 's/^tcx: //p'
}

# kpath_updated N: kpathctl has swapped in N new instances.
kpath_updated() {
	[ "$(grep -c '^updated' "$KPATH_LOG" 2>/dev/null)" -ge "$1" ]
}
