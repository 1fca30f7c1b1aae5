#!/bin/bash
#
# scale.sh: 2,000 rules on one input, as a user with a large configuration
# runs it.  While a stream flows through one of them:
#   - three rounds of 20 `status` calls in parallel all answer, with every
#     rule, and the worker is never restarted;
#   - a reload to 2,001 rules answers "reload applied" only once the worker
#     has adopted it, and the new rule is active at once;
#   - 1,000 clients that ask and hang up at once, then 1,000 that connect
#     and stay idle, do not keep root's `status` out, and every descriptor
#     comes back;
# and the stream loses nothing.

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
require_python
topo_basic

RULES=2000
RATE=5000
CFG=$TMP/scale.conf

# write_conf EXTRA: the live rule, RULES-1 others, and rule "extra" if EXTRA=1.
write_conf() {
	{
		conf_global info
		conf_rule live rin 239.1.1.1 5000 rout1
		for ((i = 1; i < RULES; i++)); do
			printf '[rule r%d]\ninput = rin\ngroup = 239.2.%d.%d\nport = 6000\noutput = rout2\n\n' \
			    "$i" $((i / 250)) $((i % 250 + 1))
		done
		[ "$1" = 1 ] && conf_rule extra rin 239.1.1.2 5001 rout2
	} >"$CFG.new"
	mv -f "$CFG.new" "$CFG"
}

write_conf 0
DAEMON_TIMEOUT=30 start_daemon "$CFG"
wpid=$(daemon_workers)
[ -n "$wpid" ] || fail "no worker"

start_recv live "$DST1" d0 239.1.1.1 5000 -x 15 -T 200 -q 3000
start_stream live "$SRC" -g 239.1.1.1 -p 5000 -I s0 -r "$RATE" -t 16 -s 200

# --- parallel status
for round in 1 2 3; do
	pids=()
	for ((k = 0; k < 20; k++)); do
		timeout 20 "$MCRELAY" -s "$CTL_SOCK" status >"$TMP/st.$k" 2>&1 &
		pids+=("$!")
	done
	bad=0
	for ((k = 0; k < 20; k++)); do
		wait "${pids[$k]}" || bad=$((bad + 1))
		grep -qw "r$((RULES - 1))" "$TMP/st.$k" || bad=$((bad + 1))
	done
	[ "$bad" = 0 ] || fail "round $round: $bad of 20 status calls failed or lacked rules: $(head -c 300 "$TMP/st.0")"
	note "round $round: 20 parallel status calls answered with all $RULES rules"
done
[ "$(daemon_workers)" = "$wpid" ] || fail "the worker changed from $wpid to $(daemon_workers)"
[ "$(log_count 'restart|bad .* message|cannot send')" = 0 ] ||
    fail "restarts or channel errors in the log: $(grep -E 'restart|bad .* message|cannot send' "$TMP/daemon.log" | head -n 3)"

# --- reload to RULES+1 rules
write_conf 1
t0=$(date +%s%N)
rc=0
ctl reload || rc=$?
t1=$(date +%s%N)
[ "$rc" -eq 0 ] || fail "reload to $((RULES + 1)) rules exited $rc: $(ctl_output)"
ctl_said 'reload applied' || fail "reload did not say 'reload applied': $(ctl_output)"
note "reload to $((RULES + 1)) rules confirmed in $(((t1 - t0) / 1000000)) ms"
status_json
v=$(status_eval 'rule("extra")["state"]' 'worker("rin")["pid"]') || fail "bad status: $v"
mapfile -t n <<<"$v"
[ "${n[0]}" = active ] || fail "rule extra is ${n[0]}, not active, after a confirmed reload"
[ "${n[1]}" = "$wpid" ] || fail "the worker changed during the reload"

# --- control flood
sv_fds=$(fd_count "$DAEMON_PID")
cat >"$TMP/flood.py" <<'EOF'
import resource, socket, subprocess, sys, time
path, mcrelay = sys.argv[1], sys.argv[2]
resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
def status_ok():
    r = subprocess.run([mcrelay, "-s", path, "status"], capture_output=True, timeout=20)
    return r.returncode == 0 and b"live" in r.stdout
for i in range(1000):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(b"status\n")
    s.close()
if not status_ok():
    sys.exit("status failed after 1000 ask-and-close clients")
idle = []
for i in range(1000):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect(path)
    except BlockingIOError:
        pass
    idle.append(s)
    if i % 250 == 249 and not status_ok():
        sys.exit("status failed with %d idle clients" % (i + 1))
for s in idle:
    s.close()
EOF
"$PYTHON" "$TMP/flood.py" "$CTL_SOCK" "$MCRELAY" || fail "control flood"
note "status answered through 1,000 ask-and-close and 1,000 idle clients"
wait_until 15 fd_count_is "$DAEMON_PID" "$sv_fds" ||
    fail "the supervisor has $(fd_count "$DAEMON_PID") descriptors, $sv_fds before the flood"
note "the supervisor is back to $sv_fds descriptors"

stop_stream live
sent=$STREAM_SENT
expect_all live "$sent"
[ "$(daemon_workers)" = "$wpid" ] || fail "the worker was restarted"
stop_daemon
pass "$RULES rules: parallel status, reload, control flood; $sent packets, none lost"
