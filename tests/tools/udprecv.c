/*
 * udprecv: receive mcsend's datagrams on an ordinary UDP socket, as an
 * application on the far side of a relay would, and check them.  The
 * kernel checks the UDP checksum (a datagram with a wrong one never
 * arrives, and is counted in the namespace's InCsumErrors); this checks
 * the payload, duplicates, the TTL or hop limit and the source address.
 * A test tool for mcrelay; IPv4 and IPv6, multicast or unicast.
 *
 * udprecv -g ADDR -p PORT [-I IFNAME] [-s SOURCE] [-n EXPECTED]
 *         [-T TIMEOUT_S] [-q QUIET_MS] [-R READYFILE] [-G GAPFILE]
 *
 * A multicast ADDR is joined on IFNAME (source-specific with -s); a
 * unicast one is bound to.  Prints one line:
 *   received=N unique=N dup=N bad_payload=N ttl_min=N ttl_max=N src=A[,B...]
 *   drops=N max_seq=N
 * and exits 0 if no payload was bad and (with -n) EXPECTED arrived.
 * drops counts what the socket's queue overflowed by (SO_RXQ_OVFL).
 *
 * -G FILE says, for contrib/soak.sh, when what was lost had been sent:
 * a line "gap FIRST LAST BEFORE_NS AFTER_NS" for each run of missing
 * sequence numbers below the highest one received, with the send times
 * (mcsend -L) of the datagrams received just before and just after it in
 * the stream (0: none, or not timestamped), a line "dup SEQ SEND_NS" for
 * each duplicate (the first 100,000) and a last line "last SEQ SEND_NS".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* ppoll */
#endif

#include <arpa/inet.h>
#include <errno.h>
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

/* 16 MiB of bitmap, touched only as far as the numbers go: hours at thousands of pps. */
#define MAX_SEQ		(1u << 27)
#define MAX_DUPS	100000
#define MAX_SRCS	4
#define NSEC_PER_SEC	1000000000ll

struct options {
	const char	*ifname;
	const char	*addr_text, *source_text;
	struct sockaddr_storage addr, source;
	socklen_t	addr_len;
	int		family;
	uint16_t	port;
	unsigned long	expected;
	double		timeout_s;
	long		quiet_ms;
	const char	*readyfile;
	const char	*gapfile;
};

/* A run of numbers missing when a higher one arrived, and the send times around it. */
struct gap {
	uint32_t	first, last;
	uint64_t	before_ns, after_ns;
};

struct stats {
	unsigned long	received, unique, dup, bad_payload;
	unsigned long	drops;		/* SO_RXQ_OVFL: the socket's queue overflowed */
	int		have_seq;
	uint32_t	max_seq;
	uint64_t	max_ts;		/* the send time of max_seq */
	struct gap	*gaps;
	size_t		n_gaps, cap_gaps;
	uint32_t	*dup_seq;
	uint64_t	*dup_ts;
	size_t		n_dups;
	int		ttl_min, ttl_max;
	char		srcs[MAX_SRCS][INET6_ADDRSTRLEN];
	int		nsrcs, more_srcs;
};

static volatile sig_atomic_t stop_requested;
static uint8_t seen[MAX_SEQ / 8];


static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("udprecv: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static void
usage(void)
{
	fputs("usage: udprecv -g ADDR -p PORT [-I IFNAME] [-s SOURCE] [-n EXPECTED]\n"
	    "               [-T TIMEOUT_S] [-q QUIET_MS] [-R READYFILE] [-G GAPFILE]\n", stderr);
	exit(2);
}

static int
parse_sockaddr(const char *text, uint16_t port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		return AF_INET6;
	}
	return -1;
}

static int
is_multicast(const struct options *o)
{
	if (o->family == AF_INET)
		return IN_MULTICAST(ntohl(((struct sockaddr_in *)&o->addr)->sin_addr.s_addr));
	return IN6_IS_ADDR_MULTICAST(&((struct sockaddr_in6 *)&o->addr)->sin6_addr);
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt(argc, argv, "g:p:I:s:n:T:q:R:G:h")) != -1) {
		switch (c) {
		case 'g':
			o->addr_text = optarg;
			break;
		case 'p':
			o->port = (uint16_t)parse_ulong(optarg, 1, 65535, 'p');
			break;
		case 'I':
			o->ifname = optarg;
			break;
		case 's':
			o->source_text = optarg;
			break;
		case 'n':
			o->expected = parse_ulong(optarg, 0, MAX_SEQ, 'n');
			break;
		case 'T':
			o->timeout_s = strtod(optarg, &end);
			if (*end)
				die("-T: bad timeout '%s'", optarg);
			break;
		case 'q':
			o->quiet_ms = (long)parse_ulong(optarg, 0, 86400000, 'q');
			break;
		case 'R':
			o->readyfile = optarg;
			break;
		case 'G':
			o->gapfile = optarg;
			break;
		default:
			usage();
		}
	}
	if (o->addr_text == NULL || o->port == 0 || optind != argc)
		usage();
	o->family = parse_sockaddr(o->addr_text, o->port, &o->addr);
	if (o->family < 0)
		die("-g: '%s' is not an address", o->addr_text);
	o->addr_len = o->family == AF_INET ? sizeof(struct sockaddr_in)
					   : sizeof(struct sockaddr_in6);
	if (o->source_text != NULL &&
	    parse_sockaddr(o->source_text, 0, &o->source) != o->family)
		die("-s: '%s' is not an address of the group's family", o->source_text);
	if (is_multicast(o) && o->ifname == NULL)
		die("-I is needed to join a group");
}

