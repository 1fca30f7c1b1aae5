#!/bin/bash
#
# syscalls.sh: the workers' seccomp allow-list (src/worker/sandbox_allow.c)
# holds exactly what sandboxed workers call.  strace follows the daemon
# while its workers run in every mode: frames and blocks rings, two
# workers on an input, interface and udp outputs (one of them refused),
# IPv4 and IPv6, fragmented datagrams, status requests, reloads that bring
# 2,000 rules and change sockets, a worker killed and one stopped by
# SIGTERM, each started again, and the daemon stopping.  From each worker's trace, what it calls
# once its filter is loaded is compared with the list, both ways: a call
# made but not listed fails the test (and would have killed the worker),
# and so does a call listed but never made, unless the list marks it as
# served by the vDSO or as present in test builds only.  Sends must carry
# no address.
#
#   SRC --s0/rin-- RELAY --rout1/d0-- DST1 (IPv4 and IPv6)
#                        --rout2/d0-- DST2

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
require_python
command -v strace >/dev/null || fail "strace is missing (contrib/install-deps.sh installs it)"
ALLOWLIST=${ALLOWLIST:-$top_builddir/tests/tools/allowlist}
[ -x "$ALLOWLIST" ] || fail "no $ALLOWLIST (make builds it)"
[[ " $("$MCRELAY" version | sed -n 's/^features: //p') " == *" seccomp "* ]] ||
    fail "this build has no seccomp filter to compare (configure found no libseccomp)"

topo_basic ipv6
must ip -n "$SRC" addr add 2001:db8:1::1/64 dev s0 nodad
must ip -n "$RELAY" addr add 2001:db8:1::2/64 dev rin nodad

# LeakSanitizer cannot run under a tracer: the supervisor of a sanitizer
# build would fail at exit (its workers check for leaks before their
# sandbox, and not when traced).
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0

TRACE=$TMP/trace
mkdir -p "$TRACE" && chmod 755 "$TRACE" || fail "cannot make $TRACE"

# conf_main [EXTRA_RULES]: every kind of output and both families.
conf_main() {
	conf_global
	conf_rule v4 rin 239.1.1.1 5000 rout1 "rout2 vlan 200 239.2.2.2:6000" \
	    "udp 10.2.0.2:7000" "udp 10.3.0.2:7001"
	printf '[rule v6]\ninput = rin\ngroup = ff3e::1234\nport = 5000\noutput = rout1 [ff3e::4321]:6000\n\n'
	[ "${1:-0}" -gt 0 ] && awk -v n="$1" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "[rule x%d]\ninput = rin\ngroup = 239.100.%d.%d\nport = 5000\noutput = rout2\n\n",
			    i, int(i / 256), i % 256
	}'
}

traced() {
	local p
	for p; do
		grep -Eq '^TracerPid:[[:space:]]*[1-9]' "/proc/$p/status" 2>/dev/null || return 1
	done
}

# trace_start NAME: strace follows the supervisor (and the workers it
# starts from now on) and every running worker, one file per process.
STRACE_PID=
trace_start() {
	local args=(-p "$DAEMON_PID") w
	for w in $(daemon_workers); do args+=(-p "$w"); done
	echo "$1.$DAEMON_PID" >>"$TMP/supervisors"
	strace -f -ff -qq -s 0 -o "$TRACE/$1" "${args[@]}" 2>"$TMP/strace.err" &
	STRACE_PID=$!
	PIDS+=("$STRACE_PID")
	# shellcheck disable=SC2046
	wait_until 10 traced "$DAEMON_PID" $(daemon_workers) ||
	    fail "strace did not attach: $(cat "$TMP/strace.err")"
}

# trace_end: the daemon is stopped while traced, so that its exit is seen.
trace_end() {
	stop_daemon
	wait_until 10 pid_gone "$STRACE_PID" || kill -INT "$STRACE_PID"
	wait "$STRACE_PID" 2>/dev/null
	forget_pid "$STRACE_PID"
}

traffic() {
	send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -n 300 -r 3000 -t 16 -s 200
	send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -n 30 -r 1000 -t 16 -s 4000
	send_from "$SRC" -g ff3e::1234 -p 5000 -I s0 -B 2001:db8:1::1 -n 100 -r 2000 -t 16 -s 100
	ctl status || fail "status failed: $(ctl_output)"
	ctl status --json || fail "status --json failed: $(ctl_output)"
}

