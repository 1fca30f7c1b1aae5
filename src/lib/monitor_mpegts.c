#include "config.h"

#include "lib/monitor_mpegts.h"

#include <stdlib.h>
#include <string.h>

/* A PID's state byte. */
#define TS_SEEN 0x80
#define TS_DUP 0x40	/* its last packet repeated the one before */
#define TS_CC 0x0f

/* The RTP header in front of the transport packets (RFC 2250), or 0 if there is none. */
static size_t rtp_header_len(const uint8_t *p, size_t *len)
{
	size_t hdr;

	if (*len < 12 || p[0] >> 6 != 2)
		return 0;
	hdr = 12 + 4 * (size_t)(p[0] & 0x0f);
	if (p[0] & 0x10) {
		if (*len < hdr + 4)
			return 0;
		hdr += 4 + 4 * (size_t)(p[hdr + 2] << 8 | p[hdr + 3]);
	}
	if (p[0] & 0x20) {
		/* Padding: its last byte counts the bytes to take off the end. */
		if (p[*len - 1] == 0 || p[*len - 1] > *len - hdr)
			return 0;
		*len -= p[*len - 1];
	}
	return hdr < *len ? hdr : 0;
}

size_t ts_locate(const uint8_t *p, size_t len, size_t *off)
{
	size_t n;

	*off = 0;
	if (len == 0 || len % TS_PACKET != 0) {
		*off = rtp_header_len(p, &len);
		if (*off == 0 || (len - *off) % TS_PACKET != 0)
			return 0;
	}
	n = (len - *off) / TS_PACKET;
	if (n > MONITOR_TS_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (p[*off + i * TS_PACKET] != TS_SYNC)
			return 0;
	return n;
}

/* The state byte of a PID, its page allocated on first use; NULL if memory is short. */
static uint8_t *pid_state(struct ts_pids *t, unsigned pid)
{
	uint8_t **page = &t->page[pid / TS_PID_PAGE];

	if (*page == NULL && (*page = calloc(1, TS_PID_PAGE)) == NULL)
		return NULL;
	return &(*page)[pid % TS_PID_PAGE];
}

static void ts_packet(struct ts_pids *t, const uint8_t *h, struct monitor_counts *c)
{
	unsigned pid = (unsigned)(h[1] & 0x1f) << 8 | h[2];
	unsigned afc = h[3] >> 4 & 3, cc = h[3] & TS_CC;
	int payload = afc & 1;
	uint8_t *st;

	/* transport_error_indicator: the header itself may be wrong. */
	if ((h[1] & 0x80) || pid == TS_NULL_PID || afc == 0)
		return;
	if ((st = pid_state(t, pid)) == NULL)
		return;
	/* An adaptation field of at least one byte, its discontinuity_indicator set. */
	if ((afc & 2) && h[4] > 0 && (h[5] & 0x80)) {
		if (*st & TS_SEEN)
			c->resyncs++;
		*st = (uint8_t)(TS_SEEN | cc);
		return;
	}
	if (!(*st & TS_SEEN)) {
		*st = (uint8_t)(TS_SEEN | cc);
		return;
	}
	unsigned last = *st & TS_CC;

	if (payload && cc == last) {
		if (*st & TS_DUP)
			c->errors++;	/* a third time or more: an error, nothing missing */
		else
			c->duplicates++;
		*st |= TS_DUP;
		return;
	}
	unsigned skipped = (cc - last - (unsigned)payload) & TS_CC;

	if (skipped) {
		c->errors++;
		c->missing += skipped;
	}
	*st = (uint8_t)(TS_SEEN | cc);
}

void ts_update(struct ts_pids *t, const uint8_t *pkts, size_t n, struct monitor_counts *c)
{
	for (size_t i = 0; i < n; i++)
		ts_packet(t, pkts + i * TS_PACKET, c);
}

void ts_reset(struct ts_pids *t)
{
	for (unsigned i = 0; i < TS_PAGES; i++)
		if (t->page[i] != NULL)
			memset(t->page[i], 0, TS_PID_PAGE);
}

void ts_free(struct ts_pids *t)
{
	for (unsigned i = 0; i < TS_PAGES; i++) {
		free(t->page[i]);
		t->page[i] = NULL;
	}
}
