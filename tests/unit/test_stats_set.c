/*
 * Unit tests for assembling a worker's STATS messages in the supervisor,
 * where the worker may be hostile: sets bounded by the rules the worker was
 * given, one total across a set, unterminated names, impossible output
 * counts and rates that are not finite non-negative numbers refused,
 * upstream-loss counts no monitor could have counted refused, out-of-step
 * messages refused, and lookup by name; a rule's counts summed over workers.
 */
#include "config.h"

#include "lib/stats_set.h"
#include "unit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CAP 8

struct msg {
	struct ho_worker_stats ws;
	struct ho_rule_stats rs[CAP];
};

static size_t make(struct msg *m, uint32_t first, uint32_t n, uint32_t total)
{
	memset(m, 0, sizeof(*m));
	m->ws.first_rule = first;
	m->ws.n_rules = n;
	m->ws.total_rules = total;
	m->ws.rx_packets = 99;
	for (uint32_t i = 0; i < n && i < CAP; i++) {
		snprintf(m->rs[i].name, sizeof(m->rs[i].name), "r%u", first + i);
		m->rs[i].packets_in = first + i;
		m->rs[i].n_outputs = 1;
	}
	return sizeof(m->ws) + n * sizeof(m->rs[0]);
}

static void test_sets(void)
{
	struct stats_set st = { 0 };
	struct msg m;
	char err[160];
	size_t len;

	len = make(&m, 0, 2, 4);
	CHECK(stats_set_take(&st, &m, len, 4, err, sizeof(err)) == 0, "first half: %s", err);
	len = make(&m, 2, 2, 4);
	CHECK(stats_set_take(&st, &m, len, 4, err, sizeof(err)) == 1, "second half: %s", err);
	CHECK(st.valid && st.n_rules == 4 && st.worker.rx_packets == 99, "complete set");
	const struct ho_rule_stats *r = stats_set_find(&st, "r3");

	CHECK(r != NULL && r->packets_in == 3, "find r3");
	CHECK(stats_set_find(&st, "nope") == NULL, "find a missing rule");

	/* The heap overflow: a small first message, then one claiming a larger total. */
	len = make(&m, 0, 1, 2);
	CHECK(stats_set_take(&st, &m, len, 4, err, sizeof(err)) == 0, "small set: %s", err);
	len = make(&m, 1, 8, 1000);
	CHECK(stats_set_take(&st, &m, len, 1000, err, sizeof(err)) < 0 &&
		      strstr(err, "out of step") != NULL, "grown total accepted: %s", err);
	/* A total beyond what the worker was given, and one that wraps 32 bits. */
	len = make(&m, 0, 1, 5);
	CHECK(stats_set_take(&st, &m, len, 4, err, sizeof(err)) < 0, "5 rules of 4 accepted");
	len = make(&m, 0, 1, 0xffffffffu);
	CHECK(stats_set_take(&st, &m, len, 4, err, sizeof(err)) < 0, "2^32-1 rules accepted");
	/* A message that does not start a set while none is open. */
	stats_set_free(&st);
	len = make(&m, 1, 1, 2);
	CHECK(stats_set_take(&st, &m, len, 4, err, sizeof(err)) < 0, "set without a start");
	/* Unterminated name, too many outputs. */
	len = make(&m, 0, 1, 1);
	memset(m.rs[0].name, 'x', sizeof(m.rs[0].name));
	CHECK(stats_set_take(&st, &m, len, 4, err, sizeof(err)) < 0 &&
		      strstr(err, "NUL") != NULL, "unterminated name: %s", err);
	len = make(&m, 0, 1, 1);
	m.rs[0].n_outputs = HANDOFF_MAX_OUTPUTS + 1;
	CHECK(stats_set_take(&st, &m, len, 4, err, sizeof(err)) < 0, "17 outputs accepted");
	/* More rules in a message than the set has left. */
	len = make(&m, 0, 3, 2);
	CHECK(stats_set_take(&st, &m, len, 4, err, sizeof(err)) < 0, "3 rules of a set of 2");
	CHECK(st.valid == false, "no set completed from bad messages");
	stats_set_free(&st);
}

/*
 * Rates that JSON cannot carry (NaN, infinity) or that no count can give
 * (negative) are refused, in a rule or in one of its outputs; zero and
 * large finite rates are taken.  Outputs beyond the rule's count are not
 * looked at.
 */
