#!/usr/bin/env bash
# install.sh: "make install" into a DESTDIR puts every file where the
# documentation says, with the expected modes; it never overwrites an
# existing configuration; "make uninstall" removes what it installed.
set -u
top_builddir=${top_builddir:-$(pwd)}
MAKE=${MAKE:-make}
DEST=$(mktemp -d "${TMPDIR:-/tmp}/mcrelay-install.XXXXXX") || exit 1
trap 'rm -rf "$DEST"' EXIT INT TERM HUP
failures=0

fail() {
	echo "FAIL: install: $*" >&2
	failures=$((failures + 1))
}

# Where configure put things, as the Makefile knows them.
var() {
	MAKEFLAGS= MAKELEVEL= $MAKE -s -C "$top_builddir" --no-print-directory -f Makefile -f - print-var VAR="$1" <<'MK'
print-var:
	@echo $($(VAR))
MK
}

install_into() {
	$MAKE -s -C "$top_builddir" install DESTDIR="$DEST" >"$DEST.log" 2>&1 ||
		{ cat "$DEST.log"; rm -f "$DEST.log"; echo "FAIL: install: make install failed"; exit 1; }
	rm -f "$DEST.log"
}

expect_file() {	# PATH MODE
	local f=$DEST$1 mode
	if [ ! -f "$f" ]; then
		fail "missing $1"
		return
	fi
	mode=$(stat -c %a "$f")
	[ "$mode" = "$2" ] || fail "$1 has mode $mode, expected $2"
}

sbindir=$(var sbindir)
sysconfdir=$(var sysconfdir)
mandir=$(var mandir)
docdir=$(var docdir)
unitdir=$(var systemdsystemunitdir)
sysusersdir=$(var sysusersdir)
compdir=$(var bashcompletiondir)
libexecdir=$(var libexecdir)
textfiledir=$(var textfiledir)

install_into
expect_file "$sbindir/mcrelay" 755
expect_file "$mandir/man8/mcrelay.8" 644
expect_file "$mandir/man5/mcrelay.conf.5" 644
expect_file "$docdir/mcrelay.conf" 644
expect_file "$docdir/README.md" 644
expect_file "$docdir/LICENSE" 644
expect_file "$sysconfdir/mcrelay.conf" 644
expect_file "$unitdir/mcrelay.service" 644
expect_file "$sysusersdir/mcrelay.conf" 644
expect_file "$compdir/mcrelay" 644
expect_file "$unitdir/mcrelay-textfile.service" 644
expect_file "$unitdir/mcrelay-textfile.timer" 644
expect_file "$libexecdir/mcrelay/mcrelay-textfile" 755

# The unit names the installed binary, and nothing is left to substitute.
unit=$DEST$unitdir/mcrelay.service
grep -q "^ExecStart=$sbindir/mcrelay supervisor" "$unit" ||
	fail "the unit's ExecStart does not name $sbindir/mcrelay"
! grep -q '@[a-z]*@' "$unit" || fail "the unit has unsubstituted @...@ variables"
# Thousands of group memberships need thousands of descriptors.
nofile=$(sed -n 's/^LimitNOFILE=\([0-9][0-9]*\)$/\1/p' "$unit")
[ -n "$nofile" ] && [ "$nofile" -ge 65536 ] ||
	fail "the unit's LimitNOFILE= is '${nofile:-unset}', expected at least 65536"
# systemd's own check, where it is installed (it needs no running systemd),
# on a copy that names the binary installed in DESTDIR.
if command -v systemd-analyze >/dev/null 2>&1; then
	sed "s|$sbindir/mcrelay|$DEST$sbindir/mcrelay|g" "$unit" >"$DEST/mcrelay.service"
	out=$(systemd-analyze verify --man=no "$DEST/mcrelay.service" 2>&1) ||
		fail "systemd-analyze verify: $out"
	[ -z "$out" ] || fail "systemd-analyze verify warns: $out"
	rm -f "$DEST/mcrelay.service"
