/*
 * mcrecv: capture the datagrams mcsend sent, as they appear on the wire
 * of one interface, and check everything a relay could get wrong:
 * header checksums, the Ethernet multicast MAC, the payload, the TTL,
 * losses and duplicates.  A test tool for mcrelay.
 *
 * mcrecv -I IFNAME -g GROUP -p PORT [-n EXPECTED] [-T TIMEOUT_S]
 *        [-R READYFILE] [-x TTL] [-q QUIET_MS] [-v] [-L] [-W WARMUP_MS] [-u] [-X]
 *
 * With -X any payload is taken (mcsend --rtp, --mpegts): each datagram
 * counts as unique, and the summary ends with digest=HEX over the payloads
 * in the order they came (tool_digest), which equals mcsend's only if
 * every datagram arrived unchanged and in order.
 *
 * With -u, GROUP is a unicast address of this host (a relay's udp output
 * sends there): no multicast MAC is expected, and a UDP socket bound to
 * PORT, never read, keeps the host from answering with ICMP errors.
 *
 * With -L it also measures one-way latency: the send time mcsend -L put
 * in the payload against the kernel's receive timestamp of the frame
 * (SO_TIMESTAMPNS; a clock read right after recvmsg when the kernel gave
 * none).  Both are CLOCK_REALTIME, which every network namespace shares.
 *
 * It reads an AF_PACKET socket rather than a UDP socket so that it sees
 * the frame exactly as the relay built it, and needs no group membership.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* ppoll, struct ip_mreqn */
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mcpayload.h"
#include "tool.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define MAX_SEQ		10000000u	/* sequence numbers tracked: 0..MAX_SEQ-1 */
#define MAX_SRCS	4		/* distinct source addresses reported */
#define RCVBUF_BYTES	(64 * 1024 * 1024)
#define FRAME_MAX	65600
#define NSEC_PER_SEC	1000000000ll
#define LAT_BUCKET_NS	100		/* latency histogram resolution */
#define LAT_BUCKETS	500000		/* up to 50 ms; beyond: max only */

struct options {
	const char	*ifname;
	struct in_addr	group;
	uint16_t	port;
	unsigned long	expected;	/* 0: not given */
	double		timeout_s;	/* 0: none */
	const char	*readyfile;
	int		want_ttl;	/* -1: not given */
	long		quiet_ms;	/* 0: not given */
	int		verbose;
	int		latency;	/* -L */
	unsigned	vid;		/* -Q: the 802.1Q VID expected; 0: no tag */
	long		warmup_ms;	/* -W */
	int		unicast;	/* -u */
	int		any;		/* -X */
};

struct stats {
	unsigned long	received, unique, dup;
	unsigned long	bad_ip_csum, bad_udp_csum, csum_partial;
	unsigned long	bad_mac, bad_payload, bad_ttl;
	unsigned long	bad_vlan;	/* not tagged as -Q says (untagged by default) */
	unsigned long	kdrops;
	int		ttl_min, ttl_max;
	int		have_seq;
	uint32_t	max_seq;
	struct in_addr	srcs[MAX_SRCS];
	int		nsrcs;
	int		more_srcs;
	uint64_t	digest;		/* -X */
	unsigned long	reordered;	/* unique, but below a number seen before */
	/* -L */
	int64_t		first_rx_ns;	/* CLOCK_MONOTONIC of the first of ours */
	unsigned long	lat_n, lat_user, lat_neg, lat_over;
	int64_t		lat_min, lat_max;
};

static uint8_t seen[MAX_SEQ / 8];
static uint32_t lat_hist[LAT_BUCKETS];
static volatile sig_atomic_t stop_requested;


