#!/usr/bin/env bash
# bench.sh: measures mcrelay against the relays a user would pick instead of
# it, in one run, on a throwaway topology of network namespaces and veth
# pairs: an nftables netdev relay (hand-written ingress rules with dup/fwd,
# relay "nft"), the kernel's own multicast forwarding (smcroute, relay
# "kernel", only where the kernel has multicast routing) and a socat relay.
# It prints the figures, the ratios of mcrelay to each of them and the
# targets of the fast-path work (PASS/MISS/not measured), as a table and as
# a JSON file, and says in its exit status whether every target was
# measured and met.  Not part of `make check`.
#
#   contrib/bench.sh [--quick] [--cases LIST] [--relays LIST] [--duration S]
#                    [--warmup S] [--runs N] [--json FILE] [--soak S]
#                    [--soak-case NAME] [--cpus GEN,RELAY] [--mcrelay-key K=V]
#                    [--mcrelay-variants LIST] [--qdisc] [--list]
#
# Run as root after a build, on an otherwise quiet machine with at least
# two cores.  Installs nftables, socat, ethtool and (only where the kernel
# can forward multicast) smcroute if they are missing.  See usage() below,
# or run it with --help.
#
# Topology (built once, used by every run):
#
#   SRC s0 10.1.0.1 --veth-- rin 10.1.0.2  RELAY  rout1 10.11.0.1 --veth-- d1  DST
#                                                 ...                    ...
#                                                 rout10 10.20.0.1 --veth-- d10
#
# The relay's input (rin) and every receiving end (dK) have GRO on and
# threaded NAPI, so the kernel's receive work runs in a kthread
# (napi/DEV-N) that can be pinned and measured; TSO is off on the sending
# ends (s0, routK) so that veth hands frames to that NAPI instead of
# processing them in the sender's context.  The generator (mcsend), the
# receiver (mcrecv) and the NAPI threads of d1..d10 run on the generator
# core; the relay and the NAPI thread of rin run on the relay core.
# Relay CPU = utime+stime (/proc/PID/task/*/stat) of every relay process
# (mcrelay supervisor and workers; smcrouted; socat) plus rin's NAPI
# thread, over the measurement window.  The nft relay has no process: its
# rules run in rin's NAPI thread, which is all of its CPU (and it has no RSS).
set -u

usage() {
	cat <<'EOF'
usage: contrib/bench.sh [OPTIONS]

  --quick            smoke run: case t100k-64 once per relay, 3 s (< 1 min)
  --cases LIST       comma-separated case names or shell patterns (see --list)
  --relays LIST      comma-separated subset of mcrelay,nft,kernel,socat,xsk,xskpkt
                     (default mcrelay,nft,kernel,socat).
                     nft: an nftables relay, a netdev table whose ingress chain
                     on rin decrements the TTL (a verdict map on ip ttl),
                     rewrites the source MAC and sends each packet to every
                     output with dup/fwd; no process, its CPU is rin's NAPI
                     thread.  kernel: smcrouted and the kernel's multicast
                     forwarding; reported "unavailable" (and smcroute not
                     installed) when the kernel has no multicast routing
                     (CONFIG_IP_MROUTE).
                     xsk, xskpkt: the AF_XDP experiment, contrib/xdp-experiment,
                     never in the default run; fan-out 1 only; build it first
                     with make -C contrib/xdp-experiment; xsk sends through an
                     XSK, xskpkt through AF_PACKET sendmmsg from the UMEM.
                     With either selected, s0 computes its UDP checksums itself
                     (tx-checksumming off) for every relay of the run, since an
                     XSK frame carries no CHECKSUM_PARTIAL state to pass on
  --duration S       measurement window per run, seconds (default 5; longer
                     where needed for 10,000 packets, e.g. 10 s at 1k pps)
  --warmup S         traffic before the window opens, seconds (default 1)
  --runs N           runs of each case and relay; figures are medians (default 1)
  --json FILE        where to write the results (default bench.json)
  --soak S           also run one case for S seconds with each mcrelay relay
                     (each variant), sampling RSS every 5 s, and report the
                     growth
  --soak-case NAME   the case the soak runs (default t100k-1316)
  --cpus G,R         generator core and relay core (default 0,1)
  --mcrelay-key K=V  an extra [global] key for mcrelay, e.g. ring-mode=blocks
                     (repeatable; applies to every mcrelay variant)
  --mcrelay-variants LABEL[:K=V[+K=V...]],...
                     run mcrelay once per variant, as relays named
                     mcrelay-LABEL, each with its own extra [global] keys
                     (after the --mcrelay-key ones), e.g.
                     'packet:datapath=packet,kernel:datapath=kernel'.  Every
                     variant has its own rows, ratios and targets.  The key
                     binary=PATH runs another build of mcrelay for the variant
                     (not a configuration key): a variant labelled "before"
                     with an earlier build sets the targets "the packet path
                     no worse than before" for a variant labelled "packet"
                     (or the plain mcrelay relay).  "mcrelay"
                     in --relays stands for all of them; mcrelay-LABEL picks
                     one.  A variant whose keys `mcrelay check` rejects gets
                     error rows; the run goes on
  --qdisc            a pfifo qdisc (1000 packets) on the relay's outputs, so
                     that a burst the receiving veth ring (256 frames) cannot
                     take waits there as on a NIC, instead of being dropped
  --list             print the cases (and the relays that run them) and exit
  -h, --help         this text

Targets are computed from baselines measured in the same run, for each
mcrelay relay.  A target whose case or baseline was not measured (not
selected, failed, unavailable) is "not measured", never PASS.  The
comparisons with the kernel relay count only when it was selected and the
kernel can forward multicast.  The report ends with the line
"targets: N PASS, N MISS, N not measured".

Exit status:
  0   every target was measured and met
  1   at least one target was missed
  2   none was missed, but some were not measured (a subset of the cases,
      no --soak, a relay that failed or is unavailable)
  3   the benchmark itself failed (a FAIL: line says why)
  64  a usage error
  77  not root (skipped)
  129, 130, 143  interrupted (SIGHUP, SIGINT, SIGTERM)

Every run sends only to groups inside namespaces this script creates and
removes them, and every process it started, on any exit.
EOF
}

# ---------------------------------------------------------------------
# Cases: NAME RATE SIZE FANOUT RULES WORKERS RELAYS DESCRIPTION
# RATE 0 = the sender flat out; RELAYS "all", or the kinds of relay that run
# the case, comma-separated (mcrelay stands for every mcrelay variant).

CASE_LIST=()
declare -A C_RATE=() C_SIZE=() C_FAN=() C_RULES=() C_WORKERS=() C_RELAYS=() C_DESC=()
# C_PREFIX: prefix rules (239.2.N.0/24, never matched) besides the exact
# ones; C_HIT: "exact", or "prefix" when the stream's rule is 239.1.0.0/16,
# the least specific of all, tried after every other prefix rule.
declare -A C_PREFIX=() C_HIT=()
defcase() {
	CASE_LIST+=("$1")
	C_RATE[$1]=$2 C_SIZE[$1]=$3 C_FAN[$1]=$4 C_RULES[$1]=$5
	C_WORKERS[$1]=$6 C_RELAYS[$1]=$7 C_DESC[$1]=$8
	C_PREFIX[$1]=${9:-0} C_HIT[$1]=${10:-exact}
}
defcase t100k-64      100000   64  1     1 1 all     "100k pps, 64 B (also the 100k pps latency case)"
defcase t100k-1024    100000 1024  1     1 1 all     "100k pps, 1024 B"
defcase t100k-1316    100000 1316  1     1 1 all     "100k pps, 1316 B"
defcase t300k-64      300000   64  1     1 1 all     "300k pps, 64 B"
defcase t300k-1024    300000 1024  1     1 1 all     "300k pps, 1024 B"
defcase t300k-1316    300000 1316  1     1 1 all     "300k pps, 1316 B"
defcase max-64             0   64  1     1 1 all     "sender flat out, 64 B"
defcase max-1024           0 1024  1     1 1 all     "sender flat out, 1024 B"
defcase max-1316           0 1316  1     1 1 all     "sender flat out, 1316 B"
defcase lat-1k-64       1000   64  1     1 1 all     "1k pps, 64 B (latency)"
defcase f1-30k-1316    30000 1316  1     1 1 all     "30k pps, 1316 B, 1 output (fan-out reference)"
defcase f10-30k-1316   30000 1316 10     1 1 all     "30k pps, 1316 B, 10 outputs"
defcase r10k-300k-64  300000   64  1 10000 1 mcrelay,nft "300k pps, 64 B, 10,000 rules (traffic on one)"
defcase p100x-300k-64 300000   64  1 10000 1 mcrelay,nft "300k pps, 64 B, 10,000 exact + 100 prefix rules, traffic on an exact one" 100 exact
defcase p100p-300k-64 300000   64  1 10000 1 mcrelay,nft "300k pps, 64 B, 10,000 exact + 100 prefix rules, traffic on the least specific prefix" 100 prefix
defcase w2-300k-64    300000   64  1     1 2 mcrelay "300k pps, 64 B, workers = 2"
defcase w2-max-64          0   64  1     1 2 mcrelay "sender flat out, 64 B, workers = 2"

# ---------------------------------------------------------------------
# Options

QUICK=0 CASES_ARG='' RELAYS_ARG='mcrelay,nft,kernel,socat' DURATION=5 WARMUP=1
RUNS=1 JSON_OUT=bench.json SOAK=0 SOAK_CASE=t100k-1316 CPUS_ARG='0,1'
DURATION_SET=0 QDISC=0
MC_KEYS=()	# extra [global] keys for mcrelay (--mcrelay-key)
VARIANTS_ARG=''	# --mcrelay-variants
opt_val() {
	[ $# -ge 2 ] || { echo "bench.sh: $1 needs a value" >&2; exit 64; }
}
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--cases) opt_val "$@"; CASES_ARG=$2; shift ;;
	--cases=*) CASES_ARG=${1#*=} ;;
	--relays) opt_val "$@"; RELAYS_ARG=$2; shift ;;
	--relays=*) RELAYS_ARG=${1#*=} ;;
	--duration) opt_val "$@"; DURATION=$2; DURATION_SET=1; shift ;;
	--duration=*) DURATION=${1#*=}; DURATION_SET=1 ;;
	--warmup) opt_val "$@"; WARMUP=$2; shift ;;
	--warmup=*) WARMUP=${1#*=} ;;
	--runs) opt_val "$@"; RUNS=$2; shift ;;
	--runs=*) RUNS=${1#*=} ;;
	--json) opt_val "$@"; JSON_OUT=$2; shift ;;
	--json=*) JSON_OUT=${1#*=} ;;
	--soak) opt_val "$@"; SOAK=$2; shift ;;
	--soak=*) SOAK=${1#*=} ;;
	--soak-case) opt_val "$@"; SOAK_CASE=$2; shift ;;
	--soak-case=*) SOAK_CASE=${1#*=} ;;
	--cpus) opt_val "$@"; CPUS_ARG=$2; shift ;;
	--cpus=*) CPUS_ARG=${1#*=} ;;
	--qdisc) QDISC=1 ;;
	--mcrelay-key) opt_val "$@"; MC_KEYS+=("$2"); shift ;;
	--mcrelay-key=*) MC_KEYS+=("${1#*=}") ;;
	--mcrelay-variants) opt_val "$@"; VARIANTS_ARG=$2; shift ;;
	--mcrelay-variants=*) VARIANTS_ARG=${1#*=} ;;
	--list)
		for c in "${CASE_LIST[@]}"; do
			printf '%-14s %-12s %s\n' "$c" "${C_RELAYS[$c]}" "${C_DESC[$c]}"
		done
		exit 0 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "bench.sh: unknown argument '$1'" >&2; usage >&2; exit 64 ;;
	esac
	shift
