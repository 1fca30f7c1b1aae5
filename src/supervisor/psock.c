#include "config.h"

#include "supervisor/psock.h"

#include "lib/bpf.h"
#include "common/log.h"
#include "common/ring_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int psock_iface_lookup(const char *name, struct iface_info *info)
{
	struct ifreq ifr;
	int fd, rc = -1;

	memset(info, 0, sizeof(*info));
	snprintf(info->name, sizeof(info->name), "%s", name);
	info->ifindex = (int)if_nametoindex(name);
	if (info->ifindex == 0)
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		goto out;
	memcpy(info->mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0)
		goto out;
	info->mtu = (unsigned)ifr.ifr_mtu;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		goto out;
	info->up = (ifr.ifr_flags & IFF_UP) != 0;
	rc = 0;
out:
	close(fd);
	return rc;
}

static int bind_packet(int fd, int ifindex, uint16_t protocol)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(protocol),
		.sll_ifindex = ifindex,
	};

	return bind(fd, (struct sockaddr *)&sll, sizeof(sll));
}

int psock_set_filter(int fd, const struct bpf_match *m)
{
	struct sock_filter prog[BPF_MAX_INSNS];
	struct sock_fprog fprog = { .filter = prog };

	fprog.len = (unsigned short)bpf_build_filter(m, prog);
	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog));
}

/*
 * A locked filter cannot be replaced or removed, not even by root: the
 * sockets a worker holds (egress and udp ones) can never be made to
 * capture.  An ingress socket stays with the supervisor, which replaces
 * its filter in place when the groups change.
 */
static int lock_filter(int fd)
{
	int one = 1;

	return setsockopt(fd, SOL_SOCKET, SO_LOCK_FILTER, &one, sizeof(one));
}

int psock_open_ingress(int ifindex, const struct bpf_match *m, const struct ring_params *ring)
{
	int one = 1;
	int fd;

	/*
	 * Protocol 0 until the filter and the ring are set up, so that nothing
	 * unfiltered, and nothing outside the ring, is queued; binding with
	 * ETH_P_ALL then starts the capture.
	 */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (psock_set_filter(fd, m) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0 ||
	    ring_setup(fd, ring) < 0)
		goto fail;
	if (bind_packet(fd, ifindex, ETH_P_ALL) < 0)
		goto fail;
	return fd;
fail:
	{
		int saved = errno;

		close(fd);
		errno = saved;
	}
	return -1;
}

uint64_t psock_ring_drops(int fd)
{
	/* The v3 layout is the v2 one with a field more: enough for either. */
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof(st);

	if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) < 0)
		return 0;
	return st.tp_drops;
}

/*
 * The kernel's flow hash keeps the frames of one flow (addresses, protocol
 * and ports) on one socket of the group, hence in order on one worker.
 * IP fragments carry no ports, so the hash of every fragment of a datagram
 * is that of its addresses alone, and they all reach the same worker too,
 * in order.  Not PACKET_FANOUT_FLAG_DEFRAG: that would reassemble
 * fragmented datagrams before the hash, and the sockets would then receive
 * them whole, larger than the outputs' MTU.  A new group gets an id from
 * the kernel (PACKET_FANOUT_FLAG_UNIQUEID), so no other program's group is
 * joined by chance.
 */
int psock_fanout_join(int fd, int *id)
{
	int arg = PACKET_FANOUT_HASH << 16;
	socklen_t len = sizeof(arg);

	if (*id >= 0)
		arg |= *id & 0xffff;
	else
		arg |= PACKET_FANOUT_FLAG_UNIQUEID << 16;
	if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)) < 0)
		return -1;
	if (*id < 0) {
		if (getsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, &len) < 0)
			return -1;
		*id = arg & 0xffff;
	}
	return 0;
}

int psock_open_egress(int ifindex, const struct txring_params *tx)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	int size = 4 * 1024 * 1024, one = 1;
	struct sock_filter drop_all = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog fprog = { .len = 1, .filter = &drop_all };

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	/*
	 * Every frame starts with a virtio_net_hdr: partial checksums stay
	 * partial.  It receives nothing with protocol 0, and the locked
	 * drop-all filter would keep it so if it were ever bound to capture.
	 * Bound to its interface, an address-less send goes out there alone.
	 */
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) < 0 ||
	    lock_filter(fd) < 0 || txring_setup(fd, tx) < 0 || bind_packet(fd, ifindex, 0) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* The protocol-independent (RFC 3678) requests serve both families. */