fi
# The textfile collector's service runs the installed script, which runs the
# installed binary and writes where the collector reads.
tf=$DEST$unitdir/mcrelay-textfile.service
grep -qx "ExecStart=$libexecdir/mcrelay/mcrelay-textfile $textfiledir/mcrelay.prom" "$tf" ||
	fail "mcrelay-textfile.service's ExecStart: $(grep '^ExecStart=' "$tf")"
grep -qx "ReadWritePaths=$textfiledir" "$tf" || fail "mcrelay-textfile.service may not write $textfiledir"
grep -qF "if ! $sbindir/mcrelay \"\$@\" status --prometheus " "$DEST$libexecdir/mcrelay/mcrelay-textfile" ||
	fail "mcrelay-textfile does not run $sbindir/mcrelay"
! grep -q '@[a-z]*@' "$tf" "$DEST$libexecdir/mcrelay/mcrelay-textfile" ||
	fail "the textfile files have unsubstituted @...@ variables"
if command -v systemd-analyze >/dev/null 2>&1; then
	sed "s|$libexecdir/mcrelay/mcrelay-textfile|$DEST$libexecdir/mcrelay/mcrelay-textfile|g" \
	    "$tf" >"$DEST/mcrelay-textfile.service"
	cp "$DEST$unitdir/mcrelay-textfile.timer" "$DEST/"
	out=$(cd "$DEST" && systemd-analyze verify --man=no mcrelay-textfile.service mcrelay-textfile.timer 2>&1) ||
		fail "systemd-analyze verify: $out"
	[ -z "$out" ] || fail "systemd-analyze verify warns: $out"
	rm -f "$DEST/mcrelay-textfile.service" "$DEST/mcrelay-textfile.timer"
fi
# Without a daemon to ask, the script writes mcrelay_up 0, atomically, and fails.
mkdir -p "$DEST/textfile"
rc=0
"$DEST$libexecdir/mcrelay/mcrelay-textfile" "$DEST/textfile/mcrelay.prom" -s "$DEST/none.sock" \
    2>/dev/null || rc=$?
[ "$rc" = 1 ] || fail "mcrelay-textfile without a daemon exited $rc, expected 1"
[ "$(tail -n 1 "$DEST/textfile/mcrelay.prom" 2>/dev/null)" = "mcrelay_up 0" ] ||
	fail "mcrelay-textfile without a daemon wrote: $(cat "$DEST/textfile/mcrelay.prom" 2>&1)"
[ "$(ls -A "$DEST/textfile")" = mcrelay.prom ] ||
	fail "mcrelay-textfile left other files: $(ls -A "$DEST/textfile")"
rm -rf "$DEST/textfile"
"$DEST$sbindir/mcrelay" version | grep -q '^mcrelay ' || fail "the installed binary does not run"
"$DEST$sbindir/mcrelay" -c "$DEST$sysconfdir/mcrelay.conf" check >/dev/null 2>&1 ||
	fail "the installed configuration does not pass check"

# An edited configuration survives a second install and the uninstall.
echo "; edited by the administrator" >>"$DEST$sysconfdir/mcrelay.conf"
install_into
grep -q 'edited by the administrator' "$DEST$sysconfdir/mcrelay.conf" ||
	fail "make install overwrote an existing $sysconfdir/mcrelay.conf"
$MAKE -s -C "$top_builddir" uninstall DESTDIR="$DEST" >/dev/null 2>&1 || fail "make uninstall failed"
left=$(cd "$DEST" && find . -type f | sort)
[ "$left" = ".$sysconfdir/mcrelay.conf" ] ||
	fail "after uninstall, expected only the edited configuration, found: $left"

# Without edits, uninstall leaves no file at all.
rm -rf "${DEST:?}"/*
install_into
$MAKE -s -C "$top_builddir" uninstall DESTDIR="$DEST" >/dev/null 2>&1 || fail "make uninstall failed"
left=$(cd "$DEST" && find . -type f)
[ -z "$left" ] || fail "make uninstall left: $left"

if [ "$failures" -eq 0 ]; then
	echo "PASS: install: layout, modes, kept configuration, clean uninstall"
	exit 0
fi
exit 1
