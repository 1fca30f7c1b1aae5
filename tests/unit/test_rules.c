/*
 * Unit tests for the rule table: lookup precedence in every combination of
 * rule kinds, a large random table checked against a linear search, and
 * the refusal of two rules with the same match.
 */
#include "config.h"

#include "rules.h"
#include "unit.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#define N_RANDOM 10000
#define N_QUERIES 3000

static struct rule *new_rules(size_t n)
{
	struct rule *r = calloc(n ? n : 1, sizeof(*r));

	if (r == NULL)
		abort();
	return r;
}

static void set_rule(struct rule *r, const char *name, in_addr_t group, uint16_t port,
		     in_addr_t source)
{
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->group = group;
	r->port = port;
	r->source = source;
}

/*
 * The four kinds of rule for one group, in any subset: the lookup must
 * return the most specific one that matches, whichever others exist.
 */
static void test_precedence(void)
{
	static const char *const kind_name[4] = { "group", "group+source", "group+port",
						  "group+port+source" };
	const in_addr_t G = htonl(0xef010101), G2 = htonl(0xef010102);
	const in_addr_t S = htonl(0x0a000001), S2 = htonl(0x0a000002);
	const uint16_t P = htons(5000), P2 = htons(5001);

	for (unsigned set = 0; set < 16; set++) {
		struct rule *rules = new_rules(4);
		struct rule_table t;
		size_t n = 0;
		int where[4] = { -1, -1, -1, -1 };	/* kind -> index */

		/* Insert in a varying order, so that slot positions differ too. */
		for (unsigned k0 = 0; k0 < 4; k0++) {
			unsigned k = (k0 + set) % 4;

			if (!(set & 1u << k))
				continue;
			set_rule(&rules[n], kind_name[k], G, k & 2 ? P : 0, k & 1 ? S : 0);
			where[k] = (int)n++;
		}
		if (!CHECK(rule_table_init(&t, rules, n) == 0, "set %#x: init failed", set)) {
			free(rules);
			continue;
		}

		/* Queries: (port matches?, source matches?) for each of the four. */
		for (unsigned q = 0; q < 4; q++) {
			uint16_t port = q & 2 ? P : P2;
			in_addr_t source = q & 1 ? S : S2;
			int want = -1;

			/* Most specific first: port+source, port, source, group. */
			for (int k = 3; k >= 0 && want < 0; k--) {
				bool port_ok = !(k & 2) || (q & 2);
				bool source_ok = !(k & 1) || (q & 1);

				if (where[k] >= 0 && port_ok && source_ok)
					want = where[k];
			}
			struct rule *got = rule_table_lookup(&t, 0, G, port, source);

			CHECK(want < 0 ? got == NULL : got == &t.rules[want],
			      "set %#x, query port %s source %s: got %s, expected %s", set,
			      q & 2 ? "P" : "P2", q & 1 ? "S" : "S2", got ? got->name : "none",
			      want < 0 ? "none" : t.rules[want].name);
			CHECK(rule_table_lookup(&t, 0, G2, port, source) == NULL,
			      "set %#x: a rule matched another group", set);
		}
		rule_table_free(&t);
		CHECK(t.rules == NULL && t.slots == NULL && t.n == 0, "rule_table_free left state");
	}
}

static void test_empty_and_duplicates(void)
{
	struct rule_table t;
	struct rule *rules;

	CHECK(rule_table_init(&t, NULL, 0) == 0, "empty table refused");
	CHECK(rule_table_lookup(&t, 0, htonl(0xef010101), htons(5000), htonl(0x0a000001)) == NULL,
	      "empty table found something");
	CHECK(rule_table_lookup(&t, 0, 0, 0, 0) == NULL, "empty table found (0, 0, 0)");
	rule_table_free(&t);

	rules = new_rules(1);
	set_rule(&rules[0], "only", htonl(0xe0000001), 0, 0);
	if (CHECK(rule_table_init(&t, rules, 1) == 0, "one-rule table refused")) {
		CHECK(rule_table_lookup(&t, 0, htonl(0xe0000001), htons(1), htonl(0x01020304)) ==
		      &t.rules[0], "one-rule table: no match");
		CHECK(rule_table_lookup(&t, 0, htonl(0xe0000002), htons(1), htonl(0x01020304)) ==
		      NULL, "one-rule table: wrong group matched");
		rule_table_free(&t);
	}

	/* Tables of a power of two rules still have room to answer a miss. */
	for (size_t n = 8; n <= 1024; n *= 2) {
		rules = new_rules(n);
		for (size_t i = 0; i < n; i++)
			set_rule(&rules[i], "p", htonl(0xe0000100 + (uint32_t)i), 0, 0);
		if (CHECK(rule_table_init(&t, rules, n) == 0, "%zu rules refused", n)) {
			CHECK(rule_table_lookup(&t, 0, htonl(0xe0000100 + (uint32_t)n - 1), 0, 0) ==
			      &t.rules[n - 1], "%zu rules: the last not found", n);
			CHECK(rule_table_lookup(&t, 0, htonl(0xe0000000), htons(9), htonl(1)) == NULL,
			      "%zu rules: a miss found something", n);
			rule_table_free(&t);
		}
	}

	/* The same match twice, for each kind, is refused; the caller keeps the array. */
	for (unsigned k = 0; k < 4; k++) {
		rules = new_rules(3);
		set_rule(&rules[0], "a", htonl(0xef000001), k & 2 ? htons(7) : 0,
			 k & 1 ? htonl(0x0a000001) : 0);
		set_rule(&rules[1], "b", htonl(0xef000002), rules[0].port, rules[0].source);
		rules[2] = rules[0];
		snprintf(rules[2].name, sizeof(rules[2].name), "c");
		memset(&t, 0x55, sizeof(t));
		CHECK(rule_table_init(&t, rules, 3) == -1, "kind %u: duplicate accepted", k);
		CHECK(t.slots == NULL && t.rules == NULL && t.n == 0,
		      "kind %u: a refused table is not left empty", k);
		free(rules);
	}
}

