# shellcheck shell=bash disable=SC2034  # variables here are read by the scripts
#
# lib.sh: helpers shared by mcrelay's integration tests and contrib/demo.sh.
# Source it from a test script; do not run it.
#
# Each test builds its own network namespaces (names start with $PREFIX,
# unique per run), starts what it needs inside them and removes all of it
# on every exit path: a normal exit, fail, or SIGINT/SIGTERM/SIGHUP.
#
# Environment (Automake passes these; run by hand from the top of the
# build tree they default sensibly):
#   MCRELAY       the daemon             (default $top_builddir/src/mcrelay)
#   MCSEND        the test sender        (default $top_builddir/tests/tools/mcsend)
#   MCRECV        the test receiver      (default $top_builddir/tests/tools/mcrecv)
#   top_srcdir    the source tree        (default: two levels above this file)
#   top_builddir  the build tree         (default: $PWD if it holds src/mcrelay,
#                                         else $top_srcdir)
#   srcdir        Automake's srcdir      (default $top_srcdir; not used here)
#   CI            when set, a missing root is a failure instead of a skip
#   KEEP_TMP      when set, the temporary directory is kept for inspection
#   MCRELAY_READY_RE  extended regex of the daemon's ready line
#   DAEMON_LOG_PIPE   when set, start_daemon writes the log through a pipe
#
# Exit codes: 0 pass, 1 fail, 77 skip (only: not root and $CI unset).

set -u -o pipefail

TEST_NAME=$(basename "$0" .sh)
LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

top_srcdir=$(cd "${top_srcdir:-$LIB_DIR/../..}" && pwd)
if [ -z "${top_builddir:-}" ]; then
	if [ -x "$PWD/src/mcrelay" ]; then
		top_builddir=$PWD
	else
		top_builddir=$top_srcdir
	fi
fi
top_builddir=$(cd "$top_builddir" && pwd)
srcdir=${srcdir:-$top_srcdir}
MCRELAY=${MCRELAY:-$top_builddir/src/mcrelay}
MCSEND=${MCSEND:-$top_builddir/tests/tools/mcsend}
MCRECV=${MCRECV:-$top_builddir/tests/tools/mcrecv}
READY_RE=${MCRELAY_READY_RE:-'ready, [0-9]+ workers? forwarding'}
export top_srcdir top_builddir srcdir MCRELAY MCSEND MCRECV

# Everything cleanup must undo, and what the tests read.
PREFIX="mcr$$-"
NAMESPACES=()
PIDS=()
declare -A RECV_PIDS=()
DAEMON_PID=
DAEMON_WORKERS=
TEST_GROUPS=()
SRC='' RELAY='' DST1='' DST2=''

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mcrelay-$TEST_NAME.XXXXXX") || {
	echo "FAIL: $TEST_NAME: cannot create a temporary directory" >&2
	exit 1
}
# The workers run as nobody; let them see the files of the test.
chmod 755 "$TMP"

# ---------------------------------------------------------------------
# Messages and outcomes

note() {
	echo "# $*"
}

fail() {
	echo "FAIL: $TEST_NAME: $*" >&2
	if [ -s "$TMP/daemon.log" ]; then
		echo "--- last 50 lines of the daemon log ($TMP/daemon.log):" >&2
		tail -n 50 "$TMP/daemon.log" >&2
		echo "---" >&2
	fi
	exit 1
}

pass() {
	echo "PASS: $TEST_NAME${1:+: $*}"
	exit 0
}

skip() {
	echo "SKIP: $TEST_NAME: $*"
	exit 77
}

# Runs a command that must succeed.
must() {
	"$@" || fail "command failed (status $?): $*"
}

# Skips without root; under CI a missing root is a failure.
require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		[ -n "${CI:-}" ] && fail "needs root (CI is set, so this is not a skip)"
		skip "needs root"
	fi
	command -v ip >/dev/null || fail "the ip command (iproute2) is missing"
}

