#include "config.h"

#include "common/ring_socket.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

/* The kernel wants a frame size for V3 too; it only checks that blocks divide into frames. */
#define RING_FRAME_UNIT 2048u

static int setup_frames(int fd, const struct ring_params *p)
{
	int version = TPACKET_V2;
	struct tpacket_req req = {
		.tp_block_size = p->block_size,
		.tp_block_nr = p->blocks,
		.tp_frame_size = p->frame_size,
		.tp_frame_nr = p->block_size / p->frame_size * p->blocks,
	};

	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) < 0)
		return -1;
	return setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req));
}

int ring_setup(int fd, const struct ring_params *p)
{
	int version = TPACKET_V3;
	struct tpacket_req3 req = {
		.tp_block_size = p->block_size,
		.tp_block_nr = p->blocks,
		.tp_frame_size = RING_FRAME_UNIT,
		.tp_frame_nr = p->block_size / RING_FRAME_UNIT * p->blocks,
		.tp_retire_blk_tov = p->timeout_ms,
	};

	if (p->mode == RING_FRAMES)
		return setup_frames(fd, p);

	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) < 0)
		return -1;
	return setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req));
}

int ring_map(struct ring *r, int fd, const struct ring_params *p)
{
	struct stat st;
	size_t len = (size_t)p->block_size * p->blocks;
	void *m;

	memset(r, 0, sizeof(*r));
	if (p->blocks == 0 || p->block_size == 0 || fstat(fd, &st) < 0 ||
	    (p->mode == RING_FRAMES && (p->frame_size == 0 || p->frame_size > p->block_size)))
		return -1;
	/* The kernel refuses a length other than its ring's: a mismatch cannot go unnoticed. */
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (m == MAP_FAILED)
		return -1;
	r->map = m;
	r->map_len = len;
	r->mode = p->mode;
	r->block_size = p->block_size;
	r->blocks = p->blocks;
	if (p->mode == RING_FRAMES) {
		r->frame_size = p->frame_size;
		r->frames_per_block = p->block_size / p->frame_size;
		r->frames = r->frames_per_block * p->blocks;
	}
	r->dev = st.st_dev;
	r->ino = st.st_ino;
	return 0;
}

bool ring_same_socket(const struct ring *r, int fd)
{
	struct stat st;

	return r->map != NULL && fstat(fd, &st) == 0 && st.st_dev == r->dev &&
	       st.st_ino == r->ino;
}

void ring_unmap(struct ring *r)
{
	if (r->map != NULL)
		munmap(r->map, r->map_len);
	memset(r, 0, sizeof(*r));
}

int txring_setup(int fd, const struct txring_params *p)
{
	int version = TPACKET_V2, one = 1;
	struct tpacket_req req = {
		.tp_block_size = p->block_size,
		.tp_block_nr = p->blocks,
		.tp_frame_size = p->frame_size,
		.tp_frame_nr = p->frames,
	};

	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_LOSS, &one, sizeof(one)) < 0)
		return -1;
	return setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req));
}

int txring_map(struct txring *t, int fd, const struct txring_params *p)
{
	size_t len = (size_t)p->block_size * p->blocks;
	void *m;

	memset(t, 0, sizeof(*t));
	/* The kernel refuses a length other than its ring's. */
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (m == MAP_FAILED)
		return -1;
	txring_init(t, m, p);
	return 0;
}

void txring_unmap(struct txring *t)
{
	if (t->map != NULL)
		munmap(t->map, t->map_len);
	memset(t, 0, sizeof(*t));
}
