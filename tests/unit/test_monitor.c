/*
 * The upstream-loss monitor (lib/monitor*.c): RTP sequence numbers with
 * wrap, reordering, duplicates, restarts, SSRC changes and a random model;
 * MPEG-TS continuity counters with duplicates, adaptation fields,
 * discontinuities, null packets, RTP encapsulation and garbage; the
 * bounded table of streams (its cap, eviction of the least recently used,
 * many sources); monitor_packet on parsed frames; the supervisor's checks
 * of reported counts.
 */
#include "config.h"

#include "lib/monitor.h"
#include "lib/monitor_mpegts.h"
#include "lib/monitor_rtp.h"
#include "lib/packet.h"
#include "monitor_gen.h"
#include "unit.h"

#include <inttypes.h>

static const uint64_t SECRET[2] = { 0x0123456789abcdefULL, 0xfedcba9876543210ULL };

static struct monitor_flow flow_n(unsigned n)
{
	struct monitor_flow f = { .sport = htons((uint16_t)(5000 + n)), .dport = htons(6000) };
	struct addr s = unit_v4h(0x0a000001 + (n >> 16)), g = unit_v4h(0xef010101);

	memcpy(f.src, s.b, 16);
	memcpy(f.dst, g.b, 16);
	return f;
}

/* ------------------------------------------------------------------ */
/* RTP */

struct rtp_run {
	struct monitor *m;
	struct monitor_flow flow;
	uint32_t ssrc;
};

static void rtp_init(struct rtp_run *r)
{
	r->m = monitor_new(MONITOR_RTP, SECRET);
	r->flow = flow_n(0);
	r->ssrc = 0x11223344;
	if (r->m == NULL)
		abort();
}

static void rtp_send(struct rtp_run *r, uint16_t seq)
{
	uint8_t p[200];

	monitor_datagram(r->m, &r->flow, p, mg_rtp(p, sizeof(p), seq, r->ssrc));
}

/* from, from + 1, ..., count numbers (wrapping). */
static void rtp_range(struct rtp_run *r, uint16_t from, unsigned count)
{
	for (unsigned i = 0; i < count; i++)
		rtp_send(r, (uint16_t)(from + i));
}

static const struct monitor_counts *rc(struct rtp_run *r)
{
	return monitor_get_counts(r->m);
}

#define EXPECT(r, field, want)                                                                 \
	CHECK(rc(r)->field == (want), "%s: " #field " %" PRIu64 ", expected %" PRIu64, what,     \
	      rc(r)->field, (uint64_t)(want))

