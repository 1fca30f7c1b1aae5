#!/bin/bash
#
# badconfig.sh: `mcrelay -c FILE check` rejects every kind of bad
# configuration with exit status 78 (EX_CONFIG) and a FILE:LINE: message
# that names the problem, reports every error in a file rather than the
# first, and accepts the configurations we ship.
#
# The cases mark the lines where the error may be reported with "@@" at
# the start of the line; the marker is removed before the file is written,
# so nobody has to count lines.  Needs no root and no namespaces.

. "$(dirname "$0")/lib.sh"

[ -x "$MCRELAY" ] || fail "$MCRELAY is missing: build first"

EX_CONFIG=78
NCASES=0
NGOOD=0

# write_marked FILE: writes stdin to FILE without the markers and sets
# LINES to the numbers of the lines that carried "@@", and LINES1/LINES2
# to those that carried "@1"/"@2".
write_marked() {
	local file=$1 n=0 line
	LINES=() LINES1=() LINES2=()
	: >"$file"
	while IFS= read -r line; do
		n=$((n + 1))
		case $line in
		@@*) LINES+=("$n"); line=${line#@@} ;;
		@1*) LINES1+=("$n"); line=${line#@1} ;;
		@2*) LINES2+=("$n"); line=${line#@2} ;;
		esac
		printf '%s\n' "$line" >>"$file"
	done
}

# run_check FILE: runs check, output in $TMP/check.out, status in RC.
run_check() {
	RC=0
	timeout 20 "$MCRELAY" -c "$1" check >"$TMP/check.out" 2>&1 || RC=$?
	[ "$RC" -ne 124 ] || fail "check of $1 did not finish within 20s"
}

# reported FILE KEYWORD LINE...: true if a line of the output starts a
# message with FILE:LINE: for one of the LINEs and names KEYWORD.
reported() {
	local file=$1 keyword=$2 l
	shift 2
	for l in "$@"; do
		grep -F -- "$file:$l:" "$TMP/check.out" | grep -qiF -- "$keyword" &&
		    return 0
	done
	return 1
}

show_case() {
	echo "--- config:" >&2
	cat -n "$1" >&2
	echo "--- output of check (status $RC):" >&2
	cat "$TMP/check.out" >&2
}

