#include "config.h"

#include "lib/monitor_rtp.h"

enum rtp_kind rtp_header(const uint8_t *p, size_t len, uint16_t *seq, uint32_t *ssrc)
{
	if (len < 12 || p[0] >> 6 != 2)
		return RTP_NOT;
	/* RTCP's packet types 192-223 sit where RTP has its marker bit and types 64-95. */
	if (p[1] >= 192 && p[1] <= 223)
		return RTP_CONTROL;
	*seq = (uint16_t)(p[2] << 8 | p[3]);
	*ssrc = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
	return RTP_DATA;
}

void rtp_seq_init(struct rtp_seq *s, uint16_t seq)
{
	*s = (struct rtp_seq){ .recv = 1, .miss = 0, .bad = MONITOR_RTP_NO_BAD, .max = seq };
}

/* d ahead of the newest, 0 < d < MONITOR_RTP_MAX_DROPOUT: the d - 1 numbers between are missing. */
static void ahead(struct rtp_seq *s, uint16_t seq, unsigned d, struct monitor_counts *c)
{
	if (d > 1) {
		c->errors++;
		c->missing += d - 1;
	}
	if (d < MONITOR_RTP_WINDOW) {
		s->recv = s->recv << d | 1;
		s->miss = s->miss << d | ((1ULL << (d - 1)) - 1) << 1;
	} else {
		s->recv = 1;
		s->miss = ~1ULL;
	}
	s->max = seq;
	s->bad = MONITOR_RTP_NO_BAD;
}

/* back behind the newest, 0 < back <= MONITOR_RTP_MAX_MISORDER. */
static void behind(struct rtp_seq *s, unsigned back, struct monitor_counts *c)
{
	uint64_t bit;

	if (back >= MONITOR_RTP_WINDOW) {
		c->reordered++;
		return;
	}
	bit = 1ULL << back;
	if (s->recv & bit) {
		c->duplicates++;
		return;
	}
	s->recv |= bit;
	c->reordered++;
	if (s->miss & bit) {
		s->miss &= ~bit;
		c->filled++;
	}
}

void rtp_seq_update(struct rtp_seq *s, uint16_t seq, struct monitor_counts *c)
{
	unsigned d = (uint16_t)(seq - s->max);

	if (d == 0) {
		c->duplicates++;
	} else if (d < MONITOR_RTP_MAX_DROPOUT) {
		ahead(s, seq, d, c);
	} else if (d >= 65536 - MONITOR_RTP_MAX_MISORDER) {
		behind(s, 65536 - d, c);
	} else if (seq == s->bad) {
		/* Two in a row far from the stream: it restarted; its predecessor came too. */
		rtp_seq_init(s, seq);
		s->recv = 3;
		c->resyncs++;
	} else {
		s->bad = (uint16_t)(seq + 1);
	}
}
