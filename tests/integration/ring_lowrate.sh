#!/bin/bash
#
# ring_lowrate.sh: a lone packet and a slow stream are forwarded at once.
# In frames mode (the default) each frame is handed over as it arrives; in
# blocks mode the ring hands a block over after ring-block-timeout even
# when it is nearly empty, not when it fills up (which at these rates would
# be never).  Once with the default ring, once in blocks mode, and once
# each with the smallest ring (two blocks of 4k, raised to hold a frame of
# a 9000-byte MTU).

. "$(dirname "$0")/lib.sh"

require_root
require_binaries
topo_basic

# A lone packet must arrive well within a deadline that a block held until
# full would never meet; generous for a loaded CI machine all the same.
lone_packet() {
	start_recv lone "$DST1" d0 239.2.2.2 6000 -n 1 -T 30
	send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -n 1 -t 16 -s 100
	wait_until 5 pid_gone "${RECV_PIDS[lone]}" ||
	    fail "a single packet was not forwarded within 5s"
	expect_recv_ok lone 5
}

slow_stream() {
	start_recv slow "$DST1" d0 239.2.2.2 6000 -n 20 -x 15 -T 30
	send_from "$SRC" -g 239.1.1.1 -p 5000 -I s0 -n 20 -r 10 -t 16 -s 100
	wait_until 5 pid_gone "${RECV_PIDS[slow]}" ||
	    fail "20 packets at 10/s: not all forwarded within 5s of the last"
	expect_recv_ok slow 5
	expect_field slow unique 20
}

note "--- the default ring"
{
	conf_global
	conf_rule low rin 239.1.1.1 5000 "rout1 239.2.2.2:6000"
} >"$TMP/default.conf"
start_daemon "$TMP/default.conf"
log_has 'receive ring: [0-9]+ frames of [0-9]+ bytes' ||
    fail "the worker did not log the default ring (frames)"
lone_packet
slow_stream
stop_daemon

note "--- blocks mode"
sed -i '/^control-socket/a ring-mode = blocks' "$TMP/default.conf"
start_daemon "$TMP/default.conf"
log_has 'receive ring: [0-9]+ blocks of [0-9]+ bytes, handed over after 1 ms' ||
    fail "the worker did not log the default ring in blocks mode"
lone_packet
slow_stream
stop_daemon

note "--- the smallest ring, on a jumbo-frame input"
must ip -n "$SRC" link set s0 mtu 9000
must ip -n "$RELAY" link set rin mtu 9000
{
	conf_global
	conf_rule low rin 239.1.1.1 5000 "rout1 239.2.2.2:6000"
} >"$TMP/small.conf"
sed -i '/^control-socket/a ring-block-size = 4k\nring-blocks = 2' "$TMP/small.conf"
start_daemon "$TMP/small.conf"
log_has 'receive ring: 2 frames of [0-9]+ bytes' ||
    fail "the worker did not log a frames ring of 2 jumbo frames"
lone_packet
slow_stream
stop_daemon
sed -i '/^control-socket/a ring-mode = blocks\nring-block-timeout = 2' "$TMP/small.conf"
start_daemon "$TMP/small.conf"
log_has 'receive ring: 2 blocks of 12288 bytes, handed over after 2 ms' ||
    fail "the worker did not log a ring of 2 blocks raised to 12288 bytes"
lone_packet
slow_stream
stop_daemon

pass "a lone packet and 20 packets at 10/s forwarded promptly: frames and blocks, default and smallest ring"
