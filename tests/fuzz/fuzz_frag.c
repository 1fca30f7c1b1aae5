/*
 * libFuzzer target: sequences of first fragments and later fragments through
 * the fragment cache, checked against a model of one datagram key at a time.
 *
 * Input: a 16-byte secret, then 3-byte operations: byte 0 bit 7 chooses
 * remember (a first fragment) or lookup (a later one), bits 0-5 one of 64
 * keys; byte 1 advances the clock by that many 2^25 ns (so FRAG_TTL_NS is
 * crossed); byte 2 & 3 is the rule of a first fragment.
 */
#include "config.h"

#include "lib/frag.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEYS 64

/* What frag.h promises for one key, as long as its entry is not evicted. */
struct model {
	bool used, present, poisoned;
	uint32_t rule, last_rule;
	uint64_t expires_ns, last_ns;
	unsigned rules_seen;	/* bit per rule */
};

/* Keys of both families; an IPv6 one differs from an IPv4 one only in its prefix. */
static void key_of(unsigned k, struct addr *src, struct addr *dst, uint32_t *id)
{
	*src = addr_from_v4(htonl(0x0a000000u | (k & 3)));
	*dst = addr_from_v4(htonl(0xef000000u | ((k >> 2) & 1)));
	if (k & 8) {
		src->b[10] = src->b[11] = 0;
		src->b[0] = 0x20;
		dst->b[10] = dst->b[11] = 0;
		dst->b[0] = 0xff;
	}
	*id = (uint32_t)(k >> 4) << 16;
}

static void model_remember(struct model *m, uint32_t rule, uint64_t now)
{
	if (m->present && now <= m->expires_ns) {
		if (m->poisoned || m->rule != rule) {
			m->poisoned = true;
			m->expires_ns = now + FRAG_TTL_NS;
		}
	} else {
		m->present = true;
		m->poisoned = false;
		m->rule = rule;
		m->expires_ns = now + FRAG_TTL_NS;
	}
	m->used = true;
	m->last_rule = rule;
	m->last_ns = now;
	m->rules_seen |= 1u << rule;
}

static long model_lookup(const struct model *m, uint64_t now)
{
	if (!m->present || now > m->expires_ns)
		return FRAG_UNKNOWN;
	return m->poisoned ? FRAG_POISONED : (long)m->rule;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct frag_cache fc;
	struct model model[KEYS];
	uint64_t secret[2], now = 1000000000ULL;
	unsigned n_used = 0;

	if (size < sizeof(secret))
		return 0;
	memcpy(secret, data, sizeof(secret));
	frag_init(&fc, secret);
	memset(model, 0, sizeof(model));
	for (size_t i = sizeof(secret); i + 3 <= size; i += 3) {
		unsigned k = data[i] & (KEYS - 1);
		struct model *m = &model[k];
		struct addr src, dst;
		uint32_t id;

		key_of(k, &src, &dst, &id);
		now += (uint64_t)data[i + 1] << 25;
		if (data[i] & 0x80) {
			n_used += !m->used;
			frag_remember(&fc, &src, &dst, id, data[i + 2] & 3, now);
			model_remember(m, data[i + 2] & 3, now);
			continue;
		}
		long r = frag_lookup(&fc, &src, &dst, id, now);

		/* No more keys than ways: nothing can be evicted, the model is exact. */
		if (n_used <= FRAG_WAYS && r != model_lookup(m, now))
			abort();
		/* Always: a rule only from this key's latest first fragment, still in time... */
		if (r >= 0 && (!m->used || (long)m->last_rule != r || now - m->last_ns > FRAG_TTL_NS))
			abort();
		/* ...and poison only after two rules claimed the key. */
		if (r == FRAG_POISONED && (m->rules_seen & (m->rules_seen - 1)) == 0)
			abort();
		if (r < 0 && r != FRAG_UNKNOWN && r != FRAG_POISONED)
			abort();
	}
	return 0;
}
