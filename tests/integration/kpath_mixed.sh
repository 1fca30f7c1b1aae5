#!/usr/bin/env bash
# kpath_mixed.sh: the daemon with datapath = kernel, where both paths
# share an input and a group.  Small datagrams of a kernel-path rule go
# through the tc program; IP fragments of the same rule, and a rule of the
# same group with a udp output, fall back to the worker; another group
# has only kernel-path rules.  Every datagram arrives exactly once at
# ordinary UDP sockets, the rules' counters in `status` add both paths
# up to what was sent, `status` and `check` say which path carries each
# rule and why, and stopping the daemon leaves no filter on the input.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/metrics_lib.sh"
require_root
require_binaries
require_python
require_om_parser
command -v bpftool >/dev/null || fail "bpftool is missing (contrib/install-deps.sh installs it)"

topo_basic
MCRELAY_DATAPATH=kernel
must ip -n "$DST1" route add default via 10.2.0.1
must ip -n "$DST2" route add default via 10.3.0.1
{
	conf_global
	conf_rule k rin 239.1.1.1 5000 "rout1 239.9.9.9:6000"
	conf_rule u rin 239.1.1.1 5001 "udp 10.3.0.2:7000"
	conf_rule k2 rin 239.1.1.2 5000 "rout1 239.9.9.10:6000" "rout2 239.9.9.11:6000"
} >"$TMP/mixed.conf"

check_conf "$TMP/mixed.conf" || fail "check refused the configuration: $(cat "$TMP/check.out")"
grep -q "rule k: kernel path" "$TMP/check.out" || fail "check: no kernel path for k: $(cat "$TMP/check.out")"
grep -q "rule u: packet path (udp output)" "$TMP/check.out" ||
    fail "check: no packet path for u: $(cat "$TMP/check.out")"
# The default, datapath = auto: the kernel path, where this kernel has it (here).
grep -v '^datapath = ' "$TMP/mixed.conf" >"$TMP/auto.conf"
check_conf "$TMP/auto.conf" || fail "check refused the configuration: $(cat "$TMP/check.out")"
grep -q "^kernel path: available" "$TMP/check.out" && grep -q "rule k2: kernel path" "$TMP/check.out" ||
    fail "check: datapath = auto does not take the kernel path: $(cat "$TMP/check.out")"
# Not root: the kernel is not probed, and check says so.
if command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$MCRELAY" -c "$TMP/auto.conf" check \
	    >"$TMP/check.out" 2>&1 || fail "check as nobody failed: $(cat "$TMP/check.out")"
	grep -q "^kernel path: not probed" "$TMP/check.out" ||
	    fail "check as nobody: $(cat "$TMP/check.out")"
fi

start_daemon "$TMP/mixed.conf"
status_json
[ "$(status_eval 'rule("k")["path"]' 'rule("u")["path"]' 'rule("u")["path_reason"]' \
    'rule("k2")["path"]' | tr '\n' ' ')" = "kernel packet udp output kernel " ] ||
    fail "paths in status: $(cat "$TMP/status.json")"
wait_status 10 'inp("rin")["kernel_path"]' attached
prog=$(status_eval 'inp("rin")["program_id"]')
bpftool prog show id "$prog" 2>/dev/null | grep -q kpath_ingress ||
    fail "status names program $prog, which is not mcrelay's: $(bpftool prog show id "$prog" 2>&1)"
note "rin: $(status_eval 'inp("rin")')"

small=3000 big=300 udp=1000 other=3000
start_udprecv k "$DST1" -I d0 -g 239.9.9.9 -p 6000 -n $((small + big)) -T 60 -q 3000
start_udprecv u "$DST2" -g 10.3.0.2 -p 7000 -n "$udp" -T 60 -q 3000
start_udprecv k2a "$DST1" -I d0 -g 239.9.9.10 -p 6000 -n "$other" -T 60 -q 3000
start_udprecv k2b "$DST2" -I d0 -g 239.9.9.11 -p 6000 -n "$other" -T 60 -q 3000

