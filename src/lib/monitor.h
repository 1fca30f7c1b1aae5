#ifndef MCRELAY_MONITOR_H
#define MCRELAY_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/monitor_counts.h"
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

struct monitor;

/* NULL if memory is short or mode is MONITOR_OFF; secret from getrandom() outside tests. */
struct monitor *monitor_new(enum monitor_mode mode, const uint64_t secret[2]);
void monitor_free(struct monitor *m);
enum monitor_mode monitor_get_mode(const struct monitor *m);
const struct monitor_counts *monitor_get_counts(const struct monitor *m);
/* Streams tracked now. */
size_t monitor_tracked(const struct monitor *m);
/* Forgets every stream (each is taken up afresh when heard again); the counts stay. */
void monitor_forget(struct monitor *m);

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
