#!/bin/bash
#
# manlint.sh: the manual pages man/mcrelay.8 and man/mcrelay.conf.5 pass
# `mandoc -Tlint -W warning` without a single message.
#
# Environment:
#   top_srcdir  the source tree (default: two levels above this file)
#   MANDOC      the mandoc program (default: mandoc)
#   CI          when set, a missing mandoc is a failure instead of a skip
#
# Exit status: 0 pass, 1 fail, 77 skip (mandoc missing and $CI unset).

set -u

NAME=manlint
top_srcdir=$(cd "${top_srcdir:-$(dirname "$0")/../..}" && pwd) || {
	echo "FAIL: $NAME: cannot find the source tree"
	exit 1
}
MANDOC=${MANDOC:-mandoc}
PAGES=("$top_srcdir/man/mcrelay.8" "$top_srcdir/man/mcrelay.conf.5")

if ! command -v "$MANDOC" >/dev/null 2>&1; then
	if [ -n "${CI:-}" ]; then
		echo "FAIL: $NAME: $MANDOC is missing (apt-get install mandoc)"
		exit 1
	fi
	echo "SKIP: $NAME: $MANDOC is missing (apt-get install mandoc)"
	exit 77
fi

for page in "${PAGES[@]}"; do
	if [ ! -r "$page" ]; then
		echo "FAIL: $NAME: $page is missing"
		exit 1
	fi
done

# mandoc exits non-zero for messages at or above the -W level; any output
# at all is a failure too, whatever the status.
rc=0
out=$("$MANDOC" -Tlint -W warning "${PAGES[@]}" 2>&1) || rc=$?
if [ -n "$out" ] || [ "$rc" -ne 0 ]; then
	printf '%s\n' "$out"
	echo "FAIL: $NAME: mandoc -Tlint -W warning reports problems (status $rc)"
	exit 1
fi
echo "PASS: $NAME: ${#PAGES[@]} manual pages are clean under mandoc -Tlint -W warning"
exit 0
