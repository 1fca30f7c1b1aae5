#include "config.h"

#include "worker/forward.h"

#include "common/log.h"
#include "common/ring_socket.h"
#include "lib/monitor.h"
#include "lib/kpath_plan.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Bounded work per wake-up so the channel is never starved. */
#define FWD_MAX_BLOCKS 16
/* Frames mode: frames taken from the ring between two flushes. */
#define FWD_BATCH 256

int fwd_init(struct fwd *f, const char *ifname, struct ring *ring)
{
	uint64_t secret[2];

	memset(f, 0, sizeof(*f));
	f->ring = ring;
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

static void out_free(struct fwd_out *o)
{
	txring_unmap(&o->ring);
	free(o->slots);
	memset(o, 0, sizeof(*o));
}

void fwd_free(struct fwd *f)
{
	free(f->frags);
	f->frags = NULL;
	for (unsigned i = 0; f->out != NULL && i < f->n_egress; i++)
		out_free(&f->out[i]);
	free(f->out);
	f->out = NULL;
}

/* old's output on the same socket, if it has its ring mapped. */
static struct fwd_out *same_socket(struct fwd *old, uint64_t serial)
{
	for (unsigned i = 0; old != NULL && old->out != NULL && i < old->n_egress; i++)
		if (old->out[i].ring.map != NULL && old->out[i].serial == serial)
			return &old->out[i];
	return NULL;
}

static int map_out(struct fwd_out *o, const struct egress *e)
{
	o->serial = e->serial;
	o->slots = calloc(e->tx.frames, sizeof(*o->slots));
	if (o->slots == NULL || txring_map(&o->ring, e->fd, &e->tx) < 0) {
		free(o->slots);
		o->slots = NULL;
		return -1;
	}
	return 0;
}

int fwd_set_egress(struct fwd *f, struct fwd *old, const struct egress *egress, unsigned n)
{
	struct fwd_out *out = calloc(n ? n : 1, sizeof(*out));
	unsigned i;

	if (out == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (egress[i].udp)
			continue;
		if (same_socket(old, egress[i].serial) != NULL)
			continue;	/* taken over below, once nothing can fail */
		if (map_out(&out[i], &egress[i]) < 0)
			break;
	}
	if (i < n) {
		for (unsigned k = 0; k < i; k++)
			out_free(&out[k]);
		free(out);
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct fwd_out *o = egress[i].udp ? NULL : same_socket(old, egress[i].serial);

		if (o != NULL) {
			out[i] = *o;
			memset(o, 0, sizeof(*o));
		}
	}
	f->egress = egress;
	f->out = out;
	f->n_egress = n;
	return 0;
}

static void count_sent(struct fwd_out *out, uint32_t first, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++) {
		const struct fwd_slot *s = &out->slots[(first + k) % out->ring.p.frames];

		s->owner->packets++;
		s->owner->bytes += s->bytes;
	}
}

static void count_unsent(struct fwd *f, struct fwd_out *out, uint32_t first, uint32_t n,
			 bool full)
{
	for (uint32_t k = 0; k < n; k++) {
		struct rule_output *o = out->slots[(first + k) % out->ring.p.frames].owner;

		if (full)
			o->egress_full++;
		else
			o->send_errors++;
	}
	if (full)
		f->stats.egress_full += n;
	else
		f->stats.send_errors += n;
}

/*
 * Hands the frames queued in an output's ring to the kernel with one
 * address-less send: the socket is bound to the output interface, so they
 * can go nowhere else.  The kernel sends them in order and stops at the
 * first it cannot (a full device queue or socket buffer: ENOBUFS, EAGAIN,
 * or a short count); that gets one more try, and if it still stays, the
 * rest of the ring's frames are dropped and counted, so that a slow
 * output never holds up the others or the input.  Any other error (the
 * interface is down: ENETDOWN, ENXIO) costs every frame queued, counted as
 * send errors.
 */