# --- frames mode: every output kind, a reload to 2,000 more rules, a respawn
conf_main >"$TMP/a.conf"
start_daemon "$TMP/a.conf"
trace_start frames
traffic
conf_main 2000 >"$TMP/a.conf"
ctl reload || fail "reload: $(ctl_output)"
traffic
# Once more: the counters of 2,002 rules are carried over, sorted.
conf_main 2000 | sed 's/^output = rout2$/output = rout1/' >"$TMP/a.conf"
ctl reload || fail "reload: $(ctl_output)"
traffic
# A worker killed starts again; one stopped with SIGTERM exits by itself.
for sig in KILL TERM; do
	w=$(daemon_workers)
	kill -"$sig" "$w"
	wait_status 10 "worker(\"rin\")[\"pid\"] not in (None, $w) and worker(\"rin\")[\"state\"] == \"running\"" true
	traffic
done
trace_end
note "frames mode traced"

# --- blocks mode and two workers on the input
{
	conf_global
	printf 'ring-mode = blocks\nworkers = 2\n\n'
	conf_main | sed '1,/^$/d'
} >"$TMP/b.conf"
start_daemon "$TMP/b.conf"
trace_start blocks
traffic
trace_end
note "blocks mode, two workers traced"

# What each worker called once its filter was loaded (or since strace
# attached, for one that was sandboxed already), and the allow-list.
"$ALLOWLIST" >"$TMP/allowlist" || fail "allowlist failed"
/usr/bin/python3 - "$TRACE" "$TMP/allowlist" "$TMP/supervisors" <<'EOF' || fail "the allow-list and the calls disagree (above)"
import os, re, sys
trace_dir, allow_path, sup_path = sys.argv[1:4]
supervisors = set(open(sup_path).read().split())
allowed, optional = set(), set()
for line in open(allow_path):
    name, kind, *flags = line.split()
    if kind == "allow":
        allowed.add(name)
    if flags:
        optional.add(name)
call = re.compile(r"^([a-z0-9_]+)\(")
seen_by_mode, bad = {}, []
for f in sorted(os.listdir(trace_dir)):
    mode, pid = f.rsplit(".", 1)
    if f in supervisors:
        continue
    lines = open(os.path.join(trace_dir, f)).read().splitlines()
    start = None
    for i, l in enumerate(lines):
        if l.startswith("seccomp(SECCOMP_SET_MODE_FILTER, 0, {"):
            start = i + 1
    if start is None:
        if any(l.startswith("execve(") for l in lines):
            continue          # a child that never got sandboxed
        start = 0             # attached to a worker sandboxed before
    calls = seen_by_mode.setdefault(mode, {})
    for l in lines[start:]:
        if "killed by SIGSYS" in l or l.startswith("--- SIGSYS"):
            bad.append("%s worker %s: %s" % (mode, pid, l))
        m = call.match(l)
        if not m:
            continue
        name = m.group(1)
        calls[name] = calls.get(name, 0) + 1
        if name == "sendto" and not l.rstrip().split(" = ")[0].endswith("NULL, 0)"):
            bad.append("%s worker %s: a send with an address: %s" % (mode, pid, l))
        if name == "sendmsg" and not l.startswith("sendmsg(3,"):
            bad.append("%s worker %s: sendmsg other than on the channel: %s" % (mode, pid, l))
seen = set()
for mode, calls in seen_by_mode.items():
    print("# %s: %s" % (mode, " ".join("%s:%d" % kv for kv in sorted(calls.items()))))
    seen |= set(calls)
if not seen_by_mode:
    bad.append("no worker was traced")
for name in sorted(seen - allowed):
    bad.append("called but not in the allow-list: %s" % name)
for name in sorted(allowed - seen - optional):
    bad.append("in the allow-list but never called: %s" % name)
for b in bad:
    print("FAILED: " + b)
print("# allow-list: %d calls (%d may go unseen: %s); seen: %d" %
      (len(allowed), len(optional & allowed), " ".join(sorted(optional & allowed)), len(seen)))
sys.exit(1 if bad else 0)
EOF
pass "every call of the sandboxed workers is on the allow-list, and every entry of it was called"
