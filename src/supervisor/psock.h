#ifndef MCRELAY_PSOCK_H
#define MCRELAY_PSOCK_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/conf_types.h"
#include "lib/bpf.h"
#include "lib/ring_params.h"
#include "lib/txring.h"

/* AF_PACKET sockets and group memberships: the privileged edge of the supervisor. */

struct iface_info {
	char name[IF_NAMESIZE];
	int ifindex;
	uint8_t mac[6];
	unsigned mtu;
	bool up;
};

int psock_iface_lookup(const char *name, struct iface_info *info);

/*
 * Bound to ifindex, filtered to the groups, outgoing frames ignored, with
 * a receive ring.  It stays with the supervisor (a worker maps its ring),
 * which changes the filter in place: psock_set_filter.
 */
int psock_open_ingress(int ifindex, const struct bpf_match *m, const struct ring_params *ring);
int psock_set_filter(int fd, const struct bpf_match *m);
/* Frames the ring had no room for since the last call (PACKET_STATISTICS). */
uint64_t psock_ring_drops(int fd);
/*
 * Puts a bound ingress socket into a PACKET_FANOUT group in hash mode:
 * group *id, or a new one (its id stored in *id) if *id is negative.
 */
int psock_fanout_join(int fd, int *id);
/*
 * Bound to ifindex with protocol 0 and a locked drop-all filter, with a
 * transmit ring: it sends what its ring holds there, and receives nothing.
 */
int psock_open_egress(int ifindex, const struct txring_params *tx);

/*
 * A udp output's UDP socket: its TTL and source set, connected to its
 * destination (so that ICMP errors are reported on it), receiving nothing
 * (a locked drop-all filter).  -1 with errno: EADDRNOTAVAIL for a source
 * address not on this host (yet), ENETUNREACH for no route (yet).
 */
int psock_open_udp(const struct conf_udp *u);

/*
 * Group memberships on one interface (IGMP for IPv4, MLD for IPv6), spread
 * over as many sockets of each family as the per-socket limits
 * (igmp_max_memberships, igmp_max_msf, mld_max_msf) require.
 */
struct membership_socks {
	int *fds;
	size_t n_fds;
};

struct membership_set {
	struct membership_socks v4, v6;
	int ifindex;
};

/* source unset: any-source. */
int psock_membership_join(struct membership_set *m, int ifindex, const struct addr *group,
			  const struct addr *source);
void psock_membership_close(struct membership_set *m);

#endif
