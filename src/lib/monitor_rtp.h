#ifndef MCRELAY_MONITOR_RTP_H
#define MCRELAY_MONITOR_RTP_H

#include <stddef.h>
#include <stdint.h>

#include "lib/monitor_counts.h"

/*
 * One RTP stream's sequence numbers (RFC 3550 A.1, with loss counted as
 * it happens).  A packet whose number is d ahead of the newest:
 *
 *  - 0 < d < MONITOR_RTP_MAX_DROPOUT: in order, with d - 1 numbers
 *    skipped; they count as missing at once (one error, a gap);
 *  - d = 0, or behind by less than MONITOR_RTP_WINDOW and seen: duplicate;
 *  - behind by less than MONITOR_RTP_WINDOW and counted missing: late, and
 *    no longer missing (filled); not seen and not missing (before the
 *    first packet we saw): late only;
 *  - behind by MONITOR_RTP_WINDOW to MONITOR_RTP_MAX_MISORDER: late (too
 *    late to tell a duplicate from a filled gap: a gap stays counted);
 *  - anything else is a jump: ignored, unless the next packet follows it,
 *    when the stream is taken to have restarted from there (a resync; no
 *    loss counted across it).
 *
 * The 16-bit numbers wrap; every distance is taken modulo 65536.  The
 * kernel path's tc program (src/kernel/monitor.h) does the same, bit for
 * bit, and tests/kernel/test_kpath_monitor.c holds them to it.
 */
#define MONITOR_RTP_MAX_DROPOUT 3000
#define MONITOR_RTP_MAX_MISORDER 100
#define MONITOR_RTP_WINDOW 64
#define MONITOR_RTP_NO_BAD 0x10000u	/* rtp_seq.bad: no jump to confirm */

struct rtp_seq {
	uint64_t recv;	/* bit i: number max - i arrived */
	uint64_t miss;	/* bit i: number max - i counted missing and not arrived since */
	uint32_t bad;	/* the number that would confirm a jump, or MONITOR_RTP_NO_BAD */
	uint16_t max;	/* the newest number */
	uint16_t pad;
};

enum rtp_kind {
	RTP_DATA,	/* version 2, at least the 12-byte fixed header */
	RTP_CONTROL,	/* RTCP multiplexed on the port (RFC 5761): not counted */
	RTP_NOT,	/* too short or another version */
};

/* What a UDP payload is; for RTP_DATA its sequence number and SSRC. */
enum rtp_kind rtp_header(const uint8_t *p, size_t len, uint16_t *seq, uint32_t *ssrc);

/* A stream's first packet. */
void rtp_seq_init(struct rtp_seq *s, uint16_t seq);
/* Each later packet. */
void rtp_seq_update(struct rtp_seq *s, uint16_t seq, struct monitor_counts *c);

#endif
