/*
 * Unit tests for the rule table: lookup precedence in every combination of
 * rule kinds, a large random table checked against a linear search, and
 * the refusal of two rules with the same match.
 */
#include "config.h"

#include "lib/rules.h"
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

/* ---- wider matching: prefixes and ranges ---- */

/*
 * A rule for group/glen, ports lo-hi (host order; 0, 0: any) and source/slen
 * (source unset: any), on VLAN vid, set the way sv_config and worker_conf
 * do: port is the one port of a single-port rule, else 0.
 */
static void set_wide(struct rule *r, const char *name, uint16_t vid, struct addr group,
		     unsigned glen, uint16_t lo, uint16_t hi, struct addr source, unsigned slen)
{
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->vlan = vid;
	r->group = group;
	r->group_len = (uint8_t)glen;
	r->port_lo = lo;
	r->port_hi = hi;
	r->port = lo == hi ? htons(lo) : 0;
	r->source = source;
	r->source_len = addr_is_set(&source) ? (uint8_t)slen : 0;
}

static const char *name_of(const struct rule *r)
{
	return r ? r->name : "none";
}

/*
 * The documented order, rule by rule: the longest group prefix, then the
 * narrowest port range (one port before a range, a range before any port),
 * then the longest source prefix (no source last); among wide rules equal
 * in all three, the first in the table.
 */
