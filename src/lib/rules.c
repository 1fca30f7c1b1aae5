#include "config.h"

#include "lib/rules.h"

#include "lib/monitor.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum { KIND_ANY = 1, KIND_SRC = 2, KIND_PORT = 4, KIND_PORT_SRC = 8 };

static unsigned rule_kind(const struct rule *r)
{
	bool src = addr_is_set(&r->source);

	if (r->port)
		return src ? KIND_PORT_SRC : KIND_PORT;
	return src ? KIND_SRC : KIND_ANY;
}

static uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint32_t hash_key(uint16_t vid, const struct addr *group, uint16_t port,
			 const struct addr *source)
{
	uint64_t h = mix(load64(group->b + 8) ^ (uint64_t)port << 48 ^ (uint64_t)vid << 32);

	h = mix(h ^ load64(group->b) ^ load64(source->b + 8));
	return (uint32_t)mix(h ^ load64(source->b));
}

static struct rule *probe(const struct rule_table *t, uint16_t vid, const struct addr *group,
			  uint16_t port, const struct addr *source)
{
	for (size_t i = hash_key(vid, group, port, source) & t->mask;; i = (i + 1) & t->mask) {
		uint32_t s = t->slots[i];
		struct rule *r;

		if (s == 0)
			return NULL;
		r = &t->rules[s - 1];
		if (r->port == port && r->vlan == vid && addr_eq(&r->group, group) &&
		    addr_eq(&r->source, source))
			return r;
	}
}

bool rule_is_wide(const struct rule *r)
{
	return r->group_len != addr_bits(&r->group) || r->port_lo != r->port_hi ||
	       (addr_is_set(&r->source) && r->source_len != addr_bits(&r->source));
}

/*
 * Specificity as one number, comparable across families (prefix lengths
 * as of 128 bits): the group prefix, then the port range's narrowness,
 * then the source prefix.
 */
static uint64_t spec_of(const struct rule *r)
{
	unsigned off = addr_is_v4(&r->group) ? 96 : 0;
	uint64_t width = r->port_lo ? (uint64_t)(r->port_hi - r->port_lo) + 1 : 65536;
	uint64_t source = addr_is_set(&r->source) ? off + r->source_len : 0;

	return (uint64_t)(off + r->group_len) << 32 | (65537 - width) << 8 | source;
}

static uint32_t mask4(unsigned len)
{
	return len ? ~0u << (32 - len) : 0;
}

static struct rule_wide wide_of(const struct rule *r, uint32_t index)
{
	struct rule_wide w = { .spec = r->spec, .index = index, .vlan = r->vlan,
			       .port_lo = r->port_lo, .port_hi = r->port_hi,
			       .v4 = addr_is_v4(&r->group) };

	if (w.v4) {
		w.group_mask4 = mask4(r->group_len);
		w.group4 = ntohl(addr_v4(&r->group)) & w.group_mask4;
		if (addr_is_set(&r->source)) {
			w.source_mask4 = mask4(r->source_len);
			w.source4 = ntohl(addr_v4(&r->source)) & w.source_mask4;
		}
	}
	return w;
}

