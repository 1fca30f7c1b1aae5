#ifndef MCRELAY_SIPHASH_H
#define MCRELAY_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/*
 * SipHash-2-4 (Aumasson and Bernstein): a keyed hash for hash tables whose
 * keys an attacker chooses.  Without the 128-bit key, which keys share a
 * bucket cannot be predicted.  key[0] and key[1] are the key's first and
 * last eight bytes read little-endian, as in the reference implementation.
 */
uint64_t siphash24(const uint64_t key[2], const void *data, size_t len);

#endif
