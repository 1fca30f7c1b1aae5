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

static const struct addr ANY;	/* unset: any source */

static void set_rule(struct rule *r, const char *name, struct addr group, uint16_t port,
		     struct addr source)
{
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->group = group;
	r->port = port;
	r->source = source;
	/* One group, one port or any, one source or any: not a prefix or a range. */
	r->group_len = (uint8_t)addr_bits(&group);
	r->source_len = addr_is_set(&source) ? (uint8_t)addr_bits(&source) : 0;
	r->port_lo = r->port_hi = ntohs(port);
}

/*
 * The four kinds of rule for one group, in any subset: the lookup must
 * return the most specific one that matches, whichever others exist.  For
 * IPv6 the addresses end in the same 32 bits as the IPv4 ones, which must
 * not match them.
 */
static void test_precedence(bool v6)
{
	static const char *const kind_name[4] = { "group", "group+source", "group+port",
						  "group+port+source" };
	const struct addr G4 = unit_v4h(0xef010101), S4 = unit_v4h(0x0a000001);
	const struct addr G = v6 ? unit_v6("ff3e::ef01:101") : G4;
	const struct addr G2 = v6 ? unit_v6("ff3e::ef01:102") : unit_v4h(0xef010102);
	const struct addr S = v6 ? unit_v6("2001:db8::a00:1") : S4;
	const struct addr S2 = v6 ? unit_v6("2001:db8::a00:2") : unit_v4h(0x0a000002);
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
			set_rule(&rules[n], kind_name[k], G, k & 2 ? P : 0, k & 1 ? S : ANY);
			where[k] = (int)n++;
		}
		if (!CHECK(rule_table_init(&t, rules, n) == 0, "%s set %#x: init failed",
			   v6 ? "IPv6" : "IPv4", set)) {
			free(rules);
			continue;
		}

		/* Queries: (port matches?, source matches?) for each of the four. */
		for (unsigned q = 0; q < 4; q++) {
			uint16_t port = q & 2 ? P : P2;
			struct addr source = q & 1 ? S : S2;
			int want = -1;

			/* Most specific first: port+source, port, source, group. */
			for (int k = 3; k >= 0 && want < 0; k--) {
				bool port_ok = !(k & 2) || (q & 2);
				bool source_ok = !(k & 1) || (q & 1);

				if (where[k] >= 0 && port_ok && source_ok)
					want = where[k];
			}
			struct rule *got = rule_table_lookup(&t, 0, &G, port, &source);

			CHECK(want < 0 ? got == NULL : got == &t.rules[want],
			      "%s set %#x, query port %s source %s: got %s, expected %s",
			      v6 ? "IPv6" : "IPv4", set,
			      q & 2 ? "P" : "P2", q & 1 ? "S" : "S2", got ? got->name : "none",
			      want < 0 ? "none" : t.rules[want].name);
			CHECK(rule_table_lookup(&t, 0, &G2, port, &source) == NULL,
			      "set %#x: a rule matched another group", set);
			if (v6)
				CHECK(rule_table_lookup(&t, 0, &G4, port, q & 1 ? &S4 : &source) == NULL,
				      "set %#x: an IPv6 rule matched the IPv4 group of the same low bits",
				      set);
		}
		rule_table_free(&t);
		CHECK(t.rules == NULL && t.slots == NULL && t.n == 0, "rule_table_free left state");
	}
}

