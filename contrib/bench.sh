#!/usr/bin/env bash
# bench.sh: measures mcrelay against a baseline relay (socat) in the same
# run, on the same throwaway namespace topology, and prints the figures
# and their ratios.  Figures, not pass/fail: the machine is noisy.
#
#   contrib/bench.sh [PACKETS] [RATE_PPS] [PAYLOAD_BYTES]
#
# Two phases per relay: a paced stream at RATE_PPS (CPU time per packet,
# loss) and an unpaced burst (what gets through when the sender runs flat
# out).  CPU time is the relay's own on-CPU time from /proc/PID/schedstat.
# Run as root after a build; installs socat if it is missing.
set -u
N=${1:-200000}
RATE=${2:-50000}
SIZE=${3:-1316}

. "$(dirname "$0")/../tests/integration/lib.sh"
require_root
require_binaries
command -v socat >/dev/null || apt-get install -y -qq socat >/dev/null ||
	fail "socat is needed for the baseline"

topo_basic
{
	conf_global notice
	conf_rule bench rin 239.1.1.1 5000 "rout1 239.2.2.2:6000"
} >"$TMP/bench.conf"

# on-CPU nanoseconds of PID and its threads
cpu_ns() {
	local t sum=0 a
	for t in /proc/"$1"/task/*/schedstat; do
		read -r a _ <"$t" && sum=$((sum + a))
	done
	echo "$sum"
}

rss_kb() {
	awk '/^VmRSS:/ {print $2}' /proc/"$1"/status
}

# run_phase LABEL PID RATE COUNT: sends COUNT packets at RATE (0 = flat
# out) and sets PHASE to "received cpu_ns elapsed_ns".
run_phase() {
	local pid=$2 rate=$3 count=$4 c0 c1 t0 t1 got
	start_recv bench "$DST1" d0 239.2.2.2 6000 -n "$count" -T 120 -q 1500
	c0=$(cpu_ns "$pid")
	t0=${EPOCHREALTIME//[!0-9]/}
	ip netns exec "$SRC" "$MCSEND" -g 239.1.1.1 -p 5000 -I s0 -n "$count" \
	    -r "$rate" -t 16 -s "$SIZE" >/dev/null || fail "mcsend failed"
	t1=${EPOCHREALTIME//[!0-9]/}
	wait_recv bench 150 || true
	c1=$(cpu_ns "$pid")
	got=$(recv_field bench unique) || got=0
	PHASE="$got $((c1 - c0)) $(((t1 - t0) * 1000))"
}

report() {
	local label=$1 count=$2 got=$3 cpu=$4 el=$5
	awk -v l="$label" -v n="$count" -v g="$got" -v c="$cpu" -v e="$el" 'BEGIN {
		printf "%-28s %9d sent %9d received (%6.2f%% lost)  %7.3f us CPU/packet  %8.0f pps offered\n",
		    l, n, g, 100 * (n - g) / n, g ? c / g / 1000 : 0, n / (e / 1e9) }'
}

declare -A RES
note "payload $SIZE bytes, $N packets per phase"

start_daemon "$TMP/bench.conf"
worker=$(daemon_workers | head -n 1)
[ -n "$worker" ] || fail "no worker"
run_phase paced "$worker" "$RATE" "$N"; read -r g c e <<<"$PHASE"
RES[mc_paced]="$g $c $e"; report "mcrelay paced" "$N" "$g" "$c" "$e"
run_phase burst "$worker" 0 "$N"; read -r g c e <<<"$PHASE"
RES[mc_burst]="$g $c $e"; report "mcrelay flat out" "$N" "$g" "$c" "$e"
mc_rss_w=$(rss_kb "$worker"); mc_rss_s=$(rss_kb "$DAEMON_PID")
stop_daemon

bg_ns "$RELAY" socat -u -b 65536 \
	UDP4-RECV:5000,ip-add-membership=239.1.1.1:rin,reuseaddr \
	UDP4-SENDTO:239.2.2.2:6000,ip-multicast-if=10.2.0.1,ip-multicast-ttl=15
socat_pid=$BG_PID
socat_joined() {
	ip netns exec "$RELAY" ip maddr show dev rin | grep -q 239.1.1.1
}
wait_until 5 socat_joined ||
	fail "socat did not join the group: $(cat "$BG_LOG")"
run_phase paced "$socat_pid" "$RATE" "$N"; read -r g c e <<<"$PHASE"
RES[so_paced]="$g $c $e"; report "socat paced" "$N" "$g" "$c" "$e"
run_phase burst "$socat_pid" 0 "$N"; read -r g c e <<<"$PHASE"
RES[so_burst]="$g $c $e"; report "socat flat out" "$N" "$g" "$c" "$e"
so_rss=$(rss_kb "$socat_pid")

echo
echo "memory: mcrelay worker ${mc_rss_w} kB RSS, supervisor ${mc_rss_s} kB RSS; socat ${so_rss} kB RSS"
read -r mg mc _ <<<"${RES[mc_paced]}"
read -r sg sc _ <<<"${RES[so_paced]}"
read -r mbg _ _ <<<"${RES[mc_burst]}"
read -r sbg _ _ <<<"${RES[so_burst]}"
awk -v mg="$mg" -v mc="$mc" -v sg="$sg" -v sc="$sc" -v mb="$mbg" -v sb="$sbg" 'BEGIN {
	if (mg && sg && mc) printf "ratio: socat uses %.1fx the CPU per packet of mcrelay (paced)\n", (sc / sg) / (mc / mg)
	if (sb) printf "ratio: mcrelay delivered %.2fx what socat delivered (flat out)\n", mb / sb
}'
pass "benchmark done"
