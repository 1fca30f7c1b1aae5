/*
 * Payloads for the monitor's tests (test_monitor, test_kpath_monitor,
 * bench_monitor): RTP packets and MPEG-TS transport packets, built byte
 * by byte as a sender would.
 */
#ifndef MCRELAY_MONITOR_GEN_H
#define MCRELAY_MONITOR_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* An RTP packet of len bytes (at least 12): version 2, payload type 33 (MP2T). */
static inline size_t mg_rtp(uint8_t *p, size_t len, uint16_t seq, uint32_t ssrc)
{
	memset(p, 0, len);
	p[0] = 0x80;
	p[1] = 33;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	p[4] = (uint8_t)(seq * 90u >> 8);	/* a timestamp of sorts */
	p[8] = (uint8_t)(ssrc >> 24);
	p[9] = (uint8_t)(ssrc >> 16);
	p[10] = (uint8_t)(ssrc >> 8);
	p[11] = (uint8_t)ssrc;
	for (size_t i = 12; i < len; i++)
		p[i] = (uint8_t)(seq + i);
	return len;
}

#define MG_TS 188
#define MG_NO_PAYLOAD 0x1	/* adaptation field only */
#define MG_DISC 0x2		/* an adaptation field with discontinuity_indicator */
#define MG_TEI 0x4		/* transport_error_indicator */
#define MG_ADAPT 0x8		/* an adaptation field, and payload after it */

/* One transport packet. */
static inline void mg_ts(uint8_t *p, unsigned pid, unsigned cc, unsigned flags)
{
	unsigned afc = flags & MG_NO_PAYLOAD ? 2 : flags & (MG_DISC | MG_ADAPT) ? 3 : 1;

	memset(p, 0xff, MG_TS);
	p[0] = 0x47;
	p[1] = (uint8_t)((flags & MG_TEI ? 0x80 : 0) | (pid >> 8 & 0x1f));
	p[2] = (uint8_t)pid;
	p[3] = (uint8_t)(afc << 4 | (cc & 15));
	if (afc & 2) {
		p[4] = afc == 2 ? 183 : 1;	/* adaptation_field_length */
		p[5] = flags & MG_DISC ? 0x80 : 0;
	}
	for (size_t i = afc == 1 ? 4 : 6; i < MG_TS && afc != 2; i++)
		p[i] = (uint8_t)(pid + cc + i);
}

#endif
