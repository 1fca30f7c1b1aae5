/*
 * Unit tests for the worker's half of the configuration hand-off: sockets
 * and rules assembled into a configuration, every kind of incomplete or
 * inconsistent set refused with a reason, and counters carried by rule name
 * (and output position) across a reload, at the size of 10,000 rules; a
 * rule's monitor carried while it watches the same way.
 */
#include "config.h"

#include "unit.h"
#include "lib/monitor.h"
#include "lib/worker_conf.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static struct ho_socket sock_msg(uint32_t role, uint32_t slot, const char *ifname)
{
	struct ho_socket s = { .role = role, .slot = slot, .ifindex = 7 + (int)slot,
			       .mtu = 1500, .mac = { 2, 0, 0, 0, 0, (uint8_t)slot } };

	snprintf(s.ifname, sizeof(s.ifname), "%s", ifname);
	return s;
}

static struct ho_rule rule_msg(const char *name, uint32_t group, unsigned n_out)
{
	struct ho_rule m = { .port = htons(5000), .port_lo = 5000, .port_hi = 5000,
			     .group_len = 32, .ttl_mode = 0 };
	struct addr g = unit_v4h(group);

	memcpy(m.group, g.b, 16);
	snprintf(m.name, sizeof(m.name), "%s", name);
	m.n_outputs = n_out;
	for (unsigned k = 0; k < n_out; k++) {
		struct addr o = unit_v4h(0xef020000 + k);

		m.outputs[k].slot = k;
		memcpy(m.outputs[k].group, o.b, 16);
		m.outputs[k].conf_index = (uint8_t)k;
	}
	return m;
}

static void test_assemble(void)
{
	struct worker_conf p;
	struct ho_socket in = sock_msg(HO_ROLE_INGRESS, 0, "r0");
	struct ho_socket e0 = sock_msg(HO_ROLE_EGRESS, 0, "o0");
	struct ho_socket e1 = sock_msg(HO_ROLE_EGRESS, 1, "o1");
	struct ho_rule r = rule_msg("video", 0xef010101, 2);
	struct ho_commit c = { .generation = 2, .n_rules = 1, .n_sockets = 3 };
	char err[160];
	const struct addr out1 = unit_v4h(0xef020001), group = unit_v4h(0xef010101);

	worker_conf_init(&p);
	p.first = true;
	CHECK(worker_conf_complete(&p, &c, err, sizeof(err)) < 0, "empty set accepted");
	CHECK(worker_conf_add_socket(&p, &in, 10, err, sizeof(err)) == 0, "ingress: %s", err);
	CHECK(worker_conf_add_socket(&p, &in, 11, err, sizeof(err)) < 0 &&
		      strstr(err, "ingress socket twice") != NULL, "second ingress: %s", err);
	CHECK(worker_conf_add_socket(&p, &e1, 12, err, sizeof(err)) < 0 &&
		      strstr(err, "out of order") != NULL, "slot 1 first: %s", err);
	CHECK(worker_conf_add_socket(&p, &e0, 12, err, sizeof(err)) == 0, "egress 0: %s", err);
	CHECK(worker_conf_add_rule(&p, &r, err, sizeof(err)) == 0, "rule: %s", err);
	CHECK(worker_conf_complete(&p, &c, err, sizeof(err)) < 0 &&
		      strstr(err, "incomplete") != NULL, "2 of 3 sockets: %s", err);
	CHECK(worker_conf_add_socket(&p, &e1, 13, err, sizeof(err)) == 0, "egress 1: %s", err);
	CHECK(worker_conf_complete(&p, &c, err, sizeof(err)) == 0, "complete set: %s", err);
	CHECK(p.ingress_fd == 10 && p.n_egress == 2 && p.egress[1].fd == 13 &&
		      p.egress[1].ifindex == 8 && strcmp(p.egress[1].ifname, "o1") == 0,
	      "sockets as sent");
	CHECK(p.n_rules == 1 && p.rules[0].n_out == 2 &&
		      addr_eq(&p.rules[0].out[1].group, &out1) && addr_eq(&p.rules[0].group, &group) &&
		      !addr_is_set(&p.rules[0].source) &&
		      p.rules[0].out[1].dst_mac[1] == 0x00 && p.rules[0].out[1].dst_mac[2] == 0x5e &&
		      p.rules[0].out[1].dst_mac[0] == 0x01 && p.rules[0].out[1].dst_mac[5] == 1,
	      "rule as sent, with its multicast MAC");

	struct ho_rule bad = rule_msg("bad", 0xef010102, 1);

	bad.outputs[0].slot = 5;
	CHECK(worker_conf_add_rule(&p, &bad, err, sizeof(err)) == 0, "rule with slot 5");
	c.n_rules = 2;
	CHECK(worker_conf_complete(&p, &c, err, sizeof(err)) < 0 &&
		      strstr(err, "missing egress") != NULL, "slot beyond sockets: %s", err);
	bad.n_outputs = RULE_MAX_OUTPUTS + 1;
	CHECK(worker_conf_add_rule(&p, &bad, err, sizeof(err)) < 0, "17 outputs accepted");
	worker_conf_free(&p);
	CHECK(p.ingress_fd == -1 && p.n_rules == 0 && p.rules == NULL && !p.first,
	      "freed and reset");
}

