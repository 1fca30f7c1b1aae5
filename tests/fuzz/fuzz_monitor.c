/*
 * libFuzzer target: any datagrams through the upstream-loss monitor
 * (lib/monitor.c), as a hostile network could send them to a monitored
 * rule.  It must never crash, and what it counts must stay what the
 * supervisor accepts from a worker (monitor_counts_plausible) with no more
 * streams tracked than the cap.
 *
 * Input: a byte whose bit 0 chooses rtp or mpegts, then datagrams, each a
 * byte choosing one of 8 streams (source port; bit 3: a second source
 * address), two bytes of length (little-endian) and the payload.  With
 * bits 4-7 of the stream byte all set, the datagram is sent to 300 made-up
 * streams instead, to fill the table.
 */
#include "config.h"

#include "lib/monitor.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t secret[2] = { 0x1111, 0x2222 };
	struct monitor *m;
	uint64_t packets = 0;
	char err[160];

	if (size < 1)
		return 0;
	m = monitor_new(data[0] & 1 ? MONITOR_MPEGTS : MONITOR_RTP, secret);
	if (m == NULL)
		abort();
	data++;
	size--;
	while (size >= 3) {
		struct monitor_flow f = { .dport = 0x8c13 };
		unsigned s = data[0], copies = (s & 0xf0) == 0xf0 ? 300 : 1;
		size_t len = (size_t)data[1] | (size_t)data[2] << 8;

		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		f.src[15] = (uint8_t)(1 + (s >> 3 & 1));
		for (unsigned c = 0; c < copies; c++) {
			f.sport = (uint16_t)(7000 + (s & 7) + c * 8);
			monitor_datagram(m, &f, data, len);
			packets++;
		}
		data += len;
		size -= len;
	}
	if (!monitor_counts_plausible(monitor_get_counts(m), packets, err, sizeof(err)))
		abort();
	if (monitor_tracked(m) > (monitor_get_mode(m) == MONITOR_RTP ? MONITOR_RTP_SOURCES
								      : MONITOR_TS_SOURCES))
		abort();
	monitor_free(m);
	return 0;
}