static void test_rates(void)
{
	static const struct {
		double pps, bps;
		bool ok;
	} cases[] = {
		{ 0, 0, true },
		{ 1e6, 1.3e10, true },
		{ 1e300, 1e300, true },
		{ NAN, 0, false },
		{ 0, NAN, false },
		{ -NAN, 1, false },
		{ INFINITY, 0, false },
		{ 0, -INFINITY, false },
		{ -1, 0, false },
		{ 0, -0.5, false },
		{ -0.0, 0, true },
	};
	struct stats_set st = { 0 };
	struct msg m;
	char err[160];
	size_t len;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int where = 0; where < 3; where++) {
			int rc;

			len = make(&m, 0, 2, 2);
			m.rs[1].n_outputs = 2;
			if (where == 0) {
				m.rs[1].pps = cases[i].pps;
				m.rs[1].bps = cases[i].bps;
			} else {
				m.rs[1].outputs[where - 1].pps = cases[i].pps;
				m.rs[1].outputs[where - 1].bps = cases[i].bps;
			}
			err[0] = '\0';
			rc = stats_set_take(&st, &m, len, 4, err, sizeof(err));
			CHECK(cases[i].ok ? rc == 1 : rc < 0 && strstr(err, "finite") != NULL,
			      "case %zu (%g pps, %g bps) in %s %d: rc %d, '%s'", i, cases[i].pps,
			      cases[i].bps, where ? "output" : "rule", where - 1, rc, err);
		}
	}
	/* An output the rule does not have is not one of its rates. */
	len = make(&m, 0, 1, 1);
	m.rs[0].outputs[5].pps = NAN;
	CHECK(stats_set_take(&st, &m, len, 4, err, sizeof(err)) == 1, "unused output: %s", err);
	stats_set_free(&st);
}

/* Counters reach the status entry only for outputs the rule has. */
static void test_fill(void)
{
	struct ho_rule_stats rs = { .name = "a", .packets_in = 5, .n_outputs = 2 };
	struct st_rule o = { .n_outputs = 1, .last_packet_age = -1 };

	rs.outputs[0].conf_index = 0;
	rs.outputs[0].packets = 7;
	rs.outputs[1].conf_index = 200;	/* no such output: ignored */
	rs.outputs[1].packets = 8;
	stats_set_add_rule(&o, &rs, 0);
	CHECK(o.packets_in == 5 && o.outputs[0].packets == 7, "filled");
	CHECK(o.outputs[1].packets == 0, "an output beyond the rule's was written");
}

/*
 * A worker's upstream counts: refused when no monitor could count them from
 * the packets it says the rule had; summed over workers into status only for
 * a monitored rule, the loss being what is missing less what was filled.
 */
static void test_monitor(void)
{
	struct stats_set st = { 0 };
	struct msg m;
	char err[160];
	size_t len;

	len = make(&m, 0, 1, 1);
	m.rs[0].packets_in = 100;
	m.rs[0].monitor = (struct monitor_counts){ .missing = 30, .filled = 5, .errors = 4,
						   .reordered = 6, .sources = 2, .evicted = 1 };
	CHECK(stats_set_take(&st, &m, len, 4, err, sizeof(err)) == 1, "honest counts: %s", err);
	m.rs[0].monitor.filled = 31;
	CHECK(stats_set_take(&st, &m, len, 4, err, sizeof(err)) < 0 && strstr(err, "filled") &&
	      strstr(err, "rule 0 of the message"), "filled beyond missing: %s", err);
	m.rs[0].monitor.filled = 5;
	m.rs[0].monitor.sources = 101;
	m.rs[0].monitor.evicted = 0;
	CHECK(stats_set_take(&st, &m, len, 4, err, sizeof(err)) < 0 && strstr(err, "sources"),
	      "more streams than packets: %s", err);
	m.rs[0].monitor.sources = 2;
	m.rs[0].monitor.missing = 100ULL * MONITOR_MAX_MISSING_PER_PACKET + 1;
	CHECK(stats_set_take(&st, &m, len, 4, err, sizeof(err)) < 0 && strstr(err, "missing"),
	      "more missing than 100 packets can skip: %s", err);
	stats_set_free(&st);

	struct ho_rule_stats a = { .name = "a", .packets_in = 50 }, b = a;
	struct st_rule on = { .monitor = "rtp", .last_packet_age = -1 };
	struct st_rule off = { .monitor = "off", .last_packet_age = -1 };

	a.monitor = (struct monitor_counts){ .missing = 10, .filled = 2, .errors = 3, .sources = 1 };
	b.monitor = (struct monitor_counts){ .missing = 1, .filled = 1, .duplicates = 4,
					     .sources = 2, .evicted = 1 };
	stats_set_add_rule(&on, &a, 0);
	stats_set_add_rule(&on, &b, 0);
	CHECK(on.upstream_lost == 8 && on.upstream.missing == 11 && on.upstream.filled == 3 &&
	      on.upstream.errors == 3 && on.upstream.duplicates == 4 && on.upstream.sources == 3 &&
	      on.upstream.evicted == 1 && on.packets_in == 100,
	      "summed over two workers: lost %llu", (unsigned long long)on.upstream_lost);
	stats_set_add_rule(&off, &a, 0);
	CHECK(off.upstream_lost == 0 && off.upstream.missing == 0 && off.packets_in == 50,
	      "counts for a rule that is not monitored are not taken");
}

int main(void)
{
	test_sets();
	test_rates();
	test_fill();
	test_monitor();
	return unit_summary("test_stats_set");
}
