#!/bin/bash
#
# reload_fds.sh: 100 reloads alternating between two configurations that
# differ by an output, a rule and a whole input (rin2's worker is started
# and stopped each time) leak no file descriptor: the supervisor has as
# many open after them as after start, and rin's worker (which stays) as
# many as after the first reload to the same configuration.

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
require_python
topo_basic
SRC2=${PREFIX}src2
ns_add "$SRC2"
veth_pair "$SRC2" s1 10.4.0.1/24 "$RELAY" rin2 10.4.0.2/24

RELOADS=100
CFG=$TMP/fds.conf

{
	conf_global info
	conf_rule a rin 239.1.1.1 5000 rout1
	conf_rule b rin 239.1.1.2 5001 rout2
} >"$TMP/one.conf"

{
	conf_global info
	conf_rule a rin 239.1.1.1 5000 rout1 "rout2 239.7.7.7:7000"
	conf_rule c rin2 239.5.5.5 5005 "rout1 239.6.6.6:6005"
} >"$TMP/two.conf"

# use NAME: makes $TMP/NAME.conf the configuration.
use() {
	must cp "$TMP/$1.conf" "$CFG.new"
	must mv -f "$CFG.new" "$CFG"
}

# reload N: reload number N, which the client must report applied.
reload() {
	local rc=0
	ctl reload || rc=$?
	[ "$rc" -eq 0 ] || fail "reload $1: the client exited $rc: $(ctl_output)"
	ctl_said 'reload applied' ||
	    fail "reload $1: the client did not say 'reload applied': $(ctl_output)"
}

# settled CONF: the status answers (which goes through every worker) and
# shows CONF's workers, and the supervisor has exactly their processes.
# shellcheck disable=SC2317  # called through wait_until
settled() {
	local want_rin2=false w
	[ "$1" = two ] && want_rin2=true
	status_is 'has_worker("rin2") and worker("rin2")["state"] == "running"' "$want_rin2" ||
	    return 1
	mapfile -t w < <(children_of "$DAEMON_PID")
	if [ "$1" = two ]; then
		[ ${#w[@]} -eq 2 ]
	else
		[ ${#w[@]} -eq 1 ]
	fi
}

# expect_fds WHAT PID COUNT LISTING: PID gets to exactly COUNT descriptors
# within 5 s (a connection of the last client may still be closing).
expect_fds() {
	wait_until 5 fd_count_is "$2" "$3" && return 0
	echo "--- $1 then ($3):" >&2
	cat "$4" >&2
	echo "--- $1 now ($(fd_count "$2")):" >&2
	fd_list "$2" >&2
	fail "$1 (pid $2) has $(fd_count "$2") descriptors open, expected $3"
}

use one
start_daemon "$CFG"
wait_until 10 settled one || fail "the daemon did not settle after start"
sv_fds=$(fd_count "$DAEMON_PID")
fd_list "$DAEMON_PID" >"$TMP/sv.fds"
w_rin=$(status_eval 'worker("rin")["pid"]') || fail "no worker for rin"
note "after start: supervisor $DAEMON_PID has $sv_fds descriptors, worker[rin] $w_rin"

for ((i = 1; i <= RELOADS; i++)); do
	if ((i % 2)); then conf=two; else conf=one; fi
	use "$conf"
	reload "$i"
	if ((i <= 2 || i >= RELOADS - 1)); then
		wait_until 10 settled "$conf" ||
		    fail "reload $i: the daemon did not settle to configuration $conf"
		[ "$(status_eval 'worker("rin")["pid"]')" = "$w_rin" ] ||
		    fail "reload $i: worker[rin] changed: it should have stayed"
	fi
	case $i in
	1 | 2)
		# The worker's count with each configuration, once it has it.
		declare "w_fds_$conf=$(fd_count "$w_rin")"
		fd_list "$w_rin" >"$TMP/w.$conf.fds"
		note "after reload $i ($conf): worker[rin] has $(fd_count "$w_rin") descriptors"
		;;
	$((RELOADS - 1)) | "$RELOADS")
		v=w_fds_$conf
		expect_fds "worker[rin] with configuration $conf" "$w_rin" "${!v}" "$TMP/w.$conf.fds"
		;;
	esac
done
wait_status 10 'd["generation"] >= 1 + '"$RELOADS" true

expect_fds "the supervisor" "$DAEMON_PID" "$sv_fds" "$TMP/sv.fds"
# rin2's worker came and went with the configurations.
starts=$(log_count 'started worker\[rin2\]')
[ "$starts" -ge 2 ] || fail "worker[rin2] was started $starts times in $RELOADS reloads"
note "worker[rin2] started $starts times"
note "after $RELOADS reloads: supervisor $sv_fds descriptors, worker[rin] ${w_fds_one:-?}/${w_fds_two:-?}"

# And the daemon still forwards.
start_recv a "$DST1" d0 239.1.1.1 5000 -n 500 -x 15 -T 30 -q 3000
send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -n 500 -r 2000 -t 16
expect_recv_ok a

stop_daemon
pass "$RELOADS reloads, no descriptor leaked"
