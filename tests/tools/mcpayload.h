/*
 * mcpayload.h: the test payload shared by mcsend and mcrecv.
 *
 * Every datagram starts with the 4-byte magic "MCRL" and a 4-byte
 * big-endian sequence number.  The remaining bytes follow a pattern
 * derived from the sequence number and the byte offset, so the receiver
 * can tell a corrupted or truncated payload from an intact one without
 * knowing how long the sender made it.
 *
 * tests/integration/forward.sh depends on the exact pattern (it picks a
 * source port that makes one datagram's checksum hit an edge case): if
 * mcp_fill changes, find that port again.
 */
#ifndef MCPAYLOAD_H
#define MCPAYLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define MCP_MAGIC	"MCRL"
#define MCP_HDR_LEN	8
#define MCP_MIN_LEN	8
#define MCP_MAX_LEN	8972	/* 9000-byte jumbo MTU less IPv4 and UDP */

/* The filler byte at offset off (counted from the start of the payload). */
static inline uint8_t
mcp_fill(uint32_t seq, size_t off)
{
	uint32_t x = seq * 0x9e3779b1u + (uint32_t)off;

	x ^= x >> 15;
	x *= 0x2c1b3c6du;
	x ^= x >> 12;
	return (uint8_t)x;
}

/* Writes a complete payload of len bytes (len >= MCP_MIN_LEN). */
static inline void
mcp_build(uint8_t *buf, size_t len, uint32_t seq)
{
	memcpy(buf, MCP_MAGIC, 4);
	buf[4] = (uint8_t)(seq >> 24);
	buf[5] = (uint8_t)(seq >> 16);
	buf[6] = (uint8_t)(seq >> 8);
	buf[7] = (uint8_t)seq;
	for (size_t i = MCP_HDR_LEN; i < len; i++)
		buf[i] = mcp_fill(seq, i);
}

/*
 * Checks a received payload.  Returns 0 and stores the sequence number
 * when the magic and every filler byte are right, -1 otherwise.
 */
static inline int
mcp_check(const uint8_t *buf, size_t len, uint32_t *seq)
{
	uint32_t s;

	if (len < MCP_MIN_LEN || len > MCP_MAX_LEN ||
	    memcmp(buf, MCP_MAGIC, 4) != 0)
		return -1;
	s = (uint32_t)buf[4] << 24 | (uint32_t)buf[5] << 16 |
	    (uint32_t)buf[6] << 8 | buf[7];
	for (size_t i = MCP_HDR_LEN; i < len; i++)
		if (buf[i] != mcp_fill(s, i))
			return -1;
	*seq = s;
	return 0;
}

#endif /* MCPAYLOAD_H */
