#include "config.h"

#include "worker/forward.h"

#include "common/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* Bounded work per wake-up so the channel is never starved. */
#define FWD_MAX_BLOCKS 16

int fwd_init(struct fwd *f, int ingress_fd, const char *ifname, const struct ring *ring)
{
	uint64_t secret[2];

	memset(f, 0, sizeof(*f));
	f->ingress_fd = ingress_fd;
	f->ring = *ring;
	snprintf(f->ifname, sizeof(f->ifname), "%s", ifname);
	f->frags = calloc(1, sizeof(*f->frags));
	if (f->frags == NULL)
		return -1;
	/* Fragment senders must not be able to predict where their entries go. */
	if (getrandom(secret, sizeof(secret), 0) != sizeof(secret)) {
		log_warn("getrandom");
		fwd_free(f);
		return -1;
	}
	frag_init(f->frags, secret);
	return 0;
}

void fwd_free(struct fwd *f)
{
	free(f->frags);
	f->frags = NULL;
	free(f->batch);
	f->batch = NULL;
}

int fwd_set_egress(struct fwd *f, struct egress *egress, unsigned n)
{
	struct egress_batch *batch = calloc(n ? n : 1, sizeof(*batch));

	if (batch == NULL)
		return -1;
	free(f->batch);
	f->batch = batch;
	f->egress = egress;
	f->n_egress = n;
	return 0;
}

static void count_sent(const struct egress *e, const struct egress_batch *b, unsigned from,
		       unsigned n)
{
	for (unsigned i = from; i < from + n; i++) {
		struct rule_output *o = b->owner[i];

		o->packets++;
		if (e->udp)
			o->bytes += b->iov[i][0].iov_len + e->udp_overhead;
		else
			o->bytes += b->iov[i][0].iov_len + b->iov[i][1].iov_len -
				    sizeof(struct virtio_net_hdr) - ETH_HDR_LEN -
				    (o->vlan ? PKT_VLAN_HDR_LEN : 0);
	}
}

/*
 * One sendmmsg for the batch, as a rule.  A full device queue or socket
 * buffer (ENOBUFS, EAGAIN) gets one more try; if it is still full, the
 * rest of this output's batch is dropped and counted, so that a slow
 * output never holds up the others or the input.  Any other error costs
 * the message it happened on, counted on its output: an interface that
 * is down (ENETDOWN, ENXIO), no route (ENETUNREACH, EHOSTUNREACH), or an
 * ICMP error a connected UDP socket reports (ECONNREFUSED).  The kernel
 * returns an error met after the first message on the next call, which
 * starts at that message.
 */
static void egress_flush(struct fwd *f, unsigned i)
{
	const struct egress *e = &f->egress[i];
	struct egress_batch *b = &f->batch[i];
	unsigned done = 0;
	bool retried = false;

	while (done < b->count) {
		int n = sendmmsg(e->fd, b->msgs + done, b->count - done, MSG_DONTWAIT);

		if (n > 0) {
			count_sent(e, b, done, (unsigned)n);
			done += (unsigned)n;
			continue;
		}
		if (n == 0)
			errno = EAGAIN;
		if (errno == EINTR)
			continue;
		if ((errno == ENOBUFS || errno == EAGAIN) && !retried) {
			retried = true;
			continue;
		}
		if (errno == ENOBUFS || errno == EAGAIN) {
			log_debug("%s is full: %u frames dropped", e->label, b->count - done);
			f->stats.egress_full += b->count - done;
			for (; done < b->count; done++)
				b->owner[done]->egress_full++;
			break;
		}
		b->owner[done]->send_errors++;
		f->stats.send_errors++;
		log_debug("send on %s failed: %s", e->label, strerror(errno));
		done++;
	}
	b->count = 0;
}

static void flush_all(struct fwd *f)
{
	for (unsigned i = 0; i < f->n_egress; i++)
		if (f->batch[i].count)
			egress_flush(f, i);
}

/*
 * A checksum that offload left partial stays partial: the virtio header
 * asks the output device (or the kernel, for one without the offload) to
 * complete it, so the payload is never summed here.
 */
static size_t put_vnet_hdr(uint8_t *out, const struct pkt *p, const struct pkt_rewrite *rw,
			   bool partial)
{
	struct virtio_net_hdr vh = { 0 };

	if (partial) {
		vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		vh.csum_start = (uint16_t)(pkt_l2_len(rw) + p->ihl);
		vh.csum_offset = 6;
	}
	memcpy(out, &vh, sizeof(vh));
	return sizeof(vh);
}

/*
 * The next slot of e's batch (the batch sent first if it is full), for o,
 * its message pointing at the slot's n_iov iovecs, which the caller fills.
 */
static unsigned next_slot(struct fwd *f, unsigned i, struct rule_output *o, size_t n_iov)
{
	struct egress_batch *b = &f->batch[i];

	if (b->count == FWD_BATCH)
		egress_flush(f, i);
	unsigned k = b->count++;

	b->owner[k] = o;
	memset(&b->msgs[k].msg_hdr, 0, sizeof(b->msgs[k].msg_hdr));
	b->msgs[k].msg_hdr.msg_iov = b->iov[k];
	b->msgs[k].msg_hdr.msg_iovlen = n_iov;
	return k;
}

