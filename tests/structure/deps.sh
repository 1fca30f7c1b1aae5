#!/usr/bin/env bash
# deps.sh: the include graph of src/ follows the roles of its folders, and
# has no cycle.  A header named *_types.h (the supervisor's shared state)
# declares no function.
#
#   src/lib/         pure: includes only lib/
#   src/common/      what both processes run: lib/ and common/
#   src/worker/      unprivileged, touches packets: lib/, common/, worker/
#   src/metrics/     unprivileged, touches HTTP clients: lib/, common/, metrics/
#   src/supervisor/  root: lib/, common/, supervisor/, and the kernel
#                    path's generated skeleton (kernel/*.skel.h, in the
#                    build tree)
#   src/kernel/      runs in the kernel (clang -target bpf): kernel/ and
#                    lib/kpath_abi.h only
#   src/lib/kpath_*  the kernel path's pure half: lib/ only, and
#                    lib/kpath_abi.h, which the kernel includes, nothing
#   src/*.c          the command line: anything
#
# A module is a file's path without .c or .h, so "X.c includes Y.h" means
# module X depends on module Y; the graph of modules must be acyclic.
# Includes are written from src/ ("lib/addr.h"); one that names no file
# there is a system header or config.h and is ignored.  The script also
# checks itself on trees with a planted violation of each rule, so that it
# cannot pass by finding nothing.
set -u -o pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}