static void test_rtp_basic(void)
{
	struct rtp_run r;
	const char *what;

	what = "in order across the wrap";
	rtp_init(&r);
	rtp_range(&r, 65000, 2000);
	EXPECT(&r, missing, 0);
	EXPECT(&r, errors, 0);
	EXPECT(&r, reordered, 0);
	EXPECT(&r, duplicates, 0);
	EXPECT(&r, sources, 1);
	CHECK(monitor_tracked(r.m) == 1, "one stream tracked");
	monitor_free(r.m);

	what = "a gap of 3";
	rtp_init(&r);
	rtp_range(&r, 100, 10);
	rtp_range(&r, 113, 10);
	EXPECT(&r, missing, 3);
	EXPECT(&r, errors, 1);
	CHECK(monitor_lost(rc(&r)) == 3, "%s: lost 3", what);
	monitor_free(r.m);

	what = "a gap across the wrap";
	rtp_init(&r);
	rtp_range(&r, 65530, 5);	/* 65530 .. 65534 */
	rtp_range(&r, 2, 5);		/* 65535, 0, 1 missing */
	EXPECT(&r, missing, 3);
	EXPECT(&r, errors, 1);
	monitor_free(r.m);

	what = "two swapped";
	rtp_init(&r);
	rtp_range(&r, 1, 2);
	rtp_send(&r, 4);
	rtp_send(&r, 3);
	rtp_range(&r, 5, 5);
	EXPECT(&r, missing, 1);
	EXPECT(&r, filled, 1);
	EXPECT(&r, reordered, 1);
	EXPECT(&r, errors, 1);
	CHECK(monitor_lost(rc(&r)) == 0, "%s: nothing lost", what);
	monitor_free(r.m);

	what = "swapped across the wrap";
	rtp_init(&r);
	rtp_range(&r, 65533, 2);	/* 65533, 65534 */
	rtp_send(&r, 0);
	rtp_send(&r, 65535);
	rtp_range(&r, 1, 3);
	CHECK(monitor_lost(rc(&r)) == 0 && rc(&r)->reordered == 1, "%s", what);
	monitor_free(r.m);

	what = "duplicates, newest and older";
	rtp_init(&r);
	rtp_range(&r, 10, 5);		/* 10 .. 14 */
	rtp_send(&r, 14);
	rtp_send(&r, 12);
	rtp_range(&r, 15, 5);
	EXPECT(&r, duplicates, 2);
	EXPECT(&r, missing, 0);
	EXPECT(&r, reordered, 0);
	monitor_free(r.m);

	what = "a gap filled late, then its duplicate";
	rtp_init(&r);
	rtp_range(&r, 0, 10);
	rtp_range(&r, 11, 30);		/* 10 missing */
	rtp_send(&r, 10);		/* 30 behind: filled */
	rtp_send(&r, 10);		/* now a duplicate */
	EXPECT(&r, missing, 1);
	EXPECT(&r, filled, 1);
	EXPECT(&r, duplicates, 1);
	EXPECT(&r, reordered, 1);
	monitor_free(r.m);

	what = "too late to fill (beyond the window)";
	rtp_init(&r);
	rtp_range(&r, 0, 10);
	rtp_range(&r, 11, 80);		/* 10 missing; newest 90 */
	rtp_send(&r, 10);		/* 80 behind */
	EXPECT(&r, missing, 1);
	EXPECT(&r, filled, 0);
	EXPECT(&r, reordered, 1);
	CHECK(monitor_lost(rc(&r)) == 1, "%s: stays counted", what);
	monitor_free(r.m);

	what = "late before the first packet seen";
	rtp_init(&r);
	rtp_send(&r, 100);
	rtp_send(&r, 99);
	rtp_send(&r, 101);
	EXPECT(&r, missing, 0);
	EXPECT(&r, filled, 0);
	EXPECT(&r, reordered, 1);
	EXPECT(&r, duplicates, 0);
	monitor_free(r.m);
}

static void test_rtp_window_edges(void)
{
	for (unsigned d = 60; d <= 68; d++) {
		struct rtp_run r;
		char what[64];

		snprintf(what, sizeof(what), "a jump of %u, then every skipped number late", d);
		rtp_init(&r);
		rtp_send(&r, 1000);
		rtp_send(&r, (uint16_t)(1000 + d));
		for (unsigned k = 1; k < d; k++)
			rtp_send(&r, (uint16_t)(1000 + k));
		/* Those less than the window behind fill their gap; the others stay lost. */
		unsigned fillable = d - 1 < MONITOR_RTP_WINDOW - 1 ? d - 1 : MONITOR_RTP_WINDOW - 1;

		EXPECT(&r, missing, d - 1);
		EXPECT(&r, filled, fillable);
		EXPECT(&r, reordered, d - 1);
		EXPECT(&r, duplicates, 0);
		monitor_free(r.m);
	}
}

