#!/bin/bash
#
# privileges.sh: every worker runs as nobody:nogroup with no
# supplementary groups, no capabilities in any set, and no_new_privs, and
# names itself in ps(1) (comm "mcrelay-worker", command line "mcrelay:
# worker INPUT"); and a worker started by hand, without a supervisor,
# refuses to run.

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
topo_basic

NOBODY=65534
NOGROUP=65534
ZERO_CAPS=0000000000000000

{
	conf_global
	conf_rule a rin 239.1.1.1 5000 rout1
	conf_rule b rout2 239.3.3.3 5001 "rout1 239.4.4.4:6001"
} >"$TMP/priv.conf"
start_daemon "$TMP/priv.conf"

# status_field PID FIELD: the rest of the FIELD: line of /proc/PID/status,
# tabs turned into single spaces.
status_field() {
	local line words
	line=$(grep "^$2:" "/proc/$1/status") || return 1
	read -ra words <<<"${line#*:}"
	echo "${words[*]}"
}

# The supervisor keeps CAP_KILL, CAP_SETGID, CAP_SETUID, CAP_SETPCAP,
# CAP_NET_RAW, and for the kernel path CAP_NET_ADMIN, CAP_PERFMON and
# CAP_BPF (this kernel has it); CAP_SYS_CHROOT in its bounding set only.
v=$(status_field "$DAEMON_PID" CapEff) || fail "the supervisor vanished"
[ "$v" = 000000c0000031e0 ] || fail "supervisor: CapEff $v, expected 000000c0000031e0"
v=$(status_field "$DAEMON_PID" CapBnd) || fail "the supervisor vanished"
[ "$v" = 000000c0000431e0 ] || fail "supervisor: CapBnd $v, expected 000000c0000431e0"
note "supervisor: CapEff 000000c0000031e0, CapBnd 000000c0000431e0"

mapfile -t workers < <(daemon_workers)
[ ${#workers[@]} -gt 0 ] || fail "the supervisor ($DAEMON_PID) has no workers"
note "workers: ${workers[*]}"

for w in "${workers[@]}"; do
	v=$(status_field "$w" Uid) || fail "worker $w vanished"
	[ "$v" = "$NOBODY $NOBODY $NOBODY $NOBODY" ] ||
	    fail "worker $w: Uid: $v, expected $NOBODY in all four"
	v=$(status_field "$w" Gid) || fail "worker $w vanished"
	[ "$v" = "$NOGROUP $NOGROUP $NOGROUP $NOGROUP" ] ||
	    fail "worker $w: Gid: $v, expected $NOGROUP in all four"
	v=$(status_field "$w" Groups) || fail "worker $w vanished"
	[ -z "$v" ] || fail "worker $w: supplementary groups: $v"
	for cap in CapEff CapPrm CapBnd CapAmb; do
		v=$(status_field "$w" $cap) || fail "worker $w vanished"
		[ "$v" = "$ZERO_CAPS" ] || fail "worker $w: $cap: $v, expected $ZERO_CAPS"
	done
	v=$(status_field "$w" CapInh) || fail "worker $w vanished"
	[ "$v" = "$ZERO_CAPS" ] || note "worker $w: CapInh: $v (harmless with the rest empty)"
	v=$(status_field "$w" NoNewPrivs) || fail "worker $w vanished"
	[ "$v" = 1 ] || fail "worker $w: NoNewPrivs: $v, expected 1"
	v=$(cat "/proc/$w/comm") || fail "worker $w vanished"
	[ "$v" = mcrelay-worker ] || fail "worker $w: comm '$v', expected mcrelay-worker"
	v=$(tr '\0' ' ' <"/proc/$w/cmdline") || fail "worker $w vanished"
	[[ $v == "mcrelay: worker rin " || $v == "mcrelay: worker rout2 " ]] ||
	    fail "worker $w: command line '$v', expected 'mcrelay: worker rin' or 'rout2'"
	note "worker $w: uid/gid $NOBODY/$NOGROUP, no groups, no capabilities, no_new_privs"
done

stop_daemon

# A worker needs its supervisor's channel on fd 3: without it (fd 3
# closed, or fd 3 something other than the channel) it must fail at once.
# Run inside RELAY so that whatever it does stays in the test's namespace.
for how in "closed" "/dev/null"; do
	rc=0
	if [ "$how" = closed ]; then
		ip netns exec "$RELAY" timeout 10 "$MCRELAY" worker \
		    </dev/null >"$TMP/worker.out" 2>&1 3>&- || rc=$?
	else
		ip netns exec "$RELAY" timeout 10 "$MCRELAY" worker \
		    </dev/null >"$TMP/worker.out" 2>&1 3</dev/null || rc=$?
	fi
	[ "$rc" -ne 124 ] || fail "'mcrelay worker' with fd 3 $how still ran after 10s"
	[ "$rc" -ne 0 ] || fail "'mcrelay worker' with fd 3 $how exited 0"
	[ -s "$TMP/worker.out" ] ||
	    fail "'mcrelay worker' with fd 3 $how exited $rc without a message"
	note "'mcrelay worker' with fd 3 $how: status $rc: $(head -n 1 "$TMP/worker.out")"
done

pass "${#workers[@]} worker(s) fully unprivileged"
