/*
 * Unit tests for the kernel path's plan (lib/kpath_plan.c): which rules
 * go which path and why, the map contents, the wide rules' order against
 * rules.c's on random rule sets, a lookup over the plan's maps done the
 * way the tc program does it against rule_table_lookup, and the
 * handleable predicate on frames of every kind.
 */
#include "config.h"

#include "lib/conf.h"
#include "lib/diag.h"
#include "lib/kpath_plan.h"
#include "lib/packet.h"
#include "lib/rules.h"
#include "kpath_frames.h"
#include "kpath_gen.h"
#include "unit.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static const struct kpath_iface IFACES[] = {
	{ .name = "eth1", .ifindex = 11, .mtu = 1500, .mac = { 2, 0, 0, 0, 0, 0x11 }, .up = true },
	{ .name = "eth2", .ifindex = 12, .mtu = 9000, .mac = { 2, 0, 0, 0, 0, 0x12 }, .up = true },
	{ .name = "eth3", .ifindex = 13, .mtu = 1500, .mac = { 2, 0, 0, 0, 0, 0x13 }, .up = false },
	{ .name = "out0", .ifindex = 20, .mtu = 1500, .mac = { 2, 0, 0, 0, 0, 0x20 }, .up = true },
	{ .name = "out1", .ifindex = 21, .mtu = 600, .mac = { 2, 0, 0, 0, 0, 0x21 }, .up = true },
	{ .name = "out2", .ifindex = 22, .mtu = 9000, .mac = { 2, 0, 0, 0, 0, 0x22 }, .up = true },
	{ .name = "out3", .ifindex = 23, .mtu = 1500, .mac = { 2, 0, 0, 0, 0, 0x23 }, .up = false },
};
#define N_IFACES (sizeof(IFACES) / sizeof(IFACES[0]))

static bool parse(const char *text, struct conf *c)
{
	struct diag d = { 0 };
	int rc;

	rc = conf_parse_string("test.conf", text, c, &d);
	if (!CHECK(rc == 0, "configuration refused: %s", d.n ? d.lines[0] : "?")) {
		conf_free(c);
		diag_free(&d);
		return false;
	}
	diag_free(&d);
	return true;
}

