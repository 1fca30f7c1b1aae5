#include "config.h"

#include "lib/kpath_plan.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t kpath_plan_spec(const struct conf_rule *r)
{
	unsigned off = addr_is_v4(&r->group) ? 96 : 0;
	uint64_t width = r->port ? (uint64_t)(r->port_last - r->port) + 1 : 65536;
	uint64_t source = addr_is_set(&r->source) ? off + r->source_len : 0;

	return (uint64_t)(off + r->group_len) << 32 | (65537 - width) << 8 | source;
}

static bool has_udp_output(const struct conf_rule *r)
{
	for (size_t k = 0; k < r->n_outputs; k++)
		if (r->outputs[k].kind == OUTPUT_UDP)
			return true;
	return false;
}

/* Why every rule of the input goes the packet path, or NULL if none need. */
static const char *input_reason(const struct kpath_plan_params *pp, size_t n_wide, char *buf,
				size_t len)
{
	if (pp->datapath == KPATH_DATAPATH_PACKET)
		snprintf(buf, len, "input %s: datapath = packet", pp->input);
	else if (pp->unavailable)
		snprintf(buf, len, "input %s: %s", pp->input, pp->unavailable);
	else if (n_wide > KPATH_MAX_WIDE)
		snprintf(buf, len, "more than %d prefix/range rules on %s", KPATH_MAX_WIDE,
			 pp->input);
	else
		return NULL;
	return buf;
}

/* The first bits of a 16-byte mask (an address's family counted as in spec_of). */
static void mask_bits(unsigned bits, __u64 out[2])
{
	uint8_t m[16] = { 0 };

	for (unsigned i = 0; i < 16 && bits; i++) {
		unsigned b = bits < 8 ? bits : 8;

		m[i] = (uint8_t)(0xff00 >> b);
		bits -= b;
	}
	memcpy(out, m, 16);
}

static void masked(const struct addr *a, const __u64 mask[2], __u64 out[2])
{
	memcpy(out, a->b, 16);
	out[0] &= mask[0];
	out[1] &= mask[1];
}

static struct kpath_wide wide_of(const struct conf_rule *r, struct kpath_match m)
{
	unsigned off = addr_is_v4(&r->group) ? 96 : 0;
	struct kpath_wide w = { .m = m, .vlan = r->vlan, .port_lo = r->port,
				.port_hi = r->port_last };

	mask_bits(off + r->group_len, w.group_mask);
	masked(&r->group, w.group_mask, w.group);
	if (addr_is_set(&r->source)) {
		mask_bits(off + r->source_len, w.source_mask);
		masked(&r->source, w.source_mask, w.source);
	}
	return w;
}

static uint32_t kind_of(const struct conf_rule *r)
{
	bool src = addr_is_set(&r->source);

	if (r->port)
		return src ? KPATH_KIND_PORT_SRC : KPATH_KIND_PORT;
	return src ? KPATH_KIND_SRC : KPATH_KIND_ANY;
}

static struct kpath_exact_key exact_key(const struct conf_rule *r)
{
	struct kpath_exact_key k;

	memset(&k, 0, sizeof(k));
	memcpy(k.group, r->group.b, 16);
	memcpy(k.source, r->source.b, 16);
	k.port = htons(r->port);
	k.vlan = r->vlan;
	return k;
}

static const struct kpath_iface *find_iface(const struct kpath_plan_params *pp,
					    const char *name)
{
	for (size_t i = 0; i < pp->n_ifaces; i++)
		if (strcmp(pp->ifaces[i].name, name) == 0)
			return &pp->ifaces[i];
	return NULL;
}

static struct kpath_output output_of(const struct kpath_plan_params *pp,
				     const struct conf_rule *r, const struct conf_output *co)
{
	const struct kpath_iface *i = find_iface(pp, co->ifname);
	struct kpath_output o;

	memset(&o, 0, sizeof(o));
	if (conf_output_keeps_group(r, co)) {
		o.flags |= KPATH_OUT_KEEP_GROUP;
	} else {
		memcpy(o.group, conf_output_group(r, co)->b, 16);
		addr_multicast_mac(conf_output_group(r, co), o.dst_mac);
	}
	o.port = htons(co->port);
	o.vlan = co->vlan;
	if (i == NULL || !i->up || i->ifindex == 0) {
		o.flags |= KPATH_OUT_PENDING;
		return o;
	}
	o.ifindex = i->ifindex;
	o.mtu = i->mtu;
	memcpy(o.src_mac, i->mac, 6);
	return o;
}

/* A wide entry with its rule's place in the table, for the sort. */
struct wide_sort {
	struct kpath_wide w;
	size_t index;
};

