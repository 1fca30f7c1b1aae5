#ifndef MCRELAY_FRAG_H
#define MCRELAY_FRAG_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/addr.h"

/*
 * Which rule the first fragment of a datagram matched, so that its later
 * fragments (which carry no UDP port) follow it.  A datagram is known by
 * its key (source, group, ID: IPv4's 16-bit one, or the 32-bit one of an
 * IPv6 fragment header).  Anyone who can send us frames can send
 * first fragments with any key, so the cache is built to be attacked:
 *
 * Bounded.  FRAG_SETS sets of FRAG_WAYS entries, allocated once; remembering
 * or looking up hashes the key once and reads one set: O(1).
 *
 * Keyed.  The set is chosen by SipHash-2-4 of the key under a 128-bit
 * secret drawn when the cache is made, so an attacker cannot tell which of
 * his keys share a set with a victim's.  Were the placement public, four
 * chosen first fragments would evict any entry; as it is he must flood.
 *
 * Eviction.  A new datagram takes an empty or expired way of its set, else
 * the way whose first fragment is the oldest.  An entry therefore lasts
 * until FRAG_TTL_NS has passed or FRAG_WAYS newer datagrams have landed in
 * its set.  Of n flooded keys, Binomial(n, 1/FRAG_SETS) land in a given
 * set: it takes FRAG_SETS * FRAG_WAYS of them on average to evict an entry,
 * 256 flooded keys evict about 2% of entries, and 100,000 evict them all.
 * Refusing newcomers while a set is full would keep older entries, but a
 * flood would then shut out all new fragmented traffic for FRAG_TTL_NS;
 * the fragments of one datagram are sent back to back, so it is the newest
 * entries that are worth keeping.
 *
 * No steering.  A first fragment whose key is live under another rule does
 * not replace the entry: it poisons it, and the later fragments of that key
 * are dropped (counted as drops.fragments) until FRAG_TTL_NS after the last
 * conflicting first fragment.  We cannot tell which first fragment is
 * genuine: believing the newest lets a spoofed one steer the rest of a
 * victim's datagram to another rule's outputs, and believing the oldest
 * lets an attacker who guesses the next IP ID win by sending his first.
 * Dropping both loses one datagram, which a spoofed fragment with that key
 * would spoil at the receiver's reassembly anyway.  A first fragment seen
 * twice for the same rule changes nothing.  Two genuine datagrams collide
 * the same way only if a sender reuses an IP ID for another port within
 * FRAG_TTL_NS, when reassembly is unreliable anyway (RFC 4963).
 *
 * What is not guaranteed: an evicted or expired entry is forgotten, with
 * any conflict it recorded, and a first fragment for its key is then
 * believed.  Steering a datagram thus takes a flood big enough to evict its
 * entry between its first and later fragments and a guessed IP ID.
 */
#define FRAG_SETS 256		/* a power of two */
#define FRAG_WAYS 4
#define FRAG_TTL_NS (5 * 1000000000ULL)

/* What frag_lookup answers when there is no rule to follow. */
#define FRAG_UNKNOWN (-1)	/* first fragment not seen, evicted or too long ago */
#define FRAG_POISONED (-2)	/* first fragments for two rules: drop the rest */

struct frag_entry {
	struct addr src, dst;
	uint32_t id;
	bool poisoned;
	uint32_t rule;		/* index + 1; 0: empty */
	uint64_t expires_ns;
};

struct frag_cache {
	uint64_t secret[2];
	struct frag_entry set[FRAG_SETS][FRAG_WAYS];
};

/* An empty cache placing keys by secret (from getrandom(), outside tests). */
void frag_init(struct frag_cache *fc, const uint64_t secret[2]);
void frag_remember(struct frag_cache *fc, const struct addr *src, const struct addr *dst,
		   uint32_t id, uint32_t rule_index, uint64_t now_ns);
/* The rule index, or FRAG_UNKNOWN or FRAG_POISONED (both negative). */
long frag_lookup(const struct frag_cache *fc, const struct addr *src, const struct addr *dst,
		 uint32_t id, uint64_t now_ns);

#endif
