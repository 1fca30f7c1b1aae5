#ifndef MCRELAY_MONITOR_H
#define MCRELAY_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/packet.h"

/*
 * Upstream loss of one rule's streams (monitor = rtp | mpegts): were
 * packets already missing when they reached us?  A worker keeps one
 * struct monitor per monitored rule and feeds it every datagram the rule
 * matches (monitor_packet); its counts travel to the supervisor with the
 * rule's counters and are summed over the input's workers.  Pure: the
 * caller draws the hashing secret.
 *
 * A stream is known by its source address and port, its group and port,
 * and for RTP its SSRC: a new SSRC is a new stream, so an encoder that
 * restarts with one counts no loss.  The state of a rule's streams is
 * bounded (MONITOR_RTP_SOURCES, MONITOR_TS_SOURCES): when a rule's table
 * is full, the stream heard from least recently is forgotten (evicted).
 * Streams are placed by SipHash under a secret, so that a flood of made-up
 * sources cannot lengthen the lookups of genuine ones; a flood can only
 * evict them, and that is counted.
 *
 * RTP (monitor_rtp.h): the 16-bit sequence number, after RFC 3550 A.1.
 * MPEG-TS (monitor_mpegts.h): the 4-bit continuity counter of each PID of
 * the 188-byte transport packets in each datagram, plain or behind an
 * RTP header (RFC 2250).  Datagrams that are fragments are not examined.
 */

enum monitor_mode { MONITOR_OFF = 0, MONITOR_RTP = 1, MONITOR_MPEGTS = 2 };

/*
 * What a rule's monitor counted.  Every field only grows, so that sums over
 * workers (and CPUs) and rates of change mean something; the upstream loss
 * shown is missing - filled (monitor_lost).
 */
struct monitor_counts {
	uint64_t missing;	/* rtp: sequence numbers skipped; mpegts: TS packets the CC skipped */
	uint64_t filled;	/* rtp: of those, arrived late after all (MONITOR_RTP_WINDOW) */
	uint64_t errors;	/* rtp: gaps (a run of missing numbers once); mpegts: CC errors */
	uint64_t reordered;	/* rtp: arrived behind the newest (filled counted here too) */
	uint64_t duplicates;	/* rtp: a sequence number again; mpegts: a TS packet repeated once */
	uint64_t resyncs;	/* rtp: sequence restarts; mpegts: discontinuity indicators */
	uint64_t invalid;	/* datagrams that are not RTP, or not MPEG-TS */
	uint64_t sources;	/* streams taken up */
	uint64_t evicted;	/* streams forgotten to make room for others */
};

/* Streams a rule tracks at most (per worker): 80 bytes each, and for MPEG-TS its PIDs. */
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

struct monitor;

/* NULL if memory is short or mode is MONITOR_OFF; secret from getrandom() outside tests. */
struct monitor *monitor_new(enum monitor_mode mode, const uint64_t secret[2]);
void monitor_free(struct monitor *m);
enum monitor_mode monitor_get_mode(const struct monitor *m);
const struct monitor_counts *monitor_get_counts(const struct monitor *m);
/* Streams tracked now. */
size_t monitor_tracked(const struct monitor *m);

/* A stream: addresses as 16 bytes (lib/addr.h), ports in network order. */
struct monitor_flow {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
};

/* One datagram's UDP payload, whole. */
void monitor_datagram(struct monitor *m, const struct monitor_flow *flow, const uint8_t *payload,
		      size_t len);
/* A parsed packet a rule matched: its datagram, unless it is a fragment. */
void monitor_packet(struct monitor *m, const struct pkt *p);

#endif
