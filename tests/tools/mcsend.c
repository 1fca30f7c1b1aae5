/*
 * mcsend: send numbered, verifiable UDP datagrams to an IPv4 or IPv6
 * multicast group at a steady rate.  A test tool for mcrelay; see mcrecv for the
 * other end.
 *
 * mcsend -g GROUP -p PORT [-I IFNAME] [-B SRCADDR] [-P SRCPORT] [-n COUNT]
 *        [-r PPS] [-t TTL] [-s PAYLOAD_BYTES] [-S SEQ_START]
 *        [-L] [-D SECONDS] [-b BURST] [-V] [-Q [OUTER:]VID] [-k]
 *        [--rtp SCRIPT | --mpegts SCRIPT]
 *
 * With --rtp or --mpegts the payloads are RTP packets or MPEG-TS
 * datagrams as the script says (streams.h), until it ends; it then also
 * prints digest=HEX, for mcrecv -X to compare.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* ppoll, struct ip_mreqn */
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mcpayload.h"
#include "tool.h"
#include "streams.h"

#define NSEC_PER_SEC	1000000000ull
#define MAX_BURST	64
/* How long a full socket buffer may keep refusing a datagram. */
#define ENOBUFS_PATIENCE_NS	(2 * NSEC_PER_SEC)

struct options {
	int		family;		/* of the group: AF_INET or AF_INET6 */
	struct in_addr	group;
	struct in6_addr	group6;
	uint16_t	port;
	const char	*ifname;
	int		have_bind;	/* -B or -P */
	const char	*bind_text;	/* -B as given, parsed for the group's family */
	uint16_t	bind_port;
	unsigned long	count;
	unsigned long	pps;
	int		ttl;
	size_t		size;
	uint32_t	seq_start;
	int		stamp;		/* -L: timestamped payloads */
	uint64_t	duration_ns;	/* -D: 0 = no limit */
	unsigned long	burst;		/* -b: 0 = from the rate */
	int		verbose;	/* -V: print elapsed_ns too */
	unsigned	vid;		/* -Q: send with this 802.1Q tag, raw */
	unsigned	outer_vid;	/* -Q OUTER:VID: and an 802.1ad tag outside it */
	int		script_kind;	/* --rtp, --mpegts: ST_RTP, ST_MPEGTS; 0: none */
	char		*script;
	int		keep_going;	/* -k: skip a datagram that cannot be sent */
};

/* A raw sender (-Q): the frame's headers, built once, the payload after them. */
struct raw {
	int		fd;
	uint8_t		frame[14 + 8 + 28 + MCP_MAX_LEN];
	size_t		hdr;	/* bytes before the UDP payload */
	uint8_t		*ip;
};

static volatile sig_atomic_t stop_requested;
static unsigned long send_errors;	/* -k: datagrams skipped */

