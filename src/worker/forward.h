#ifndef MCRELAY_FORWARD_H
#define MCRELAY_FORWARD_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/frag.h"
#include "lib/packet.h"
#include "lib/ring.h"
#include "lib/rules.h"
#include "lib/txring.h"
#include "lib/worker_conf.h"

struct fwd_stats {
	uint64_t rx_packets, rx_bytes;
	uint64_t no_match, malformed, not_udp, fragments, ttl_expired;
	uint64_t vlan;		/* tagged for a VLAN without rules, or QinQ */
	uint64_t send_errors, too_big, egress_full;
	uint64_t ipv6_ext;	/* an IPv6 extension chain not walked (packet.h) */
	uint64_t kernel_path;	/* left to the kernel path, which relays them */
};

/*
 * Which frames the input's kernel path (its tc program) relays, as far
 * as this worker knows (handoff.h: HO_COMMIT's kpath_generation).  The
 * worker skips exactly those and forwards the rest, so that each frame
 * goes out once.
 */
enum fwd_kpath {
	FWD_KPATH_NONE,		/* no program, or not known which: skip nothing */
	FWD_KPATH_SETTLED,	/* the program runs this table's rules */
	FWD_KPATH_BOTH,		/* it runs kpath_prev's, or this table's from any moment */
};

/* Who a transmit ring slot's frame is for, until the kernel takes it. */
struct fwd_slot {
	struct rule_output *owner;
	uint32_t bytes;		/* IP bytes, for the output's byte count */
};

/*
 * An egress socket as the forwarding code uses it.  An output interface's
 * socket has its transmit ring mapped, with a slot record per frame; a
 * udp output's socket sends each payload at once and has neither.
 */
struct fwd_out {
	struct txring ring;
	struct fwd_slot *slots;
	uint64_t serial;	/* the socket's (egress.serial): kept across configurations */
};

struct fwd {
	char ifname[IF_NAMESIZE];
	struct ring *ring;	/* the ingress socket's receive ring, mapped: the worker's */
	const struct egress *egress;
	struct fwd_out *out;	/* one per egress socket */
	unsigned n_egress;
	struct rule_table table;
	struct frag_cache *frags;	/* later fragments follow their first */
	enum fwd_kpath kpath;
	const struct rule_table *kpath_prev;	/* FWD_KPATH_BOTH: the caller's */
	uint32_t in_mtu;	/* the input's: a longer IP packet came as one GSO packet */
	struct fwd_stats stats;
	uint64_t now_ns;	/* CLOCK_MONOTONIC, taken once per wake-up */
};

/* Reads ring, the caller's, which it keeps mapped for as long as f is used. */
int fwd_init(struct fwd *f, const char *ifname, struct ring *ring);
/* Unmaps the transmit rings and frees what fwd_init and fwd_set_egress allocated. */
void fwd_free(struct fwd *f);

/*
 * The egress sockets of a new configuration (owned by the caller, kept
 * until the next call).  A transmit ring already mapped for the same
 * socket (same serial) is taken over from old; the others are mapped
 * here and old's are unmapped.  -1 if a ring cannot be mapped or memory
 * is short: then f and old are as they were.
 */
int fwd_set_egress(struct fwd *f, struct fwd *old, const struct egress *egress, unsigned n);

/*
 * Forwards the frames (or blocks) the kernel has handed over (bounded),
 * giving each back once what was queued from it has been sent.
 */
void fwd_input(struct fwd *f);
/*
 * Forwards what the ring holds now, at most one ring's worth: before the
 * worker learns that the kernel path runs another table, every frame the
 * previous program saw is dealt with as it was.
 */
void fwd_drain(struct fwd *f);

/* Recomputes every rule's and output's rate over the dt_ns since the last call. */
void fwd_update_rates(struct fwd *f, uint64_t dt_ns);

#endif