/*
 * The ingress socket comes once, in a worker's first configuration; a later
 * one that brings it is refused, and one without it is complete.
 */
static void test_ingress_once(void)
{
	struct worker_conf p;
	struct ho_socket in = sock_msg(HO_ROLE_INGRESS, 0, "r0");
	struct ho_socket e0 = sock_msg(HO_ROLE_EGRESS, 0, "o0");
	struct ho_rule r = rule_msg("video", 0xef010101, 1);
	struct ho_commit first = { .generation = 1, .n_rules = 1, .n_sockets = 2 };
	struct ho_commit later = { .generation = 2, .n_rules = 1, .n_sockets = 1 };
	char err[160];

	worker_conf_init(&p);
	p.first = true;
	CHECK(worker_conf_add_socket(&p, &e0, 12, err, sizeof(err)) == 0, "egress: %s", err);
	CHECK(worker_conf_add_rule(&p, &r, err, sizeof(err)) == 0, "rule: %s", err);
	CHECK(worker_conf_complete(&p, &later, err, sizeof(err)) < 0 &&
		      strstr(err, "incomplete") != NULL,
	      "a first configuration without an ingress socket: %s", err);
	CHECK(worker_conf_add_socket(&p, &in, 10, err, sizeof(err)) == 0, "ingress: %s", err);
	CHECK(worker_conf_complete(&p, &first, err, sizeof(err)) == 0, "first: %s", err);
	worker_conf_free(&p);

	worker_conf_init(&p);
	CHECK(worker_conf_add_socket(&p, &in, 10, err, sizeof(err)) < 0 &&
		      strstr(err, "after the first configuration") != NULL,
	      "an ingress socket in a later configuration: %s", err);
	CHECK(worker_conf_add_socket(&p, &e0, 12, err, sizeof(err)) == 0, "egress: %s", err);
	CHECK(worker_conf_add_rule(&p, &r, err, sizeof(err)) == 0, "rule: %s", err);
	CHECK(worker_conf_complete(&p, &later, err, sizeof(err)) == 0, "later: %s", err);
	CHECK(p.ingress_fd == -1 && p.n_egress == 1, "later: no ingress socket");
	worker_conf_free(&p);
}

static void set_addr(uint8_t dst[16], struct addr a)
{
	memcpy(dst, a.b, 16);
}

/*
 * A rule is of one family: its group is multicast, and its source and every
 * output group are of the group's family.  Anything else is refused with a
 * reason, and adds no rule.
 */
