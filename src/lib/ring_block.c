#include "config.h"

#include "lib/ring.h"

#include "lib/packet.h"

#include <linux/if_packet.h>

#define RING_DEFAULT_BYTES (8u * 1024 * 1024)

uint32_t ring_frame_max(unsigned mtu)
{
	/* The kernel aligns the network header after its own headers and the MAC header. */
	size_t hdr = TPACKET_ALIGN(TPACKET_ALIGN(sizeof(struct tpacket3_hdr)) +
				   sizeof(struct sockaddr_ll) + ETH_HDR_LEN + 8);
	size_t blk = TPACKET_ALIGN(sizeof(struct tpacket_block_desc));

	return (uint32_t)(blk + hdr + mtu + 64);
}

static uint32_t round_up(uint32_t v, uint32_t to)
{
	return (v + to - 1) / to * to;
}

/* A frame slot of TPACKET_V2: its header, the MAC header aligned after it, the frame. */
static uint32_t frame_slot_size(unsigned mtu)
{
	size_t hdr = TPACKET_ALIGN(TPACKET_ALIGN(sizeof(struct tpacket2_hdr)) +
				   sizeof(struct sockaddr_ll) + 16);

	return (uint32_t)TPACKET_ALIGN(hdr + ETH_HDR_LEN + 8 + mtu + 64);
}

void ring_params_resolve(const struct ring_params *conf, unsigned mtu,
			 uint32_t page, struct ring_params *out)
{
	uint32_t need = ring_frame_max(mtu);

	if (page == 0)
		page = RING_PAGE;
	*out = *conf;
	if (out->block_size == 0) {
		/* Room for a few maximum frames, so that a block rarely ends half empty. */
		out->block_size = RING_DEFAULT_BLOCK_SIZE;
		while (out->block_size < 8 * need && out->block_size < RING_BLOCK_SIZE_MAX)
			out->block_size *= 2;
	}
	if (out->block_size < need)
		out->block_size = need;
	out->block_size = round_up(out->block_size, page);
	if (out->blocks == 0) {
		out->blocks = RING_DEFAULT_BYTES / out->block_size;
		if (out->blocks < 8)
			out->blocks = 8;
	}
	if (out->timeout_ms == 0)
		out->timeout_ms = RING_DEFAULT_TIMEOUT_MS;
	if (out->mode == RING_MODE_DEFAULT)
		out->mode = RING_FRAMES;
	out->frame_size = out->mode == RING_FRAMES ? frame_slot_size(mtu) : 0;
}

void ring_walk_init(struct ring_walk *w, void *block, size_t size)
{
	const struct tpacket_block_desc *bd = block;

	w->block = block;
	w->size = size;
	w->left = bd->hdr.bh1.num_pkts;
	w->off = bd->hdr.bh1.offset_to_first_pkt;
}

bool ring_walk_next(struct ring_walk *w, struct ring_frame *f)
{
	const struct tpacket3_hdr *h;
	size_t room;

	if (w->left == 0 || w->off % sizeof(uint32_t) != 0 || w->off > w->size ||
	    w->size - w->off < sizeof(*h))
		return false;
	h = (const struct tpacket3_hdr *)(w->block + w->off);
	room = w->size - w->off;
	if (h->tp_mac > room || h->tp_snaplen > room - h->tp_mac)
		return false;
	f->data = w->block + w->off + h->tp_mac;
	f->len = h->tp_snaplen;
	f->wire_len = h->tp_len;
	f->status = h->tp_status;
	f->vlan_tci = (uint16_t)h->hv1.tp_vlan_tci;
	f->vlan_tpid = (uint16_t)h->hv1.tp_vlan_tpid;
	w->left--;
	if (h->tp_next_offset == 0)
		w->left = 0;
	w->off += h->tp_next_offset;
	return true;
}

static struct tpacket_block_desc *block_at(const struct ring *r, uint32_t i)
{
	return (struct tpacket_block_desc *)(r->map + (size_t)i * r->block_size);
}

void *ring_ready_block(const struct ring *r)
{
	struct tpacket_block_desc *bd = block_at(r, r->next);

	/* Acquire: the frames are read only after the kernel said they are ours. */
	if (__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)
		return bd;
	return NULL;
}

void ring_release_block(struct ring *r)
{
	struct tpacket_block_desc *bd = block_at(r, r->next);

	__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
	r->next = (r->next + 1) % r->blocks;
}

void *ring_frame_slot(const struct ring *r, uint32_t i)
{
	return r->map + (size_t)(i / r->frames_per_block) * r->block_size +
	       (size_t)(i % r->frames_per_block) * r->frame_size;
}

void *ring_ready_frame(const struct ring *r)
{
	struct tpacket2_hdr *h = ring_frame_slot(r, r->next);

	if (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)
		return h;
	return NULL;
}

bool ring_frame_read(const struct ring *r, void *slot, struct ring_frame *f)
{
	const struct tpacket2_hdr *h = slot;

	if (h->tp_mac > r->frame_size || h->tp_snaplen > r->frame_size - h->tp_mac)
		return false;
	f->data = (uint8_t *)slot + h->tp_mac;
	f->len = h->tp_snaplen;
	f->wire_len = h->tp_len;
	f->status = h->tp_status;
	f->vlan_tci = h->tp_vlan_tci;
	f->vlan_tpid = h->tp_vlan_tpid;
	return true;
}

void ring_release_frames(struct ring *r, uint32_t from, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++) {
		struct tpacket2_hdr *h = ring_frame_slot(r, (from + k) % r->frames);

		__atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
	}
}
