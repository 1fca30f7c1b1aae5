#include "config.h"

#include "lib/csum.h"

#include <string.h>

uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t acc = sum;

	while (len >= 4) {
		uint32_t w;

		memcpy(&w, p, 4);
		acc += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t w;

		memcpy(&w, p, 2);
		acc += w;
		p += 2;
		len -= 2;
	}
	if (len) {
		uint8_t last[2] = { *p, 0 };
		uint16_t w;

		memcpy(&w, last, 2);
		acc += w;
	}
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint16_t csum_ipv4_header(const void *hdr, size_t len)
{
	return (uint16_t)~csum_fold(csum_add(0, hdr, len));
}

uint16_t csum_replace16(uint16_t check, uint16_t old, uint16_t now)
{
	uint32_t sum = (uint16_t)~check;

	sum += (uint16_t)~old;
	sum += now;
	return (uint16_t)~csum_fold(sum);
}

uint16_t csum_replace32(uint16_t check, uint32_t old, uint32_t now)
{
	check = csum_replace16(check, (uint16_t)(old >> 16), (uint16_t)(now >> 16));
	return csum_replace16(check, (uint16_t)old, (uint16_t)now);
}

uint16_t csum_replace128(uint16_t check, const void *old, const void *now)
{
	uint32_t sum = (uint16_t)~check;

	/* The sum of the complements is the complement of the sum. */
	sum += (uint16_t)~csum_fold(csum_add(0, old, 16));
	sum += csum_fold(csum_add(0, now, 16));
	return (uint16_t)~csum_fold(sum);
}
