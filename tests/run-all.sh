#!/usr/bin/env bash
# Installs the build dependencies, builds mcrelay twice (plain, and with
# AddressSanitizer + UndefinedBehaviorSanitizer), runs every test in both
# builds, runs the fuzz targets for a while, builds without the kernel
# path, then "make distcheck".  Needs root (apt-get, network namespaces).  Ends with a
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

# --enable-test-hooks: tests/integration/sandbox.sh needs them, and fails without
# them under CI.
run_build "$top/build" --enable-test-hooks
run_build "$top/build-asan" --enable-sanitizers --enable-test-hooks

# The fuzz targets, built with clang, libFuzzer, ASan and UBSan, each run for
# a while from seeds; a crash or a failed assertion is a failure.
echo "=== fuzzing"
fuzz_passed=0 fuzz_failed=0
fuzz_dir=$top/build-fuzz
rm -rf "$fuzz_dir" && mkdir -p "$fuzz_dir"
if (cd "$fuzz_dir" && CC=clang "$top/configure" -q --enable-fuzzing --enable-sanitizers &&
    make -j"$(nproc)" tests/fuzz/fuzz_packet tests/fuzz/fuzz_conf tests/fuzz/fuzz_handoff \
	tests/fuzz/fuzz_frag tests/fuzz/fuzz_http tests/fuzz/fuzz_monitor \
	>/dev/null) && python3 "$top/tests/fuzz/make-seeds.py" "$fuzz_dir/corpus"; then
	for target in packet conf handoff frag http monitor; do
		if "$fuzz_dir/tests/fuzz/fuzz_$target" -max_total_time="${FUZZ_SECONDS:-20}" \
		    -print_final_stats=1 "$fuzz_dir/corpus/$target" >"$fuzz_dir/$target.log" 2>&1; then
			echo "PASS: fuzz_$target ($(grep -o 'stat::number_of_executed_units: *[0-9]*' \
			    "$fuzz_dir/$target.log" | grep -o '[0-9]*$') inputs)"
			fuzz_passed=$((fuzz_passed + 1))
		else
			echo "FAIL: fuzz_$target"; tail -n 40 "$fuzz_dir/$target.log"
			fuzz_failed=$((fuzz_failed + 1)); status=1
		fi
	done
else
	echo "FAIL: the fuzz targets did not build"; fuzz_failed=6; status=1
fi

# Built without the kernel path (as where clang, bpftool or libbpf are
# missing): it compiles, says so, refuses datapath = kernel at its line and
# puts datapath = auto on the packet path.  Counted as one more test.
echo "=== built without the kernel path"
nokpath_ok=0
nokpath_dir=$top/build-nokpath
rm -rf "$nokpath_dir" && mkdir -p "$nokpath_dir"
if (cd "$nokpath_dir" && "$top/configure" -q --disable-kernel-path &&
    make -j"$(nproc)" src/mcrelay >/dev/null) >"$nokpath_dir/build.out" 2>&1; then
	printf '[global]\ndatapath = kernel\n[rule a]\ninput = lo\ngroup = 239.1.1.1\nport = 5000\noutput = lo 239.2.2.2\n' \
	    >"$nokpath_dir/k.conf"
	sed 's/= kernel/= auto/' "$nokpath_dir/k.conf" >"$nokpath_dir/a.conf"
	"$nokpath_dir/src/mcrelay" -c "$nokpath_dir/k.conf" check >"$nokpath_dir/k.out" 2>&1
	k_rc=$?
	"$nokpath_dir/src/mcrelay" -c "$nokpath_dir/a.conf" check >"$nokpath_dir/a.out" 2>&1
	a_rc=$?
	if ! "$nokpath_dir/src/mcrelay" version | grep -q kernel-path && [ "$k_rc" = 78 ] &&
	    grep -q 'k.conf:2: input lo: datapath = kernel, but mcrelay was built without the kernel path' \
		"$nokpath_dir/k.out" && [ "$a_rc" = 0 ] &&
	    grep -q 'rule a: packet path (input lo: mcrelay was built without the kernel path)' \
		"$nokpath_dir/a.out"; then
		nokpath_ok=1
		echo "PASS: built without the kernel path"
	else
		echo "FAIL: built without the kernel path"
		cat "$nokpath_dir/k.out" "$nokpath_dir/a.out"
	fi
else
	echo "FAIL: built without the kernel path: it does not build"
	tail -n 30 "$nokpath_dir/build.out"
fi
[ "$nokpath_ok" = 1 ] || status=1

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
if [ "$nokpath_ok" = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
passed=$((passed + fuzz_passed))
failed=$((failed + fuzz_failed))
[ "$passed" -gt 0 ] || status=1
[ "$failed" -eq 0 ] || status=1
echo "$skipped skipped"
echo "$passed passed, $failed failed"
exit $status