static int plan_of(const struct conf *c, const char *input, enum kpath_datapath dp,
		   const char *unavailable, struct kpath_plan *plan)
{
	uint32_t *slots = kg_slots(c);
	struct kpath_plan_params pp = { .conf = c, .input = input, .datapath = dp,
					.unavailable = unavailable, .ifaces = IFACES,
					.n_ifaces = N_IFACES, .slots = slots };
	char err[256] = "";
	int rc = kpath_plan_build(plan, &pp, err, sizeof(err));

	if (rc < 0)
		printf("plan: %s\n", err);
	free(slots);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Which path, and why */

static const struct path_case {
	const char *name;
	const char *rules;		/* [rule] sections */
	enum kpath_datapath datapath;
	const char *unavailable;
	const char *want;		/* per rule of eth0: "kernel" or the reason, joined by "|" */
} PATH_CASES[] = {
	{ "one plain rule", "[rule a]\ninput = eth0\ngroup = 239.1.1.1\noutput = eth1\n",
	  KPATH_DATAPATH_AUTO, NULL, "kernel" },
	{ "datapath = kernel", "[rule a]\ninput = eth0\ngroup = 239.1.1.1\noutput = eth1\n",
	  KPATH_DATAPATH_KERNEL, NULL, "kernel" },
	{ "a udp output takes the whole rule",
	  "[rule a]\ninput = eth0\ngroup = 239.1.1.1\noutput = eth1\noutput = udp 10.0.0.5:7000\n"
	  "[rule b]\ninput = eth0\ngroup = 239.1.1.2\noutput = eth2\n",
	  KPATH_DATAPATH_AUTO, NULL, "udp output|kernel" },
	{ "datapath = packet",
	  "[rule a]\ninput = eth0\ngroup = 239.1.1.1\noutput = eth1\n"
	  "[rule b]\ninput = eth0\ngroup = ff3e::1\noutput = eth2\n",
	  KPATH_DATAPATH_PACKET, NULL, "input eth0: datapath = packet|input eth0: datapath = packet" },
	{ "the kernel cannot", "[rule a]\ninput = eth0\ngroup = 239.1.1.1\noutput = eth1\n",
	  KPATH_DATAPATH_AUTO, "no tc program support", "input eth0: no tc program support" },
	{ "pending outputs stay on the kernel path",
	  "[rule a]\ninput = eth0\ngroup = 239.1.1.1\noutput = eth3\noutput = eth9\n",
	  KPATH_DATAPATH_AUTO, NULL, "kernel" },
	{ "monitor = mpegts takes the packet path, monitor = rtp stays on the kernel path",
	  "[rule a]\ninput = eth0\ngroup = 239.1.1.1\nmonitor = mpegts\noutput = eth1\n"
	  "[rule b]\ninput = eth0\ngroup = 239.1.1.2\nmonitor = rtp\noutput = eth1\n"
	  "[rule c]\ninput = eth0\ngroup = 239.1.1.3\nmonitor = off\noutput = eth1\n",
	  KPATH_DATAPATH_AUTO, NULL, "monitor = mpegts needs the packet path|kernel|kernel" },
	{ "other inputs are left out",
	  "[rule a]\ninput = eth5\ngroup = 239.1.1.1\noutput = eth1\noutput = udp 10.0.0.5:7000\n"
	  "[rule b]\ninput = eth0\ngroup = 239.1.1.1\nport = 5000-5009\noutput = eth1\n"
	  "[rule c]\ninput = eth0 vlan 100\ngroup = 239.1.0.0/16\njoin = 239.1.2.3\noutput = eth2\n",
	  KPATH_DATAPATH_AUTO, NULL, "kernel|kernel" },
};

static void check_reasons(const char *name, const struct kpath_plan *plan, const char *want)
{
	char buf[1024] = "";

	for (size_t i = 0; i < plan->n_rules; i++) {
		const struct kpath_plan_rule *r = &plan->rules[i];

		CHECK(r->kernel == (r->reason[0] == '\0'), "%s: rule %zu kernel but a reason", name, i);
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? "|" : "",
			 r->kernel ? "kernel" : r->reason);
	}
	CHECK(strcmp(buf, want) == 0, "%s: paths '%s', expected '%s'", name, buf, want);
}

static void test_paths(void)
{
	for (size_t i = 0; i < sizeof(PATH_CASES) / sizeof(PATH_CASES[0]); i++) {
		const struct path_case *pc = &PATH_CASES[i];
		char text[4096];
		struct conf c;
		struct kpath_plan plan;
		size_t kernel = 0;

		snprintf(text, sizeof(text), "[global]\nuser = nobody\n\n%s", pc->rules);
		if (!parse(text, &c))
			continue;
		if (CHECK(plan_of(&c, "eth0", pc->datapath, pc->unavailable, &plan) == 0, "%s: plan",
			  pc->name)) {
			check_reasons(pc->name, &plan, pc->want);
			for (size_t k = 0; k < plan.n_rules; k++)
				kernel += plan.rules[k].kernel;
			CHECK(plan.n_kernel == kernel && plan.n_krules == kernel,
			      "%s: %zu kernel rules, %zu counted, %zu in the map", pc->name, kernel,
			      plan.n_kernel, plan.n_krules);
			kpath_plan_free(&plan);
		}
		conf_free(&c);
	}
}

