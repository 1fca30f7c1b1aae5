#!/bin/bash
#
# control.sh: the control socket and `mcrelay status`.
#   - the socket is a socket, mode 0660, root and the control group (one
#     the test creates, not the workers' group);
#   - `status` answers (also finding the socket through -c), and names the
#     rules and the worker pids; `status --json` has every documented
#     field with the right type, and its counters match the traffic;
#   - 50 idle connections and one that sent half a request and never
#     reads do not keep `status` from answering within 2 s, and leave no
#     descriptor behind once closed;
#   - root and members of the control group (primary or supplementary) are
#     let in; another user is not, nor the workers' user, nor members of
#     the workers' group, neither by the socket's mode nor, given
#     CAP_DAC_OVERRIDE, by the daemon itself;
#   - a control group that does not exist (named, or the default mcrelay
#     where there is none) stops the start and a reload with status 67 and
#     says what to do; `check` only warns; a reload that names another
#     group warns that it takes effect at the next start;
#   - with no daemon to reach, the client exits 69.

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
require_python
command -v setpriv >/dev/null || fail "setpriv (util-linux) is missing"
topo_basic

EX_UNAVAILABLE=69
EX_NOUSER=67
EX_NOPERM=77
NOBODY=65534	# the workers' user ...
NOGROUP=65534	# ... and group
OTHER=1		# daemon: neither root, nor the workers' user, nor in the control group
COUNT=1000
IDLE=50
CFG=$TMP/control.conf
CTL_GROUP=${PREFIX}ctl
group_add "$CTL_GROUP"
CTL_GID=$(getent group "$CTL_GROUP" | cut -d: -f3)
[[ $CTL_GID =~ ^[0-9]+$ ]] || fail "no gid for the group $CTL_GROUP just created"

{
	conf_global
	conf_rule video1 rin 239.1.1.1 5000 "rout1 239.9.9.9:6000"
	conf_rule audio2 rout2 239.3.3.3 5001 "rout1 239.4.4.4:6001"
} >"$CFG"
start_daemon "$CFG"

# --- the socket
[ -S "$CTL_SOCK" ] || fail "$CTL_SOCK is not a socket: $(ls -l "$CTL_SOCK" 2>&1)"
v=$(stat -c '%a %u %g' "$CTL_SOCK")
[ "$v" = "660 0 $CTL_GID" ] || fail "$CTL_SOCK: mode, owner, group are $v, expected 660 0 $CTL_GID"
note "socket $CTL_SOCK: mode 660, root:$CTL_GROUP ($CTL_GID)"