static void test_rtp_restart(void)
{
	struct rtp_run r;
	const char *what;

	what = "a restart far away (confirmed by the next)";
	rtp_init(&r);
	rtp_range(&r, 0, 20);
	rtp_range(&r, 30000, 20);
	EXPECT(&r, resyncs, 1);
	EXPECT(&r, missing, 0);
	EXPECT(&r, duplicates, 0);
	rtp_range(&r, 30020, 5);
	rtp_send(&r, 30000);		/* the jump's first packet counts as arrived */
	EXPECT(&r, duplicates, 1);
	monitor_free(r.m);

	what = "a restart backwards";
	rtp_init(&r);
	rtp_range(&r, 5000, 20);
	rtp_range(&r, 10, 20);
	EXPECT(&r, resyncs, 1);
	EXPECT(&r, missing, 0);
	monitor_free(r.m);

	what = "a lone stray number";
	rtp_init(&r);
	rtp_range(&r, 0, 11);
	rtp_send(&r, 40000);
	rtp_range(&r, 11, 10);
	rtp_send(&r, 40001);		/* not after 40000: another stray */
	rtp_range(&r, 21, 10);
	EXPECT(&r, resyncs, 0);
	EXPECT(&r, missing, 0);
	EXPECT(&r, duplicates, 0);
	monitor_free(r.m);

	what = "the largest gap that is loss, and the smallest that is a jump";
	rtp_init(&r);
	rtp_send(&r, 0);
	rtp_send(&r, MONITOR_RTP_MAX_DROPOUT - 1);
	EXPECT(&r, missing, MONITOR_RTP_MAX_DROPOUT - 2);
	rtp_send(&r, 2 * MONITOR_RTP_MAX_DROPOUT - 1);
	EXPECT(&r, missing, MONITOR_RTP_MAX_DROPOUT - 2);
	rtp_send(&r, 2 * MONITOR_RTP_MAX_DROPOUT);
	EXPECT(&r, resyncs, 1);
	monitor_free(r.m);

	what = "behind by the misorder limit, and by one more";
	rtp_init(&r);
	rtp_range(&r, 1000, 200);	/* newest 1199 */
	rtp_send(&r, 1199 - MONITOR_RTP_MAX_MISORDER);
	EXPECT(&r, reordered, 1);	/* beyond the window: late */
	rtp_send(&r, 1199 - MONITOR_RTP_MAX_MISORDER - 1);
	EXPECT(&r, reordered, 1);	/* a jump: ignored */
	EXPECT(&r, resyncs, 0);
	monitor_free(r.m);

	what = "an SSRC change is a new stream";
	rtp_init(&r);
	rtp_range(&r, 100, 50);
	r.ssrc = 0x55667788;
	rtp_range(&r, 7, 50);
	EXPECT(&r, sources, 2);
	EXPECT(&r, missing, 0);
	EXPECT(&r, resyncs, 0);
	CHECK(monitor_tracked(r.m) == 2, "%s: both tracked", what);
	/* The first comes back where it was: its own numbers go on. */
	r.ssrc = 0x11223344;
	rtp_range(&r, 152, 5);
	EXPECT(&r, missing, 2);
	monitor_free(r.m);
}

static void test_rtp_not_rtp(void)
{
	struct rtp_run r;
	uint8_t p[64];
	const char *what = "payloads that are not RTP";

	rtp_init(&r);
	rtp_range(&r, 1, 3);
	mg_rtp(p, sizeof(p), 4, r.ssrc);
	p[0] = 0x40;			/* version 1 */
	monitor_datagram(r.m, &r.flow, p, sizeof(p));
	monitor_datagram(r.m, &r.flow, p, 11);	/* short */
	monitor_datagram(r.m, &r.flow, p, 0);
	mg_rtp(p, sizeof(p), 4, r.ssrc);
	p[1] = 200;			/* RTCP sender report: not counted at all */
	monitor_datagram(r.m, &r.flow, p, sizeof(p));
	rtp_range(&r, 4, 3);
	EXPECT(&r, invalid, 3);
	EXPECT(&r, missing, 0);
	EXPECT(&r, sources, 1);
	monitor_free(r.m);
}

/*
 * A random stream: numbers from a random start (wrapping several times),
 * some dropped, some duplicated, each delivered up to 20 places late.
 * Every late packet is then within the window, so the loss must be exact:
 * the numbers after the first delivered that never arrived.
 */
static void test_rtp_model(uint64_t *rng)
{
	enum { N = 200000, SPREAD = 20 };
	static uint32_t order[N + SPREAD];
	static uint8_t got[N];

	for (int round = 0; round < 20; round++) {
		struct rtp_run r;
		uint16_t start = (uint16_t)unit_rand(rng);
		unsigned drop_pct = unit_rand_below(rng, 5), dup_pct = unit_rand_below(rng, 3);
		unsigned lost = 0, n = 0;
		int first = -1;
		uint64_t dups = 0;

		rtp_init(&r);
		memset(got, 0, sizeof(got));
		/* Positions with a random delay, then delivered in order of position. */
		for (unsigned i = 0; i < N; i++) {
			if (unit_rand_below(rng, 100) < drop_pct)
				continue;
			order[n++] = i;
		}
		/* Swaps that do not overlap: nothing moves more than SPREAD / 2 places. */
		for (unsigned i = 0; i + 1 < n;) {
			unsigned j = i + 1 + unit_rand_below(rng, SPREAD / 2 - 1);

			if (j < n && unit_rand_below(rng, 8) == 0) {
				uint32_t t = order[i];

				order[i] = order[j];
				order[j] = t;
				i = j + 1;
			} else {
				i++;
			}
		}
		for (unsigned i = 0; i < n; i++) {
			rtp_send(&r, (uint16_t)(start + order[i]));
			if (first < 0)
				first = (int)order[i];
			got[order[i]] = 1;
			if (unit_rand_below(rng, 100) < dup_pct) {
				rtp_send(&r, (uint16_t)(start + order[i]));
				dups++;
			}
		}
		unsigned max = 0;

		for (unsigned i = 0; i < n; i++)
			if (order[i] > max)
				max = order[i];
		for (unsigned i = (unsigned)first + 1; i <= max; i++)
			lost += !got[i];
		CHECK(monitor_lost(rc(&r)) == lost && rc(&r)->duplicates == dups,
		      "round %d (drop %u%%, dup %u%%): lost %" PRIu64 "/%u, duplicates %" PRIu64
		      "/%" PRIu64 ", resyncs %" PRIu64, round, drop_pct, dup_pct,
		      monitor_lost(rc(&r)), lost, rc(&r)->duplicates, dups, rc(&r)->resyncs);
		CHECK(rc(&r)->resyncs == 0 && rc(&r)->sources == 1, "round %d: one stream", round);
		monitor_free(r.m);
	}
}

