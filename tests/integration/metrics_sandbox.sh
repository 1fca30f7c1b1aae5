#!/bin/bash
#
# metrics_sandbox.sh: the metrics process against hostile HTTP clients, and
# the supervisor against a hostile metrics process.
#
#  1. HTTP (the process must go on, the same pid, and keep answering):
#     200 idle connections at once (it holds 64 at most, the oldest idle
#     one making room), a client that trickles its request (cut at 5 s),
#     an oversize head (431), binary junk (400), a client that asks for
#     the document (about 400 KiB: 300 rules) and never reads it; scrapes
#     answer throughout, its descriptors stay below its limit and its
#     memory small.
#  2. Its seccomp allow-list (src/metrics/metrics_allow.c) holds exactly
#     what it calls: strace follows it through all of the above and a
#     SIGTERM (it is started again), and each call seen once it is
#     sandboxed must be on the list, each entry of the list seen (but those
#     of the vDSO and of sanitizer builds); sends carry no address, recvmsg
#     and sendmsg go to the channel only.
#  3. Test hooks (SIGUSR2 with a value): the metrics process sends garbage,
#     a wrong token, a message it may not send, requests faster than they
#     are answered, a descriptor, an oversize message; opens a file, makes
#     a socket.  Each time the supervisor logs why and ends it (or seccomp
#     does), starts it again with a back-off that doubles, and goes on:
#     status answers, the workers forward, scrapes answer.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/metrics_lib.sh"

require_root
require_binaries
require_om_parser
require_feature test-hooks "the metrics process's test hooks (configure --enable-test-hooks)"
command -v strace >/dev/null || fail "strace is missing (contrib/install-deps.sh installs it)"
ALLOWLIST=${ALLOWLIST:-$top_builddir/tests/tools/allowlist}
[ -x "$ALLOWLIST" ] || fail "no $ALLOWLIST (make builds it)"
has_feature seccomp || fail "this build has no seccomp filter (configure found no libseccomp)"
# LeakSanitizer cannot run under a tracer.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0

PORT=9236
RULES=300

topo_basic
{
	conf_global | sed "0,/^\$/s||metrics-listen = 127.0.0.1:$PORT\n|"
	conf_rule main rin 239.1.1.1 5000 "rout1 239.2.2.2:6000"
	awk -v n="$RULES" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "[rule x%d]\ninput = rin\ngroup = 239.100.%d.%d\nport = 5000\noutput = rout2\noutput = rout1 239.101.%d.%d:6000\n\n",
			    i, int(i / 256), i % 256, int(i / 256), i % 256
	}'
} >"$TMP/sandbox.conf"

# The hostile clients, run inside RELAY.
cat >"$TMP/hostile.py" <<'EOF'
import os, socket, sys, time
mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])

def conn():
    s = socket.create_connection((host, port), timeout=15)
    return s

def answer(s):
    data = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except ConnectionResetError:
        pass
    return data.split(b"\r\n", 1)[0].decode("latin-1")

if mode == "idle":            # idle N SECONDS: N connections that never ask
    n, hold = int(sys.argv[4]), float(sys.argv[5])
    socks = [conn() for _ in range(n)]
    print("open", n, flush=True)
    open(sys.argv[6], "w").write("ready\n")
    end = time.time() + hold
    closed = set()
    while time.time() < end and len(closed) < n:
        for i, s in enumerate(socks):
            if i in closed:
                continue
            s.setblocking(False)
            try:
                if s.recv(1) == b"":
                    closed.add(i)
            except BlockingIOError:
                pass
            except OSError:
                closed.add(i)
        time.sleep(0.05)
    print("closed=%d of %d" % (len(closed), n))
elif mode == "slow":          # a head trickled a line at a time: cut after 5 s
    s = conn()
    start = time.time()
    s.sendall(b"GET /metrics HTTP/1.1\r\n")
    try:
        for i in range(40):
            time.sleep(0.25)
            s.sendall(b"X-Slow-%d: yes\r\n" % i)
    except OSError:
        pass
    s.settimeout(15)
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass
    print("cut=%.1f" % (time.time() - start))
