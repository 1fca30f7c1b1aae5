#ifndef MCRELAY_TXRING_H
#define MCRELAY_TXRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * An egress socket's transmit ring (PACKET_TX_RING, TPACKET_V2).  The
 * supervisor sets it up on the socket; the worker maps it, writes each
 * frame into a free slot, marks it for sending and flushes the socket with
 * an address-less send, so that a frame can only leave through the
 * interface the socket is bound to (mcrelay(8), SECURITY).  The kernel
 * gives a slot back once its frame is sent or dropped.  Pure: memory only.
 */

/* Bytes before a frame's data in a slot: the tpacket2 header, aligned. */
#define TXRING_DATA_OFF 32u
/* A virtio_net_hdr starts every frame (the socket has PACKET_VNET_HDR). */
#define TXRING_VNET_LEN 10u
/* Room for the Ethernet header and an 802.1Q tag in front of the IP packet. */
#define TXRING_L2_MAX 18u

#define TXRING_FRAMES 1024u
#define TXRING_BLOCK_SIZE (64u * 1024)
#define TXRING_BYTES_MAX (8u * 1024 * 1024)
#define TXRING_MTU_MAX 65535u

/* The geometry the supervisor sets up and the worker maps. */
struct txring_params {
	uint32_t frame_size;	/* a multiple of 16 */
	uint32_t block_size;	/* a multiple of the page */
	uint32_t blocks;
	uint32_t frames;	/* block_size / frame_size * blocks */
};

/* For an interface with this MTU: slots for its largest frame, about TXRING_FRAMES of them. */
void txring_params_for(unsigned mtu, uint32_t page, struct txring_params *out);
/* Whether p is a geometry txring_params_for could have made (a worker checks what it gets). */
bool txring_params_valid(const struct txring_params *p, uint32_t page);

struct txring {
	uint8_t *map;		/* NULL: none */
	size_t map_len;
	struct txring_params p;
	uint32_t frames_per_block;
	uint32_t next;		/* the slot to fill next */
	uint32_t first;		/* the oldest slot filled since the last flush */
	uint32_t queued;	/* slots filled since the last flush */
};

/* Over memory already mapped (or any buffer of the same layout, in the tests). */
void txring_init(struct txring *t, void *map, const struct txring_params *p);

/* Slot i's data, where a frame's virtio_net_hdr starts. */
uint8_t *txring_data(const struct txring *t, uint32_t i);
/* The most bytes a slot holds: virtio_net_hdr and frame. */
static inline uint32_t txring_room(const struct txring *t)
{
	return t->p.frame_size - TXRING_DATA_OFF;
}

/*
 * The next free slot's data, or NULL when the kernel still holds it (the
 * ring is full of frames not yet sent).  txring_queue then hands it over.
 */
uint8_t *txring_claim(const struct txring *t, uint32_t *slot);
void txring_queue(struct txring *t, uint32_t slot, uint32_t len);

/*
 * After a flush: how many of the queued slots, oldest first, the kernel
 * has taken (sending or sent); those are forgotten, the rest stay queued.
 */
uint32_t txring_taken(struct txring *t);
/* Gives the queued slots back unsent (the socket stayed full); returns how many. */
uint32_t txring_drop_queued(struct txring *t);

#endif
