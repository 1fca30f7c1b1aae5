// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xskfwd: a minimal AF_XDP multicast forwarder, to measure AF_XDP against
 * mcrelay's AF_PACKET ring (see README).  Not part of mcrelay.
 *
 *   xskfwd -i IN -o OUT -g GROUP -p PORT [-t xsk|packet] [-b BATCH]
 *
 * The XDP program (xskfwd.bpf.c) is attached to IN through a BPF link, so it
 * goes away with this process however it ends.  Frames for GROUP:PORT arrive
 * in one UMEM through an XSK on IN's queue 0 (copy mode); each is checked as
 * mcrelay checks it (IPv4, UDP, group and port), its TTL decremented with an
 * incremental IP checksum and its Ethernet source set to OUT's MAC, in place,
 * and it leaves on OUT:
 *   -t xsk     through a second XSK bound to OUT that shares the UMEM (copy
 *              mode; one sendto kick per batch), frames returned to the fill
 *              ring from its completion ring;
 *   -t packet  through AF_PACKET sendmmsg, the iovecs pointing into the UMEM,
 *              frames returned to the fill ring as soon as the call returns.
 * The loop blocks in poll(); no busy polling.  SIGINT/SIGTERM end it, and it
 * prints its counters then.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_xdp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <xdp/xsk.h>

#include <linux/types.h>
#include "xskfwd.h"
#include "xskfwd.skel.h"

#define NFRAMES		4096
#define FRAME_SIZE	XSK_UMEM__DEFAULT_FRAME_SIZE
#define RING		2048
#define MAXBATCH	256

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "xskfwd: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

struct stats {
	unsigned long rx, fwd, bad, txfull, txerr, kicks, wakeups;
};

struct fwd {
	uint8_t *umem_area;
	struct xsk_umem *umem;
	struct xsk_ring_prod fq;	/* IN's fill ring */
	struct xsk_ring_cons cq;	/* IN's completion ring (unused) */
	struct xsk_socket *rx_xsk;
	struct xsk_ring_cons rx;
	/* -t xsk */
	struct xsk_socket *tx_xsk;
	struct xsk_ring_prod tx;
	struct xsk_ring_prod fq2;	/* OUT's fill ring (stays empty) */
	struct xsk_ring_cons cq2;	/* OUT's completion ring */
	unsigned tx_pending;		/* on the TX ring or in flight */
	/* -t packet */
	int pfd;
	struct sockaddr_ll out_addr;
	struct mmsghdr msgs[MAXBATCH];
	struct iovec iov[MAXBATCH];
	uint64_t addrs[MAXBATCH];

	uint32_t group;		/* network order */
	uint16_t port;		/* network order */
	uint8_t out_mac[6];
	bool use_xsk_tx;
	unsigned batch;
	struct stats st;
};

/* Returns n frame addresses to IN's fill ring (it has room for all frames). */
static void fill(struct fwd *f, const uint64_t *addrs, unsigned n)
{
	uint32_t idx;

	if (n == 0)
		return;
	while (xsk_ring_prod__reserve(&f->fq, n, &idx) != n)
		;	/* cannot happen: the ring holds every frame */
	for (unsigned i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&f->fq, idx + i) = addrs[i];
	xsk_ring_prod__submit(&f->fq, n);
}