static void put_sockaddr(struct sockaddr_storage *ss, const struct addr *a)
{
	memset(ss, 0, sizeof(*ss));
	if (addr_is_v4(a)) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = addr_v4(a);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a->b, 16);
	}
}

static int join_on(int fd, int ifindex, const struct addr *group, const struct addr *source)
{
	int level = addr_is_v4(group) ? IPPROTO_IP : IPPROTO_IPV6;

	if (addr_is_set(source)) {
		struct group_source_req req = { .gsr_interface = (uint32_t)ifindex };

		put_sockaddr(&req.gsr_group, group);
		put_sockaddr(&req.gsr_source, source);
		return setsockopt(fd, level, MCAST_JOIN_SOURCE_GROUP, &req, sizeof(req));
	}
	struct group_req req = { .gr_interface = (uint32_t)ifindex };

	put_sockaddr(&req.gr_group, group);
	return setsockopt(fd, level, MCAST_JOIN_GROUP, &req, sizeof(req));
}

int psock_membership_join(struct membership_set *m, int ifindex, const struct addr *group,
			  const struct addr *source)
{
	bool v4 = addr_is_v4(group);
	struct membership_socks *ms = v4 ? &m->v4 : &m->v6;

	m->ifindex = ifindex;
	/*
	 * Sockets fill up in order (igmp_max_memberships each): the last one is
	 * the one with room, and when it is full so are the others.  Only
	 * another error ((S,G) then (*,G) on one socket conflict) makes it worth
	 * trying every socket.
	 */
	if (ms->n_fds > 0) {
		if (join_on(ms->fds[ms->n_fds - 1], ifindex, group, source) == 0 ||
		    errno == EADDRINUSE)
			return 0;
		if (errno == ENOBUFS || errno == ENOMEM)
			goto new_socket;
	}
	for (size_t i = 0; i < ms->n_fds; i++) {
		if (join_on(ms->fds[i], ifindex, group, source) == 0)
			return 0;
		if (errno == EADDRINUSE)
			return 0;	/* already a member */
	}
new_socket:;
	int fd = socket(v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (join_on(fd, ifindex, group, source) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	int *fds = realloc(ms->fds, (ms->n_fds + 1) * sizeof(*fds));

	if (fds == NULL) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	ms->fds = fds;
	ms->fds[ms->n_fds++] = fd;
	return 0;
}

static void close_socks(struct membership_socks *ms)
{
	for (size_t i = 0; i < ms->n_fds; i++)
		close(ms->fds[i]);
	free(ms->fds);
}

void psock_membership_close(struct membership_set *m)
{
	close_socks(&m->v4);
	close_socks(&m->v6);
	memset(m, 0, sizeof(*m));
}

/* addr of u's family, in sa; returns its length. */
static socklen_t udp_sockaddr(sa_family_t family, const struct in6_addr *a, uint16_t port,
			      struct sockaddr_storage *sa)
{
	memset(sa, 0, sizeof(*sa));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		s6->sin6_addr = *a;
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)sa;

	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	memcpy(&s4->sin_addr, a, 4);
	return sizeof(*s4);
}

int psock_open_udp(const struct conf_udp *u)
{
	int fd = socket(u->family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int size = 4 * 1024 * 1024, ttl = u->ttl;
	struct sock_filter drop_all = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog fprog = { .len = 1, .filter = &drop_all };
	struct sockaddr_storage sa;
	socklen_t len;

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) < 0 ||
	    lock_filter(fd) < 0)
		goto fail;
	if (ttl && (u->family == AF_INET6
			    ? setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl))
			    : setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl))) < 0)
		goto fail;
	if (u->has_source) {
		len = udp_sockaddr(u->family, &u->source, 0, &sa);
		if (bind(fd, (struct sockaddr *)&sa, len) < 0)
			goto fail;
	}
	len = udp_sockaddr(u->family, &u->addr, u->port, &sa);
	if (connect(fd, (struct sockaddr *)&sa, len) < 0)
		goto fail;
	return fd;
fail:;
	int saved = errno;

	close(fd);
	errno = saved;
	return -1;
}
