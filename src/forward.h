#ifndef MCRELAY_FORWARD_H
#define MCRELAY_FORWARD_H

#include <linux/if_packet.h>
#include <net/if.h>
#include <stdint.h>
#include <sys/socket.h>

#include "frag.h"
#include "packet.h"
#include "rules.h"

#define FWD_BATCH 64

struct fwd_stats {
	uint64_t rx_packets, rx_bytes;
	uint64_t no_match, malformed, not_udp, fragments, ttl_expired;
	uint64_t send_errors, too_big, ring_drops;
};

/* One output interface, with a batch of frames waiting to be sent. */
struct egress {
	int fd;
	int ifindex;
	unsigned mtu;
	uint8_t mac[6];
	char ifname[IF_NAMESIZE];
	struct sockaddr_ll addr;
	unsigned count;
	struct mmsghdr msgs[FWD_BATCH];
	struct iovec iov[FWD_BATCH][2];
	struct rule_output *owner[FWD_BATCH];
	uint8_t hdr[FWD_BATCH][PKT_MAX_HDR];
};

struct fwd {
	int ingress_fd;
	char ifname[IF_NAMESIZE];
	size_t frame_size;
	struct egress *egress;
	unsigned n_egress;
	struct rule_table table;
	struct frag_cache *frags;	/* later fragments follow their first */
	struct fwd_stats stats;
	uint64_t now_ns;	/* CLOCK_MONOTONIC, taken once per wake-up */
	uint8_t *rx_buf;
	struct mmsghdr rx_msgs[FWD_BATCH];
	struct iovec rx_iov[FWD_BATCH];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} rx_cmsg[FWD_BATCH];
};

/* Allocates receive buffers for frames up to mtu bytes of IP. */
int fwd_init(struct fwd *f, int ingress_fd, const char *ifname, unsigned mtu);
void fwd_free(struct fwd *f);

/* Reads what is queued on the ingress socket (bounded) and forwards it. */
void fwd_input(struct fwd *f);

/* Recomputes every rule's and output's rate over the dt_ns since the last call. */
void fwd_update_rates(struct fwd *f, uint64_t dt_ns);

/* Adds the kernel's ring drop count (PACKET_STATISTICS) to the stats. */
void fwd_collect_kernel_stats(struct fwd *f);

#endif