/* ------------------------------------------------------------------ */
/* MPEG-TS */

struct ts_run {
	struct monitor *m;
	struct monitor_flow flow;
	uint8_t buf[MG_TS * 8];
	size_t n;		/* packets in buf */
};

static void ts_init(struct ts_run *t)
{
	memset(t, 0, sizeof(*t));
	t->m = monitor_new(MONITOR_MPEGTS, SECRET);
	t->flow = flow_n(1);
	if (t->m == NULL)
		abort();
}

static void ts_flush(struct ts_run *t)
{
	if (t->n)
		monitor_datagram(t->m, &t->flow, t->buf, t->n * MG_TS);
	t->n = 0;
}

/* A transport packet into the datagram being built, sent when it has 7. */
static void ts_put(struct ts_run *t, unsigned pid, unsigned cc, unsigned flags)
{
	mg_ts(t->buf + t->n * MG_TS, pid, cc, flags);
	if (++t->n == 7)
		ts_flush(t);
}

static const struct monitor_counts *tc(struct ts_run *t)
{
	return monitor_get_counts(t->m);
}

#define TEXPECT(t, field, want)                                                                \
	CHECK(tc(t)->field == (want), "%s: " #field " %" PRIu64 ", expected %" PRIu64, what,     \
	      tc(t)->field, (uint64_t)(want))

static void test_ts_locate(void)
{
	uint8_t p[MG_TS * 8 + 64];
	size_t off;

	for (unsigned i = 0; i < 7; i++)
		mg_ts(p + i * MG_TS, 256, i, 0);
	CHECK(ts_locate(p, 7 * MG_TS, &off) == 7 && off == 0, "7 plain packets");
	CHECK(ts_locate(p, MG_TS, &off) == 1 && off == 0, "one packet");
	CHECK(ts_locate(p, 7 * MG_TS - 1, &off) == 0, "a byte short");
	CHECK(ts_locate(p, 0, &off) == 0, "empty");
	p[3 * MG_TS] = 0x46;
	CHECK(ts_locate(p, 7 * MG_TS, &off) == 0, "the fourth sync byte wrong");
	/* Behind an RTP header: 12 bytes, with 2 CSRCs, with an extension, with padding. */
	for (unsigned i = 0; i < 7; i++)
		mg_ts(p + 12 + i * MG_TS, 256, i, 0);
	mg_rtp(p, 12, 1, 7);
	CHECK(ts_locate(p, 12 + 7 * MG_TS, &off) == 7 && off == 12, "behind RTP");
	p[0] = 0x40;
	CHECK(ts_locate(p, 12 + 7 * MG_TS, &off) == 0, "behind RTP version 1: not TS");
	p[0] = 0x82;
	for (unsigned i = 0; i < 7; i++)
		mg_ts(p + 20 + i * MG_TS, 256, i, 0);
	CHECK(ts_locate(p, 20 + 7 * MG_TS, &off) == 7 && off == 20, "behind RTP with 2 CSRCs");
	p[0] = 0x90;			/* an extension of one word */
	p[12] = 0xbe, p[13] = 0xde, p[14] = 0, p[15] = 1;
	for (unsigned i = 0; i < 7; i++)
		mg_ts(p + 20 + i * MG_TS, 256, i, 0);
	CHECK(ts_locate(p, 20 + 7 * MG_TS, &off) == 7 && off == 20, "behind RTP with an extension");
	p[0] = 0xa0;			/* 4 bytes of padding at the end */
	for (unsigned i = 0; i < 7; i++)
		mg_ts(p + 12 + i * MG_TS, 256, i, 0);
	memset(p + 12 + 7 * MG_TS, 0, 3);
	p[12 + 7 * MG_TS + 3] = 4;
	CHECK(ts_locate(p, 12 + 7 * MG_TS + 4, &off) == 7 && off == 12, "behind RTP, padded");
	p[12 + 7 * MG_TS + 3] = 255;
	CHECK(ts_locate(p, 12 + 7 * MG_TS + 4, &off) == 0, "padding longer than the packet");
	mg_rtp(p, 12, 1, 7);
	p[0] = 0x8f;			/* 15 CSRCs: more header than payload */
	CHECK(ts_locate(p, 12 + 30, &off) == 0, "an RTP header longer than the datagram");
}