bg_ns "$SRC" "$MCSEND" -g 239.1.1.1 -p 5000 -I s0 -n "$small" -r 3000 -t 16 -S 0
s1=$BG_PID
bg_ns "$SRC" "$MCSEND" -g 239.1.1.1 -p 5000 -I s0 -n "$big" -r 300 -t 16 -s 4000 -S 100000
s2=$BG_PID
bg_ns "$SRC" "$MCSEND" -g 239.1.1.1 -p 5001 -I s0 -n "$udp" -r 1000 -t 16
s3=$BG_PID
bg_ns "$SRC" "$MCSEND" -g 239.1.1.2 -p 5000 -I s0 -n "$other" -r 3000 -t 16
s4=$BG_PID
for p in $s1 $s2 $s3 $s4; do
	wait_until 30 pid_gone "$p" || fail "a sender did not finish"
	wait "$p" || fail "a sender failed"
	forget_pid "$p"
done

for r in k u k2a k2b; do
	expect_recv_ok "$r" 60
	expect_field "$r" dup 0
done
expect_field k unique $((small + big))
expect_field u unique "$udp"
expect_field k2a unique "$other"
expect_field k2b unique "$other"

# The worker counts IP packets: each big datagram came as three fragments.
wait_status 10 'rule("k")["packets_in"]' $((small + 3 * big))
wait_status 10 'rule("u")["packets_in"]' "$udp"
wait_status 10 'rule("k2")["packets_in"]' "$other"
wait_status 10 'output("k", "rout1")["packets_out"]' $((small + 3 * big))
wait_status 10 'output("k2", "rout2")["packets_out"]' "$other"
status_json
left=$(status_eval 'worker("rin")["kernel_path"]')
rx=$(status_eval 'worker("rin")["rx_packets"]')
note "the worker left $left frames to the kernel path, and received $rx frames"
# k's group is u's too: the worker sees its frames and leaves them to the
# kernel path; k2's group is the kernel path's alone: the filter keeps
# them from the worker.
[ "$left" = "$small" ] || fail "the worker left $left frames to the kernel path, expected $small"
[ "$rx" = $((small + 3 * big + udp)) ] ||
    fail "the worker received $rx frames, expected $((small + 3 * big + udp)) (none of k2's)"

# The same through the metrics, read by a real OpenMetrics parser.
ctl status --openmetrics || fail "status --openmetrics failed: $(ctl_output)"
metrics_py parse om "$TMP/ctl.out" "$TMP/metrics.json" ||
    fail "the OpenMetrics parser refused status --openmetrics: $(head -c 2000 "$TMP/ctl.out")"
v=$(om_eval "m('mcrelay_rule_packets_total', rule='k2', input='rin', path='kernel')" \
    "m('mcrelay_rule_packets_total', rule='u', input='rin', path='packet')" \
    "m('mcrelay_input_kernel_path_rules', input='rin')" \
    "m('mcrelay_input_kernel_path_frames_total', input='rin', result='handled')" \
    "m('mcrelay_input_kernel_path_frames_total', input='rin', result='packet_path')" \
    "m('mcrelay_input_kernel_path_frames_total', input='rin', result='not_handleable') >= $((3 * big))" \
    "total('mcrelay_output_device_dropped_packets_total')" | tr '\n' ' ')
# handled: k's small datagrams and k2's; packet_path: u's; not_handleable: the
# fragments (and whatever else is not IP UDP multicast, ARP say).
[ "$v" = "$other $udp 2 $((small + other)) $udp true 0 " ] || fail "metrics: $v; $(grep -E 'kernel_path|rule_packets' "$TMP/ctl.out")"

stop_daemon
# Detached and freed: no link or filter holds the program any more.
wait_until 5 eval '! bpftool prog show id "$prog" >/dev/null 2>&1' ||
    fail "program $prog is still loaded after the daemon stopped: $(bpftool prog show id "$prog" 2>&1)"
pass "kernel and packet paths on one input: each of $((small + big + udp + 2 * other)) datagrams once; counters add up"