static void test_wide_order(void)
{
	const struct addr g = unit_v4(239, 1, 2, 3), s = unit_v4(10, 1, 2, 3);
	const struct addr g6 = unit_v6("ff3e::1:2:3"), s6 = unit_v6("2001:db8::1:2:3");
	struct rule *rules = new_rules(32);
	struct rule_table t;
	size_t n = 0;

	/* Listed from the least to the most specific, so that the table order never decides. */
	set_wide(&rules[n++], "224/4", 0, unit_v4(224, 0, 0, 0), 4, 0, 0, ANY, 0);
	set_wide(&rules[n++], "239/8", 0, unit_v4(239, 0, 0, 0), 8, 0, 0, ANY, 0);
	set_wide(&rules[n++], "239/8 src/8", 0, unit_v4(239, 0, 0, 0), 8, 0, 0,
		 unit_v4(10, 0, 0, 0), 8);
	set_wide(&rules[n++], "239/8 src", 0, unit_v4(239, 0, 0, 0), 8, 0, 0, s, 32);
	set_wide(&rules[n++], "239/8 range", 0, unit_v4(239, 0, 0, 0), 8, 4000, 6000, ANY, 0);
	set_wide(&rules[n++], "239/8 range src", 0, unit_v4(239, 0, 0, 0), 8, 4000, 6000, s, 32);
	set_wide(&rules[n++], "239/8 narrow", 0, unit_v4(239, 0, 0, 0), 8, 5000, 5001, ANY, 0);
	set_wide(&rules[n++], "239/8 port", 0, unit_v4(239, 0, 0, 0), 8, 5000, 5000, ANY, 0);
	set_wide(&rules[n++], "239.1/16", 0, unit_v4(239, 1, 0, 0), 16, 0, 0, ANY, 0);
	set_wide(&rules[n++], "239.1.2/24 src/16", 0, unit_v4(239, 1, 2, 0), 24, 0, 0,
		 unit_v4(10, 1, 0, 0), 16);
	set_wide(&rules[n++], "239.1.2/24 range", 0, unit_v4(239, 1, 2, 0), 24, 4990, 5010, ANY, 0);
	set_rule(&rules[n++], "group", g, 0, ANY);
	set_rule(&rules[n++], "group src", g, 0, s);
	set_wide(&rules[n++], "group src/16", 0, g, 32, 0, 0, unit_v4(10, 1, 0, 0), 16);
	set_wide(&rules[n++], "group range", 0, g, 32, 4990, 5010, ANY, 0);
	set_wide(&rules[n++], "group range src/16", 0, g, 32, 4990, 5010, unit_v4(10, 1, 0, 0), 16);
	set_rule(&rules[n++], "group port", g, htons(5000), ANY);
	set_wide(&rules[n++], "group port src/24", 0, g, 32, 5000, 5000, unit_v4(10, 1, 2, 0), 24);
	set_rule(&rules[n++], "group port src", g, htons(5000), s);
	/* IPv6 beside them: never chosen for an IPv4 packet, nor the other way round. */
	set_wide(&rules[n++], "ff00::/8", 0, unit_v6("ff00::"), 8, 0, 0, ANY, 0);
	set_wide(&rules[n++], "ff3e::/32 range", 0, unit_v6("ff3e::"), 32, 5000, 5009, ANY, 0);
	set_wide(&rules[n++], "ff3e::1:0:0/96", 0, unit_v6("ff3e::1:0:0"), 96, 0, 0, ANY, 0);
	set_wide(&rules[n++], "g6 src/64", 0, g6, 128, 0, 0, unit_v6("2001:db8::"), 64);
	/* Wide rules equal in all three (ranges of one width): the first listed wins. */
	set_wide(&rules[n++], "tie first", 0, unit_v4(239, 9, 0, 0), 16, 5000, 5009, ANY, 0);
	set_wide(&rules[n++], "tie second", 0, unit_v4(239, 9, 0, 0), 16, 5005, 5014, ANY, 0);
	/* On VLAN 7: only tagged frames of VLAN 7 see them. */
	set_wide(&rules[n++], "vlan 239.1/16", 7, unit_v4(239, 1, 0, 0), 16, 0, 0, ANY, 0);
	set_wide(&rules[n++], "vlan ff3e::/16", 7, unit_v6("ff3e::"), 16, 0, 0, ANY, 0);
	if (!CHECK(rule_table_init(&t, rules, n) == 0, "wide table refused")) {
		free(rules);
		return;
	}
	CHECK(t.n_wide == n - 4, "%zu wide rules of %zu, expected %zu", t.n_wide, n, n - 4);

	const struct {
		uint16_t vid;
		struct addr group;
		uint16_t port;
		struct addr source;
		const char *want;
	} q[] = {
		/* One group: every rule for it, from the hash or not, in order. */
		{ 0, g, 5000, s, "group port src" },
		{ 0, g, 5000, unit_v4(10, 1, 2, 4), "group port src/24" },
		{ 0, g, 5000, unit_v4(10, 1, 3, 4), "group port" },
		{ 0, g, 5001, s, "group range src/16" },
		{ 0, g, 5001, unit_v4(10, 2, 0, 1), "group range" },
		/* A wide rule with an exact group and a range beats the hash's any-port rules. */
		{ 0, g, 5010, unit_v4(10, 9, 9, 9), "group range" },
		{ 0, g, 6000, s, "group src" },
		{ 0, g, 6000, unit_v4(10, 1, 9, 9), "group src/16" },
		{ 0, g, 6000, unit_v4(10, 2, 9, 9), "group" },
		/* Other groups of the prefixes: the longest prefix first, whatever the port. */
		{ 0, unit_v4(239, 1, 2, 4), 5000, s, "239.1.2/24 range" },
		{ 0, unit_v4(239, 1, 2, 4), 6000, s, "239.1.2/24 src/16" },
		{ 0, unit_v4(239, 1, 2, 4), 6000, unit_v4(10, 2, 0, 1), "239.1/16" },
		{ 0, unit_v4(239, 1, 3, 4), 5000, s, "239.1/16" },
		/* Within one prefix: a port, then the narrowest range, then any port. */
		{ 0, unit_v4(239, 2, 0, 1), 5000, s, "239/8 port" },
		{ 0, unit_v4(239, 2, 0, 1), 5001, s, "239/8 narrow" },
		{ 0, unit_v4(239, 2, 0, 1), 5002, s, "239/8 range src" },
		{ 0, unit_v4(239, 2, 0, 1), 5002, unit_v4(10, 0, 0, 1), "239/8 range" },
		{ 0, unit_v4(239, 2, 0, 1), 6001, s, "239/8 src" },
		{ 0, unit_v4(239, 2, 0, 1), 6001, unit_v4(10, 0, 0, 1), "239/8 src/8" },
		{ 0, unit_v4(239, 2, 0, 1), 6001, unit_v4(11, 0, 0, 1), "239/8" },
		{ 0, unit_v4(238, 0, 0, 1), 5000, s, "224/4" },
		{ 0, unit_v4(224, 0, 0, 0), 1, s, "224/4" },
		{ 0, unit_v4(239, 255, 255, 255), 65535, s, "239/8 src" },
		{ 0, unit_v4(239, 255, 255, 255), 65535, unit_v4(11, 0, 0, 1), "239/8" },
		/* Ties between wide rules: the table's order. */
		{ 0, unit_v4(239, 9, 1, 1), 5006, s, "tie first" },
		{ 0, unit_v4(239, 9, 1, 1), 5004, s, "tie first" },
		{ 0, unit_v4(239, 9, 1, 1), 5012, s, "tie second" },
		{ 0, unit_v4(239, 9, 1, 1), 5015, unit_v4(11, 0, 0, 1), "239/8 range" },
		/* IPv6: its own rules only, and IPv4 never theirs. */
		{ 0, g6, 5000, s6, "g6 src/64" },
		{ 0, g6, 5000, unit_v6("2001:db9::1"), "ff3e::1:0:0/96" },
		{ 0, unit_v6("ff3e::2:0:1"), 5009, s6, "ff3e::/32 range" },
		{ 0, unit_v6("ff3e::2:0:1"), 5010, s6, "ff00::/8" },
		{ 0, unit_v6("ff3e::2:0:1"), 5010, s, "ff00::/8" },
		{ 0, unit_v6("::239.1.2.3"), 5000, s, NULL },
		{ 0, unit_v6("fe80::1"), 5000, s6, NULL },
		{ 0, unit_v4(240, 0, 0, 1), 5000, s, NULL },
		{ 0, unit_v4(223, 255, 255, 255), 5000, s, NULL },
		/* VLANs: the tagged rules for tagged frames, and nothing else. */
		{ 7, g, 5000, s, "vlan 239.1/16" },
		{ 7, unit_v4(239, 2, 0, 1), 5000, s, NULL },
		{ 7, g6, 5000, s6, "vlan ff3e::/16" },
		{ 7, unit_v6("ff02::1"), 5000, s6, NULL },
		{ 8, g, 5000, s, NULL },
	};

	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		const struct rule *got = rule_table_lookup(&t, q[i].vid, &q[i].group,
							   htons(q[i].port), &q[i].source);

		CHECK(q[i].want == NULL ? got == NULL
					: got != NULL && strcmp(got->name, q[i].want) == 0,
		      "wide query %zu (vlan %u, %s, %u, %s): got %s, expected %s", i, q[i].vid,
		      unit_addr_str(&q[i].group), q[i].port, unit_addr_str(&q[i].source),
		      name_of(got), q[i].want ? q[i].want : "none");
	}
	rule_table_free(&t);

	/* The tie goes to the first in the table, not to a name or a range. */
	rules = new_rules(2);
	set_wide(&rules[0], "b", 0, unit_v4(239, 9, 0, 0), 16, 5005, 5014, ANY, 0);
	set_wide(&rules[1], "a", 0, unit_v4(239, 9, 0, 0), 16, 5000, 5009, ANY, 0);
	if (CHECK(rule_table_init(&t, rules, 2) == 0, "tie table refused")) {
		const struct addr tg = unit_v4(239, 9, 1, 1);

		CHECK(rule_table_lookup(&t, 0, &tg, htons(5006), &s) == &t.rules[0] &&
		      rule_table_lookup(&t, 0, &tg, htons(5004), &s) == &t.rules[1],
		      "ties: not by table order");
		rule_table_free(&t);
	}

	/* A wide rule alone, and which rules count as wide. */
	struct rule r = { 0 };

	set_rule(&r, "x", g, htons(5000), s);
	CHECK(!rule_is_wide(&r), "an exact rule is wide");
	set_wide(&r, "x", 0, g, 32, 5000, 5000, ANY, 0);
	CHECK(!rule_is_wide(&r), "a single-port rule is wide");
	set_wide(&r, "x", 0, g, 32, 0, 0, s, 32);
	CHECK(!rule_is_wide(&r), "a rule with one source is wide");
	set_wide(&r, "x", 0, g, 31, 0, 0, ANY, 0);
	CHECK(rule_is_wide(&r), "a /31 group is not wide");
	set_wide(&r, "x", 0, g, 32, 5000, 5001, ANY, 0);
	CHECK(rule_is_wide(&r), "a range of two ports is not wide");
	set_wide(&r, "x", 0, g, 32, 0, 0, s, 31);
	CHECK(rule_is_wide(&r), "a /31 source is not wide");
	set_wide(&r, "x", 0, g6, 127, 0, 0, ANY, 0);
	CHECK(rule_is_wide(&r), "an IPv6 /127 group is not wide");
	set_wide(&r, "x", 0, g6, 128, 0, 0, s6, 128);
	CHECK(!rule_is_wide(&r), "an IPv6 rule with one group and source is wide");
}