static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("mcrecv: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fputs("usage: mcrecv -I IFNAME -g GROUP -p PORT [-n EXPECTED] [-T TIMEOUT_S]\n"
	    "              [-R READYFILE] [-x TTL] [-q QUIET_MS] [-v] [-L] [-W MS] [-u]\n"
	    "  -n EXPECTED  stop after this many unique sequence numbers (max 10000000)\n"
	    "  -T SECONDS   stop after this long, 0 = never (default 10)\n"
	    "  -R FILE      create FILE once the capture socket is bound\n"
	    "  -x TTL       every packet must carry exactly this TTL\n"
	    "  -q MS        stop after MS milliseconds without a packet, once one came\n"
	    "  -v           describe each bad packet on stderr (the first 100)\n"
	    "  -L           measure latency from the send time in the payload (mcsend -L)\n"
	    "  -W MS        -L: leave out packets received in the first MS ms\n"
	    "  -u           GROUP is a unicast address of this host (no MAC check)\n"
	    "  -Q VID       every packet must carry one 802.1Q tag with this VID, in\n"
	    "               the frame or in the metadata (default: no tag)\n"
	    "  -X           any payload: count datagrams, print digest=HEX of the payloads\n",
	    stderr);
	exit(1);
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	int c, have_group = 0, have_port = 0;
	char *end;

	memset(o, 0, sizeof(*o));
	o->timeout_s = 10;
	o->want_ttl = -1;
	const char *group = NULL;

	while ((c = getopt(argc, argv, "I:g:p:n:T:R:x:q:vLW:Q:uXh")) != -1) {
		switch (c) {
		case 'X':
			o->any = 1;
			break;
		case 'I':
			o->ifname = optarg;
			break;
		case 'g':
			group = optarg;
			have_group = 1;
			break;
		case 'u':
			o->unicast = 1;
			break;
		case 'p':
			o->port = (uint16_t)parse_ulong(optarg, 1, 65535, 'p');
			have_port = 1;
			break;
		case 'n':
			o->expected = parse_ulong(optarg, 1, MAX_SEQ, 'n');
			break;
		case 'T':
			errno = 0;
			o->timeout_s = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    !(o->timeout_s >= 0 && o->timeout_s < 1e6))
				die("-T: '%s' is not a number of seconds", optarg);
			break;
		case 'R':
			o->readyfile = optarg;
			break;
		case 'x':
			o->want_ttl = (int)parse_ulong(optarg, 0, 255, 'x');
			break;
		case 'q':
			o->quiet_ms = (long)parse_ulong(optarg, 1, 86400000, 'q');
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'Q':
			o->vid = (unsigned)parse_ulong(optarg, 1, 4094, 'Q');
			break;
		case 'L':
			o->latency = 1;
			break;
		case 'W':
			o->warmup_ms = (long)parse_ulong(optarg, 0, 86400000, 'W');
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o->ifname == NULL || !have_group || !have_port)
		usage();
	if (inet_pton(AF_INET, group, &o->group) != 1 ||
	    (!o->unicast && !IN_MULTICAST(ntohl(o->group.s_addr))))
		die("-g: '%s' is not an IPv4 %s", group,
		    o->unicast ? "address" : "multicast group");
}


/*
 * Opens the capture socket.  It is created with protocol 0, which
 * delivers nothing, and only then bound to the interface with ETH_P_ALL,
 * so no frame from another interface can slip in before the bind.
 */
static int
open_capture(const struct options *o)
{
	struct sockaddr_ll sll;
	struct packet_mreq mr;
	int fd, one = 1, rcvbuf = RCVBUF_BYTES, ifindex;

	ifindex = (int)if_nametoindex(o->ifname);
	if (ifindex == 0)
		die("-I %s: %s", o->ifname, strerror(errno));
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket(AF_PACKET): %s", strerror(errno));
	if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0)
		die("PACKET_IGNORE_OUTGOING: %s", strerror(errno));
	if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0)
		die("PACKET_AUXDATA: %s", strerror(errno));
	if (o->latency &&
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0)
		die("SO_TIMESTAMPNS: %s", strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0)
		die("SO_RCVBUF: %s", strerror(errno));

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		die("bind %s: %s", o->ifname, strerror(errno));

	/*
	 * Promiscuous mode, so that a frame with a wrong destination MAC
	 * reaches us to be counted as bad_mac even on hardware that filters.
	 * The kernel drops the membership when the socket closes.
	 */
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
		die("PACKET_ADD_MEMBERSHIP: %s", strerror(errno));
	return fd;
}

