/*
 * libFuzzer target: any frame, with or without a tag in the ring's metadata,
 * through parsing, checksum completion and rewriting (with or without an
 * output tag).
 */
#include "config.h"

#include "csum.h"
#include "packet.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_rewrite rw = { .group = htonl(0xef090909), .ttl = 7 };
	uint8_t hdr[PKT_MAX_HDR];
	struct pkt p;
	uint8_t *frame;
	size_t len;

	struct pkt_tag meta;

	if (size < 6)
		return 0;
	/*
	 * The first bytes choose the rewrite and the metadata: port, flags
	 * (bit 0: complete the checksum, 1: a metadata tag, 2: an output tag),
	 * a TCI; the rest is the frame.
	 */
	rw.port = (uint16_t)(data[0] << 8 | data[1]);
	rw.ttl = data[2];
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
		if (p.has_udp && (data[2] & 1))
			pkt_complete_udp_csum(&p);
		size_t n = pkt_rewrite_headers(&p, &rw, hdr);
		const uint8_t *payload = pkt_payload(&p, &len);

		/* Everything written and referenced lies inside the buffers. */
		if (n > PKT_MAX_HDR || payload < frame || payload + len > frame + size)
			abort();
		if (csum_fold(csum_add(0, hdr + pkt_l2_len(&rw), p.ihl)) != 0xffff)
			abort();	/* a valid header stays valid */
		if (p.vlan > PKT_VID_MAX || (p.vlan == 0) != (p.l3 == ETH_HDR_LEN && !meta.present))
			abort();	/* a tag chooses a VLAN, no tag none */
	}
	(void)pkt_result_name(r);
	free(frame);
	return 0;
}
