/*
 * libFuzzer target: any frame, with or without a tag in the ring's metadata,
 * through parsing, checksum completion and rewriting (with or without an
 * output tag).
 */
#include "config.h"

#include "lib/csum.h"
#include "lib/packet.h"

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

	struct pkt_tag meta;
	uint8_t flags;

	if (size < 6)
		return 0;
	/*
	 * The first bytes choose the rewrite and the metadata: port, flags
	 * (bit 0: complete the checksum, 1: a metadata tag, 2: an output tag,
	 * 3: the metadata tag is 802.1ad, 5: rewrite to the packet's own
	 * destination), a TCI; the rest is the frame.
	 */
	rw.port = (uint16_t)(data[0] << 8 | data[1]);
	rw.ttl = data[2];
	flags = data[2];
	meta = (struct pkt_tag){ .present = (data[2] & 2) != 0, .tpid = data[2] & 8 ? 0x88a8 : 0x8100,
				 .tci = (uint16_t)(data[3] << 8 | data[4]) };
	if (data[2] & 4)
		rw.vlan = (uint16_t)(1 + meta.tci % PKT_VID_MAX);
	data += 5;
	size -= 5;
	frame = malloc(size);
	if (frame == NULL)
		return 0;
	memcpy(frame, data, size);
	enum pkt_result r = pkt_parse(frame, size, &meta, &p);

	if (r == PKT_OK || r == PKT_FRAGMENT) {
		/* Addresses are of the packet's family: no IPv6 one reads as IPv4. */
		if (addr_is_v4(&p.src) != !p.v6 || addr_is_v4(&p.dst) != !p.v6)
			abort();
		/* A group of the packet's family: ff3e::909 or 239.9.9.9. */
		if (p.v6) {
			rw.group = (struct addr){ .b = { 0xff, 0x3e, [14] = 9, [15] = 9 } };
		} else {
			rw.group = addr_from_v4(0);
			memset(rw.group.b + 12, 9, 4);
			rw.group.b[12] = 0xef;
		}
		if (flags & 0x20)
			rw.group = p.dst;
		if (p.has_udp && (flags & 1))
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
		if (n > PKT_MAX_HDR || payload < frame || payload + len > frame + size)
			abort();
		size_t l2 = pkt_l2_len(&rw);

		if (!p.v6 && csum_fold(csum_add(0, hdr + l2, p.ihl)) != 0xffff)
			abort();	/* a valid header stays valid */
		if (p.vlan > PKT_VID_MAX || (p.vlan == 0) != (p.l3 == ETH_HDR_LEN && !meta.present))
			abort();	/* a tag chooses a VLAN, no tag none */
		if (memcmp(hdr + l2 + (p.v6 ? 24 : 16), p.v6 ? rw.group.b : rw.group.b + 12,
			   p.v6 ? 16 : 4) != 0)
			abort();	/* the destination is the group */
		if (valid) {
			/* A right UDP checksum stays right over the new headers. */
			whole = malloc(n + len);
			if (whole == NULL)
				abort();
			memcpy(whole, hdr, n);
			memcpy(whole + n, payload, len);
			if (udp_sum(whole + l2, p.v6, whole + l2 + p.ihl, p.ip_len - p.ihl) != 0xffff)
				abort();
			free(whole);
		}
	}
	(void)pkt_result_name(r);
	free(frame);
	return 0;
}
