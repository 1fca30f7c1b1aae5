/*
 * The receive ring without a kernel: geometry, and the block walker and
 * block ownership over blocks built here the way TPACKET_V3 lays them out.
 */
#include "config.h"

#include "lib/ring.h"
#include "unit.h"

#include <linux/if_packet.h>
#include <string.h>

#define BLOCK 8192u

static _Alignas(64) uint8_t blocks[3][BLOCK];

/* Appends a frame of len bytes (filled with fill) at *off; returns its header. */
static struct tpacket3_hdr *put_frame(uint8_t *block, size_t *off, uint32_t len,
				      uint32_t wire_len, uint32_t status, uint8_t fill)
{
	struct tpacket3_hdr *h = (struct tpacket3_hdr *)(block + *off);
	uint32_t mac = 82;	/* what the kernel uses for an untagged Ethernet frame */

	memset(h, 0, sizeof(*h));
	h->tp_mac = mac;
	h->tp_snaplen = len;
	h->tp_len = wire_len;
	h->tp_status = status;
	memset(block + *off + mac, fill, len);
	h->tp_next_offset = TPACKET_ALIGN(mac + len);
	*off += h->tp_next_offset;
	return h;
}

static struct tpacket_block_desc *make_block(uint8_t *block, uint32_t n, uint32_t len)
{
	struct tpacket_block_desc *bd = (struct tpacket_block_desc *)block;
	size_t off = TPACKET_ALIGN(sizeof(*bd));
	struct tpacket3_hdr *last = NULL;

	memset(block, 0, BLOCK);
	bd->version = TPACKET_V3;
	bd->hdr.bh1.offset_to_first_pkt = (uint32_t)off;
	bd->hdr.bh1.num_pkts = n;
	bd->hdr.bh1.block_status = TP_STATUS_USER;
	for (uint32_t i = 0; i < n; i++)
		last = put_frame(block, &off, len + i, len + i,
				 i == 1 ? TP_STATUS_USER | TP_STATUS_CSUMNOTREADY : TP_STATUS_USER,
				 (uint8_t)(i + 1));
	if (last != NULL)
		last->tp_next_offset = 0;	/* as the kernel leaves the last one */
	return bd;
}

static void test_walk(void)
{
	struct ring_walk w;
	struct ring_frame f;
	unsigned n = 0;

	make_block(blocks[0], 5, 100);
	ring_walk_init(&w, blocks[0], BLOCK);
	while (ring_walk_next(&w, &f)) {
		CHECK(f.len == 100 + n && f.wire_len == f.len, "frame %u: %u bytes", n, f.len);
		CHECK(f.data[0] == n + 1 && f.data[f.len - 1] == n + 1, "frame %u: wrong data", n);
		CHECK(((f.status & TP_STATUS_CSUMNOTREADY) != 0) == (n == 1),
		      "frame %u: status %#x", n, f.status);
		n++;
	}
	CHECK(n == 5 && w.left == 0, "walked %u frames of 5, %u left", n, w.left);

	make_block(blocks[0], 0, 100);
	ring_walk_init(&w, blocks[0], BLOCK);
	CHECK(!ring_walk_next(&w, &f), "an empty block has a frame");
}

