#ifndef MCRELAY_FORWARD_H
#define MCRELAY_FORWARD_H

#include <linux/if_packet.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/frag.h"
#include "lib/packet.h"
#include "lib/ring.h"
#include "lib/rules.h"
#include "lib/worker_conf.h"

#define FWD_VNET_LEN 16	/* room for struct virtio_net_hdr (10 bytes) */
#define FWD_BATCH 256

struct fwd_stats {
	uint64_t rx_packets, rx_bytes;
	uint64_t no_match, malformed, not_udp, fragments, ttl_expired;
	uint64_t vlan;		/* tagged for a VLAN without rules, or QinQ */
	uint64_t send_errors, too_big, ring_drops, egress_full;
	uint64_t ipv6_ext;	/* an IPv6 extension chain not walked (packet.h) */
};

/* A batch of messages waiting for one egress socket. */
struct egress_batch {
	unsigned count;
	struct mmsghdr msgs[FWD_BATCH];
	struct iovec iov[FWD_BATCH][2];
	struct rule_output *owner[FWD_BATCH];
	/* A virtio_net_hdr (the egress sockets have PACKET_VNET_HDR), then the headers. */
	_Alignas(8) uint8_t hdr[FWD_BATCH][FWD_VNET_LEN + PKT_MAX_HDR];
};

struct fwd {
	int ingress_fd;
	char ifname[IF_NAMESIZE];
	struct ring ring;	/* ingress_fd's receive ring, mapped */
	struct egress *egress;
	struct egress_batch *batch;	/* one per egress */
	unsigned n_egress;
	struct rule_table table;
	struct frag_cache *frags;	/* later fragments follow their first */
	struct fwd_stats stats;
	uint64_t now_ns;	/* CLOCK_MONOTONIC, taken once per wake-up */
};

/* Uses ring, mapped on ingress_fd; the caller unmaps it when the socket goes. */
int fwd_init(struct fwd *f, int ingress_fd, const char *ifname, const struct ring *ring);
void fwd_free(struct fwd *f);
/* The egress sockets to send through (owned by the caller); -1 if out of memory. */
int fwd_set_egress(struct fwd *f, struct egress *egress, unsigned n);

/*
 * Forwards the frames (or blocks) the kernel has handed over (bounded),
 * giving each back once what was queued from it has been sent.
 */
void fwd_input(struct fwd *f);

/* Recomputes every rule's and output's rate over the dt_ns since the last call. */
void fwd_update_rates(struct fwd *f, uint64_t dt_ns);

/* Adds the kernel's ring drop count (PACKET_STATISTICS) to the stats. */
void fwd_collect_kernel_stats(struct fwd *f);

#endif