static void test_families(void)
{
	struct worker_conf p;
	struct ho_rule m;
	char err[160];
	const struct addr g6 = unit_v6("ff3e::1234"), o6 = unit_v6("ff3e::4321");
	const struct addr s6 = unit_v6("2001:db8::1"), s4 = unit_v4(10, 0, 0, 1);
	const struct addr g4 = unit_v4(239, 1, 1, 1), o4 = unit_v4(239, 2, 2, 2);

	worker_conf_init(&p);

	/* IPv6 throughout: accepted, with the 33:33 MAC of each output's group. */
	m = rule_msg("six", 0, 2);
	set_addr(m.group, g6);
	set_addr(m.source, s6);
	m.group_len = 128;
	m.source_len = 128;
	set_addr(m.outputs[0].group, o6);
	set_addr(m.outputs[1].group, g6);
	m.vlan = 100;			/* received on VLAN 100, */
	m.outputs[0].vlan = 4094;	/* sent tagged once, untagged once */
	if (CHECK(worker_conf_add_rule(&p, &m, err, sizeof(err)) == 0, "IPv6 rule: %s", err) &&
	    CHECK(p.n_rules == 1, "IPv6 rule: %zu rules", p.n_rules)) {
		const struct rule *r = &p.rules[0];
		static const uint8_t mac0[6] = { 0x33, 0x33, 0x00, 0x00, 0x43, 0x21 };
		static const uint8_t mac1[6] = { 0x33, 0x33, 0x00, 0x00, 0x12, 0x34 };

		CHECK(addr_eq(&r->group, &g6) && addr_eq(&r->source, &s6) &&
		      addr_eq(&r->out[0].group, &o6) && addr_eq(&r->out[1].group, &g6),
		      "IPv6 rule: addresses not as sent");
		CHECK(memcmp(r->out[0].dst_mac, mac0, 6) == 0 &&
		      memcmp(r->out[1].dst_mac, mac1, 6) == 0, "IPv6 rule: output MACs");
		CHECK(r->vlan == 100 && r->out[0].vlan == 4094 && r->out[1].vlan == 0,
		      "IPv6 rule: VLANs %u, %u, %u", r->vlan, r->out[0].vlan, r->out[1].vlan);
	}
	/* IPv6 without a source. */
	memset(m.source, 0, 16);
	m.source_len = 0;
	snprintf(m.name, sizeof(m.name), "six-any");
	CHECK(worker_conf_add_rule(&p, &m, err, sizeof(err)) == 0, "IPv6 rule, any source: %s", err);

	static const struct {
		const char *what;
		int group, source, out0, out1;	/* 0: unset, 4/6: family, -4/-6: not multicast */
	} bad[] = {
		{ "IPv4 group, IPv6 output", 4, 0, 4, 6 },
		{ "IPv6 group, IPv4 output", 6, 0, 4, 6 },
		{ "IPv6 group, IPv4 second output", 6, 0, 6, 4 },
		{ "IPv4 group, IPv6 source", 4, 6, 4, 4 },
		{ "IPv6 group, IPv4 source", 6, 4, 6, 6 },
		{ "IPv6 group, IPv6 unicast output", 6, 0, 6, -6 },
		{ "IPv4 group, IPv4 unicast output", 4, 0, -4, 4 },
		{ "IPv4 unicast group", -4, 0, 4, 4 },
		{ "IPv6 unicast group", -6, 0, 6, 6 },
		{ "no group", 0, 0, 4, 4 },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const int *which[4] = { &bad[i].group, &bad[i].source, &bad[i].out0, &bad[i].out1 };
		uint8_t *field[4];
		size_t before = p.n_rules;

		m = rule_msg("mixed", 0, 2);
		field[0] = m.group;
		field[1] = m.source;
		field[2] = m.outputs[0].group;
		field[3] = m.outputs[1].group;
		for (int f = 0; f < 4; f++) {
			struct addr a = { 0 };

			switch (*which[f]) {
			case 4: a = f == 1 ? s4 : f == 0 ? g4 : o4; break;
			case 6: a = f == 1 ? s6 : f == 0 ? g6 : o6; break;
			case -4: a = s4; break;
			case -6: a = s6; break;
			}
			set_addr(field[f], a);
			/* Whole addresses: the refusal is for the family, not a prefix. */
			if (f == 0)
				m.group_len = (uint8_t)addr_bits(&a);
			if (f == 1)
				m.source_len = addr_is_set(&a) ? (uint8_t)addr_bits(&a) : 0;
		}
		err[0] = '\0';
		CHECK(worker_conf_add_rule(&p, &m, err, sizeof(err)) < 0 &&
		      strstr(err, "rule mixed mixes address families") != NULL, "%s: accepted or no reason ('%s')",
		      bad[i].what, err);
		CHECK(p.n_rules == before, "%s: a refused rule was added", bad[i].what);
	}
	/* The same with IPv4 throughout is accepted: the refusals were for the family. */
	m = rule_msg("four", 0xef010101, 2);
	set_addr(m.source, s4);
	m.source_len = 32;
	CHECK(worker_conf_add_rule(&p, &m, err, sizeof(err)) == 0, "IPv4 rule: %s", err);
	/*
	 * An output without a group is a udp output (sv_config sends none: the
	 * socket has the destination), in a rule of either family.
	 */
	for (int v6 = 0; v6 < 2; v6++) {
		size_t before = p.n_rules;
		const struct addr o40 = unit_v4h(0xef020000);

		m = rule_msg(v6 ? "udp6" : "udp4", 0xef010102, 2);
		if (v6) {
			set_addr(m.group, g6);
			m.group_len = 128;
			set_addr(m.outputs[0].group, o6);
		}
		memset(m.outputs[1].group, 0, 16);
		if (CHECK(worker_conf_add_rule(&p, &m, err, sizeof(err)) == 0 &&
			  p.n_rules == before + 1, "%s: a udp output refused: %s", m.name, err))
			CHECK(!addr_is_set(&p.rules[before].out[1].group) &&
			      addr_eq(&p.rules[before].out[0].group, v6 ? &o6 : &o40),
			      "%s: output groups not as sent", m.name);
	}
	worker_conf_free(&p);
}

