/*
 * streams.h: scripted RTP and MPEG-TS payloads for mcsend (--rtp, --mpegts),
 * with known gaps, reordering, duplicates and restarts, so that a test can
 * tell what a monitor must count.  A script is words separated by commas
 * or spaces, run in order; the including file defines die().
 *
 * --rtp: RTP packets (version 2, payload type 33) of -s bytes (at least 12).
 *   ssrc=N     the SSRC from now on (decimal or 0x hex; default 0x4d435231)
 *   seq=N      the next sequence number (default 0)
 *   N, send=N  N packets, in order
 *   skip=N     N numbers never sent (lost upstream)
 *   swap       the next two numbers, in the opposite order
 *   dup        the last packet again
 *   late=K     the number K before the next one (one that a skip left out)
 *   junk=N     N datagrams that are not RTP (version 0)
 *   rtcp=N     N RTCP packets (version 2, packet type 200)
 *
 * --mpegts: datagrams of 7 transport packets of 188 bytes, taken from
 * streams of PIDs sent in turn, each with its continuity counter.
 *   pids=A+B+...  the PIDs sent in turn (default 256; at most 16)
 *   N, send=N  N datagrams
 *   skip=N     the next N transport packets never sent (lost upstream)
 *   drop=N     the next N datagrams never sent (7 N packets lost)
 *   dup        the next transport packet twice over
 *   disc       the next packet of each PID with discontinuity_indicator, its
 *              counter moved on by 7 (no error)
 *   adapt      the next packet an adaptation field alone (its counter kept)
 *   null=N     N null packets (PID 0x1FFF) among the next ones
 *   flush      the packets waiting sent now, in a shorter datagram
 *   rtp=1, rtp=0  with or without a 12-byte RTP header (RFC 2250) in front
 *   junk=N     N datagrams of 7 packets whose sync bytes are wrong
 *   short=N    N datagrams of 100 bytes (not a whole transport packet)
 */
#ifndef MCR_STREAMS_H
#define MCR_STREAMS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ST_TS 188
#define ST_PER 7		/* transport packets per datagram */
#define ST_MAX_PIDS 16
#define ST_WORDS 512

enum st_kind { ST_RTP = 1, ST_MPEGTS };

struct st_word {
	char op[16];
	unsigned long n;
	const char *list;	/* pids= */
};

struct stream {
	enum st_kind kind;
	struct st_word words[ST_WORDS];
	unsigned n_words, word;
	unsigned long left;	/* of the current word */
	size_t size;		/* RTP: the packet size */
	/* RTP */
	uint32_t ssrc;
	uint16_t seq;		/* the next number */
	int have_last;
	uint16_t last_seq;
	int swap_second;	/* swap: the earlier number is still to come */
	/* MPEG-TS */
	unsigned pids[ST_MAX_PIDS], n_pids, turn;
	uint8_t cc[ST_MAX_PIDS];
	unsigned pending_flags;	/* ST_F_* for the next packet */
	unsigned disc_pending;	/* PIDs still to get their discontinuity */
	unsigned long nulls;	/* null packets to mix in */
	uint8_t queue[ST_PER][ST_TS];
	unsigned queued;
	int rtp_wrap;
	uint16_t wrap_seq;
};

#define ST_F_DUP 1
#define ST_F_ADAPT 2

static unsigned long st_number(const char *s, const char *word)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (end == s || *end != '\0')
		die("script: '%s' is not a number in '%s'", s, word);
	return v;
}

/* Parses script into s; kind ST_RTP or ST_MPEGTS. */
static void st_parse(struct stream *s, enum st_kind kind, char *script, size_t size)
{
	char *save = NULL, *w;

	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->size = size;
	s->ssrc = 0x4d435231;
	s->pids[0] = 256;
	s->n_pids = 1;
	for (w = strtok_r(script, ", \t", &save); w != NULL; w = strtok_r(NULL, ", \t", &save)) {
		struct st_word *sw = &s->words[s->n_words];
		char *eq = strchr(w, '=');

		if (s->n_words == ST_WORDS)
			die("script: more than %d words", ST_WORDS);
		if (eq != NULL)
			*eq = '\0';
		if (eq == NULL && w[0] >= '0' && w[0] <= '9') {
			snprintf(sw->op, sizeof(sw->op), "send");
			sw->n = st_number(w, w);
		} else {
			snprintf(sw->op, sizeof(sw->op), "%s", w);
			sw->n = 1;
			if (eq != NULL && strcmp(w, "pids") == 0)
				sw->list = eq + 1;
			else if (eq != NULL)
				sw->n = st_number(eq + 1, w);
		}
		s->n_words++;
	}
}

/* ---- RTP ---- */