static void
join(int fd, const struct options *o)
{
	int level = o->family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
	unsigned ifindex = if_nametoindex(o->ifname);

	if (ifindex == 0)
		die("-I %s: %s", o->ifname, strerror(errno));
	if (o->source_text != NULL) {
		struct group_source_req req = { .gsr_interface = ifindex };

		memcpy(&req.gsr_group, &o->addr, sizeof(o->addr));
		memcpy(&req.gsr_source, &o->source, sizeof(o->source));
		if (setsockopt(fd, level, MCAST_JOIN_SOURCE_GROUP, &req, sizeof(req)) < 0)
			die("MCAST_JOIN_SOURCE_GROUP: %s", strerror(errno));
	} else {
		struct group_req req = { .gr_interface = ifindex };

		memcpy(&req.gr_group, &o->addr, sizeof(o->addr));
		if (setsockopt(fd, level, MCAST_JOIN_GROUP, &req, sizeof(req)) < 0)
			die("MCAST_JOIN_GROUP: %s", strerror(errno));
	}
}

static int
open_socket(const struct options *o)
{
	int one = 1, fd = socket(o->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rcvbuf = 16 * 1024 * 1024;

	if (fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	if (setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one)) < 0)
		die("SO_RXQ_OVFL: %s", strerror(errno));
	if (o->family == AF_INET) {
		if (setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one)) < 0)
			die("IP_RECVTTL: %s", strerror(errno));
		/* A relayed stream must not reach us through another group. */
		setsockopt(fd, IPPROTO_IP, IP_MULTICAST_ALL, &(int){ 0 }, sizeof(int));
	} else {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one)) < 0)
			die("IPV6_RECVHOPLIMIT: %s", strerror(errno));
		setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, &(int){ 0 }, sizeof(int));
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	}
	if (bind(fd, (struct sockaddr *)&o->addr, o->addr_len) < 0)
		die("bind %s port %u: %s", o->addr_text, o->port, strerror(errno));
	if (is_multicast(o))
		join(fd, o);
	return fd;
}


static void
note_source(struct stats *st, const struct sockaddr_storage *from)
{
	char a[INET6_ADDRSTRLEN];

	if (from->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)from)->sin_addr, a, sizeof(a));
	else
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)from)->sin6_addr, a, sizeof(a));
	for (int i = 0; i < st->nsrcs; i++)
		if (strcmp(st->srcs[i], a) == 0)
			return;
	if (st->nsrcs == MAX_SRCS) {
		st->more_srcs = 1;
		return;
	}
	snprintf(st->srcs[st->nsrcs++], sizeof(st->srcs[0]), "%s", a);
}

static int
ttl_of(struct msghdr *mh, struct stats *st)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		int v;
		uint32_t ovfl;

		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
			memcpy(&ovfl, CMSG_DATA(c), sizeof(ovfl));
			st->drops = ovfl;	/* the socket's total so far */
			continue;
		}
		if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
		    (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			return v;
		}
	}
	return -1;
}

static void *
grow(void *p, size_t *cap, size_t size)
{
	size_t n = *cap ? *cap * 2 : 1024;

	p = realloc(p, n * size);
	if (p == NULL)
		die("out of memory");
	*cap = n;
	return p;
}

/* A number above the highest so far leaves a gap behind it when it is not the next. */
static void
note_order(struct stats *st, uint32_t seq, uint64_t ts)
{
	uint32_t from = st->have_seq ? st->max_seq + 1 : 0;

	if (st->have_seq && seq < st->max_seq)
		return;	/* late: fills a gap, found out at the end */
	if (seq > from) {
		if (st->n_gaps == st->cap_gaps)
			st->gaps = grow(st->gaps, &st->cap_gaps, sizeof(*st->gaps));
		st->gaps[st->n_gaps++] = (struct gap){ from, seq - 1,
		    st->have_seq ? st->max_ts : 0, ts };
	}
	st->have_seq = 1;
	st->max_seq = seq;
	st->max_ts = ts;
}

static void
note_dup(struct stats *st, uint32_t seq, uint64_t ts)
{
	static size_t cap;

	if (st->n_dups == MAX_DUPS)
		return;
	if (st->n_dups == cap) {
		size_t c = cap;

		st->dup_seq = grow(st->dup_seq, &c, sizeof(*st->dup_seq));
		st->dup_ts = grow(st->dup_ts, &cap, sizeof(*st->dup_ts));
	}
	st->dup_seq[st->n_dups] = seq;
	st->dup_ts[st->n_dups++] = ts;
}

