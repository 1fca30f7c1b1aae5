#ifndef MCRELAY_KPATH_ABI_H
#define MCRELAY_KPATH_ABI_H

/*
 * What the kernel path's tc program (src/kernel/) and its loader
 * (supervisor/kpath.c, from lib/kpath_plan.c's plan) share: map keys and
 * values, the read-only configuration, the counters.  Fixed-size types
 * only, explicit padding, no pointers: this header is compiled both for
 * the host and for -target bpf, and may include nothing of the project.
 *
 * Addresses are 16 bytes as in lib/addr.h (IPv4 as ::ffff:a.b.c.d),
 * ports and addresses in network order as they lie in the frame.
 *
 * KERNEL-HANDLEABLE FRAMES.  The program relays a frame itself only if it
 * is all of the following, and otherwise returns TC_ACT_UNSPEC so that the
 * stack (and the worker's packet socket) deal with it.  The worker skips
 * a frame for a kernel-path rule exactly when kpath_handles()
 * (lib/kpath_plan.h) says so; the two must agree bit for bit.
 *
 *  - Ethernet, at least 14 bytes;
 *  - at most one VLAN tag, 802.1Q (TPID 0x8100), either in the skb's
 *    metadata (skb->vlan_present, vlan_proto 0x8100) with an untagged
 *    frame behind it, or in the frame with no second tag (0x8100 or
 *    0x88a8) behind it; its VID 1..4094 (PCP and DEI are ignored);
 *    no 802.1ad tag, no priority tag (VID 0), no VID 4095;
 *  - IPv4: version 4, ihl >= 5, a correct header checksum, total length
 *    >= ihl * 4 + 8 and within the frame, not a fragment (MF clear and
 *    offset 0), protocol UDP, UDP length == total length - ihl * 4,
 *    destination multicast (224.0.0.0/4);
 *  - IPv6: version 6, next header UDP directly (no extension header),
 *    payload length >= 8 and within the frame, UDP length == payload
 *    length, destination multicast (ff00::/8), source not IPv4-mapped
 *    (::ffff:0:0/96, which lib/addr.h could not tell from an IPv4 source);
 *  - not a GSO packet (the skb's gso_size 0; the worker learns it from
 *    the ring's virtio header).
 *
 * Frame length is the skb's length at tc ingress (a metadata tag not
 * counted), which is what the packet socket captures.  Bytes after the IP
 * packet (Ethernet padding) are allowed, and not relayed: the program
 * trims them, as the worker sends the IP packet alone.
 */

#include <linux/types.h>

#define KPATH_MAX_OUTPUTS 16
/*
 * Prefix and range rules per input.  The program tries them in a bounded
 * loop that the verifier walks entry by entry: about 430 instructions
 * processed for each (tests/kernel/test_kpath_load.c prints the figures).
 * At 256 the whole program, 16 outputs and every kind of exact rule
 * included, takes about 120,000 of the verifier's 1,000,000, room to
 * grow; and the loop's worst case, 256 short compares per packet, stays
 * below the cost of the rest.  An input with more falls back to the packet
 * path as a whole: exact precedence needs every one of them in the map.
 */
#define KPATH_MAX_WIDE 256
/* Counter slots per input: rules a supervisor may number (the daemon handles 10,000). */
#define KPATH_MAX_SLOTS 65536

/* Which kinds of exact rule occur: the hash is probed only for those (as rules.c). */
#define KPATH_KIND_ANY 1
#define KPATH_KIND_SRC 2
#define KPATH_KIND_PORT 4
#define KPATH_KIND_PORT_SRC 8

/* Exact rules: one group, one port or any, one source or any. */
struct kpath_exact_key {
	__u8 group[16];
	__u8 source[16];	/* all zero: any source */
	__be16 port;		/* 0: any port */
	__u16 vlan;		/* VID received on; 0: untagged */
};

/* A rule the match found: for the exact hash's value and in each wide entry. */
#define KPATH_MATCH_PACKET 0x1	/* the packet path relays it: TC_ACT_UNSPEC */

struct kpath_match {
	__u64 spec;		/* specificity as rules.c's spec_of */
	__u32 rule;		/* index into the rules map (kernel-path rules only) */
	__u32 flags;		/* KPATH_MATCH_* */
};

/*
 * Prefix and range rules, most specific first (rules.c's order): a
 * packet's group and source match where (addr & mask) == net, 16 bytes
 * at a time, family included (an IPv4 mask covers ::ffff:0:0/96 too).
 */
struct kpath_wide {
	struct kpath_match m;
	__u64 group[2], group_mask[2];
	__u64 source[2], source_mask[2];	/* mask 0: any source */
	__u16 vlan;
	__u16 port_lo, port_hi;	/* host order; port_lo 0: any port */
	__u16 pad;
};