/*
 * The match of a ho_rule as worker_conf_add_rule checks it: prefix lengths
 * within the family, no bits beyond them, a source length only with a
 * source, and port fields that agree (port is the one port of lo-hi, or 0
 * for a range or any).  Each bad one is refused with a reason and adds no
 * rule; the good ones are taken as sent.
 */
static void test_wide(void)
{
	struct worker_conf p;
	struct ho_rule m;
	char err[160];
	const struct addr g6 = unit_v6("ff3e::"), s6 = unit_v6("2001:db8::");
	const struct addr s4 = unit_v4(10, 1, 0, 0);
	static const struct {
		const char *what;
		bool v6, ok;
		uint8_t glen, slen;
		int source;		/* 0: none, 1: the network, 2: with a host bit */
		int group_host_bit;	/* a bit set beyond glen in the group */
		uint16_t port, lo, hi;	/* port in host order here */
	} cases[] = {
		{ "IPv4 /16, range", false, true, 16, 0, 0, 0, 0, 5000, 5099 },
		{ "IPv4 /4, any port", false, true, 4, 0, 0, 0, 0, 0, 0 },
		{ "IPv4 /32, one port, source /16", false, true, 32, 16, 1, 0, 5000, 5000, 5000 },
		{ "IPv4 /16, source /32", false, true, 16, 32, 1, 0, 0, 0, 0 },
		{ "IPv6 /96, range, source /32", true, true, 96, 32, 1, 0, 0, 1, 65535 },
		{ "IPv6 /8", true, true, 8, 0, 0, 0, 0, 0, 0 },
		{ "IPv6 /128, source /128", true, true, 128, 128, 1, 0, 0, 0, 0 },
		{ "IPv4 /33", false, false, 33, 0, 0, 0, 0, 0, 0 },
		{ "IPv4 /255", false, false, 255, 0, 0, 0, 0, 0, 0 },
		{ "IPv6 /129", true, false, 129, 0, 0, 0, 0, 0, 0 },
		{ "IPv4 source /33", false, false, 16, 33, 1, 0, 0, 0, 0 },
		{ "IPv6 source /129", true, false, 96, 129, 1, 0, 0, 0, 0 },
		{ "IPv4 group with a host bit", false, false, 16, 0, 0, 1, 0, 0, 0 },
		{ "IPv6 group with a host bit", true, false, 96, 0, 0, 1, 0, 0, 0 },
		{ "IPv4 source with a host bit", false, false, 16, 16, 2, 0, 0, 0, 0 },
		{ "IPv6 source with a host bit", true, false, 96, 32, 2, 0, 0, 0, 0 },
		{ "source length without a source", false, false, 16, 16, 0, 0, 0, 0, 0 },
		{ "IPv6 source length without a source", true, false, 96, 128, 0, 0, 0, 0, 0 },
		{ "a source without a length", false, false, 16, 0, 1, 0, 0, 0, 0 },
		{ "range reversed", false, false, 16, 0, 0, 0, 0, 5099, 5000 },
		{ "range from 0", false, false, 16, 0, 0, 0, 0, 0, 5000 },
		{ "range to 0", false, false, 16, 0, 0, 0, 0, 5000, 0 },
		{ "port with a range", false, false, 16, 0, 0, 0, 5000, 5000, 5099 },
		{ "port with any port", false, false, 16, 0, 0, 0, 5000, 0, 0 },
		{ "port other than the one of the range", false, false, 32, 0, 0, 0, 5001, 5000, 5000 },
		{ "one port without port", false, false, 32, 0, 0, 0, 0, 5000, 5000 },
	};

	worker_conf_init(&p);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t before = p.n_rules;
		struct addr g = cases[i].v6 ? g6 : unit_v4(239, 1, 0, 0);
		struct addr src = cases[i].v6 ? s6 : s4;

		m = rule_msg("wide", 0, 1);
		if (cases[i].v6)
			set_addr(m.outputs[0].group, unit_v6("ff3e::1"));
		if (cases[i].glen == 4)
			g = unit_v4(224, 0, 0, 0);
		if (cases[i].v6 && cases[i].glen == 8)
			g = unit_v6("ff00::");
		if (cases[i].group_host_bit)
			g.b[15] |= 1;
		if (cases[i].source == 2)
			src.b[15] |= 1;
		if (cases[i].v6 && cases[i].glen == 128)
			g.b[15] = 7;	/* one group, not the network of a prefix */
		if (cases[i].v6 && cases[i].slen == 128 && cases[i].source)
			src.b[15] = 7;
		if (!cases[i].v6 && cases[i].glen == 32)
			g.b[15] = 3;
		if (!cases[i].v6 && cases[i].slen == 32 && cases[i].source)
			src.b[15] = 3;
		set_addr(m.group, g);
		memset(m.source, 0, 16);
		if (cases[i].source)
			set_addr(m.source, src);
		m.group_len = cases[i].glen;
		m.source_len = cases[i].slen;
		m.port = htons(cases[i].port);
		m.port_lo = cases[i].lo;
		m.port_hi = cases[i].hi;
		m.vlan = 5;
		err[0] = '\0';
		if (cases[i].ok) {
			if (!CHECK(worker_conf_add_rule(&p, &m, err, sizeof(err)) == 0 &&
				   p.n_rules == before + 1, "%s: refused: %s", cases[i].what, err))
				continue;
			const struct rule *r = &p.rules[before];

			CHECK(addr_eq(&r->group, &g) && r->group_len == cases[i].glen &&
			      r->source_len == cases[i].slen && r->port == m.port &&
			      r->port_lo == cases[i].lo && r->port_hi == cases[i].hi && r->vlan == 5 &&
			      (cases[i].source ? addr_eq(&r->source, &src) : !addr_is_set(&r->source)),
			      "%s: not taken as sent", cases[i].what);
			CHECK(rule_is_wide(r) == (cases[i].glen != (cases[i].v6 ? 128 : 32) ||
						  cases[i].lo != cases[i].hi ||
						  (cases[i].source &&
						   cases[i].slen != (cases[i].v6 ? 128 : 32))),
			      "%s: wide or not, wrongly", cases[i].what);
		} else {
			CHECK(worker_conf_add_rule(&p, &m, err, sizeof(err)) < 0 &&
			      strstr(err, "rule wide has an invalid prefix or port range") != NULL,
			      "%s: accepted or another reason ('%s')", cases[i].what, err);
			CHECK(p.n_rules == before, "%s: a refused rule was added", cases[i].what);
		}
	}
	worker_conf_free(&p);
}