static void test_empty_and_duplicates(void)
{
	struct rule_table t;
	struct rule *rules;
	const struct addr g1 = unit_v4h(0xe0000001), g2 = unit_v4h(0xe0000002);
	const struct addr s1 = unit_v4h(0x01020304), g6 = unit_v6("ff02::1");

	CHECK(rule_table_init(&t, NULL, 0) == 0, "empty table refused");
	CHECK(rule_table_lookup(&t, 0, &g1, htons(5000), &s1) == NULL, "empty table found something");
	CHECK(rule_table_lookup(&t, 0, &ANY, 0, &ANY) == NULL, "empty table found (::, 0, ::)");
	rule_table_free(&t);

	rules = new_rules(1);
	set_rule(&rules[0], "only", g1, 0, ANY);
	if (CHECK(rule_table_init(&t, rules, 1) == 0, "one-rule table refused")) {
		CHECK(rule_table_lookup(&t, 0, &g1, htons(1), &s1) == &t.rules[0],
		      "one-rule table: no match");
		CHECK(rule_table_lookup(&t, 0, &g2, htons(1), &s1) == NULL,
		      "one-rule table: wrong group matched");
		CHECK(rule_table_lookup(&t, 0, &g6, htons(1), &s1) == NULL,
		      "one-rule table: an IPv6 group matched");
		rule_table_free(&t);
	}

	/* Tables of a power of two rules still have room to answer a miss. */
	for (size_t n = 8; n <= 1024; n *= 2) {
		rules = new_rules(n);
		for (size_t i = 0; i < n; i++)
			set_rule(&rules[i], "p", unit_v4h(0xe0000100 + (uint32_t)i), 0, ANY);
		if (CHECK(rule_table_init(&t, rules, n) == 0, "%zu rules refused", n)) {
			const struct addr last = unit_v4h(0xe0000100 + (uint32_t)n - 1);
			const struct addr miss = unit_v4h(0xe0000000), one = unit_v4h(1);

			CHECK(rule_table_lookup(&t, 0, &last, 0, &ANY) == &t.rules[n - 1],
			      "%zu rules: the last not found", n);
			CHECK(rule_table_lookup(&t, 0, &miss, htons(9), &one) == NULL,
			      "%zu rules: a miss found something", n);
			rule_table_free(&t);
		}
	}

	/* The same match twice, for each kind, is refused; the caller keeps the array. */
	for (unsigned k = 0; k < 8; k++) {
		bool v6 = k & 4;

		rules = new_rules(3);
		set_rule(&rules[0], "a", v6 ? unit_v6("ff3e::1") : unit_v4h(0xef000001),
			 k & 2 ? htons(7) : 0,
			 k & 1 ? (v6 ? unit_v6("2001:db8::1") : unit_v4h(0x0a000001)) : ANY);
		set_rule(&rules[1], "b", v6 ? unit_v6("ff3e::2") : unit_v4h(0xef000002),
			 rules[0].port, rules[0].source);
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
	struct rule *rules = new_rules(4 * NV);
	const struct addr g = unit_v4(239, 1, 1, 1), s = unit_v4(0, 0, 0, 1);
	const struct addr g6 = unit_v6("ff3e::ef01:101"), s6 = unit_v6("2001:db8::1");

	/* The same two rules on each VLAN, for an IPv4 group and an IPv6 one. */
	for (size_t i = 0; i < NV; i++) {
		set_rule(&rules[4 * i], "any", g, 0, ANY);
		set_rule(&rules[4 * i + 1], "port", g, htons(5000), ANY);
		set_rule(&rules[4 * i + 2], "any6", g6, 0, ANY);
		set_rule(&rules[4 * i + 3], "port6", g6, htons(5000), ANY);
		for (size_t k = 0; k < 4; k++)
			rules[4 * i + k].vlan = vids[i];
	}
	if (!CHECK(rule_table_init(&t, rules, 4 * NV) == 0, "rules differing by VLAN refused"))
		return;
	for (size_t i = 0; i < NV; i++) {
		struct rule *r = rule_table_lookup(&t, vids[i], &g, htons(5000), &s);
		struct rule *any = rule_table_lookup(&t, vids[i], &g, htons(6000), &s);
		struct rule *r6 = rule_table_lookup(&t, vids[i], &g6, htons(5000), &s6);
		struct rule *any6 = rule_table_lookup(&t, vids[i], &g6, htons(6000), &s6);

		CHECK(r == &t.rules[4 * i + 1], "VLAN %u: port rule not found", vids[i]);
		CHECK(any == &t.rules[4 * i], "VLAN %u: any-port rule not found", vids[i]);
		CHECK(r6 == &t.rules[4 * i + 3], "VLAN %u: IPv6 port rule not found", vids[i]);
		CHECK(any6 == &t.rules[4 * i + 2], "VLAN %u: IPv6 any-port rule not found", vids[i]);
		CHECK(rule_table_has_vlan(&t, vids[i]), "VLAN %u not served", vids[i]);
	}
	CHECK(rule_table_lookup(&t, 300, &g, htons(5000), &s) == NULL &&
	      rule_table_lookup(&t, 300, &g6, htons(5000), &s6) == NULL,
	      "VLAN 300 matched another VLAN's rule");
	CHECK(!rule_table_has_vlan(&t, 300) && !rule_table_has_vlan(&t, 4095) &&
	      !rule_table_has_vlan(&t, 65535), "VLANs without rules served");
	rule_table_free(&t);

	/* Untagged rules only: no VLAN served. */
	rules = new_rules(2);
	set_rule(&rules[0], "u", g, 0, ANY);
	set_rule(&rules[1], "u6", g6, 0, ANY);
	if (CHECK(rule_table_init(&t, rules, 2) == 0, "untagged rules refused")) {
		CHECK(rule_table_has_vlan(&t, 0) && !rule_table_has_vlan(&t, 100),
		      "untagged table serves the wrong VLANs");
		CHECK(rule_table_lookup(&t, 100, &g, 0, &ANY) == NULL &&
		      rule_table_lookup(&t, 100, &g6, 0, &ANY) == NULL,
		      "a tagged frame found an untagged rule");
		CHECK(rule_table_lookup(&t, 0, &g6, 0, &ANY) == &t.rules[1],
		      "the untagged IPv6 rule not found");
		rule_table_free(&t);
	}

	/* The same VLAN and match twice is a duplicate; a VID beyond 4094 is refused. */
	for (int v6 = 0; v6 < 2; v6++) {
		rules = new_rules(2);
		set_rule(&rules[0], "a", v6 ? g6 : g, 0, ANY);
		set_rule(&rules[1], "b", v6 ? g6 : g, 0, ANY);
		rules[0].vlan = rules[1].vlan = 7;
		CHECK(rule_table_init(&t, rules, 2) == -1, "duplicate within a VLAN accepted");
		rules[1].vlan = 4095;
		CHECK(rule_table_init(&t, rules, 2) == -1, "VID 4095 accepted");
		free(rules);
	}
}

/* The most specific rule for a query, by looking at every rule. */
static const struct rule *linear_lookup(const struct rule *rules, size_t n,
					const struct addr *group, uint16_t port,
					const struct addr *source)
{
	const struct rule *best = NULL;
	int best_score = -1;

	for (size_t i = 0; i < n; i++) {
		const struct rule *r = &rules[i];
		bool src = memcmp(&r->source, &ANY, sizeof(ANY)) != 0;
		int score = (r->port ? 2 : 0) + (src ? 1 : 0);

		if (memcmp(&r->group, group, 16) != 0 || (r->port && r->port != port) ||
		    (src && memcmp(&r->source, source, 16) != 0))
			continue;
		if (score > best_score) {
			best = r;
			best_score = score;
		}
	}
	return best;
}

/* The host-order 32 bits as an IPv6 group (ff3e::/96) or source (2001:db8::/96). */
static struct addr v6_from(uint16_t top, uint32_t low)
{
	struct addr a = { .b = { (uint8_t)(top >> 8), (uint8_t)top } };

	a.b[12] = (uint8_t)(low >> 24);
	a.b[13] = (uint8_t)(low >> 16);
	a.b[14] = (uint8_t)(low >> 8);
	a.b[15] = (uint8_t)low;
	return a;
}

/* Source k (0: any) of a group's family. */
static struct addr source_of(const struct addr *group, uint32_t host)
{
	if (host == 0)
		return ANY;
	return addr_is_v4(group) ? unit_v4h(host) : v6_from(0x2001, host);
}

/*
 * 10,000 distinct rules drawn from a key space dense enough that many
 * share a group, so that every kind and many probe collisions occur.  Half
 * the groups are IPv6, ending in the same 32 bits as an IPv4 one, with
 * IPv6 sources ending as the IPv4 ones do.
 */
static void test_random(uint64_t *rng)
{
	enum { N_GROUPS = 3000, N_PORTS = 3, N_SOURCES = 3 };
	static struct addr groups[N_GROUPS];
	static const uint16_t ports[N_PORTS + 1] = { 0, 5000, 5001, 5002 };	/* host order */
	static const uint32_t sources[N_SOURCES + 1] = { 0, 0x0a000001, 0x0a000002,
							 0x0a000003 };
	size_t space = (size_t)N_GROUPS * N_PORTS * N_SOURCES;
	uint32_t *keys = malloc(space * sizeof(*keys));
	struct rule *rules = new_rules(N_RANDOM);
	struct rule_table t;
	uint32_t base = (uint32_t)(unit_rand(rng) >> 40);

	if (keys == NULL)
		abort();
	/* Distinct: a random base and a stride; pairs share their low 32 bits. */
	for (size_t i = 0; i < N_GROUPS; i++) {
		uint32_t low = 0xe0000000u | (base + (uint32_t)(i / 2) * 4099u) % 0x10000000u;

		groups[i] = i % 2 ? v6_from(0xff3e, low) : unit_v4h(low);
	}
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
		const struct addr *g = &groups[k / (N_PORTS * N_SOURCES)];
		char name[32];

		snprintf(name, sizeof(name), "r%zu", i);
		set_rule(&rules[i], name, *g, htons(ports[k / N_SOURCES % N_PORTS]),
			 source_of(g, sources[k % N_SOURCES]));
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

		if (rule_table_lookup(&t, 0, &r->group, r->port, &r->source) != r)
			missing++;
	}
	CHECK(missing == 0, "%zu of %d rules not found by their own match", missing, N_RANDOM);

	/* Packet-like queries against a linear search. */
	size_t wrong = 0, hits = 0, hits6 = 0;

	for (int i = 0; i < N_QUERIES; i++) {
		struct addr g, s;
		uint16_t p = htons(ports[1 + unit_rand_below(rng, N_PORTS)]);
		const struct rule *want, *got;

		if (unit_rand_below(rng, 10)) {
			g = groups[unit_rand_below(rng, N_GROUPS)];
		} else {
			uint32_t low = 0xe0000000u | (uint32_t)unit_rand(rng) >> 4;

			g = unit_rand_below(rng, 2) ? v6_from(0xff3e, low) : unit_v4h(low);
		}
		s = source_of(&g, sources[1 + unit_rand_below(rng, N_SOURCES)]);
		if (unit_rand_below(rng, 4) == 0)
			p = htons(6000);	/* a port no rule names */
		if (unit_rand_below(rng, 4) == 0)
			s = source_of(&g, 0xc0a80001);	/* a source no rule names */
		if (unit_rand_below(rng, 16) == 0)	/* a source of the other family */
			s = addr_is_v4(&g) ? v6_from(0x2001, 0x0a000001) : unit_v4h(0x0a000001);
		want = linear_lookup(t.rules, t.n, &g, p, &s);
		got = rule_table_lookup(&t, 0, &g, p, &s);
		hits += want != NULL;
		hits6 += want != NULL && !addr_is_v4(&g);
		if (got != want && ++wrong <= 5)
			printf("    query %d: got %s, expected %s\n", i, got ? got->name : "none",
			       want ? want->name : "none");
	}
	CHECK(wrong == 0, "%zu of %d queries answered differently from a linear search",
	      wrong, N_QUERIES);
	CHECK(hits > N_QUERIES / 4 && hits < N_QUERIES, "only %zu of %d queries matched",
	      hits, N_QUERIES);
	CHECK(hits6 > hits / 4 && hits6 < hits * 3 / 4, "%zu of %zu matches were IPv6", hits6,
	      hits);

	/* A duplicate far from its twin is refused too. */
	struct rule *dup = new_rules(N_RANDOM);

	memcpy(dup, t.rules, N_RANDOM * sizeof(*dup));
	dup[N_RANDOM - 1].group = dup[0].group;
	dup[N_RANDOM - 1].port = dup[0].port;
	dup[N_RANDOM - 1].source = dup[0].source;
	dup[N_RANDOM - 1].group_len = dup[0].group_len;
	dup[N_RANDOM - 1].source_len = dup[0].source_len;
	dup[N_RANDOM - 1].port_lo = dup[0].port_lo;
	dup[N_RANDOM - 1].port_hi = dup[0].port_hi;
	rule_table_free(&t);
	CHECK(rule_table_init(&t, dup, N_RANDOM) == -1, "duplicate of rule 0 at the end accepted");
	free(dup);
}

