#!/usr/bin/env bash
# Installs the build dependencies, builds mcrelay twice (plain, and with
# AddressSanitizer + UndefinedBehaviorSanitizer), runs every test in both
# builds, then "make distcheck".  Needs root (apt-get, network namespaces).  Ends with a
# line "N passed, N failed" counted over both builds.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

if [ "${SKIP_DEPS:-}" != 1 ]; then
	sh contrib/install-deps.sh || { echo "cannot install dependencies"; exit 1; }
fi
autoreconf -fi >/dev/null 2>&1 || { autoreconf -fi; exit 1; }

status=0
builds=()
run_build() {
	local dir=$1; shift
	rm -rf "$dir" && mkdir -p "$dir" || return 1
	builds+=("$dir")
	echo "=== $dir: configure $*"
	( cd "$dir" && "$top/configure" -q "$@" && make -j"$(nproc)" >/dev/null &&
	  make -j1 check ) || status=1
	for log in "$dir"/tests/*/*.log; do
		case "$log" in *test-suite.log) continue ;; esac
		if grep -q '^:test-result: FAIL\|^:test-result: ERROR' "${log%.log}.trs" 2>/dev/null; then
			echo "--- $log"; tail -n 40 "$log"
		fi
	done
}

run_build "$top/build"
run_build "$top/build-asan" --enable-sanitizers

# The release tarball: builds, passes every test again out of tree, installs
# and uninstalls cleanly.  Counted as one more test.
echo "=== make distcheck"
distcheck_ok=0
if (cd "$top/build" && make distcheck >"$top/build/distcheck.out" 2>&1); then
	distcheck_ok=1
	grep -A3 'archives ready for distribution' "$top/build/distcheck.out"
else
	status=1
	tail -n 60 "$top/build/distcheck.out"
fi

passed=0 failed=0 skipped=0
for dir in "${builds[@]}"; do
	for trs in "$dir"/tests/*/*.trs; do
		[ -e "$trs" ] || continue
		case "$(sed -n 's/^:test-result: //p' "$trs" | head -n1)" in
		PASS|XFAIL) passed=$((passed + 1)) ;;
		SKIP) skipped=$((skipped + 1)) ;;
		*) failed=$((failed + 1)) ;;
		esac
	done
done
if [ "$distcheck_ok" = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
[ "$passed" -gt 0 ] || status=1
[ "$failed" -eq 0 ] || status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