static size_t st_rtp_packet(struct stream *s, uint8_t *p, uint16_t seq, int version, int pt)
{
	size_t len = s->size < 12 ? 12 : s->size;

	memset(p, 0, len);
	p[0] = (uint8_t)(version << 6);
	p[1] = (uint8_t)pt;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	p[4] = (uint8_t)(seq >> 6);	/* a timestamp of sorts */
	p[8] = (uint8_t)(s->ssrc >> 24);
	p[9] = (uint8_t)(s->ssrc >> 16);
	p[10] = (uint8_t)(s->ssrc >> 8);
	p[11] = (uint8_t)s->ssrc;
	for (size_t i = 12; i < len; i++)
		p[i] = (uint8_t)(seq * 7 + i);
	return len;
}

static size_t st_rtp_data(struct stream *s, uint8_t *p, uint16_t seq)
{
	s->have_last = 1;
	s->last_seq = seq;
	return st_rtp_packet(s, p, seq, 2, 33);
}

/* The next RTP datagram of the script, or 0 at its end. */
static size_t st_rtp_next(struct stream *s, uint8_t *p)
{
	while (s->word < s->n_words) {
		struct st_word *w = &s->words[s->word];

		if (s->left == 0)
			s->left = w->n;
		if (strcmp(w->op, "ssrc") == 0) {
			s->ssrc = (uint32_t)w->n;
		} else if (strcmp(w->op, "seq") == 0) {
			s->seq = (uint16_t)w->n;
		} else if (strcmp(w->op, "skip") == 0) {
			s->seq = (uint16_t)(s->seq + w->n);
		} else if (s->left > 0 && strcmp(w->op, "send") == 0) {
			s->left--;
			if (s->left == 0)
				s->word++;
			return st_rtp_data(s, p, s->seq++);
		} else if (strcmp(w->op, "swap") == 0) {
			if (!s->swap_second) {
				s->swap_second = 1;
				return st_rtp_data(s, p, (uint16_t)(s->seq + 1));
			}
			s->swap_second = 0;
			s->word++;
			s->left = 0;
			s->seq = (uint16_t)(s->seq + 2);
			return st_rtp_data(s, p, (uint16_t)(s->seq - 2));
		} else if (strcmp(w->op, "dup") == 0) {
			if (!s->have_last)
				die("script: dup before any packet");
			s->word++;
			s->left = 0;
			return st_rtp_data(s, p, s->last_seq);
		} else if (strcmp(w->op, "late") == 0) {
			s->word++;
			s->left = 0;
			return st_rtp_data(s, p, (uint16_t)(s->seq - w->n));
		} else if (s->left > 0 && (strcmp(w->op, "junk") == 0 || strcmp(w->op, "rtcp") == 0)) {
			int rtcp = w->op[0] == 'r';

			if (--s->left == 0)
				s->word++;
			return st_rtp_packet(s, p, 0, rtcp ? 2 : 0, rtcp ? 200 : 0);
		} else if (strcmp(w->op, "send") != 0 && strcmp(w->op, "junk") != 0 &&
			   strcmp(w->op, "rtcp") != 0) {
			die("script: --rtp has no '%s'", w->op);
		}
		s->word++;
		s->left = 0;
	}
	return 0;
}

/* ---- MPEG-TS ---- */

static void st_pids(struct stream *s, const char *list)
{
	char buf[256], *save = NULL, *t;

	snprintf(buf, sizeof(buf), "%s", list);
	s->n_pids = 0;
	for (t = strtok_r(buf, "+", &save); t != NULL; t = strtok_r(NULL, "+", &save)) {
		unsigned long pid = st_number(t, "pids");

		if (pid > 0x1ffe || s->n_pids == ST_MAX_PIDS)
			die("script: pids: %lu is not a PID (0-8190), or more than %d of them", pid,
			    ST_MAX_PIDS);
		s->cc[s->n_pids] = 0;
		s->pids[s->n_pids++] = (unsigned)pid;
	}
	if (s->n_pids == 0)
		die("script: pids= names no PID");
	s->turn = 0;
}

static void st_ts_header(uint8_t *p, unsigned pid, unsigned cc, int adapt_only, int disc)
{
	unsigned afc = adapt_only ? 2 : disc ? 3 : 1;

	memset(p, 0xff, ST_TS);
	p[0] = 0x47;
	p[1] = (uint8_t)(pid >> 8 & 0x1f);
	p[2] = (uint8_t)pid;
	p[3] = (uint8_t)(afc << 4 | (cc & 15));
	if (afc & 2) {
		p[4] = adapt_only ? 183 : 1;
		p[5] = disc ? 0x80 : 0;
	}
	for (size_t i = afc == 1 ? 4 : 6; i < ST_TS && afc != 2; i++)
		p[i] = (uint8_t)(pid * 3 + cc + i);
}

