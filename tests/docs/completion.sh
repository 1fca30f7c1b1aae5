#!/bin/bash
#
# completion.sh: the bash completion contrib/mcrelay.bash-completion offers
# the commands, the global options and the options of each command, file
# names after the options that take a file, and never the internal "worker"
# command.
#
# Each case sets COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT as bash
# does when Tab is pressed at the end of a command line (with "=" a word of
# its own, as the default COMP_WORDBREAKS makes it), calls _mcrelay and
# compares COMPREPLY with what is expected.  The cases run twice: with
# bash-completion's library loaded (its _init_completion reads COMP_LINE and
# COMP_POINT, not only COMP_WORDS), if it is installed, and without it, as
# on a host without the bash-completion package.
#
# Environment:
#   top_srcdir       the source tree (default: two levels above this file)
#   BASH_COMPLETION  bash-completion's library
#                    (default /usr/share/bash-completion/bash_completion)
#
# Needs bash only; no build.  Exit status: 0 pass, 1 fail.

set -u

NAME=completion
top_srcdir=$(cd "${top_srcdir:-$(dirname "$0")/../..}" && pwd) || {
	echo "FAIL: $NAME: cannot find the source tree" >&2
	exit 1
}
COMPLETION=$top_srcdir/contrib/mcrelay.bash-completion
BASH_COMPLETION=${BASH_COMPLETION:-/usr/share/bash-completion/bash_completion}

if [ ! -r "$COMPLETION" ]; then
	echo "FAIL: $NAME: $COMPLETION is missing"
	exit 1
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mcrelay-$NAME.XXXXXX") || {
	echo "FAIL: $NAME: cannot create a temporary directory"
	exit 1
}
trap 'rm -rf "$TMP"' EXIT
: >"$TMP/mcrelay.conf"
: >"$TMP/mcrelay.pid"
: >"$TMP/mcrelay.sock"
: >"$TMP/other"