static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("mcsend: ", stderr);
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
	fputs("usage: mcsend -g GROUP -p PORT [-I IFNAME] [-B SRCADDR] [-P SRCPORT]\n"
	    "              [-n COUNT] [-r PPS] [-t TTL] [-s PAYLOAD_BYTES] [-S SEQ_START]\n"
	    "  -n COUNT   datagrams to send (default 1000)\n"
	    "  -r PPS     packets per second, 0 = as fast as possible (default 1000)\n"
	    "  -t TTL     IP_MULTICAST_TTL (default 16)\n"
	    "  -s BYTES   UDP payload size, 8..8972 (default 64)\n"
	    "  -S SEQ     first sequence number (default 0)\n"
	    "  -B ADDR    bind the socket to this source address\n"
	    "  -P PORT    bind the socket to this source port\n"
	    "  -L         put the send time (CLOCK_REALTIME) in each payload (>= 16 bytes)\n"
	    "  -D SECONDS stop after this long (then -n defaults to no limit)\n"
	    "  -b BURST   at most BURST packets back to back when pacing, 1..64\n"
	    "             (default PPS/1000), with a 1 ns timer slack\n"
	    "  -V         also print elapsed_ns=N, the time spent sending\n"
	    "  -Q [OUTER:]VID  send raw frames on -I with an 802.1Q tag VID (1..4094)\n"
	    "             in the frame, inside an 802.1ad tag OUTER if given; needs -B\n"
	    "  -k         go on when a datagram cannot be sent (its number is skipped);\n"
	    "             prints send_errors=N\n"
	    "  --rtp SCRIPT, --mpegts SCRIPT  RTP packets (-s bytes) or MPEG-TS datagrams\n"
	    "             as SCRIPT says (tests/tools/streams.h), then print digest=HEX\n", stderr);
	exit(1);
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	int c, have_group = 0, have_port = 0, have_count = 0;
	double d;
	char *end;

	memset(o, 0, sizeof(*o));
	o->count = 1000;
	o->pps = 1000;
	o->ttl = 16;
	o->size = 64;
	static const struct option longs[] = {
		{ "rtp", required_argument, NULL, 'R' },
		{ "mpegts", required_argument, NULL, 'M' },
		{ NULL, 0, NULL, 0 },
	};

	while ((c = getopt_long(argc, argv, "g:p:I:B:P:n:r:t:s:S:LD:b:VQ:kh", longs, NULL)) != -1) {
		switch (c) {
		case 'R':
		case 'M':
			if (o->script_kind)
				die("one of --rtp and --mpegts");
			o->script_kind = c == 'R' ? ST_RTP : ST_MPEGTS;
			o->script = optarg;
			break;
		case 'g':
			if (inet_pton(AF_INET, optarg, &o->group) == 1 &&
			    IN_MULTICAST(ntohl(o->group.s_addr)))
				o->family = AF_INET;
			else if (inet_pton(AF_INET6, optarg, &o->group6) == 1 &&
			    IN6_IS_ADDR_MULTICAST(&o->group6))
				o->family = AF_INET6;
			else
				die("-g: '%s' is not a multicast group", optarg);
			have_group = 1;
			break;
		case 'p':
			o->port = (uint16_t)parse_ulong(optarg, 1, 65535, 'p');
			have_port = 1;
			break;
		case 'I':
			o->ifname = optarg;
			break;
		case 'B':
			o->bind_text = optarg;
			o->have_bind = 1;
			break;
		case 'P':
			o->bind_port = (uint16_t)parse_ulong(optarg, 1, 65535, 'P');
			o->have_bind = 1;
			break;
		case 'n':
			o->count = parse_ulong(optarg, 0, UINT32_MAX, 'n');
			have_count = 1;
			break;
		case 'r':
			o->pps = parse_ulong(optarg, 0, 10000000, 'r');
			break;
		case 't':
			o->ttl = (int)parse_ulong(optarg, 0, 255, 't');
			break;
		case 's':
			o->size = parse_ulong(optarg, MCP_MIN_LEN, MCP_MAX_LEN, 's');
			break;
		case 'S':
			o->seq_start = (uint32_t)parse_ulong(optarg, 0, UINT32_MAX, 'S');
			break;
		case 'L':
			o->stamp = 1;
			break;
		case 'D':
			errno = 0;
			d = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    !(d > 0 && d < 1e6))
				die("-D: '%s' is not a number of seconds", optarg);
			o->duration_ns = (uint64_t)(d * NSEC_PER_SEC);
			break;
		case 'b':
			o->burst = parse_ulong(optarg, 1, MAX_BURST, 'b');
			break;
		case 'k':
			o->keep_going = 1;
			break;
		case 'V':
			o->verbose = 1;
			break;
		case 'Q': {
			char *colon = strchr(optarg, ':');

			if (colon != NULL) {
				*colon = '\0';
				o->outer_vid = (unsigned)parse_ulong(optarg, 1, 4094, 'Q');
				optarg = colon + 1;
			}
			o->vid = (unsigned)parse_ulong(optarg, 1, 4094, 'Q');
			break;
		}
		default:
			usage();
		}
	}
	if (optind != argc || !have_group || !have_port)
		usage();
	if (o->duration_ns != 0 && !have_count)
		o->count = ULONG_MAX;
	if (o->stamp && o->size < MCP_TS_MIN_LEN)
		die("-L needs a payload of at least %d bytes", MCP_TS_MIN_LEN);
	if (o->script_kind && (o->stamp || o->vid))
		die("--rtp and --mpegts go without -L and -Q");
	if (o->script_kind)
		o->count = ULONG_MAX;	/* the script says when to stop */
}

