#!/bin/bash
#
# reload_bad.sh: reloads that must fail, while a stream flows: an invalid
# file (two errors), two syntax errors, an unreadable file and a missing
# file, through `mcrelay reload`, and the invalid and the missing file
# through SIGHUP.  The client must exit 78 (invalid) or 66 (missing),
# print each error as FILE:LINE: (FILE: cannot open ... for a missing
# file) and "reload failed"; the daemon keeps its configuration
# (generation unchanged) and keeps forwarding: the stream arrives whole.
# A good reload afterwards is applied.

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
require_python
topo_basic

EX_NOINPUT=66
EX_CONFIG=78
CFG=$TMP/bad.conf

# write_conf [EXTRA RULE LINES...]: the good configuration; extra lines go
# at the end of rule a.
write_conf() {
	{
		conf_global
		conf_rule a rin 239.1.1.1 5000 rout1
		[ $# -eq 0 ] || printf '%s\n' "$@"
	} >"$CFG.new"
	mv -f "$CFG.new" "$CFG"
}

# line_of FILE TEXT: the number of the line of FILE that is exactly TEXT.
line_of() {
	local n
	n=$(grep -nxF -- "$2" "$1" | head -n 1)
	[ -n "$n" ] || fail "test bug: no line '$2' in $1"
	echo "${n%%:*}"
}

# expect_failed_reload DESCRIPTION STATUS PATTERN...: `mcrelay reload`
# must exit STATUS ("any": not 0) and print "reload failed" and each
# fixed-string PATTERN.
expect_failed_reload() {
	local desc=$1 want=$2 rc=0 p
	shift 2
	ctl reload || rc=$?
	[ "$rc" -ne 124 ] || fail "$desc: the reload client hung"
	[ "$rc" -ne 0 ] || fail "$desc: the reload client exited 0: $(ctl_output)"
	[ "$want" = any ] || [ "$rc" -eq "$want" ] ||
	    fail "$desc: the reload client exited $rc, expected $want: $(ctl_output)"
	ctl_said 'reload failed' ||
	    fail "$desc: the client did not say 'reload failed': $(ctl_output)"
	for p in "$@"; do
		ctl_said_fixed "$p" ||
		    fail "$desc: the client did not print '$p': $(ctl_output)"
	done
	note "$desc: client status $rc: $(ctl_output | tr '\n' '|')"
}

# expect_unchanged DESCRIPTION: the running configuration is the first one.
expect_unchanged() {
	local v
	status_json
	v=$(status_eval 'd["generation"]' 'len(d["rules"])' 'rule("a")["port"]' \
	    '[o["interface"] for o in rule("a")["outputs"]]') ||
	    fail "$1: unexpected status: $v"
	[ "$v" = "$gen0"$'\n'1$'\n'5000$'\n''["rout1"]' ] ||
	    fail "$1: the running configuration changed: $(tr '\n' ' ' <<<"$v")"
}

write_conf
start_daemon "$CFG"
status_json
gen0=$(status_eval 'd["generation"]') || fail "no generation in the status"

start_recv a "$DST1" d0 239.1.1.1 5000 -x 15 -T 100 -q 2000
start_stream a "$SRC" -g 239.1.1.1 -p 5000 -I s0 -r 2000 -t 16 -s 200
wait_status 10 'rule("a")["packets_in"] > 0' true

# --- invalid: a group that is not multicast, and an unknown key
write_conf "colour = blue"
sed -i 's/^group  = 239\.1\.1\.1$/group  = 10.1.1.1/' "$CFG"
l_group=$(line_of "$CFG" "group  = 10.1.1.1") || exit 1
l_key=$(line_of "$CFG" "colour = blue") || exit 1
expect_failed_reload "invalid file" "$EX_CONFIG" "$CFG:$l_group:" "$CFG:$l_key:"
expect_unchanged "after the invalid file"

# The same file through SIGHUP: the errors and the failure go to the log.
n=$(log_count 'reload failed')
kill -HUP "$DAEMON_PID" || fail "cannot signal the daemon"
wait_until 10 log_has 'reload failed' $((n + 1)) ||
    fail "SIGHUP with an invalid file: no 'reload failed' in the log"
for l in "$l_group" "$l_key"; do
	log_has "$CFG:$l:" || fail "SIGHUP with an invalid file: no $CFG:$l: in the log"
done
expect_unchanged "after SIGHUP with the invalid file"
note "SIGHUP with the invalid file: reload failed, errors logged"

# --- two syntax errors
write_conf "this line has no equals sign" "[rule"
l_syntax1=$(line_of "$CFG" "this line has no equals sign") || exit 1
l_syntax2=$(line_of "$CFG" "[rule") || exit 1
expect_failed_reload "syntax errors" "$EX_CONFIG" "$CFG:$l_syntax1:" "$CFG:$l_syntax2:"
expect_unchanged "after the syntax errors"

# --- an unreadable file: root reads any file, so a directory in its place
rm -f "$CFG"
must mkdir "$CFG"
expect_failed_reload "unreadable file (a directory)" any "$CFG:"
expect_unchanged "after the unreadable file"
must rmdir "$CFG"

# --- a missing file
expect_failed_reload "missing file" "$EX_NOINPUT" "$CFG: cannot open"
expect_unchanged "after the missing file"
n=$(log_count 'reload failed')
kill -HUP "$DAEMON_PID" || fail "cannot signal the daemon"
wait_until 10 log_has 'reload failed' $((n + 1)) ||
    fail "SIGHUP with a missing file: no 'reload failed' in the log"
expect_unchanged "after SIGHUP with the missing file"
note "SIGHUP with a missing file: reload failed"

# The daemon still forwards after all that.
v=$(status_eval 'rule("a")["packets_in"]')
wait_status 10 "rule(\"a\")[\"packets_in\"] > $v" true

# --- and a good file is applied: a second output
write_conf "output = rout2 239.2.2.2:6000"
rc=0
ctl reload || rc=$?
[ "$rc" -eq 0 ] || fail "good reload: the client exited $rc: $(ctl_output)"
ctl_said 'reload applied' ||
    fail "good reload: the client did not say 'reload applied': $(ctl_output)"
wait_status 10 'd["generation"]' $((gen0 + 1))
v=$(status_eval '[o["interface"] for o in rule("a")["outputs"]]')
[ "$v" = '["rout1", "rout2"]' ] || fail "after the good reload, rule a's outputs are $v"
note "good reload applied: generation $((gen0 + 1))"

stop_stream a
sent=$STREAM_SENT
expect_all a "$sent"
wait_status 10 'rule("a")["packets_in"]' "$sent"

stop_daemon
pass "4 bad reloads refused with the right messages; all $sent packets arrived"
