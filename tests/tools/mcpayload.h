/*
 * mcpayload.h: the test payload shared by mcsend and mcrecv.
 *
 * Every datagram starts with the 4-byte magic "MCRL" and a 4-byte
 * big-endian sequence number.  The remaining bytes follow a pattern
 * derived from the sequence number and the byte offset, so the receiver
 * can tell a corrupted or truncated payload from an intact one without
 * knowing how long the sender made it.
 *
 * A timestamped payload (mcsend -L, for latency measurements) has the
 * magic "MCRT" instead, and bytes 8..15 carry the send time, CLOCK_REALTIME
 * in nanoseconds, big-endian; the pattern follows from byte 16 on, with
 * the same values as in an untimestamped payload.
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
#define MCP_MAGIC_TS	"MCRT"	/* with a send timestamp */
#define MCP_HDR_LEN	8
#define MCP_TS_HDR_LEN	16
#define MCP_MIN_LEN	8
#define MCP_TS_MIN_LEN	16
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
 * Writes a complete timestamped payload of len bytes (len >=
 * MCP_TS_MIN_LEN) with a zero timestamp.  The filler is written first, so that the
 * timestamp can be taken as late as possible with mcp_stamp.
 */
static inline void
mcp_build_ts(uint8_t *buf, size_t len, uint32_t seq)
{
	memcpy(buf, MCP_MAGIC_TS, 4);
	buf[4] = (uint8_t)(seq >> 24);
	buf[5] = (uint8_t)(seq >> 16);
	buf[6] = (uint8_t)(seq >> 8);
	buf[7] = (uint8_t)seq;
	memset(buf + 8, 0, 8);
	for (size_t i = MCP_TS_HDR_LEN; i < len; i++)
		buf[i] = mcp_fill(seq, i);
}

/* Stores the send time in a payload built by mcp_build_ts. */
static inline void
mcp_stamp(uint8_t *buf, uint64_t ts_ns)
{
	for (int i = 0; i < 8; i++)
		buf[8 + i] = (uint8_t)(ts_ns >> (56 - 8 * i));
}

/*
 * Checks a received payload, plain or timestamped.  Returns 0 and stores
 * the sequence number when the magic and every filler byte are right, -1
 * otherwise; *ts_ns gets the send time of a timestamped payload, 0 for a
 * plain one (ts_ns may be NULL).
 */
static inline int
mcp_check_ts(const uint8_t *buf, size_t len, uint32_t *seq, uint64_t *ts_ns)
{
	size_t start = MCP_HDR_LEN;
	uint64_t ts = 0;
	uint32_t s;

	if (len < MCP_MIN_LEN || len > MCP_MAX_LEN)
		return -1;
	if (memcmp(buf, MCP_MAGIC_TS, 4) == 0) {
		if (len < MCP_TS_MIN_LEN)
			return -1;
		for (int i = 0; i < 8; i++)
			ts = ts << 8 | buf[8 + i];
		if (ts == 0)
			return -1;
		start = MCP_TS_HDR_LEN;
	} else if (memcmp(buf, MCP_MAGIC, 4) != 0) {
		return -1;
	}
	s = (uint32_t)buf[4] << 24 | (uint32_t)buf[5] << 16 |
	    (uint32_t)buf[6] << 8 | buf[7];
	for (size_t i = start; i < len; i++)
		if (buf[i] != mcp_fill(s, i))
			return -1;
	*seq = s;
	if (ts_ns != NULL)
		*ts_ns = ts;
	return 0;
}

/* mcp_check_ts without the timestamp. */
static inline int
mcp_check(const uint8_t *buf, size_t len, uint32_t *seq)
{
	return mcp_check_ts(buf, len, seq, NULL);
}

#endif /* MCPAYLOAD_H */