/* Offsets a damaged block may hold: never a frame outside the block. */
static void test_walk_bounds(void)
{
	struct tpacket_block_desc *bd;
	struct tpacket3_hdr *h;
	struct ring_walk w;
	struct ring_frame f;
	size_t first = TPACKET_ALIGN(sizeof(*bd));
	unsigned n;

	bd = make_block(blocks[0], 2, 100);
	bd->hdr.bh1.offset_to_first_pkt = BLOCK - 8;
	ring_walk_init(&w, blocks[0], BLOCK);
	CHECK(!ring_walk_next(&w, &f), "a header past the end of the block");

	bd = make_block(blocks[0], 2, 100);
	h = (struct tpacket3_hdr *)(blocks[0] + first);
	h->tp_snaplen = BLOCK;
	ring_walk_init(&w, blocks[0], BLOCK);
	CHECK(!ring_walk_next(&w, &f), "a frame longer than the block");

	bd = make_block(blocks[0], 2, 100);
	h = (struct tpacket3_hdr *)(blocks[0] + first);
	h->tp_mac = UINT16_MAX;
	ring_walk_init(&w, blocks[0], BLOCK);
	CHECK(!ring_walk_next(&w, &f), "a MAC offset past the block");

	bd = make_block(blocks[0], 2, 100);
	h = (struct tpacket3_hdr *)(blocks[0] + first);
	h->tp_next_offset = 3;
	ring_walk_init(&w, blocks[0], BLOCK);
	n = 0;
	while (ring_walk_next(&w, &f))
		n++;
	CHECK(n == 1 && w.left == 1, "a misaligned next offset: %u frames, %u left", n, w.left);

	/* More frames claimed than there are: the walk stops at the last next offset of 0. */
	bd = make_block(blocks[0], 3, 100);
	bd->hdr.bh1.num_pkts = 1000;
	ring_walk_init(&w, blocks[0], BLOCK);
	n = 0;
	while (ring_walk_next(&w, &f))
		n++;
	CHECK(n == 3 && w.left == 0, "walked %u frames of a block claiming 1000", n);

	/* A truncated frame shows as such. */
	bd = make_block(blocks[0], 0, 0);
	size_t off = first;

	bd->hdr.bh1.num_pkts = 1;
	put_frame(blocks[0], &off, 100, 9000, TP_STATUS_USER, 7);
	ring_walk_init(&w, blocks[0], BLOCK);
	CHECK(ring_walk_next(&w, &f) && f.len == 100 && f.wire_len == 9000,
	      "a truncated frame lost its lengths");
}

static void test_ownership(void)
{
	struct ring r = { .map = &blocks[0][0], .block_size = BLOCK, .blocks = 3 };

	make_block(blocks[0], 1, 60);
	make_block(blocks[1], 1, 60);
	make_block(blocks[2], 1, 60);
	((struct tpacket_block_desc *)blocks[1])->hdr.bh1.block_status = TP_STATUS_KERNEL;
	CHECK(ring_ready_block(&r) == blocks[0], "block 0 is ready");
	ring_release_block(&r);
	CHECK(((struct tpacket_block_desc *)blocks[0])->hdr.bh1.block_status == TP_STATUS_KERNEL,
	      "block 0 given back");
	CHECK(r.next == 1 && ring_ready_block(&r) == NULL, "block 1 still the kernel's");
	((struct tpacket_block_desc *)blocks[1])->hdr.bh1.block_status = TP_STATUS_USER;
	CHECK(ring_ready_block(&r) == blocks[1], "block 1 handed over");
	ring_release_block(&r);
	CHECK(ring_ready_block(&r) == blocks[2], "block 2 ready");
	ring_release_block(&r);
	CHECK(r.next == 0 && ring_ready_block(&r) == NULL, "wrapped to block 0, the kernel's");
}

