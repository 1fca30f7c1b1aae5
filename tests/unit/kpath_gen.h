/*
 * Rule sets for the kernel path's tests (tests/unit/test_kpath.c,
 * tests/kernel/test_kpath_equiv.c): random configured rules of one input,
 * and the same rules as the worker's table holds them, made through the
 * receiving half of the hand-off (worker_conf_add_rule) from the message
 * the supervisor's build_rules would send.
 */
#ifndef MCRELAY_KPATH_GEN_H
#define MCRELAY_KPATH_GEN_H

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/conf.h"
#include "lib/handoff.h"
#include "lib/kpath_plan.h"
#include "lib/rules.h"
#include "lib/worker_conf.h"
#include "unit.h"

#define KG_INPUT "in0"

/* An empty configuration with room for n rules. */
static inline void kg_conf_init(struct conf *c, size_t n)
{
	conf_init(c, "kpath-test");
	c->rules = calloc(n + 1, sizeof(*c->rules));
	c->cap_rules = n + 1;
	if (c->rules == NULL)
		abort();
}

/* A new rule of input in0 for group (exact), any port, with no output yet. */
static inline struct conf_rule *kg_rule(struct conf *c, struct addr group)
{
	struct conf_rule *r = &c->rules[c->n_rules];

	if (c->n_rules == c->cap_rules)
		abort();
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "r%zu", c->n_rules);
	snprintf(r->input, sizeof(r->input), KG_INPUT);
	r->group = group;
	r->group_len = (uint8_t)addr_bits(&group);
	c->n_rules++;
	return r;
}

static inline struct conf_output *kg_output(struct conf_rule *r, const char *ifname)
{
	struct conf_output *o = &r->outputs[r->n_outputs++];

	memset(o, 0, sizeof(*o));
	snprintf(o->ifname, sizeof(o->ifname), "%s", ifname);
	return o;
}

/* Whether two rules match the same packets (the validator refuses that). */
static inline bool kg_same_match(const struct conf_rule *a, const struct conf_rule *b)
{
	return a->vlan == b->vlan && addr_eq(&a->group, &b->group) &&
	       a->group_len == b->group_len && a->port == b->port &&
	       a->port_last == b->port_last && addr_eq(&a->source, &b->source) &&
	       a->source_len == b->source_len;
}

/* Small pools, so that rules overlap and packets hit them. */
static inline struct addr kg_group(uint64_t *rng, bool v6)
{
	static const char *const v6g[] = { "ff3e::1:1", "ff3e::1:2", "ff3e::2:1", "ff05::1:1" };
	static const uint32_t v4g[] = { 0xef010101, 0xef010102, 0xef010201, 0xe8020101 };
	unsigned i = unit_rand_below(rng, 4);

	return v6 ? unit_v6(v6g[i]) : unit_v4h(v4g[i]);
}

static inline struct addr kg_source(uint64_t *rng, bool v6)
{
	static const char *const v6s[] = { "2001:db8::1", "2001:db8::2", "2001:db8:1::1" };
	static const uint32_t v4s[] = { 0x0a000001, 0x0a000002, 0x0a010001 };
	unsigned i = unit_rand_below(rng, 3);

	return v6 ? unit_v6(v6s[i]) : unit_v4h(v4s[i]);
}

static inline uint16_t kg_port(uint64_t *rng)
{
	static const uint16_t ports[] = { 5000, 5001, 5002, 6000 };

	return ports[unit_rand_below(rng, 4)];
}

static inline uint16_t kg_vlan(uint64_t *rng)
{
	static const uint16_t vids[] = { 0, 0, 0, 100, 200 };

	return vids[unit_rand_below(rng, 5)];
}

/*
 * Random rules of input in0: exact ones and prefixes and ranges of both
 * families, each with n_out outputs on interfaces "out0".."out3", never
 * two with one match.
 */
