#include "config.h"

#include "lib/monitor.h"

#include "lib/monitor_mpegts.h"
#include "lib/monitor_rtp.h"
#include "lib/siphash.h"

#include <stdlib.h>
#include <string.h>

/*
 * A rule's streams: entries in an array that grows (4, 8, ... up to the
 * cap) and never moves an entry's index, found through hash buckets
 * chained by index, and kept in order of use on a list (most recent at
 * the head) so that the one to evict is at its tail.  Before hashing,
 * the entry last hit is tried (a rule with one stream never hashes), then
 * a hint: the entry last found for a cheap, unkeyed mix of the key.  A
 * hint is only ever a guess checked against the whole key, so one that an
 * attacker spoils costs a hash, as without hints.  Indices are stored plus
 * one, 0 meaning none.
 */
struct mon_key {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t ssrc;		/* 0 for MPEG-TS */
};

struct mon_source {
	struct mon_key key;
	uint32_t hash;
	uint32_t next;		/* in its bucket */
	uint32_t newer, older;	/* on the list of use */
	union {
		struct rtp_seq rtp;
		struct ts_pids *ts;
	} u;
};

struct monitor {
	enum monitor_mode mode;
	struct monitor_counts counts;
	uint64_t secret[2];
	struct mon_source *src;
	uint32_t n, alloc, cap;
	uint32_t *buckets;	/* a power of two of them, at least twice alloc */
	uint32_t *hints;	/* as many as buckets */
	uint32_t mask;
	unsigned bits;		/* of mask */
	uint32_t newest, oldest;
	uint32_t last;		/* the entry hit last */
};

_Static_assert(sizeof(struct mon_key) == 40, "mon_key has no padding to hash");

struct monitor *monitor_new(enum monitor_mode mode, const uint64_t secret[2])
{
	struct monitor *m;

	if (mode != MONITOR_RTP && mode != MONITOR_MPEGTS)
		return NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->mode = mode;
	m->cap = mode == MONITOR_RTP ? MONITOR_RTP_SOURCES : MONITOR_TS_SOURCES;
	m->secret[0] = secret[0];
	m->secret[1] = secret[1];
	return m;
}

void monitor_free(struct monitor *m)
{
	if (m == NULL)
		return;
	for (uint32_t i = 0; m->mode == MONITOR_MPEGTS && i < m->n; i++) {
		ts_free(m->src[i].u.ts);
		free(m->src[i].u.ts);
	}
	free(m->src);
	free(m->buckets);
	free(m->hints);
	free(m);
}

enum monitor_mode monitor_get_mode(const struct monitor *m)
{
	return m->mode;
}

const struct monitor_counts *monitor_get_counts(const struct monitor *m)
{
	return &m->counts;
}

size_t monitor_tracked(const struct monitor *m)
{
	return m->n;
}

void monitor_forget(struct monitor *m)
{
	for (uint32_t i = 0; m->mode == MONITOR_MPEGTS && i < m->n; i++) {
		ts_free(m->src[i].u.ts);
		free(m->src[i].u.ts);
	}
	m->n = 0;
	m->newest = m->oldest = m->last = 0;
	if (m->buckets != NULL) {
		memset(m->buckets, 0, (m->mask + 1) * sizeof(*m->buckets));
		memset(m->hints, 0, (m->mask + 1) * sizeof(*m->hints));
	}
}

/* ---- the list of use ---- */

static void unlink_use(struct monitor *m, uint32_t i)
{
	struct mon_source *s = &m->src[i - 1];

	if (s->newer)
		m->src[s->newer - 1].older = s->older;
	else
		m->newest = s->older;
	if (s->older)
		m->src[s->older - 1].newer = s->newer;
	else
		m->oldest = s->newer;
	s->newer = s->older = 0;
}

static void push_newest(struct monitor *m, uint32_t i)
{
	struct mon_source *s = &m->src[i - 1];

	s->newer = 0;
	s->older = m->newest;
	if (m->newest)
		m->src[m->newest - 1].newer = i;
	else
		m->oldest = i;
	m->newest = i;
}

/* ---- the buckets ---- */

static void bucket_insert(struct monitor *m, uint32_t i)
{
	uint32_t *head = &m->buckets[m->src[i - 1].hash & m->mask];

	m->src[i - 1].next = *head;
	*head = i;
}

static void bucket_remove(struct monitor *m, uint32_t i)
{
	uint32_t *p = &m->buckets[m->src[i - 1].hash & m->mask];

	while (*p != i)
		p = &m->src[*p - 1].next;
	*p = m->src[i - 1].next;
}

/* Room for twice as many entries (up to the cap); false if memory is short. */
static bool grow(struct monitor *m)
{
	uint32_t alloc = m->alloc ? m->alloc * 2 : 4, nb;
	struct mon_source *src;
	uint32_t *buckets, *hints;
	unsigned bits = 3;

	if (alloc > m->cap)
		alloc = m->cap;
	src = realloc(m->src, alloc * sizeof(*src));
	if (src == NULL)
		return false;
	m->src = src;
	for (nb = 8; nb < 2 * alloc; nb *= 2)
		bits++;
	if (nb - 1 != m->mask || m->buckets == NULL) {
		buckets = calloc(nb, sizeof(*buckets));
		hints = calloc(nb, sizeof(*hints));
		if (buckets == NULL || hints == NULL) {
			free(buckets);
			free(hints);
			return false;
		}
		free(m->buckets);
		free(m->hints);
		m->buckets = buckets;
		m->hints = hints;
		m->mask = nb - 1;
		m->bits = bits;
		for (uint32_t i = 1; i <= m->n; i++)
			bucket_insert(m, i);
	}
	m->alloc = alloc;
	return true;
}

