#include "config.h"

#include "lib/txring.h"

#include <linux/if_packet.h>
#include <string.h>

/* The slot header's first two words, as struct tpacket2_hdr has them. */
struct slot_hdr {
	uint32_t status;
	uint32_t len;
};

_Static_assert(TXRING_DATA_OFF == TPACKET2_HDRLEN - sizeof(struct sockaddr_ll),
	       "frame data offset of a TPACKET_V2 transmit ring");
_Static_assert(offsetof(struct tpacket2_hdr, tp_status) == 0 &&
		       offsetof(struct tpacket2_hdr, tp_len) == 4,
	       "tpacket2_hdr layout");

#define BUSY (TP_STATUS_SEND_REQUEST | TP_STATUS_SENDING)

static uint32_t align16(uint32_t v)
{
	return (v + 15) & ~15u;
}

void txring_params_for(unsigned mtu, uint32_t page, struct txring_params *out)
{
	uint32_t frame, per_block, blocks;

	if (mtu > TXRING_MTU_MAX)
		mtu = TXRING_MTU_MAX;
	frame = align16(TXRING_DATA_OFF + TXRING_VNET_LEN + TXRING_L2_MAX + mtu);
	out->block_size = TXRING_BLOCK_SIZE;
	while (out->block_size < frame)
		out->block_size *= 2;
	out->block_size = (out->block_size + page - 1) / page * page;
	per_block = out->block_size / frame;
	blocks = (TXRING_FRAMES + per_block - 1) / per_block;
	while (blocks > 1 && (uint64_t)blocks * out->block_size > TXRING_BYTES_MAX)
		blocks--;
	out->frame_size = frame;
	out->blocks = blocks;
	out->frames = per_block * blocks;
}

bool txring_params_valid(const struct txring_params *p, uint32_t page)
{
	if (page == 0 || p->frame_size < TXRING_DATA_OFF + TXRING_VNET_LEN + TXRING_L2_MAX ||
	    p->frame_size % 16 || p->block_size == 0 || p->block_size % page ||
	    p->frame_size > p->block_size || p->blocks == 0)
		return false;
	if ((uint64_t)p->block_size * p->blocks > 2ull * TXRING_BYTES_MAX + p->block_size)
		return false;
	return (uint64_t)p->block_size / p->frame_size * p->blocks == p->frames;
}

void txring_init(struct txring *t, void *map, const struct txring_params *p)
{
	memset(t, 0, sizeof(*t));
	t->map = map;
	t->map_len = (size_t)p->block_size * p->blocks;
	t->p = *p;
	t->frames_per_block = p->block_size / p->frame_size;
}

/* Frames do not cross blocks: the kernel's own addressing of slot i. */
static struct slot_hdr *slot(const struct txring *t, uint32_t i)
{
	size_t block = i / t->frames_per_block, in = i % t->frames_per_block;

	return (struct slot_hdr *)(t->map + block * t->p.block_size + in * t->p.frame_size);
}

uint8_t *txring_data(const struct txring *t, uint32_t i)
{
	return (uint8_t *)slot(t, i) + TXRING_DATA_OFF;
}

static uint32_t status_of(const struct txring *t, uint32_t i)
{
	return __atomic_load_n(&slot(t, i)->status, __ATOMIC_ACQUIRE);
}

uint8_t *txring_claim(const struct txring *t, uint32_t *i)
{
	if (t->map == NULL || t->queued == t->p.frames || status_of(t, t->next) & BUSY)
		return NULL;
	*i = t->next;
	return txring_data(t, t->next);
}

void txring_queue(struct txring *t, uint32_t i, uint32_t len)
{
	struct slot_hdr *h = slot(t, i);

	h->len = len;
	/* The frame is written before the kernel may see the slot as its own. */
	__atomic_store_n(&h->status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
	if (t->queued++ == 0)
		t->first = i;
	t->next = (i + 1) % t->p.frames;
}

uint32_t txring_taken(struct txring *t)
{
	uint32_t n = 0;

	while (n < t->queued && !(status_of(t, (t->first + n) % t->p.frames) &
				  TP_STATUS_SEND_REQUEST))
		n++;
	t->first = (t->first + n) % t->p.frames;
	t->queued -= n;
	return n;
}

/*
 * The kernel stops at the first slot it could not send and starts there
 * at the next flush: the ring is rewound to it, so that the next frame
 * fills that slot and nothing queued after it waits for a wrap-around.
 */
uint32_t txring_drop_queued(struct txring *t)
{
	uint32_t n = t->queued;

	for (uint32_t k = 0; k < n; k++)
		__atomic_store_n(&slot(t, (t->first + k) % t->p.frames)->status,
				 TP_STATUS_AVAILABLE, __ATOMIC_RELEASE);
	t->next = t->first;
	t->queued = 0;
	return n;
}