static void
bind_source(int fd, const struct options *o)
{
	struct sockaddr_storage ss;
	socklen_t len;

	memset(&ss, 0, sizeof(ss));
	if (o->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(o->bind_port);
		if (o->bind_text != NULL &&
		    inet_pton(AF_INET6, o->bind_text, &sin6->sin6_addr) != 1)
			die("-B: '%s' is not an IPv6 address", o->bind_text);
		len = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(o->bind_port);
		if (o->bind_text != NULL &&
		    inet_pton(AF_INET, o->bind_text, &sin->sin_addr) != 1)
			die("-B: '%s' is not an IPv4 address", o->bind_text);
		len = sizeof(*sin);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die("bind %s:%u: %s", o->bind_text ? o->bind_text : "*",
		    (unsigned)o->bind_port, strerror(errno));
}

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t
sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* An AF_PACKET socket on -I and the Ethernet, tags, IPv4 and UDP headers. */
static void
raw_open(const struct options *o, struct raw *r)
{
	struct ifreq ifr;
	uint32_t g = ntohl(o->group.s_addr);
	uint8_t *p = r->frame;

	struct in_addr src;

	if (o->ifname == NULL || o->bind_text == NULL || o->family != AF_INET ||
	    inet_pton(AF_INET, o->bind_text, &src) != 1 || src.s_addr == 0)
		die("-Q needs -I, an IPv4 group and -B with an IPv4 address");
	r->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (r->fd < 0)
		die("socket(AF_PACKET): %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", o->ifname);
	if (ioctl(r->fd, SIOCGIFHWADDR, &ifr) < 0)
		die("%s: %s", o->ifname, strerror(errno));
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
	    .sll_ifindex = (int)if_nametoindex(o->ifname) };

	if (bind(r->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		die("bind %s: %s", o->ifname, strerror(errno));
	memcpy(p, "\x01\x00\x5e", 3);
	p[3] = (uint8_t)(g >> 16 & 0x7f);
	p[4] = (uint8_t)(g >> 8);
	p[5] = (uint8_t)g;
	memcpy(p + 6, ifr.ifr_hwaddr.sa_data, 6);
	p += 12;
	if (o->outer_vid) {
		put16(p, 0x88a8);
		put16(p + 2, o->outer_vid);
		p += 4;
	}
	put16(p, 0x8100);
	put16(p + 2, o->vid);
	put16(p + 4, 0x0800);
	r->ip = p + 6;
	r->hdr = (size_t)(r->ip - r->frame) + 28;
	memset(r->ip, 0, 28);
	r->ip[0] = 0x45;
	r->ip[6] = 0x40;	/* DF */
	r->ip[8] = (uint8_t)o->ttl;
	r->ip[9] = IPPROTO_UDP;
	memcpy(r->ip + 12, &src, 4);
	memcpy(r->ip + 16, &o->group, 4);
	put16(r->ip + 20, o->bind_port ? o->bind_port : 40000);
	put16(r->ip + 22, o->port);
}

/* Sends payload (already in place after the headers) as one tagged frame. */
static void
raw_send(struct raw *r, size_t len, uint32_t seq)
{
	uint8_t *ip = r->ip, *udp = ip + 20;
	uint32_t sum;

	put16(ip + 2, (unsigned)(28 + len));
	put16(ip + 4, seq & 0xffff);
	put16(ip + 10, 0);
	put16(ip + 10, fold(sum16(0, ip, 20)));
	put16(udp + 4, (unsigned)(8 + len));
	put16(udp + 6, 0);
	sum = sum16(0, ip + 12, 8) + IPPROTO_UDP + (uint32_t)(8 + len);
	sum = sum16(sum, udp, 8 + len);
	put16(udp + 6, fold(sum) ? fold(sum) : 0xffff);
	while (send(r->fd, r->frame, r->hdr + len, 0) < 0) {
		if (errno == EINTR && !stop_requested)
			continue;
		if (errno != ENOBUFS && errno != EAGAIN)
			die("send: %s", strerror(errno));
	}
}

static int
open_socket(const struct options *o)
{
	unsigned char loop = 0;
	unsigned int loop6 = 0;
	int fd;

	fd = socket(o->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (o->ifname != NULL) {
		int ifindex = (int)if_nametoindex(o->ifname);

		if (ifindex == 0)
			die("-I %s: %s", o->ifname, strerror(errno));
		if (o->family == AF_INET6) {
			if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex,
			    sizeof(ifindex)) < 0)
				die("IPV6_MULTICAST_IF %s: %s", o->ifname, strerror(errno));
		} else {
			struct ip_mreqn mr;

			memset(&mr, 0, sizeof(mr));
			mr.imr_ifindex = ifindex;
			if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) < 0)
				die("IP_MULTICAST_IF %s: %s", o->ifname, strerror(errno));
		}
	}
	if (o->family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &o->ttl,
		    sizeof(o->ttl)) < 0)
			die("IPV6_MULTICAST_HOPS: %s", strerror(errno));
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &loop6,
		    sizeof(loop6)) < 0)
			die("IPV6_MULTICAST_LOOP: %s", strerror(errno));
	} else {
		if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &o->ttl,
		    sizeof(o->ttl)) < 0)
			die("IP_MULTICAST_TTL: %s", strerror(errno));
		if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof(loop)) < 0)
			die("IP_MULTICAST_LOOP: %s", strerror(errno));
	}
	if (o->have_bind)
		bind_source(fd, o);
	return fd;
}