elif mode == "big":           # a head of 20,000 bytes
    s = conn()
    try:
        s.sendall(b"GET /metrics HTTP/1.1\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
    except OSError:
        pass
    print(answer(s))
elif mode == "junk":
    s = conn()
    s.sendall(os.urandom(3000).replace(b"G", b"\x00"))
    print(answer(s))
elif mode == "noread":        # asks for the document and never reads it
    s = conn()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(b"GET /metrics HTTP/1.1\r\n\r\n")
    open(sys.argv[4], "w").write("ready\n")
    time.sleep(float(sys.argv[5]))
    print("held")
EOF
hostile() {
	timeout 60 ip netns exec "$RELAY" "$OM_PYTHON" "$TMP/hostile.py" "$1" 127.0.0.1 "$PORT" "${@:2}"
}

# scrape_ok: a scrape answers 200 with the rules' samples, within 3 s.
scrape_ok() {
	local t0 t1
	_now
	t0=$_NOW
	scrape 127.0.0.1 "$PORT" >"$TMP/scrape.err" 2>&1 ||
	    fail "a scrape failed: $(cat "$TMP/scrape.err")"
	_now
	t1=$_NOW
	[ $((t1 - t0)) -lt 3000000 ] || fail "a scrape took $(((t1 - t0) / 1000)) ms"
	[ "$(om_eval "total('mcrelay_rule_active')")" -ge 0 ] || fail "the scrape has no rules"
}

start_daemon "$TMP/sandbox.conf"
wait_until 10 scrape 127.0.0.1 "$PORT" >/dev/null || fail "GET /metrics did not answer"
size=$(stat -c %s "$TMP/metrics.json.txt")
mpid=$(metrics_pid) || fail "no metrics process"
note "metrics process $mpid serves $size bytes for $((RULES + 1)) rules"

# --- strace follows it from here on, and the supervisor, so that the next
# metrics process it starts is followed from its start.
TRACE=$TMP/trace
mkdir -p "$TRACE"
strace -f -ff -qq -s 0 -o "$TRACE/t" -p "$DAEMON_PID" -p "$mpid" 2>"$TMP/strace.err" &
STRACE_PID=$!
PIDS+=("$STRACE_PID")
traced() {
	local p
	for p; do
		grep -Eq '^TracerPid:[[:space:]]*[1-9]' "/proc/$p/status" 2>/dev/null || return 1
	done
}
wait_until 10 traced "$DAEMON_PID" "$mpid" || fail "strace did not attach: $(cat "$TMP/strace.err")"

# --- 1. hostile HTTP clients
for _ in 1 2 3; do scrape_ok; done
hostile idle 200 9 "$TMP/idle.ready" >"$TMP/idle.out" 2>&1 &
IDLE=$!
PIDS+=("$IDLE")
wait_file "$TMP/idle.ready" 20 || fail "the idle clients did not connect: $(cat "$TMP/idle.out")"
fds=$(fd_count "$mpid")
for _ in 1 2 3 4 5; do scrape_ok; done
[ "$fds" -le 80 ] || fail "with 200 idle clients the metrics process holds $fds descriptors"
hostile slow >"$TMP/slow.out" 2>&1 &
SLOW=$!
PIDS+=("$SLOW")
got=$(hostile big) || fail "the oversize head: $got"
[ "$got" = "HTTP/1.1 431 Request Header Fields Too Large" ] || fail "an oversize head got '$got'"
got=$(hostile junk) || fail "junk: $got"
[ "$got" = "HTTP/1.1 400 Bad Request" ] || fail "binary junk got '$got'"
hostile noread "$TMP/noread.ready" 6 >"$TMP/noread.out" 2>&1 &
NOREAD=$!
PIDS+=("$NOREAD")
wait_file "$TMP/noread.ready" 20 || fail "the client that does not read did not ask"
for _ in 1 2 3; do scrape_ok; done
wait "$IDLE" || fail "the idle clients failed: $(cat "$TMP/idle.out")"
forget_pid "$IDLE"
grep -q "closed=200 of 200" "$TMP/idle.out" ||
    fail "not every idle client was let go within 9 s: $(cat "$TMP/idle.out")"
wait "$SLOW" || fail "the slow client failed: $(cat "$TMP/slow.out")"
forget_pid "$SLOW"
cut=$(sed -n 's/^cut=//p' "$TMP/slow.out")
[ -n "$cut" ] && awk -v c="$cut" 'BEGIN { exit !(c >= 4.5 && c <= 7.5) }' ||
    fail "the trickling client was cut after ${cut:-?} s, expected about 5"
wait "$NOREAD"
forget_pid "$NOREAD"
[ "$(metrics_pid)" = "$mpid" ] || fail "the metrics process changed under hostile clients"
rss=$(proc_field "$mpid" VmRSS | cut -d' ' -f1)
[ "$rss" -lt 40000 ] || fail "the metrics process takes $rss kB"
scrape_ok
note "200 idle, a trickling one (cut after $cut s), 431, 400, one not reading: process $mpid answered throughout, $fds descriptors, $rss kB"

# --- 2. its allow-list against what it calls: this process until its
# SIGTERM, the next from its start through a few scrapes.
kill -TERM "$mpid"
wait_until 10 metrics_pid_is_not "$mpid" || fail "the metrics process was not started again after SIGTERM"
wait_until 10 traced "$(metrics_pid)" || fail "strace does not follow the new metrics process"
for _ in 1 2 3; do scrape_ok; done
next=$(metrics_pid)
kill -INT "$STRACE_PID"
wait_until 10 pid_gone "$STRACE_PID" || fail "strace did not stop"
wait "$STRACE_PID" 2>/dev/null
forget_pid "$STRACE_PID"
[ -s "$TRACE/t.$mpid" ] && [ -s "$TRACE/t.$next" ] ||
    fail "no trace of the metrics processes $mpid and $next: $(ls "$TRACE")"
"$ALLOWLIST" metrics >"$TMP/allowlist" || fail "allowlist metrics failed"
"$OM_PYTHON" - "$TRACE/t.$mpid" "$TRACE/t.$next" "$TMP/allowlist" <<'EOF' || fail "the allow-list and the calls disagree (above)"
import re, sys
lines = []
for path in sys.argv[1:3]:
    trace = open(path).read().splitlines()
    start = 0           # attached once sandboxed: all of it
    for i, l in enumerate(trace):
        if l.startswith("seccomp(SECCOMP_SET_MODE_FILTER, 0, {"):
            start = i + 1
    if path == sys.argv[2] and start == 0:
        sys.exit("FAILED: the new metrics process loaded no filter: " + path)
    lines += trace[start:]
allowed, optional = set(), set()
for line in open(sys.argv[3]):
    name, kind, *flags = line.split()
    if kind == "allow":
        allowed.add(name)
    if flags:
        optional.add(name)
call = re.compile(r"^([a-z0-9_]+)\(")
calls, bad = {}, []
for l in lines:
    if "killed by SIGSYS" in l or l.startswith("--- SIGSYS"):
        bad.append("a call refused: " + l)
    m = call.match(l)
    if not m:
        continue
    name = m.group(1)
    calls[name] = calls.get(name, 0) + 1
    if name == "sendto" and not l.rstrip().split(" = ")[0].endswith("NULL, 0)"):
        bad.append("a send with an address: " + l)
    if name in ("sendmsg", "recvmsg") and not l.startswith(name + "(3,"):
        bad.append("%s other than on the channel: %s" % (name, l))
print("# seen: " + " ".join("%s:%d" % kv for kv in sorted(calls.items())))
for name in sorted(set(calls) - allowed):
    bad.append("called but not in the allow-list: " + name)
for name in sorted(allowed - set(calls) - optional):
    bad.append("in the allow-list but never called: " + name)
for b in bad:
    print("FAILED: " + b)
sys.exit(1 if bad else 0)
EOF
log_has "metrics process exited with status 0; restart 1 in 100 ms" ||
    fail "no log line for the metrics process's end on SIGTERM"
wait_until 10 scrape 127.0.0.1 "$PORT" >/dev/null || fail "no answer after the SIGTERM"
note "every call it made is on its allow-list, and every entry was called"

# --- 3. a hostile metrics process
# attack N ERE RESTART: SIGUSR2 with value N; the supervisor's log must
# match ERE, the process must be started again (restart number RESTART),
# and the daemon must go on.
attack() {
	local n=$1 ere=$2 restart=$3 old
	old=$(metrics_pid) || fail "no metrics process before attack $n"
	/bin/kill -s USR2 -q "$n" "$old" || fail "cannot signal the metrics process"
	wait_until 10 pid_gone "$old" || fail "attack $n: the metrics process $old is still running"
	wait_until 10 log_has "$ere" || fail "attack $n: no log line /$ere/"
	log_has "metrics process .*; restart $restart in [0-9]+ ms" ||
	    fail "attack $n: no restart $restart"
	wait_until 15 metrics_pid_is_not "$old" || fail "attack $n: no new metrics process"
	pid_alive "$DAEMON_PID" || fail "attack $n: the supervisor died"
	ctl status || fail "attack $n: status failed: $(ctl_output)"
	wait_until 10 scrape 127.0.0.1 "$PORT" >/dev/null || fail "attack $n: no answer after"
	note "attack $n: $(grep -E "$ere" "$TMP/daemon.log" | tail -n 1 | cut -c 14-)"
}
P='metrics process \(pid [0-9]+\): '
attack 0 "${P}bad UNKNOWN message: protocol version mismatch; stopping it" 2
attack 1 "${P}bad METRICS_REQ message: wrong token; stopping it" 3
attack 2 "${P}bad STATS message: unknown message type; stopping it" 4
log_has 'metrics process killed by signal 9 \(Killed\); restart 4 in 800 ms' ||
    fail "the back-off did not double: $(grep 'restart' "$TMP/daemon.log")"
stop_daemon

# A fresh daemon for the rest, so that the back-off starts again.
start_daemon "$TMP/sandbox.conf"
wait_until 10 scrape 127.0.0.1 "$PORT" >/dev/null || fail "GET /metrics did not answer"
attack 3 "${P}a second METRICS_REQ before the answer to the first was sent; stopping it" 1
attack 4 "${P}bad METRICS_REQ message: wrong number of file descriptors for the message type; stopping it" 2
attack 5 "${P}bad message; stopping it: Message too long" 3
attack 6 "metrics process killed by signal 31 \(Bad system call\); restart 4" 4
attack 7 "metrics process killed by signal 31 \(Bad system call\); restart 5" 5
log_has 'restart 5 in 1600 ms' || fail "the back-off did not double: $(grep 'restart' "$TMP/daemon.log")"
log_has 'test hook: open /etc/passwd' && fail "the metrics process opened /etc/passwd"
log_has 'test hook: socket: [0-9]' && fail "the metrics process made a socket"
# The workers forwarded throughout.
start_recv mc "$DST1" d0 239.2.2.2 6000 -n 100 -T 30 -q 2000
send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -n 100 -r 1000 -t 16
expect_recv_ok mc
[ "$(log_count 'worker\[rin\].*restart')" = 0 ] || fail "a worker was restarted"
stop_daemon
pass "hostile clients held off ($cut s for the trickling one), the allow-list exact, 8 attacks from inside each ended and logged"