/* A kernel-path rule's monitor is in the rules map: rtp for monitor = rtp, off otherwise. */
static void test_monitor_flag(void)
{
	struct conf c;
	struct kpath_plan plan;

	if (!parse("[rule a]\ninput = eth0\ngroup = 239.1.1.1\nmonitor = rtp\noutput = eth1\n"
		   "[rule b]\ninput = eth0\ngroup = 239.1.1.2\noutput = eth1\n"
		   "[rule c]\ninput = eth0\ngroup = 239.1.1.3\nmonitor = mpegts\noutput = eth1\n",
		   &c))
		return;
	if (CHECK(plan_of(&c, "eth0", KPATH_DATAPATH_AUTO, NULL, &plan) == 0, "monitor: plan")) {
		CHECK(plan.n_krules == 2 && plan.krules[0].monitor == KPATH_MONITOR_RTP &&
		      plan.krules[1].monitor == KPATH_MONITOR_OFF,
		      "monitor flags: %zu kernel rules, %u %u", plan.n_krules,
		      plan.krules[0].monitor, plan.krules[1].monitor);
		kpath_plan_free(&plan);
	}
	conf_free(&c);

	/* The kernel's counts add to the workers' field by field. */
	struct kpath_monitor_counters k = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	struct monitor_counts m = { .missing = 10, .evicted = 1 };

	kpath_monitor_add(&m, &k);
	CHECK(m.missing == 11 && m.filled == 2 && m.errors == 3 && m.reordered == 4 &&
	      m.duplicates == 5 && m.resyncs == 6 && m.invalid == 7 && m.sources == 8 &&
	      m.evicted == 10, "kpath_monitor_add");
}

/* KPATH_MAX_WIDE prefix rules go the kernel path; one more sends the whole input to the packet path. */
static void test_wide_limit(void)
{
	for (int extra = 0; extra <= 1; extra++) {
		struct conf c;
		struct kpath_plan plan;
		size_t n = KPATH_MAX_WIDE + (size_t)extra;
		char want[96];

		kg_conf_init(&c, n + 1);
		kg_output(kg_rule(&c, unit_v4h(0xef000001)), "eth1");
		for (size_t i = 0; i < n; i++) {
			struct conf_rule *r = kg_rule(&c, unit_v4h(0xef000000 | (uint32_t)i << 8));

			r->group_len = 24;
			kg_output(r, "eth1");
		}
		if (!CHECK(plan_of(&c, KG_INPUT, KPATH_DATAPATH_AUTO, NULL, &plan) == 0, "plan")) {
			conf_free(&c);
			continue;
		}
		snprintf(want, sizeof(want), "more than %d prefix/range rules on %s", KPATH_MAX_WIDE,
			 KG_INPUT);
		CHECK(plan.n_wide == n && plan.n_exact == 1, "%zu wide, %zu exact", plan.n_wide,
		      plan.n_exact);
		for (size_t i = 0; i < plan.n_rules; i++)
			CHECK(extra ? strcmp(plan.rules[i].reason, want) == 0 : plan.rules[i].kernel,
			      "%zu wide rules: rule %zu '%s'", n, i, plan.rules[i].reason);
		CHECK(plan.n_krules == (extra ? 0 : n + 1), "%zu wide rules: %zu in the rules map", n,
		      plan.n_krules);
		kpath_plan_free(&plan);
		conf_free(&c);
	}
}

/* ------------------------------------------------------------------ */
/* Map contents */

static const struct kpath_plan_exact *find_exact(const struct kpath_plan *plan, struct addr g,
						 uint16_t port, struct addr s, uint16_t vlan)
{
	for (size_t i = 0; i < plan->n_exact; i++) {
		const struct kpath_exact_key *k = &plan->exact[i].key;

		if (memcmp(k->group, g.b, 16) == 0 && memcmp(k->source, s.b, 16) == 0 &&
		    k->port == htons(port) && k->vlan == vlan)
			return &plan->exact[i];
	}
	return NULL;
}

