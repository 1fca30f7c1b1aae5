#!/usr/bin/env bash
# kpath_crash.sh: a supervisor that dies (SIGKILL) with its kernel path
# attached, and the next start.  With a tcx link (6.6+) the program goes
# with the process; with a cls_bpf filter (attached so for the test, as on
# Debian 12's 6.1 kernel) it stays and keeps relaying, and the next
# supervisor replaces it: one filter, one program, every datagram once.
# A clean stop removes the filter too.
. "$(dirname "$0")/lib.sh"
require_root
require_binaries
require_python
has_feature test-hooks || fail "needs a build with --enable-test-hooks"
command -v tc >/dev/null || fail "tc is missing (contrib/install-deps.sh installs iproute2)"

topo_basic
MCRELAY_DATAPATH=kernel
{
	conf_global
	conf_rule k rin 239.1.1.1 5000 "rout1 239.9.9.9:6000"
} >"$TMP/crash.conf"

filters() {	# mcrelay's filters at rin's ingress
	ip netns exec "$RELAY" tc filter show dev rin ingress 2>/dev/null | grep -c "handle 0x6d63" || true
}
prog_loaded() {
	bpftool prog show id "$1" >/dev/null 2>&1
}
kill_supervisor() {
	local ws
	ws=$(daemon_workers | xargs)
	[ -n "$ws" ] || fail "the supervisor has no workers"
	kill -KILL "$DAEMON_PID"
	wait_until 10 pid_gone "$DAEMON_PID" || fail "the supervisor survived SIGKILL"
	wait "$DAEMON_PID" 2>/dev/null
	forget_pid "$DAEMON_PID"
	DAEMON_PID=
	# Its workers see the channel close and exit.
	# shellcheck disable=SC2086
	wait_until 10 all_gone $ws || fail "workers $ws outlived their supervisor"
}
send_once() {	# NAME COUNT
	start_recv "$1" "$DST1" d0 239.9.9.9 6000 -n "$2" -T 30 -q 2000
	send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -n "$2" -r 2000 -t 16
	expect_recv_ok "$1"
	expect_field "$1" dup 0
}

note "--- tcx"
start_daemon "$TMP/crash.conf"
wait_status 10 'inp("rin")["attach"]' tcx
prog=$(status_eval 'inp("rin")["program_id"]')
kill_supervisor
wait_until 5 eval '! prog_loaded "$prog"' || fail "program $prog outlived its supervisor (tcx)"
note "tcx: program $prog went with its supervisor"

note "--- cls_bpf"
export MCRELAY_TEST_KPATH_ATTACH=cls_bpf
start_daemon "$TMP/crash.conf"
wait_status 10 'inp("rin")["attach"]' cls_bpf
prog=$(status_eval 'inp("rin")["program_id"]')
[ "$(filters)" = 1 ] || fail "$(filters) filters at rin's ingress, expected 1"
kill_supervisor
prog_loaded "$prog" || fail "the cls_bpf filter's program $prog is gone with its supervisor"
[ "$(filters)" = 1 ] || fail "$(filters) filters after the crash, expected 1"
# Still relaying, with no process at all.
send_once orphan 500
note "cls_bpf: program $prog left, and relaying without a process"

start_daemon "$TMP/crash.conf"
wait_status 10 'inp("rin")["attach"]' cls_bpf
prog2=$(status_eval 'inp("rin")["program_id"]')
[ "$prog2" != "$prog" ] || fail "the new supervisor reports the old program $prog"
[ "$(filters)" = 1 ] || fail "$(filters) filters after the restart, expected 1"
wait_until 5 eval '! prog_loaded "$prog"' || fail "the dead supervisor's program $prog is still loaded"
send_once again 2000
wait_status 10 'rule("k")["packets_in"]' 2000
stop_daemon
[ "$(filters)" = 0 ] || fail "$(filters) filters after a clean stop, expected 0"
wait_until 5 eval '! prog_loaded "$prog2"' || fail "program $prog2 is still loaded after a clean stop"
pass "tcx: the program goes with a killed supervisor; cls_bpf: it stays, relays, and the next start replaces it (one filter); a clean stop removes it"