done

isnum() { [[ $1 =~ ^[0-9]+([.][0-9]+)?$ ]]; }
isnum "$DURATION" && isnum "$WARMUP" && [[ $RUNS =~ ^[1-9][0-9]*$ ]] &&
    [[ $SOAK =~ ^[0-9]+$ ]] && [[ $CPUS_ARG =~ ^[0-9]+,[0-9]+$ ]] || {
	echo "bench.sh: --duration, --warmup need seconds, --runs and --soak whole numbers, --cpus G,R" >&2
	exit 64
}
awk -v d="$DURATION" 'BEGIN { exit !(d >= 1) }' || {
	echo "bench.sh: --duration must be at least 1 s" >&2; exit 64; }
[ -n "${C_RATE[$SOAK_CASE]+x}" ] || {
	echo "bench.sh: no case '$SOAK_CASE' (see --list)" >&2; exit 64; }

if [ "$QUICK" = 1 ]; then
	[ -n "$CASES_ARG" ] || CASES_ARG=t100k-64
	[ "$DURATION_SET" = 1 ] || DURATION=3
fi
[ -n "$CASES_ARG" ] || CASES_ARG='*'

# A [global] key given on the command line: KEY=VALUE.
iskv() { [[ $1 =~ ^[a-z][a-z0-9-]*=.+ ]]; }
for kv in "${MC_KEYS[@]}"; do
	iskv "$kv" || { echo "bench.sh: --mcrelay-key needs KEY=VALUE, not '$kv'" >&2; exit 64; }
done