# has_feature FEATURE: `mcrelay version` lists FEATURE (e.g. test-hooks).
has_feature() {
	local features
	features=$("$MCRELAY" version | sed -n 's/^features: //p')
	[[ " $features " == *" $1 "* ]]
}

# require_feature FEATURE WHY: skips unless this build has FEATURE; under
# CI a missing feature is a failure.
require_feature() {
	has_feature "$1" && return 0
	[ -n "${CI:-}" ] && fail "this build has no $1 ($2); CI is set, so this is not a skip"
	skip "this build has no $1 ($2)"
}

# Fails unless the daemon and the test tools have been built.
require_binaries() {
	local b
	for b in "$MCRELAY" "$MCSEND" "$MCRECV"; do
		[ -x "$b" ] || fail "$b is missing: build first (make, or make check)"
	done
}

# ---------------------------------------------------------------------
# Time, processes, waiting

# Sets _NOW to the wall clock in microseconds, without a subshell.
_now() {
	_NOW=${EPOCHREALTIME//[!0-9]/}
}

# wait_until SECONDS CMD [ARGS...]: polls CMD every 50 ms until it
# succeeds (return 0) or SECONDS pass (return 1).
wait_until() {
	local timeout=$1 deadline
	shift
	_now
	deadline=$((_NOW + timeout * 1000000))
	while :; do
		"$@" && return 0
		_now
		((_NOW < deadline)) || return 1
		sleep 0.05
	done
}

# wait_for CMD [ARGS...]: wait_until with the default deadline.
wait_for() {
	wait_until "${WAIT_TIMEOUT:-10}" "$@"
}

# wait_file FILE [SECONDS]: waits until FILE exists and is not empty.
wait_file() {
	wait_until "${2:-10}" test -s "$1"
}

# True while PID runs.  A zombie counts as gone: it will never run again,
# and a process whose parent died may stay a zombie under some inits.
pid_alive() {
	local st
	{ st=$(<"/proc/$1/stat"); } 2>/dev/null || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ]
}

pid_gone() {
	! pid_alive "$1"
}

# all_gone PID...: true when none of the PIDs runs.
all_gone() {
	local p
	for p in "$@"; do
		pid_alive "$p" && return 1
	done
	return 0
}

