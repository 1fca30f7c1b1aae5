#ifndef MCRELAY_MONITOR_MPEGTS_H
#define MCRELAY_MONITOR_MPEGTS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/monitor_counts.h"

/*
 * The continuity counters of one MPEG-TS stream (ISO/IEC 13818-1 2.4.3.3;
 * ETSI TR 101 290 1.4, Continuity_count_error).  A datagram is transport
 * packets of 188 bytes, each starting with the sync byte 0x47, either
 * alone or behind an RTP header (RFC 2250); anything else (a length that
 * is not a multiple of 188, a missing sync byte) is not MPEG-TS and none
 * of it is examined.  Then, per PID:
 *
 *  - the counter advances by one with each packet that carries payload,
 *    and stays with one that carries an adaptation field alone: the
 *    packets it skipped are missing, and a skip is one error;
 *  - a packet with payload and the previous counter is a duplicate,
 *    allowed once; a third in a row is an error (nothing missing);
 *  - a packet whose adaptation field sets discontinuity_indicator starts
 *    the counter afresh (a resync);
 *  - the null PID (0x1FFF), packets flagged transport_error_indicator and
 *    those with the reserved adaptation_field_control 00 are skipped.
 *
 * The counter has 16 values: a run of 16 lost packets of one PID cannot be
 * seen, and of 17 one is.  MPEG-TS has no sequence number of its own, so a
 * datagram delivered out of order shows as missing packets and errors.
 * State is kept only for the PIDs seen, in pages of 1024 PIDs (at most 8
 * KiB per stream).
 */
#define TS_PACKET 188
#define TS_SYNC 0x47
#define TS_NULL_PID 0x1fff
#define TS_PID_PAGE 1024
#define TS_PAGES (8192 / TS_PID_PAGE)

struct ts_pids {
	uint8_t *page[TS_PAGES];	/* per PID: TS_SEEN, TS_DUP, the last counter */
};

/*
 * Where the transport packets of a datagram start, and how many there are;
 * 0 if the payload is not MPEG-TS.
 */
size_t ts_locate(const uint8_t *p, size_t len, size_t *off);

/* The transport packets of one datagram of the stream (n of them, at pkts). */
void ts_update(struct ts_pids *t, const uint8_t *pkts, size_t n, struct monitor_counts *c);

/* Forgets every PID; keeps the pages for the next stream. */
void ts_reset(struct ts_pids *t);
void ts_free(struct ts_pids *t);

#endif
