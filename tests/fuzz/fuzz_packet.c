/* libFuzzer target: any frame through parsing, checksum completion and rewriting. */
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
		if (p.has_udp && (data[2] & 1))
			pkt_complete_udp_csum(&p);
		size_t n = pkt_rewrite_headers(&p, &rw, hdr);
		const uint8_t *payload = pkt_payload(&p, &len);

		/* Everything written and referenced lies inside the buffers. */
		if (n > PKT_MAX_HDR || payload < frame || payload + len > frame + size - 3)
			abort();
		if (csum_fold(csum_add(0, hdr + ETH_HDR_LEN, p.ihl)) != 0xffff)
			abort();	/* a valid header stays valid */
	}
	(void)pkt_result_name(r);
	free(frame);
	return 0;
}
