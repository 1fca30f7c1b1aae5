#!/bin/bash
#
# control_memory.sh: clients of the control socket that write without end
# do not make the supervisor's memory grow.  Four clients at a time write
# garbage as fast as the socket takes it, and read nothing until the end:
#   - without ever ending their request line;
#   - after "status", while the answer waits for a worker that does not
#     answer (stopped with SIGSTOP: the wait lasts its whole second);
#   - after "reload", while the reload waits for the stopped worker to
#     adopt the new configuration (3 s of the 10 s it may wait).
# Meanwhile the supervisor's VmRSS is sampled every 20 ms, and its peak
# (VmHWM, reset before each phase) read at the end: neither may exceed the
# resident size before the phase by BOUND_KB.  Then the worker continues,
# and each client must find its answer; the relay adopts the new rule and
# forwards with the same worker.
#
#   SRC --s0/rin-- RELAY --rout1/d0-- DST1

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
require_python
SRC=${PREFIX}src
RELAY=${PREFIX}relay
DST1=${PREFIX}dst1
ns_add "$SRC"
ns_add "$RELAY"
ns_add "$DST1"
veth_pair "$SRC" s0 10.1.0.1/24 "$RELAY" rin 10.1.0.2/24
veth_pair "$RELAY" rout1 10.2.0.1/24 "$DST1" d0 10.2.0.2/24
must ip -n "$SRC" route add 224.0.0.0/4 dev s0

BOUND_KB=16384
CLIENTS=4
CFG=$TMP/memory.conf
{
	conf_global
	conf_rule video1 rin 239.1.1.1 5000 rout1
} >"$CFG"
start_daemon "$CFG"
mapfile -t workers < <(daemon_workers)
[ ${#workers[@]} -eq 1 ] || fail "expected 1 worker, the supervisor has: ${workers[*]}"
worker=${workers[0]}

# flood.py SOCKET PID REQUEST N SECONDS [CONT_PID]: N clients send REQUEST
# (none if empty), then garbage for SECONDS, reading nothing; then, after
# SIGCONT to CONT_PID, each reads its answer.  Prints the supervisor's
# resident size before, its largest sample and its peak (VmHWM) during
# the flood, the bytes the sockets took, and each answer's first line.
cat >"$TMP/flood.py" <<'EOF'
import errno, os, select, signal, socket, sys, time
path, pid, request, n, seconds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
cont = int(sys.argv[6]) if len(sys.argv) > 6 else 0

def status_kb(key):
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise LookupError(key)

with open("/proc/%s/clear_refs" % pid, "w") as f:
    f.write("5\n")      # VmHWM back to VmRSS
before = status_kb("VmRSS")
clients = []
for _ in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    if request:
        s.sendall(request.encode() + b"\n")
    s.setblocking(False)
    clients.append(s)
junk = b"j" * 65536
sent, closed = 0, set()
largest = before
end = time.monotonic() + seconds
next_sample = 0.0
while time.monotonic() < end:
    now = time.monotonic()
    if now >= next_sample:
        largest = max(largest, status_kb("VmRSS"))
        next_sample = now + 0.02
    live = [s for s in clients if s not in closed]
    if not live:
        time.sleep(0.02)
        continue
    _, writable, _ = select.select([], live, [], 0.02)
    for s in writable:
        try:
            sent += s.send(junk)
        except BlockingIOError:
            pass
        except OSError as e:
            if e.errno not in (errno.EPIPE, errno.ECONNRESET):
                raise
            closed.add(s)
largest = max(largest, status_kb("VmRSS"))
peak = status_kb("VmHWM")
if cont:
    os.kill(cont, signal.SIGCONT)
answers = []
for s in clients:
    s.settimeout(15)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except ConnectionResetError:
        pass    # closed with our garbage unread: what it sent before is here
    except socket.timeout:
        data += b"(none)"
    answers.append(data.split(b"\n")[0].decode(errors="replace").replace(" ", "_") or "-")
print("before_kb=%d largest_kb=%d peak_kb=%d sent=%d answers=%s" %
      (before, largest, peak, sent, ",".join(answers)))
EOF

# phase NAME REQUEST SECONDS [CONT_PID]: runs the flood inside RELAY; fails
# if the supervisor grew by BOUND_KB or more, or if an answer was not
# "ok" ("error 64" for the endless line).
phase() {
	local name=$1 want=ok out before largest peak sent answers a
	[ -n "$2" ] || want=error_64
	out=$(ip netns exec "$RELAY" "$PYTHON" "$TMP/flood.py" "$CTL_SOCK" "$DAEMON_PID" \
	    "$2" "$CLIENTS" "$3" ${4:+"$4"} 2>&1) || fail "$name: the flood failed: $out"
	note "$name: $out"
	read -r before largest peak sent answers < <(echo "$out" | sed 's/[a-z_]*=//g')
	[ $((largest - before)) -lt "$BOUND_KB" ] ||
	    fail "$name: the supervisor's VmRSS went from $before kB to $largest kB"
	[ $((peak - before)) -lt "$BOUND_KB" ] ||
	    fail "$name: the supervisor's VmHWM reached $peak kB from $before kB"
	for a in ${answers//,/ }; do
		[ "$a" = "$want" ] || fail "$name: an answer began '$a', expected '$want'"
	done
}

phase "no end of line" "" 1

kill -STOP "$worker"
phase "waiting for stats" status 1.5 "$worker"

# A rule added on rin: the stopped worker must adopt it before reload is answered.
conf_rule video2 rin 239.1.1.2 5000 rout1 >>"$CFG"
kill -STOP "$worker"
phase "waiting for a reload" reload 3 "$worker"
wait_status 15 'rule("video2")["state"]' active
pid_alive "$worker" || fail "the worker was replaced during the test"

start_recv out "$DST1" d0 239.1.1.2 5000 -n 200 -x 15 -T 30 -q 3000
send_from "$SRC" -g 239.1.1.2 -p 5000 -I s0 -n 200 -r 2000 -t 16
expect_recv_ok out

stop_daemon
pass "$CLIENTS flooding clients in each phase, supervisor growth under $BOUND_KB kB"