/* -u: a bound UDP socket, so that datagrams to PORT are not answered with ICMP errors. */
static int
open_sink(const struct options *o)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(o->port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("UDP socket on port %u: %s", o->port, strerror(errno));
	return fd;
}

/* Writes the readyfile under a temporary name first so it appears whole. */

static uint32_t
sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len == 1)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static unsigned
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* True when the ones' complement sum over the data, checksum included, is all ones. */
static int
sum_ok(uint32_t sum)
{
	return fold(sum) == 0xffff;
}

static void
note_source(struct stats *st, struct in_addr src)
{
	for (int i = 0; i < st->nsrcs; i++)
		if (st->srcs[i].s_addr == src.s_addr)
			return;
	if (st->nsrcs < MAX_SRCS)
		st->srcs[st->nsrcs++] = src;
	else
		st->more_srcs = 1;
}

static void
note_seq(struct stats *st, uint32_t seq)
{
	uint8_t bit = (uint8_t)(1u << (seq & 7));

	if (seen[seq >> 3] & bit) {
		st->dup++;
		return;
	}
	seen[seq >> 3] |= bit;
	st->unique++;
	if (st->have_seq && seq < st->max_seq)
		st->reordered++;
	if (!st->have_seq || seq > st->max_seq)
		st->max_seq = seq;
	st->have_seq = 1;
}