/* -G: the runs still missing in each gap (late arrivals taken out), the duplicates. */
static void
write_gaps(const char *path, const struct stats *st)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	for (size_t i = 0; i < st->n_gaps; i++) {
		const struct gap *g = &st->gaps[i];
		uint64_t run = 0;
		uint32_t start = 0;

		for (uint64_t s = g->first; s <= (uint64_t)g->last + 1; s++) {
			int missing = s <= g->last && !(seen[s / 8] & (1u << (s % 8)));

			if (missing && run++ == 0)
				start = (uint32_t)s;
			if (!missing && run > 0) {
				fprintf(f, "gap %u %u %llu %llu\n", start, (uint32_t)(s - 1),
				    (unsigned long long)g->before_ns, (unsigned long long)g->after_ns);
				run = 0;
			}
		}
	}
	for (size_t i = 0; i < st->n_dups; i++)
		fprintf(f, "dup %u %llu\n", st->dup_seq[i], (unsigned long long)st->dup_ts[i]);
	fprintf(f, "last %lld %llu\n", st->have_seq ? (long long)st->max_seq : -1LL,
	    (unsigned long long)st->max_ts);
	if (fclose(f) != 0)
		die("%s: %s", path, strerror(errno));
}

/* Reads what is queued; returns how many datagrams arrived. */
static int
drain(int fd, struct stats *st)
{
	static uint8_t buf[65536];
	int n = 0;

	for (;;) {
		struct sockaddr_storage from;
		char cbuf[128];
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from),
				     .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		ssize_t len = recvmsg(fd, &mh, MSG_DONTWAIT);
		uint64_t ts;
		uint32_t seq;
		int ttl;

		if (len < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return n;
			die("recvmsg: %s", strerror(errno));
		}
		n++;
		st->received++;
		note_source(st, &from);
		ttl = ttl_of(&mh, st);
		if (ttl >= 0) {
			if (st->ttl_min < 0 || ttl < st->ttl_min)
				st->ttl_min = ttl;
			if (ttl > st->ttl_max)
				st->ttl_max = ttl;
		}
		if (mcp_check_ts(buf, (size_t)len, &seq, &ts) != 0 || seq >= MAX_SEQ) {
			st->bad_payload++;
			continue;
		}
		if (seen[seq / 8] & (1u << (seq % 8))) {
			st->dup++;
			note_dup(st, seq, ts);
			continue;
		}
		seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
		st->unique++;
		note_order(st, seq, ts);
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
	struct options o;
	struct stats st = { .ttl_min = -1, .ttl_max = -1 };
	struct pollfd pfd;
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, empty;
	int64_t start, last = 0;

	parse_args(argc, argv, &o);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&empty);

	pfd.fd = open_socket(&o);
	pfd.events = POLLIN;
	if (o.readyfile != NULL)
		write_readyfile(o.readyfile);
	start = now_ns();
	while (!stop_requested && !(o.expected && st.unique >= o.expected)) {
		int64_t deadline = INT64_MAX, wait;

		if (o.timeout_s > 0)
			deadline = start + (int64_t)(o.timeout_s * NSEC_PER_SEC);
		if (o.quiet_ms > 0 && st.received > 0 && last + o.quiet_ms * 1000000 < deadline)
			deadline = last + o.quiet_ms * 1000000;
		wait = deadline == INT64_MAX ? -1 : deadline - now_ns();
		if (deadline != INT64_MAX && wait <= 0)
			break;

		struct timespec ts = { wait / NSEC_PER_SEC, wait % NSEC_PER_SEC };

		if (ppoll(&pfd, 1, wait < 0 ? NULL : &ts, &empty) < 0) {
			if (errno == EINTR)
				continue;
			die("ppoll: %s", strerror(errno));
		}
		if (drain(pfd.fd, &st) > 0)
			last = now_ns();
	}
	printf("received=%lu unique=%lu dup=%lu bad_payload=%lu ttl_min=%d ttl_max=%d src=",
	       st.received, st.unique, st.dup, st.bad_payload, st.ttl_min, st.ttl_max);
	if (st.nsrcs == 0)
		fputs("-", stdout);
	for (int i = 0; i < st.nsrcs; i++)
		printf("%s%s", i ? "," : "", st.srcs[i]);
	if (st.more_srcs)
		fputs(",...", stdout);
	printf(" drops=%lu max_seq=%lld\n", st.drops, st.have_seq ? (long long)st.max_seq : -1LL);
	if (o.gapfile != NULL)
		write_gaps(o.gapfile, &st);
	fflush(stdout);
	close(pfd.fd);
	free(st.gaps);
	free(st.dup_seq);
	free(st.dup_ts);
	return st.bad_payload == 0 && (o.expected == 0 || st.unique >= o.expected) ? 0 : 1;
}