# The mcrelay relays: one "mcrelay", or mcrelay-LABEL per variant, each
# with its own extra [global] keys (VKEYS, one KEY=VALUE a line).
MC_ALL=()
declare -A VKEYS=() KIND=() VBIN=()
if [ -n "$VARIANTS_ARG" ]; then
	IFS=, read -ra _v <<<"$VARIANTS_ARG"
	for v in "${_v[@]}"; do
		label=${v%%:*} keys=''
		[[ $v == *:* ]] && keys=${v#*:}
		[[ $label =~ ^[A-Za-z0-9_.]+$ ]] || {
			echo "bench.sh: --mcrelay-variants: bad label '$label' (letters, digits, _ and .)" >&2; exit 64; }
		name=mcrelay-$label
		[ -z "${KIND[$name]+x}" ] || { echo "bench.sh: --mcrelay-variants: '$label' twice" >&2; exit 64; }
		KIND[$name]=mcrelay VKEYS[$name]=''
		MC_ALL+=("$name")
		[ -n "$keys" ] || continue
		IFS=+ read -ra _k <<<"$keys"
		for kv in "${_k[@]}"; do
			iskv "$kv" || { echo "bench.sh: --mcrelay-variants: '$label' needs KEY=VALUE[+KEY=VALUE...], not '$kv'" >&2; exit 64; }
			if [[ $kv == binary=* ]]; then
				[ -x "${kv#binary=}" ] || { echo "bench.sh: --mcrelay-variants: '$label': ${kv#binary=} is not an executable" >&2; exit 64; }
				VBIN[$name]=${kv#binary=}
				continue
			fi
			VKEYS[$name]+="$kv"$'\n'
		done
	done
	[ ${#MC_ALL[@]} -gt 0 ] || { echo "bench.sh: --mcrelay-variants: no variant" >&2; exit 64; }
else
	MC_ALL=(mcrelay)
	KIND[mcrelay]=mcrelay VKEYS[mcrelay]=''
fi
for r in nft kernel socat xsk xskpkt; do KIND[$r]=$r; done

# The relays, in the order they run.
SEL_RELAYS=()
IFS=, read -ra _r <<<"$RELAYS_ARG"
for x in "${_r[@]}"; do
	[ -z "$x" ] || [ "$x" = mcrelay ] || [ -n "${KIND[$x]+x}" ] || {
		echo "bench.sh: unknown relay '$x' (mcrelay${VARIANTS_ARG:+ or ${MC_ALL[*]}}, nft, kernel, socat, xsk, xskpkt)" >&2
		exit 64
	}
done
for r in "${MC_ALL[@]}" nft kernel socat xsk xskpkt; do
	for x in "${_r[@]}"; do
		if [ "$x" = "$r" ] || { [ "$x" = mcrelay ] && [ "${KIND[$r]}" = mcrelay ]; }; then
			SEL_RELAYS+=("$r")
			break
		fi
	done
done
[ ${#SEL_RELAYS[@]} -gt 0 ] || { echo "bench.sh: no relay selected" >&2; exit 64; }
selected() {	# selected RELAY: RELAY is in the run
	[[ " ${SEL_RELAYS[*]} " == *" $1 "* ]]
}
# case_runs CASE RELAY: RELAY takes part in CASE.
case_runs() {
	[ "${C_RELAYS[$1]}" = all ] || [[ ,${C_RELAYS[$1]}, == *",${KIND[$2]},"* ]]
}

# The cases, in table order.
SEL_CASES=()
IFS=, read -ra _c <<<"$CASES_ARG"
for c in "${CASE_LIST[@]}"; do
	for p in "${_c[@]}"; do
		# shellcheck disable=SC2053  # a pattern on purpose
		if [[ $c == $p ]]; then SEL_CASES+=("$c"); break; fi
	done
done
for p in "${_c[@]}"; do
	m=0
	# shellcheck disable=SC2053
	for c in "${CASE_LIST[@]}"; do [[ $c == $p ]] && m=1; done
	[ $m = 1 ] || { echo "bench.sh: no case matches '$p' (see --list)" >&2; exit 64; }
done

JSON_OUT=$(realpath -m -- "$JSON_OUT")
WARMUP_US=$(awk -v s="$WARMUP" 'BEGIN { printf "%d", s * 1e6 }')
DURATION_US=$(awk -v s="$DURATION" 'BEGIN { printf "%d", s * 1e6 }')
GEN_CPU=${CPUS_ARG%,*}
RELAY_CPU=${CPUS_ARG#*,}

# ---------------------------------------------------------------------
# The test library: namespaces, cleanup on every exit path, waiting.

. "$(dirname "$0")/../tests/integration/lib.sh"

# lib.sh's fail, with its own exit status: 1 means a missed target here.
fail() {
	echo "FAIL: $TEST_NAME: $*" >&2
	if [ -s "$TMP/daemon.log" ]; then
		echo "--- last 50 lines of the daemon log ($TMP/daemon.log):" >&2
		tail -n 50 "$TMP/daemon.log" >&2
		echo "---" >&2
	fi
	exit 3
}

require_root
require_binaries

# try_pkg COMMAND PACKAGE: installs PACKAGE if COMMAND is missing; returns
# non-zero, with the reason in PKG_ERR, if that did not work.
try_pkg() {
	PKG_ERR=''
	command -v "$1" >/dev/null && return 0
	note "installing $2 (for $1)"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >"$TMP/apt.log" 2>&1; then
		PKG_ERR="cannot install $2: $(tail -n 5 "$TMP/apt.log" | tr '\n' ' ')"
		return 1
	fi
	command -v "$1" >/dev/null && return 0
	PKG_ERR="$1 is still missing after installing $2"
	return 1
}
need_pkg() {	# need_pkg COMMAND PACKAGE
	try_pkg "$@" || fail "$PKG_ERR"
}
export PATH=$PATH:/usr/sbin:/sbin
need_pkg ethtool ethtool
need_pkg taskset util-linux
need_pkg python3 python3
selected socat && need_pkg socat socat
selected nft && need_pkg nft nftables

# The kernel relay needs the kernel's multicast routing (CONFIG_IP_MROUTE,
# which creates /proc/net/ip_mr_cache in every namespace); without it the
# relay is reported unavailable in every case it would run, and smcroute is
# not installed.
KERNEL_MROUTE=false
[ -e /proc/net/ip_mr_cache ] && KERNEL_MROUTE=true
KERNEL_ERR=''
KERNEL_NO_MROUTE="unavailable: the kernel has no multicast routing (CONFIG_IP_MROUTE)"
if selected kernel; then
	if [ "$KERNEL_MROUTE" = false ]; then
		KERNEL_ERR=$KERNEL_NO_MROUTE
	elif ! try_pkg smcrouted smcroute; then
		KERNEL_ERR="error: $PKG_ERR"
	fi
	[ -z "$KERNEL_ERR" ] || note "kernel relay: $KERNEL_ERR"
fi

NCPU=$(nproc --all)
if [ "$NCPU" -lt 2 ] || [ "$GEN_CPU" -ge "$NCPU" ] || [ "$RELAY_CPU" -ge "$NCPU" ] ||
    [ "$GEN_CPU" = "$RELAY_CPU" ]; then
	fail "needs two distinct cores (--cpus $CPUS_ARG on a machine with $NCPU)"
fi
HZ=$(getconf CLK_TCK)

MAXFAN=1
for c in "${SEL_CASES[@]}" "$SOAK_CASE"; do
	[ "${C_FAN[$c]}" -gt "$MAXFAN" ] && MAXFAN=${C_FAN[$c]}
done

RESULTS=$TMP/results	# one line of key=value per run
: >"$RESULTS"

# ---------------------------------------------------------------------
# Topology

declare -A ANCHOR=() NAPI_PID=()
SRC=${PREFIX}src RELAY=${PREFIX}relay DST=${PREFIX}dst

# napi_threads: the PIDs of the NAPI kthreads that exist now.
napi_threads() {
	local f c
	for f in /proc/[0-9]*/comm; do
		{ c=$(<"$f"); } 2>/dev/null || continue
		[[ $c == napi/* ]] && { f=${f#/proc/}; echo "${f%/comm}"; }
	done
	return 0
}

# NEW_NAPI: set by napi_new_for when it finds the thread.
_napi_new_for() {
	local p c
	for p in $(napi_threads); do
		[[ " $1 " == *" $p "* ]] && continue
		{ c=$(</proc/"$p"/comm); } 2>/dev/null || continue
		[[ $c == "napi/$2-"* ]] && { NEW_NAPI=$p; return 0; }
	done
	return 1
}

# threaded_napi NS DEV CPU normal|rt: GRO on, threaded NAPI, the kthread pinned to CPU.
threaded_napi() {
	local ns=$1 dev=$2 cpu=$3 before
	must ip netns exec "$ns" ethtool -K "$dev" gro on
	before=" $(napi_threads | tr '\n' ' ') "
	must ip netns exec "$ns" sh -c "echo 1 > /sys/class/net/$dev/threaded"
	[ "$(ip netns exec "$ns" cat "/sys/class/net/$dev/threaded")" = 1 ] ||
	    fail "$dev: threaded NAPI did not stick"
	# The kthread's name is napi/DEV-ID, cut to 15 characters.
	local short="${dev:0:9}"
	wait_until 5 _napi_new_for "$before" "$short" ||
	    fail "no NAPI kthread appeared for $ns:$dev (veth needs GRO for NAPI)"
	NAPI_PID[$dev]=$NEW_NAPI
	must taskset -p -c "$cpu" "$NEW_NAPI" >/dev/null
	# The receivers' NAPI threads (not the relay's) get a real-time
	# priority, so that the generator and mcrecv sharing their core
	# cannot make them overflow the 256-frame veth ring.
	[ "$4" = rt ] && must chrt -f -p 10 "$NEW_NAPI" >/dev/null
	return 0
}

build_topology() {
	local k
	ns_add "$SRC"
	ns_add "$RELAY"
	ns_add "$DST"
	veth_pair "$SRC" s0 10.1.0.1/24 "$RELAY" rin 10.1.0.2/24
	must ip -n "$SRC" route add 224.0.0.0/4 dev s0
	must ip netns exec "$SRC" ethtool -K s0 tso off
	# AF_XDP loses CHECKSUM_PARTIAL: with xsk in the run, the sender sums
	# its UDP checksums (as frames from a wire have), for every relay alike.
	[[ " ${SEL_RELAYS[*]} " == *" xsk"* ]] && must ip netns exec "$SRC" ethtool -K s0 tx off
	threaded_napi "$RELAY" rin "$RELAY_CPU" normal
	for k in $(seq 1 "$MAXFAN"); do
		veth_pair "$RELAY" "rout$k" "10.$((10 + k)).0.1/24" "$DST" "d$k" "10.$((10 + k)).0.2/24"
		must ip netns exec "$RELAY" ethtool -K "rout$k" tso off
		[ "$QDISC" = 1 ] && must tc -n "$RELAY" qdisc replace dev "rout$k" root pfifo limit 1000
		threaded_napi "$DST" "d$k" "$GEN_CPU" rt
	done
	# RPF: the source is on a connected subnet of rin; rp_filter off anyway.
	must ip netns exec "$RELAY" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
	    net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.rin.rp_filter=0
	# An idle process in each namespace, to read its /proc/PID/net/dev.
	for k in "$SRC" "$RELAY" "$DST"; do
		bg_ns "$k" sleep 1000000
		ANCHOR[$k]=$BG_PID
	done
}

# ---------------------------------------------------------------------
# Measuring

declare -A S=()	# snapshots: S[TAG.what]

# snap_netdev TAG NS: rx/tx packets and drops of every device in NS.
snap_netdev() {
	local tag=$1 line name rest a
	while IFS= read -r line; do
		[[ $line == *:* ]] || continue
		name=${line%%:*}
		name=${name//[[:space:]]/}
		rest=${line#*:}
		read -ra a <<<"$rest"
		S[$tag.$name.rxp]=${a[1]} S[$tag.$name.rxd]=${a[3]}
		S[$tag.$name.txp]=${a[9]} S[$tag.$name.txd]=${a[11]}
	done <"/proc/${ANCHOR[$2]}/net/dev"
}

# cpu_ticks PID...: utime+stime, in clock ticks, of every thread of the PIDs.
cpu_ticks() {
	local p t st a sum=0
	for p in "$@"; do
		for t in /proc/"$p"/task/*/stat; do
			{ st=$(<"$t"); } 2>/dev/null || continue
			st=${st##*) }
			read -ra a <<<"$st"
			sum=$((sum + a[11] + a[12]))
		done
	done
	echo "$sum"
}

# snap_core TAG CPU: busy and softirq ticks of one core (/proc/stat).
snap_core() {
	local l a
	while read -r l; do
		if [[ $l == "cpu$2 "* ]]; then
			read -ra a <<<"$l"
			S[$1.core$2.busy]=$((a[1] + a[2] + a[3] + a[6] + a[7] + a[8]))
			S[$1.core$2.sirq]=${a[7]}
			S[$1.core$2.all]=$((a[1] + a[2] + a[3] + a[4] + a[5] + a[6] + a[7] + a[8]))
			return 0
		fi
	done </proc/stat
}

# snap TAG: the time, the relay's CPU, both cores and every device.
snap() {
	_now
	S[$1.t]=$_NOW
	S[$1.cpu_procs]=$(cpu_ticks $RELAY_PROCS)
	S[$1.cpu_napi]=$(cpu_ticks "${NAPI_PID[rin]}")
	S[$1.procs]=$RELAY_PROCS
	snap_core "$1" "$RELAY_CPU"
	snap_core "$1" "$GEN_CPU"
	snap_netdev "$1" "$SRC"
	snap_netdev "$1" "$RELAY"
	snap_netdev "$1" "$DST"
}

# d TAG1 TAG2 KEY: the difference of a snapshot value.
d() {
	echo $((${S[$2.$3]:-0} - ${S[$1.$3]:-0}))
}

rss_kb() {
	local v
	v=$(awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null)
	echo "${v:-0}"
}

# Sleeps until the wall clock (microseconds) reaches $1.
sleep_until_us() {
	_now
	(($1 > _NOW)) || return 0
	sleep "$(awk -v u="$(($1 - _NOW))" 'BEGIN { printf "%.6f", u / 1e6 }')"
}

# ---------------------------------------------------------------------
# The relays: KIND_start CASE RELAY (0, or 1 with START_ERR set, which
# starts with the row's status: "error: ...", "n/a: ..." or
# "unavailable: ..."), KIND_stop.  KIND is ${KIND[RELAY]}: mcrelay for
# every mcrelay variant.  RELAY_PROCS: the relay's processes (none for
# nft), RELAY_MAIN: the main one.

RELAY_PROCS='' RELAY_MAIN='' START_ERR=''
MC_CUR=mcrelay	# the mcrelay relay being run (its variant keys)
declare -A WORKERS_KEY=()	# per mcrelay relay: yes / no, probed once
declare -A PROBE_ERR=()	# per mcrelay relay: why `mcrelay check` rejects it

# knows_key KEY: the build of $MC_CUR takes KEY in [global] (asked of its check once).
declare -A KNOWN_KEYS=()
knows_key() {
	local id="$MC_CUR/$1"
	if [ -z "${KNOWN_KEYS[$id]:-}" ]; then
		printf '[global]\n%s = root\n' "$1" >"$TMP/key.conf"
		"${VBIN[$MC_CUR]:-$MCRELAY}" -c "$TMP/key.conf" check >"$TMP/key.out" 2>&1
		if grep -q "unknown key '$1'" "$TMP/key.out"; then
			KNOWN_KEYS[$id]=no
		else
			KNOWN_KEYS[$id]=yes
		fi
	fi
	[ "${KNOWN_KEYS[$id]}" = yes ]
}

mc_conf() {	# mc_conf CASE WORKERS_LINE: the configuration for $MC_CUR
	local c=$1 k outs=()
	for k in $(seq 1 "${C_FAN[$c]}"); do outs+=("rout$k"); done
	# Not lib.sh's conf_global: an earlier build (binary=) may not know its keys.
	printf '[global]\nuser = nobody\nlog-level = notice\ncontrol-socket = %s\n' "$CTL_SOCK"
	knows_key control-group && printf 'control-group = root\n'
	local kv
	for kv in "${MC_KEYS[@]}"; do printf '%s\n' "${kv%%=*} = ${kv#*=}"; done
	while IFS= read -r kv; do
		[ -n "$kv" ] && printf '%s\n' "${kv%%=*} = ${kv#*=}"
	done <<<"${VKEYS[$MC_CUR]}"
	[ -n "$2" ] && printf '%s\n\n' "$2"
	if [ "${C_HIT[$c]}" = prefix ]; then
		conf_rule bench rin 239.1.0.0/16 5000 "${outs[@]}" "join = 239.1.1.1"
	else
		conf_rule bench rin 239.1.1.1 5000 "${outs[@]}"
	fi
	if [ "${C_PREFIX[$c]}" -gt 0 ]; then
		awk -v n="${C_PREFIX[$c]}" 'BEGIN {
			for (i = 0; i < n; i++)
				printf "[rule p%d]\ninput  = rin\ngroup  = 239.2.%d.0/24\nport   = 5000\noutput = rout1\n\n", i, i
		}'
	fi
	if [ "${C_RULES[$c]}" -gt 1 ]; then
		awk -v n="$((C_RULES[$c] - 1))" 'BEGIN {
			for (i = 0; i < n; i++)
				printf "[rule x%d]\ninput  = rin\ngroup  = 239.100.%d.%d\nport   = 5000\noutput = rout1\n\n",
				    i, int(i / 256), i % 256
		}'
	fi
}

# check_err FILE: the first lines of what `mcrelay check` said.
check_err() {
	grep -v '^#' "$1" | head -n 2 | sed "s|$TMP/||g" | tr '\n' ' '
}

# Whether `mcrelay check` accepts a [global] workers key for $MC_CUR
# (and the same configuration without it); 1 with START_ERR set when it
# rejects the configuration itself (e.g. a variant's key it does not know).
probe_workers_key() {
	[ -z "${WORKERS_KEY[$MC_CUR]:-}" ] || return 0
	if [ -n "${PROBE_ERR[$MC_CUR]:-}" ]; then
		START_ERR=${PROBE_ERR[$MC_CUR]}
		return 1
	fi
	mc_conf t100k-64 "" >"$TMP/probe0.conf"
	if ! "${VBIN[$MC_CUR]:-$MCRELAY}" -c "$TMP/probe0.conf" check >"$TMP/probe.out" 2>&1; then
		START_ERR="error: mcrelay check: $(check_err "$TMP/probe.out")"
		PROBE_ERR[$MC_CUR]=$START_ERR
		return 1
	fi
	mc_conf t100k-64 "workers = 2" >"$TMP/probe.conf"
	if "${VBIN[$MC_CUR]:-$MCRELAY}" -c "$TMP/probe.conf" check >"$TMP/probe.out" 2>&1; then
		WORKERS_KEY[$MC_CUR]=yes
	else
		WORKERS_KEY[$MC_CUR]=no
	fi
	note "$MC_CUR: workers key: ${WORKERS_KEY[$MC_CUR]}"
}

_has_workers() {
	[ -n "$(daemon_workers)" ]
}

mcrelay_start() {
	local c=$1 wl='' deadline rc
	MC_CUR=$2
	probe_workers_key || return 1
	if [ "${WORKERS_KEY[$MC_CUR]}" = yes ]; then
		wl="workers = ${C_WORKERS[$c]}"
	elif [ "${C_WORKERS[$c]}" != 1 ]; then
		START_ERR="n/a: workers key not supported"
		return 1
	fi
	mc_conf "$c" "$wl" >"$TMP/bench.conf"
	if ! "${VBIN[$MC_CUR]:-$MCRELAY}" -c "$TMP/bench.conf" check >"$TMP/check.out" 2>&1; then
		START_ERR="error: mcrelay check: $(check_err "$TMP/check.out")"
		return 1
	fi
	rm -f "$TMP/pid"
	ip netns exec "$RELAY" taskset -c "$RELAY_CPU" "${VBIN[$MC_CUR]:-$MCRELAY}" -c "$TMP/bench.conf" \
	    supervisor -f -p "$TMP/pid" >"$TMP/daemon.log" 2>&1 </dev/null &
	DAEMON_PID=$!
	PIDS+=("$DAEMON_PID")
	_now
	deadline=$((_NOW + 60 * 1000000))
	until daemon_ready; do
		if pid_gone "$DAEMON_PID"; then
			wait "$DAEMON_PID"
			rc=$?
			forget_pid "$DAEMON_PID"
			DAEMON_PID=
			START_ERR="error: mcrelay exited with status $rc: $(tail -n 2 "$TMP/daemon.log" | tr '\n' ' ')"
			return 1
		fi
		_now
		if ((_NOW >= deadline)); then
			START_ERR="error: mcrelay not ready after 60 s"
			mcrelay_stop
			return 1
		fi
		sleep 0.05
	done
	RELAY_MAIN=$DAEMON_PID
	# The worker may be between exec and its first message when the ready line is read.
	wait_until 5 _has_workers ||
	    { START_ERR="error: no mcrelay worker: $(tail -n 2 "$TMP/daemon.log" | tr '\n' ' ')"; mcrelay_stop; return 1; }
	RELAY_PROCS="$DAEMON_PID $(daemon_workers | tr '\n' ' ')"
	return 0
}

# stop_pids SECONDS PID...: SIGTERM, then SIGKILL for what is still there
# after SECONDS; reaped and forgotten.
stop_pids() {
	local secs=$1 p
	shift
	kill -TERM "$@" 2>/dev/null
	wait_until "$secs" all_gone "$@" || kill -KILL "$@" 2>/dev/null
	for p in "$@"; do
		wait "$p" 2>/dev/null
		forget_pid "$p"
	done
}

mcrelay_stop() {
	[ -n "$DAEMON_PID" ] || return 0
	stop_pids 20 "$DAEMON_PID"
	# the workers go with the supervisor
	wait_until 10 _no_procs_in "$RELAY" || fail "processes left in $RELAY after mcrelay stopped"
	DAEMON_PID=
}

# True when no process but the anchor runs in namespace $1.
_no_procs_in() {
	local p
	for p in $(ip netns pids "$1" 2>/dev/null); do
		[ "$p" = "${ANCHOR[$1]}" ] || return 1
	done
	return 0
}

SMC_PID=''
_mroute_ready() {	# _mroute_ready FANOUT
	local l k
	l=$(ip -n "$RELAY" mroute show 2>/dev/null)
	[[ $l == *"(10.1.0.1,239.1.1.1)"*"Iif: rin"* ]] || return 1
	for k in $(seq 1 "$1"); do
		[[ $l == *" rout$k "* || $l == *" rout$k" ]] || return 1
	done
}
_mroute_gone() {
	[ -z "$(ip -n "$RELAY" mroute show 2>/dev/null)" ] &&
	    [ "$(ip netns exec "$RELAY" cat /proc/sys/net/ipv4/conf/rin/mc_forwarding)" = 0 ]
}

kernel_start() {
	local c=$1 k olist=""
	if [ -n "$KERNEL_ERR" ]; then
		START_ERR=$KERNEL_ERR
		return 1
	fi
	{
		echo "phyint rin enable"
		for k in $(seq 1 "${C_FAN[$c]}"); do
			echo "phyint rout$k enable"
			olist="$olist rout$k"
		done
		echo "mroute from rin source 10.1.0.1 group 239.1.1.1 to$olist"
	} >"$TMP/smcroute.conf"
	bg_ns "$RELAY" taskset -c "$RELAY_CPU" smcrouted -n -N -l notice \
	    -f "$TMP/smcroute.conf" -u "$TMP/smcroute.sock" -P "$TMP/smcroute.pid"
	SMC_PID=$BG_PID
	if ! wait_until 10 _mroute_ready "${C_FAN[$c]}"; then
		START_ERR="error: smcrouted installed no route: $(tail -n 3 "$BG_LOG" | tr '\n' ' ')"
		# A kernel without multicast routing that /proc did not give away:
		# the same for every later case.
		if grep -Eqi 'MRT_INIT|multicast routing|Protocol not available|not supported|not support' "$BG_LOG"; then
			KERNEL_ERR="$KERNEL_NO_MROUTE ($(grep -Ei -m 1 'MRT_INIT|multicast routing|Protocol not available|not support' "$BG_LOG"))"
			START_ERR=$KERNEL_ERR
		fi
		kernel_stop
		return 1
	fi
	RELAY_MAIN=$SMC_PID
	RELAY_PROCS=$SMC_PID
}

kernel_stop() {
	[ -n "$SMC_PID" ] || return 0
	stop_pids 10 "$SMC_PID"
	SMC_PID=''
	# No kernel forwarding may be left behind for the next relay.
	wait_until 10 _mroute_gone || fail "multicast routes left in $RELAY after smcrouted stopped"
}

# nft: what a user would set up instead of a relay daemon, an nftables
# table of the netdev family whose chain on rin's ingress hook takes the
# case's stream (IPv4 UDP to 239.1.1.1:5000) before the IP stack sees it,
# decrements its TTL (dropping it at TTL <= 1; the IPv4 checksum follows,
# as nft updates it for every ip header field it writes), and sends it to
# each output with its source MAC rewritten to the output's: `dup to` for
# all outputs but the last, `fwd to` the last.  The destination MAC stays
# the group's.  No process: all its work is done in rin's NAPI thread.
#
# nft 1.0.6 (Debian 12) cannot write ip ttl from an expression: neither
# `ip ttl set ip ttl - 1` nor `ip ttl set ip ttl map {...}` is accepted,
# only a constant.  So the TTL goes through a verdict map, ttl_dec, whose
# element N jumps to a chain ttlN that does `ip ttl set N-1` (0 and 1 drop).
#
# With more than one rule (r10k, p100*), the rules are what mcrelay's
# configuration says in nft's own terms, the way a user would write 10,000
# of them: a verdict map keyed on ip daddr . udp dport (a hash lookup, like
# mcrelay's exact rules), and for the prefix rules a second one with
# intervals, tried after it (mcrelay too tries prefixes after exact rules,
# and the prefixes of these cases do not overlap).  Each element jumps to
# the chain of its outputs: out_all for the stream's rule (the case's
# outputs), out_1 for the 9,999 + 100 never-matched ones (rout1, as in
# mcrelay's configuration).  With one rule, a single rule on the stream.
NFT_TABLE=mcbench NFT_LOADED=0

# nft_conf CASE: the ruleset, with the MAC addresses of the relay's outputs.
nft_conf() {
	local c=$1 n=${C_FAN[$1]} k t sep mac
	local -a macs=()
	for k in $(seq 1 "$n"); do
		mac=$(ip netns exec "$RELAY" cat "/sys/class/net/rout$k/address") || return 1
		macs+=("$mac")
	done
	echo "table netdev $NFT_TABLE {"
	for t in $(seq 2 255); do
		printf '\tchain ttl%d {\n\t\tip ttl set %d\n\t}\n' "$t" $((t - 1))
	done
	printf '\tmap ttl_dec {\n\t\ttypeof ip ttl : verdict\n\t\telements = { 0 : drop, 1 : drop'
	for t in $(seq 2 255); do printf ', %d : jump ttl%d' "$t" "$t"; done
	printf ' }\n\t}\n'
	printf '\tchain out_all {\n\t\tip ttl vmap @ttl_dec\n'
	for k in $(seq 1 "$n"); do
		if [ "$k" -lt "$n" ]; then
			printf '\t\tether saddr set %s dup to "rout%d"\n' "${macs[k - 1]}" "$k"
		else
			printf '\t\tether saddr set %s fwd to "rout%d"\n' "${macs[k - 1]}" "$k"
		fi
	done
	printf '\t}\n'
	if [ "${C_RULES[$c]}" = 1 ] && [ "${C_PREFIX[$c]}" = 0 ] && [ "${C_HIT[$c]}" = exact ]; then
		printf '\tchain in {\n\t\ttype filter hook ingress device "rin" priority filter; policy accept;\n'
		printf '\t\tip daddr 239.1.1.1 udp dport 5000 goto out_all\n\t}\n'
		echo "}"
		return 0
	fi
	printf '\tchain out_1 {\n\t\tip ttl vmap @ttl_dec\n\t\tether saddr set %s fwd to "rout1"\n\t}\n' "${macs[0]}"
	printf '\tmap exact {\n\t\ttypeof ip daddr . udp dport : verdict\n\t\telements = {'
	sep=' '
	if [ "${C_HIT[$c]}" = exact ]; then
		printf ' 239.1.1.1 . 5000 : goto out_all'
		sep=', '
	fi
	awk -v n="$((C_RULES[$c] - 1))" -v sep="$sep" 'BEGIN {
		for (i = 0; i < n; i++) {
			printf "%s239.100.%d.%d . 5000 : goto out_1", sep, int(i / 256), i % 256
			sep = ", "
		}
	}'
	printf ' }\n\t}\n'
	if [ "${C_PREFIX[$c]}" -gt 0 ] || [ "${C_HIT[$c]}" = prefix ]; then
		printf '\tmap prefix {\n\t\ttypeof ip daddr . udp dport : verdict\n\t\tflags interval\n\t\telements = {'
		sep=' '
		if [ "${C_HIT[$c]}" = prefix ]; then
			printf ' 239.1.0.0/16 . 5000 : goto out_all'
			sep=', '
		fi
		awk -v n="${C_PREFIX[$c]}" -v sep="$sep" 'BEGIN {
			for (i = 0; i < n; i++) {
				printf "%s239.2.%d.0/24 . 5000 : goto out_1", sep, i
				sep = ", "
			}
		}'
		printf ' }\n\t}\n'
	fi
	printf '\tchain in {\n\t\ttype filter hook ingress device "rin" priority filter; policy accept;\n'
	printf '\t\tip daddr . udp dport vmap @exact\n'
	if [ "${C_PREFIX[$c]}" -gt 0 ] || [ "${C_HIT[$c]}" = prefix ]; then
		printf '\t\tip daddr . udp dport vmap @prefix\n'
	fi
	printf '\t}\n}\n'
}

# True when the relay's namespace has no nftables ruleset at all.
_nft_empty() {
	[ -z "$(ip netns exec "$RELAY" nft list ruleset 2>/dev/null)" ]
}

nft_start() {
	local c=$1
	_nft_empty || fail "an nftables ruleset is already loaded in $RELAY"
	if ! nft_conf "$c" >"$TMP/nft.conf"; then
		START_ERR="error: cannot read the MAC addresses of the outputs"
		return 1
	fi
	NFT_LOADED=1
	if ! ip netns exec "$RELAY" nft -f "$TMP/nft.conf" >"$TMP/nft.out" 2>&1; then
		START_ERR="error: nft -f: $(grep -m 2 -i error "$TMP/nft.out" | tr '\n' ' ')"
		nft_stop
		return 1
	fi
	RELAY_MAIN=''
	RELAY_PROCS=''
}

nft_stop() {
	[ "$NFT_LOADED" = 1 ] || return 0
	ip netns exec "$RELAY" nft list table netdev "$NFT_TABLE" >/dev/null 2>&1 &&
	    must ip netns exec "$RELAY" nft delete table netdev "$NFT_TABLE"
	NFT_LOADED=0
	# No rule may be left behind for the next relay.
	wait_until 10 _nft_empty ||
	    fail "nftables rules left in $RELAY after the nft relay stopped: $(ip netns exec "$RELAY" nft list ruleset | head -n 5 | tr '\n' ' ')"
}

SOCAT_PIDS=()
# Users of 239.1.1.1 on rin, from /proc/net/igmp.
_igmp_users() {
	ip netns exec "$RELAY" awk '
		/^[0-9]/ { dev = $2 }
		dev == "rin" && $1 == "010101EF" { print $2; found = 1 }
		END { if (!found) print 0 }' /proc/net/igmp
}
_socats_joined() {
	[ "$(_igmp_users)" -ge "$1" ] 2>/dev/null
}

socat_start() {
	local c=$1 k
	SOCAT_PIDS=()
	for k in $(seq 1 "${C_FAN[$c]}"); do
		bg_ns "$RELAY" taskset -c "$RELAY_CPU" socat -u -b 65536 \
		    UDP4-RECV:5000,ip-add-membership=239.1.1.1:rin,reuseaddr \
		    "UDP4-SENDTO:239.1.1.1:5000,ip-multicast-if=10.$((10 + k)).0.1,ip-multicast-ttl=15,ip-multicast-loop=0"
		SOCAT_PIDS+=("$BG_PID")
	done
	if ! wait_until 10 _socats_joined "${C_FAN[$c]}"; then
		START_ERR="error: socat did not join: $(tail -n 3 "$BG_LOG" | tr '\n' ' ')"
		socat_stop
		return 1
	fi
	RELAY_MAIN=${SOCAT_PIDS[0]}
	RELAY_PROCS="${SOCAT_PIDS[*]}"
}

socat_stop() {
	[ ${#SOCAT_PIDS[@]} -gt 0 ] || return 0
	stop_pids 10 "${SOCAT_PIDS[@]}"
	SOCAT_PIDS=()
}

# xsk: the AF_XDP experiment (contrib/xdp-experiment/xskfwd), started and
# pinned like the others; it attaches its XDP program to rin through a BPF
# link, which goes with the process.
XSKFWD=${XSKFWD:-$top_srcdir/contrib/xdp-experiment/xskfwd}
XSK_TX=xsk
XSK_PID=''
_xsk_ready() {
	grep -q ready "$XSK_LOG" 2>/dev/null || pid_gone "$XSK_PID"
}
_xdp_gone() {
	! ip -n "$RELAY" link show rin | grep -q 'xdp'
}
xsk_start() {
	local c=$1
	if [ "${C_FAN[$c]}" != 1 ]; then
		START_ERR="n/a: xskfwd has one output"
		return 1
	fi
	if [ ! -x "$XSKFWD" ]; then
		START_ERR="error: no $XSKFWD (make -C contrib/xdp-experiment)"
		return 1
	fi
	bg_ns "$RELAY" taskset -c "$RELAY_CPU" "$XSKFWD" -i rin -o rout1 -g 239.1.1.1 -p 5000 -t "$XSK_TX"
	XSK_PID=$BG_PID XSK_LOG=$BG_LOG
	if ! wait_until 10 _xsk_ready || pid_gone "$XSK_PID"; then
		START_ERR="error: xskfwd: $(tail -n 3 "$XSK_LOG" | tr '\n' ' ')"
		xsk_stop
		return 1
	fi
	RELAY_MAIN=$XSK_PID
	RELAY_PROCS=$XSK_PID
}
xsk_stop() {
	[ -n "$XSK_PID" ] || return 0
	stop_pids 10 "$XSK_PID"
	XSK_PID=''
	grep -q '^rx=' "$XSK_LOG" && note "xskfwd: $(grep '^rx=' "$XSK_LOG")"
	wait_until 10 _xdp_gone || fail "an XDP program is left on rin after xskfwd stopped"
}
xskpkt_start() { XSK_TX=packet; xsk_start "$@"; local rc=$?; XSK_TX=xsk; return $rc; }
xskpkt_stop() { xsk_stop; }

# ---------------------------------------------------------------------
# One run

_recv_ready() {
	[ -s "$TMP/recv.ready" ] || pid_gone "$RECV_PID"
}

# emit KEY=VALUE...: adds to the current run's record.
REC=''
# (a value's blanks and % as in a URL, %20 and %25)
emit() {
	local kv
	for kv in "$@"; do
		kv=${kv//'%'/%25}
		REC="$REC ${kv//[[:space:]]/%20}"
	done
}

# calc EXPR with awk: prints the value (%.6g), "null" on division by zero.
calc() {
	awk "BEGIN { x = 0; $1; if (bad) print \"null\"; else printf \"%.6g\", x }"
}

# run_one CASE RELAY RUN
run_one() {
	local c=$1 relay=$2 run=$3 rate=${C_RATE[$1]} size=${C_SIZE[$1]} fan=${C_FAN[$1]}
	local kind=${KIND[$2]}
	local burst send_s t_start k out sent el rc dur_us=$DURATION_US
	# At least 10,000 packets in the window, for the latency percentiles.
	((rate > 0 && rate * DURATION_US / 1000000 < 10000)) &&
	    dur_us=$((10000 * 1000000 / rate))
	REC="case=$c relay=$relay kind=$kind run=$run rate_target=$rate size=$size fanout=$fan rules=${C_RULES[$c]} workers=${C_WORKERS[$c]}"
	START_ERR=''
	if ! "${kind}_start" "$c" "$relay"; then
		emit "status=${START_ERR%%:*}" "note=${START_ERR}"
		echo "$REC" >>"$RESULTS"
		echo "    $START_ERR"
		return 0
	fi

	# The receiver on d1: every packet checked, latency from the payload.
	rm -f "$TMP/recv.ready" "$TMP/recv.out"
	ip netns exec "$DST" taskset -c "$GEN_CPU" "$MCRECV" -I d1 -g 239.1.1.1 -p 5000 \
	    -L -W "$(calc "x = $WARMUP * 1000")" -q 1000 \
	    -T "$(calc "x = $WARMUP + $dur_us / 1e6 + 120")" -R "$TMP/recv.ready" \
	    >"$TMP/recv.out" 2>"$TMP/recv.err" </dev/null &
	RECV_PID=$!
	PIDS+=("$RECV_PID")
	wait_until 10 _recv_ready || fail "mcrecv not ready after 10 s"
	[ -s "$TMP/recv.ready" ] || fail "mcrecv exited early: $(cat "$TMP/recv.err")"

	# Paced sends go in bursts of about 100 us of traffic.
	burst=$((rate / 10000))
	((burst < 1)) && burst=1
	((burst > 64)) && burst=64
	send_s=$(calc "x = $WARMUP + $dur_us / 1e6 + 0.3")
	snap Z
	_now
	t_start=$_NOW
	bg_ns "$SRC" taskset -c "$GEN_CPU" "$MCSEND" -g 239.1.1.1 -p 5000 -I s0 -t 16 \
	    -s "$size" -r "$rate" -b "$burst" -L -V -D "$send_s"
	SEND_PID=$BG_PID SEND_LOG=$BG_LOG

	# The window: WARMUP s after the sender starts, for DURATION s.
	sleep_until_us $((t_start + WARMUP_US))
	[ "$kind" = mcrelay ] && RELAY_PROCS="$DAEMON_PID $(daemon_workers | tr '\n' ' ')"
	snap A
	sleep_until_us $((${S[A.t]} + dur_us))
	snap B
	local rss=0 rss_main p procs_b
	for p in $RELAY_PROCS; do rss=$((rss + $(rss_kb "$p"))); done
	rss_main=null
	[ -n "$RELAY_MAIN" ] && rss_main=$(rss_kb "$RELAY_MAIN")
	[ -n "$RELAY_PROCS" ] || rss=null	# no process (nft): no RSS
	[ "$kind" = mcrelay ] && procs_b="$DAEMON_PID $(daemon_workers | tr '\n' ' ')"

	wait_until 60 pid_gone "$SEND_PID" || fail "mcsend still running"
	wait "$SEND_PID"
	rc=$?
	forget_pid "$SEND_PID"
	[ "$rc" -eq 0 ] || fail "mcsend failed ($rc): $(cat "$SEND_LOG")"
	sent=$(sed -n 's/^sent=//p' "$SEND_LOG")
	el=$(sed -n 's/^elapsed_ns=//p' "$SEND_LOG")
	# mcrecv stops 1 s after the last packet (at most 120 s after the end)
	wait_until 150 pid_gone "$RECV_PID" || fail "mcrecv did not finish"
	wait "$RECV_PID"
	forget_pid "$RECV_PID"
	snap C
	out=$(<"$TMP/recv.out")
	[ -n "$out" ] || fail "mcrecv printed nothing: $(cat "$TMP/recv.err")"

	local dt dtick
	dt=$(calc "x = ($(d A B t)) / 1e6")
	dtick=$(calc "x = $dt * $HZ")
	emit "status=ok" "sent=$sent" "send_s=$(calc "x = $el / 1e9")" "window_s=$dt"
	emit "send_pps=$(calc "x = $sent / ($el / 1e9)")"
	emit "offered_pps=$(calc "x = ($(d A B s0.txp) + $(d A B s0.txd)) / $dt")"
	emit "in_pps=$(calc "x = $(d A B rin.rxp) / $dt")"
	local w_out=0 r_out=0 w_d1 oring=0
	for k in $(seq 1 "$fan"); do
		w_out=$((w_out + $(d A B "d$k.rxp")))
		r_out=$((r_out + $(d Z C "d$k.rxp")))
		oring=$((oring + $(d Z C "rout$k.txd")))
	done
	w_d1=$(d A B d1.rxp)
	emit "delivered_pps=$(calc "x = $w_d1 / $dt")" "delivered_total_pps=$(calc "x = $w_out / $dt")"
	emit "in_ring_drops=$(d Z C s0.txd)" "out_ring_drops=$oring"
	emit "loss_all_pct=$(calc "x = 100 * (1 - $r_out / ($sent * $fan))")"
	# The receiver's summary, as it is (received=, unique=, lat_p99_us=, ...)
	for k in $out; do
		case $k in
		src=*) ;;
		*) emit "rx_$k" ;;
		esac
	done
	local uniq bad
	uniq=$(recv_field recv unique)
	bad=$(($(recv_field recv bad_payload) + $(recv_field recv bad_ip_csum) + $(recv_field recv bad_udp_csum) + $(recv_field recv bad_mac)))
	emit "lost=$((sent - uniq))" "loss_pct=$(calc "x = 100 * ($sent - $uniq) / $sent")" "corrupt=$bad"

	local cp cn cpu
	cp=$(d A B cpu_procs) cn=$(d A B cpu_napi)
	cpu=$((cp + cn))
	emit "cpu_procs=$(calc "x = $cp / $dtick")" "cpu_napi=$(calc "x = $cn / $dtick")" "cpu=$(calc "x = $cpu / $dtick")"
	emit "pkts_per_cpu_s=$(calc "if ($cpu == 0) bad = 1; else x = $w_d1 / ($cpu / $HZ)")"
	emit "us_per_in_pkt=$(calc "if ($w_d1 == 0) bad = 1; else x = 1e6 * ($cpu / $HZ) / $w_d1")"
	emit "us_per_out_pkt=$(calc "if ($w_out == 0) bad = 1; else x = 1e6 * ($cpu / $HZ) / $w_out")"
	emit "core_relay_busy=$(calc "x = $(d A B core$RELAY_CPU.busy) / $(d A B core$RELAY_CPU.all)")"
	emit "core_relay_softirq=$(calc "x = $(d A B core$RELAY_CPU.sirq) / $(d A B core$RELAY_CPU.all)")"
	emit "core_gen_busy=$(calc "x = $(d A B core$GEN_CPU.busy) / $(d A B core$GEN_CPU.all)")"
	emit "rss_kb=$rss" "rss_main_kb=$rss_main"
	if [ "$kind" = mcrelay ]; then
		emit "rss_workers_kb=$((rss - rss_main))"
		[ "${S[A.procs]}" = "$procs_b" ] || emit "note=worker pids changed in window"
	fi
	if [ "$kind" = kernel ]; then
		emit "mr_cache_pkts=$(ip netns exec "$RELAY" awk '$1 == "010101EF" { print $4 }' /proc/net/ip_mr_cache)"
	fi
	"${kind}_stop"
	echo "$REC" >>"$RESULTS"
	# progress line
	python3 - "$REC" <<'EOF'
import sys
r = dict(kv.split("=", 1) for kv in sys.argv[1].split())
f = lambda k, m=1, d=1: ("%.*f" % (d, float(r[k]) * m)) if r.get(k, "null") != "null" else "-"
print("    offered %s kpps, delivered %s kpps, loss %s %%, cpu %s %% (napi %s %%), %s kpkt/cpu-s, p99 %s us"
      % (f("offered_pps", 1e-3), f("delivered_pps", 1e-3), f("loss_pct", 1, 2), f("cpu", 100),
         f("cpu_napi", 100), f("pkts_per_cpu_s", 1e-3), f("rx_lat_p99_us")))
EOF
}

# ---------------------------------------------------------------------
# Soak: one mcrelay case for SOAK seconds, RSS every 5 s.

# soak RELAY: the soak of one mcrelay relay, into $TMP/soak/RELAY.json.
soak() {
	local relay=$1 c=$SOAK_CASE t_end rate=${C_RATE[$SOAK_CASE]} burst p line
	local out=$TMP/soak/$1.json
	note "soak: $relay, case $c, ${SOAK} s, RSS every 5 s"
	START_ERR=''
	if ! mcrelay_start "$c" "$relay"; then
		echo "soak: $START_ERR"
		python3 -c 'import json, sys; json.dump({"case": sys.argv[1], "relay": sys.argv[2], "error": sys.argv[3]}, sys.stdout)' \
		    "$c" "$relay" "$START_ERR" >"$out"
		return 0
	fi
	burst=$((rate / 10000)); ((burst < 1)) && burst=1; ((burst > 64)) && burst=64
	snap Z
	bg_ns "$SRC" taskset -c "$GEN_CPU" "$MCSEND" -g 239.1.1.1 -p 5000 -I s0 -t 16 \
	    -s "${C_SIZE[$c]}" -r "$rate" -b "$burst" -V -D "$SOAK"
	SEND_PID=$BG_PID SEND_LOG=$BG_LOG
	_now
	t_end=$((_NOW + SOAK * 1000000))
	: >"$TMP/soak.samples"
	while pid_alive "$SEND_PID"; do
		_now
		line="t=$(((_NOW - t_end) / 1000000 + SOAK))"
		for p in $DAEMON_PID $(daemon_workers); do
			line="$line $p=$(rss_kb "$p")"
		done
		echo "$line" >>"$TMP/soak.samples"
		echo "    soak ${line%% *} s of $SOAK, RSS kB by pid: ${line#* }"
		sleep_until_us $((_NOW + 5000000))
	done
	wait "$SEND_PID"
	forget_pid "$SEND_PID"
	snap C
	python3 - "$TMP/soak.samples" "$DAEMON_PID" "$(sed -n 's/^sent=//p' "$SEND_LOG")" \
	    "$(d Z C d1.rxp)" "$c" "$relay" >"$out" <<'EOF'
import json, sys
path, sup, sent, got, case, relay = sys.argv[1:7]
samples = []
for l in open(path):
    kv = dict(x.split("=") for x in l.split())
    samples.append({k: int(v) for k, v in kv.items()})
procs = {}
for s in samples:
    for k, v in s.items():
        if k != "t":
            procs.setdefault(k, []).append((s["t"], v))
out = {"case": case, "relay": relay, "sent": int(sent or 0), "delivered": int(got), "processes": []}
for pid, series in procs.items():
    vals = [v for _, v in series]
    # growth after the first tenth of the run (start-up allocations)
    base = vals[len(vals) // 10] if vals else 0
    out["processes"].append({
        "pid": int(pid), "role": "supervisor" if pid == sup else "worker",
        "rss_first_kb": vals[0], "rss_last_kb": vals[-1], "rss_max_kb": max(vals),
        "growth_kb": vals[-1] - base, "samples": series})
json.dump(out, sys.stdout)
EOF
	mcrelay_stop
}

# ---------------------------------------------------------------------
# Main

# The mcrelay relays the soak runs: those in the run, else all of them.
SOAK_RELAYS=()
for r in "${SEL_RELAYS[@]}"; do [ "${KIND[$r]}" = mcrelay ] && SOAK_RELAYS+=("$r"); done
[ ${#SOAK_RELAYS[@]} -gt 0 ] || SOAK_RELAYS=("${MC_ALL[@]}")

NRUNS=0 NTIMED=0
for c in "${SEL_CASES[@]}"; do
	for r in "${SEL_RELAYS[@]}"; do
		case_runs "$c" "$r" || continue
		NRUNS=$((NRUNS + RUNS))
		[ "$r" = kernel ] && [ -n "$KERNEL_ERR" ] && continue
		NTIMED=$((NTIMED + RUNS))
	done
done
NSOAK=0
[ "$SOAK" -gt 0 ] && NSOAK=${#SOAK_RELAYS[@]}
note "cases: ${SEL_CASES[*]}"
note "relays: ${SEL_RELAYS[*]}; $NRUNS runs of ${WARMUP}+${DURATION} s; generator core $GEN_CPU, relay core $RELAY_CPU"
for r in "${SEL_RELAYS[@]}"; do
	[ -n "${VKEYS[$r]:-}" ] && note "$r: [global] $(printf '%s' "${VKEYS[$r]}" | tr '\n' ' ')"
done
note "expected time: about $(calc "x = int(($NTIMED * ($WARMUP + $DURATION + 4) + $NSOAK * $SOAK + 10) / 60 + 1)") min"
"$MCRELAY" --version >/dev/null 2>&1 && note "mcrelay: $("$MCRELAY" --version 2>&1 | head -n 1)"

build_topology
note "NAPI threads: rin=${NAPI_PID[rin]} (core $RELAY_CPU), d1=${NAPI_PID[d1]} (core $GEN_CPU)"

i=0
for run in $(seq 1 "$RUNS"); do
	for c in "${SEL_CASES[@]}"; do
		for r in "${SEL_RELAYS[@]}"; do
			case_runs "$c" "$r" || continue
			i=$((i + 1))
			echo "[$i/$NRUNS] $c ($run/$RUNS) $r: ${C_DESC[$c]}"
			run_one "$c" "$r" "$run"
		done
	done
done

mkdir -p "$TMP/soak"
if [ "$SOAK" -gt 0 ]; then
	for r in "${SOAK_RELAYS[@]}"; do soak "$r"; done
fi

# The run's description, for the JSON file; the mcrelay relays and their
# keys one a line, RELAY<TAB>workers key<TAB>KEY=VALUE...
MCINFO=$TMP/mcrelays
: >"$MCINFO"
for r in "${MC_ALL[@]}"; do
	printf '%s\t%s\t%s\n' "$r" "${WORKERS_KEY[$r]:-unknown}" \
	    "$(printf '%s\n' "${MC_KEYS[@]}" "${VKEYS[$r]}" | grep -v '^$' | tr '\n' ' ')" >>"$MCINFO"
done
META=$(python3 - "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(uname -r)" "$NCPU" "$GEN_CPU" "$RELAY_CPU" \
    "$DURATION" "$WARMUP" "$RUNS" "$MCRELAY" \
    "$(git -C "$top_srcdir" describe --always --dirty 2>/dev/null || echo unknown)" "$HZ" "$QDISC" \
    "$([[ " ${SEL_RELAYS[*]} " == *" xsk"* ]] && echo true || echo false)" \
    "$KERNEL_MROUTE" "$(selected kernel && echo "${KERNEL_ERR:-available}" || echo "not in the run")" \
    "$MCINFO" "${SEL_RELAYS[@]}" <<'EOF'
import json, sys
a = sys.argv[1:]
mc = {}
for l in open(a[15]):
    name, wk, keys = l.rstrip("\n").split("\t")
    mc[name] = {"workers_key": wk, "global_keys": keys.split()}
first = next(iter(mc.values()))
print(json.dumps({
    "date": a[0], "kernel": a[1], "cpus": int(a[2]), "generator_core": int(a[3]),
    "relay_core": int(a[4]), "duration_s": float(a[5]), "warmup_s": float(a[6]),
    "runs": int(a[7]), "workers_key": first["workers_key"], "mcrelay": a[8], "git": a[9],
    "clk_tck": int(a[10]), "qdisc": int(a[11]), "sender_tx_csum_off": a[12] == "true",
    "kernel_mroute": a[13] == "true", "kernel_relay": a[14],
    "relays": a[16:], "mcrelay_relays": mc}))
EOF
) || fail "cannot describe the run"

python3 - "$RESULTS" "$TMP/soak" "$JSON_OUT" "$META" "$TMP/verdict" <<'EOF'
import json, os, statistics, sys
from urllib.parse import unquote

results_path, soak_dir, json_path, meta, verdict_path = sys.argv[1:6]
meta = json.loads(meta)
runs = []
for line in open(results_path):
    r = {}
    for kv in line.split():
        k, v = kv.split("=", 1)
        v = unquote(v)
        if v == "null":
            r[k] = None
            continue
        try:
            r[k] = int(v)
        except ValueError:
            try:
                r[k] = float(v)
            except ValueError:
                r[k] = v
    runs.append(r)

# medians per (case, relay)
order, groups = [], {}
for r in runs:
    key = (r["case"], r["relay"])
    if key not in groups:
        order.append(key)
        groups[key] = []
    groups[key].append(r)
res = {}
for key in order:
    g = groups[key]
    ok = [r for r in g if r.get("status") == "ok"]
    m = {"case": key[0], "relay": key[1], "kind": g[0].get("kind"), "runs": len(g), "ok_runs": len(ok)}
    if not ok:
        m["status"] = g[0].get("status", "error")
        m["note"] = g[0].get("note", "")
    else:
        m["status"] = "ok"
        for k in ok[0]:
            vals = [r.get(k) for r in ok]
            if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
                m[k] = statistics.median(vals)
            elif k not in m:
                m[k] = vals[0]
        notes = sorted({r["note"] for r in ok if r.get("note")})
        if notes:
            m["note"] = "; ".join(notes)
    res[key] = m

relays_run = meta["relays"]
mc_all = list(meta["mcrelay_relays"])
mc_run = [r for r in relays_run if r in meta["mcrelay_relays"]]
# The mcrelay relays the targets are for: those in the run (else all, so
# that their targets show as not measured).
mc_targets = [m for m in (mc_run or mc_all) if m != "mcrelay-before"]
multi = len(mc_targets) > 1
cases = []
for c, _ in order:
    if c not in cases:
        cases.append(c)

def get(case, relay, k):
    m = res.get((case, relay))
    if not m or m.get("status") != "ok":
        return None
    return m.get(k)

def val(case, relay, k):
    """(value, None) when measured, else (None, why not)."""
    m = res.get((case, relay))
    if m is None:
        if relay not in relays_run:
            return None, "%s not in the run" % relay
        if case not in cases:
            return None, "%s not run" % case
        return None, "%s does not run %s" % (relay, case)
    if m.get("status") != "ok":
        return None, "%s %s: %s" % (relay, case, m.get("note") or m.get("status"))
    if m.get(k) is None:
        return None, "%s %s: no %s" % (relay, case, k)
    return m[k], None

def measured(relay):
    return any(m["relay"] == relay and m["status"] == "ok" for m in res.values())

def flags(m):
    f = []
    if m.get("status") != "ok":
        return m.get("note", m.get("status"))
    if m["rate_target"] and m.get("offered_pps") and m["offered_pps"] < 0.97 * m["rate_target"]:
        f.append("sender short")
    if not m["rate_target"] and (m.get("core_gen_busy") or 1) < 0.9:
        f.append("sender held back")
    if m.get("rx_kdrops"):
        f.append("rx kdrops")
    if m.get("out_ring_drops"):
        f.append("out-ring drops")
    if (m.get("core_gen_busy") or 0) > 0.95:
        f.append("gen core full")
    if (m.get("core_relay_busy") or 0) - (m.get("cpu") or 0) > 0.10:
        f.append("noise on relay core")
    if m.get("delivered_pps") and not m.get("cpu_napi"):
        f.append("NAPI idle!")
    if (m.get("core_relay_softirq") or 0) > 0.05:
        f.append("softirq on relay core")
    if m.get("kind") == "kernel" and not m.get("mr_cache_pkts"):
        f.append("kernel MFC forwarded nothing")
    if m.get("in_ring_drops") and m.get("sent"):
        f.append("%.2f%% lost at relay input" % (100.0 * m["in_ring_drops"] / m["sent"]))
    if m.get("rx_lat_user"):
        f.append("no kernel rx timestamps")
    # mcsend sends with TTL 16: every relay must deliver 15.
    if m.get("rx_received") and (m.get("rx_ttl_min") != 15 or m.get("rx_ttl_max") != 15):
        f.append("TTL %s-%s, expected 15" % (m.get("rx_ttl_min"), m.get("rx_ttl_max")))
    if m.get("fanout", 1) > 1 and m.get("loss_all_pct") is not None and \
            m.get("loss_pct") is not None and m["loss_all_pct"] > m["loss_pct"] + 1:
        f.append("%.2f%% lost over all outputs" % m["loss_all_pct"])
    if m.get("note"):
        f.append(m["note"])
    return ", ".join(f)

def fmt(v, mult=1.0, d=1):
    if v is None:
        return "-"
    return "%.*f" % (d, v * mult)

# table
hdr = ("case", "relay", "offered", "deliv", "loss%", "dup", "reord", "bad",
       "cpu%", "napi%", "kpkt/cpu-s", "p50us", "p99us", "p99.9us", "rss MB", "flags")
rows = []
for key in order:
    m = res[key]
    if m["status"] != "ok":
        rows.append((key[0], key[1]) + ("",) * 13 + (flags(m),))
        continue
    rows.append((key[0], key[1], fmt(m.get("offered_pps"), 1e-3, 0) + "k",
                 fmt(m.get("delivered_pps"), 1e-3, 0) + "k", fmt(m.get("loss_pct"), 1, 2),
                 fmt(m.get("rx_dup"), 1, 0), fmt(m.get("rx_reordered"), 1, 0), fmt(m.get("corrupt"), 1, 0),
                 fmt(m.get("cpu"), 100), fmt(m.get("cpu_napi"), 100),
                 fmt(m.get("pkts_per_cpu_s"), 1e-3), fmt(m.get("rx_lat_p50_us")),
                 fmt(m.get("rx_lat_p99_us")), fmt(m.get("rx_lat_p999_us")),
                 fmt(m.get("rss_kb"), 1 / 1024), flags(m)))
w = [max(len(str(r[i])) for r in rows + [hdr]) for i in range(len(hdr))]
def line(r):
    return "  ".join(str(v).rjust(w[i]) if 2 <= i < len(hdr) - 1 else str(v).ljust(w[i])
                     for i, v in enumerate(r)).rstrip()
print()
print("offered/deliv: packets/s into the relay / out of one output; cpu%: relay processes + rin NAPI thread,")
print("of one core (nft: the NAPI thread alone); kpkt/cpu-s: delivered packets per relay CPU-second;")
print("latency: send to receive, one way; bad: bad checksums, MAC or payload at the receiver; rss: - for nft")
print(line(hdr))
print(line(["-" * x for x in w]))
for r in rows:
    print(line(r))

# ratios of each mcrelay relay to each baseline measured in the run
BASES = ("nft", "kernel", "socat")
METRICS = (("pkts_per_cpu_s", "pkts_per_cpu_s", "pkt/cpu-s"), ("delivered_pps", "delivered_pps", "delivered"),
           ("rx_lat_p99_us", "lat_p99", "p99"))
def ratio(a, b):
    return a / b if a is not None and b else None
bases = [b for b in BASES if measured(b)]
ratios = []
rrows = []
for c in cases:
    for mr in mc_run:
        e = {"case": c, "relay": mr}
        for base in BASES:
            for k, name, _ in METRICS:
                e["%s_%s" % (name, base)] = ratio(get(c, mr, k), get(c, base, k))
        if all(v is None for k, v in e.items() if k not in ("case", "relay")):
            continue
        ratios.append(e)
        rrows.append(((c, mr) if multi else (c,)) +
                     tuple(fmt(e["%s_%s" % (name, b)], 1, 2) for _, name, _ in METRICS for b in bases))
if rrows and bases:
    print()
    print("ratios, %s / %s (pkt/cpu-s and delivered: > 1 is better for mcrelay; p99 latency: < 1 is better)"
          % ("mcrelay" if not multi else "each mcrelay relay", ", ".join(bases)))
    rh = (("case", "relay") if multi else ("case",)) + tuple(
        ("%s vs %s" % (label, b)) if i == 0 else ("vs %s" % b)
        for _, _, label in METRICS for i, b in enumerate(bases))
    nl = 2 if multi else 1
    rw = [max(len(str(r[i])) for r in rrows + [rh]) for i in range(len(rh))]
    for r in [rh, ["-" * x for x in rw]] + rrows:
        print("  ".join(str(v).rjust(rw[i]) if i >= nl else str(v).ljust(rw[i]) for i, v in enumerate(r)))

# targets: PASS or MISS when everything they compare was measured in this
# run, else "not measured"; "info" and "skip" lines are not counted.
targets = []
def target(relay, name, ok, detail):
    st = "PASS" if ok is True else "MISS" if ok is False else "not measured"
    targets.append({"relay": relay, "target": name, "result": st, "detail": detail})
def info(relay, name, detail, result="info"):
    targets.append({"relay": relay, "target": name, "result": result, "detail": detail})
def compare(relay, name, needs, test, detail):
    """needs: (case, relay, key)...; test and detail take their values."""
    vals, why = [], []
    for c, r, k in needs:
        v, w = val(c, r, k)
        vals.append(v)
        if w and w not in why:
            why.append(w)
    if why:
        target(relay, name, None, "not measured: " + "; ".join(why))
    else:
        target(relay, name, bool(test(*vals)), detail(*vals))

# The kernel relay's comparisons count when it was in the run and the
# kernel can forward multicast; else they are one "skip" line.
kernel_rows = [m for m in res.values() if m["relay"] == "kernel"]
if "kernel" not in relays_run:
    kernel_skip = "the kernel relay (smcroute) was not in the run"
elif not meta["kernel_mroute"] or (kernel_rows and all(m["status"] == "unavailable" for m in kernel_rows)):
    kernel_skip = "kernel relay " + (meta.get("kernel_relay") if meta.get("kernel_relay", "available") != "available"
                                     else "unavailable")
else:
    kernel_skip = None

soaks = {}
for f in sorted(os.listdir(soak_dir)):
    if f.endswith(".json"):
        d = json.load(open(os.path.join(soak_dir, f)))
        soaks[d.get("relay", f[:-5])] = d

for M in mc_targets:
    # The kernel path's targets against nftables: not the packet path's (datapath = packet).
    cmp_nft = compare if M != "mcrelay-packet" else (lambda *a: None)
    for c in ("t300k-64", "t300k-1024"):
        cmp_nft(M, c + ": pkt/cpu-s >= 1.0x nft's", ((c, M, "pkts_per_cpu_s"), (c, "nft", "pkts_per_cpu_s")),
                lambda a, b: a >= b, lambda a, b: "%s %.0f, nft %.0f: %.2fx" % (M, a, b, a / b))
        cmp_nft(M, c + ": loss <= max(0.5 %, nft's)", ((c, M, "loss_pct"), (c, "nft", "loss_pct")),
                lambda a, b: a <= max(0.5, b),
                lambda a, b: "%s %.3f %%, nft %.3f %%, limit %.3f %%" % (M, a, b, max(0.5, b)))
    for c in ("lat-1k-64", "t100k-64"):
        cmp_nft(M, c + ": p99 latency <= nft's + 50 us", ((c, M, "rx_lat_p99_us"), (c, "nft", "rx_lat_p99_us")),
                lambda a, b: a <= b + 50, lambda a, b: "%s %.1f us, nft %.1f us" % (M, a, b))
    cmp_nft(M, "fan-out 10 (f10-30k-1316): CPU per input packet <= nft's",
            (("f10-30k-1316", M, "us_per_in_pkt"), ("f10-30k-1316", "nft", "us_per_in_pkt")),
            lambda a, b: a <= b, lambda a, b: "%s %.2f us, nft %.2f us: %.2fx" % (M, a, b, a / b))
    nft10k = ratio(get("r10k-300k-64", "nft", "pkts_per_cpu_s"), get("t300k-64", "nft", "pkts_per_cpu_s"))
    compare(M, "10,000 rules: pkt/cpu-s within 10 % of one rule",
            (("r10k-300k-64", M, "pkts_per_cpu_s"), ("t300k-64", M, "pkts_per_cpu_s")),
            lambda a, b: a >= 0.9 * b,
            lambda a, b: "%.0f vs %.0f: %.2fx%s" % (a, b, a / b,
                                                  "" if nft10k is None else " (nft: %.2fx)" % nft10k))
    for pc, what in (("p100x-300k-64", "traffic on an exact rule"),
                     ("p100p-300k-64", "traffic on the least specific prefix rule")):
        compare(M, "100 prefix rules next to 10,000 exact, %s: pkt/cpu-s within 10 %% of one rule" % what,
                ((pc, M, "pkts_per_cpu_s"), ("t300k-64", M, "pkts_per_cpu_s")),
                lambda a, b: a >= 0.9 * b, lambda a, b: "%.0f vs %.0f: %.2fx" % (a, b, a / b))
    # The packet path against an earlier build, run as the variant "before".
    if "mcrelay-before" in mc_all and M in ("mcrelay-packet", "mcrelay"):
        for c in ("t300k-64", "t300k-1024"):
            compare(M, c + ": packet path pkt/cpu-s >= 0.95x before's",
                    ((c, M, "pkts_per_cpu_s"), (c, "mcrelay-before", "pkts_per_cpu_s")),
                    lambda a, b: a >= 0.95 * b,
                    lambda a, b: "%s %.0f, before %.0f: %.2fx" % (M, a, b, a / b))
    soak = soaks.get(M, {})
    if soak.get("processes"):
        g = max((p["growth_kb"] for p in soak["processes"]), default=0)
        target(M, "RSS does not grow over the soak (<= 64 kB after the first tenth)", g <= 64,
               "; ".join("%s %d: %d -> %d kB (growth %d kB)" % (p["role"], p["pid"], p["rss_first_kb"],
                         p["rss_last_kb"], p["growth_kb"]) for p in soak["processes"]))
    else:
        target(M, "RSS does not grow over the soak", None,
               "not measured: " + soak.get("error", "no soak run (--soak S)"))
    if kernel_skip is None:
        for c in ("t300k-64", "t300k-1024"):
            compare(M, c + ": pkt/cpu-s >= 1.3x kernel's", ((c, M, "pkts_per_cpu_s"), (c, "kernel", "pkts_per_cpu_s")),
                    lambda a, b: a >= 1.3 * b, lambda a, b: "%s %.0f, kernel %.0f: %.2fx" % (M, a, b, a / b))
            compare(M, c + ": loss <= max(0.5 %, kernel's)", ((c, M, "loss_pct"), (c, "kernel", "loss_pct")),
                    lambda a, b: a <= max(0.5, b),
                    lambda a, b: "%s %.3f %%, kernel %.3f %%, limit %.3f %%" % (M, a, b, max(0.5, b)))
        for c in ("max-64", "max-1024", "max-1316"):
            compare(M, c + ": delivered >= kernel's", ((c, M, "delivered_pps"), (c, "kernel", "delivered_pps")),
                    lambda a, b: a >= b, lambda a, b: "%s %.0f pps, kernel %.0f pps" % (M, a, b))
        for c in ("lat-1k-64", "t100k-64"):
            compare(M, c + ": p99 latency <= kernel's + 100 us",
                    ((c, M, "rx_lat_p99_us"), (c, "kernel", "rx_lat_p99_us")),
                    lambda a, b: a <= b + 100, lambda a, b: "%s %.1f us, kernel %.1f us" % (M, a, b))
    # No target any more: the fan-out ratio of the earlier fast-path work.
    o10, i1 = get("f10-30k-1316", M, "us_per_out_pkt"), get("f1-30k-1316", M, "us_per_in_pkt")
    if o10 is not None and i1:
        extra = ""
        for b in ("nft", "kernel"):
            bo, bi = get("f10-30k-1316", b, "us_per_out_pkt"), get("f1-30k-1316", b, "us_per_in_pkt")
            if bo is not None and bi:
                extra += "; %s %.2f / %.2f us = %.2f" % (b, bo, bi, bo / bi)
        info(M, "fan-out 10: CPU per output packet / per packet at fan-out 1 (no target)",
             "%.2f / %.2f us = %.2f%s" % (o10, i1, o10 / i1, extra))
    for c2, c1, k in (("w2-300k-64", "t300k-64", "pkts_per_cpu_s"), ("w2-max-64", "max-64", "delivered_pps")):
        name = "%s: workers=2 / workers=1 (%s, no target)" % (c2, k)
        m = res.get((c2, M))
        a, b = get(c2, M, k), get(c1, M, k)
        if m and m.get("status") != "ok":
            info(M, name, m.get("note", ""))
        elif a is not None and b:
            info(M, name, "%.0f vs %.0f: %.2fx" % (a, b, a / b))
if kernel_skip is not None:
    info(None, "the comparisons with the kernel's forwarding (smcroute)",
         "not counted: %s" % kernel_skip, "skip")

npass = sum(t["result"] == "PASS" for t in targets)
nmiss = sum(t["result"] == "MISS" for t in targets)
nnm = sum(t["result"] == "not measured" for t in targets)
code = 1 if nmiss else 2 if nnm else 0
print()
print("targets:")
for t in targets:
    print("  %-12s  %s%s: %s" % (t["result"], "[%s] " % t["relay"] if multi and t["relay"] else "",
                                 t["target"], t["detail"]))

xr = []
for c in cases:
    e = {"case": c}
    for x in ("xsk", "xskpkt"):
        for base in ["nft", "kernel"] + mc_run:
            e["%s_pkts_per_cpu_s_%s" % (x, base)] = ratio(get(c, x, "pkts_per_cpu_s"), get(c, base, "pkts_per_cpu_s"))
    if any(v is not None for k, v in e.items() if k != "case"):
        xr.append(e)
if xr:
    print()
    print("AF_XDP experiment, pkt/cpu-s ratios:")
    for e in xr:
        print("  %-12s %s" % (e["case"], "  ".join(
            "%s/%s %s" % (k.split("_")[0], k.split("_pkts_per_cpu_s_")[1], fmt(v, 1, 2))
            for k, v in e.items() if k != "case" and v is not None)))

for M in mc_run:
    rss = [(c, get(c, M, "rss_main_kb"), get(c, M, "rss_workers_kb")) for c in cases]
    rss = [x for x in rss if x[1] is not None]
    if rss:
        print()
        print("%s RSS (supervisor / workers), kB: " % M +
              ", ".join("%s %d / %d" % (c, a, b or 0) for c, a, b in rss))

summary = {"pass": npass, "miss": nmiss, "not_measured": nnm, "exit_status": code}
doc = {"meta": meta, "results": [res[k] for k in order], "ratios": ratios, "xsk_ratios": xr,
       "targets": targets, "summary": summary, "soak": soaks, "runs": runs}
with open(json_path, "w") as f:
    json.dump(doc, f, indent=1)
print()
print("results written to " + json_path)
print()
print("targets: %d PASS, %d MISS, %d not measured" % (npass, nmiss, nnm))
with open(verdict_path, "w") as f:
    f.write("%d\n" % code)
EOF
rc=$?
if [ "$rc" -ne 0 ] || [ ! -s "$TMP/verdict" ]; then
	fail "the report failed"
fi

read -r VERDICT <"$TMP/verdict"
case $VERDICT in
0) echo "bench.sh: every target measured and met (exit 0)" ;;
1) echo "bench.sh: at least one target missed (exit 1)" ;;
*) echo "bench.sh: no target missed, but not every one was measured (exit 2)" ;;
esac
# (Not a bare exit as the last line: shellcheck would then take every
# function called only indirectly, like the relays', for unreachable.)
[ "$VERDICT" = 0 ] || exit "$VERDICT"
