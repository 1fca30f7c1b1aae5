#include "config.h"

#include "rules.h"

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

static uint32_t hash_key(const struct addr *group, uint16_t port, const struct addr *source)
{
	uint64_t h = mix(load64(group->b + 8) ^ (uint64_t)port << 48);

	h = mix(h ^ load64(group->b) ^ load64(source->b + 8));
	return (uint32_t)mix(h ^ load64(source->b));
}

static struct rule *probe(const struct rule_table *t, const struct addr *group,
			  uint16_t port, const struct addr *source)
{
	for (size_t i = hash_key(group, port, source) & t->mask;; i = (i + 1) & t->mask) {
		uint32_t s = t->slots[i];
		struct rule *r;

		if (s == 0)
			return NULL;
		r = &t->rules[s - 1];
		if (r->port == port && addr_eq(&r->group, group) && addr_eq(&r->source, source))
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

		if (probe(t, &r->group, r->port, &r->source) != NULL) {
			free(t->slots);
			memset(t, 0, sizeof(*t));
			return -1;
		}
		for (i = hash_key(&r->group, r->port, &r->source) & t->mask;
		     t->slots[i] != 0; i = (i + 1) & t->mask)
			;
		t->slots[i] = (uint32_t)k + 1;
		t->n = k + 1;
		t->kinds |= rule_kind(r);
	}
	return 0;
}

void rule_table_free(struct rule_table *t)
{
	free(t->slots);
	free(t->rules);
	memset(t, 0, sizeof(*t));
}

struct rule *rule_table_lookup(const struct rule_table *t, const struct addr *group,
			       uint16_t port, const struct addr *source)
{
	static const struct addr any;
	struct rule *r = NULL;

	if (t->n == 0)
		return NULL;
	if ((t->kinds & KIND_PORT_SRC) && (r = probe(t, group, port, source)))
		return r;
	if ((t->kinds & KIND_PORT) && (r = probe(t, group, port, &any)))
		return r;
	if ((t->kinds & KIND_SRC) && (r = probe(t, group, 0, source)))
		return r;
	if (t->kinds & KIND_ANY)
		r = probe(t, group, 0, &any);
	return r;
}