/*
 * A udp output sends the payload alone, where it points in the ring; the
 * kernel adds the headers, its TTL and its checksum.  It cannot send a
 * fragment of a datagram: that is counted as too big.
 */
static void queue_udp(struct fwd *f, const struct pkt *p, struct rule *r,
		      struct rule_output *o)
{
	const struct egress *e = &f->egress[o->egress];
	struct egress_batch *b = &f->batch[o->egress];
	size_t payload_len;
	const uint8_t *payload = pkt_payload(p, &payload_len);

	if (!p->has_udp || p->fragment) {
		o->too_big++;
		f->stats.too_big++;
		log_debug("rule %s: a fragmented datagram cannot go to %s", r->name, e->label);
		return;
	}
	unsigned k = next_slot(f, o->egress, o, 1);

	b->iov[k][0].iov_base = (void *)payload;
	b->iov[k][0].iov_len = payload_len;
}

static void queue_output(struct fwd *f, const struct pkt *p, struct rule *r,
			 struct rule_output *o, uint8_t ttl, bool partial)
{
	struct egress *e = &f->egress[o->egress];
	struct egress_batch *b = &f->batch[o->egress];

	if (e->udp) {
		queue_udp(f, p, r, o);
		return;
	}

	struct pkt_rewrite rw = { .group = o->group, .port = o->port, .ttl = ttl,
				  .vlan = o->vlan, .csum_partial = partial };
	size_t payload_len, hdr_len;
	const uint8_t *payload = pkt_payload(p, &payload_len);

	if (p->ip_len > e->mtu) {
		o->too_big++;
		f->stats.too_big++;
		log_debug("rule %s: %zu-byte packet exceeds the MTU %u of %s", r->name,
			  p->ip_len, e->mtu, e->label);
		return;
	}
	unsigned k = next_slot(f, o->egress, o, 2);

	if (addr_is_set(&o->group)) {
		memcpy(rw.dst_mac, o->dst_mac, 6);
	} else {
		/* An output of a prefix rule that keeps each packet's group. */
		rw.group = p->dst;
		addr_multicast_mac(&p->dst, rw.dst_mac);
	}
	memcpy(rw.src_mac, e->mac, 6);
	hdr_len = put_vnet_hdr(b->hdr[k], p, &rw, partial);
	hdr_len += pkt_rewrite_headers(p, &rw, b->hdr[k] + hdr_len);
	b->iov[k][0].iov_base = b->hdr[k];
	b->iov[k][0].iov_len = hdr_len;
	b->iov[k][1].iov_base = (void *)payload;
	b->iov[k][1].iov_len = payload_len;
	/* The protocol a tagged frame is sent with is that of its outer header. */
	b->msgs[k].msg_hdr.msg_name = o->vlan ? &e->addr_tagged : &e->addr;
	b->msgs[k].msg_hdr.msg_namelen = sizeof(e->addr);
}

static void count_drop(struct fwd *f, enum pkt_result res)
{
	switch (res) {
	case PKT_NOT_IP:
	case PKT_NOT_UDP:
		f->stats.not_udp++;
		break;
	case PKT_FRAGMENT:
		f->stats.fragments++;	/* no first fragment to follow (frag.h) */
		break;
	case PKT_IPV6_EXT:
		f->stats.ipv6_ext++;
		break;
	case PKT_VLAN:
		f->stats.vlan++;
		break;
	default:
		f->stats.malformed++;
		break;
	}
	if (log_debug_enabled())
		log_debug("dropped a frame on %s: %s", f->ifname, pkt_result_name(res));
}

/*
 * A later fragment goes where its datagram's first fragment went; nowhere if
 * that was not seen, is forgotten or was claimed by two rules (frag.h).
 */
static struct rule *fragment_rule(struct fwd *f, const struct pkt *p)
{
	long i = frag_lookup(f->frags, &p->src, &p->dst, p->ip_id, f->now_ns);

	/* The same datagram id on another VLAN is another datagram. */
	if (i < 0 || (size_t)i >= f->table.n || f->table.rules[i].vlan != p->vlan)
		return NULL;
	return &f->table.rules[i];
}

