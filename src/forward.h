#ifndef MCRELAY_FORWARD_H
#define MCRELAY_FORWARD_H

#include <linux/if_packet.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "frag.h"
#include "packet.h"
#include "ring.h"
#include "rules.h"

#define FWD_VNET_LEN 16	/* room for struct virtio_net_hdr (10 bytes) */
#define FWD_BATCH 256

struct fwd_stats {
	uint64_t rx_packets, rx_bytes;
	uint64_t no_match, malformed, not_udp, fragments, ttl_expired;
	uint64_t vlan;		/* tagged for a VLAN without rules, or QinQ */
	uint64_t send_errors, too_big, ring_drops, egress_full;
	uint64_t ipv6_ext;	/* an IPv6 extension chain not walked (packet.h) */
};

/*
 * Where outputs send, with a batch of messages waiting: an output
 * interface's packet socket (frames: headers built here, then the
 * payload), or a udp output's connected UDP socket (the payload alone).
 */
struct egress {
	int fd;
	int ifindex;
	unsigned mtu;
	uint8_t mac[6];
	char ifname[IF_NAMESIZE];
	bool udp;
	unsigned udp_overhead;	/* udp: IP and UDP header bytes the kernel adds */
	char label[64];		/* for the log: "eth1" or "udp 10.0.0.5:7000" */
	struct sockaddr_ll addr;
	struct sockaddr_ll addr_tagged;	/* protocol 802.1Q, for frames sent with a tag */
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
	unsigned n_egress;
	struct rule_table table;
	struct frag_cache *frags;	/* later fragments follow their first */
	struct fwd_stats stats;
	uint64_t now_ns;	/* CLOCK_MONOTONIC, taken once per wake-up */
};

/* Uses ring, mapped on ingress_fd; the caller unmaps it when the socket goes. */
int fwd_init(struct fwd *f, int ingress_fd, const char *ifname, const struct ring *ring);
void fwd_free(struct fwd *f);

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
