#!/bin/bash
#
# sandbox.sh: what a worker taken over would still hold, read from
# /proc.  Every worker runs under a seccomp filter (Seccomp: 2), with
# no_new_privs, an empty bounding set, the resource limits of mcrelay(8)
# (descriptors, no processes, no core or file growth), not dumpable, with
# only its MCRELAY_* environment, in an empty root directory that no
# longer exists (no path resolves), and it reports Landlock in force where
# the kernel has it.  It holds no ingress socket (the supervisor keeps it
# and the worker maps its ring): its packet sockets are its egress sockets,
# bound to their interfaces with protocol 0, one per output interface,
# its own.  A worker that makes a forbidden system call (test builds:
# SIGUSR2 makes it open a packet socket) is killed by the filter; the
# supervisor logs why and starts a new one, which forwards.  A reload that
# changes an input's groups changes the filter of the supervisor's
# ingress socket in place: the worker stays, the streams that stay lose
# nothing.
#
# Needs a build with libseccomp and --enable-test-hooks (tests/run-all.sh
# configures so); without them it is skipped, or fails when CI is set.

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
require_python

require_feature seccomp "configure found no libseccomp: apt-get install libseccomp-dev"
require_feature test-hooks "configure --enable-test-hooks"

topo_basic
CFG=$TMP/sandbox.conf
{
	conf_global
	conf_rule a rin 239.1.1.1 5000 rout1
	conf_rule b rout2 239.3.3.3 5001 "rout1 239.4.4.4:6001"
} >"$CFG"
# Through a pipe, so that the workers' log is not a file they may grow.
DAEMON_LOG_PIPE=1 start_daemon "$CFG"

# status_field PID FIELD: the value of FIELD: in /proc/PID/status.
status_field() {
	local line words
	line=$(grep "^$2:" "/proc/$1/status") || return 1
	read -ra words <<<"${line#*:}"
	echo "${words[*]}"
}

