#!/bin/bash
#
# status_watch.sh: `mcrelay status --watch 1` in a real terminal (a tmux
# pane, read with capture-pane) against a daemon forwarding a stream:
# the table is drawn in the alternate screen with the cursor hidden, its
# counters and the header's time move on, every line matches what
# `mcrelay status` prints (numbers aside) whenever the view changes shape
# (the daemon stopped and started again, a reload to fewer and shorter
# lines), so no stale character is left; lines are cut to a narrower
# window, never wrapped; q and Ctrl-C give the terminal back as it was
# (normal screen, cursor visible, exit 0).  Then without a terminal: plain
# snapshots after a time line, no escape sequence, through a pipe that
# closes and into a file; bad intervals and a refused user.

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
if ! command -v tmux >/dev/null; then
	[ -n "${CI:-}" ] && fail "tmux is missing (contrib/install-deps.sh installs it); CI is set"
	skip "tmux is missing (contrib/install-deps.sh installs it)"
fi

topo_basic
{
	conf_global info
	conf_rule watched rin 239.1.1.1 5000 "rout1 239.2.2.2:6000"
	conf_rule second-rule-long rin 239.1.1.2 5002 "rout2 239.3.3.3:6002" "rout1 239.4.4.4:6004"
} >"$TMP/two.conf"
{
	conf_global info
	conf_rule watched rin 239.1.1.1 5000 "rout1 239.2.2.2:6000"
} >"$TMP/one.conf"
cp "$TMP/two.conf" "$TMP/watch.conf"
start_daemon "$TMP/watch.conf"
start_stream s "$SRC" -g 239.1.1.1 -p 5000 -I s0 -r 400 -t 16

# ---------------------------------------------------------------------
# A terminal: a private tmux server, its pane a bare interactive bash.

TMUX_SOCK=$TMP/tmux.sock
tmx() { tmux -S "$TMUX_SOCK" "$@"; }
must tmx -f /dev/null new-session -d -s w -x 200 -y 45 \
    env PS1='$ ' HISTFILE=/dev/null bash --norc --noprofile -i
tmux_pid=$(tmx display-message -p '#{pid}') || fail "no tmux server pid"
PIDS+=("$tmux_pid")	# cleanup ends the server, and with it the pane
note "tmux $(tmux -V | cut -d' ' -f2), server $tmux_pid"

# pane: what the pane shows now, trailing blank lines dropped.
pane() {
	tmx capture-pane -p -t w "$@" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}
pane_has() { pane | grep -qE -- "$1"; }
pane_flags() { tmx display-message -p -t w '#{alternate_on} #{cursor_flag}'; }
keys() { tmx send-keys -t w "$@"; }

# wait_pane SECONDS ERE WHAT: waits until the pane shows ERE.
wait_pane() {
	wait_until "$1" pane_has "$2" && return 0
	fail "after $1 s the pane does not show $3 (/$2/):
$(pane)"
}

keys -l 'echo BEFORE-WATCH-MARK'
keys Enter
wait_pane 10 '^BEFORE-WATCH-MARK$' "the shell's output"
[ "$(pane_flags)" = "0 1" ] || fail "a fresh pane is not in the normal screen with a cursor"

HEADER_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}  every 1s  daemon: '
watch_cmd="$MCRELAY -s $CTL_SOCK status --watch 1; echo EXIT=\$?"
keys -l "$watch_cmd"
keys Enter
wait_pane 10 "${HEADER_RE}answering  \(q to quit\)$" "the watch's header"
[ "$(pane_flags)" = "1 0" ] ||
    fail "watching, the pane is not in the alternate screen with the cursor hidden: $(pane_flags)"

# ---------------------------------------------------------------------
# The numbers move on, and so does the time.

header_time() { pane | head -n 1 | cut -c1-19; }
rule_line() { pane | grep -E '^watched ' | head -n 1; }
pps_of() { awk '{ print $7 }' <<<"$1"; }

wait_pane 10 '^watched .* active .*[0-9]s ago$' "the rule with packets"
t1=$(header_time)
l1=$(rule_line)
moved() { [ "$(header_time)" != "$t1" ] && [ "$(rule_line)" != "$l1" ]; }
wait_until 5 moved || fail "neither time nor counters moved in 5 s: '$t1' '$l1' then
$(pane)"
wait_until 10 eval '[ "$(pps_of "$(rule_line)")" != 0 ]' ||
    fail "the rule shows no packets per second: $(rule_line)"