static void test_maps(void)
{
	static const char text[] =
		"[global]\nuser = nobody\n\n"
		"[rule a]\ninput = eth0\ngroup = 239.1.1.1\nport = 5000\nsource = 10.0.0.1\n"
		"output = eth1 239.9.9.9:6000\noutput = eth3\noutput = eth2 vlan 7\nttl = 9\n\n"
		"[rule b]\ninput = eth0\ngroup = 239.1.1.1\noutput = udp 10.0.0.5:7000\n\n"
		"[rule c]\ninput = eth0 vlan 100\ngroup = 239.2.0.0/16\nport = 5000-5009\n"
		"source = 10.1.0.0/16\njoin = 239.2.0.1\noutput = eth1\noutput = eth2 :7000\n"
		"ttl = keep\n\n"
		"[rule d]\ninput = eth0\ngroup = ff3e::/96\njoin = ff3e::1\noutput = eth2 [ff3e::9]:6000\n\n"
		"[rule e]\ninput = eth0\ngroup = ff3e::1\nsource = 2001:db8::1\noutput = eth9\n";
	const struct addr any = { { 0 } };
	const struct kpath_plan_exact *e;
	struct kpath_plan plan;
	struct conf c;

	if (!parse(text, &c))
		return;
	if (!CHECK(plan_of(&c, "eth0", KPATH_DATAPATH_AUTO, NULL, &plan) == 0, "plan")) {
		conf_free(&c);
		return;
	}
	CHECK(plan.n_rules == 5 && plan.n_kernel == 4 && plan.n_exact == 3 && plan.n_wide == 2,
	      "%zu rules, %zu kernel, %zu exact, %zu wide", plan.n_rules, plan.n_kernel,
	      plan.n_exact, plan.n_wide);
	CHECK(plan.kinds == (KPATH_KIND_PORT_SRC | KPATH_KIND_ANY | KPATH_KIND_SRC),
	      "kinds %#x", plan.kinds);

	e = find_exact(&plan, unit_v4h(0xef010101), 5000, unit_v4h(0x0a000001), 0);
	if (CHECK(e != NULL, "no exact entry for rule a"))
		CHECK(e->value.flags == 0 && e->value.rule == 0 &&
		      e->value.spec == ((uint64_t)128 << 32 | (uint64_t)65536 << 8 | 128),
		      "rule a: rule %u flags %u spec %#llx", e->value.rule, e->value.flags,
		      (unsigned long long)e->value.spec);
	e = find_exact(&plan, unit_v4h(0xef010101), 0, any, 0);
	if (CHECK(e != NULL, "no exact entry for rule b"))
		CHECK(e->value.flags == KPATH_MATCH_PACKET &&
		      e->value.spec == ((uint64_t)128 << 32 | 1 << 8), "rule b: flags %u",
		      e->value.flags);
	e = find_exact(&plan, unit_v6("ff3e::1"), 0, unit_v6("2001:db8::1"), 0);
	if (CHECK(e != NULL, "no exact entry for rule e"))
		CHECK(e->value.flags == 0 && e->value.rule == 3, "rule e: rule %u", e->value.rule);

	/* The wide rules: c (IPv4 /16 counts as 112 bits of 128) before d (IPv6 /96). */
	if (plan.n_wide == 2) {
		const struct kpath_wide *cw = &plan.wide[0], *d = &plan.wide[1];
		const uint8_t v4mask16[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0 };
		const uint8_t net[16] = { [10] = 0xff, [11] = 0xff, [12] = 239, [13] = 2 };
		const uint8_t src[16] = { [10] = 0xff, [11] = 0xff, [12] = 10, [13] = 1 };

		CHECK(d->m.rule == 2 && d->m.spec == ((uint64_t)96 << 32 | (uint64_t)1 << 8),
		      "first wide: rule %u spec %#llx", d->m.rule, (unsigned long long)d->m.spec);
		CHECK(d->source_mask[0] == 0 && d->source_mask[1] == 0 && d->port_lo == 0,
		      "rule d: any source, any port");
		CHECK(cw->m.rule == 1 && cw->vlan == 100 && cw->port_lo == 5000 && cw->port_hi == 5009 &&
		      cw->m.spec == ((uint64_t)112 << 32 | (uint64_t)(65537 - 10) << 8 | 112),
		      "rule c: rule %u vlan %u ports %u-%u spec %#llx", cw->m.rule, cw->vlan,
		      cw->port_lo, cw->port_hi, (unsigned long long)cw->m.spec);
		CHECK(memcmp(cw->group_mask, v4mask16, 16) == 0 && memcmp(cw->group, net, 16) == 0 &&
		      memcmp(cw->source_mask, v4mask16, 16) == 0 && memcmp(cw->source, src, 16) == 0,
		      "rule c: masks");
	}

	/* Kernel rules in order a, c, d, e; their outputs in configuration order. */
	if (CHECK(plan.n_krules == 4 && plan.n_outputs == 7, "%zu kernel rules, %zu outputs",
		  plan.n_krules, plan.n_outputs)) {
		const struct kpath_rule *a = &plan.krules[0], *cr = &plan.krules[1];
		const struct kpath_output *o = plan.outputs;
		const uint8_t mac9[6] = { 0x01, 0x00, 0x5e, 0x09, 0x09, 0x09 };

		CHECK(a->slot == 0 && a->first_out == 0 && a->n_out == 3 &&
		      a->ttl_mode == KPATH_TTL_SET && a->ttl == 9, "rule a: slot %u out %u+%u ttl %u/%u",
		      a->slot, a->first_out, a->n_out, a->ttl_mode, a->ttl);
		CHECK(cr->slot == 2 && cr->first_out == 3 && cr->n_out == 2 &&
		      cr->ttl_mode == KPATH_TTL_KEEP, "rule c: slot %u out %u+%u", cr->slot,
		      cr->first_out, cr->n_out);
		CHECK(o[0].ifindex == 11 && o[0].mtu == 1500 && o[0].flags == 0 &&
		      o[0].port == htons(6000) && memcmp(o[0].dst_mac, mac9, 6) == 0 &&
		      memcmp(o[0].src_mac, IFACES[0].mac, 6) == 0 && o[0].group[15] == 9,
		      "rule a's first output");
		CHECK(o[1].flags == KPATH_OUT_PENDING && o[1].group[12] == 239, "eth3 is down: pending");
		CHECK(o[2].ifindex == 12 && o[2].vlan == 7 && o[2].mtu == 9000 && o[2].port == 0,
		      "rule a's tagged output");
		CHECK(o[3].flags == KPATH_OUT_KEEP_GROUP && o[4].flags == KPATH_OUT_KEEP_GROUP &&
		      o[4].port == htons(7000), "rule c's outputs keep each packet's group");
		CHECK(o[5].flags == 0 && o[5].group[0] == 0xff && o[5].dst_mac[0] == 0x33 &&
		      o[5].dst_mac[5] == 9, "rule d's output");
		CHECK(o[6].flags == KPATH_OUT_PENDING, "eth9 does not exist: pending");
	}
	kpath_plan_free(&plan);
	conf_free(&c);
}

