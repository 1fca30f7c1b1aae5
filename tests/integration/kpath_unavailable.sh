#!/usr/bin/env bash
# kpath_unavailable.sh: a kernel without the kernel path (played by a test
# hook): datapath = kernel is an error at its line, for `check` (as root),
# at start, and at a reload, which keeps the running configuration;
# datapath = auto relays everything on the packet path and says why, in
# `check` and in `status`.
. "$(dirname "$0")/lib.sh"
require_root
require_binaries
require_python
has_feature test-hooks || fail "needs a build with --enable-test-hooks"
export MCRELAY_TEST_NO_KPATH=1

topo_basic
write_conf() {	# DATAPATH
	{
		MCRELAY_DATAPATH=$1 conf_global
		conf_rule k rin 239.1.1.1 5000 "rout1 239.9.9.9:6000"
	} >"$TMP/u.conf"
}

write_conf kernel
line=$(grep -n '^datapath = kernel' "$TMP/u.conf" | cut -d: -f1)
rc=0
check_conf "$TMP/u.conf" || rc=$?
[ "$rc" -eq 78 ] || fail "check exited $rc, expected 78 (EX_CONFIG): $(cat "$TMP/check.out")"
grep -qF "$TMP/u.conf:$line: input rin: datapath = kernel, but this kernel cannot run it" \
    "$TMP/check.out" || fail "check: no error at line $line: $(cat "$TMP/check.out")"

rc=0
ip netns exec "$RELAY" timeout 10 "$MCRELAY" -c "$TMP/u.conf" supervisor -f \
    >"$TMP/start.out" 2>&1 </dev/null || rc=$?
[ "$rc" -eq 78 ] || fail "the daemon exited $rc, expected 78: $(cat "$TMP/start.out")"
grep -qF "$TMP/u.conf:$line: input rin: datapath = kernel" "$TMP/start.out" ||
    fail "the daemon did not name the line: $(cat "$TMP/start.out")"

write_conf auto
check_conf "$TMP/u.conf" || fail "check refused datapath = auto: $(cat "$TMP/check.out")"
grep -q "rule k: packet path (input rin: this kernel cannot run it" "$TMP/check.out" ||
    fail "check: $(cat "$TMP/check.out")"
start_daemon "$TMP/u.conf"
status_json
[ "$(status_eval 'rule("k")["path"]')" = packet ] || fail "status: $(cat "$TMP/status.json")"
status_eval 'rule("k")["path_reason"]' | grep -q "this kernel cannot run it" ||
    fail "status gives no reason: $(cat "$TMP/status.json")"
start_recv k "$DST1" d0 239.9.9.9 6000 -n 500 -T 30
send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -n 500 -r 2000 -t 16
expect_recv_ok k
gen=$(status_eval 'd["generation"]')

write_conf kernel
rc=0
ctl reload || rc=$?
[ "$rc" -ne 0 ] || fail "a reload to datapath = kernel was applied"
ctl_said_fixed "u.conf:$line: input rin: datapath = kernel, but this kernel cannot run it" ||
    fail "the reload's error does not name the line: $(ctl_output)"
status_json
[ "$(status_eval 'd["generation"]')" = "$gen" ] || fail "the failed reload changed the generation"
KPATH_NONE_OK=1 stop_daemon
pass "without the kernel path: datapath = kernel refused at its line (check, start, reload); auto relays on the packet path and says why"
