#!/bin/bash
#
# man_options.sh: the manual pages document what the program accepts.
#
#  1. Every option in `mcrelay --help` and `mcrelay SUB --help` (SUB:
#     supervisor, check, status, reload, worker, metrics), short (-x) and long
#     (--name), appears in the page mcrelay(8) as rendered by mandoc, and is
#     marked up there as an option (".Fl x", ".Fl -name" or ".Fl \-name").
#  2. Every command listed by `mcrelay --help` has an item in the COMMANDS
#     section of mcrelay(8), in the source (".It Cm NAME") and as rendered;
#     and every item of that section is a command of `mcrelay --help`.
#  3. Every configuration key of KEYS below appears in the rendered
#     mcrelay.conf(5) and has an item there (".It Ic KEY"), and the pages'
#     key items are exactly KEYS.  So that KEYS stays honest,
#     `mcrelay -c FILE check` reports "unknown key" for a key "bogus-key" in
#     either kind of section, and, for each key of KEYS, accepts a small
#     valid configuration that uses it in its own section: status 0 and no
#     "unknown key".
#
# Environment (Automake passes these; run by hand from the top of the build
# tree they default sensibly):
#   MCRELAY       the program     (default $top_builddir/src/mcrelay)
#   top_srcdir    the source tree (default: two levels above this file)
#   top_builddir  the build tree  (default: $PWD if it holds src/mcrelay,
#                                  else $top_srcdir)
#   MANDOC        mandoc          (default: mandoc)
#   CI            when set, a missing mandoc is a failure instead of a skip
#
# Needs no root and no network.  Exit status: 0 pass, 1 fail, 77 skip (only:
# mandoc missing and $CI unset).

set -u

NAME=man_options

# The configuration keys, by section, with a valid value for each.
GLOBAL_KEYS=(user log-level control-socket control-group ring-mode ring-block-size ring-blocks ring-block-timeout
	workers cpu-affinity datapath metrics-listen)
RULE_KEYS=(input group port source output ttl join link-local monitor)
INPUT_KEYS=(workers cpu-affinity datapath)
declare -A VALUE=(
	[user]=nobody
	[log-level]=notice
	[control-socket]=/run/mcrelay-test/mcrelay.sock
	[control-group]=root
	[ring-mode]=blocks
	[ring-block-size]=256k
	[ring-blocks]=128
	[ring-block-timeout]=2
	[workers]=auto
	[cpu-affinity]=0-1
	[metrics-listen]=127.0.0.1:9234
	[datapath]=packet
	[input]=mcrtest0
	[group]=239.1.1.1
	[port]=5000
	[source]=10.10.1.100
	[output]='mcrtest1 239.2.2.2:6000'
	[ttl]=keep
	[join]=239.1.2.3
	[link-local]=allow
	[monitor]=rtp
	[datapath]=packet
)
SUBCOMMANDS=(supervisor check status reload worker metrics)

top_srcdir=$(cd "${top_srcdir:-$(dirname "$0")/../..}" && pwd) || {
	echo "FAIL: $NAME: cannot find the source tree"
	exit 1
}
if [ -z "${top_builddir:-}" ]; then
	if [ -x "$PWD/src/mcrelay" ]; then
		top_builddir=$PWD
	else
		top_builddir=$top_srcdir
	fi
fi
MCRELAY=${MCRELAY:-$top_builddir/src/mcrelay}
MANDOC=${MANDOC:-mandoc}
PAGE8=$top_srcdir/man/mcrelay.8
PAGE5=$top_srcdir/man/mcrelay.conf.5

if [ ! -x "$MCRELAY" ]; then
	echo "FAIL: $NAME: $MCRELAY is missing: build first"
	exit 1
fi
for page in "$PAGE8" "$PAGE5"; do
	if [ ! -r "$page" ]; then
		echo "FAIL: $NAME: $page is missing"
		exit 1
	fi
done
if ! command -v "$MANDOC" >/dev/null 2>&1; then
	if [ -n "${CI:-}" ]; then
		echo "FAIL: $NAME: $MANDOC is missing (apt-get install mandoc)"
		exit 1
	fi
	echo "SKIP: $NAME: $MANDOC is missing (apt-get install mandoc)"
	exit 77
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mcrelay-$NAME.XXXXXX") || {
	echo "FAIL: $NAME: cannot create a temporary directory"
	exit 1
}
trap 'rm -rf "$TMP"' EXIT

FAILS=0
CHECKS=0

# bad MESSAGE: records a failed check.
bad() {
	echo "  FAIL: $*"
	FAILS=$((FAILS + 1))
}

# ere_quote STRING: STRING with the characters special in an ERE escaped.
# shellcheck disable=SC2016  # a sed expression, not a shell one
ere_quote() {
	printf '%s' "$1" | sed 's/[][\.|$(){}?+*^]/\\&/g'
}