static uint64_t
realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static void
sleep_until(uint64_t t)
{
	struct timespec ts = {
		.tv_sec = (time_t)(t / NSEC_PER_SEC),
		.tv_nsec = (long)(t % NSEC_PER_SEC),
	};

	while (!stop_requested &&
	    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/*
 * Sends one datagram.  A momentarily full queue (ENOBUFS, EAGAIN) is
 * retried for a while, since at high rates the sender can outrun the
 * device; any other error is fatal.
 */
static void
send_one(int fd, const uint8_t *buf, size_t len, const struct sockaddr_storage *dst,
    socklen_t dst_len, int keep_going)
{
	uint64_t give_up = 0;

	while (sendto(fd, buf, len, 0, (const struct sockaddr *)dst, dst_len) < 0) {
		if (errno == EINTR && !stop_requested)
			continue;
		if (keep_going && ((errno != ENOBUFS && errno != EAGAIN) ||
		    (give_up != 0 && (uint64_t)now_ns() > give_up))) {
			send_errors++;
			return;
		}
		if (errno != ENOBUFS && errno != EAGAIN)
			die("sendto: %s", strerror(errno));
		if (give_up == 0)
			give_up = (uint64_t)now_ns() + ENOBUFS_PATIENCE_NS;
		else if ((uint64_t)now_ns() > give_up)
			die("sendto: %s for too long", strerror(errno));
		sleep_until((uint64_t)now_ns() + 50000);
	}
}

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

int
main(int argc, char **argv)
{
	static uint8_t buf[MCP_MAX_LEN];
	struct options o;
	struct sockaddr_storage dst;
	socklen_t dst_len;
	struct sigaction sa;
	unsigned long sent = 0, burst;
	uint64_t t0, end = UINT64_MAX, elapsed, digest = TOOL_DIGEST_INIT;
	int fd, timed_out = 0, script_done = 0;
	static struct stream script;

	parse_args(argc, argv, &o);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	static struct raw raw;

	if (o.script_kind)
		st_parse(&script, (enum st_kind)o.script_kind, o.script, o.size);
	fd = open_socket(&o);
	if (o.vid)
		raw_open(&o, &raw);
	memset(&dst, 0, sizeof(dst));
	if (o.family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&dst;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = o.group6;
		sin6->sin6_port = htons(o.port);
		dst_len = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&dst;

		sin->sin_family = AF_INET;
		sin->sin_addr = o.group;
		sin->sin_port = htons(o.port);
		dst_len = sizeof(*sin);
	}

	/*
	 * Pace in bursts of about a millisecond's worth of packets, each
	 * burst released at its absolute deadline, so the average rate is
	 * exact and a late wake-up is caught up instead of accumulating.
	 */
	burst = o.pps / 1000;
	if (burst < 1)
		burst = 1;
	if (burst > MAX_BURST)
		burst = MAX_BURST;
	if (o.burst != 0) {
		burst = o.burst;
		/* Small bursts need punctual wake-ups. */
		prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	}
	t0 = (uint64_t)now_ns();
	if (o.duration_ns != 0)
		end = t0 + o.duration_ns;
	while (sent < o.count && !stop_requested && !timed_out && !script_done) {
		if (o.pps > 0) {
			uint64_t next = t0 + (uint64_t)((unsigned __int128)sent *
			    NSEC_PER_SEC / o.pps);

			if (next >= end) {
				timed_out = 1;
				break;
			}
			sleep_until(next);
		}
		for (unsigned long i = 0; i < burst && sent < o.count &&
		    !stop_requested; i++) {
			uint32_t seq = o.seq_start + (uint32_t)sent;

			uint8_t *payload = o.vid ? raw.frame + raw.hdr : buf;

			if (o.script_kind) {
				size_t len = st_next(&script, buf);

				if (len == 0) {
					script_done = 1;
					break;
				}
				send_one(fd, buf, len, &dst, dst_len, 0);	/* a script sends all */
				digest = tool_digest(digest, buf, len);
				sent++;
				continue;
			}
			if (o.stamp) {
				mcp_build_ts(payload, o.size, seq);
				mcp_stamp(payload, realtime_ns());
			} else {
				mcp_build(payload, o.size, seq);
			}
			if (o.vid)
				raw_send(&raw, o.size, seq);
			else
				send_one(fd, buf, o.size, &dst, dst_len, o.keep_going);
			sent++;
		}
		if (o.duration_ns != 0 && (uint64_t)now_ns() >= end)
			timed_out = 1;
	}
	elapsed = (uint64_t)now_ns() - t0;
	close(fd);
	printf("sent=%lu\n", sent);
	if (o.script_kind)
		printf("digest=%016llx\n", (unsigned long long)digest);
	if (o.keep_going)
		printf("send_errors=%lu\n", send_errors);
	if (o.verbose)
		printf("elapsed_ns=%llu\n", (unsigned long long)elapsed);
	if (fflush(stdout) != 0)
		die("stdout: %s", strerror(errno));
	if (sent < o.count && !timed_out && !script_done) {
		fprintf(stderr, "mcsend: interrupted after %lu of %lu\n", sent, o.count);
		return 1;
	}
	return 0;
}
