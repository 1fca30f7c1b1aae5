#!/bin/bash
#
# files.sh: configuration files that are not the daemon's own.  A device
# (/dev/zero, /dev/urandom), a FIFO, a directory and a file over 16 MiB
# are refused at once with a message naming the file, by `check` and by
# the supervisor; a NUL byte is an error at its line.

. "$(dirname "$0")/lib.sh"

require_root
require_binaries

# refused FILE WHY: `check` fails within 5 s, saying WHY about FILE.
refused() {
	local rc=0
	timeout 5 "$MCRELAY" -c "$1" check >"$TMP/out" 2>&1 || rc=$?
	[ "$rc" -ne 124 ] || fail "check -c $1 did not end within 5 s"
	[ "$rc" -ne 0 ] || fail "check -c $1 succeeded"
	grep -qF "$1: $2" "$TMP/out" || fail "check -c $1: expected '$1: $2' in: $(head -c 300 "$TMP/out")"
	note "check -c $1: status $rc: $(head -n 1 "$TMP/out")"
}

refused /dev/zero "not a regular file"
refused /dev/urandom "not a regular file"
mkfifo "$TMP/fifo" || fail "mkfifo"
refused "$TMP/fifo" "not a regular file"
refused "$TMP" "not a regular file"
truncate -s 17M "$TMP/huge.conf" || fail "truncate"
refused "$TMP/huge.conf" "larger than"
{ conf_global; printf '[rule a]\0\n'; } >"$TMP/nul.conf"
nul_line=$(($(conf_global | wc -l) + 1))
refused "$TMP/nul.conf" ""
grep -qF "$TMP/nul.conf:$nul_line: NUL byte in the file" "$TMP/out" ||
    fail "no FILE:LINE for the NUL byte: $(cat "$TMP/out")"
rc=0
timeout 5 "$MCRELAY" -c /dev/zero supervisor -f >"$TMP/sv.out" 2>&1 || rc=$?
[ "$rc" -ne 124 ] && [ "$rc" -ne 0 ] || fail "the supervisor with /dev/zero: status $rc"
grep -qF "/dev/zero: not a regular file" "$TMP/sv.out" ||
    fail "the supervisor did not say why: $(head -c 300 "$TMP/sv.out")"
pass "devices, FIFOs, directories, huge files and NUL bytes refused with their name"