# has_token FILE WORD: true if WORD occurs in FILE as a word of its own,
# not as a part of a longer option or name ("-c" is not in "--config" nor
# in "mcrelay-c").
has_token() {
	grep -qE "(^|[^[:alnum:]_-])$(ere_quote "$2")([^[:alnum:]_-]|\$)" "$1"
}

# section FILE TITLE: the lines of the mdoc source FILE from ".Sh TITLE"
# to the next ".Sh".
section() {
	awk -v t="$2" '/^\.Sh / { on = ($0 == ".Sh " t) } on' "$1"
}

# rendered_section FILE TITLE: the lines of the rendered page FILE from the
# header TITLE (alone on its line, flush left) to the next header.
rendered_section() {
	awk -v t="$2" '/^[A-Z][A-Z ]*$/ { on = ($0 == t) } on' "$1"
}

# render PAGE OUT: PAGE rendered as plain text by mandoc, wide enough that
# no option is broken across lines, without bold and underline.
render() {
	local rc=0
	"$MANDOC" -Tascii -O width=200 "$1" >"$2.raw" 2>"$TMP/mandoc.err" || rc=$?
	if [ "$rc" -gt 1 ] || [ ! -s "$2.raw" ]; then
		cat "$TMP/mandoc.err"
		echo "FAIL: $NAME: mandoc cannot render $1 (status $rc)"
		exit 1
	fi
	# Overstrike: "c<BS>c" is bold, "_<BS>c" underlined.
	sed 's/.\x08//g' "$2.raw" >"$2"
}

render "$PAGE8" "$TMP/mcrelay.8.txt"
render "$PAGE5" "$TMP/mcrelay.conf.5.txt"
section "$PAGE8" COMMANDS >"$TMP/commands.mdoc"
rendered_section "$TMP/mcrelay.8.txt" COMMANDS >"$TMP/commands.txt"
if [ ! -s "$TMP/commands.mdoc" ] || [ ! -s "$TMP/commands.txt" ]; then
	echo "FAIL: $NAME: $PAGE8 has no COMMANDS section"
	exit 1
fi

# --- 1. options --------------------------------------------------------------

# help ARGS...: the help text of `mcrelay ARGS... --help`, in $TMP/help.
help() {
	local rc=0
	timeout 10 "$MCRELAY" "$@" --help >"$TMP/help" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ] || [ ! -s "$TMP/help" ]; then
		bad "'mcrelay $* --help' exits with status $rc: $(head -n 3 "$TMP/help")"
		return 1
	fi
}

# options FILE: the option tokens of a help text, one per line.
options() {
	tr -s '[:space:][](),|=' '\n' <"$1" |
		grep -E '^(-[[:alnum:]]|--[[:alnum:]][[:alnum:]-]*)$'
}

declare -A SEEN=()
OPTS=()
for sub in '' "${SUBCOMMANDS[@]}"; do
	# shellcheck disable=SC2086  # no word for the top level
	help $sub || continue
	while read -r opt; do
		if [ -z "${SEEN[$opt]:-}" ]; then
			SEEN[$opt]=1
			OPTS+=("$opt")
		fi
	done < <(options "$TMP/help")
