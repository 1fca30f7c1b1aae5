#include "config.h"

#include "frag.h"

#include <string.h>

static unsigned slot_of(in_addr_t src, in_addr_t dst, uint16_t id)
{
	uint64_t h = ((uint64_t)src << 32 | dst) ^ ((uint64_t)id * 0x9e3779b97f4a7c15ULL);

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return (unsigned)(h % FRAG_SLOTS);
}

void frag_clear(struct frag_cache *fc)
{
	memset(fc, 0, sizeof(*fc));
}

void frag_remember(struct frag_cache *fc, in_addr_t src, in_addr_t dst, uint16_t id,
		   uint32_t rule_index, uint64_t now_ns)
{
	struct frag_entry *e = &fc->slot[slot_of(src, dst, id)];

	e->src = src;
	e->dst = dst;
	e->id = id;
	e->rule = rule_index + 1;
	e->expires_ns = now_ns + FRAG_TTL_NS;
}

long frag_lookup(const struct frag_cache *fc, in_addr_t src, in_addr_t dst, uint16_t id,
		 uint64_t now_ns)
{
	const struct frag_entry *e = &fc->slot[slot_of(src, dst, id)];

	if (e->rule == 0 || e->src != src || e->dst != dst || e->id != id ||
	    now_ns > e->expires_ns)
		return -1;
	return (long)e->rule - 1;
}