# children_of PID: prints the PIDs whose parent is PID, one a line.
children_of() {
	local f st ppid pid
	for f in /proc/[0-9]*/stat; do
		{ st=$(<"$f"); } 2>/dev/null || continue
		pid=${st%% *}
		st=${st##*) }
		st=${st#* }
		ppid=${st%% *}
		[ "$ppid" = "$1" ] && pid_alive "$pid" && echo "$pid"
	done
	return 0
}

# Forgets a PID once it has been reaped, so cleanup never signals a
# number the kernel may have handed to someone else.
forget_pid() {
	local p keep=()
	for p in "${PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	PIDS=("${keep[@]}")
}

# bg_ns NS CMD [ARGS...]: starts CMD in namespace NS in the background;
# sets BG_PID, and BG_LOG to the file that gets its output.
_BG_N=0
bg_ns() {
	local ns=$1
	shift
	_BG_N=$((_BG_N + 1))
	BG_LOG=$TMP/bg.$_BG_N.log
	ip netns exec "$ns" "$@" >"$BG_LOG" 2>&1 </dev/null &
	BG_PID=$!
	PIDS+=("$BG_PID")
}

# ---------------------------------------------------------------------
# Cleanup: idempotent, run on every exit path

cleanup() {
	local ns p g pids=() pidfile_pid

	# The daemon, by its pidfile (if it is still in our namespace) ...
	if [ -s "$TMP/pid" ] && read -r pidfile_pid <"$TMP/pid" &&
	    [[ $pidfile_pid =~ ^[0-9]+$ ]] && pid_alive "$pidfile_pid" &&
	    [ -n "$RELAY" ] &&
	    [ "$(ip netns identify "$pidfile_pid" 2>/dev/null)" = "$RELAY" ]; then
		pids+=("$pidfile_pid")
	fi
	# ... everything we started ...
	pids+=("${PIDS[@]}")
	# ... and whatever else still runs inside our namespaces (workers).
	for ns in "${NAMESPACES[@]}"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			pids+=("$p")
		done
	done

	if [ ${#pids[@]} -gt 0 ]; then
		kill -TERM "${pids[@]}" 2>/dev/null
		if ! wait_until 5 all_gone "${pids[@]}"; then
			kill -KILL "${pids[@]}" 2>/dev/null
			wait_until 5 all_gone "${pids[@]}"
		fi
		# Reap our own children; for the others wait returns at once.
		for p in "${PIDS[@]}"; do
			wait "$p" 2>/dev/null
		done
	fi
	PIDS=()
	RECV_PIDS=()
	DAEMON_PID=

	for ns in "${NAMESPACES[@]}"; do
		ip netns del "$ns" 2>/dev/null ||
		    echo "warning: cannot delete namespace $ns" >&2
	done
	NAMESPACES=()

	for g in "${TEST_GROUPS[@]}"; do
		groupdel "$g" 2>/dev/null || echo "warning: cannot delete group $g" >&2
	done
	TEST_GROUPS=()

	if [ -d "$TMP" ]; then
		if [ -n "${KEEP_TMP:-}" ]; then
			echo "# kept $TMP" >&2
		else
			rm -rf "$TMP"
		fi
	fi
	return 0
}

_on_exit() {
	local rc=$?
	trap - EXIT
	cleanup
	exit "$rc"
}

_on_signal() {
	trap - INT TERM HUP
	echo "interrupted: $TEST_NAME" >&2
	exit "$1"	# runs _on_exit
}

trap _on_exit EXIT
trap '_on_signal 130' INT
trap '_on_signal 143' TERM
trap '_on_signal 129' HUP

# group_add NAME: creates a system group that cleanup will delete.
group_add() {
	must groupadd --system "$1"
	TEST_GROUPS+=("$1")
}

# ---------------------------------------------------------------------
# Topology

# ns_add NAME: creates a namespace that cleanup will delete.
ns_add() {
	must ip netns add "$1"
	NAMESPACES+=("$1")
	must ip -n "$1" link set lo up
	# No IPv6 chatter (router solicitations, MLD) on the test links.
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	    net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
	return 0
}

# ns_ipv6 NS: undoes ns_add's IPv6 switch-off, without router
# solicitations or duplicate address detection to wait for.
ns_ipv6() {
	must ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
	    net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.default.accept_dad=0 \
	    net.ipv6.conf.default.router_solicitations=0
}

link_up() {
	ip -n "$1" -o link show dev "$2" 2>/dev/null | grep -q 'state UP'
}

# veth_pair NS1 IF1 ADDR1/LEN NS2 IF2 ADDR2/LEN: a veth pair between two
# namespaces, addressed and up.  Created in place, so the same name may
# be used in several namespaces.
veth_pair() {
	local ns1=$1 if1=$2 a1=$3 ns2=$4 if2=$5 a2=$6
	must ip link add "$if1" netns "$ns1" type veth peer name "$if2" netns "$ns2"
	must ip -n "$ns1" addr add "$a1" dev "$if1"
	must ip -n "$ns2" addr add "$a2" dev "$if2"
	must ip -n "$ns1" link set "$if1" up
	must ip -n "$ns2" link set "$if2" up
	wait_until 10 link_up "$ns1" "$if1" || fail "$ns1:$if1 did not come up"
	wait_until 10 link_up "$ns2" "$if2" || fail "$ns2:$if2 did not come up"
}

# topo_basic: SRC --s0/rin-- RELAY --rout1/d0-- DST1
#                                  --rout2/d0-- DST2
#   SRC   s0    10.1.0.1/24   RELAY rin   10.1.0.2/24
#   RELAY rout1 10.2.0.1/24   DST1  d0    10.2.0.2/24
#   RELAY rout2 10.3.0.1/24   DST2  d0    10.3.0.2/24
# SRC routes 224.0.0.0/4 out of s0.
# ---------------------------------------------------------------------
# Test configurations

# conf_global [LOG_LEVEL]: the [global] section tests use: workers as
# nobody, the control socket at $CTL_SOCK (default $TMP/ctl.sock) for the
# group $CTL_GROUP (default root: the default group, mcrelay, need not
# exist here, and the tests talk to the daemon as root), the given log
# level (default debug).
conf_global() {
	printf '[global]\nuser = nobody\nlog-level = %s\ncontrol-socket = %s\ncontrol-group = %s\n' \
	    "${1:-debug}" "${CTL_SOCK:-$TMP/ctl.sock}" "${CTL_GROUP:-root}"
	printf 'datapath = %s\n\n' "${MCRELAY_DATAPATH:-packet}"
}

# conf_rule NAME INPUT GROUP PORT OUTPUT...: a [rule NAME] section; PORT
# "-" for any port; each OUTPUT is an output value ("rout1 239.2.2.2:6000"),
# or a whole "key = value" line (e.g. "ttl = keep").
conf_rule() {
	local name=$1 input=$2 group=$3 port=$4 o
	shift 4
	printf '[rule %s]\ninput  = %s\ngroup  = %s\n' "$name" "$input" "$group"
	[ "$port" = - ] || printf 'port   = %s\n' "$port"
	for o in "$@"; do
		case $o in
		*" = "*) printf '%s\n' "$o" ;;
		*) printf 'output = %s\n' "$o" ;;
		esac
	done
	printf '\n'
}

# topo_basic [ipv6]: SRC -- RELAY (rin; rout1, rout2) -- DST1, DST2, with
# IPv4 addresses; with ipv6, IPv6 on in the four namespaces (no address).
topo_basic() {
	local ns
	SRC=${PREFIX}src
	RELAY=${PREFIX}relay
	DST1=${PREFIX}dst1
	DST2=${PREFIX}dst2
	for ns in "$SRC" "$RELAY" "$DST1" "$DST2"; do
		ns_add "$ns"
		[ "${1:-}" != ipv6 ] || ns_ipv6 "$ns"
	done
	veth_pair "$SRC" s0 10.1.0.1/24 "$RELAY" rin 10.1.0.2/24
	veth_pair "$RELAY" rout1 10.2.0.1/24 "$DST1" d0 10.2.0.2/24
	veth_pair "$RELAY" rout2 10.3.0.1/24 "$DST2" d0 10.3.0.2/24
	must ip -n "$SRC" route add 224.0.0.0/4 dev s0
}

# check_conf CONF: runs `mcrelay check` on CONF, with a 20 s limit; what
# it printed is in $TMP/check.out; returns its status.
check_conf() {
	timeout 20 "$MCRELAY" -c "$1" check >"$TMP/check.out" 2>&1
}

# ---------------------------------------------------------------------
# The daemon

daemon_ready() {
	grep -Eq "$READY_RE" "$TMP/daemon.log" 2>/dev/null
}

# start_daemon CONFIG: runs the supervisor in the foreground inside RELAY,
# in the background of this script, and waits for its ready line.  Sets
# DAEMON_PID (the supervisor) and DAEMON_WORKERS (the count it logged).
start_daemon() {
	local cfg=$1 rc deadline line
	[ -n "$RELAY" ] || fail "start_daemon: no topology"
	[ -z "$DAEMON_PID" ] || fail "start_daemon: a daemon is already running"
	rm -f "$TMP/pid"
	# Emptied here, not only by the background job's redirection, which may
	# come after the first look for the ready line of a daemon started before.
	: >"$TMP/daemon.log"
	local out=$TMP/daemon.log
	if [ -n "${DAEMON_LOG_PIPE:-}" ]; then
		# Its output through a pipe, as under systemd, not into a file.
		out=$TMP/daemon.fifo
		rm -f "$out"
		must mkfifo "$out"
		cat <"$out" >"$TMP/daemon.log" &
		PIDS+=("$!")
	fi
	ip netns exec "$RELAY" "$MCRELAY" -c "$cfg" supervisor -f -p "$TMP/pid" \
	    >"$out" 2>&1 </dev/null &
	DAEMON_PID=$!
	PIDS+=("$DAEMON_PID")
	_now
	deadline=$((_NOW + ${DAEMON_TIMEOUT:-10} * 1000000))
	until daemon_ready; do
		if pid_gone "$DAEMON_PID"; then
			wait "$DAEMON_PID"
			rc=$?
			forget_pid "$DAEMON_PID"
			DAEMON_PID=
			fail "the daemon exited with status $rc before it was ready"
		fi
		_now
		((_NOW < deadline)) ||
		    fail "no ready line (/$READY_RE/) in the daemon log after ${DAEMON_TIMEOUT:-10}s"
		sleep 0.05
	done
	line=$(grep -Eo "$READY_RE" "$TMP/daemon.log" | head -n 1)
	DAEMON_WORKERS=$(echo "$line" | grep -Eo '[0-9]+' | head -n 1)
	note "daemon $DAEMON_PID ready: $line"
}

# daemon_workers: prints the worker PIDs (the supervisor's children).
daemon_workers() {
	children_of "$DAEMON_PID"
}

# stop_daemon: SIGTERM, then the daemon must exit with status 0 in time.
stop_daemon() {
	local rc
	[ -n "$DAEMON_PID" ] || fail "stop_daemon: no daemon running"
	# The tests run again with datapath = kernel (kernel_*.sh) must have used it.
	if [ "${MCRELAY_DATAPATH:-}" = kernel ] && [ -z "${KPATH_NONE_OK:-}" ] &&
	    ! grep -Eq 'kernel path: [1-9][0-9]* rules in the kernel' "$TMP/daemon.log"; then
		fail "datapath = kernel, but no rule went to the kernel path: $(grep -F 'kernel path' "$TMP/daemon.log")"
	fi
	if [ -n "${MCRELAY_TEST_KPATH_ATTACH:-}" ] &&
	    ! grep -qF "kernel path: available ($MCRELAY_TEST_KPATH_ATTACH)" "$TMP/daemon.log"; then
		fail "the kernel path was not attached by $MCRELAY_TEST_KPATH_ATTACH (a build without test hooks?): $(grep -F 'kernel path' "$TMP/daemon.log")"
	fi
	kill -TERM "$DAEMON_PID" || fail "cannot signal the daemon"
	wait_until "${DAEMON_TIMEOUT:-10}" pid_gone "$DAEMON_PID" ||
	    fail "the daemon did not exit within ${DAEMON_TIMEOUT:-10}s of SIGTERM"
	wait "$DAEMON_PID"
	rc=$?
	forget_pid "$DAEMON_PID"
	DAEMON_PID=
	[ "$rc" -eq 0 ] || fail "the daemon exited with status $rc after SIGTERM"
	note "daemon stopped, status 0"
}

# ---------------------------------------------------------------------
# Traffic

_recv_ready_or_dead() {
	[ -s "$TMP/$1.ready" ] || pid_gone "${RECV_PIDS[$1]}"
}

# start_recv NAME NS IFNAME GROUP PORT [MCRECV ARGS...]: starts mcrecv in
# the background and waits until its capture socket is bound.  Its
# summary line goes to $TMP/NAME.out.
start_recv() {
	local name=$1 ns=$2 ifname=$3 group=$4 port=$5
	shift 5
	_start_receiver "$name" "$ns" "$MCRECV" -v -I "$ifname" -g "$group" -p "$port" "$@"
}

# start_udprecv NAME NS [UDPRECV ARGS...]: the same with udprecv, an
# ordinary UDP socket (-g ADDR -p PORT [-I IFNAME] ...).
start_udprecv() {
	local name=$1 ns=$2
	shift 2
	[ -x "$UDPRECV" ] || fail "$UDPRECV is missing: build first"
	_start_receiver "$name" "$ns" "$UDPRECV" "$@"
}

# _start_receiver NAME NS COMMAND...: COMMAND -R READYFILE in NS, in the
# background, waited for until ready.
_start_receiver() {
	local name=$1 ns=$2
	shift 2
	rm -f "$TMP/$name.ready" "$TMP/$name.out"
	ip netns exec "$ns" "$@" -R "$TMP/$name.ready" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	RECV_PIDS[$name]=$!
	PIDS+=("$!")
	wait_until 10 _recv_ready_or_dead "$name" ||
	    fail "receiver $name not ready after 10s"
	[ -s "$TMP/$name.ready" ] ||
	    fail "receiver $name exited early: $(cat "$TMP/$name.err")"
}

# wait_recv NAME [SECONDS]: waits (deadline, default 60 s) for mcrecv to
# finish; returns its exit status.  Its summary is in $TMP/NAME.out.
wait_recv() {
	local name=$1 pid=${RECV_PIDS[$1]} rc
	wait_until "${2:-60}" pid_gone "$pid" ||
	    fail "receiver $name still running after ${2:-60}s"
	wait "$pid"
	rc=$?
	forget_pid "$pid"
	return "$rc"
}

# stop_recv NAME: asks mcrecv to stop now and print its summary.
stop_recv() {
	kill -TERM "${RECV_PIDS[$1]}" 2>/dev/null
	wait_recv "$1" 10
}

# recv_field NAME KEY: prints KEY's value from NAME's summary line.
recv_field() {
	local w
	[ -s "$TMP/$1.out" ] || return 1
	for w in $(<"$TMP/$1.out"); do
		if [[ $w == "$2="* ]]; then
			echo "${w#*=}"
			return 0
		fi
	done
	return 1
}

# expect_recv_ok NAME [SECONDS]: mcrecv must exit 0.
expect_recv_ok() {
	local rc=0
	wait_recv "$@" || rc=$?
	note "$1: $(cat "$TMP/$1.out" 2>/dev/null)"
	[ "$rc" -eq 0 ] ||
	    fail "receiver $1 exited $rc: $(cat "$TMP/$1.out" "$TMP/$1.err" 2>/dev/null)"
}

# expect_field NAME KEY VALUE: NAME's summary must have KEY=VALUE.
expect_field() {
	local v
	v=$(recv_field "$1" "$2") || fail "receiver $1 printed no $2"
	[ "$v" = "$3" ] || fail "receiver $1: $2=$v, expected $3"
}

# send_from NS [MCSEND ARGS...]: sends in the foreground; must succeed.
send_from() {
	local ns=$1 out
	shift
	out=$(ip netns exec "$ns" "$MCSEND" "$@" 2>&1) ||
	    fail "mcsend $* failed: $out"
	note "mcsend $*: $out"
}

# ---------------------------------------------------------------------
# Long-running streams
#
# A stream is an mcsend that runs until stop_stream stops it, so that it
# covers whatever the test does meanwhile however long that takes; its
# receiver is started first without -n (e.g. `start_recv NAME ... -T 100
# -q 2000`) and then must have every datagram the sender says it sent.

declare -A STREAM_PIDS=() STREAM_LOGS=()
STREAM_SENT=

# start_stream NAME NS [MCSEND ARGS...]: starts mcsend in NS in the
# background, sending (far) more datagrams than any test needs.
start_stream() {
	local name=$1 ns=$2
	shift 2
	bg_ns "$ns" "$MCSEND" -n 5000000 "$@"
	STREAM_PIDS[$name]=$BG_PID
	STREAM_LOGS[$name]=$BG_LOG
}

# stop_stream NAME: stops the stream's sender and sets STREAM_SENT to the
# number of datagrams it sent.  Fails if the sender had already died.
stop_stream() {
	local name=$1 pid=${STREAM_PIDS[$1]}
	pid_alive "$pid" ||
	    fail "the sender of stream $name died early: $(cat "${STREAM_LOGS[$name]}")"
	kill -TERM "$pid" 2>/dev/null
	wait_until 10 pid_gone "$pid" ||
	    fail "the sender of stream $name did not stop within 10s of SIGTERM"
	wait "$pid" 2>/dev/null
	forget_pid "$pid"
	STREAM_SENT=$(sed -n 's/^sent=\([0-9][0-9]*\)$/\1/p' "${STREAM_LOGS[$name]}")
	[ -n "$STREAM_SENT" ] ||
	    fail "the sender of stream $name printed no count: $(cat "${STREAM_LOGS[$name]}")"
	note "stream $name: sent $STREAM_SENT"
}

# expect_all NAME SENT: receiver NAME (started without -n) must end with
# status 0 having seen each of the SENT datagrams exactly once.
expect_all() {
	expect_recv_ok "$1" 60
	expect_field "$1" unique "$2"
	expect_field "$1" dup 0
}

# ---------------------------------------------------------------------
# The control socket and `mcrelay status --json`

# The tests set the daemon's control-socket to this path.
CTL_SOCK=$TMP/ctl.sock
PYTHON=${PYTHON:-python3}

# require_python: the status helpers need python3 (or $PYTHON).
require_python() {
	command -v "$PYTHON" >/dev/null ||
	    fail "$PYTHON is missing (contrib/install-deps.sh installs python3)"
}

# ctl [ARGS...]: runs the control client, `mcrelay -s $CTL_SOCK ARGS`, with
# a 10 s limit; stdout goes to $TMP/ctl.out, stderr to $TMP/ctl.err.
# Returns the client's exit status (124 if it hung).
ctl() {
	timeout 10 "$MCRELAY" -s "$CTL_SOCK" "$@" >"$TMP/ctl.out" 2>"$TMP/ctl.err"
}

# ctl_output: what the last ctl printed, stdout then stderr.
ctl_output() {
	cat "$TMP/ctl.out" "$TMP/ctl.err" 2>/dev/null
}

# ctl_said ERE: what the last ctl printed (stdout or stderr) matches ERE.
# (Not `ctl_output | grep -q`: with pipefail, grep's early exit can fail
# the pipeline.)
ctl_said() {
	grep -qE -- "$1" "$TMP/ctl.out" "$TMP/ctl.err" 2>/dev/null
}

# ctl_said_fixed STRING: the same with a fixed string.
ctl_said_fixed() {
	grep -qF -- "$1" "$TMP/ctl.out" "$TMP/ctl.err" 2>/dev/null
}

# Evaluates expressions on a status document; see status_get.
_STATUS_PY='
import json, sys
try:
    with open(sys.argv[1]) as f:
        d = json.load(f)
    if not isinstance(d, dict):
        raise ValueError("not a JSON object")
except Exception as e:
    sys.stderr.write("status --json printed no valid JSON document: %s\n" % e)
    sys.exit(3)
def _find(lst, key, val, what):
    for x in d.get(lst) or []:
        if x.get(key) == val:
            return x
    raise LookupError("no %s %r in the status" % (what, val))
def rule(name): return _find("rules", "name", name, "rule")
def worker(inp): return _find("workers", "input", inp, "worker for input")
def inp(name): return _find("inputs", "name", name, "input")
# Frames no rule matched, by the workers and by the kernel path (a frame of a
# group both paths take is counted by both).
def kernel_no_rule():
    return sum((i.get("kernel") or {}).get("no_rule", 0) for i in d.get("inputs") or [])
def no_match():
    return sum(w["drops"]["no_match"] for w in d["workers"]) + kernel_no_rule()
def has_rule(name): return any(r.get("name") == name for r in d.get("rules") or [])
def has_worker(inp): return any(w.get("input") == inp for w in d.get("workers") or [])
def output(name, ifname):
    for o in rule(name).get("outputs") or []:
        if o.get("interface") == ifname or o.get("destination") == ifname:
            return o
    raise LookupError("rule %r has no output %r in the status" % (name, ifname))
rc = 0
for e in sys.argv[2:]:
    try:
        v = eval(e)
    except Exception as ex:
        sys.stderr.write("%s: %s: %s\n" % (e, type(ex).__name__, ex))
        rc = 2
        v = "<error>"
    print(v if isinstance(v, str) else json.dumps(v))
sys.exit(rc)
'

# status_get [EXPR...]: runs `status --json`; if it succeeds and prints
# one JSON object, keeps it in $TMP/status.json and prints the value of
# each Python expression EXPR on it, one a line (strings as they are,
# anything else as JSON: null, true, 12.5).  The expressions see the
# document as d and can use rule(NAME), worker(INPUT), inp(INPUT) (its
# data path), output(RULE, IFNAME)
# (IFNAME, or a udp output's destination "ADDR:PORT"),
# has_rule(NAME) and has_worker(INPUT).  Returns non-zero if the client
# fails (its status), the output is not JSON (3) or an expression fails (2).
# Never exits the test, so it can be used in $(...) and wait_until.
status_get() {
	local rc=0
	ctl status --json || return $?
	"$PYTHON" -c "$_STATUS_PY" "$TMP/ctl.out" "$@" || rc=$?
	[ "$rc" -eq 3 ] || cp "$TMP/ctl.out" "$TMP/status.json"
	return "$rc"
}

# status_json: status_get without expressions; fails the test unless
# `status --json` answers with a JSON object.
status_json() {
	local rc=0
	status_get || rc=$?
	[ "$rc" -eq 0 ] || fail "status --json failed (status $rc): $(ctl_output)"
}

# status_eval EXPR...: like status_get, on the document it last kept.
status_eval() {
	"$PYTHON" -c "$_STATUS_PY" "$TMP/status.json" "$@"
}

# status_is EXPR VALUE: a fresh status makes EXPR print VALUE.
status_is() {
	local v
	v=$(status_get "$1" 2>/dev/null) && [ "$v" = "$2" ]
}

# wait_status SECONDS EXPR VALUE: waits until status_is EXPR VALUE; on a
# timeout fails the test, showing the last value and document.
wait_status() {
	local v
	wait_until "$1" status_is "$2" "$3" && return 0
	v=$(status_eval "$2" 2>&1)
	fail "after ${1}s, $2 is '$v', expected '$3'; last status: $(cat "$TMP/status.json" 2>/dev/null)"
}

# ---------------------------------------------------------------------
# The daemon's log and file descriptors

# log_count ERE: prints how many lines of the daemon's log match ERE.
log_count() {
	local n
	n=$(grep -cE -- "$1" "$TMP/daemon.log" 2>/dev/null)
	echo "${n:-0}"
}

# log_has ERE [N]: the daemon's log has at least N (default 1) lines
# matching ERE.
log_has() {
	[ "$(log_count "$1")" -ge "${2:-1}" ]
}

# is_child PARENT PID: PID runs and is a child of PARENT.
is_child() {
	local p
	for p in $(children_of "$1"); do
		[ "$p" = "$2" ] && return 0
	done
	return 1
}

# fd_count PID: prints the number of PID's open file descriptors.
fd_count() {
	local f n=0
	[ -d "/proc/$1/fd" ] || return 1
	for f in "/proc/$1/fd/"*; do
		[ -L "$f" ] && n=$((n + 1))
	done
	echo "$n"
}

# fd_list PID: PID's descriptors, one a line, "N -> what it is" with
# socket and pipe inode numbers left out (for comparisons in messages).
fd_list() {
	local f t
	for f in "/proc/$1/fd/"*; do
		t=$(readlink "$f" 2>/dev/null) || continue
		echo "${f##*/} -> ${t%%:\[*}"
	done | sort -n
}

# fd_count_is PID N: PID has exactly N descriptors open.
fd_count_is() {
	[ "$(fd_count "$1")" = "$2" ]
}
