#ifndef MCRELAY_CSUM_H
#define MCRELAY_CSUM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Internet checksum helpers.  All 16-bit quantities are taken exactly as
 * they lie in memory: the one's complement sum does not depend on byte
 * order as long as loads and stores agree.
 */
uint32_t csum_add(uint32_t sum, const void *data, size_t len);
uint16_t csum_fold(uint32_t sum);

/* The complemented checksum of an IPv4 header (its checksum field included). */
uint16_t csum_ipv4_header(const void *hdr, size_t len);

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). */
uint16_t csum_replace16(uint16_t check, uint16_t old, uint16_t now);
uint16_t csum_replace32(uint16_t check, uint32_t old, uint32_t now);
/* The same for a 16-byte field (an IPv6 address). */
uint16_t csum_replace128(uint16_t check, const void *old, const void *now);

#endif