static void test_errors(void)
{
	struct conf c;
	struct kpath_plan plan;
	uint32_t slots[2] = { 0, KPATH_MAX_SLOTS };
	struct kpath_plan_params pp = { .conf = &c, .input = KG_INPUT, .slots = slots };
	char err[256] = "";

	kg_conf_init(&c, 2);
	kg_output(kg_rule(&c, unit_v4h(0xef000001)), "eth1");
	kg_output(kg_rule(&c, unit_v4h(0xef000002)), "eth1");
	CHECK(kpath_plan_build(&plan, &pp, err, sizeof(err)) < 0 && strstr(err, "slot"),
	      "a slot out of range: '%s'", err);
	slots[1] = 1;
	c.rules[1].group = c.rules[0].group;
	CHECK(kpath_plan_build(&plan, &pp, err, sizeof(err)) < 0 && strstr(err, "same match"),
	      "two rules with one match: '%s'", err);
	CHECK(plan.rules == NULL && plan.n_rules == 0, "a failed plan is empty");
	conf_free(&c);
}

/* ------------------------------------------------------------------ */
/* Random rule sets against rules.c */

/* The tc program's lookup (src/kernel/match.h), over the plan's maps. */
static const struct kpath_match *plan_lookup(const struct kpath_plan *plan, uint16_t vid,
					     const struct addr *g, uint16_t port,
					     const struct addr *s)
{
	static const struct addr any;
	static const unsigned kinds[4] = { KPATH_KIND_PORT_SRC, KPATH_KIND_PORT, KPATH_KIND_SRC,
					   KPATH_KIND_ANY };
	const struct kpath_match *best = NULL;
	uint64_t spec;

	for (int i = 0; i < 4 && best == NULL; i++) {
		const struct addr *src = (kinds[i] & (KPATH_KIND_PORT_SRC | KPATH_KIND_SRC)) ? s : &any;
		uint16_t p = (kinds[i] & (KPATH_KIND_PORT_SRC | KPATH_KIND_PORT)) ? port : 0;
		const struct kpath_plan_exact *e;

		if (!(plan->kinds & kinds[i]))
			continue;
		e = find_exact(plan, *g, ntohs(p), *src, vid);
		best = e ? &e->value : NULL;
	}
	spec = best ? best->spec : 0;
	for (size_t i = 0; i < plan->n_wide; i++) {
		const struct kpath_wide *w = &plan->wide[i];
		uint64_t gd[2], sd[2];
		uint16_t hp = ntohs(port);

		if (w->m.spec < spec)
			break;
		memcpy(gd, g->b, 16);
		memcpy(sd, s->b, 16);
		if (w->vlan == vid && (!w->port_lo || (hp >= w->port_lo && hp <= w->port_hi)) &&
		    (gd[0] & w->group_mask[0]) == w->group[0] &&
		    (gd[1] & w->group_mask[1]) == w->group[1] &&
		    (sd[0] & w->source_mask[0]) == w->source[0] &&
		    (sd[1] & w->source_mask[1]) == w->source[1])
			return &w->m;
	}
	return best;
}

