#include "config.h"

#include "lib/monitor_counts.h"

#include <inttypes.h>
#include <stdio.h>

const char *monitor_mode_name(enum monitor_mode mode)
{
	switch (mode) {
	case MONITOR_OFF:
		return "off";
	case MONITOR_RTP:
		return "rtp";
	case MONITOR_MPEGTS:
		return "mpegts";
	}
	return "?";
}

void monitor_counts_add(struct monitor_counts *a, const struct monitor_counts *b)
{
	a->missing += b->missing;
	a->filled += b->filled;
	a->errors += b->errors;
	a->reordered += b->reordered;
	a->duplicates += b->duplicates;
	a->resyncs += b->resyncs;
	a->invalid += b->invalid;
	a->sources += b->sources;
	a->evicted += b->evicted;
}

/* x <= k * packets, without overflow. */
static bool within(uint64_t x, uint64_t k, uint64_t packets)
{
	return packets >= UINT64_MAX / k || x <= k * packets;
}

bool monitor_counts_plausible(const struct monitor_counts *c, uint64_t packets, char *err,
			      size_t errlen)
{
	const char *what = NULL;
	uint64_t v = 0;

	if (!within(c->missing, MONITOR_MAX_MISSING_PER_PACKET, packets))
		what = "missing", v = c->missing;
	else if (c->filled > c->missing)
		what = "filled (more than missing)", v = c->filled;
	else if (!within(c->errors, MONITOR_MAX_EVENTS_PER_PACKET, packets))
		what = "errors", v = c->errors;
	else if (!within(c->duplicates, MONITOR_MAX_EVENTS_PER_PACKET, packets))
		what = "duplicates", v = c->duplicates;
	else if (!within(c->resyncs, MONITOR_MAX_EVENTS_PER_PACKET, packets))
		what = "resyncs", v = c->resyncs;
	else if (c->reordered > packets)
		what = "reordered", v = c->reordered;
	else if (c->invalid > packets)
		what = "invalid", v = c->invalid;
	else if (c->sources > packets)
		what = "sources", v = c->sources;
	else if (c->evicted > c->sources)
		what = "evicted (more than sources)", v = c->evicted;
	if (what == NULL)
		return true;
	snprintf(err, errlen, "monitor %s %" PRIu64 " after %" PRIu64 " packets", what, v,
		 packets);
	return false;
}