static void forward_frame(struct fwd *f, const struct ring_frame *fr)
{
	struct pkt p;
	struct pkt_tag meta = {
		.present = (fr->status & TP_STATUS_VLAN_VALID) != 0,
		.tpid = fr->status & TP_STATUS_VLAN_TPID_VALID ? fr->vlan_tpid : 0,
		.tci = fr->vlan_tci,
	};
	enum pkt_result res = pkt_parse(fr->data, fr->len, &meta, &p);
	struct rule *r;

	/* Only the VLANs chosen in the rules are relayed: untagged (0) is one of them. */
	if ((res == PKT_OK || res == PKT_FRAGMENT) && p.vlan &&
	    !rule_table_has_vlan(&f->table, p.vlan)) {
		f->stats.vlan++;
		if (log_debug_enabled())
			log_debug("dropped a frame on %s: VLAN %u has no rules", f->ifname, p.vlan);
		return;
	}
	if (res == PKT_FRAGMENT) {
		r = fragment_rule(f, &p);
		if (r == NULL) {
			count_drop(f, res);
			return;
		}
	} else if (res != PKT_OK) {
		count_drop(f, res);
		return;
	} else {
		r = rule_table_lookup(&f->table, p.vlan, &p.dst, p.dport, &p.src);
		if (r != NULL && p.fragment)
			frag_remember(f->frags, &p.src, &p.dst, p.ip_id,
				      (uint32_t)(r - f->table.rules), f->now_ns);
	}
	if (r == NULL) {
		f->stats.no_match++;
		if (log_debug_enabled()) {
			char g[ADDR_STRLEN];

			log_debug("no rule for %s on %s",
				  addr_format_port(&p.dst, ntohs(p.dport), g, sizeof(g)), f->ifname);
		}
		return;
	}
	r->packets_in++;
	r->bytes_in += p.ip_len;
	r->last_packet_ns = f->now_ns;

	int ttl = pkt_ttl_apply(r->ttl_mode, r->ttl, p.ttl);

	if (ttl < 0) {
		r->ttl_expired++;
		f->stats.ttl_expired++;
		log_debug("rule %s: TTL expired", r->name);
		return;
	}
	bool partial = (fr->status & TP_STATUS_CSUMNOTREADY) && p.has_udp && !p.fragment;

	for (unsigned i = 0; i < r->n_out; i++)
		queue_output(f, &p, r, &r->out[i], (uint8_t)ttl, partial);
}

static void take_frame(struct fwd *f, const struct ring_frame *fr)
{
	f->stats.rx_packets++;
	f->stats.rx_bytes += fr->wire_len;
	if (fr->len < fr->wire_len) {
		f->stats.malformed++;
		log_debug("dropped a frame on %s: %u bytes, larger than a ring slot",
			  f->ifname, fr->wire_len);
		return;
	}
	forward_frame(f, fr);
}

/* Forwards the frames of one block; false if its frames are not as the kernel writes them. */
static bool forward_block(struct fwd *f, void *block)
{
	struct ring_walk walk;
	struct ring_frame fr;

	ring_walk_init(&walk, block, f->ring.block_size);
	while (ring_walk_next(&walk, &fr))
		take_frame(f, &fr);
	return walk.left == 0;
}

/* Blocks mode: whole blocks, each given back once its batches are sent. */
static void input_blocks(struct fwd *f)
{
	void *block;

	for (int i = 0; i < FWD_MAX_BLOCKS && (block = ring_ready_block(&f->ring)); i++) {
		if (!forward_block(f, block))
			log_warnx("a receive block on %s is inconsistent; frames lost", f->ifname);
		/* The batches point into the block: send them before giving it back. */
		flush_all(f);
		ring_release_block(&f->ring);
	}
}

/* Frames mode: up to FWD_BATCH frames at a time, given back once their batches are sent. */
static void input_frames(struct fwd *f)
{
	struct ring *r = &f->ring;

	for (int round = 0; round < FWD_MAX_BLOCKS; round++) {
		uint32_t start = r->next, n = 0;
		void *slot;

		while (n < FWD_BATCH && (slot = ring_ready_frame(r)) != NULL) {
			struct ring_frame fr;

			if (ring_frame_read(r, slot, &fr))
				take_frame(f, &fr);
			else
				f->stats.malformed++;
			r->next = (r->next + 1) % r->frames;
			n++;
		}
		flush_all(f);
		ring_release_frames(r, start, n);
		if (n < FWD_BATCH)
			break;
	}
}

void fwd_input(struct fwd *f)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	f->now_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	if (f->ring.mode == RING_FRAMES)
		input_frames(f);
	else
		input_blocks(f);
}

static double per_second(uint64_t now, uint64_t then, uint64_t dt_ns)
{
	return (double)(now - then) * 1e9 / (double)dt_ns;
}

void fwd_update_rates(struct fwd *f, uint64_t dt_ns)
{
	if (dt_ns == 0)
		return;
	for (size_t i = 0; i < f->table.n; i++) {
		struct rule *r = &f->table.rules[i];

		r->pps = per_second(r->packets_in, r->rate_packets, dt_ns);
		r->bps = 8 * per_second(r->bytes_in, r->rate_bytes, dt_ns);
		r->rate_packets = r->packets_in;
		r->rate_bytes = r->bytes_in;
		for (unsigned k = 0; k < r->n_all; k++) {
			struct rule_output *o = &r->out[k];

			o->pps = per_second(o->packets, o->rate_packets, dt_ns);
			o->bps = 8 * per_second(o->bytes, o->rate_bytes, dt_ns);
			o->rate_packets = o->packets;
			o->rate_bytes = o->bytes;
		}
	}
}

void fwd_collect_kernel_stats(struct fwd *f)
{
	/* The v3 layout is the v2 one with a field more: enough for either. */
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof(st);

	if (f->ingress_fd >= 0 &&
	    getsockopt(f->ingress_fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
		f->stats.ring_drops += st.tp_drops;
}