static void test_ts_counters(void)
{
	struct ts_run t;
	const char *what;

	what = "continuous, three PIDs, across the wrap";
	ts_init(&t);
	for (unsigned i = 0; i < 100; i++) {
		ts_put(&t, 256, i, 0);
		ts_put(&t, 257, i + 5, 0);
		if (i % 3 == 0)
			ts_put(&t, 0, i / 3, 0);
	}
	ts_flush(&t);
	TEXPECT(&t, errors, 0);
	TEXPECT(&t, missing, 0);
	TEXPECT(&t, invalid, 0);
	TEXPECT(&t, sources, 1);
	monitor_free(t.m);

	what = "two packets of one PID missing";
	ts_init(&t);
	for (unsigned i = 0; i < 30; i++) {
		if (i != 10 && i != 11)
			ts_put(&t, 256, i, 0);
		ts_put(&t, 257, i, 0);
	}
	ts_flush(&t);
	TEXPECT(&t, errors, 1);
	TEXPECT(&t, missing, 2);
	monitor_free(t.m);

	what = "a lost datagram of 7 packets over 2 PIDs";
	ts_init(&t);
	for (unsigned i = 0; i < 70; i++)
		ts_put(&t, 256 + i % 2, i / 2, 0);
	/* The datagram of packets 70 to 76 is lost. */
	for (unsigned i = 77; i < 140; i++)
		ts_put(&t, 256 + i % 2, i / 2, 0);
	ts_flush(&t);
	TEXPECT(&t, missing, 7);
	TEXPECT(&t, errors, 2);
	monitor_free(t.m);

	what = "a duplicate is allowed once";
	ts_init(&t);
	ts_put(&t, 256, 0, 0);
	ts_put(&t, 256, 1, 0);
	ts_put(&t, 256, 1, 0);
	ts_put(&t, 256, 2, 0);
	ts_put(&t, 256, 2, 0);
	ts_put(&t, 256, 2, 0);		/* a third time: an error */
	ts_put(&t, 256, 3, 0);
	ts_flush(&t);
	TEXPECT(&t, duplicates, 2);
	TEXPECT(&t, errors, 1);
	TEXPECT(&t, missing, 0);
	monitor_free(t.m);

	what = "adaptation fields alone keep the counter";
	ts_init(&t);
	ts_put(&t, 256, 4, 0);
	ts_put(&t, 256, 4, MG_NO_PAYLOAD);
	ts_put(&t, 256, 5, MG_ADAPT);
	ts_put(&t, 256, 5, MG_NO_PAYLOAD);
	ts_put(&t, 256, 6, 0);
	ts_flush(&t);
	TEXPECT(&t, errors, 0);
	TEXPECT(&t, duplicates, 0);
	ts_put(&t, 256, 8, MG_NO_PAYLOAD);	/* 7 and 8 went missing */
	ts_put(&t, 256, 9, 0);
	ts_flush(&t);
	TEXPECT(&t, errors, 1);
	TEXPECT(&t, missing, 2);
	monitor_free(t.m);

	what = "a discontinuity indicator, and packets to skip";
	ts_init(&t);
	ts_put(&t, 256, 0, 0);
	ts_put(&t, 256, 1, 0);
	ts_put(&t, 256, 9, MG_DISC);
	ts_put(&t, 256, 10, 0);
	ts_put(&t, TS_NULL_PID, 3, 0);
	ts_put(&t, TS_NULL_PID, 3, 0);
	ts_put(&t, TS_NULL_PID, 12, 0);
	ts_put(&t, 256, 5, MG_TEI);		/* its header cannot be trusted */
	ts_put(&t, 256, 11, 0);
	ts_flush(&t);
	mg_ts(t.buf, 256, 12, 0);
	t.buf[3] &= 0xcf;			/* adaptation_field_control 00: reserved */
	monitor_datagram(t.m, &t.flow, t.buf, MG_TS);
	ts_put(&t, 256, 12, 0);
	ts_flush(&t);
	TEXPECT(&t, resyncs, 1);
	TEXPECT(&t, errors, 0);
	TEXPECT(&t, duplicates, 0);
	TEXPECT(&t, missing, 0);
	monitor_free(t.m);

	what = "the wrap from 15, and a skip across it";
	ts_init(&t);
	for (unsigned i = 10; i < 40; i++)
		ts_put(&t, 8190, i, 0);
	ts_put(&t, 8190, 46, 0);		/* 40..45 missing */
	ts_flush(&t);
	TEXPECT(&t, missing, 6);
	TEXPECT(&t, errors, 1);
	monitor_free(t.m);

	what = "16 lost in a row cannot be seen, 17 can";
	ts_init(&t);
	ts_put(&t, 300, 0, 0);
	ts_put(&t, 300, 17, 0);			/* 16 missing: looks continuous */
	ts_put(&t, 300, 35, 0);			/* 17 missing: one seen */
	ts_flush(&t);
	TEXPECT(&t, missing, 1);
	TEXPECT(&t, errors, 1);
	monitor_free(t.m);

	what = "garbage, misaligned, and TS behind RTP";
	ts_init(&t);
	memset(t.buf, 0x47, sizeof(t.buf));
	monitor_datagram(t.m, &t.flow, t.buf, 100);
	monitor_datagram(t.m, &t.flow, t.buf, 7 * MG_TS + 1);
	memset(t.buf, 0x00, sizeof(t.buf));
	monitor_datagram(t.m, &t.flow, t.buf, 7 * MG_TS);
	monitor_datagram(t.m, &t.flow, t.buf, 0);
	{
		uint8_t p[12 + 7 * MG_TS];

		for (unsigned d = 0; d < 3; d++) {
			mg_rtp(p, 12, (uint16_t)d, 1);
			for (unsigned i = 0; i < 7; i++)
				mg_ts(p + 12 + i * MG_TS, 256, d * 7 + i + (d == 2), 0);
			monitor_datagram(t.m, &t.flow, p, sizeof(p));
		}
	}
	TEXPECT(&t, invalid, 4);
	TEXPECT(&t, missing, 1);
	TEXPECT(&t, errors, 1);
	monitor_free(t.m);
}