/* Most specific first; equals in table order. */
static int by_spec(const void *a, const void *b)
{
	const struct rule_wide *x = a, *y = b;

	if (x->spec != y->spec)
		return x->spec > y->spec ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

int rule_table_init(struct rule_table *t, struct rule *rules, size_t n)
{
	size_t size = 8;

	while (size < 2 * n)
		size *= 2;
	memset(t, 0, sizeof(*t));
	t->slots = calloc(size, sizeof(*t->slots));
	t->wide = calloc(n + 1, sizeof(*t->wide));
	if (t->slots == NULL || t->wide == NULL) {
		free(t->slots);
		free(t->wide);
		memset(t, 0, sizeof(*t));
		return -1;
	}
	t->rules = rules;
	t->mask = size - 1;
	for (size_t k = 0; k < n; k++) {
		struct rule *r = &rules[k];
		size_t i;

		t->n = k + 1;
		if (r->vlan > PKT_VID_MAX) {
			free(t->slots);
			free(t->wide);
			memset(t, 0, sizeof(*t));
			return -1;
		}
		t->vlans[r->vlan / 64] |= 1ULL << (r->vlan % 64);
		r->spec = spec_of(r);
		if (rule_is_wide(r)) {
			t->wide[t->n_wide++] = wide_of(r, (uint32_t)k);
			continue;
		}

		if (probe(t, r->vlan, &r->group, r->port, &r->source) != NULL) {
			free(t->slots);
			free(t->wide);
			memset(t, 0, sizeof(*t));
			return -1;
		}
		for (i = hash_key(r->vlan, &r->group, r->port, &r->source) & t->mask;
		     t->slots[i] != 0; i = (i + 1) & t->mask)
			;
		t->slots[i] = (uint32_t)k + 1;
		t->kinds |= rule_kind(r);
	}
	qsort(t->wide, t->n_wide, sizeof(*t->wide), by_spec);
	return 0;
}

void rule_table_free(struct rule_table *t)
{
	for (size_t i = 0; t->rules != NULL && i < t->n; i++)
		monitor_free(t->rules[i].monitor);
	free(t->slots);
	free(t->wide);
	free(t->rules);
	memset(t, 0, sizeof(*t));
}

/* A packet as the wide rules look at it: IPv4 addresses in host order, once. */
struct wide_key {
	const struct addr *group, *source;
	uint16_t port;		/* host order */
	bool v4;
	uint32_t group4, source4;
};

static bool wide_matches(const struct rule_table *t, const struct rule_wide *w,
			 const struct wide_key *k)
{
	const struct rule *r = &t->rules[w->index];

	if (w->port_lo && (k->port < w->port_lo || k->port > w->port_hi))
		return false;
	if (w->v4)
		return k->v4 && (k->group4 & w->group_mask4) == w->group4 &&
		       (k->source4 & w->source_mask4) == w->source4;
	if (!addr_in_prefix(k->group, &r->group, r->group_len))
		return false;
	return !addr_is_set(&r->source) || addr_in_prefix(k->source, &r->source, r->source_len);
}

/* The first wide rule that matches, if it is more specific than best (the hash's, or NULL). */
static struct rule *lookup_wide(const struct rule_table *t, struct rule *best, uint16_t vid,
				const struct addr *group, uint16_t port,
				const struct addr *source)
{
	uint64_t bs = best ? best->spec : 0;
	struct wide_key k = { .group = group, .source = source, .port = port,
			      .v4 = addr_is_v4(group), .group4 = ntohl(addr_v4(group)),
			      .source4 = ntohl(addr_v4(source)) };

	for (size_t i = 0; i < t->n_wide; i++) {
		const struct rule_wide *w = &t->wide[i];

		if (w->spec < bs)
			break;	/* nor can any after it beat best */
		if (w->vlan == vid && wide_matches(t, w, &k))
			return &t->rules[w->index];
	}
	return best;
}

struct rule *rule_table_lookup(const struct rule_table *t, uint16_t vid,
			       const struct addr *group, uint16_t port, const struct addr *source)
{
	static const struct addr any;
	struct rule *r = NULL;

	if (t->n == 0)
		return NULL;
	if ((t->kinds & KIND_PORT_SRC) && (r = probe(t, vid, group, port, source)))
		;
	else if ((t->kinds & KIND_PORT) && (r = probe(t, vid, group, port, &any)))
		;
	else if ((t->kinds & KIND_SRC) && (r = probe(t, vid, group, 0, source)))
		;
	else if (t->kinds & KIND_ANY)
		r = probe(t, vid, group, 0, &any);
	return t->n_wide ? lookup_wide(t, r, vid, group, ntohs(port), source) : r;
}