done
if [ ${#OPTS[@]} -lt 8 ]; then
	bad "only ${#OPTS[@]} options found in the help texts: ${OPTS[*]}"
fi

for opt in "${OPTS[@]}"; do
	CHECKS=$((CHECKS + 1))
	has_token "$TMP/mcrelay.8.txt" "$opt" ||
		bad "option $opt (from --help) does not appear in the rendered mcrelay(8)"
	# In mdoc, ".Fl c" renders -c and ".Fl -config" (or "\-config") --config.
	name=${opt#-}
	grep -qE "(^\\.|[[:space:]])Fl[[:space:]]+(\\\\?)$(ere_quote "$name")([[:space:]]|\$)" "$PAGE8" ||
		bad "option $opt (from --help) is not marked up as '.Fl $name' in $PAGE8"
done

# --- 2. commands -------------------------------------------------------------

help || true
# The lines of the "commands:" part of the help, indented: their first word.
mapfile -t COMMANDS < <(awk '
	/^commands:/ { on = 1; next }
	on && /^[^ ]/ { on = 0 }
	on && /^  [a-z]/ { print $1 }
' "$TMP/help")
if [ ${#COMMANDS[@]} -lt 5 ]; then
	bad "only ${#COMMANDS[@]} commands found in 'mcrelay --help': ${COMMANDS[*]}"
fi
for cmd in "${COMMANDS[@]}"; do
	CHECKS=$((CHECKS + 1))
	grep -qE "^\\.It Cm $(ere_quote "$cmd")( |\$)" "$TMP/commands.mdoc" ||
		bad "command $cmd (from --help) has no '.It Cm $cmd' in the COMMANDS section of $PAGE8"
	# A tag of the section's list: indented as the section's text (mandoc
	# -Tascii indents by 5), not more as a display or a wrapped line is.
	grep -qE "^ {5}$(ere_quote "$cmd")( |\$)" "$TMP/commands.txt" ||
		bad "command $cmd (from --help) has no item in the rendered COMMANDS section of mcrelay(8)"
done
# And the other way: every command the page describes exists.
while read -r cmd; do
	CHECKS=$((CHECKS + 1))
	printf '%s\n' "${COMMANDS[@]}" | grep -qxF -- "$cmd" ||
		bad "command $cmd of the COMMANDS section of $PAGE8 is not in 'mcrelay --help'"
done < <(sed -n 's/^\.It Cm \([^ ]*\).*/\1/p' "$TMP/commands.mdoc")

# --- 3. configuration keys ---------------------------------------------------

KEYS=("${GLOBAL_KEYS[@]}" "${RULE_KEYS[@]}")
for key in "${KEYS[@]}"; do
	CHECKS=$((CHECKS + 1))
	has_token "$TMP/mcrelay.conf.5.txt" "$key" ||
		bad "key $key does not appear in the rendered mcrelay.conf(5)"
	grep -qE "^\\.It Ic $(ere_quote "$key")( |\$)" "$PAGE5" ||
		bad "key $key has no item '.It Ic $key' in $PAGE5"
done
# The page's key items are exactly KEYS: a key documented and not listed
# here must be added to the lists above.
while read -r key; do
	CHECKS=$((CHECKS + 1))
	printf '%s\n' "${KEYS[@]}" | grep -qxF -- "$key" ||
		bad "key $key has an item in $PAGE5 but is not in this test's key list"
done < <({
	section "$PAGE5" 'GLOBAL SECTION'
	section "$PAGE5" 'RULE SECTIONS'
	section "$PAGE5" 'INPUT SECTIONS'
} | sed -n 's/^\.It Ic \([^ ]*\).*/\1/p')

# check FILE: runs `mcrelay -c FILE check`; output in $TMP/check.out, status
# in RC.
check() {
	RC=0
	timeout 20 "$MCRELAY" -c "$1" check >"$TMP/check.out" 2>&1 || RC=$?
}

# A rule that check accepts on any host: absent interfaces are warnings.
MIN_RULE='input = mcrtest0
group = 239.1.1.1
output = mcrtest1'

# The detector: an unknown key is reported, in either kind of section.
CHECKS=$((CHECKS + 1))
printf '[global]\nbogus-key = 1\n\n[rule r1]\n%s\nbogus-key = 2\n' "$MIN_RULE" \
	>"$TMP/bogus.conf"
check "$TMP/bogus.conf"
n=$(grep -c "unknown key.*bogus-key" "$TMP/check.out")
if [ "$RC" -ne 78 ] || [ "$n" -ne 2 ]; then
	bad "check of a file with 'bogus-key' in [global] and in [rule]: status $RC" \
		"(expected 78), $n 'unknown key' lines (expected 2):" \
		"$(cat "$TMP/check.out")"
fi

# accepted SECTION KEY FILE: check accepts FILE, which uses KEY in SECTION.
accepted() {
	CHECKS=$((CHECKS + 1))
	check "$3"
	if grep -q "unknown key" "$TMP/check.out"; then
		bad "key $2 in [$1] is reported as unknown: $(cat "$TMP/check.out")"
	elif [ "$RC" -ne 0 ]; then
		bad "a valid configuration using key $2 in [$1] is refused," \
			"status $RC: $(cat "$TMP/check.out")"
	fi
}

for key in "${GLOBAL_KEYS[@]}"; do
	printf '[global]\n%s = %s\n\n[rule r1]\n%s\n' "$key" "${VALUE[$key]}" \
		"$MIN_RULE" >"$TMP/$key.conf"
	accepted global "$key" "$TMP/$key.conf"
done
for key in "${INPUT_KEYS[@]}"; do
	printf '[rule r1]\n%s\n\n[input mcrtest0]\n%s = %s\n' "$MIN_RULE" "$key" \
		"${VALUE[$key]}" >"$TMP/input-$key.conf"
	accepted input "$key" "$TMP/input-$key.conf"
done
for key in "${RULE_KEYS[@]}"; do
	# The minimal rule, with KEY set to its value from VALUE.
	{
		echo '[rule r1]'
		# join is for a group prefix only.
		printf '%s\n' "$MIN_RULE" | grep -v "^$key =" |
		    if [ "$key" = join ]; then sed 's|^group = .*|group = 239.1.0.0/16|'; else cat; fi
		printf '%s = %s\n' "$key" "${VALUE[$key]}"
	} >"$TMP/$key.conf"
	accepted rule "$key" "$TMP/$key.conf"
done

if [ "$FAILS" -eq 0 ]; then
	echo "PASS: $NAME: ${#OPTS[@]} options, ${#COMMANDS[@]} commands and ${#KEYS[@]} keys documented ($CHECKS checks)"
	exit 0
fi
echo "FAIL: $NAME: $FAILS of $CHECKS checks failed"
exit 1