static void complain(const struct options *o, const uint8_t *udp, size_t ulen,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * With -v, describes a bad packet on stderr: what is wrong, and the
 * sequence number it claims if its payload goes that far.
 */
static void
complain(const struct options *o, const uint8_t *udp, size_t ulen,
    const char *fmt, ...)
{
	static unsigned long n;
	va_list ap;

	if (!o->verbose || ++n > 100)
		return;
	fputs("mcrecv: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (ulen >= 16)
		fprintf(stderr, " (seq %lu)", (unsigned long)((uint32_t)udp[12] << 24 |
		    (uint32_t)udp[13] << 16 | (uint32_t)udp[14] << 8 | udp[15]));
	fputc('\n', stderr);
}

/*
 * Adds one latency sample: rx_ns (CLOCK_REALTIME; 0 if the kernel gave no
 * timestamp) less the send time tx_ns.
 */
static void
note_latency(const struct options *o, struct stats *st, uint64_t tx_ns,
    int64_t rx_ns)
{
	int64_t mono = now_ns(), lat;

	if (st->first_rx_ns == 0)
		st->first_rx_ns = mono;
	if (tx_ns == 0 || mono - st->first_rx_ns < o->warmup_ms * 1000000)
		return;
	if (rx_ns == 0) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		rx_ns = (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
		st->lat_user++;
	}
	lat = rx_ns - (int64_t)tx_ns;
	if (lat < 0) {
		st->lat_neg++;
		lat = 0;
	}
	if (st->lat_n == 0 || lat < st->lat_min)
		st->lat_min = lat;
	if (st->lat_n == 0 || lat > st->lat_max)
		st->lat_max = lat;
	st->lat_n++;
	if (lat / LAT_BUCKET_NS < LAT_BUCKETS)
		lat_hist[lat / LAT_BUCKET_NS]++;
	else
		st->lat_over++;
}

/*
 * Examines one captured frame.  Returns 1 when it was one of ours
 * (IPv4, UDP, to GROUP:PORT), 0 when it was unrelated traffic.
 * rx_ns is the kernel's receive timestamp (CLOCK_REALTIME), 0 if none.
 */
static int
handle_frame(const struct options *o, struct stats *st, const uint8_t *f,
    size_t len, int csum_not_ready, int64_t rx_ns, int meta_vid)
{
	int tags = meta_vid >= 0, vid = meta_vid;
	const uint8_t *ip, *udp;
	uint64_t tx_ns;
	uint32_t group = ntohl(o->group.s_addr), seq;
	size_t off = 12, ihl, tot, ulen;
	uint16_t type, frag;
	struct in_addr src;
	int ttl;

	if (len < 14)
		return 0;
	type = (uint16_t)(f[off] << 8 | f[off + 1]);
	while ((type == ETH_P_8021Q || type == ETH_P_8021AD) && len >= off + 8) {
		if (tags++ == 0)
			vid = (f[off + 2] << 8 | f[off + 3]) & 0x0fff;
		off += 4;
		type = (uint16_t)(f[off] << 8 | f[off + 1]);
	}
	if (type != ETH_P_IP)
		return 0;
	ip = f + off + 2;
	len -= off + 2;
	if (len < 20 || ip[0] >> 4 != 4 || ip[9] != IPPROTO_UDP)
		return 0;
	if (((uint32_t)ip[16] << 24 | (uint32_t)ip[17] << 16 |
	    (uint32_t)ip[18] << 8 | ip[19]) != group)
		return 0;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (ihl < 20 || len < ihl + 8)
		return 0;
	udp = ip + ihl;
	if ((uint16_t)(udp[2] << 8 | udp[3]) != o->port)
		return 0;
	frag = (uint16_t)(ip[6] << 8 | ip[7]);
	if (frag & 0x1fff)
		return 0;	/* a later fragment that happens to look like ours */

	st->received++;
	if (tags != (o->vid != 0) || (o->vid != 0 && vid != (int)o->vid)) {
		st->bad_vlan++;
		if (o->verbose)
			fprintf(stderr, "mcrecv: %d tags, VID %d, expected %s %u\n", tags, vid,
			    o->vid ? "VID" : "no tag", o->vid);
	}
	memcpy(&src, ip + 12, 4);
	note_source(st, src);
	ttl = ip[8];
	if (st->received == 1 || ttl < st->ttl_min)
		st->ttl_min = ttl;
	if (st->received == 1 || ttl > st->ttl_max)
		st->ttl_max = ttl;
	tot = (size_t)(ip[2] << 8 | ip[3]);
	ulen = (size_t)(udp[4] << 8 | udp[5]);
	if (ulen > len - ihl)
		ulen = len - ihl;	/* what complain may read */
	if (o->want_ttl >= 0 && ttl != o->want_ttl) {
		st->bad_ttl++;
		complain(o, udp, ulen, "bad_ttl: %d, expected %d", ttl, o->want_ttl);
	}
	if (!sum_ok(sum16(ip, ihl, 0))) {
		st->bad_ip_csum++;
		complain(o, udp, ulen, "bad_ip_csum: 0x%02x%02x", ip[10], ip[11]);
	}
	if (!o->unicast && (f[0] != 0x01 || f[1] != 0x00 || f[2] != 0x5e ||
	    f[3] != ((group >> 16) & 0x7f) || f[4] != ((group >> 8) & 0xff) ||
	    f[5] != (group & 0xff))) {
		st->bad_mac++;
		complain(o, udp, ulen, "bad_mac: %02x:%02x:%02x:%02x:%02x:%02x",
		    f[0], f[1], f[2], f[3], f[4], f[5]);
	}

	/* A fragmented datagram cannot be verified; the tools never fragment. */
	ulen = (size_t)(udp[4] << 8 | udp[5]);
	if ((frag & 0x2000) || tot > len || tot < ihl + 8 || ulen < 8 ||
	    ulen > tot - ihl) {
		st->bad_payload++;
		complain(o, udp, 0, "bad_payload: fragment or bad lengths "
		    "(ip %zu, udp %zu, captured %zu)", tot, ulen, len);
		return 1;
	}
	if (csum_not_ready) {
		/*
		 * Offload left the checksum to be completed by a device: the
		 * field holds the pseudo-header sum, which must match the
		 * addresses and length as they are now.
		 */
		uint32_t pseudo = fold(sum16(ip + 12, 8, 0) + IPPROTO_UDP + (uint32_t)ulen);
		uint32_t field = (uint32_t)udp[6] << 8 | udp[7];

		st->csum_partial++;
		if (field != pseudo && !(field == 0 && pseudo == 0xffff) &&
		    !(field == 0xffff && pseudo == 0)) {
			st->bad_udp_csum++;
			complain(o, udp, ulen, "bad_udp_csum: partial 0x%04x, pseudo-header sum 0x%04x",
			    field, pseudo);
		}
	} else if (udp[6] != 0 || udp[7] != 0) {
		uint32_t sum = sum16(ip + 12, 8, 0);

		sum += IPPROTO_UDP + (uint32_t)ulen;
		if (!sum_ok(sum16(udp, ulen, sum))) {
			st->bad_udp_csum++;
			complain(o, udp, ulen, "bad_udp_csum: 0x%02x%02x, sum 0x%04x",
			    udp[6], udp[7], fold(sum16(udp, ulen, sum)));
		}
	}
	if (o->any) {
		st->digest = tool_digest(st->digest, udp + 8, ulen - 8);
		st->unique++;
		return 1;
	}
	if (mcp_check_ts(udp + 8, ulen - 8, &seq, &tx_ns) != 0 || seq >= MAX_SEQ) {
		st->bad_payload++;
		complain(o, udp, ulen, "bad_payload: %zu bytes", ulen - 8);
		return 1;
	}
	note_seq(st, seq);
	if (o->latency)
		note_latency(o, st, tx_ns, rx_ns);
	return 1;
}

/* Reads every frame queued on the socket.  Returns 1 if one was ours. */
static int
drain(int fd, const struct options *o, struct stats *st)
{
	static uint8_t frame[FRAME_MAX];
	union {
		struct cmsghdr	align;
		char		buf[CMSG_SPACE(sizeof(struct tpacket_auxdata)) +
				    CMSG_SPACE(sizeof(struct timespec))];
	} ctl;
	int ours = 0;

	for (;;) {
		struct iovec iov = { .iov_base = frame, .iov_len = sizeof(frame) };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
		};
		struct cmsghdr *cm;
		int csum_not_ready = 0, meta_vid = -1;
		int64_t rx_ns = 0;
		ssize_t n;

		if (o->expected != 0 && st->unique >= o->expected)
			return ours;
		n = recvmsg(fd, &msg, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return ours;
			die("recvmsg: %s", strerror(errno));
		}
		for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
			struct tpacket_auxdata aux;

			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS &&
			    cm->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
				struct timespec ts;

				memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
				rx_ns = (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
				continue;
			}
			if (cm->cmsg_level != SOL_PACKET || cm->cmsg_type != PACKET_AUXDATA ||
			    cm->cmsg_len < CMSG_LEN(sizeof(aux)))
				continue;
			memcpy(&aux, CMSG_DATA(cm), sizeof(aux));
			csum_not_ready = (aux.tp_status & TP_STATUS_CSUMNOTREADY) != 0;
			if (aux.tp_status & TP_STATUS_VLAN_VALID)
				meta_vid = aux.tp_vlan_tci & 0x0fff;
		}
		if (msg.msg_flags & MSG_TRUNC)
			continue;	/* bigger than any frame the tools make */
		ours |= handle_frame(o, st, frame, (size_t)n, csum_not_ready, rx_ns,
		    meta_vid);
	}
}

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void
capture(int fd, const struct options *o, struct stats *st)
{
	int64_t start = now_ns(), last = 0, deadline, wait;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	sigset_t empty;

	sigemptyset(&empty);
	while (!stop_requested) {
		if (o->expected != 0 && st->unique >= o->expected)
			break;
		deadline = INT64_MAX;
		if (o->timeout_s > 0)
			deadline = start + (int64_t)(o->timeout_s * NSEC_PER_SEC);
		if (o->quiet_ms > 0 && st->received > 0 &&
		    last + o->quiet_ms * 1000000 < deadline)
			deadline = last + o->quiet_ms * 1000000;
		wait = deadline == INT64_MAX ? -1 : deadline - now_ns();
		if (deadline != INT64_MAX && wait <= 0)
			break;

		struct timespec ts = { wait / NSEC_PER_SEC, wait % NSEC_PER_SEC };
		/* Signals are blocked except inside ppoll, so none is missed. */
		if (ppoll(&pfd, 1, wait < 0 ? NULL : &ts, &empty) < 0) {
			if (errno == EINTR)
				continue;
			die("ppoll: %s", strerror(errno));
		}
		if (drain(fd, o, st))
			last = now_ns();
	}
}