/* ------------------------------------------------------------------ */
/* The table of streams */

static void test_many_sources(void)
{
	struct monitor *m = monitor_new(MONITOR_RTP, SECRET);
	const struct monitor_counts *c = monitor_get_counts(m);
	struct monitor_flow keep = flow_n(999999);
	uint8_t p[64];
	uint16_t keep_seq = 0;

	/* 2,000 streams; one of them is heard every few packets and must never be forgotten. */
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned s = 0; s < 2000; s++) {
			struct monitor_flow f = flow_n(s);

			monitor_datagram(m, &f, p, mg_rtp(p, sizeof(p), (uint16_t)round, 1000 + s));
			if (s % 16 == 0)
				monitor_datagram(m, &keep, p, mg_rtp(p, sizeof(p), keep_seq++, 7));
		}
	}
	CHECK(monitor_tracked(m) == MONITOR_RTP_SOURCES, "tracked %zu, the cap is %d",
	      monitor_tracked(m), MONITOR_RTP_SOURCES);
	CHECK(c->sources == 3 * 2000 + 1 && c->evicted == c->sources - MONITOR_RTP_SOURCES,
	      "sources %" PRIu64 ", evicted %" PRIu64, c->sources, c->evicted);
	/* Every stream came back after eviction: taken up afresh, no loss, no resync. */
	CHECK(c->missing == 0 && c->resyncs == 0 && c->duplicates == 0,
	      "no loss from eviction: missing %" PRIu64, c->missing);
	/* The busy stream kept its state: a gap in it is seen. */
	keep_seq++;
	monitor_datagram(m, &keep, p, mg_rtp(p, sizeof(p), keep_seq++, 7));
	CHECK(c->missing == 1, "the busy stream was kept: missing %" PRIu64, c->missing);
	/* The 256 most recent are the ones kept: the last of round 2 continue without a new entry. */
	uint64_t before = c->sources;

	for (unsigned s = 2000 - 200; s < 2000; s++) {
		struct monitor_flow f = flow_n(s);

		monitor_datagram(m, &f, p, mg_rtp(p, sizeof(p), 3, 1000 + s));
	}
	CHECK(c->sources == before && c->missing == 1, "the most recent streams were kept");
	/* Forgotten: every stream is new again, the counts stay. */
	monitor_forget(m);
	CHECK(monitor_tracked(m) == 0 && c->sources == before, "forget: streams gone, counts kept");
	keep_seq += 10;
	monitor_datagram(m, &keep, p, mg_rtp(p, sizeof(p), keep_seq++, 7));
	monitor_datagram(m, &keep, p, mg_rtp(p, sizeof(p), keep_seq++, 7));
	CHECK(c->sources == before + 1 && c->missing == 1 && monitor_tracked(m) == 1,
	      "forget: taken up afresh, no loss across it");
	monitor_free(m);

	/* The MPEG-TS cap, with PID pages reused by the stream that takes an entry. */
	m = monitor_new(MONITOR_MPEGTS, SECRET);
	c = monitor_get_counts(m);
	for (unsigned round = 0; round < 2; round++) {
		for (unsigned s = 0; s < 300; s++) {
			struct monitor_flow f = flow_n(s);
			uint8_t d[7 * MG_TS];

			for (unsigned i = 0; i < 7; i++)
				mg_ts(d + i * MG_TS, (s * 37 + i * 1000) % 8191, round, 0);
			monitor_datagram(m, &f, d, sizeof(d));
		}
	}
	CHECK(monitor_tracked(m) == MONITOR_TS_SOURCES && c->sources == 600 &&
	      c->evicted == 600 - MONITOR_TS_SOURCES && c->errors == 0,
	      "mpegts: tracked %zu sources %" PRIu64 " evicted %" PRIu64 " errors %" PRIu64,
	      monitor_tracked(m), c->sources, c->evicted, c->errors);
	monitor_forget(m);
	CHECK(monitor_tracked(m) == 0, "mpegts: forget");
	monitor_free(m);
}