/* enum pkt_ttl_mode's values */
#define KPATH_TTL_DECREMENT 0
#define KPATH_TTL_KEEP 1
#define KPATH_TTL_SET 2

/* Upstream loss watched (kernel/monitor.h); monitor = mpegts takes the packet path. */
#define KPATH_MONITOR_OFF 0
#define KPATH_MONITOR_RTP 1
/* RTP streams the program tracks per input (an LRU map shared by the input's rules). */
#define KPATH_RTP_STREAMS 4096

/* An RTP stream of a monitored rule (kernel/monitor.h): the key of its state. */
struct kpath_rtp_key {
	__u8 source[16], group[16];
	__be16 sport, dport;
	__u32 ssrc;
	__u32 slot;		/* the rule's counter slot */
	__u32 pad;
};

/* A kernel-path rule: its outputs are outputs[first_out .. first_out + n_out). */
struct kpath_rule {
	__u32 slot;		/* counter slot, stable across reloads */
	__u32 first_out;
	__u8 n_out;		/* in configuration order, pending ones included */
	__u8 ttl_mode;		/* KPATH_TTL_* */
	__u8 ttl;		/* with KPATH_TTL_SET */
	__u8 monitor;		/* KPATH_MONITOR_* */
	__u8 pad[4];
};

#define KPATH_OUT_PENDING 0x1	/* interface absent or down: skipped, counters kept */
#define KPATH_OUT_KEEP_GROUP 0x2	/* a prefix rule's output: each packet keeps its group */

struct kpath_output {
	__u8 group[16];		/* destination, unless KEEP_GROUP */
	__u32 ifindex;
	__u32 mtu;		/* an IP packet longer than this is too big */
	__u8 dst_mac[6];	/* of group, unless KEEP_GROUP */
	__u8 src_mac[6];	/* the output interface's */
	__be16 port;		/* 0 keeps the packet's */
	__u16 vlan;		/* VID to send tagged with; 0: untagged */
	__u8 flags;		/* KPATH_OUT_* */
	__u8 pad[7];
};

/* Read-only data of one program instance, set before it is loaded. */
struct kpath_config {
	__u32 kinds;		/* KPATH_KIND_* of the exact rules */
	__u32 n_wide;		/* entries in the wide map, at most KPATH_MAX_WIDE */
	__u64 l4_v6_flags;	/* BPF_F_IPV6 where the kernel has it (6.16+), else 0 */
};

/*
 * A monitored rule's upstream counts, as lib/monitor.h's struct
 * monitor_counts (field for field; evicted stays 0: an LRU map does not
 * say what it evicts).
 */
struct kpath_monitor_counters {
	__u64 missing, filled, errors, reordered, duplicates, resyncs, invalid, sources, evicted;
};

/* Per CPU, by slot. */
struct kpath_rule_counters {
	__u64 packets_in, bytes_in;	/* bytes: IP length */
	__u64 ttl_expired;
	__u64 last_packet_ns;	/* bpf_ktime_get_ns: CLOCK_MONOTONIC */
	struct kpath_monitor_counters monitor;	/* monitor = rtp */
};

/* Per CPU, by slot * KPATH_MAX_OUTPUTS + the output's index in the configured rule. */
struct kpath_output_counters {
	__u64 packets, bytes;	/* bytes: IP length as sent */
	__u64 too_big;		/* longer than the output's MTU */
	__u64 errors;		/* a clone, rewrite or tag that failed */
};

/* Per CPU, one entry: what the program did with the input's frames. */
struct kpath_totals {
	__u64 handled;		/* relayed (or dropped by TTL or MTU) in the kernel */
	__u64 not_handleable;	/* passed: not a frame the kernel path handles */
	__u64 no_rule;		/* passed: no rule matches */
	__u64 packet_path;	/* passed: the best rule is the packet path's */
};

#ifndef __bpf__
_Static_assert(sizeof(struct kpath_exact_key) == 36, "kpath_exact_key layout");
_Static_assert(sizeof(struct kpath_match) == 16, "kpath_match layout");
_Static_assert(sizeof(struct kpath_wide) == 88, "kpath_wide layout");
_Static_assert(sizeof(struct kpath_rule) == 16, "kpath_rule layout");
_Static_assert(sizeof(struct kpath_rtp_key) == 48, "kpath_rtp_key layout");
_Static_assert(sizeof(struct kpath_output) == 48, "kpath_output layout");
_Static_assert(sizeof(struct kpath_config) == 16, "kpath_config layout");
_Static_assert(sizeof(struct kpath_monitor_counters) == 72, "kpath_monitor_counters layout");
_Static_assert(sizeof(struct kpath_rule_counters) == 104, "kpath_rule_counters layout");
_Static_assert(sizeof(struct kpath_output_counters) == 32, "kpath_output_counters layout");
_Static_assert(sizeof(struct kpath_totals) == 32, "kpath_totals layout");
#endif

#endif