t2=$(header_time)
l2=$(rule_line)
s1=$(date -d "$t1" +%s) s2=$(date -d "$t2" +%s) || fail "bad header times '$t1' '$t2'"
((s2 > s1)) || fail "the header's time went from $t1 to $t2"
note "at $t1: $l1"
note "at $t2: $l2 (pps $(pps_of "$l2"))"

# ---------------------------------------------------------------------
# Whenever the view changes shape, every line is what `status` prints,
# numbers aside: a stale character would show as a token too many.

# mask: each word with a digit in it becomes '#', spaces squeezed.
mask() { awk '{ $1 = $1; for (i = 1; i <= NF; i++) if ($i ~ /[0-9]/) $i = "#"; print }'; }

# view_is_status: the pane is the header, a blank line and what
# `mcrelay status` prints now, masked; the differences in $TMP/view.diff.
view_is_status() {
	local rc=0
	ctl status || return 1
	{
		echo '#'
		echo
		sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$TMP/ctl.out"
	} | mask >"$TMP/want.txt"
	{
		pane | head -n 1 | grep -qE "${HEADER_RE}answering  \(q to quit\)$" &&
		    echo '#'
		pane | tail -n +2
	} | mask >"$TMP/got.txt"
	diff "$TMP/want.txt" "$TMP/got.txt" >"$TMP/view.diff" || rc=1
	return $rc
}

# expect_view SECONDS WHAT: waits until view_is_status.
expect_view() {
	wait_until "$1" view_is_status && return 0
	fail "$2: the pane is not what status prints (diff want got):
$(cat "$TMP/view.diff")
--- the pane:
$(pane)"
}

expect_view 10 "with two rules"

# The daemon goes away: said in the header and above the last table.
stop_daemon
wait_pane 10 "${HEADER_RE}NOT REACHABLE since [0-9:]{8}  \(q to quit\)$" "the daemon gone"
wait_pane 5 "^cannot reach the daemon at $CTL_SOCK: (No such file or directory|Connection refused); trying again every 1s$" \
    "why"
wait_pane 5 '^the last status, at [0-9:]{8}:$' "the last table's time"
pane_has '^watched ' || fail "the last table is not shown: $(pane)"
gone_lines=$(pane | wc -l)
note "daemon stopped: the view says so ($gone_lines lines)"

# It comes back: the view is the table again, shorter, with nothing left over.
start_daemon "$TMP/watch.conf"
expect_view 10 "the daemon back"
note "daemon back: the view is the table again ($(pane | wc -l) lines)"

# A reload to one rule: fewer lines, and the outputs' lines go.
cp "$TMP/one.conf" "$TMP/watch.conf"
ctl reload || fail "reload failed: $(ctl_output)"
expect_view 10 "after a reload to one rule"
pane_has 'second-rule' && fail "a line of the removed rule is left: $(pane)"
note "reload to one rule: $(pane | wc -l) lines, nothing left of the other rule"

# ---------------------------------------------------------------------
# A narrower window (SIGWINCH): lines are cut, not wrapped.

must tmx resize-window -t w -x 60 -y 45
cut_ok() {
	local longest
	longest=$(tmx capture-pane -p -J -t w | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
	[ "$longest" -le 60 ] && [ "$longest" -ge 55 ] &&
	    pane | head -n 1 | grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2} ' &&
	    pane | grep -q '^RULE ' && pane | grep -q '^WORKER '
}
wait_until 5 cut_ok || fail "in 60 columns, lines wrap or the table is not there:
$(tmx capture-pane -p -J -t w)"
must tmx resize-window -t w -x 200 -y 45
expect_view 5 "back to 200 columns"
note "resized to 60 columns and back: lines cut, then whole again"

# ---------------------------------------------------------------------
# Ctrl-C, then q: the terminal as it was.

keys C-c
wait_pane 10 '^EXIT=0$' "the exit status after Ctrl-C"
[ "$(pane_flags)" = "0 1" ] ||
    fail "after Ctrl-C: alternate screen and cursor flags '$(pane_flags)', expected '0 1'"
