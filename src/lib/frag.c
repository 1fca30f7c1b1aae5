#include "config.h"

#include "lib/frag.h"

#include "lib/siphash.h"

#include <string.h>

static unsigned set_of(const struct frag_cache *fc, const struct addr *src,
		       const struct addr *dst, uint32_t id)
{
	uint8_t key[36];

	memcpy(key, src->b, 16);
	memcpy(key + 16, dst->b, 16);
	memcpy(key + 32, &id, 4);
	return (unsigned)(siphash24(fc->secret, key, sizeof(key)) % FRAG_SETS);
}

static bool is_live(const struct frag_entry *e, uint64_t now_ns)
{
	return e->rule != 0 && now_ns <= e->expires_ns;
}

static bool has_key(const struct frag_entry *e, const struct addr *src,
		    const struct addr *dst, uint32_t id)
{
	return e->rule != 0 && e->id == id && addr_eq(&e->src, src) && addr_eq(&e->dst, dst);
}

void frag_init(struct frag_cache *fc, const uint64_t secret[2])
{
	memset(fc, 0, sizeof(*fc));
	fc->secret[0] = secret[0];
	fc->secret[1] = secret[1];
}

/*
 * The way a new datagram takes: the oldest, which is an empty (expires_ns 0)
 * or expired one if there is any.
 */
static struct frag_entry *way_to_replace(struct frag_entry *set)
{
	struct frag_entry *oldest = &set[0];

	for (unsigned w = 1; w < FRAG_WAYS; w++)
		if (set[w].expires_ns < oldest->expires_ns)
			oldest = &set[w];
	return oldest;
}

void frag_remember(struct frag_cache *fc, const struct addr *src, const struct addr *dst,
		   uint32_t id, uint32_t rule_index, uint64_t now_ns)
{
	struct frag_entry *set = fc->set[set_of(fc, src, dst, id)], *e = NULL;

	for (unsigned w = 0; w < FRAG_WAYS && e == NULL; w++)
		if (has_key(&set[w], src, dst, id))
			e = &set[w];
	if (e != NULL && is_live(e, now_ns)) {
		/* See frag.h: two rules claim the datagram, so neither gets the rest. */
		if (e->poisoned || e->rule != rule_index + 1) {
			e->poisoned = true;
			e->expires_ns = now_ns + FRAG_TTL_NS;
		}
		return;
	}
	if (e == NULL)
		e = way_to_replace(set);
	*e = (struct frag_entry){
		.src = *src, .dst = *dst, .id = id,
		.rule = rule_index + 1, .expires_ns = now_ns + FRAG_TTL_NS,
	};
}

long frag_lookup(const struct frag_cache *fc, const struct addr *src, const struct addr *dst,
		 uint32_t id, uint64_t now_ns)
{
	const struct frag_entry *set = fc->set[set_of(fc, src, dst, id)];

	for (unsigned w = 0; w < FRAG_WAYS; w++) {
		const struct frag_entry *e = &set[w];

		if (has_key(e, src, dst, id) && is_live(e, now_ns))
			return e->poisoned ? FRAG_POISONED : (long)e->rule - 1;
	}
	return FRAG_UNKNOWN;
}