static uint16_t csum_fold_add(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * mcrelay's per-packet work: parse, match, TTL - 1 with the IP checksum
 * updated (RFC 1624), a new Ethernet header (the group's MAC, OUT's MAC).
 * false: not ours or not forwardable.
 */
static bool rewrite(struct fwd *f, uint8_t *fr, uint32_t len)
{
	if (len < ETH_HLEN + 20 + 8)
		return false;
	if (fr[12] != 0x08 || fr[13] != 0x00)
		return false;
	uint8_t *ip = fr + ETH_HLEN;
	unsigned ihl = (ip[0] & 0x0f) * 4u;
	if ((ip[0] >> 4) != 4 || ihl < 20 || len < ETH_HLEN + ihl + 8 || ip[9] != IPPROTO_UDP)
		return false;
	uint32_t dst;
	memcpy(&dst, ip + 16, 4);
	uint16_t tot = (uint16_t)(ip[2] << 8 | ip[3]);
	if (dst != f->group || tot > len - ETH_HLEN || tot < ihl + 8)
		return false;
	if (((ip[6] << 8 | ip[7]) & 0x1fff) != 0)
		return false;	/* later fragment: not handled here */
	uint16_t dport;
	memcpy(&dport, ip + ihl + 2, 2);
	if (dport != f->port || ip[8] <= 1)
		return false;

	/* TTL - 1: the word TTL|proto goes down by 0x0100 */
	uint16_t old = (uint16_t)(ip[8] << 8 | ip[9]);
	ip[8]--;
	uint16_t now = (uint16_t)(ip[8] << 8 | ip[9]);
	uint16_t check = (uint16_t)(ip[10] << 8 | ip[11]);
	uint32_t s = (uint16_t)~check + (uint16_t)~old + (uint32_t)now;
	check = (uint16_t)~csum_fold_add(s);
	ip[10] = (uint8_t)(check >> 8);
	ip[11] = (uint8_t)check;

	/* Ethernet: the group's MAC, OUT's MAC */
	uint32_t g = ntohl(dst);
	fr[0] = 0x01;
	fr[1] = 0x00;
	fr[2] = 0x5e;
	fr[3] = (uint8_t)((g >> 16) & 0x7f);
	fr[4] = (uint8_t)(g >> 8);
	fr[5] = (uint8_t)g;
	memcpy(fr + 6, f->out_mac, 6);
	return true;
}

/* Completed TX frames go back to IN's fill ring. */
static void reap_tx(struct fwd *f)
{
	uint32_t idx;
	unsigned n = xsk_ring_cons__peek(&f->cq2, MAXBATCH, &idx);
	uint64_t a[MAXBATCH];

	if (n == 0)
		return;
	for (unsigned i = 0; i < n; i++)
		a[i] = *xsk_ring_cons__comp_addr(&f->cq2, idx + i);
	xsk_ring_cons__release(&f->cq2, n);
	f->tx_pending -= n;
	fill(f, a, n);
}

/* Kicks the copy-mode TX (at most 32 frames a call in the kernel). */
static void kick_tx(struct fwd *f)
{
	for (int tries = 0; tries < 64; tries++) {
		f->st.kicks++;
		if (sendto(xsk_socket__fd(f->tx_xsk), NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
			break;
		if (errno == EAGAIN || errno == EBUSY || errno == ENOBUFS) {
			/* EAGAIN: the kernel stopped after its batch; go on */
			if (xsk_ring_prod__needs_wakeup(&f->tx) || errno == EAGAIN)
				continue;
			break;
		}
		if (errno != EINTR) {
			f->st.txerr++;
			break;
		}
	}
}

static void flush_packet(struct fwd *f, unsigned n)
{
	unsigned done = 0;

	while (done < n) {
		int r = sendmmsg(f->pfd, f->msgs + done, n - done, MSG_DONTWAIT);
		if (r > 0) {
			done += (unsigned)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		f->st.txfull += n - done;
		break;
	}
	fill(f, f->addrs, n);
}

static unsigned forward_batch(struct fwd *f)
{
	uint32_t idx, tidx = 0;
	unsigned n = xsk_ring_cons__peek(&f->rx, f->batch, &idx);
	unsigned nout = 0, ndrop = 0, room = 0;
	uint64_t drop[MAXBATCH];

	if (n == 0)
		return 0;
	f->st.rx += n;
	if (f->use_xsk_tx) {
		room = xsk_ring_prod__reserve(&f->tx, n, &tidx);
		if (room == 0) {	/* full: make room first */
			kick_tx(f);
			reap_tx(f);
			room = xsk_ring_prod__reserve(&f->tx, n, &tidx);
		}
	}
	for (unsigned i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&f->rx, idx + i);
		uint64_t addr = d->addr;
		uint8_t *fr = xsk_umem__get_data(f->umem_area, addr);

		if (!rewrite(f, fr, d->len)) {
			f->st.bad++;
			drop[ndrop++] = xsk_umem__extract_addr(addr);
			continue;
		}
		if (f->use_xsk_tx) {
			if (nout >= room) {
				f->st.txfull++;
				drop[ndrop++] = xsk_umem__extract_addr(addr);
				continue;
			}
			struct xdp_desc *t = xsk_ring_prod__tx_desc(&f->tx, tidx + nout);
			t->addr = addr;
			t->len = d->len;
			t->options = 0;
		} else {
			f->iov[nout].iov_base = fr;
			f->iov[nout].iov_len = d->len;
			f->addrs[nout] = xsk_umem__extract_addr(addr);
		}
		nout++;
	}
	xsk_ring_cons__release(&f->rx, n);
	f->st.fwd += nout;
	if (f->use_xsk_tx) {
		/* descriptors reserved but not used are given back as empty sends */
		if (room > nout)
			f->tx.cached_prod -= room - nout;
		if (nout) {
			xsk_ring_prod__submit(&f->tx, nout);
			f->tx_pending += nout;
			kick_tx(f);
		}
	} else if (nout) {
		flush_packet(f, nout);
	}
	fill(f, drop, ndrop);
	return n;
}

static void get_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		die(ifname, errno);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
}

static void usage(void)
{
	fprintf(stderr, "usage: xskfwd -i IN -o OUT -g GROUP -p PORT [-t xsk|packet] [-b BATCH]\n");
	exit(64);
}

int main(int argc, char **argv)
{
	struct fwd f = { .pfd = -1, .use_xsk_tx = true, .batch = 64 };
	const char *in = NULL, *out = NULL;
	struct in_addr ga = { 0 };
	int c, err;

	while ((c = getopt(argc, argv, "i:o:g:p:t:b:")) != -1) {
		switch (c) {
		case 'i': in = optarg; break;
		case 'o': out = optarg; break;
		case 'g': if (inet_pton(AF_INET, optarg, &ga) != 1) usage(); break;
		case 'p': f.port = htons((uint16_t)atoi(optarg)); break;
		case 't':
			if (strcmp(optarg, "xsk") == 0)
				f.use_xsk_tx = true;
			else if (strcmp(optarg, "packet") == 0)
				f.use_xsk_tx = false;
			else
				usage();
			break;
		case 'b': f.batch = (unsigned)atoi(optarg); break;
		default: usage();
		}
	}
	if (!in || !out || !ga.s_addr || !f.port || f.batch < 1 || f.batch > MAXBATCH)
		usage();
	f.group = ga.s_addr;
	get_mac(out, f.out_mac);
	unsigned in_idx = if_nametoindex(in), out_idx = if_nametoindex(out);
	if (!in_idx || !out_idx)
		die("if_nametoindex", errno);

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);

	/* The XDP program, attached through a link: gone when the fd is. */
	struct xskfwd_bpf *skel = xskfwd_bpf__open();
	if (!skel)
		die("open BPF object", errno);
	skel->rodata->cfg.group = f.group;
	skel->rodata->cfg.port = f.port;
	if ((err = xskfwd_bpf__load(skel)))
		die("load BPF object", err);

	/* UMEM: every frame starts on IN's fill ring. */
	size_t umem_len = (size_t)NFRAMES * FRAME_SIZE;
	f.umem_area = mmap(NULL, umem_len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f.umem_area == MAP_FAILED)
		die("mmap", errno);
	struct xsk_umem_config ucfg = {
		.fill_size = NFRAMES, .comp_size = RING,
		.frame_size = FRAME_SIZE, .frame_headroom = 0,
	};
	if ((err = xsk_umem__create(&f.umem, f.umem_area, umem_len, &f.fq, &f.cq, &ucfg)))
		die("xsk_umem__create", err);
	struct xsk_socket_config scfg = {
		.rx_size = RING, .tx_size = RING,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_COPY,
	};
	if ((err = xsk_socket__create(&f.rx_xsk, in, 0, f.umem, &f.rx, NULL, &scfg)))
		die("XSK on the input", err);
	if ((err = xsk_socket__update_xskmap(f.rx_xsk, bpf_map__fd(skel->maps.xsks))))
		die("xsk_socket__update_xskmap", err);
	uint64_t a[MAXBATCH];
	for (unsigned i = 0; i < NFRAMES; i += MAXBATCH) {
		for (unsigned k = 0; k < MAXBATCH; k++)
			a[k] = (uint64_t)(i + k) * FRAME_SIZE;
		fill(&f, a, MAXBATCH);
	}

	if (f.use_xsk_tx) {
		scfg.bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP;
		if ((err = xsk_socket__create_shared(&f.tx_xsk, out, 0, f.umem, NULL, &f.tx,
						     &f.fq2, &f.cq2, &scfg)))
			die("XSK on the output", err);
	} else {
		f.pfd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
		if (f.pfd < 0)
			die("AF_PACKET socket", errno);
		int size = 4 << 20;
		if (setsockopt(f.pfd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
			(void)setsockopt(f.pfd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
		f.out_addr.sll_family = AF_PACKET;
		f.out_addr.sll_ifindex = (int)out_idx;
		f.out_addr.sll_protocol = htons(ETH_P_IP);
		for (unsigned k = 0; k < MAXBATCH; k++) {
			f.msgs[k].msg_hdr.msg_iov = &f.iov[k];
			f.msgs[k].msg_hdr.msg_iovlen = 1;
			f.msgs[k].msg_hdr.msg_name = &f.out_addr;
			f.msgs[k].msg_hdr.msg_namelen = sizeof(f.out_addr);
		}
	}

	/* Only now that the XSK is in the map: frames start to be redirected. */
	struct bpf_link *link = bpf_program__attach_xdp(skel->progs.xskfwd, (int)in_idx);
	if (!link)
		die("attach XDP to the input", errno);
	fprintf(stderr, "xskfwd: %s -> %s, TX %s, batch %u, ready\n", in, out,
		f.use_xsk_tx ? "xsk" : "packet", f.batch);

	struct pollfd pfd = { .fd = xsk_socket__fd(f.rx_xsk), .events = POLLIN };
	while (!stop) {
		if (f.use_xsk_tx)
			reap_tx(&f);
		if (forward_batch(&f) > 0)
			continue;
		/* nothing to read: sleep; wake up now and then to reap completions */
		int r = poll(&pfd, 1, f.tx_pending ? 1 : 1000);
		f.st.wakeups++;
		if (r < 0 && errno != EINTR)
			die("poll", errno);
	}

	bpf_link__destroy(link);
	xsk_socket__delete(f.rx_xsk);
	if (f.tx_xsk)
		xsk_socket__delete(f.tx_xsk);
	if (f.pfd >= 0)
		close(f.pfd);
	xsk_umem__delete(f.umem);
	xskfwd_bpf__destroy(skel);
	printf("rx=%lu fwd=%lu bad=%lu txfull=%lu txerr=%lu kicks=%lu wakeups=%lu\n",
	       f.st.rx, f.st.fwd, f.st.bad, f.st.txfull, f.st.txerr, f.st.kicks, f.st.wakeups);
	return 0;
}