/*
 * IPv4 and IPv6 rules side by side, the IPv6 ones with sources: each family
 * finds its own rules, most specific first, and never the other's.
 */
static void test_mixed(void)
{
	const struct addr g4 = unit_v4(239, 1, 1, 1), g6 = unit_v6("ff3e::ef01:101");
	const struct addr s4 = unit_v4(10, 0, 0, 1), s6 = unit_v6("2001:db8::a00:1");
	const struct addr s6b = unit_v6("2001:db8::2"), g6b = unit_v6("ff3e::1");
	const struct addr mapped6 = unit_v6("::ef01:101");	/* neither of them */
	struct rule *rules = new_rules(6);
	struct rule_table t;

	set_rule(&rules[0], "v4-any", g4, 0, ANY);
	set_rule(&rules[1], "v4-port-src", g4, htons(5000), s4);
	set_rule(&rules[2], "v6-any", g6, 0, ANY);
	set_rule(&rules[3], "v6-src", g6, 0, s6);
	set_rule(&rules[4], "v6-port", g6, htons(5000), ANY);
	set_rule(&rules[5], "v6-port-src", g6, htons(5000), s6b);
	if (!CHECK(rule_table_init(&t, rules, 6) == 0, "mixed table refused")) {
		free(rules);
		return;
	}

	const struct {
		const struct addr *group;
		uint16_t port;
		const struct addr *source;
		int want;
	} q[] = {
		{ &g4, 5000, &s4, 1 },
		{ &g4, 5000, &s6, 0 },	/* an IPv6 source ending as s4 does */
		{ &g4, 5001, &s4, 0 },
		{ &g6, 5000, &s6b, 5 },
		{ &g6, 5000, &s6, 4 },	/* port beats source */
		{ &g6, 5001, &s6, 3 },
		{ &g6, 5001, &s6b, 2 },
		{ &g6, 5000, &s4, 4 },
		{ &g6, 5001, &s4, 2 },	/* an IPv4 source ending as s6 does */
		{ &g6b, 5000, &s6b, -1 },
		{ &mapped6, 5000, &s4, -1 },
	};

	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		const struct rule *got = rule_table_lookup(&t, 0, q[i].group, htons(q[i].port),
							   q[i].source);

		CHECK(q[i].want < 0 ? got == NULL : got == &t.rules[q[i].want],
		      "mixed query %zu (%s, %u, %s): got %s, expected %s", i,
		      unit_addr_str(q[i].group), q[i].port, unit_addr_str(q[i].source),
		      got ? got->name : "none", q[i].want < 0 ? "none" : t.rules[q[i].want].name);
	}
	rule_table_free(&t);
}

int main(void)
{
	uint64_t rng = unit_seed(0x72756c6573ULL);

	unit_deadline(120);

	test_precedence(false);
	test_precedence(true);
	test_empty_and_duplicates();
	test_vlans();
	test_random(&rng);
	test_mixed();
	return unit_summary("test_rules");
}