static void test_random(uint64_t *rng)
{
	unsigned long hits_exact = 0, hits_wide = 0, misses = 0;

	for (int set = 0; set < 200; set++) {
		struct conf c;
		struct kpath_plan plan;
		struct rule_table t;
		struct rule *rules;
		size_t n;

		kg_conf_init(&c, 60);
		kg_random_rules(&c, rng, 1 + unit_rand_below(rng, 60), 1);
		rules = kg_worker_rules(&c, IFACES, N_IFACES, &n);
		if (!CHECK(rule_table_init(&t, rules, n) == 0, "set %d: rule_table_init", set) ||
		    !CHECK(plan_of(&c, KG_INPUT, KPATH_DATAPATH_AUTO, NULL, &plan) == 0, "set %d: plan",
			   set)) {
			conf_free(&c);
			continue;
		}
		/* Every rule is on the kernel path: the rules map index is the table index. */
		CHECK(plan.n_wide == t.n_wide && plan.n_krules == n, "set %d: %zu/%zu wide", set,
		      plan.n_wide, t.n_wide);
		for (size_t i = 0; i < plan.n_wide && i < t.n_wide; i++)
			CHECK(plan.wide[i].m.rule == t.wide[i].index &&
			      plan.wide[i].m.spec == t.wide[i].spec,
			      "set %d: wide %zu is rule %u (spec %#llx), rules.c has %u (%#llx)", set, i,
			      plan.wide[i].m.rule, (unsigned long long)plan.wide[i].m.spec,
			      t.wide[i].index, (unsigned long long)t.wide[i].spec);
		for (int q = 0; q < 300; q++) {
			bool v6 = unit_rand_below(rng, 3) == 0;
			struct addr g = kg_group(rng, v6), s = kg_source(rng, v6);
			uint16_t port = htons(kg_port(rng) + (uint16_t)unit_rand_below(rng, 2)),
				 vid = kg_vlan(rng);
			struct rule *want = rule_table_lookup(&t, vid, &g, port, &s);
			const struct kpath_match *got = plan_lookup(&plan, vid, &g, port, &s);

			CHECK((want == NULL && got == NULL) ||
			      (want && got && got->rule == (uint32_t)(want - t.rules)),
			      "set %d: %s:%u from %s vlan %u: rules.c %ld, plan %ld", set,
			      unit_addr_str(&g), ntohs(port), unit_addr_str(&s), vid,
			      want ? (long)(want - t.rules) : -1L, got ? (long)got->rule : -1L);
			if (want == NULL)
				misses++;
			else if (rule_is_wide(want))
				hits_wide++;
			else
				hits_exact++;
		}
		rule_table_free(&t);
		kpath_plan_free(&plan);
		conf_free(&c);
	}
	printf("random lookups: %lu exact, %lu wide, %lu none\n", hits_exact, hits_wide, misses);
	CHECK(hits_exact > 1000 && hits_wide > 1000 && misses > 1000,
	      "the random lookups reach every kind of result");
}

