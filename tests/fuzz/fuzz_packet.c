/* libFuzzer target: any frame through parsing, checksum completion and rewriting. */
#include "config.h"

#include "csum.h"
#include "packet.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The one's complement sum of a datagram's UDP pseudo-header and UDP bytes. */
static uint16_t udp_sum(const uint8_t *ip, bool v6, const uint8_t *udp, size_t udp_len)
{
	uint8_t tail[4] = { 0, IPPROTO_UDP, (uint8_t)(udp_len >> 8), (uint8_t)udp_len };
	uint32_t sum = v6 ? csum_add(0, ip + 8, 32) : csum_add(0, ip + 12, 8);

	sum = csum_add(sum, tail, 4);
	return csum_fold(csum_add(sum, udp, udp_len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_rewrite rw = { .ttl = 7 };
	uint8_t hdr[PKT_MAX_HDR];
	struct pkt p;
	uint8_t *frame, *whole;
	size_t len;

	if (size < 4)
		return 0;
	/* The first bytes choose the rewrite; the rest is the frame. */
	rw.port = (uint16_t)(data[0] << 8 | data[1]);
	rw.ttl = data[2];
	frame = malloc(size - 3 ? size - 3 : 1);
	if (frame == NULL)
		return 0;
	memcpy(frame, data + 3, size - 3);
	enum pkt_result r = pkt_parse(frame, size - 3, &p);

	if (r == PKT_OK || r == PKT_FRAGMENT) {
		/* A group of the packet's family: ff3e::909 or 239.9.9.9. */
		if (p.v6) {
			rw.group = (struct addr){ .b = { 0xff, 0x3e, [14] = 9, [15] = 9 } };
		} else {
			rw.group = addr_from_v4(0);
			memset(rw.group.b + 12, 9, 4);
			rw.group.b[12] = 0xef;
		}
		if (data[2] & 2)
			rw.group = p.dst;
		if (p.has_udp && (data[2] & 1))
			pkt_complete_udp_csum(&p);

		const uint8_t *udp = p.frame + p.l3 + p.ihl;
		uint16_t before = 0, field = 0;
		/* Whether the checksum was complete and right before the rewrite. */
		bool valid = p.has_udp && !p.fragment;

		if (valid) {
			memcpy(&field, udp + 6, 2);
			before = udp_sum(p.frame + p.l3, p.v6, udp, p.ip_len - p.ihl);
			valid = field != 0 && before == 0xffff;
		}
		size_t n = pkt_rewrite_headers(&p, &rw, hdr);
		const uint8_t *payload = pkt_payload(&p, &len);

		/* Everything written and referenced lies inside the buffers. */
		if (n > PKT_MAX_HDR || payload < frame || payload + len > frame + size - 3)
			abort();
		if (!p.v6 && csum_fold(csum_add(0, hdr + ETH_HDR_LEN, p.ihl)) != 0xffff)
			abort();	/* a valid header stays valid */
		if (memcmp(hdr + ETH_HDR_LEN + (p.v6 ? 24 : 16), p.v6 ? rw.group.b : rw.group.b + 12,
			   p.v6 ? 16 : 4) != 0)
			abort();	/* the destination is the group */
		if (valid) {
			/* A right UDP checksum stays right over the new headers. */
			whole = malloc(n + len);
			if (whole == NULL)
				abort();
			memcpy(whole, hdr, n);
			memcpy(whole + n, payload, len);
			if (udp_sum(whole + ETH_HDR_LEN, p.v6, whole + ETH_HDR_LEN + p.ihl,
				    p.ip_len - p.ihl) != 0xffff)
				abort();
			free(whole);
		}
	}
	(void)pkt_result_name(r);
	free(frame);
	return 0;
}
