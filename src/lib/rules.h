#ifndef MCRELAY_RULES_H
#define MCRELAY_RULES_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/packet.h"

#define RULE_NAME_MAX 64

struct monitor;
#define RULE_MAX_OUTPUTS 16

struct rule_output {
	unsigned egress;	/* index into the worker's egress sockets */
	struct addr group;	/* destination to send to; unset: the packet's own */
	uint16_t port;		/* network order; 0 keeps the packet's port */
	uint8_t dst_mac[6];
	uint8_t conf_index;	/* which output of the configured rule */
	uint16_t vlan;		/* VID of the 802.1Q tag to send with; 0: untagged */
	uint64_t packets, bytes, send_errors, too_big;
	uint64_t egress_full;	/* dropped: the device queue stayed full */
	uint64_t rate_packets, rate_bytes;	/* at the last rate sample */
	double pps, bps;
};

/* A rule as a worker forwards it; addresses and ports in network order. */
struct rule {
	char name[RULE_NAME_MAX];
	struct addr group, source;	/* source unset: any */
	uint16_t port;			/* 0: any, or a range (wide) */
	/* Prefix lengths in the family's bits, and the port range in host order (0, 0: any). */
	uint8_t group_len, source_len;
	uint16_t port_lo, port_hi;
	uint16_t vlan;			/* VID it is received on; 0: untagged */
	uint64_t spec;			/* how specific: set by rule_table_init (rules.c) */
	enum pkt_ttl_mode ttl_mode;
	uint8_t ttl;
	bool kernel;			/* on the kernel path: its handleable frames are the program's */
	/*
	 * out[0..n_out) are sent to; out[n_out..n_all) are pending (nothing
	 * to send with yet) and only keep their counters, so that an output
	 * that comes back counts on from where it was.
	 */
	struct rule_output out[RULE_MAX_OUTPUTS];
	unsigned n_out, n_all;
	uint64_t packets_in, bytes_in, ttl_expired;
	uint64_t last_packet_ns;		/* CLOCK_MONOTONIC */
	uint64_t rate_packets, rate_bytes;	/* at the last rate sample */
	double pps, bps;
	uint8_t monitor_mode;		/* enum monitor_mode */
	struct monitor *monitor;	/* with monitor_mode; NULL: upstream loss not watched */
};

/*
 * A wide rule as the lookup tries it: its specificity folded into one
 * number (larger: more specific), and IPv4 prefixes as masks.
 */
struct rule_wide {
	uint64_t spec;
	uint32_t index;
	uint16_t vlan, port_lo, port_hi;
	bool v4;
	uint32_t group4, group_mask4, source4, source_mask4;	/* host order */
};

/*
 * Rules for one group, one port or any, and one source or any: open
 * addressing over (vlan, group, port, source); slots hold rule index + 1.  The
 * others (a group or source prefix, a port range: "wide") are tried in
 * order of specificity, as far as they could beat what the hash found.
 */
struct rule_table {
	struct rule *rules;
	size_t n;
	uint32_t *slots;
	size_t mask;
	unsigned kinds;		/* which (port, source) combinations occur */
	struct rule_wide *wide;	/* most specific first */
	size_t n_wide;
	uint64_t vlans[(PKT_VID_MAX + 64) / 64];	/* VIDs with rules; bit 0: untagged */
};

/* Takes ownership of rules (malloc'd, their monitors too). Returns -1 on a duplicate match. */
int rule_table_init(struct rule_table *t, struct rule *rules, size_t n);
void rule_table_free(struct rule_table *t);

/* Whether any rule is received on VLAN vid (0: untagged). */
static inline bool rule_table_has_vlan(const struct rule_table *t, uint16_t vid)
{
	return vid <= PKT_VID_MAX && (t->vlans[vid / 64] >> (vid % 64) & 1);
}

/* Whether r is for a prefix or a range (not found by hashing). */
bool rule_is_wide(const struct rule *r);

/*
 * The most specific rule of VLAN vid (0: untagged): the longest group prefix, then the narrowest
 * port range (one port before a range, a range before any port), then
 * the longest source prefix (no source last); between two wide rules
 * equal in all three, the first in the table.  For rules of one group
 * this is (group,port,source) > (group,port) > (group,source) > group.
 */
struct rule *rule_table_lookup(const struct rule_table *t, uint16_t vid,
			       const struct addr *group, uint16_t port, const struct addr *source);

#endif