/* An entry for a new stream: a fresh one while there is room, else the oldest's. */
static uint32_t take_entry(struct monitor *m)
{
	uint32_t i;

	if (m->n < m->cap && (m->n < m->alloc || grow(m))) {
		i = ++m->n;
		memset(&m->src[i - 1], 0, sizeof(m->src[i - 1]));
		if (m->mode == MONITOR_MPEGTS &&
		    (m->src[i - 1].u.ts = calloc(1, sizeof(struct ts_pids))) == NULL) {
			m->n--;
			return 0;
		}
		return i;
	}
	if ((i = m->oldest) == 0)
		return 0;
	bucket_remove(m, i);
	unlink_use(m, i);
	if (m->last == i)
		m->last = 0;
	if (m->mode == MONITOR_MPEGTS)
		ts_reset(m->src[i - 1].u.ts);
	m->counts.evicted++;
	return i;
}

static bool key_eq(const struct mon_key *a, const struct mon_key *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* Ports, SSRC and the addresses' last words: what tells a rule's streams apart. */
static unsigned hint_of(const struct monitor *m, const struct mon_key *k)
{
	uint32_t s, d;

	memcpy(&s, k->src + 12, 4);
	memcpy(&d, k->dst + 12, 4);
	return (uint32_t)(((uint32_t)k->sport << 16 ^ k->dport ^ k->ssrc ^ s ^ d * 31) *
			  0x9e3779b1u) >> (32 - m->bits);
}

/* The stream's entry, found by its hash h, or 0. */
static uint32_t lookup(const struct monitor *m, const struct mon_key *k, uint32_t h)
{
	uint32_t i = m->buckets ? m->buckets[h & m->mask] : 0;

	while (i && (m->src[i - 1].hash != h || !key_eq(&m->src[i - 1].key, k)))
		i = m->src[i - 1].next;
	return i;
}

/* The entry of the stream, most recent now; *fresh if it is new.  0 if there is none to be had. */
static uint32_t find(struct monitor *m, const struct mon_key *k, bool *fresh)
{
	uint32_t h = 0, i;

	*fresh = false;
	if (m->last && key_eq(&m->src[m->last - 1].key, k))
		return m->last;
	i = m->hints ? m->hints[hint_of(m, k)] : 0;
	if (i == 0 || !key_eq(&m->src[i - 1].key, k)) {
		h = (uint32_t)siphash24(m->secret, k, sizeof(*k));
		i = lookup(m, k, h);
	}
	if (i == 0) {
		if ((i = take_entry(m)) == 0)
			return 0;
		m->src[i - 1].key = *k;
		m->src[i - 1].hash = h;
		bucket_insert(m, i);
		m->counts.sources++;
		*fresh = true;
	} else {
		unlink_use(m, i);
	}
	push_newest(m, i);
	m->last = i;
	/* The table may have grown: a hint of its new size. */
	if (m->hints)
		m->hints[hint_of(m, k)] = i;
	return i;
}

static void rtp_datagram(struct monitor *m, struct mon_key *k, const uint8_t *p, size_t len)
{
	uint16_t seq;
	bool fresh;
	uint32_t i;

	switch (rtp_header(p, len, &seq, &k->ssrc)) {
	case RTP_CONTROL:
		return;
	case RTP_NOT:
		m->counts.invalid++;
		return;
	case RTP_DATA:
		break;
	}
	if ((i = find(m, k, &fresh)) == 0)
		return;
	if (fresh)
		rtp_seq_init(&m->src[i - 1].u.rtp, seq);
	else
		rtp_seq_update(&m->src[i - 1].u.rtp, seq, &m->counts);
}

static void ts_datagram(struct monitor *m, const struct mon_key *k, const uint8_t *p, size_t len)
{
	size_t off, n = ts_locate(p, len, &off);
	bool fresh;
	uint32_t i;

	if (n == 0) {
		m->counts.invalid++;
		return;
	}
	if ((i = find(m, k, &fresh)) != 0)
		ts_update(m->src[i - 1].u.ts, p + off, n, &m->counts);
}

void monitor_datagram(struct monitor *m, const struct monitor_flow *flow, const uint8_t *payload,
		      size_t len)
{
	struct mon_key k;

	memcpy(k.src, flow->src, 16);
	memcpy(k.dst, flow->dst, 16);
	k.sport = flow->sport;
	k.dport = flow->dport;
	k.ssrc = 0;
	if (m->mode == MONITOR_RTP)
		rtp_datagram(m, &k, payload, len);
	else
		ts_datagram(m, &k, payload, len);
}

void monitor_packet(struct monitor *m, const struct pkt *p)
{
	struct monitor_flow flow;
	const uint8_t *udp, *payload;
	size_t len;

	if (!p->has_udp || p->fragment)
		return;
	udp = p->frame + p->l3 + p->ihl;
	memcpy(flow.src, p->src.b, 16);
	memcpy(flow.dst, p->dst.b, 16);
	memcpy(&flow.sport, udp, 2);
	flow.dport = p->dport;
	payload = pkt_payload(p, &len);
	monitor_datagram(m, &flow, payload, len);
}