/* ------------------------------------------------------------------ */
/* monitor_packet on parsed frames */

/* An untagged IPv4 (or IPv6) UDP frame to 239.1.1.1 / ff3e::1 port 5004 with this payload. */
static size_t frame(uint8_t *f, bool v6, uint16_t sport, const uint8_t *pl, size_t n, bool mf)
{
	size_t ip = 14, l4 = ip + (v6 ? 40 : 20);

	memset(f, 0, l4 + 8);
	memcpy(f, "\x01\x00\x5e\x01\x01\x01\x02\x00\x00\x00\x00\x01", 12);
	if (v6) {
		f[12] = 0x86, f[13] = 0xdd;
		f[ip] = 0x60;
		f[ip + 4] = (uint8_t)((8 + n) >> 8), f[ip + 5] = (uint8_t)(8 + n);
		f[ip + 6] = 17, f[ip + 7] = 64;
		memcpy(f + ip + 8, unit_v6("2001:db8::1").b, 16);
		memcpy(f + ip + 24, unit_v6("ff3e::1").b, 16);
	} else {
		f[12] = 0x08, f[13] = 0x00;
		f[ip] = 0x45;
		f[ip + 2] = (uint8_t)((28 + n) >> 8), f[ip + 3] = (uint8_t)(28 + n);
		f[ip + 6] = mf ? 0x20 : 0;
		f[ip + 8] = 64, f[ip + 9] = 17;
		memcpy(f + ip + 12, "\x0a\x00\x00\x01\xef\x01\x01\x01", 8);
		uint32_t sum = 0;

		for (size_t i = 0; i < 20; i += 2)
			sum += (uint32_t)(f[ip + i] << 8 | f[ip + i + 1]);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		f[ip + 10] = (uint8_t)(~sum >> 8), f[ip + 11] = (uint8_t)~sum;
	}
	f[l4] = (uint8_t)(sport >> 8), f[l4 + 1] = (uint8_t)sport;
	f[l4 + 2] = 0x13, f[l4 + 3] = 0x8c;
	/* A first fragment's UDP length is the whole datagram's. */
	f[l4 + 4] = (uint8_t)((8 + n + (mf ? 800 : 0)) >> 8);
	f[l4 + 5] = (uint8_t)(8 + n + (mf ? 800 : 0));
	memcpy(f + l4 + 8, pl, n);
	return l4 + 8 + n;
}

