/*
 * monitor = rtp on the kernel path against the worker's monitor, with
 * BPF_PROG_TEST_RUN: random RTP streams (gaps, swaps, late packets,
 * duplicates, restarts, SSRC changes, numbers wrapping, datagrams that are
 * not RTP, RTCP, short payloads) go frame by frame through the program
 * and through lib/monitor.c, to two monitored rules (IPv4 and IPv6, from
 * several source ports); every count of the program (summed over CPUs)
 * must be the library's.  A rule without monitor counts nothing of the
 * same streams, a monitor = mpegts rule is left to the packet path, and a
 * reload (kpath_update) keeps the streams: their numbers go on without
 * being taken up again; but a rule that stops being followed and is
 * followed again takes its streams up afresh, as a worker's new monitor
 * would, whatever they did in between.  It also prints what the monitor costs the program
 * (not checked): ns per frame of one stream, through BPF_PROG_TEST_RUN's
 * repeat, to a monitored rule and to one without monitor.
 */
#include "config.h"

#include "lib/kpath_plan.h"
#include "lib/monitor.h"
#include "supervisor/kpath.h"
#include "kernel_test.h"
#include "../unit/kpath_frames.h"
#include "../unit/kpath_gen.h"
#include "../unit/monitor_gen.h"
#include "../unit/unit.h"

#include <bpf/bpf.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <stdlib.h>
#include <string.h>

static const struct kpath_iface IFACES[] = {
	{ .name = "out0", .ifindex = 0x7fff0000, .mtu = 1500, .mac = { 2, 0, 0, 0, 0, 0x10 },
	  .up = true },
};

/* Rules: 0 rtp (IPv4), 1 rtp (IPv6), 2 no monitor, 3 mpegts (packet path). */
enum { R_V4, R_V6, R_OFF, R_TS, N_RULES };

/* The streams' own state, kept across rounds so that their numbers go on. */
struct gen {
	uint16_t seq[8];
	uint32_t ssrc[8];
	int have[8];
	uint16_t last[8];
};

struct bench {
	struct conf conf;
	struct kpath_plan plan;
	struct kpath_counters *counters;
	struct kpath *k;
	struct monitor *want[N_RULES];
	struct monitor_counts base[N_RULES];	/* counted by an earlier monitor of the rule */
	bool v6_on;				/* rule R_V6 is monitored now */
	struct gen g;
	unsigned long frames;
};

static struct addr group_of(int r)
{
	return r == R_V6 ? unit_v6("ff3e::5004") : unit_v4h(0xef010101 + (uint32_t)r);
}

static bool plan(struct bench *b, char *err, size_t errlen)
{
	uint32_t *slots = kg_slots(&b->conf);
	struct kpath_plan_params pp = { .conf = &b->conf, .input = KG_INPUT, .ifaces = IFACES,
					.n_ifaces = 1, .slots = slots };
	int rc = kpath_plan_build(&b->plan, &pp, err, errlen);

	free(slots);
	return rc == 0;
}

static bool bench_init(struct bench *b)
{
	static const uint64_t secret[2] = { 3, 4 };
	static const enum conf_monitor modes[N_RULES] = {
		CONF_MONITOR_RTP, CONF_MONITOR_RTP, CONF_MONITOR_OFF, CONF_MONITOR_MPEGTS,
	};
	char err[512] = "";

	memset(b, 0, sizeof(*b));
	kg_conf_init(&b->conf, N_RULES);
	for (int r = 0; r < N_RULES; r++) {
		struct conf_rule *cr = kg_rule(&b->conf, group_of(r));

		cr->monitor = modes[r];
		kg_output(cr, "out0");
		b->want[r] = monitor_new(MONITOR_RTP, secret);
	}
	b->v6_on = true;
	if (!CHECK(plan(b, err, sizeof(err)), "plan: %s", err))
		return false;
	CHECK(b->plan.n_rules == N_RULES && !b->plan.rules[R_TS].kernel &&
	      strcmp(b->plan.rules[R_TS].reason, "monitor = mpegts needs the packet path") == 0 &&
	      b->plan.rules[R_V4].kernel && b->plan.rules[R_OFF].kernel,
	      "paths: mpegts on the packet path ('%s'), the others in the kernel",
	      b->plan.rules[R_TS].reason);
	b->counters = kpath_counters_new(N_RULES, err, sizeof(err));
	if (!CHECK(b->counters != NULL, "counters: %s", err))
		return false;
	b->k = kpath_load(&b->plan, b->counters, err, sizeof(err));
	return CHECK(b->k != NULL, "load: %s", err);
}