pane_has '^BEFORE-WATCH-MARK$' || fail "after Ctrl-C the shell's screen is not back: $(pane)"
pane_has '^RULE ' && fail "after Ctrl-C the table is left on the normal screen: $(pane)"
pane_has 'Sanitizer|runtime error' && fail "a sanitizer's report after Ctrl-C: $(pane)"
keys -l 'clear'
keys Enter
wait_until 5 eval '! pane_has EXIT=0' || fail "the pane was not cleared"
keys -l "$watch_cmd"
keys Enter
wait_pane 10 "${HEADER_RE}answering" "the watch again"
keys q
wait_pane 10 '^EXIT=0$' "the exit status after q"
[ "$(pane_flags)" = "0 1" ] || fail "after q: flags '$(pane_flags)', expected '0 1'"
pane_has 'Sanitizer|runtime error' && fail "a sanitizer's report after q: $(pane)"
note "Ctrl-C and q: exit 0, normal screen, cursor visible"

# ---------------------------------------------------------------------
# Not a terminal: plain snapshots, each after its time line.

timeout --preserve-status -s INT 3.6 "$MCRELAY" -s "$CTL_SOCK" status --watch 1 >"$TMP/plain.out" 2>"$TMP/plain.err"
rc=$?
[ "$rc" -eq 0 ] || fail "status --watch to a file, stopped by SIGINT, exited $rc: $(cat "$TMP/plain.err")"
# (a sanitizer's report would be there)
[ ! -s "$TMP/plain.err" ] || fail "status --watch wrote to stderr: $(cat "$TMP/plain.err")"
n=$(grep -cE "${HEADER_RE}answering$" "$TMP/plain.out")
[ "$n" -ge 3 ] || fail "$n snapshots in 3.6 s to a file: $(cat "$TMP/plain.out")"
[ "$(grep -c '^RULE ' "$TMP/plain.out")" = "$n" ] || fail "not one table per time line"
grep -q $'\033' "$TMP/plain.out" && fail "escape sequences in the plain output"
grep -A2 -E "$HEADER_RE" "$TMP/plain.out" | grep -q '^mcrelay ' ||
    fail "a time line is not followed by a blank line and the table"

_now
start=$_NOW
timeout 10 bash -c "\"$MCRELAY\" -s \"$CTL_SOCK\" status --watch 0.2 | head -n 60 >\"$TMP/head.out\""
rc=$?
[ "$rc" -ne 124 ] || fail "status --watch kept running after head closed the pipe"
[ "$(wc -l <"$TMP/head.out")" = 60 ] || fail "head got $(wc -l <"$TMP/head.out") lines"
[ "$(grep -cE "${HEADER_RE/every 1s/every 0.2s}answering$" "$TMP/head.out")" -ge 2 ] || fail "fewer than 2 snapshots in 60 lines"
_now
note "plain: $n snapshots to a file in 3.6 s; through head -n 60, ended after $(((_NOW - start) / 1000)) ms"

# ---------------------------------------------------------------------
# Bad intervals are refused with a reason; a user without access is told at once.

bad_watch() {
	local rc=0
	"$MCRELAY" -s "$CTL_SOCK" status "$@" >"$TMP/bad.out" 2>&1 || rc=$?
	[ "$rc" -eq 64 ] || fail "status $* exited $rc, expected 64: $(cat "$TMP/bad.out")"
	grep -qE -- "$BAD_RE" "$TMP/bad.out" || fail "status $*: no /$BAD_RE/ in: $(cat "$TMP/bad.out")"
}
BAD_RE="bad --watch interval: '0' is not from 0.1 to 3600 seconds" bad_watch --watch 0
BAD_RE="'3601' is not from 0.1 to 3600" bad_watch --watch=3601
BAD_RE="'1e3' is not a number of seconds" bad_watch --watch 1e3
BAD_RE="'-1' is not a number" bad_watch -w-1
BAD_RE="more than three decimals" bad_watch --watch 0.0001
BAD_RE="cannot be used with --json" bad_watch --watch 1 --json
BAD_RE="unexpected argument '2'" bad_watch --watch 1 2

rc=0
timeout 10 setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$MCRELAY" -s "$CTL_SOCK" status --watch 1 >"$TMP/refused.out" 2>&1 || rc=$?
[ "$rc" -eq 77 ] || fail "a user without access: exit $rc, expected 77: $(cat "$TMP/refused.out")"
grep -q "Permission denied" "$TMP/refused.out" || fail "no reason given: $(cat "$TMP/refused.out")"

stop_stream s
stop_daemon
pass "drawn in place and updated, nothing stale, cut to 60 columns, terminal restored; plain snapshots"
