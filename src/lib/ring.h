#ifndef MCRELAY_RING_H
#define MCRELAY_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/ring_params.h"

/*
 * A receive ring as mapped: walking its blocks (TPACKET_V3) or frames
 * (TPACKET_V2) and handing them back.  Pure: it reads and writes memory
 * the kernel shares, nothing else (ring_socket.h sets up and maps).
 */

/* One frame of a block; data points into the ring. */
struct ring_frame {
	uint8_t *data;
	uint32_t len;		/* captured bytes */
	uint32_t wire_len;	/* bytes on the wire; more than len when truncated */
	uint32_t status;	/* TP_STATUS_* */
	uint16_t vlan_tci;	/* with TP_STATUS_VLAN_VALID: the tag offload took out */
	uint16_t vlan_tpid;	/* with TP_STATUS_VLAN_TPID_VALID */
};

/* Walks the frames of one block, checking every offset against its size. */
struct ring_walk {
	uint8_t *block;
	size_t size;
	uint32_t left;
	size_t off;
};

void ring_walk_init(struct ring_walk *w, void *block, size_t size);
/* False when the block has no more frames, or its next offset is out of bounds. */
bool ring_walk_next(struct ring_walk *w, struct ring_frame *f);

struct ring {
	uint8_t *map;		/* NULL: none */
	size_t map_len;
	uint32_t mode;
	uint32_t block_size, blocks;
	uint32_t frame_size, frames_per_block, frames;
	uint32_t next;		/* the block (or frame) the kernel fills next after ours */
	dev_t dev;		/* the socket it belongs to */
	ino_t ino;
};

/* The next block, if the kernel has handed it over; NULL otherwise. */
void *ring_ready_block(const struct ring *r);
/* Gives the block ring_ready_block returned back to the kernel. */
void ring_release_block(struct ring *r);

/* Frames mode: the frame the kernel hands over next, if it has; NULL otherwise. */
void *ring_ready_frame(const struct ring *r);
/* Reads a frame slot's header; false if it does not fit its slot. */
bool ring_frame_read(const struct ring *r, void *slot, struct ring_frame *f);
/* Gives n frame slots back to the kernel, starting at slot from. */
void ring_release_frames(struct ring *r, uint32_t from, uint32_t n);
/* Frames mode: the address of frame slot i. */
void *ring_frame_slot(const struct ring *r, uint32_t i);

#endif