static void test_packets(void)
{
	for (int v6 = 0; v6 <= 1; v6++) {
		struct monitor *m = monitor_new(MONITOR_RTP, SECRET);
		const struct monitor_counts *c = monitor_get_counts(m);
		uint8_t f[400], pl[100];
		struct pkt p;
		static const uint16_t seqs[] = { 1, 2, 4, 5, 6 };

		for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
			for (uint16_t sport = 7000; sport <= 7001; sport++) {
				size_t n = frame(f, v6, sport, pl, mg_rtp(pl, sizeof(pl), seqs[i], 5),
						 false);

				if (!CHECK(pkt_parse(f, n, NULL, &p) == PKT_OK, "parse v6=%d", v6))
					break;
				monitor_packet(m, &p);
			}
		}
		/* A first fragment is not examined: it would show number 100 otherwise. */
		size_t n = frame(f, false, 7000, pl, mg_rtp(pl, sizeof(pl), 100, 5), true);

		if (!v6 && CHECK(pkt_parse(f, n, NULL, &p) == PKT_OK && p.fragment, "first fragment"))
			monitor_packet(m, &p);
		CHECK(c->sources == 2 && c->missing == 2 && c->errors == 2,
		      "v6=%d: two streams by source port, one gap each: sources %" PRIu64
		      " missing %" PRIu64, v6, c->sources, c->missing);
		monitor_free(m);
	}
}

/* ------------------------------------------------------------------ */
/* What the supervisor accepts from a worker */

static void test_plausible(void)
{
	struct monitor_counts c = { .missing = 10, .filled = 2, .errors = 3, .reordered = 2,
				    .duplicates = 1, .resyncs = 1, .invalid = 1, .sources = 2,
				    .evicted = 1 };
	char err[160];

	CHECK(monitor_counts_plausible(&c, 10, err, sizeof(err)), "honest counts: %s", err);
	c.filled = 11;
	CHECK(!monitor_counts_plausible(&c, 10, err, sizeof(err)) && strstr(err, "filled"),
	      "more filled than missing: %s", err);
	c.filled = 2;
	c.evicted = 3;
	CHECK(!monitor_counts_plausible(&c, 10, err, sizeof(err)) && strstr(err, "evicted"),
	      "more evicted than sources: %s", err);
	c.evicted = 0;
	c.invalid = 11;
	CHECK(!monitor_counts_plausible(&c, 10, err, sizeof(err)), "more invalid than packets");
	c.invalid = 0;
	c.missing = (uint64_t)MONITOR_MAX_MISSING_PER_PACKET * 10 + 1;
	CHECK(!monitor_counts_plausible(&c, 10, err, sizeof(err)) && strstr(err, "missing"),
	      "more missing than 10 packets can skip: %s", err);
	c.missing = UINT64_MAX;
	CHECK(monitor_counts_plausible(&c, UINT64_MAX / 2, err, sizeof(err)),
	      "no overflow in the bound");
	struct monitor_counts zero = { 0 };

	CHECK(monitor_counts_plausible(&zero, 0, err, sizeof(err)), "nothing after no packets");
	zero.sources = 1;
	CHECK(!monitor_counts_plausible(&zero, 0, err, sizeof(err)), "a source without a packet");
	CHECK(monitor_new(MONITOR_OFF, SECRET) == NULL, "no monitor for off");
	CHECK(strcmp(monitor_mode_name(MONITOR_MPEGTS), "mpegts") == 0 &&
	      strcmp(monitor_mode_name((enum monitor_mode)7), "?") == 0, "mode names");
}

int main(void)
{
	uint64_t rng = unit_seed(0x6d6f6e69746f72);

	unit_deadline(120);
	test_rtp_basic();
	test_rtp_window_edges();
	test_rtp_restart();
	test_rtp_not_rtp();
	test_rtp_model(&rng);
	test_ts_locate();
	test_ts_counters();
	test_many_sources();
	test_packets();
	test_plausible();
	return unit_summary("test_monitor");
}