# Prints "from to" for every include between two different modules of the tree $1.
edges() {
	local dir=$1 f inc from to
	while IFS= read -r f; do
		from=${f#"$dir"/}
		from=${from%.[ch]}
		sed -n 's/^#include "\([^"]*\)\.h".*/\1/p' "$f" | while read -r inc; do
			[ -e "$dir/$inc.h" ] || continue	# config.h, system headers
			to=$inc
			[ "$from" = "$to" ] || echo "$from $to"
		done
	done < <(find "$dir" -name '*.[ch]' | sort)
}

# The folder of a module ("" for the top).
role_of() {
	case $1 in
	*/*) echo "${1%%/*}" ;;
	*) echo "" ;;
	esac
}

# May module $1 include module $2?
allowed() {
	case "$1:$2" in
	lib/kpath_abi:*) return 1 ;;
	kernel/*:lib/kpath_abi) return 0 ;;
	supervisor/*:kernel/*.skel) return 0 ;;
	esac
	case "$(role_of "$1"):$(role_of "$2")" in
	lib:lib) return 0 ;;
	common:lib | common:common) return 0 ;;
	kernel:kernel) return 0 ;;
	worker:lib | worker:common | worker:worker) return 0 ;;
	metrics:lib | metrics:common | metrics:metrics) return 0 ;;
	supervisor:lib | supervisor:common | supervisor:supervisor) return 0 ;;
	:*) return 0 ;;
	*) return 1 ;;
	esac
}

# Exit 0 if every include is allowed by the roles; else names the offenders.
layered() {
	local from to bad=0
	while read -r from to; do
		if ! allowed "$from" "$to"; then
			echo "# $from includes $to: ${from%%/*}/ may not include ${to%%/*}/"
			bad=1
		fi
	done < <(edges "$1" | sort -u)
	return $bad
}

# A *_types.h header holds types only: a function declared there would let
# the files that share the types call each other unseen by the include graph.
# Exit 0 if none declares one (static inline helpers aside).
types_only() {
	local f bad=0
	while IFS= read -r f; do
		if grep -nE '^[a-z].*[a-z_0-9]+\(.*\)? *;?$' "$f" | grep -vE '^[0-9]+:(static inline|struct|enum|union|typedef|#)' |
		    grep -E '\(' >"$tmp/types_only.out"; then
			sed "s|^|# ${f#"$1"/}:|" "$tmp/types_only.out"
			bad=1
		fi
	done < <(find "$1" -name '*_types.h' | sort)
	return $bad
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

# Planted violations: each must be found.
plant() {	# plant FILE INCLUDED: FILE includes INCLUDED.h
	mkdir -p "$(dirname "$tmp/t/$1")" "$(dirname "$tmp/t/$2")"
	printf '#include "%s.h"\n' "$2" >>"$tmp/t/$1"
	: >>"$tmp/t/$2.h"
}
selftest_layer() {	# selftest_layer FROM TO
	rm -rf "$tmp/t"
	plant lib/ok.c lib/ok
	plant "$1" "$2"
	if layered "$tmp/t" >/dev/null; then
		echo "FAIL: deps: the check missed $1 including $2.h"
		exit 1
	fi
}
selftest_layer lib/a.c common/b
selftest_layer lib/a.c worker/b
selftest_layer common/a.c supervisor/b
selftest_layer common/a.h worker/b
selftest_layer worker/a.c supervisor/b
selftest_layer supervisor/a.c worker/b
selftest_layer supervisor/a.c kernel/b
selftest_layer kernel/a.c lib/addr
selftest_layer kernel/a.h common/b
selftest_layer worker/a.c kernel/b
selftest_layer metrics/a.c worker/b
selftest_layer metrics/a.c supervisor/b
selftest_layer worker/a.c metrics/b
selftest_layer supervisor/a.c metrics/b
selftest_layer common/a.c metrics/b
selftest_layer lib/kpath_abi.h lib/addr
selftest_layer lib/kpath_plan.c common/b
rm -rf "$tmp/t"
plant main.c supervisor/a
plant main.c worker/b
plant worker/b.c common/c
plant main.c metrics/m
plant metrics/m.c lib/d
plant metrics/n.c common/c
plant supervisor/a.c lib/d
plant supervisor/a.c kernel/e.skel
plant kernel/e.bpf.c kernel/f
plant kernel/f.h lib/kpath_abi
if ! layered "$tmp/t" >/dev/null; then
	echo "FAIL: deps: allowed includes were reported"
	exit 1
fi
rm -rf "$tmp/t"
plant lib/a.c lib/b
plant lib/b.c lib/c
plant lib/c.c lib/a
if acyclic "$tmp/t" >/dev/null; then
	echo "FAIL: deps: the check missed the cycle lib/a -> lib/b -> lib/c -> lib/a"
	exit 1
fi
rm -rf "$tmp/t"
plant supervisor/a.c supervisor/b
plant supervisor/b.c supervisor/a
if acyclic "$tmp/t" >/dev/null; then
	echo "FAIL: deps: the check missed the cycle supervisor/a <-> supervisor/b"
	exit 1
fi

rm -rf "$tmp/t"
mkdir -p "$tmp/t/supervisor"
printf 'struct a { int x; };\nstatic inline int f(void) { return 0; }\n' >"$tmp/t/supervisor/ok_types.h"
if ! types_only "$tmp/t" >/dev/null; then
	echo "FAIL: deps: a types header with a static inline helper was reported"
	exit 1
fi
printf 'struct a { int x; };\nvoid svx_call(struct a *a);\n' >"$tmp/t/supervisor/x_types.h"
if types_only "$tmp/t" >/dev/null; then
	echo "FAIL: deps: the check missed a function declared in a types header"
	exit 1
fi

status=0
if ! types_only "$top_srcdir/src"; then
	echo "FAIL: deps: a *_types.h header declares functions (above)"
	status=1
fi
if ! layered "$top_srcdir/src"; then
	echo "FAIL: deps: src/ has includes across roles (above)"
	status=1
fi
if ! acyclic "$top_srcdir/src"; then
	echo "FAIL: deps: src/ has a dependency cycle between modules (above)"
	status=1
fi
[ $status = 0 ] || exit 1
echo "PASS: deps: $(edges "$top_srcdir/src" | sort -u | wc -l) dependencies between modules, by role, no cycle"