static void flush_out(struct fwd *f, unsigned i)
{
	const struct egress *e = &f->egress[i];
	struct fwd_out *out = &f->out[i];
	struct txring *t = &out->ring;
	bool retried = false;

	while (t->queued) {
		uint32_t first = t->first;
		int err = sendto(e->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 ? errno : 0;
		uint32_t n = txring_taken(t);

		count_sent(out, first, n);
		if (t->queued == 0 || err == EINTR)
			continue;
		bool full = err == 0 || err == ENOBUFS || err == EAGAIN;

		if (full && !retried) {
			retried = true;
			continue;
		}
		first = t->first;
		n = txring_drop_queued(t);
		count_unsent(f, out, first, n, full);
		if (full)
			log_debug("%s is full: %u frames dropped", e->label, n);
		else
			log_debug("send on %s failed: %s; %u frames dropped", e->label,
				  strerror(err), n);
	}
}

static void flush_all(struct fwd *f)
{
	for (unsigned i = 0; i < f->n_egress; i++)
		if (f->out[i].ring.queued)
			flush_out(f, i);
}

/*
 * A checksum that offload left partial stays partial: the virtio header
 * asks the output device (or the kernel, for one without the offload) to
 * complete it, so the payload is never summed here.  hdr_len is the whole
 * frame: the kernel copies it out of the ring at once, and the slot is
 * free again as soon as the frame is sent.
 */
static void put_vnet_hdr(uint8_t *out, const struct pkt *p, const struct pkt_rewrite *rw,
			 bool partial, size_t frame_len)
{
	struct virtio_net_hdr vh = { .hdr_len = (uint16_t)frame_len };

	if (partial) {
		vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		vh.csum_start = (uint16_t)(pkt_l2_len(rw) + p->ihl);
		vh.csum_offset = 6;
	}
	memcpy(out, &vh, sizeof(vh));
}

static void count_too_big(struct fwd *f, struct rule_output *o)
{
	o->too_big++;
	f->stats.too_big++;
}

/*
 * A udp output sends the payload alone, from where it is in the receive
 * ring, at once: the socket is connected, and an address-less send can go
 * nowhere else.  The kernel adds the headers, its TTL and its checksum.
 * A fragment of a datagram cannot be sent so: it counts as too big.
 */
static void send_udp(struct fwd *f, const struct pkt *p, struct rule *r,
		     struct rule_output *o)
{
	const struct egress *e = &f->egress[o->egress];
	size_t payload_len;
	const uint8_t *payload = pkt_payload(p, &payload_len);
	bool retried = false;

	if (!p->has_udp || p->fragment) {
		count_too_big(f, o);
		log_debug("rule %s: a fragmented datagram cannot go to %s", r->name, e->label);
		return;
	}
	for (;;) {
		if (send(e->fd, payload, payload_len, MSG_DONTWAIT) >= 0) {
			o->packets++;
			o->bytes += payload_len + e->udp_overhead;
			return;
		}
		if (errno == EINTR || ((errno == ENOBUFS || errno == EAGAIN) && !retried)) {
			retried = true;
			continue;
		}
		break;
	}
	if (errno == ENOBUFS || errno == EAGAIN) {
		o->egress_full++;
		f->stats.egress_full++;
		log_debug("%s is full: a datagram dropped", e->label);
	} else {
		o->send_errors++;
		f->stats.send_errors++;
		log_debug("send on %s failed: %s", e->label, strerror(errno));
	}
}

/* A free slot of the output's ring, flushing the ring first if it has none. */
static uint8_t *claim_slot(struct fwd *f, unsigned i, uint32_t *slot)
{
	uint8_t *d = txring_claim(&f->out[i].ring, slot);

	if (d == NULL && f->out[i].ring.queued) {
		flush_out(f, i);
		d = txring_claim(&f->out[i].ring, slot);
	}
	return d;
}

static void queue_output(struct fwd *f, const struct pkt *p, struct rule *r,
			 struct rule_output *o, uint8_t ttl, bool partial)
{
	const struct egress *e = &f->egress[o->egress];

	if (e->udp) {
		send_udp(f, p, r, o);
		return;
	}

	struct fwd_out *out = &f->out[o->egress];
	struct pkt_rewrite rw = { .group = o->group, .port = o->port, .ttl = ttl,
				  .vlan = o->vlan, .csum_partial = partial };
	size_t payload_len, hdr_len, frame_len;
	const uint8_t *payload = pkt_payload(p, &payload_len);
	uint32_t slot;
	uint8_t *d;

	frame_len = pkt_l2_len(&rw) + p->ip_len;
	if (p->ip_len > e->mtu || TXRING_VNET_LEN + frame_len > txring_room(&out->ring)) {
		count_too_big(f, o);
		log_debug("rule %s: %zu-byte packet exceeds the MTU %u of %s", r->name,
			  p->ip_len, e->mtu, e->label);
		return;
	}
	if ((d = claim_slot(f, o->egress, &slot)) == NULL) {
		o->egress_full++;
		f->stats.egress_full++;
		log_debug("%s: every slot of its ring is still being sent", e->label);
		return;
	}
	if (addr_is_set(&o->group)) {
		memcpy(rw.dst_mac, o->dst_mac, 6);
	} else {
		/* An output of a prefix rule that keeps each packet's group. */
		rw.group = p->dst;
		addr_multicast_mac(&p->dst, rw.dst_mac);
	}
	memcpy(rw.src_mac, e->mac, 6);
	hdr_len = pkt_rewrite_headers(p, &rw, d + TXRING_VNET_LEN);
	memcpy(d + TXRING_VNET_LEN + hdr_len, payload, payload_len);
	frame_len = hdr_len + payload_len;
	put_vnet_hdr(d, p, &rw, partial, frame_len);
	out->slots[slot] = (struct fwd_slot){ o, (uint32_t)(frame_len - pkt_l2_len(&rw)) };
	txring_queue(&out->ring, slot, (uint32_t)(TXRING_VNET_LEN + frame_len));
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

/*
 * Whether the kernel path relays this frame, whose best rule r is: the
 * predicate the tc program applies (lib/kpath_abi.h), for a rule the
 * program runs on its kernel path.  While the program changes table,
 * only a frame both tables give to the kernel path is left to it: a frame
 * one of them keeps for the packet path may come out twice for a few
 * milliseconds, none is lost.
 */
static bool left_to_kernel(const struct fwd *f, const struct pkt *p, const struct rule *r)
{
	if (f->kpath == FWD_KPATH_NONE || !r->kernel ||
	    !kpath_handles(PKT_OK, p, p->ip_len > f->in_mtu))
		return false;
	if (f->kpath == FWD_KPATH_SETTLED)
		return true;

	const struct rule *prev =
		rule_table_lookup(f->kpath_prev, p->vlan, &p->dst, p->dport, &p->src);

	return prev != NULL && prev->kernel;
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
	if (res == PKT_OK && left_to_kernel(f, &p, r)) {
		f->stats.kernel_path++;
		return;
	}
	r->packets_in++;
	r->bytes_in += p.ip_len;
	r->last_packet_ns = f->now_ns;
	/* Upstream loss, for the rules that ask (monitor = ...); one branch for the others. */
	if (r->monitor != NULL)
		monitor_packet(r->monitor, &p);

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

	ring_walk_init(&walk, block, f->ring->block_size);
	while (ring_walk_next(&walk, &fr))
		take_frame(f, &fr);
	return walk.left == 0;
}

/* Blocks mode: whole blocks, each given back once its batches are sent. */
static void input_blocks(struct fwd *f)
{
	void *block;

	for (int i = 0; i < FWD_MAX_BLOCKS && (block = ring_ready_block(f->ring)); i++) {
		if (!forward_block(f, block))
			log_warnx("a receive block on %s is inconsistent; frames lost", f->ifname);
		/* The batches point into the block: send them before giving it back. */
		flush_all(f);
		ring_release_block(f->ring);
	}
}

/* Frames mode: up to FWD_BATCH frames at a time, given back once their batches are sent. */
static void input_frames(struct fwd *f)
{
	struct ring *r = f->ring;

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
	if (f->ring->mode == RING_FRAMES)
		input_frames(f);
	else
		input_blocks(f);
}

void fwd_drain(struct fwd *f)
{
	uint32_t units = f->ring->mode == RING_FRAMES ? f->ring->frames / FWD_BATCH
						      : f->ring->blocks / FWD_MAX_BLOCKS;

	for (uint32_t i = 0; i <= units; i++) {
		bool ready = f->ring->mode == RING_FRAMES ? ring_ready_frame(f->ring) != NULL
							  : ring_ready_block(f->ring) != NULL;

		if (!ready)
			break;
		fwd_input(f);
	}
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