/* ------------------------------------------------------------------ */
/* The handleable predicate */

static const struct handles_case {
	const char *name;
	struct kf_spec f;
	struct pkt_tag meta;
	bool gso;
	bool want;
} HANDLES_CASES[] = {
	{ "IPv4", { .payload = 100 }, { 0 }, false, true },
	{ "IPv4 with options", { .payload = 100, .ip_opts = 40 }, { 0 }, false, true },
	{ "IPv4, zero UDP checksum", { .payload = 10, .udp_csum_zero = true }, { 0 }, false, true },
	{ "IPv4, padded", { .payload = 4, .pad = 20 }, { 0 }, false, true },
	{ "IPv4, 802.1Q in the frame", { .payload = 10, .tag = KF_DOT1Q, .tci = 100 }, { 0 },
	  false, true },
	{ "IPv4, 802.1Q with PCP", { .payload = 10, .tag = KF_DOT1Q, .tci = 0xa064 }, { 0 }, false,
	  true },
	{ "IPv4, 802.1Q in metadata", { .payload = 10 }, { true, 0x8100, 100 }, false, true },
	{ "IPv4, a GSO packet", { .payload = 10 }, { 0 }, true, false },
	{ "IPv4, VID 0", { .payload = 10, .tag = KF_DOT1Q, .tci = 0x2000 }, { 0 }, false, false },
	{ "IPv4, VID 4095", { .payload = 10, .tag = KF_DOT1Q, .tci = 0xfff }, { 0 }, false, false },
	{ "IPv4, QinQ", { .payload = 10, .tag = KF_QINQ, .tci = 100 }, { 0 }, false, false },
	{ "IPv4, 802.1ad", { .payload = 10, .tag = KF_DOT1AD, .tci = 100 }, { 0 }, false, false },
	{ "IPv4, metadata 802.1ad", { .payload = 10 }, { true, 0x88a8, 100 }, false, false },
	{ "IPv4, metadata and frame tags", { .payload = 10, .tag = KF_DOT1Q, .tci = 5 },
	  { true, 0x8100, 100 }, false, false },
	{ "IPv4, first fragment", { .payload = 100, .frag = KF_FIRST }, { 0 }, false, false },
	{ "IPv4, later fragment", { .payload = 100, .frag = KF_LATER }, { 0 }, false, false },
	{ "IPv4, bad header checksum", { .payload = 10, .bad_ip_csum = true }, { 0 }, false, false },
	{ "IPv4, ihl 4", { .payload = 10, .short_ihl = true }, { 0 }, false, false },
	{ "IPv4, version 6 in an IPv4 frame", { .payload = 10, .bad_version = true }, { 0 }, false,
	  false },
	{ "IPv4, TCP", { .payload = 10, .not_udp = true }, { 0 }, false, false },
	{ "IPv4, UDP length too long", { .payload = 10, .udp_len_delta = 1 }, { 0 }, false, false },
	{ "IPv4, UDP length too short", { .payload = 10, .udp_len_delta = -1 }, { 0 }, false,
	  false },
	{ "IPv4, truncated", { .payload = 10, .cut = 1 }, { 0 }, false, false },
	{ "IPv4, total length below the UDP header", { .payload = 0, .ip_len_short = 1 }, { 0 },
	  false, false },
	{ "ARP", { .payload = 10, .ethertype = 0x0806 }, { 0 }, false, false },
	{ "IPv6", { .v6 = true, .payload = 100 }, { 0 }, false, true },
	{ "IPv6, zero UDP checksum", { .v6 = true, .payload = 10, .udp_csum_zero = true }, { 0 },
	  false, true },
	{ "IPv6, tagged", { .v6 = true, .payload = 10, .tag = KF_DOT1Q, .tci = 4094 }, { 0 }, false,
	  true },
	{ "IPv6, hop-by-hop header", { .v6 = true, .payload = 10, .v6_hbh = true }, { 0 }, false,
	  false },
	{ "IPv6, atomic fragment", { .v6 = true, .payload = 10, .frag = KF_ATOMIC }, { 0 }, false,
	  false },
	{ "IPv6, first fragment", { .v6 = true, .payload = 10, .frag = KF_FIRST }, { 0 }, false,
	  false },
	{ "IPv6, truncated", { .v6 = true, .payload = 10, .cut = 3 }, { 0 }, false, false },
	{ "IPv6, UDP length off", { .v6 = true, .payload = 10, .udp_len_delta = 2 }, { 0 }, false,
	  false },
	{ "IPv6, payload length below UDP", { .v6 = true, .payload = 0, .ip_len_short = 1 }, { 0 },
	  false, false },
};