# set_words LINE: sets COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT as
# bash does for Tab at the end of LINE: words split at blanks and at "=",
# which is a word of its own; an empty current word after a blank.
set_words() {
	local line=$1 word='' c i
	COMP_WORDS=()
	for ((i = 0; i < ${#line}; i++)); do
		c=${line:i:1}
		case $c in
		' ')
			[ -z "$word" ] || COMP_WORDS+=("$word")
			word=''
			;;
		=)
			[ -z "$word" ] || COMP_WORDS+=("$word")
			COMP_WORDS+=("=")
			word=''
			;;
		*) word+=$c ;;
		esac
	done
	if [ -n "$word" ] || [ "${line: -1}" = ' ' ]; then
		COMP_WORDS+=("$word")
	fi
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=$line
	COMP_POINT=${#line}
	COMP_TYPE=9
	COMP_KEY=9
}

# complete_line LINE: runs the completion function for LINE; the result is
# in COMPREPLY.
complete_line() {
	set_words "$1"
	COMPREPLY=()
	_mcrelay mcrelay "${COMP_WORDS[COMP_CWORD]}" \
		"${COMP_WORDS[COMP_CWORD - 1]}"
}

# sorted WORD...: the WORDs sorted, one per line.
sorted() {
	[ $# -eq 0 ] || printf '%s\n' "$@" | LC_ALL=C sort
}

FAILS=0
CASES=0

# bad LINE MESSAGE: records a failed case.
bad() {
	echo "  FAIL: '$1': $2"
	FAILS=$((FAILS + 1))
}

# got: COMPREPLY, for messages.
got() {
	local IFS=' '
	echo "got [${COMPREPLY[*]}]"
}

# no_worker LINE: fails if COMPREPLY offers "worker".
no_worker() {
	local w
	for w in "${COMPREPLY[@]}"; do
		if [ "$w" = worker ]; then
			bad "$1" "offers the internal command worker; $(got)"
		fi
	done
}

# expect LINE WORD...: COMPREPLY is exactly the WORDs, in any order.
expect() {
	local line=$1
	shift
	CASES=$((CASES + 1))
	complete_line "$line"
	no_worker "$line"
	if [ "$(sorted "${COMPREPLY[@]}")" != "$(sorted "$@")" ]; then
		local IFS=' '
		bad "$line" "expected [$*], $(got)"
	fi
}

# expect_has LINE WORD...: COMPREPLY contains every WORD.
expect_has() {
	local line=$1 w r found
	shift
	CASES=$((CASES + 1))
	complete_line "$line"
	no_worker "$line"
	for w in "$@"; do
		found=false
		for r in "${COMPREPLY[@]}"; do
			[ "$r" != "$w" ] || found=true
		done
		[ "$found" = true ] || bad "$line" "expected $w among them, $(got)"
	done
}

# run_cases: every case, in the current shell.
run_cases() {
	local cmds='supervisor check status reload version help'

	# Commands.
	# shellcheck disable=SC2086  # $cmds is a list of words
	expect "mcrelay " $cmds
	expect "mcrelay st" status
	expect "mcrelay s" supervisor status
	expect "mcrelay re" reload
	expect "mcrelay w"
	expect "mcrelay h" help
	expect "mcrelay -- st" status
	expect "mcrelay status st"
	expect "mcrelay bogus -"

	# Global options.
	expect_has "mcrelay -" -c --config -s --socket -h --help -V --version
	expect "mcrelay -" -c --config -s --socket -h --help -V --version
	expect "mcrelay --" --config --socket --help --version
	expect "mcrelay --c" --config
	expect "mcrelay --so" --socket
	expect "mcrelay -h "
	expect "mcrelay --version "
	expect "mcrelay --help="

	# Global options before the command.
	expect "mcrelay -c /etc/mcrelay.conf st" status
	expect "mcrelay --config /etc/mcrelay.conf re" reload
	expect "mcrelay --config=/etc/mcrelay.conf re" reload
	expect "mcrelay -s /run/mcrelay/mcrelay.sock st" status
	expect "mcrelay -c /etc/mcrelay.conf -s /run/x.sock -" \
		-c --config -s --socket -h --help -V --version
	expect "mcrelay -c /etc/mcrelay.conf status --j" --json

	# Options of each command.
	expect "mcrelay status -" -j --json -w --watch -h --help
	expect_has "mcrelay status -" --json --help
	expect "mcrelay status --" --json --watch --help
	expect "mcrelay status " -j --json -w --watch -h --help
	expect "mcrelay status --json -" -j --json -w --watch -h --help
	expect "mcrelay status --w" --watch
	expect "mcrelay status --watch "
	expect "mcrelay supervisor -" -f --foreground -p --pidfile -t --ready-timeout -h --help
	expect_has "mcrelay supervisor -" --foreground --pidfile
	expect "mcrelay supervisor --f" --foreground
	expect "mcrelay supervisor -f --p" --pidfile
	expect "mcrelay supervisor --foreground="
	expect "mcrelay check -" -h --help
	expect "mcrelay reload -" -h --help
	expect "mcrelay reload --" --help
	expect "mcrelay status --help -"
	expect "mcrelay version "
	expect "mcrelay version -"
	expect "mcrelay help "
	expect "mcrelay worker "
	expect "mcrelay worker -"

	# File names.
	expect "mcrelay -c $TMP/mcrelay.c" "$TMP/mcrelay.conf"
	expect "mcrelay --config $TMP/mcrelay.c" "$TMP/mcrelay.conf"
	expect "mcrelay --config=$TMP/mcrelay.c" "$TMP/mcrelay.conf"
	expect "mcrelay -s $TMP/mcrelay.s" "$TMP/mcrelay.sock"
	expect "mcrelay --socket=$TMP/mcrelay.s" "$TMP/mcrelay.sock"
	expect "mcrelay -c $TMP/mcrelay.conf -s $TMP/mcrelay.s" "$TMP/mcrelay.sock"
	expect_has "mcrelay -c $TMP/" "$TMP/mcrelay.conf" "$TMP/other"
	expect "mcrelay supervisor -p $TMP/mcrelay.p" "$TMP/mcrelay.pid"
	expect "mcrelay supervisor --pidfile $TMP/mcrelay.p" "$TMP/mcrelay.pid"
	expect "mcrelay supervisor -f --pidfile=$TMP/mcrelay.p" "$TMP/mcrelay.pid"
	expect "mcrelay supervisor -t "
	expect "mcrelay supervisor --ready-timeout="
	expect "mcrelay -c $TMP/mcrelay.conf supervisor -p $TMP/mcrelay.p" \
		"$TMP/mcrelay.pid"
	expect "mcrelay supervisor -p $TMP/mcrelay.pid -" \
		-f --foreground -p --pidfile -t --ready-timeout -h --help
}

# run_mode MODE: runs every case in a subshell; MODE is bash-completion
# (its library loaded first) or plain.  Exit status 0 if all passed.
run_mode() (
	if [ "$1" = bash-completion ]; then
		# The library is not written for nounset.
		set +u
		# shellcheck source=/dev/null
		. "$BASH_COMPLETION" || {
			echo "  FAIL: cannot load $BASH_COMPLETION"
			exit 1
		}
		if ! declare -F _init_completion >/dev/null; then
			echo "  FAIL: $BASH_COMPLETION has no _init_completion"
			exit 1
		fi
	fi
	# shellcheck source=/dev/null  # checked on its own
	. "$COMPLETION" || {
		echo "  FAIL: cannot load $COMPLETION"
		exit 1
	}
	if [ "$1" = plain ] && declare -F _init_completion >/dev/null; then
		echo "  FAIL: _init_completion is defined in the plain mode"
		exit 1
	fi
	if [ "$(complete -p mcrelay 2>/dev/null)" != "complete -F _mcrelay mcrelay" ]; then
		echo "  FAIL: mcrelay is not registered: '$(complete -p mcrelay 2>&1)'"
		FAILS=$((FAILS + 1))
	fi
	run_cases
	echo "  $1: $CASES cases, $FAILS failed"
	[ "$FAILS" -eq 0 ]
)

MODES=(plain)
if [ -r "$BASH_COMPLETION" ]; then
	MODES=(bash-completion plain)
else
	echo "  note: $BASH_COMPLETION is absent: testing without bash-completion only"
fi

FAILED_MODES=()
for mode in "${MODES[@]}"; do
	run_mode "$mode" || FAILED_MODES+=("$mode")
done

if [ ${#FAILED_MODES[@]} -eq 0 ]; then
	echo "PASS: $NAME: completion cases pass (${MODES[*]})"
	exit 0
fi
echo "FAIL: $NAME: completion cases failed (${FAILED_MODES[*]})"
exit 1