/* A reload keeps the counters of rules that stay, found by name, however many. */
static void test_carry(size_t n)
{
	struct rule *old_rules = calloc(n, sizeof(*old_rules));
	struct rule *now = calloc(n + 1, sizeof(*now));
	struct rule_table old;
	size_t carried = 0, fresh = 0;

	if (old_rules == NULL || now == NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		struct rule *r = &old_rules[i];

		snprintf(r->name, sizeof(r->name), "rule%zu", i);
		r->group = unit_v4h(0xef000000 + (uint32_t)i);
		r->group_len = 32;
		r->packets_in = 1000 + i;
		r->n_out = r->n_all = 2;
		r->out[0].conf_index = 0;
		r->out[0].packets = 10 + i;
		r->out[1].conf_index = 1;
		r->out[1].packets = 20 + i;
	}
	CHECK(rule_table_init(&old, old_rules, n) == 0, "old table");
	/* The new set: every other rule stays (in reverse order), the rest are new. */
	for (size_t i = 0; i < n; i++) {
		size_t src = n - 1 - i;

		if (i % 2 == 0)
			snprintf(now[i].name, sizeof(now[i].name), "rule%zu", src);
		else
			snprintf(now[i].name, sizeof(now[i].name), "new%zu", i);
		now[i].n_out = now[i].n_all = 1;
		now[i].out[0].conf_index = 1;	/* only the second output stays */
	}
	CHECK(worker_conf_carry_counters(now, n, &old) == 0, "carry");
	for (size_t i = 0; i < n; i++) {
		size_t src = n - 1 - i;

		if (i % 2 == 0)
			carried += now[i].packets_in == 1000 + src &&
				   now[i].out[0].packets == 20 + src;
		else
			fresh += now[i].packets_in == 0 && now[i].out[0].packets == 0;
	}
	CHECK(carried == (n + 1) / 2, "%zu rules: %zu of %zu carried", n, carried, (n + 1) / 2);
	CHECK(fresh == n / 2, "%zu rules: %zu of %zu new ones start at zero", n, fresh, n / 2);
	rule_table_free(&old);
	free(now);
}

