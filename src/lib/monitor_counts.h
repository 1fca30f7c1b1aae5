#ifndef MCRELAY_MONITOR_COUNTS_H
#define MCRELAY_MONITOR_COUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * What the upstream-loss monitor (lib/monitor.h) counts for a rule, as it
 * travels from a worker to the supervisor (struct ho_rule_stats) and is
 * shown by status; the modes; and what a worker's counts may be.  Pure.
 */

enum monitor_mode { MONITOR_OFF = 0, MONITOR_RTP = 1, MONITOR_MPEGTS = 2 };

/*
 * What a rule's monitor counted.  Every field only grows, so that sums over
 * workers (and CPUs) and rates of change mean something; the upstream loss
 * shown is missing - filled (monitor_lost).
 */
struct monitor_counts {
	uint64_t missing;	/* rtp: sequence numbers skipped; mpegts: TS packets skipped */
	uint64_t filled;	/* rtp: of those, arrived late after all (MONITOR_RTP_WINDOW) */
	uint64_t errors;	/* rtp: gaps (a run of missing numbers once); mpegts: CC errors */
	uint64_t reordered;	/* rtp: arrived behind the newest (filled counted here too) */
	uint64_t duplicates;	/* rtp: a number again; mpegts: a TS packet repeated once */
	uint64_t resyncs;	/* rtp: sequence restarts; mpegts: discontinuity indicators */
	uint64_t invalid;	/* datagrams that are not RTP, or not MPEG-TS */
	uint64_t sources;	/* streams taken up */
	uint64_t evicted;	/* streams forgotten to make room for others */
};

/* Streams a rule tracks at most (per worker): about 100 bytes each, and for MPEG-TS its PIDs. */
#define MONITOR_RTP_SOURCES 256
#define MONITOR_TS_SOURCES 64

/*
 * What one datagram can add at most, for the supervisor's checks of what a
 * worker reports: MPEG-TS examines up to MONITOR_TS_MAX transport packets
 * of a datagram, each of which can skip up to 15; an RTP packet skips less
 * than MONITOR_RTP_MAX_DROPOUT sequence numbers.
 */
#define MONITOR_TS_MAX (65535 / 188)
#define MONITOR_MAX_EVENTS_PER_PACKET MONITOR_TS_MAX
#define MONITOR_MAX_MISSING_PER_PACKET (15 * MONITOR_TS_MAX)

/* Packets missing upstream as far as we can tell now. */
static inline uint64_t monitor_lost(const struct monitor_counts *c)
{
	return c->missing > c->filled ? c->missing - c->filled : 0;
}

/* Adds b to a, field by field. */
void monitor_counts_add(struct monitor_counts *a, const struct monitor_counts *b);

/*
 * Whether the counts could come from a monitor that examined this many
 * datagrams; a reason in err if not (the supervisor refuses the message).
 */
bool monitor_counts_plausible(const struct monitor_counts *c, uint64_t packets, char *err,
			      size_t errlen);

/* "off", "rtp", "mpegts" ("?" for another value). */
const char *monitor_mode_name(enum monitor_mode mode);

#endif