/* Does rule r take the packet?  Straight from the definitions. */
static bool ref_matches(const struct rule *r, uint16_t vid, const struct addr *group,
			uint16_t port, const struct addr *source)
{
	unsigned bits = addr_bits(&r->group);

	if (r->vlan != vid || addr_is_v4(group) != addr_is_v4(&r->group))
		return false;
	for (unsigned i = 0; i < r->group_len; i++)
		if ((group->b[16 - bits / 8 + i / 8] ^ r->group.b[16 - bits / 8 + i / 8]) &
		    (0x80 >> i % 8))
			return false;
	if (r->port_lo != 0 && (port < r->port_lo || port > r->port_hi))
		return false;
	if (!addr_is_set(&r->source))
		return true;
	if (addr_is_v4(source) != addr_is_v4(&r->source))
		return false;
	for (unsigned i = 0; i < r->source_len; i++)
		if ((source->b[16 - bits / 8 + i / 8] ^ r->source.b[16 - bits / 8 + i / 8]) &
		    (0x80 >> i % 8))
			return false;
	return true;
}

/* Whether x is preferred to y for a packet both take, x first in the table. */
static bool ref_better(const struct rule *x, const struct rule *y)
{
	unsigned xw = x->port_lo ? (unsigned)(x->port_hi - x->port_lo) + 1 : 65536;
	unsigned yw = y->port_lo ? (unsigned)(y->port_hi - y->port_lo) + 1 : 65536;

	if (x->group_len != y->group_len)
		return x->group_len > y->group_len;
	if (xw != yw)
		return xw < yw;
	return x->source_len >= y->source_len;	/* equal: the first in the table */
}