static void bench_free(struct bench *b)
{
	kpath_close(b->k);
	kpath_counters_free(b->counters);
	kpath_plan_free(&b->plan);
	conf_free(&b->conf);
	for (int r = 0; r < N_RULES; r++)
		monitor_free(b->want[r]);
}

/* One datagram of payload to rule r from source port sport, through both. */
static void send_one(struct bench *b, int r, uint16_t sport, const uint8_t *pl, size_t len)
{
	static uint8_t frame[4096], out[4096 + 64];
	struct kf_spec f = { .v6 = r == R_V6, .group = group_of(r), .sport = sport, .dport = 5004,
			     .ttl = 64, .payload = len, .udp_csum_zero = true };
	struct monitor_flow flow = { .sport = htons(sport), .dport = htons(5004) };
	LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);
	size_t n, l4;
	int rc;

	f.source = f.v6 ? unit_v6("2001:db8::7") : unit_v4h(0x0a000007);
	n = kf_build(frame, &f);
	l4 = 14 + (f.v6 ? 40 : 20);
	memcpy(frame + l4 + 8, pl, len);
	run.data_size_in = (uint32_t)n;
	rc = bpf_prog_test_run_opts(kpath_prog_fd(b->k), &run);
	if (!CHECK(rc == 0, "test run: %d", rc))
		return;
	b->frames++;
	CHECK((int)run.retval == (r == R_TS ? TC_ACT_UNSPEC : TC_ACT_REDIRECT),
	      "rule %d: verdict %d", r, (int)run.retval);
	memcpy(flow.src, f.source.b, 16);
	memcpy(flow.dst, f.group.b, 16);
	if (r == R_V4 || (r == R_V6 && b->v6_on))
		monitor_datagram(b->want[r], &flow, pl, len);
}

/*
 * A random stream: runs in order, gaps, swaps, late packets, duplicates,
 * restarts, SSRC changes and datagrams that are not RTP, interleaved over
 * a few source ports (streams of their own) and both monitored rules.
 */
static void gen_init(struct gen *g, uint64_t *rng)
{
	memset(g, 0, sizeof(*g));
	for (unsigned i = 0; i < 8; i++) {
		g->seq[i] = (uint16_t)unit_rand(rng);
		g->ssrc[i] = (uint32_t)unit_rand(rng);
	}
}