/*
 * An output without its socket comes pending, after the others, and keeps
 * its counters through that and back: they are the output's, not its
 * interface's or socket's.
 */
static void test_pending(void)
{
	struct worker_conf p;
	struct ho_socket in = sock_msg(HO_ROLE_INGRESS, 0, "r0");
	struct ho_socket u = { .role = HO_ROLE_UDP, .slot = 0, .udp_family = AF_INET,
			       .udp_port = 7000, .udp_addr = { 10, 0, 0, 5 } };
	struct ho_rule m = rule_msg("video", 0xef010101, 3);
	struct ho_commit c = { .generation = 2, .n_rules = 1, .n_sockets = 2 };
	struct rule_table old;
	struct rule *rules;
	char err[160];

	/* Output 0 pending (its slot would name no socket), 1 and 2 on the udp socket. */
	m.outputs[0].flags = HO_OUT_PENDING;
	m.outputs[0].slot = 9;
	m.outputs[1].slot = 0;
	m.outputs[2].slot = 0;
	worker_conf_init(&p);
	p.first = true;
	CHECK(worker_conf_add_socket(&p, &in, 10, err, sizeof(err)) == 0, "ingress: %s", err);
	CHECK(worker_conf_add_socket(&p, &u, 11, err, sizeof(err)) == 0, "udp: %s", err);
	CHECK(p.n_egress == 1 && p.egress[0].udp && p.egress[0].udp_overhead == 28 &&
		      strcmp(p.egress[0].label, "udp 10.0.0.5:7000") == 0,
	      "udp socket: label '%s'", p.egress[0].label);
	CHECK(worker_conf_add_rule(&p, &m, err, sizeof(err)) == 0, "rule: %s", err);
	CHECK(worker_conf_complete(&p, &c, err, sizeof(err)) == 0, "complete: %s", err);
	if (!CHECK(p.n_rules == 1 && p.rules[0].n_out == 2 && p.rules[0].n_all == 3,
		   "n_out %u n_all %u", p.rules[0].n_out, p.rules[0].n_all))
		return;
	CHECK(p.rules[0].out[0].conf_index == 1 && p.rules[0].out[1].conf_index == 2 &&
		      p.rules[0].out[2].conf_index == 0, "the pending output last");

	/* Counted while it was sent to, pending now: its counts stay. */
	rules = calloc(1, sizeof(*rules));
	if (rules == NULL)
		abort();
	snprintf(rules[0].name, sizeof(rules[0].name), "video");
	rules[0].group = addr_from_v6(m.group);
	rules[0].group_len = 32;
	rules[0].n_out = rules[0].n_all = 3;
	for (unsigned k = 0; k < 3; k++) {
		rules[0].out[k].conf_index = (uint8_t)k;
		rules[0].out[k].packets = 100 + k;
		rules[0].out[k].send_errors = 10 + k;
	}
	CHECK(rule_table_init(&old, rules, 1) == 0, "old table");
	CHECK(worker_conf_carry_counters(p.rules, p.n_rules, &old) == 0, "carry");
	CHECK(p.rules[0].out[2].packets == 100 && p.rules[0].out[2].send_errors == 10,
	      "pending output: %llu packets, %llu errors",
	      (unsigned long long)p.rules[0].out[2].packets,
	      (unsigned long long)p.rules[0].out[2].send_errors);
	CHECK(p.rules[0].out[0].packets == 101 && p.rules[0].out[1].packets == 102,
	      "active outputs carried");
	rule_table_free(&old);

	/* And back from pending: carried from the pending entry. */
	struct rule *back = calloc(1, sizeof(*back));

	if (back == NULL)
		abort();
	CHECK(rule_table_init(&old, p.rules, 1) == 0, "pending table");
	p.rules = NULL;
	snprintf(back->name, sizeof(back->name), "video");
	back->n_out = back->n_all = 1;
	back->out[0].conf_index = 0;
	CHECK(worker_conf_carry_counters(back, 1, &old) == 0, "carry back");
	CHECK(back->out[0].packets == 100 && back->out[0].send_errors == 10,
	      "back from pending: %llu packets", (unsigned long long)back->out[0].packets);
	rule_table_free(&old);
	free(back);
	worker_conf_free(&p);
}

