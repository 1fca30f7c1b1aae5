#!/usr/bin/env bash
# kpath_reload.sh: reloads under load that move rules between the kernel
# path and the packet path.  Rule keep stays on the kernel path
# throughout the first 10 reloads, which move rule move back and forth
# (a udp output added and taken away): keep loses and duplicates
# nothing; move loses nothing (while it changes path a datagram may go
# out both ways for the milliseconds of the hand-over: counted and shown).
# Then 6 reloads move the whole input (datapath = packet, then kernel):
# no rule loses anything.  The rules' counters in `status` add the paths
# up to what was sent, and the program's id changes with each plan.
. "$(dirname "$0")/lib.sh"
require_root
require_binaries
require_python

topo_basic
MCRELAY_DATAPATH=kernel
must ip -n "$DST2" route add default via 10.3.0.1
CFG=$TMP/reload.conf

# write_conf UDP DATAPATH: rule move with a udp output (packet path) or not.
write_conf() {
	{
		MCRELAY_DATAPATH=$2 conf_global
		conf_rule keep rin 239.1.1.1 5000 "rout1 239.9.9.9:6000"
		if [ "$1" = udp ]; then
			conf_rule move rin 239.1.1.2 5000 "rout1 239.9.9.10:6000" "udp 10.3.0.2:7000"
		else
			conf_rule move rin 239.1.1.2 5000 "rout1 239.9.9.10:6000"
		fi
	} >"$CFG.new"
	mv -f "$CFG.new" "$CFG"
}

# reload_to UDP DATAPATH KEEP_PATH MOVE_PATH: reloads and waits until
# both rules are on the paths given and the kernel path has settled.
reload_to() {
	write_conf "$1" "$2"
	ctl reload || fail "reload ($1, datapath $2): $(ctl_output)"
	wait_status 10 'rule("keep")["path"] + " " + rule("move")["path"]' "$3 $4"
}

write_conf none kernel
start_daemon "$CFG"
start_udprecv side "$DST2" -g 10.3.0.2 -p 7000 -T 100 -q 100000
start_recv keep "$DST1" d0 239.9.9.9 6000 -T 100 -q 3000
start_recv move "$DST1" d0 239.9.9.10 6000 -T 100 -q 3000
start_stream keep "$SRC" -g 239.1.1.1 -p 5000 -I s0 -r 3000 -t 16 -s 200
start_stream move "$SRC" -g 239.1.1.2 -p 5000 -I s0 -r 3000 -t 16 -s 200
wait_status 10 'rule("keep")["packets_in"] > 500' true

progs=()
for i in 1 2 3 4 5; do
	reload_to udp kernel kernel packet
	progs+=("$(status_get 'inp("rin")["program_id"]')")
	wait_status 10 'output("move", "10.3.0.2:7000")["packets_out"] > 0' true
	reload_to none kernel kernel kernel
	progs+=("$(status_get 'inp("rin")["program_id"]')")
done
note "programs: ${progs[*]}"
[ "$(printf '%s\n' "${progs[@]}" | sort -u | wc -l)" = "${#progs[@]}" ] ||
    fail "a new plan did not get a new program: ${progs[*]}"

stop_stream keep
keep_sent=$STREAM_SENT
expect_all keep "$keep_sent"
note "keep: $keep_sent sent, each once through 10 reloads"

start_recv keep2 "$DST1" d0 239.9.9.9 6000 -T 100 -q 3000
start_stream keep2 "$SRC" -g 239.1.1.1 -p 5000 -I s0 -r 3000 -t 16 -s 200
for i in 1 2 3; do
	reload_to none packet packet packet
	[ "$(status_get 'inp("rin")["kernel_path"]')" = none ] ||
	    fail "datapath = packet, and the input's program is $(status_eval 'inp("rin")')"
	reload_to none kernel kernel kernel
done
stop_stream keep2
keep2_sent=$STREAM_SENT
stop_stream move
move_sent=$STREAM_SENT

expect_recv_ok keep2 60
expect_field keep2 unique "$keep2_sent"
expect_recv_ok move 60
expect_field move unique "$move_sent"
note "move: $move_sent sent, none lost, $(recv_field move dup) twice during its 10 changes of path; keep: $(recv_field keep2 dup) twice while the whole input changed path 6 times"

# What each path relayed is counted: a datagram relayed twice, twice.
wait_status 10 'rule("keep")["packets_in"]' $((keep_sent + $(recv_field keep2 received)))
stop_daemon
pass "16 reloads moving rules between paths under load: nothing lost; the unchanged rule nothing twice"