/* The latency (microseconds) below which a fraction q of the samples lie. */
static double
lat_quantile(const struct stats *st, double q)
{
	unsigned long want, acc = 0;

	if (st->lat_n == 0)
		return 0;
	want = (unsigned long)(q * (double)st->lat_n + 0.999999);
	if (want < 1)
		want = 1;
	for (long i = 0; i < LAT_BUCKETS; i++) {
		acc += lat_hist[i];
		if (acc >= want) {
			/* the bucket's middle, within the range seen */
			double v = ((double)i + 0.5) * LAT_BUCKET_NS;

			if (v < (double)st->lat_min)
				v = (double)st->lat_min;
			if (v > (double)st->lat_max)
				v = (double)st->lat_max;
			return v / 1000;
		}
	}
	return (double)st->lat_max / 1000;	/* in the overflow */
}

static void
print_summary(int fd, const struct options *o, struct stats *st)
{
	struct tpacket_stats ps;
	socklen_t pslen = sizeof(ps);
	unsigned long lost;
	char a[INET_ADDRSTRLEN];

	if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &ps, &pslen) == 0)
		st->kdrops += ps.tp_drops;
	if (o->expected != 0)
		lost = o->expected - st->unique;
	else
		lost = st->have_seq ? st->max_seq + 1 - st->unique : 0;

	printf("received=%lu unique=%lu dup=%lu lost=%lu bad_ip_csum=%lu "
	    "bad_udp_csum=%lu csum_partial=%lu bad_mac=%lu bad_payload=%lu "
	    "bad_ttl=%lu kdrops=%lu ttl_min=%d ttl_max=%d src=",
	    st->received, st->unique, st->dup, lost, st->bad_ip_csum,
	    st->bad_udp_csum, st->csum_partial, st->bad_mac, st->bad_payload,
	    st->bad_ttl, st->kdrops, st->ttl_min, st->ttl_max);
	if (st->nsrcs == 0)
		fputs("-", stdout);
	for (int i = 0; i < st->nsrcs; i++)
		printf("%s%s", i ? "," : "",
		    inet_ntop(AF_INET, &st->srcs[i], a, sizeof(a)));
	if (st->more_srcs)
		fputs(",...", stdout);
	printf(" reordered=%lu bad_vlan=%lu", st->reordered, st->bad_vlan);
	if (o->any)
		printf(" digest=%016llx", (unsigned long long)st->digest);
	if (o->latency)
		printf(" lat_n=%lu lat_min_us=%.1f lat_p50_us=%.1f lat_p99_us=%.1f "
		    "lat_p999_us=%.1f lat_max_us=%.1f lat_user=%lu lat_neg=%lu",
		    st->lat_n, (double)st->lat_min / 1000, lat_quantile(st, 0.50),
		    lat_quantile(st, 0.99), lat_quantile(st, 0.999),
		    (double)st->lat_max / 1000, st->lat_user, st->lat_neg);
	putchar('\n');
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	struct options o;
	struct stats st;
	struct sigaction sa;
	sigset_t block;
	int fd, sink = -1, ok;

	parse_args(argc, argv, &o);
	memset(&st, 0, sizeof(st));
	st.digest = TOOL_DIGEST_INIT;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	fd = open_capture(&o);
	if (o.unicast)
		sink = open_sink(&o);
	if (o.readyfile != NULL)
		write_readyfile(o.readyfile);
	capture(fd, &o, &st);
	print_summary(fd, &o, &st);
	close(fd);
	if (sink >= 0)
		close(sink);

	ok = st.bad_ip_csum == 0 && st.bad_udp_csum == 0 && st.bad_mac == 0 &&
	    st.bad_payload == 0 && st.bad_ttl == 0 && st.bad_vlan == 0;
	if (o.expected != 0 && st.unique < o.expected)
		ok = 0;
	return ok ? 0 : 1;
}