static inline void kg_random_rules(struct conf *c, uint64_t *rng, size_t n, unsigned n_out)
{
	for (size_t tries = 0; c->n_rules < n && tries < 20 * n; tries++) {
		bool v6 = unit_rand_below(rng, 3) == 0;
		struct conf_rule *r = kg_rule(c, kg_group(rng, v6));
		unsigned bits = addr_bits(&r->group), kind = unit_rand_below(rng, 8);

		r->vlan = kg_vlan(rng);
		if (kind == 0 || kind == 1) {	/* a group prefix */
			r->group_len = (uint8_t)(v6 ? 16 + unit_rand_below(rng, 113)
						    : 4 + unit_rand_below(rng, 29));
			r->group = addr_network(&r->group, r->group_len);
		}
		switch (unit_rand_below(rng, 3)) {
		case 0:
			break;	/* any port */
		case 1:
			r->port = r->port_last = kg_port(rng);
			break;
		default:
			r->port = kg_port(rng);
			r->port_last = (uint16_t)(r->port + unit_rand_below(rng, 3));
			break;
		}
		if (unit_rand_below(rng, 2)) {
			r->source = kg_source(rng, v6);
			r->source_len = (uint8_t)(unit_rand_below(rng, 3) ? bits
					: (v6 ? 32 + unit_rand_below(rng, 96) : 8 + unit_rand_below(rng, 24)));
			r->source = addr_network(&r->source, r->source_len);
		}
		r->ttl_mode = (enum ttl_mode)unit_rand_below(rng, 3);
		r->ttl = (uint8_t)(1 + unit_rand_below(rng, 255));
		for (unsigned k = 0; k < n_out; k++) {
			char name[IF_NAMESIZE];
			struct conf_output *o;

			snprintf(name, sizeof(name), "out%u", unit_rand_below(rng, 4));
			o = kg_output(r, name);
			if (unit_rand_below(rng, 3))
				o->group = kg_group(rng, v6);
			if (unit_rand_below(rng, 2))
				o->port = kg_port(rng);
			if (unit_rand_below(rng, 4) == 0)
				o->vlan = kg_vlan(rng);
		}
		for (size_t i = 0; i + 1 < c->n_rules; i++) {
			if (kg_same_match(&c->rules[i], r)) {
				c->n_rules--;
				break;
			}
		}
	}
}

static inline bool kg_pending(const struct kpath_iface *ifaces, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(ifaces[i].name, name) == 0)
			return !ifaces[i].up || ifaces[i].ifindex == 0;
	return true;
}

/*
 * The worker's rules of input in0, in configuration order, as build_rules
 * (supervisor/sv_config.c) sends them and worker_conf_add_rule takes them;
 * outputs on an interface absent from ifaces, or down, are pending.
 */
static inline struct rule *kg_worker_rules(const struct conf *c, const struct kpath_iface *ifaces,
					   size_t n_ifaces, size_t *n)
{
	struct worker_conf wc;
	char err[256];

	worker_conf_init(&wc);
	for (size_t i = 0; i < c->n_rules; i++) {
		const struct conf_rule *r = &c->rules[i];
		struct ho_rule m;

		if (strcmp(r->input, KG_INPUT) != 0)
			continue;
		memset(&m, 0, sizeof(m));
		snprintf(m.name, sizeof(m.name), "%s", r->name);
		memcpy(m.group, r->group.b, sizeof(m.group));
		memcpy(m.source, r->source.b, sizeof(m.source));
		m.port = r->port == r->port_last ? htons(r->port) : 0;
		m.port_lo = r->port;
		m.port_hi = r->port_last;
		m.group_len = r->group_len;
		m.source_len = addr_is_set(&r->source) ? r->source_len : 0;
		m.vlan = r->vlan;
		m.ttl_mode = (uint8_t)r->ttl_mode;
		m.ttl = r->ttl;
		m.monitor = (uint8_t)r->monitor;
		for (size_t k = 0; k < r->n_outputs; k++) {
			const struct conf_output *co = &r->outputs[k];
			struct ho_output *o = &m.outputs[m.n_outputs++];

			if (kg_pending(ifaces, n_ifaces, co->ifname))
				o->flags = HO_OUT_PENDING;
			if (co->kind != OUTPUT_UDP && !conf_output_keeps_group(r, co))
				memcpy(o->group, conf_output_group(r, co)->b, sizeof(o->group));
			o->port = htons(co->port);
			o->conf_index = (uint8_t)k;
			o->vlan = co->vlan;
		}
		if (worker_conf_add_rule(&wc, &m, err, sizeof(err)) < 0) {
			printf("kg_worker_rules: %s\n", err);
			abort();
		}
	}
	*n = wc.n_rules;
	return wc.rules;	/* worker_conf_free is not called: the rules are the caller's now */
}

/* Slots 0, 1, 2... in rule order. */
static inline uint32_t *kg_slots(const struct conf *c)
{
	uint32_t *slots = calloc(c->n_rules + 1, sizeof(*slots));

	if (slots == NULL)
		abort();
	for (size_t i = 0; i < c->n_rules; i++)
		slots[i] = (uint32_t)i;
	return slots;
}

#endif