# limit PID NAME: "soft hard" of the limit NAME in /proc/PID/limits.
limit() {
	local line
	line=$(grep "^$2 " "/proc/$1/limits") || return 1
	line=${line#"$2"}
	read -r soft hard _ <<<"$line"
	echo "$soft $hard"
}

# packet_sockets PID: "PROTO IFINDEX" of every packet socket PID holds
# (from /proc/PID/net/packet: sk RefCnt Type Proto Iface R Rmem User Inode).
packet_sockets() {
	local f t inodes=" "
	for f in "/proc/$1/fd/"*; do
		t=$(readlink "$f" 2>/dev/null) || continue
		[[ $t == socket:* ]] && inodes+="${t//[!0-9]/} "
	done
	awk -v want="$inodes" 'NR > 1 && index(want, " " $9 " ") { print $4, $5 }' \
	    "/proc/$1/net/packet"
}

ifindex_of() {
	ip -n "$RELAY" -o link show dev "$1" | cut -d: -f1
}

# check_worker PID INPUT OUTPUT...: the sandbox of one worker.
check_worker() {
	local w=$1 input=$2 v env socks want
	shift 2
	v=$(status_field "$w" Seccomp) || fail "worker $w vanished"
	[ "$v" = 2 ] || fail "worker $w: Seccomp: $v, expected 2 (filter)"
	v=$(status_field "$w" Seccomp_filters) || fail "worker $w: no Seccomp_filters"
	[ "$v" -ge 1 ] || fail "worker $w: Seccomp_filters: $v"
	v=$(status_field "$w" NoNewPrivs) || fail "worker $w vanished"
	[ "$v" = 1 ] || fail "worker $w: NoNewPrivs: $v, expected 1"
	v=$(status_field "$w" CapBnd) || fail "worker $w vanished"
	[ "$v" = 0000000000000000 ] || fail "worker $w: CapBnd: $v, expected none"
	v=$(limit "$w" "Max open files") || fail "worker $w: no open files limit"
	[ "$v" = "8256 8256" ] || fail "worker $w: Max open files: $v, expected 8256 8256"
	for name in "Max processes" "Max file size" "Max core file size"; do
		v=$(limit "$w" "$name") || fail "worker $w: no '$name' limit"
		[ "$v" = "0 0" ] || fail "worker $w: $name: $v, expected 0 0"
	done
	# Not dumpable: its /proc entries belong to root, not to its user.
	v=$(stat -c %u "/proc/$w/status") || fail "worker $w vanished"
	[ "$v" = 0 ] || fail "worker $w: /proc/$w/status owned by uid $v: still dumpable"
	# Its root and working directory: an empty directory, removed.
	for v in root cwd; do
		v=$(readlink "/proc/$w/$v") || fail "worker $w vanished"
		[[ $v == */mcrelay-root.*" (deleted)" ]] ||
		    fail "worker $w: root or working directory $v, expected a removed mcrelay-root.*"
	done
	env=$(tr '\0' '\n' <"/proc/$w/environ") || fail "worker $w vanished"
	v=$(grep -v '^MCRELAY_' <<<"$env")
	[ -z "$v" ] || fail "worker $w: environment beyond MCRELAY_*: $v"
	# Packet sockets: one egress socket (protocol 0) per output interface, none on its input.
	socks=$(packet_sockets "$w" | sort)
	want=$(for o in "$@"; do echo "0000 $(ifindex_of "$o")"; done | sort)
	[ "$socks" = "$want" ] ||
	    fail "worker $w: packet sockets (protocol, ifindex) $(echo $socks), expected $(echo $want) (input $input is ifindex $(ifindex_of "$input"))"
}

status_json
w_rin=$(status_eval 'worker("rin")["pid"]') || fail "no worker for rin"
w_rout2=$(status_eval 'worker("rout2")["pid"]') || fail "no worker for rout2"
check_worker "$w_rin" rin rout1
check_worker "$w_rout2" rout2 rout1
note "workers $w_rin, $w_rout2: seccomp filter, no_new_privs, no bounding set, limits, not dumpable, removed empty root, no ingress socket"
# What confines it, as the log and status say.
log_has "worker\[rin\]: running as uid [0-9]+ gid [0-9]+, no capabilities, an empty root, seccomp, (Landlock ABI [0-9]+|no Landlock \(not in this kernel\))" ||
    fail "worker[rin] did not log what confines it"
v=$(status_eval 'worker("rin")["sandbox"]') || fail "no sandbox in the status: $(cat "$TMP/status.json")"
[[ $v == *seccomp* && $v == *chroot* ]] || fail "status: worker[rin] sandbox '$v'"
if [ -e /sys/kernel/security/landlock ] || grep -qw landlock /sys/kernel/security/lsm 2>/dev/null; then
	[[ $v == *landlock* ]] || fail "this kernel has Landlock; status says the worker's sandbox is '$v'"
fi
ctl status || fail "status failed: $(ctl_output)"
ctl_output | grep -Eq '^rin .* seccomp,chroot' || fail "status text shows no sandbox: $(ctl_output)"
note "sandbox reported: $v"

# --- a forbidden system call kills the worker; it is replaced
kill -USR2 "$w_rin" || fail "cannot signal worker $w_rin"
wait_until 10 pid_gone "$w_rin" || fail "worker $w_rin survived a forbidden socket()"
wait_until 5 log_has "worker\[rin\] killed by signal 31 \(Bad system call\); restart 1 in [0-9]+ ms" ||
    fail "no 'worker[rin] killed by signal 31 (Bad system call); restart 1' in the log"
wait_status 10 "worker(\"rin\")[\"pid\"] not in (None, $w_rin) and \
worker(\"rin\")[\"state\"] == \"running\" and worker(\"rin\")[\"restarts\"] == 1" true
new=$(status_get 'worker("rin")["pid"]') || fail "no pid for the new worker[rin]"
check_worker "$new" rin rout1
note "worker[rin] $w_rin killed by the filter, replaced by $new (sandboxed too)"

start_recv a "$DST1" d0 239.1.1.1 5000 -n 500 -x 15 -T 30 -q 3000
send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -n 500 -r 2000 -t 16
expect_recv_ok a
v=$(status_get 'worker("rout2")["pid"]' 'worker("rout2")["restarts"]') ||
    fail "unexpected status: $v"
[ "$v" = "$w_rout2"$'\n'0 ] || fail "worker[rout2] changed: $v (was $w_rout2, 0 restarts)"

# --- new groups on rin: the ingress filter changes in place; rule a loses nothing
start_recv s "$DST1" d0 239.1.1.1 5000 -x 15 -T 100 -q 2000
start_stream s "$SRC" -g 239.1.1.1 -p 5000 -I s0 -r 2000 -t 16
wait_status 10 'rule("a")["packets_in"] > 500' true
{
	conf_global
	conf_rule a rin 239.1.1.1 5000 rout1
	conf_rule c rin 239.1.1.9 5009 "rout2 239.1.1.9:5009"
	conf_rule b rout2 239.3.3.3 5001 "rout1 239.4.4.4:6001"
} >"$CFG"
ctl reload || fail "reload: $(ctl_output)"
ctl_said 'reload applied' || fail "reload not applied: $(ctl_output)"
v=$(status_get 'worker("rin")["pid"]') || fail "no worker for rin"
[ "$v" = "$new" ] || fail "worker[rin] is now $v, was $new: the reload should keep it"
check_worker "$new" rin rout1 rout2
start_recv c "$DST2" d0 239.1.1.9 5009 -n 300 -x 15 -T 30 -q 3000
send_from "$SRC" -g 239.1.1.9 -p 5009 -I s0 -n 300 -r 2000 -t 16
expect_recv_ok c
stop_stream s
sent=$STREAM_SENT
expect_recv_ok s 60
expect_field s unique "$sent"
expect_field s lost 0
note "stream through the filter change: $(cat "$TMP/s.out")"

stop_daemon
pass "workers sandboxed, no ingress socket; a forbidden call killed one, it was replaced; a filter changed in place lost nothing"