/*
 * monitor = ... comes with the rule; a new configuration keeps a rule's
 * monitor (its streams and counts) if the rule watches the same way, and
 * gets a new one otherwise; monitors no longer wanted go with the old table.
 */
static void test_monitors(void)
{
	static const uint64_t secret[2] = { 1, 2 };
	static const struct {
		const char *name;
		uint8_t old_mode, new_mode;	/* 0xff: not in that configuration */
	} cases[] = {
		{ "same", MONITOR_RTP, MONITOR_RTP },
		{ "changed", MONITOR_MPEGTS, MONITOR_RTP },
		{ "dropped", MONITOR_RTP, MONITOR_OFF },
		{ "added", MONITOR_OFF, MONITOR_MPEGTS },
		{ "gone", MONITOR_RTP, 0xff },
		{ "new", 0xff, MONITOR_RTP },
		{ "moved", MONITOR_RTP, MONITOR_RTP },	/* to the kernel path */
	};
	enum { N = sizeof(cases) / sizeof(cases[0]) };
	struct worker_conf p, q;
	struct rule_table old;
	const struct monitor *kept = NULL, *moved = NULL;
	char err[160];

	worker_conf_init(&p);
	worker_conf_init(&q);
	for (size_t i = 0; i < N; i++) {
		struct ho_rule m = rule_msg(cases[i].name, 0xef010101 + (uint32_t)i, 0);

		if (cases[i].old_mode != 0xff) {
			m.monitor = cases[i].old_mode;
			CHECK(worker_conf_add_rule(&p, &m, err, sizeof(err)) == 0, "old: %s", err);
		}
		if (cases[i].new_mode != 0xff) {
			m.monitor = cases[i].new_mode;
			if (strcmp(cases[i].name, "moved") == 0)
				m.flags |= HO_RULE_KERNEL;
			CHECK(worker_conf_add_rule(&q, &m, err, sizeof(err)) == 0, "new: %s", err);
		}
	}
	CHECK(p.rules[0].monitor_mode == MONITOR_RTP && p.rules[0].monitor == NULL &&
	      p.rules[1].monitor_mode == MONITOR_MPEGTS, "the mode comes with the rule");
	CHECK(worker_conf_new_monitors(p.rules, p.n_rules, secret) == 0, "old monitors");
	for (size_t i = 0; i < p.n_rules; i++)
		CHECK((p.rules[i].monitor != NULL) == (p.rules[i].monitor_mode != MONITOR_OFF) &&
		      (p.rules[i].monitor == NULL ||
		       monitor_get_mode(p.rules[i].monitor) == p.rules[i].monitor_mode),
		      "old rule %s: a monitor as asked", p.rules[i].name);
	/* Something counted in the rule that stays the same. */
	struct monitor_flow f = { .sport = 1, .dport = 2 };
	uint8_t pl[12] = { 0x80, 33, 0, 1 };

	monitor_datagram(p.rules[0].monitor, &f, pl, sizeof(pl));
	pl[3] = 5;
	monitor_datagram(p.rules[0].monitor, &f, pl, sizeof(pl));
	kept = p.rules[0].monitor;
	monitor_datagram(p.rules[5].monitor, &f, pl, sizeof(pl));
	moved = p.rules[5].monitor;
	CHECK(rule_table_init(&old, p.rules, p.n_rules) == 0, "old table");
	p.rules = NULL;
	CHECK(worker_conf_carry_counters(q.rules, q.n_rules, &old) == 0, "carry");
	CHECK(worker_conf_new_monitors(q.rules, q.n_rules, secret) == 0, "new monitors");
	for (size_t i = 0; i < q.n_rules; i++) {
		const struct rule *r = &q.rules[i];

		CHECK((r->monitor != NULL) == (r->monitor_mode != MONITOR_OFF) &&
		      (r->monitor == NULL || monitor_get_mode(r->monitor) == r->monitor_mode),
		      "new rule %s: a monitor as asked", r->name);
	}
	CHECK(q.rules[0].monitor == kept && monitor_get_counts(kept)->missing == 3,
	      "the same mode keeps the monitor and its counts");
	CHECK(q.rules[1].monitor != NULL && monitor_get_counts(q.rules[1].monitor)->sources == 0,
	      "a changed mode starts afresh");
	CHECK(old.rules[0].monitor == NULL && old.rules[1].monitor != NULL,
	      "the kept monitor left the old table, the others stay to be freed with it");
	CHECK(q.rules[5].kernel && q.rules[5].monitor == moved &&
	      monitor_get_counts(moved)->sources == 1 && monitor_tracked(moved) == 0,
	      "a rule that moves to the kernel path keeps its counts, not its streams");
	rule_table_free(&old);
	worker_conf_free(&p);
	worker_conf_free(&q);	/* frees the monitors of rules never committed */
}

int main(void)
{
	unit_deadline(60);
	test_monitors();
	test_assemble();
	test_ingress_once();
	test_pending();
	test_families();
	test_wide();
	test_carry(3);
	test_carry(10000);
	return unit_summary("test_worker_conf");
}