# bad DESCRIPTION KEYWORD <<EOF ... EOF: the config on stdin must be
# rejected with EX_CONFIG and KEYWORD reported at one of the @@ lines.
bad() {
	local desc=$1 keyword=$2 file
	NCASES=$((NCASES + 1))
	file=$TMP/case$NCASES.conf
	write_marked "$file"
	[ ${#LINES[@]} -gt 0 ] || fail "test bug: case '$desc' marks no line"
	run_check "$file"
	if [ "$RC" -ne "$EX_CONFIG" ] || ! reported "$file" "$keyword" "${LINES[@]}"; then
		show_case "$file"
		fail "$desc: expected status $EX_CONFIG and '$file:${LINES[*]}: ... $keyword ...'"
	fi
	note "ok: $desc"
}

# good DESCRIPTION FILE: check must accept FILE.
good() {
	NGOOD=$((NGOOD + 1))
	run_check "$2"
	if [ "$RC" -ne 0 ]; then
		show_case "$2"
		fail "$1: check should accept $2 but exited $RC"
	fi
	note "ok: $1"
}

# A valid file to start from, verbatim the example from the design notes
# (inline comments included); every bad case below differs from a valid
# file in one place, so each can only fail for its own reason.
write_marked "$TMP/valid.conf" <<'EOF'
[global]
user = nobody
log-level = debug        ; error|warning|notice|info|debug

[rule video1]
input  = rin
group  = 239.1.1.1
port   = 5000            ; optional
source = 10.1.0.1        ; optional
output = rout1                  ; repeatable
output = rout2 239.2.2.2:6000   ; rewrite group and port
output = rout1 :7000            ; rewrite port only
ttl    = decrement       ; decrement (default) | keep | 1..255
EOF
good "the documented example config" "$TMP/valid.conf"

write_marked "$TMP/valid2.conf" <<'EOF'
# comment
; another comment
[global]
user = nobody
log-level = error

[rule a]
input = rin
group = 239.1.1.1
output = rout1
ttl = keep

[rule b]
input = rout2
group = 239.3.3.3
port = 5001
output = rout1 239.4.4.4:6001
ttl = 5
EOF
good "two rules, ttl keep and set, no port" "$TMP/valid2.conf"

# --- sections and keys

bad "unknown section" "unknown section" <<'EOF'
[global]
user = nobody

@@[bogus]
@@foo = bar

[rule a]
input = rin
group = 239.1.1.1
output = rout1
EOF

bad "unknown key in [global]" "unknown key" <<'EOF'
[global]
user = nobody
@@colour = blue

[rule a]
input = rin
group = 239.1.1.1
output = rout1
EOF

bad "unknown key in a rule" "unknown key" <<'EOF'
[global]
user = nobody

[rule a]
input = rin
group = 239.1.1.1
@@colour = blue
output = rout1
EOF

bad "key before any section" "outside a section" <<'EOF'
@@user = nobody
[rule a]
input = rin
group = 239.1.1.1
output = rout1
EOF

bad "duplicate rule name" "duplicate rule" <<'EOF'
[global]
user = nobody

[rule a]
input = rin
group = 239.1.1.1
output = rout1

@@[rule a]
@@input = rin
group = 239.5.5.5
output = rout2
EOF

bad "duplicate single-valued key in a rule" "duplicate key" <<'EOF'
[global]
user = nobody

[rule a]
input = rin
group = 239.1.1.1
@@group = 239.1.1.2
output = rout1
EOF

bad "duplicate key in [global]" "duplicate key" <<'EOF'
[global]
user = nobody
@@user = daemon

[rule a]
input = rin
group = 239.1.1.1
output = rout1
EOF

for key in input group output; do
	{
		echo "[global]"
		echo "user = nobody"
		echo
		echo "@@[rule a]"
		[ "$key" = input ] || echo "input = rin"
		[ "$key" = group ] || echo "group = 239.1.1.1"
		echo "port = 5000"
		[ "$key" = output ] || echo "output = rout1"
	} | bad "rule without $key" "missing required key"
done

# --- syntax

bad "a line that is not key = value" "syntax error" <<'EOF'
[global]
user = nobody

[rule a]
input = rin
@@this line has no equals sign
group = 239.1.1.1
output = rout1
EOF

bad "an unterminated section header" "syntax error" <<'EOF'
[global]
user = nobody

@@[rule a
input = rin
group = 239.1.1.1
output = rout1
EOF

bad "invalid log-level" "invalid log-level" <<'EOF'
[global]
user = nobody
@@log-level = verbose

[rule a]
input = rin
group = 239.1.1.1
output = rout1
EOF

# --- values

for g in 10.1.1.1 240.0.0.1 255.255.255.255; do
	bad "group = $g" "is not a multicast group or prefix" <<EOF
[global]
user = nobody

[rule a]
input = rin
@@group = $g
output = rout1
EOF
done

# How an address that does not parse is worded is the daemon's choice;
# only the place is checked (an empty keyword matches any message).
bad "group = not-an-address" "" <<'EOF'
[global]
user = nobody

[rule a]
input = rin
@@group = not-an-address
output = rout1
EOF

for g in 10.9.9.9 240.0.0.1; do
	bad "output rewrite to $g" "is not a multicast group" <<EOF
[global]
user = nobody

[rule a]
input = rin
group = 239.1.1.1
port = 5000
output = rout2
@@output = rout1 $g:6000
EOF
done

for p in 0 70000 abc -1; do
	bad "port = $p" "invalid port" <<EOF
[global]
user = nobody

[rule a]
input = rin
group = 239.1.1.1
@@port = $p
output = rout1
EOF
done

for o in "rout1 :70000" "rout1 239.2.2.2:0" "rout1 239.2.2.2:abc"; do
	bad "output = $o" "invalid port" <<EOF
[global]
user = nobody

[rule a]
input = rin
group = 239.1.1.1
port = 5000
@@output = $o
EOF
done

for t in 0 256 foo; do
	bad "ttl = $t" "invalid ttl" <<EOF
[global]
user = nobody

[rule a]
input = rin
group = 239.1.1.1
output = rout1
@@ttl = $t
EOF
done

# (10.1.0.0/24 is a source prefix; 10.1.0.1/24 has host bits, and /33 is too long.)
for s in 10.1.0.300 foo 10.1.0.1/24 10.1.0.0/33; do
	bad "source = $s" "source" <<EOF
[global]
user = nobody

[rule a]
input = rin
group = 239.1.1.1
@@source = $s
output = rout1
EOF
done

# Interface names: what the kernel takes, in printable ASCII; the name is
# echoed escaped, so that a control character never reaches the terminal.
for n in $'r\x01in' $'r\x1b[2Jin' $'caf\xc3\xa9' 'rin:0' 'abcdefghijklmnop' '..'; do
	bad "input = $(printf '%q' "$n")" "invalid interface name" <<EOF
[global]
user = nobody

[rule a]
@@input = $n
group = 239.1.1.1
output = rout1
EOF
	bad "output = $(printf '%q' "$n")" "invalid interface name" <<EOF
[global]
user = nobody

[rule a]
input = rin
group = 239.1.1.1
@@output = $n 239.2.2.2:6000
EOF
	if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$TMP/check.out"; then
		show_case "$TMP/case$NCASES.conf"
		fail "check echoed a control character of $(printf '%q' "$n") unescaped"
	fi
done

# --- loops

for o in "rin" "rin 239.1.1.1:5000" "rin :5000"; do
	bad "output = $o sends the rule's traffic back to its input" "back to its input" <<EOF
[global]
user = nobody

@@[rule a]
input = rin
group = 239.1.1.1
port = 5000
output = rout1
@@output = $o
EOF
done

bad "portless rule whose output is its input" "back to its input" <<'EOF'
[global]
user = nobody

@@[rule a]
input = rin
group = 239.1.1.1
@@output = rin
EOF

bad "two rules feeding each other" "loop" <<'EOF'
[global]
user = nobody

@@[rule a]
input = rin
group = 239.1.1.1
port = 5000
output = rout1 239.2.2.2:6000

@@[rule b]
input = rout1
group = 239.2.2.2
port = 6000
output = rin 239.1.1.1:5000
EOF

# --- every error is reported, not just the first

NCASES=$((NCASES + 1))
file=$TMP/case$NCASES.conf
write_marked "$file" <<'EOF'
[global]
user = nobody
@1colour = blue

[rule a]
input = rin
group = 239.1.1.1
output = rout1
@2ttl = 0
EOF
run_check "$file"
if [ "$RC" -ne "$EX_CONFIG" ] || ! reported "$file" "unknown key" "${LINES1[@]}" ||
    ! reported "$file" "invalid ttl" "${LINES2[@]}"; then
	show_case "$file"
	fail "two errors: expected status $EX_CONFIG and both $file:${LINES1[*]}: and $file:${LINES2[*]}:"
fi
note "ok: a file with two errors reports both"

# --- a file that is not there

missing=$TMP/no-such-file.conf
run_check "$missing"
if [ "$RC" -eq 0 ] || ! grep -qF -- "$missing" "$TMP/check.out"; then
	echo "--- output of check (status $RC):" >&2
	cat "$TMP/check.out" >&2
	fail "check of a missing file must fail and name the file"
fi
NCASES=$((NCASES + 1))
note "ok: a missing file (status $RC)"

# --- what we ship

good "the shipped example etc/mcrelay.conf" "$top_srcdir/etc/mcrelay.conf"
good "the demo's config contrib/demo.conf" "$top_srcdir/contrib/demo.conf"

pass "$NCASES bad and $NGOOD good configurations checked"