/* The next packet of the PIDs' turn, into q (NULL: made but not sent, i.e. lost upstream). */
static void st_ts_packet(struct stream *s, uint8_t *q)
{
	unsigned k = s->turn, pid = s->pids[k];
	int adapt = (s->pending_flags & ST_F_ADAPT) != 0;
	int disc = (s->disc_pending >> k) & 1;
	uint8_t buf[ST_TS];

	if (disc) {
		s->cc[k] = (uint8_t)((s->cc[k] + 7) & 15);
		s->disc_pending &= ~(1u << k);
	} else if (!adapt) {
		s->cc[k] = (uint8_t)((s->cc[k] + 1) & 15);
	}
	st_ts_header(q ? q : buf, pid, s->cc[k], adapt, disc);
	s->pending_flags &= ~(unsigned)ST_F_ADAPT;
	s->turn = (s->turn + 1) % s->n_pids;
}

static void st_queue_packet(struct stream *s)
{
	if (s->nulls > 0 && s->queued % 2 == 1) {
		s->nulls--;
		st_ts_header(s->queue[s->queued++], 0x1fff, (unsigned)rand(), 0, 0);
		return;
	}
	st_ts_packet(s, s->queue[s->queued]);
	if ((s->pending_flags & ST_F_DUP) && s->queued + 1 < ST_PER) {
		memcpy(s->queue[s->queued + 1], s->queue[s->queued], ST_TS);
		s->queued++;
		s->pending_flags &= ~(unsigned)ST_F_DUP;
	}
	s->queued++;
}

/* The queued packets as a datagram (behind an RTP header with rtp=1). */
static size_t st_ts_datagram(struct stream *s, uint8_t *p)
{
	size_t off = 0, n = s->queued;

	if (s->rtp_wrap) {
		size_t save = s->size;

		s->size = 12;
		st_rtp_packet(s, p, s->wrap_seq++, 2, 33);
		s->size = save;
		off = 12;
	}
	for (size_t i = 0; i < n; i++)
		memcpy(p + off + i * ST_TS, s->queue[i], ST_TS);
	s->queued = 0;
	return off + n * ST_TS;
}

/* The next MPEG-TS datagram of the script, or 0 at its end. */
static size_t st_ts_next(struct stream *s, uint8_t *p)
{
	while (s->word < s->n_words) {
		struct st_word *w = &s->words[s->word];

		if (s->left == 0)
			s->left = w->n;
		if (strcmp(w->op, "pids") == 0 && w->list != NULL) {
			st_pids(s, w->list);
		} else if (strcmp(w->op, "skip") == 0) {
			for (unsigned long i = 0; i < w->n; i++)
				st_ts_packet(s, NULL);
		} else if (strcmp(w->op, "drop") == 0) {
			for (unsigned long i = 0; i < w->n * ST_PER; i++)
				st_ts_packet(s, NULL);
		} else if (strcmp(w->op, "dup") == 0) {
			s->pending_flags |= ST_F_DUP;
		} else if (strcmp(w->op, "adapt") == 0) {
			s->pending_flags |= ST_F_ADAPT;
		} else if (strcmp(w->op, "disc") == 0) {
			s->disc_pending = (1u << s->n_pids) - 1;
		} else if (strcmp(w->op, "null") == 0) {
			s->nulls += w->n;
		} else if (strcmp(w->op, "rtp") == 0) {
			s->rtp_wrap = w->n != 0;
		} else if (strcmp(w->op, "flush") == 0) {
			s->word++;
			s->left = 0;
			if (s->queued)
				return st_ts_datagram(s, p);
			continue;
		} else if (s->left > 0 && strcmp(w->op, "send") == 0) {
			while (s->queued < ST_PER)
				st_queue_packet(s);
			if (--s->left == 0)
				s->word++;
			return st_ts_datagram(s, p);
		} else if (s->left > 0 && (strcmp(w->op, "junk") == 0 || strcmp(w->op, "short") == 0)) {
			int junk = w->op[0] == 'j';

			if (--s->left == 0)
				s->word++;
			memset(p, 0x46, junk ? ST_PER * ST_TS : 100);
			return junk ? ST_PER * ST_TS : 100;
		} else if (strcmp(w->op, "send") != 0 && strcmp(w->op, "junk") != 0 &&
			   strcmp(w->op, "short") != 0) {
			die("script: --mpegts has no '%s'", w->op);
		}
		s->word++;
		s->left = 0;
	}
	return 0;
}

/* The next datagram of the script into p (room for 12 + 7 * 188 bytes, or -s), or 0 at its end. */
static size_t st_next(struct stream *s, uint8_t *p)
{
	return s->kind == ST_RTP ? st_rtp_next(s, p) : st_ts_next(s, p);
}

#endif