static void test_handles(void)
{
	for (size_t i = 0; i < sizeof(HANDLES_CASES) / sizeof(HANDLES_CASES[0]); i++) {
		const struct handles_case *hc = &HANDLES_CASES[i];
		struct kf_spec f = hc->f;
		uint8_t frame[2048];
		size_t len;
		struct pkt p;
		enum pkt_result res;

		f.group = f.v6 ? unit_v6("ff3e::1") : unit_v4h(0xef010101);
		f.source = f.v6 ? unit_v6("2001:db8::1") : unit_v4h(0x0a000001);
		f.sport = 4000;
		f.dport = 5000;
		f.ttl = 9;
		len = kf_build(frame, &f);
		res = pkt_parse(frame, len, &hc->meta, &p);
		CHECK(kpath_handles(res, &p, hc->gso) == hc->want, "%s: handles %d (%s), expected %d",
		      hc->name, !hc->want, pkt_result_name(res), hc->want);
	}
	/* Destinations that are not multicast, and an IPv4-mapped IPv6 source. */
	{
		struct kf_spec f = { .payload = 10, .group = unit_v4h(0x0a000009),
				     .source = unit_v4h(0x0a000001), .dport = 5000 };
		uint8_t frame[256];
		struct pkt p;
		size_t len = kf_build(frame, &f);

		CHECK(!kpath_handles(pkt_parse(frame, len, NULL, &p), &p, false), "IPv4 unicast");
		f.v6 = true;
		f.group = unit_v6("2001:db8::9");
		f.source = unit_v6("2001:db8::1");
		len = kf_build(frame, &f);
		CHECK(!kpath_handles(pkt_parse(frame, len, NULL, &p), &p, false), "IPv6 unicast");
		f.group = unit_v6("ff3e::1");
		f.source = unit_v6("::ffff:10.0.0.1");
		len = kf_build(frame, &f);
		CHECK(!kpath_handles(pkt_parse(frame, len, NULL, &p), &p, false),
		      "IPv6 from an IPv4-mapped source");
	}
}

int main(void)
{
	uint64_t rng = unit_seed(0x6b70617468);

	unit_deadline(60);
	test_paths();
	test_monitor_flag();
	test_wide_limit();
	test_maps();
	test_errors();
	test_random(&rng);
	test_handles();
	return unit_summary("test_kpath");
}