static const struct rule *ref_lookup(const struct rule *rules, size_t n, uint16_t vid,
				     const struct addr *group, uint16_t port,
				     const struct addr *source)
{
	const struct rule *best = NULL;

	for (size_t i = 0; i < n; i++)
		if (ref_matches(&rules[i], vid, group, port, source) &&
		    (best == NULL || !ref_better(best, &rules[i])))
			best = &rules[i];
	return best;
}

/* An address of a small space: 239.1.A.B or ff3e::A:B, 10.0.A.B or 2001:db8::A:B. */
static struct addr small_addr(bool v6, bool group, uint8_t a, uint8_t b)
{
	if (!v6)
		return group ? unit_v4(239, 1, a, b) : unit_v4(10, 0, a, b);
	struct addr x = group ? unit_v6("ff3e::") : unit_v6("2001:db8::");

	x.b[13] = a;
	x.b[15] = b;
	return x;
}

/*
 * A few hundred exact and wide rules of both families and two VLANs, over
 * a space small enough that most packets are taken by several, against
 * ref_lookup over thousands of random packets.
 */
static void test_wide_random(uint64_t *rng)
{
	enum { N_RULES = 400, N_PACKETS = 20000 };
	static const uint8_t glen4[] = { 4, 8, 16, 20, 22, 24, 29, 30, 31, 32, 32, 32 };
	static const uint8_t glen6[] = { 8, 16, 64, 100, 112, 116, 120, 125, 126, 127, 128, 128, 128 };
	static const uint8_t slen4[] = { 8, 16, 22, 24, 28, 30, 31, 32, 32 };
	static const uint8_t slen6[] = { 32, 64, 112, 120, 124, 126, 127, 128, 128 };
	struct rule *rules = new_rules(N_RULES);
	struct rule_table t;
	size_t n = 0, tries = 0;

	while (n < N_RULES && tries++ < 100000) {
		struct rule *r = &rules[n];
		bool v6 = unit_rand_below(rng, 2);
		uint16_t vid = unit_rand_below(rng, 5) == 0 ? 7 : 0;
		struct addr g = small_addr(v6, true, (uint8_t)unit_rand_below(rng, 4),
					   (uint8_t)unit_rand_below(rng, 8));
		unsigned glen = v6 ? glen6[unit_rand_below(rng, sizeof(glen6))]
				   : glen4[unit_rand_below(rng, sizeof(glen4))];
		uint16_t lo = 0, hi = 0;
		struct addr src = ANY;
		unsigned slen = 0;
		char name[32];

		switch (unit_rand_below(rng, 3)) {
		case 0:
			break;	/* any port */
		case 1:
			lo = hi = (uint16_t)(5000 + unit_rand_below(rng, 8));
			break;
		default:
			lo = (uint16_t)(4998 + unit_rand_below(rng, 8));
			hi = (uint16_t)(lo + 1 + unit_rand_below(rng, 8));
		}
		if (unit_rand_below(rng, 2)) {
			src = small_addr(v6, false, (uint8_t)unit_rand_below(rng, 2),
					 (uint8_t)(1 + unit_rand_below(rng, 6)));
			slen = v6 ? slen6[unit_rand_below(rng, sizeof(slen6))]
				  : slen4[unit_rand_below(rng, sizeof(slen4))];
			src = addr_network(&src, slen);
		}
		snprintf(name, sizeof(name), "r%zu", n);
		set_wide(r, name, vid, addr_network(&g, glen), glen, lo, hi, src, slen);
		/* No two rules with the same match: the configuration refuses that. */
		bool dup = false;

		for (size_t k = 0; k < n && !dup; k++)
			dup = rules[k].vlan == r->vlan && addr_eq(&rules[k].group, &r->group) &&
			      rules[k].group_len == r->group_len && rules[k].port_lo == r->port_lo &&
			      rules[k].port_hi == r->port_hi && addr_eq(&rules[k].source, &r->source) &&
			      rules[k].source_len == r->source_len;
		if (!dup)
			n++;
	}
	size_t n_exact = 0;

	for (size_t k = 0; k < n; k++)
		n_exact += !rule_is_wide(&rules[k]);
	CHECK(n == N_RULES && n_exact > N_RULES / 20 && n_exact < N_RULES / 2,
	      "random wide table: %zu rules, %zu exact", n, n_exact);
	/* The reference sees the rules in the same order, in a copy: the table owns rules. */
	struct rule *copy = new_rules(n);

	memcpy(copy, rules, n * sizeof(*copy));
	if (!CHECK(rule_table_init(&t, rules, n) == 0, "random wide table refused")) {
		free(rules);
		free(copy);
		return;
	}
	size_t wrong = 0, hits = 0, by_wide = 0, by_exact = 0, several = 0;

	for (int i = 0; i < N_PACKETS; i++) {
		bool v6 = unit_rand_below(rng, 2);
		uint16_t vid = unit_rand_below(rng, 4) == 0 ? 7 : unit_rand_below(rng, 20) == 0 ? 9 : 0;
		struct addr g = small_addr(v6, true, (uint8_t)unit_rand_below(rng, 5),
					   (uint8_t)unit_rand_below(rng, 10));
		struct addr src = small_addr(unit_rand_below(rng, 20) ? v6 : !v6, false,
					     (uint8_t)unit_rand_below(rng, 3),
					     (uint8_t)unit_rand_below(rng, 8));
		uint16_t port = (uint16_t)(4996 + unit_rand_below(rng, 20));

		if (unit_rand_below(rng, 50) == 0)	/* far away, in the other prefixes only */
			g = v6 ? unit_v6("ff05::1") : unit_v4(230, 1, 1, 1);
		const struct rule *want = ref_lookup(copy, n, vid, &g, port, &src);
		const struct rule *got = rule_table_lookup(&t, vid, &g, htons(port), &src);
		size_t takers = 0;

		for (size_t k = 0; k < n; k++)
			takers += ref_matches(&copy[k], vid, &g, port, &src);
		several += takers > 1;
		hits += want != NULL;
		if (want != NULL)
			rule_is_wide(want) ? by_wide++ : by_exact++;
		if ((got ? got - t.rules : -1) != (want ? want - copy : -1) && ++wrong <= 5)
			printf("    packet %d (vlan %u, %s, %u, %s): got %s, expected %s\n", i, vid,
			       unit_addr_str(&g), port, unit_addr_str(&src), name_of(got),
			       want ? want->name : "none");
	}
	CHECK(wrong == 0, "%zu of %d packets answered differently from the reference", wrong,
	      N_PACKETS);
	CHECK(hits > N_PACKETS / 2 && hits < N_PACKETS && by_wide > N_PACKETS / 10 &&
	      by_exact > N_PACKETS / 50 && several > N_PACKETS / 4,
	      "a weak sample: %zu matched, %zu by wide rules, %zu by exact ones, %zu by several",
	      hits, by_wide, by_exact, several);
	rule_table_free(&t);
	free(copy);
}

/* The reference must be able to disagree, or the comparison above proves nothing. */
static void test_reference(void)
{
	struct rule r[2] = { 0 };
	const struct addr g = unit_v4(239, 1, 2, 3), s = unit_v4(10, 0, 0, 1);

	set_wide(&r[0], "wide", 0, unit_v4(239, 1, 0, 0), 16, 5000, 5009, ANY, 0);
	set_wide(&r[1], "narrow", 0, unit_v4(239, 1, 2, 0), 24, 0, 0, s, 32);
	CHECK(ref_lookup(r, 2, 0, &g, 5000, &s) == &r[1] &&
	      ref_lookup(r, 2, 0, &g, 5000, &g) == &r[0] &&
	      ref_lookup(r, 2, 0, &g, 4999, &g) == NULL &&
	      ref_lookup(r, 2, 1, &g, 5000, &s) == NULL &&
	      ref_lookup(r, 2, 0, &s, 5000, &s) == NULL, "the reference lookup is wrong");
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
	test_reference();
	test_wide_order();
	test_wide_random(&rng);
	return unit_summary("test_rules");
}
