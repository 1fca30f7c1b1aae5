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

/* 0 in a field of a configuration: the default. */
struct ring_params {
	uint32_t block_size;	/* bytes, a multiple of RING_PAGE */
	uint32_t blocks;
	uint32_t timeout_ms;	/* a block is handed over at most this long after it opens */
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
	uint32_t block_size, blocks;
	uint32_t next;		/* the block the kernel fills next after the ones we hold */
	dev_t dev;		/* the socket it belongs to */
	ino_t ino;
};

/* The next block, if the kernel has handed it over; NULL otherwise. */
void *ring_ready_block(const struct ring *r);
/* Gives the block ring_ready_block returned back to the kernel. */
void ring_release_block(struct ring *r);

/* On a socket that is not bound yet (the supervisor). */
int ring_setup(int fd, const struct ring_params *p);
/* Maps the ring that fd's socket has (the worker). */
int ring_map(struct ring *r, int fd, const struct ring_params *p);
bool ring_same_socket(const struct ring *r, int fd);
void ring_unmap(struct ring *r);

#endif