# --- plain status, through -s and through -c
mapfile -t workers < <(daemon_workers)
[ ${#workers[@]} -eq 2 ] || fail "expected 2 workers, the supervisor has: ${workers[*]}"
rc=0
ctl status || rc=$?
[ "$rc" -eq 0 ] || fail "status exited $rc: $(ctl_output)"
for w in video1 audio2 "${workers[@]}"; do
	grep -qw -- "$w" "$TMP/ctl.out" || fail "status does not mention $w: $(cat "$TMP/ctl.out")"
done
rc=0
timeout 10 "$MCRELAY" -c "$CFG" status >"$TMP/c.out" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || fail "status with -c (socket from the file) exited $rc: $(cat "$TMP/c.out")"
grep -qw video1 "$TMP/c.out" || fail "status with -c does not mention video1: $(cat "$TMP/c.out")"
note "status answers through -s and -c"

# --- status --json: the documented fields
cat >"$TMP/schema.py" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
errors = []
NUM = (int, float)
def need(obj, where, key, types, nullable=False):
    if not isinstance(obj, dict) or key not in obj:
        errors.append("%s: no %r" % (where, key))
        return None
    v = obj[key]
    if v is None and nullable:
        return v
    if isinstance(v, bool) or not isinstance(v, types):
        errors.append("%s.%s: %r is not %s" % (where, key, v,
            types.__name__ if isinstance(types, type) else "a number"))
    return v
for k, t in (("version", str), ("config", str), ("generation", int),
             ("pid", int), ("uptime_s", NUM), ("workers", list), ("rules", list)):
    need(d, "status", k, t)
for i, w in enumerate(d.get("workers") or []):
    at = "workers[%d]" % i
    for k, t in (("input", str), ("pid", int), ("state", str), ("uptime_s", NUM),
                 ("restarts", int), ("rx_packets", int), ("rx_bytes", int),
                 ("drops", dict)):
        need(w, at, k, t, nullable=k in ("pid", "uptime_s"))
    if w.get("state") not in ("running", "restarting"):
        errors.append("%s.state: %r" % (at, w.get("state")))
    for k in ("no_match", "malformed", "not_udp", "fragments", "ttl_expired",
              "send_errors", "too_big", "ring", "egress_full"):
        need(w.get("drops"), at + ".drops", k, int)
for i, r in enumerate(d.get("rules") or []):
    at = "rules[%d]" % i
    for k, t, n in (("name", str, 0), ("input", str, 0), ("group", str, 0),
                    ("port", int, 1), ("source", str, 1), ("state", str, 0),
                    ("packets_in", int, 0), ("bytes_in", int, 0), ("pps", NUM, 0),
                    ("bps", NUM, 0), ("ttl_expired", int, 0),
                    ("last_packet_age_s", NUM, 1), ("outputs", list, 0)):
        need(r, at, k, t, nullable=bool(n))
    if r.get("state") not in ("active", "pending"):
        errors.append("%s.state: %r" % (at, r.get("state")))
    for j, o in enumerate(r.get("outputs") or []):
        ot = "%s.outputs[%d]" % (at, j)
        for k, t, n in (("interface", str, 0), ("group", str, 0), ("port", int, 1),
                        ("state", str, 0), ("packets_out", int, 0), ("bytes_out", int, 0),
                        ("pps", NUM, 0), ("bps", NUM, 0), ("send_errors", int, 0),
                        ("too_big", int, 0), ("egress_full", int, 0)):
            need(o, ot, k, t, nullable=bool(n))
        if o.get("state") not in ("active", "pending"):
            errors.append("%s.state: %r" % (ot, o.get("state")))
for e in errors:
    print(e)
sys.exit(1 if errors else 0)
EOF

status_json
"$PYTHON" "$TMP/schema.py" "$TMP/status.json" >"$TMP/schema.out" ||
    fail "status --json lacks documented fields: $(cat "$TMP/schema.out"); document: $(cat "$TMP/status.json")"
v=$(status_eval 'd["pid"]' 'd["config"]' 'd["version"]' \
    '" ".join(r["name"] for r in d["rules"])' \
    '" ".join(sorted(str(w["pid"]) for w in d["workers"]))' \
    'rule("video1")["input"]' 'rule("video1")["group"]' 'rule("video1")["port"]' \
    'rule("video1")["source"]' 'rule("video1")["state"]' \
    'output("video1", "rout1")["group"]' 'output("video1", "rout1")["port"]' \
    'output("video1", "rout1")["state"]' 'rule("video1")["last_packet_age_s"]') ||
    fail "unexpected status: $v"
mapfile -t n <<<"$v"
[ "${n[0]}" = "$DAEMON_PID" ] || fail "status pid ${n[0]}, the supervisor is $DAEMON_PID"
[ "${n[1]}" = "$CFG" ] || fail "status config '${n[1]}', expected $CFG"
mcrelay_version=$("$MCRELAY" version 2>&1)
[[ $mcrelay_version == *"${n[2]}"* ]] ||
    fail "status version '${n[2]}' is not what 'mcrelay version' says: $("$MCRELAY" version 2>&1)"
[ "${n[3]}" = "video1 audio2" ] || fail "status rules: '${n[3]}', expected 'video1 audio2'"
[ "${n[4]}" = "$(printf '%s\n' "${workers[@]}" | sort | xargs)" ] ||
    fail "status worker pids '${n[4]}', the supervisor's children are ${workers[*]}"
[ "${n[*]:5:9}" = "rin 239.1.1.1 5000 null active 239.9.9.9 6000 active null" ] ||
    fail "rule video1 before any traffic: ${n[*]:5:9}, expected rin 239.1.1.1 5000 null active 239.9.9.9 6000 active null"
note "status --json: every documented field, pid, config, version, rules and workers right"

# --- counters
start_recv out "$DST1" d0 239.9.9.9 6000 -n "$COUNT" -x 15 -T 30 -q 3000
send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -n "$COUNT" -r 2000 -t 16 -s 200
expect_recv_ok out
got=$(recv_field out received) || fail "no count from the receiver"
status_json
v=$(status_eval 'd["rules"][0]["packets_in"]' 'd["rules"][0]["outputs"][0]["packets_out"]' \
    'd["rules"][0]["bytes_in"] > 0' 'd["rules"][0]["outputs"][0]["bytes_out"] > 0' \
    'worker("rin")["rx_packets"] >= '"$COUNT" \
    'rule("video1")["last_packet_age_s"] is not None and rule("video1")["last_packet_age_s"] >= 0' \
    'rule("audio2")["packets_in"]' 'rule("audio2")["last_packet_age_s"]') ||
    fail "unexpected status: $v"
mapfile -t n <<<"$v"
[ "${n[0]}" = "$COUNT" ] || fail "rules[0].packets_in = ${n[0]}, $COUNT were sent"
[ "${n[1]}" = "$got" ] || fail "rules[0].outputs[0].packets_out = ${n[1]}, the receiver got $got"
[ "${n[*]:2:6}" = "true true true true 0 null" ] ||
    fail "bytes_in > 0, bytes_out > 0, rx_packets >= $COUNT, last_packet_age_s >= 0, audio2 packets_in 0 and age null: ${n[*]:2:6}"
note "counters: packets_in $COUNT, packets_out $got"

# --- idle and half-finished connections
sv_fds=$(fd_count "$DAEMON_PID")
fd_list "$DAEMON_PID" >"$TMP/sv.fds"
cat >"$TMP/idle.py" <<'EOF'
import signal, socket, sys
path, n, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]
held = []
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    held.append(s)
# Half a request, no newline, and the answer (if any) is never read.
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
s.sendall(b"stat")
held.append(s)
with open(ready, "w") as f:
    f.write("%d\n" % len(held))
while True:
    signal.pause()
EOF
bg_ns "$RELAY" "$PYTHON" "$TMP/idle.py" "$CTL_SOCK" "$IDLE" "$TMP/idle.ready"
idle=$BG_PID
wait_until 10 test -s "$TMP/idle.ready" ||
    fail "the idle clients did not connect: $(cat "$BG_LOG")"
note "$(cat "$TMP/idle.ready") idle connections open"
for _ in 1 2 3; do
	_now
	t0=$_NOW
	rc=0
	ctl status || rc=$?
	_now
	ms=$(((_NOW - t0) / 1000))
	[ "$rc" -eq 0 ] || fail "status with idle connections open exited $rc after $ms ms: $(ctl_output)"
	[ "$ms" -lt 2000 ] || fail "status took $ms ms with idle connections open"
	note "status with $IDLE idle connections and a half request: $ms ms"
done
status_json
pid_alive "$idle" || fail "the idle clients were dropped: $(cat "$BG_LOG")"
kill -TERM "$idle"
wait_until 10 pid_gone "$idle" || fail "the idle clients did not stop"
wait "$idle" 2>/dev/null
forget_pid "$idle"
if ! wait_until 5 fd_count_is "$DAEMON_PID" "$sv_fds"; then
	echo "--- before ($sv_fds):" >&2
	cat "$TMP/sv.fds" >&2
	echo "--- now:" >&2
	fd_list "$DAEMON_PID" >&2
	fail "the supervisor has $(fd_count "$DAEMON_PID") descriptors after the idle clients left, $sv_fds before"
fi
note "the idle connections' descriptors were all closed"

# --- who may connect.  The client is copied where any user can run it.
must cp "$MCRELAY" "$TMP/mcrelay"
must chmod 755 "$TMP/mcrelay"

# as_user DESCRIPTION SETPRIV-ARGS...: runs `status` with setpriv's
# credentials; output in $TMP/as.out, status in RC.
as_user() {
	local desc=$1
	shift
	RC=0
	timeout 10 setpriv "$@" "$TMP/mcrelay" -s "$CTL_SOCK" status \
	    >"$TMP/as.out" 2>&1 </dev/null || RC=$?
	[ "$RC" -ne 124 ] || fail "$desc: the client hung"
	note "$desc: status $RC: $(head -n 1 "$TMP/as.out")"
}

# allowed DESCRIPTION SETPRIV-ARGS...
allowed() {
	as_user "$@"
	[ "$RC" -eq 0 ] || fail "$1: refused (status $RC): $(cat "$TMP/as.out")"
	grep -qw video1 "$TMP/as.out" || fail "$1: the status lacks video1: $(cat "$TMP/as.out")"
}

# refused DESCRIPTION STATUS SETPRIV-ARGS...: STATUS "any" for any failure.
refused() {
	local desc=$1 want=$2
	shift 2
	as_user "$desc" "$@"
	[ "$RC" -ne 0 ] || fail "$desc: let in: $(cat "$TMP/as.out")"
	[ "$want" = any ] || [ "$RC" -eq "$want" ] ||
	    fail "$desc: status $RC, expected $want: $(cat "$TMP/as.out")"
	grep -qiE 'refused|permission denied' "$TMP/as.out" ||
	    fail "$desc: no 'refused' or 'permission denied' in: $(cat "$TMP/as.out")"
	grep -qw video1 "$TMP/as.out" && fail "$desc: was shown the status: $(cat "$TMP/as.out")"
	return 0
}

allowed "root" --reuid=0 --regid=0 --clear-groups
allowed "uid $OTHER with primary group $CTL_GID (the control group)" \
    --reuid="$OTHER" --regid="$CTL_GID" --clear-groups
allowed "uid $OTHER with supplementary group $CTL_GID (the control group)" \
    --reuid="$OTHER" --regid="$OTHER" --groups="$CTL_GID"
# The socket's mode keeps these out ...
refused "uid $OTHER" any --reuid="$OTHER" --regid="$OTHER" --clear-groups
refused "the workers' user (uid $NOBODY, gid $NOGROUP)" any \
    --reuid="$NOBODY" --regid="$NOGROUP" --clear-groups
refused "uid $OTHER with supplementary group $NOGROUP (the workers' group)" any \
    --reuid="$OTHER" --regid="$OTHER" --groups="$NOGROUP"
# ... and past the mode, the daemon's own check (SO_PEERCRED) does.
refused "uid $OTHER with CAP_DAC_OVERRIDE" "$EX_NOPERM" \
    --reuid="$OTHER" --regid="$OTHER" --clear-groups \
    --inh-caps=+dac_override --ambient-caps=+dac_override
refused "the workers' user with CAP_DAC_OVERRIDE" "$EX_NOPERM" \
    --reuid="$NOBODY" --regid="$NOGROUP" --clear-groups \
    --inh-caps=+dac_override --ambient-caps=+dac_override
refused "uid $OTHER in the workers' group with CAP_DAC_OVERRIDE" "$EX_NOPERM" \
    --reuid="$OTHER" --regid="$NOGROUP" --groups="$NOGROUP" \
    --inh-caps=+dac_override --ambient-caps=+dac_override
rc=0
ctl status || rc=$?
[ "$rc" -eq 0 ] || fail "status fails after the refused clients: $(ctl_output)"

# --- the control group in a reload: must exist; another one waits for a restart
must cp "$CFG" "$TMP/good.conf"
sed -i "s/^control-group = .*/control-group = ${PREFIX}none/" "$CFG"
rc=0
ctl reload || rc=$?
[ "$rc" -eq "$EX_NOUSER" ] && ctl_said_fixed "control-group '${PREFIX}none' does not exist" ||
    fail "reload with an unknown control group: status $rc, expected $EX_NOUSER: $(ctl_output)"
note "reload with an unknown control group: status $rc: $(grep -hF "control-group" "$TMP/ctl.out" "$TMP/ctl.err")"
sed -i "s/^control-group = .*/control-group = root/" "$CFG"
rc=0
ctl reload || rc=$?
[ "$rc" -eq 0 ] || fail "reload with control-group = root: status $rc: $(ctl_output)"
log_has "control-group changes take effect at the next start" ||
    fail "no warning that a new control-group waits for the next start"
v=$(stat -c '%g' "$CTL_SOCK")
[ "$v" = "$CTL_GID" ] || fail "the socket's group changed at a reload: $v, expected $CTL_GID"
allowed "a member of the control group after the reload" \
    --reuid="$OTHER" --regid="$OTHER" --groups="$CTL_GID"
must cp "$TMP/good.conf" "$CFG"

# --- a control group that does not exist: named, or the default where there is none
# start_refused DESCRIPTION CONFIG MESSAGE: the supervisor must exit 67 at
# once, saying MESSAGE; `check` of the same file passes with a warning.
start_refused() {
	local rc=0
	timeout 10 ip netns exec "$RELAY" "$MCRELAY" -c "$2" supervisor -f \
	    >"$TMP/refused.out" 2>&1 </dev/null || rc=$?
	[ "$rc" -eq "$EX_NOUSER" ] && grep -qF -- "$3" "$TMP/refused.out" ||
	    fail "$1: start exited $rc, expected $EX_NOUSER and '$3': $(cat "$TMP/refused.out")"
	note "$1: status $rc: $(grep -F -- "$3" "$TMP/refused.out")"
	rc=0
	check_conf "$2" || rc=$?
	[ "$rc" -eq 0 ] && grep -q "warning: control-group" "$TMP/check.out" ||
	    fail "$1: check exited $rc without a warning: $(cat "$TMP/check.out")"
}
sed "s/^control-group = .*/control-group = ${PREFIX}none/; s|^control-socket = .*|control-socket = $TMP/other.sock|" \
    "$CFG" >"$TMP/nogroup.conf"
start_refused "an unknown control group" "$TMP/nogroup.conf" \
    "control-group '${PREFIX}none' does not exist: create it"
if getent group mcrelay >/dev/null; then
	note "a group mcrelay exists here: the default cannot be missing"
else
	sed '/^control-group = /d' "$TMP/nogroup.conf" >"$TMP/default.conf"
	start_refused "the default control group, absent" "$TMP/default.conf" \
	    "control-group 'mcrelay' (the default) does not exist: create it"
fi
[ ! -e "$TMP/other.sock" ] || fail "a refused start created its control socket"

# --- nothing to reach
rc=0
timeout 10 "$MCRELAY" -s /nonexistent/sock status >"$TMP/none.out" 2>&1 || rc=$?
[ "$rc" -eq "$EX_UNAVAILABLE" ] ||
    fail "status with -s /nonexistent/sock exited $rc, expected $EX_UNAVAILABLE: $(cat "$TMP/none.out")"
note "no socket: status $rc: $(head -n 1 "$TMP/none.out")"

stop_daemon
rc=0
ctl status || rc=$?
[ "$rc" -eq "$EX_UNAVAILABLE" ] ||
    fail "status with the daemon stopped exited $rc, expected $EX_UNAVAILABLE: $(ctl_output)"
note "daemon stopped: status $rc"

pass "control socket: permissions, status, counters, idle clients, refusals"