static void test_params(void)
{
	struct ring_params conf = { 0 }, p;

	ring_params_resolve(&conf, 1500, 4096, &p);
	CHECK(p.block_size == RING_DEFAULT_BLOCK_SIZE && p.timeout_ms == RING_DEFAULT_TIMEOUT_MS,
	      "defaults for MTU 1500: %u bytes, %u ms", p.block_size, p.timeout_ms);
	CHECK(p.blocks >= 8 && (uint64_t)p.blocks * p.block_size <= 64u << 20,
	      "default blocks %u", p.blocks);
	for (unsigned mtu = 68; mtu <= 65536; mtu = mtu * 2 + 1) {
		ring_params_resolve(&conf, mtu, 4096, &p);
		CHECK(p.block_size >= ring_frame_max(mtu) && p.block_size % 4096 == 0,
		      "MTU %u: block of %u bytes cannot hold a frame", mtu, p.block_size);
		CHECK(p.blocks >= 8, "MTU %u: %u blocks", mtu, p.blocks);
	}
	/* A configured block too small for the MTU is raised, to whole pages. */
	conf = (struct ring_params){ .block_size = 4096, .blocks = 4, .timeout_ms = 7 };
	ring_params_resolve(&conf, 9000, 16384, &p);
	CHECK(p.block_size == 16384 && p.blocks == 4 && p.timeout_ms == 7,
	      "raised to %u, %u blocks, %u ms", p.block_size, p.blocks, p.timeout_ms);
	conf.block_size = 1u << 20;
	ring_params_resolve(&conf, 1500, 4096, &p);
	CHECK(p.block_size == 1u << 20, "a configured block is kept: %u", p.block_size);
}

/* Frames mode: slots across blocks, ownership, a header that does not fit its slot. */
static void test_frames(void)
{
	struct ring_params conf = { .mode = RING_FRAMES, .block_size = 8192, .blocks = 3 }, p;
	static _Alignas(16) uint8_t map[3 * 8192];
	struct ring r = { .map = map, .mode = RING_FRAMES, .block_size = 8192, .blocks = 3 };
	struct ring_frame fr;

	ring_params_resolve(&conf, 1500, 4096, &p);
	CHECK(p.mode == RING_FRAMES && p.frame_size >= 1500 + 14 && p.frame_size % 16 == 0 &&
		      p.frame_size <= p.block_size, "frame slot of %u bytes", p.frame_size);
	r.frame_size = p.frame_size;
	r.frames_per_block = r.block_size / r.frame_size;
	r.frames = r.frames_per_block * r.blocks;
	CHECK(r.frames_per_block == 4 && r.frames == 12, "%u slots per block", r.frames_per_block);
	/* Slot 4 starts the second block, not 4 slots on from the first. */
	CHECK((uint8_t *)ring_frame_slot(&r, 4) == map + 8192, "slot 4 at the second block");
	CHECK(ring_ready_frame(&r) == NULL, "an empty ring has no frame");
	for (uint32_t i = 0; i < 3; i++) {
		struct tpacket2_hdr *h = ring_frame_slot(&r, i);

		h->tp_mac = 80;
		h->tp_snaplen = h->tp_len = 100 + i;
		h->tp_status = TP_STATUS_USER;
	}
	struct tpacket2_hdr *bad = ring_frame_slot(&r, 2);

	bad->tp_snaplen = r.frame_size;	/* past the end of its slot */
	for (uint32_t i = 0; i < 2; i++) {
		void *slot = ring_ready_frame(&r);

		CHECK(slot != NULL && ring_frame_read(&r, slot, &fr) && fr.len == 100 + i &&
			      fr.data == (uint8_t *)slot + 80, "frame %u", i);
		r.next++;
	}
	CHECK(!ring_frame_read(&r, ring_ready_frame(&r), &fr), "a frame past its slot was read");
	r.next = 3;
	ring_release_frames(&r, 0, 3);
	CHECK(((struct tpacket2_hdr *)ring_frame_slot(&r, 0))->tp_status == TP_STATUS_KERNEL &&
		      ((struct tpacket2_hdr *)ring_frame_slot(&r, 2))->tp_status == TP_STATUS_KERNEL,
	      "released to the kernel");
	ring_release_frames(&r, 11, 2);	/* wraps: slots 11 and 0 */
	CHECK(((struct tpacket2_hdr *)ring_frame_slot(&r, 11))->tp_status == TP_STATUS_KERNEL,
	      "release wraps around");
}

int main(void)
{
	test_frames();
	test_walk();
	test_walk_bounds();
	test_ownership();
	test_params();
	return unit_summary("test_ring");
}