/* Most specific first; equals in table order (rules.c's by_spec). */
static int by_spec(const void *a, const void *b)
{
	const struct wide_sort *x = a, *y = b;

	if (x->w.m.spec != y->w.m.spec)
		return x->w.m.spec > y->w.m.spec ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int by_key(const void *a, const void *b)
{
	return memcmp(&((const struct kpath_plan_exact *)a)->key,
		      &((const struct kpath_plan_exact *)b)->key, sizeof(struct kpath_exact_key));
}

static int alloc_plan(struct kpath_plan *plan, size_t n)
{
	plan->rules = calloc(n + 1, sizeof(*plan->rules));
	plan->exact = calloc(n + 1, sizeof(*plan->exact));
	plan->wide = calloc(n + 1, sizeof(*plan->wide));
	plan->krules = calloc(n + 1, sizeof(*plan->krules));
	plan->outputs = calloc(n * CONF_MAX_OUTPUTS + 1, sizeof(*plan->outputs));
	return plan->rules && plan->exact && plan->wide && plan->krules && plan->outputs ? 0 : -1;
}

/* The input's rules, each on its path with its reason. */
static int choose_paths(struct kpath_plan *plan, const struct kpath_plan_params *pp, char *err,
			size_t errlen)
{
	const struct conf *c = pp->conf;
	size_t n_wide = 0;
	char buf[96];
	const char *all;

	for (size_t i = 0; i < c->n_rules; i++)
		if (strcmp(c->rules[i].input, pp->input) == 0 && conf_rule_wide(&c->rules[i]))
			n_wide++;
	all = input_reason(pp, n_wide, buf, sizeof(buf));
	for (size_t i = 0; i < c->n_rules; i++) {
		const struct conf_rule *r = &c->rules[i];
		struct kpath_plan_rule *pr;

		if (strcmp(r->input, pp->input) != 0)
			continue;
		if (pp->slots[i] >= KPATH_MAX_SLOTS) {
			snprintf(err, errlen, "rule %s: counter slot %u out of range", r->name,
				 pp->slots[i]);
			return -1;
		}
		pr = &plan->rules[plan->n_rules++];
		pr->conf_index = i;
		pr->slot = pp->slots[i];
		if (all)
			snprintf(pr->reason, sizeof(pr->reason), "%s", all);
		else if (has_udp_output(r))
			snprintf(pr->reason, sizeof(pr->reason), "udp output");
		else if (r->monitor == CONF_MONITOR_MPEGTS)
			snprintf(pr->reason, sizeof(pr->reason),
				 "monitor = mpegts needs the packet path");
		pr->kernel = pr->reason[0] == '\0';
		plan->n_kernel += pr->kernel;
	}
	return 0;
}

/* The rules and outputs maps, and each rule's match entry (wide ones in table order). */
static void fill_maps(struct kpath_plan *plan, const struct kpath_plan_params *pp,
		      struct wide_sort *wide)
{
	const struct conf *c = pp->conf;

	for (size_t i = 0; i < plan->n_rules; i++) {
		const struct kpath_plan_rule *pr = &plan->rules[i];
		const struct conf_rule *r = &c->rules[pr->conf_index];
		struct kpath_match m = { .spec = kpath_plan_spec(r) };

		if (pr->kernel) {
			struct kpath_rule *kr = &plan->krules[plan->n_krules];

			m.rule = (uint32_t)plan->n_krules++;
			kr->slot = pr->slot;
			kr->first_out = (uint32_t)plan->n_outputs;
			kr->n_out = (uint8_t)r->n_outputs;
			kr->ttl_mode = (uint8_t)r->ttl_mode;
			kr->ttl = r->ttl;
			kr->monitor = r->monitor == CONF_MONITOR_RTP ? KPATH_MONITOR_RTP
								       : KPATH_MONITOR_OFF;
			for (size_t k = 0; k < r->n_outputs; k++)
				plan->outputs[plan->n_outputs++] = output_of(pp, r, &r->outputs[k]);
		} else {
			m.flags = KPATH_MATCH_PACKET;
		}
		if (conf_rule_wide(r)) {
			wide[plan->n_wide].w = wide_of(r, m);
			wide[plan->n_wide++].index = i;
		} else {
			plan->exact[plan->n_exact].key = exact_key(r);
			plan->exact[plan->n_exact++].value = m;
			plan->kinds |= kind_of(r);
		}
	}
}

int kpath_plan_build(struct kpath_plan *plan, const struct kpath_plan_params *pp, char *err,
		     size_t errlen)
{
	struct wide_sort *wide = NULL;
	size_t n = 0;

	memset(plan, 0, sizeof(*plan));
	for (size_t i = 0; i < pp->conf->n_rules; i++)
		n += strcmp(pp->conf->rules[i].input, pp->input) == 0;
	wide = calloc(n + 1, sizeof(*wide));
	if (wide == NULL || alloc_plan(plan, n) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (choose_paths(plan, pp, err, errlen) < 0)
		goto fail;
	fill_maps(plan, pp, wide);
	qsort(wide, plan->n_wide, sizeof(*wide), by_spec);
	for (size_t i = 0; i < plan->n_wide; i++)
		plan->wide[i] = wide[i].w;
	free(wide);
	wide = NULL;
	qsort(plan->exact, plan->n_exact, sizeof(*plan->exact), by_key);
	for (size_t i = 1; i < plan->n_exact; i++) {
		if (by_key(&plan->exact[i - 1], &plan->exact[i]) == 0) {
			snprintf(err, errlen, "two rules on %s with the same match", pp->input);
			goto fail;
		}
	}
	return 0;
fail:
	free(wide);
	kpath_plan_free(plan);
	return -1;
}

void kpath_plan_free(struct kpath_plan *plan)
{
	free(plan->rules);
	free(plan->exact);
	free(plan->wide);
	free(plan->krules);
	free(plan->outputs);
	memset(plan, 0, sizeof(*plan));
}
