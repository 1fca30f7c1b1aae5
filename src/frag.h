#ifndef MCRELAY_FRAG_H
#define MCRELAY_FRAG_H

#include <netinet/in.h>
#include <stdint.h>

/*
 * Which rule the first fragment of a datagram matched, so that its later
 * fragments (which carry no UDP port) follow it.  Direct-mapped and
 * bounded: a colliding datagram replaces an older one; entries expire.
 */
#define FRAG_SLOTS 1024
#define FRAG_TTL_NS (5 * 1000000000ULL)

struct frag_entry {
	in_addr_t src, dst;
	uint16_t id;
	uint32_t rule;		/* index + 1; 0: empty */
	uint64_t expires_ns;
};

struct frag_cache {
	struct frag_entry slot[FRAG_SLOTS];
};

void frag_clear(struct frag_cache *fc);
void frag_remember(struct frag_cache *fc, in_addr_t src, in_addr_t dst, uint16_t id,
		   uint32_t rule_index, uint64_t now_ns);
/* The rule index, or -1 if the first fragment was not seen (or too long ago). */
long frag_lookup(const struct frag_cache *fc, in_addr_t src, in_addr_t dst, uint16_t id,
		 uint64_t now_ns);

#endif