static void random_events(struct bench *b, uint64_t *rng, unsigned events)
{
	struct gen *g = &b->g;
	uint8_t pl[400];

	for (unsigned e = 0; e < events; e++) {
		unsigned s = unit_rand_below(rng, 8);		/* stream: rule and port */
		int r = s < 3 ? R_V4 : s < 6 ? R_V6 : s == 6 ? R_OFF : R_TS;
		uint16_t sport = (uint16_t)(7000 + s % 3);
		unsigned op = unit_rand_below(rng, 100), run, len = 12 + unit_rand_below(rng, 200);
		uint16_t seq;

		if (op < 60) {
			run = 1 + unit_rand_below(rng, 20);
			for (unsigned k = 0; k < run; k++) {
				g->last[s] = g->seq[s]++;
				g->have[s] = 1;
				send_one(b, r, sport, pl, mg_rtp(pl, len, g->last[s], g->ssrc[s]));
			}
			continue;
		}
		if (op < 70) {
			g->seq[s] = (uint16_t)(g->seq[s] + 1 + unit_rand_below(rng, 80));	/* a gap */
			continue;
		}
		if (op < 76) {					/* a swap */
			send_one(b, r, sport, pl, mg_rtp(pl, len, (uint16_t)(g->seq[s] + 1),
							 g->ssrc[s]));
			send_one(b, r, sport, pl, mg_rtp(pl, len, g->seq[s], g->ssrc[s]));
			g->seq[s] = (uint16_t)(g->seq[s] + 2);
			continue;
		}
		if (op < 82) {					/* late, or too late */
			seq = (uint16_t)(g->seq[s] - 1 - unit_rand_below(rng, 120));
			send_one(b, r, sport, pl, mg_rtp(pl, len, seq, g->ssrc[s]));
			continue;
		}
		if (op < 86 && g->have[s]) {			/* a duplicate */
			send_one(b, r, sport, pl, mg_rtp(pl, len, g->last[s], g->ssrc[s]));
			continue;
		}
		if (op < 89) {					/* a restart, or a stray */
			g->seq[s] = (uint16_t)unit_rand(rng);
			continue;
		}
		if (op < 91) {					/* another SSRC */
			g->ssrc[s] = (uint32_t)unit_rand(rng);
			continue;
		}
		if (op < 94) {					/* not RTP: version 1, or short */
			mg_rtp(pl, 40, 1, 1);
			pl[0] = 0x40;
			send_one(b, r, sport, pl, unit_rand_below(rng, 2) ? 40 : unit_rand_below(rng, 12));
			continue;
		}
		if (op < 96) {					/* RTCP */
			mg_rtp(pl, 40, 1, 1);
			pl[1] = (uint8_t)(200 + unit_rand_below(rng, 5));
			send_one(b, r, sport, pl, 40);
			continue;
		}
		seq = (uint16_t)(g->seq[s] + 3000 + unit_rand_below(rng, 60000));	/* a jump */
		send_one(b, r, sport, pl, mg_rtp(pl, len, seq, g->ssrc[s]));
	}
}

/* The program's time per frame for rule r (ns, the best of 5 runs of 200,000 repeats). */
static double time_frame(struct bench *b, int r)
{
	static uint8_t frame[4096], out[4096 + 64];
	uint8_t pl[12 + 7 * MG_TS];
	struct kf_spec f = { .v6 = r == R_V6, .group = group_of(r), .sport = 9000, .dport = 5004,
			     .ttl = 64, .payload = sizeof(pl), .udp_csum_zero = true };
	double best = 1e18;

	f.source = unit_v4h(0x0a000009);
	size_t n = kf_build(frame, &f);

	mg_rtp(pl, sizeof(pl), 1, 99);
	memcpy(frame + n - sizeof(pl), pl, sizeof(pl));
	for (int i = 0; i < 5; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame, .data_size_in = (uint32_t)n,
			    .data_out = out, .data_size_out = sizeof(out), .repeat = 200000);

		if (bpf_prog_test_run_opts(kpath_prog_fd(b->k), &run) == 0 && run.duration < best)
			best = run.duration;
	}
	return best;
}

