#!/usr/bin/env bash
# deps.sh: the include graph of src/ has no cycle, apart from the inside of
# the supervisor module (supervisor.[ch], sv.h, sv_*.c), which counts as one
# node.  A file's module is its name without .c or .h, so "X.c includes Y.h"
# means module X depends on module Y.  Also checks itself on a tree with a
# cycle, so that it cannot pass by finding nothing.
set -u -o pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}

module_of() {
	local m=${1##*/}
	m=${m%.[ch]}
	case "$m" in
	supervisor | sv | sv_*) echo supervisor ;;
	*) echo "$m" ;;
	esac
}

# Prints "from to" for every include between two different modules.
edges() {
	local dir=$1 f inc from to
	for f in "$dir"/*.[ch]; do
		[ -e "$f" ] || continue
		from=$(module_of "$f")
		sed -n 's/^#include "\([^"]*\)\.h".*/\1/p' "$f" | while read -r inc; do
			[ -e "$dir/$inc.h" ] || continue	# config.h and the like
			to=$(module_of "$inc")
			[ "$from" = "$to" ] || echo "$from $to"
		done
	done
}

# Exit 0 if acyclic; otherwise tsort names a cycle on stderr.
acyclic() {
	local out
	out=$(edges "$1" | sort -u | tsort 2>&1 >/dev/null) || true
	if [ -n "$out" ]; then
		echo "$out" | sed 's/^/# /'
		return 1
	fi
	return 0
}

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
printf '#include "b.h"\n' >"$tmp/a.c"; : >"$tmp/a.h"
printf '#include "c.h"\n' >"$tmp/b.c"; : >"$tmp/b.h"
printf '#include "a.h"\n' >"$tmp/c.c"; : >"$tmp/c.h"
if acyclic "$tmp" >/dev/null; then
	echo "FAIL: deps: the check missed the cycle a -> b -> c -> a"
	exit 1
fi
printf '#include "sv.h"\n' >"$tmp/sv_x.c"; printf '#include "sv_x.h"\n' >"$tmp/sv.h"
: >"$tmp/sv_x.h"; rm "$tmp/c.c"
if ! acyclic "$tmp" >/dev/null; then
	echo "FAIL: deps: a cycle inside the supervisor module was reported"
	exit 1
fi

if ! acyclic "$top_srcdir/src"; then
	echo "FAIL: deps: src/ has a dependency cycle between modules (above)"
	exit 1
fi
echo "PASS: deps: $(edges "$top_srcdir/src" | sort -u | wc -l) dependencies between modules, no cycle"
