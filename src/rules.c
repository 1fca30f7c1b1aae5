#include "config.h"

#include "rules.h"

#include <stdlib.h>
#include <string.h>

enum { KIND_ANY = 1, KIND_SRC = 2, KIND_PORT = 4, KIND_PORT_SRC = 8 };

static unsigned rule_kind(const struct rule *r)
{
	if (r->port)
		return r->source ? KIND_PORT_SRC : KIND_PORT;
	return r->source ? KIND_SRC : KIND_ANY;
}

static uint32_t hash_key(uint16_t vid, in_addr_t group, uint16_t port, in_addr_t source)
{
	uint64_t h = ((uint64_t)group << 32 | (uint64_t)port << 16 | vid) ^
		     ((uint64_t)source << 12);

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (uint32_t)h;
}

static struct rule *probe(const struct rule_table *t, uint16_t vid, in_addr_t group,
			  uint16_t port, in_addr_t source)
{
	for (size_t i = hash_key(vid, group, port, source) & t->mask;; i = (i + 1) & t->mask) {
		uint32_t s = t->slots[i];
		struct rule *r;

		if (s == 0)
			return NULL;
		r = &t->rules[s - 1];
		if (r->group == group && r->port == port && r->source == source &&
		    r->vlan == vid)
			return r;
	}
}

int rule_table_init(struct rule_table *t, struct rule *rules, size_t n)
{
	size_t size = 8;

	while (size < 2 * n)
		size *= 2;
	memset(t, 0, sizeof(*t));
	t->slots = calloc(size, sizeof(*t->slots));
	if (t->slots == NULL)
		return -1;
	t->rules = rules;
	t->mask = size - 1;
	for (size_t k = 0; k < n; k++) {
		struct rule *r = &rules[k];
		size_t i;

		if (r->vlan > PKT_VID_MAX || probe(t, r->vlan, r->group, r->port, r->source)) {
			free(t->slots);
			memset(t, 0, sizeof(*t));
			return -1;
		}
		for (i = hash_key(r->vlan, r->group, r->port, r->source) & t->mask;
		     t->slots[i] != 0; i = (i + 1) & t->mask)
			;
		t->slots[i] = (uint32_t)k + 1;
		t->n = k + 1;
		t->kinds |= rule_kind(r);
		t->vlans[r->vlan / 64] |= 1ULL << (r->vlan % 64);
	}
	return 0;
}

void rule_table_free(struct rule_table *t)
{
	free(t->slots);
	free(t->rules);
	memset(t, 0, sizeof(*t));
}

struct rule *rule_table_lookup(const struct rule_table *t, uint16_t vid, in_addr_t group,
			       uint16_t port, in_addr_t source)
{
	struct rule *r = NULL;

	if (t->n == 0)
		return NULL;
	if ((t->kinds & KIND_PORT_SRC) && (r = probe(t, vid, group, port, source)))
		return r;
	if ((t->kinds & KIND_PORT) && (r = probe(t, vid, group, port, 0)))
		return r;
	if ((t->kinds & KIND_SRC) && (r = probe(t, vid, group, 0, source)))
		return r;
	if (t->kinds & KIND_ANY)
		r = probe(t, vid, group, 0, 0);
	return r;
}