/*
 * Rules that differ only by VLAN are distinct, each VLAN finds only its own
 * rules (untagged = 0 included), and the table knows which VLANs it serves.
 */
static void test_vlans(void)
{
	static const uint16_t vids[] = { 0, 1, 100, 200, 4094 };
	enum { NV = sizeof(vids) / sizeof(vids[0]) };
	struct rule_table t;
	struct rule *rules = new_rules(2 * NV);
	in_addr_t g = htonl(0xef010101);

	for (size_t i = 0; i < NV; i++) {
		set_rule(&rules[2 * i], "any", g, 0, 0);
		set_rule(&rules[2 * i + 1], "port", g, htons(5000), 0);
		rules[2 * i].vlan = rules[2 * i + 1].vlan = vids[i];
	}
	if (!CHECK(rule_table_init(&t, rules, 2 * NV) == 0, "rules differing by VLAN refused"))
		return;
	for (size_t i = 0; i < NV; i++) {
		struct rule *r = rule_table_lookup(&t, vids[i], g, htons(5000), htonl(1));
		struct rule *any = rule_table_lookup(&t, vids[i], g, htons(6000), htonl(1));

		CHECK(r == &t.rules[2 * i + 1], "VLAN %u: port rule not found", vids[i]);
		CHECK(any == &t.rules[2 * i], "VLAN %u: any-port rule not found", vids[i]);
		CHECK(rule_table_has_vlan(&t, vids[i]), "VLAN %u not served", vids[i]);
	}
	CHECK(rule_table_lookup(&t, 300, g, htons(5000), htonl(1)) == NULL,
	      "VLAN 300 matched another VLAN's rule");
	CHECK(!rule_table_has_vlan(&t, 300) && !rule_table_has_vlan(&t, 4095) &&
	      !rule_table_has_vlan(&t, 65535), "VLANs without rules served");
	rule_table_free(&t);

	/* Untagged rules only: no VLAN served. */
	rules = new_rules(1);
	set_rule(&rules[0], "u", g, 0, 0);
	if (CHECK(rule_table_init(&t, rules, 1) == 0, "one rule refused")) {
		CHECK(rule_table_has_vlan(&t, 0) && !rule_table_has_vlan(&t, 100),
		      "untagged table serves the wrong VLANs");
		CHECK(rule_table_lookup(&t, 100, g, 0, 0) == NULL,
		      "a tagged frame found an untagged rule");
		rule_table_free(&t);
	}

	/* The same VLAN and match twice is a duplicate; a VID beyond 4094 is refused. */
	rules = new_rules(2);
	set_rule(&rules[0], "a", g, 0, 0);
	set_rule(&rules[1], "b", g, 0, 0);
	rules[0].vlan = rules[1].vlan = 7;
	CHECK(rule_table_init(&t, rules, 2) == -1, "duplicate within a VLAN accepted");
	rules[1].vlan = 4095;
	CHECK(rule_table_init(&t, rules, 2) == -1, "VID 4095 accepted");
	free(rules);
}

/* The most specific rule for a query, by looking at every rule. */
static const struct rule *linear_lookup(const struct rule *rules, size_t n, in_addr_t group,
					uint16_t port, in_addr_t source)
{
	const struct rule *best = NULL;
	int best_score = -1;

	for (size_t i = 0; i < n; i++) {
		const struct rule *r = &rules[i];
		int score = (r->port ? 2 : 0) + (r->source ? 1 : 0);

		if (r->group != group || (r->port && r->port != port) ||
		    (r->source && r->source != source))
			continue;
		if (score > best_score) {
			best = r;
			best_score = score;
		}
	}
	return best;
}

