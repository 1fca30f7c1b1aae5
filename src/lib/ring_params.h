#ifndef MCRELAY_RING_PARAMS_H
#define MCRELAY_RING_PARAMS_H

#include <stdint.h>

/*
 * The geometry of an ingress socket's receive ring, as the configuration
 * and the hand-off carry it.  The supervisor sets the ring up on the
 * socket before binding it, so that no frame is ever queued outside it.
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

#endif