static void compare(struct bench *b, const char *when)
{
	struct kpath_slot_counters got[N_RULES];
	char err[256];

	if (!CHECK(kpath_counters_read(b->counters, 0, N_RULES, got, err, sizeof(err)) == 0,
		   "read: %s", err))
		return;
	for (int r = 0; r < N_RULES; r++) {
		struct monitor_counts k = { 0 }, want = b->base[r];
		const struct monitor_counts *w = &want;

		if (r == R_V4 || r == R_V6)
			monitor_counts_add(&want, monitor_get_counts(b->want[r]));

		kpath_monitor_add(&k, &got[r].rule.monitor);
		CHECK(memcmp(&k, w, sizeof(k)) == 0,
		      "%s, rule %d: kernel/worker missing %" PRIu64 "/%" PRIu64 " filled %" PRIu64
		      "/%" PRIu64 " errors %" PRIu64 "/%" PRIu64 " reordered %" PRIu64 "/%" PRIu64
		      " duplicates %" PRIu64 "/%" PRIu64 " resyncs %" PRIu64 "/%" PRIu64
		      " invalid %" PRIu64 "/%" PRIu64 " sources %" PRIu64 "/%" PRIu64, when, r,
		      k.missing, w->missing, k.filled, w->filled, k.errors, w->errors, k.reordered,
		      w->reordered, k.duplicates, w->duplicates, k.resyncs, w->resyncs, k.invalid,
		      w->invalid, k.sources, w->sources);
	}
	const struct monitor_counts *v4 = monitor_get_counts(b->want[R_V4]);

	printf("%s: %lu frames; rule 0: %" PRIu64 " lost (%" PRIu64 " missing, %" PRIu64
	       " filled), %" PRIu64 " gaps, %" PRIu64 " late, %" PRIu64 " duplicates, %" PRIu64
	       " resyncs, %" PRIu64 " not RTP, %" PRIu64 " streams\n", when, b->frames,
	       monitor_lost(v4), v4->missing, v4->filled, v4->errors, v4->reordered,
	       v4->duplicates, v4->resyncs, v4->invalid, v4->sources);
}

/* A new plan with rule R_V6 monitored or not, swapped in. */
static bool reload(struct bench *b, bool v6)
{
	char err[512] = "";

	b->conf.rules[R_V6].monitor = v6 ? CONF_MONITOR_RTP : CONF_MONITOR_OFF;
	b->v6_on = v6;
	kpath_plan_free(&b->plan);
	return CHECK(plan(b, err, sizeof(err)), "plan: %s", err) &&
	       CHECK(kpath_update(b->k, &b->plan, err, sizeof(err)) == 0, "update: %s", err);
}

int main(void)
{
	uint64_t rng = unit_seed(0x6b6d6f6e);
	struct bench b;
	int rc = kt_require_root("test_kpath_monitor");

	if (rc)
		return rc;
	unit_deadline(300);
	if (bench_init(&b)) {
		gen_init(&b.g, &rng);
		random_events(&b, &rng, 3000);
		compare(&b, "before the reload");
		/* A reload: a new instance with the same streams. */
		if (reload(&b, true)) {
			random_events(&b, &rng, 3000);
			compare(&b, "after the reload");
		}
		/* Rule R_V6 not followed for a while, then again: its streams start afresh. */
		b.base[R_V6] = *monitor_get_counts(b.want[R_V6]);
		monitor_free(b.want[R_V6]);
		b.want[R_V6] = monitor_new(MONITOR_RTP, (const uint64_t[2]){ 5, 6 });
		if (reload(&b, false)) {
			random_events(&b, &rng, 1000);
			compare(&b, "with rule 1 not monitored");
		}
		if (reload(&b, true)) {
			random_events(&b, &rng, 2000);
			compare(&b, "with rule 1 monitored again");
		}
		double with = time_frame(&b, R_V4), without = time_frame(&b, R_OFF);

		printf("the program, 1,328 bytes of RTP to one output: %.0f ns with monitor = rtp, "
		       "%.0f ns without (%+.0f ns)\n", with, without, with - without);
		CHECK(monitor_get_counts(b.want[R_V4])->missing > 0 &&
		      monitor_get_counts(b.want[R_V4])->filled > 0 &&
		      monitor_get_counts(b.want[R_V4])->resyncs > 0 &&
		      monitor_get_counts(b.want[R_V6])->duplicates > 0,
		      "the streams had gaps, late packets, restarts and duplicates");
	}
	bench_free(&b);
	return unit_summary("test_kpath_monitor");
}