/*
 * 10,000 distinct rules drawn from a key space dense enough that many
 * share a group, so that every kind and many probe collisions occur.
 */
static void test_random(uint64_t *rng)
{
	enum { N_GROUPS = 3000, N_PORTS = 3, N_SOURCES = 3 };
	static in_addr_t groups[N_GROUPS];
	static const uint16_t ports[N_PORTS + 1] = { 0, 5000, 5001, 5002 };	/* host order */
	static const uint32_t sources[N_SOURCES + 1] = { 0, 0x0a000001, 0x0a000002,
							 0x0a000003 };
	size_t space = (size_t)N_GROUPS * N_PORTS * N_SOURCES;
	uint32_t *keys = malloc(space * sizeof(*keys));
	struct rule *rules = new_rules(N_RANDOM);
	struct rule_table t;

	if (keys == NULL)
		abort();
	for (size_t i = 0; i < N_GROUPS; i++)	/* distinct: a random base and a stride */
		groups[i] = htonl(0xe0000000u | ((uint32_t)(unit_rand(rng) >> 40) + (uint32_t)i * 4099u) % 0x10000000u);
	for (size_t i = 0; i < space; i++)
		keys[i] = (uint32_t)i;
	for (size_t i = space - 1; i > 0; i--) {	/* Fisher-Yates */
		size_t j = unit_rand_below(rng, (uint32_t)(i + 1));
		uint32_t tmp = keys[i];

		keys[i] = keys[j];
		keys[j] = tmp;
	}
	for (size_t i = 0; i < N_RANDOM; i++) {
		uint32_t k = keys[i];
		char name[32];

		snprintf(name, sizeof(name), "r%zu", i);
		set_rule(&rules[i], name, groups[k / (N_PORTS * N_SOURCES)],
			 htons(ports[k / N_SOURCES % N_PORTS]), htonl(sources[k % N_SOURCES]));
	}
	free(keys);
	if (!CHECK(rule_table_init(&t, rules, N_RANDOM) == 0, "random table refused")) {
		free(rules);
		return;
	}
	CHECK(t.n == N_RANDOM, "table holds %zu rules", t.n);

	/* Each rule is what its own exact match finds. */
	size_t missing = 0;

	for (size_t i = 0; i < N_RANDOM; i++) {
		const struct rule *r = &t.rules[i];

		if (rule_table_lookup(&t, 0, r->group, r->port, r->source) != r)
			missing++;
	}
	CHECK(missing == 0, "%zu of %d rules not found by their own match", missing, N_RANDOM);

	/* Packet-like queries against a linear search. */
	size_t wrong = 0, hits = 0;

	for (int i = 0; i < N_QUERIES; i++) {
		in_addr_t g = unit_rand_below(rng, 10) ? groups[unit_rand_below(rng, N_GROUPS)]
						       : htonl(0xe0000000u | (uint32_t)unit_rand(rng) >> 4);
		uint16_t p = htons(ports[1 + unit_rand_below(rng, N_PORTS)]);
		in_addr_t s = htonl(sources[1 + unit_rand_below(rng, N_SOURCES)]);
		const struct rule *want, *got;

		if (unit_rand_below(rng, 4) == 0)
			p = htons(6000);	/* a port no rule names */
		if (unit_rand_below(rng, 4) == 0)
			s = htonl(0xc0a80001);	/* a source no rule names */
		want = linear_lookup(t.rules, t.n, g, p, s);
		got = rule_table_lookup(&t, 0, g, p, s);
		hits += want != NULL;
		if (got != want && ++wrong <= 5)
			printf("    query %d: got %s, expected %s\n", i, got ? got->name : "none",
			       want ? want->name : "none");
	}
	CHECK(wrong == 0, "%zu of %d queries answered differently from a linear search",
	      wrong, N_QUERIES);
	CHECK(hits > N_QUERIES / 4 && hits < N_QUERIES, "only %zu of %d queries matched",
	      hits, N_QUERIES);

	/* A duplicate far from its twin is refused too. */
	struct rule *dup = new_rules(N_RANDOM);

	memcpy(dup, t.rules, N_RANDOM * sizeof(*dup));
	dup[N_RANDOM - 1].group = dup[0].group;
	dup[N_RANDOM - 1].port = dup[0].port;
	dup[N_RANDOM - 1].source = dup[0].source;
	rule_table_free(&t);
	CHECK(rule_table_init(&t, dup, N_RANDOM) == -1, "duplicate of rule 0 at the end accepted");
	free(dup);
}

int main(void)
{
	uint64_t rng = unit_seed(0x72756c6573ULL);

	unit_deadline(120);

	test_precedence();
	test_empty_and_duplicates();
	test_vlans();
	test_random(&rng);
	return unit_summary("test_rules");
}
