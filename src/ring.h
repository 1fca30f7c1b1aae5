#ifndef MCRELAY_RING_H
#define MCRELAY_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The TPACKET_V3 receive ring of an ingress socket.  The supervisor sets it
 * up on the socket before binding it, so that no frame is ever queued
 * outside the ring; the worker maps it and owns it from then on, across
 * every configuration that re-sends the same socket.
 */

#define RING_PAGE 4096u
#define RING_BLOCK_SIZE_MIN RING_PAGE
#define RING_BLOCK_SIZE_MAX (64u * 1024 * 1024)
#define RING_BLOCKS_MIN 2u
#define RING_BLOCKS_MAX 4096u
#define RING_BYTES_MAX (1024u * 1024 * 1024)
#define RING_TIMEOUT_MAX_MS 1000u

#define RING_DEFAULT_BLOCK_SIZE (128u * 1024)	/* raised for large MTUs */
#define RING_DEFAULT_BLOCKS 64u
#define RING_DEFAULT_TIMEOUT_MS 1u

/*
 * How frames are handed over.  Blocks (TPACKET_V3): a block at a time, when
 * it is full or its timeout passes; the fewest wake-ups, but a frame may
 * wait up to the timeout.  Frames (TPACKET_V2): each frame as it arrives;
 * the worker takes whatever has arrived by the time it runs.
 */
enum ring_mode { RING_MODE_DEFAULT = 0, RING_FRAMES = 2, RING_BLOCKS = 3 };

/* 0 in a field of a configuration: the default. */
struct ring_params {
	uint32_t block_size;	/* bytes, a multiple of RING_PAGE */
	uint32_t blocks;
	uint32_t timeout_ms;	/* blocks: handed over at most this long after it opens */
	uint32_t mode;		/* enum ring_mode */
	uint32_t frame_size;	/* frames: bytes a frame slot takes (set by resolve) */
};

/* Bytes of a block that one frame of an interface with this MTU can take. */
uint32_t ring_frame_max(unsigned mtu);

/*
 * The geometry for an interface: defaults filled in, and a block raised
 * (to a multiple of page) until it holds at least one frame of mtu.
 */
void ring_params_resolve(const struct ring_params *conf, unsigned mtu,
			 uint32_t page, struct ring_params *out);

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

/* On a socket that is not bound yet (the supervisor). */
int ring_setup(int fd, const struct ring_params *p);
/* Maps the ring that fd's socket has (the worker). */
int ring_map(struct ring *r, int fd, const struct ring_params *p);
bool ring_same_socket(const struct ring *r, int fd);
void ring_unmap(struct ring *r);

#endif
