#ifndef MCRELAY_PACKET_H
#define MCRELAY_PACKET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

#define ETH_HDR_LEN 14
#define PKT_VLAN_HDR_LEN 4	/* an 802.1Q tag */
#define PKT_VID_MAX 4094
/* IPv6 extension headers relayed in front of UDP: at most this many, of these bytes. */
#define PKT_IPV6_MAX_EXT 8
#define PKT_IPV6_MAX_EXT_BYTES 80
/* Ethernet, an 802.1Q tag, the largest IP header (IPv6 with its extensions) and UDP. */
#define PKT_MAX_HDR (ETH_HDR_LEN + PKT_VLAN_HDR_LEN + 40 + PKT_IPV6_MAX_EXT_BYTES + 8)

enum pkt_result {
	PKT_OK = 0,
	PKT_NOT_IP,		/* another ethertype */
	PKT_NOT_UDP,		/* IPv4 or IPv6 but another protocol */
	PKT_MALFORMED,		/* truncated or inconsistent headers */
	PKT_BAD_IP_CSUM,
	PKT_FRAGMENT,		/* a non-first fragment: no UDP header, no port */
	PKT_IPV6_EXT,		/* an IPv6 extension chain too long or not walkable */
	PKT_VLAN,		/* a tag that is never relayed: two tags, 802.1ad, VID 0 or 4095 */
};

/*
 * The tag the ring reported for a frame (TP_STATUS_VLAN_VALID): receive
 * offload, or the kernel's own receive path, took it out of the frame.
 */
struct pkt_tag {
	bool present;
	uint16_t tpid;		/* 0 when the kernel did not say (taken as 802.1Q) */
	uint16_t tci;
};

/* A parsed frame; offsets index frame[], addresses and ports in network order. */
struct pkt {
	uint8_t *frame;
	size_t len;		/* captured bytes */
	uint16_t vlan;		/* the VID of its single 802.1Q tag; 0: untagged */
	size_t l3;		/* offset of the IP header */
	size_t ihl;		/* bytes from the IP header to UDP: IPv6 extensions included */
	size_t ip_len;		/* IP total length (the frame may be padded) */
	bool v6;
	bool fragment;		/* more fragments follow (a first fragment) */
	bool has_udp;		/* false for a non-first fragment */
	struct addr src, dst;
	uint32_t ip_id;		/* IPv4's 16-bit ID, or an IPv6 fragment header's */
	uint16_t dport;
	uint8_t ttl;		/* or hop limit */
};

struct pkt_rewrite {
	uint8_t dst_mac[6];
	uint8_t src_mac[6];
	struct addr group;	/* new destination address, of the packet's family */
	uint16_t port;		/* new destination port, network order; 0 keeps it */
	uint8_t ttl;
	uint16_t vlan;		/* VID of the 802.1Q tag to send with; 0: untagged */
	/*
	 * The UDP checksum field holds only the pseudo-header sum, to be
	 * completed by the device (offload): only a change of the pseudo
	 * header (the address) is applied to it, not one of the UDP header.
	 */
	bool csum_partial;
};

/*
 * PKT_OK and PKT_FRAGMENT leave p complete enough to forward the frame
 * (a non-first fragment has no port: has_udp is false).  meta is the tag
 * the ring reported, or NULL.  A frame may have one 802.1Q tag, either in
 * meta or in the frame (then the IPv4 header starts 4 bytes later); any
 * other tagging gives PKT_VLAN.
 */
enum pkt_result pkt_parse(uint8_t *frame, size_t len, const struct pkt_tag *meta,
			  struct pkt *p);
const char *pkt_result_name(enum pkt_result r);

/* Completes a UDP checksum that offload left holding only the pseudo-header sum. */
void pkt_complete_udp_csum(struct pkt *p);

/* The Ethernet header's length, with the 802.1Q tag if rw has one. */
static inline size_t pkt_l2_len(const struct pkt_rewrite *rw)
{
	return ETH_HDR_LEN + (rw->vlan ? PKT_VLAN_HDR_LEN : 0);
}

/*
 * Writes the rewritten Ethernet (with rw's 802.1Q tag, if any), IP and
 * (unless it is a non-first fragment) UDP headers into out (at least PKT_MAX_HDR bytes) and returns
 * their length.  The payload is unchanged and follows at pkt_payload();
 * checksums are updated incrementally.  A first fragment's UDP checksum
 * covers the whole datagram, which the incremental update keeps right.
 */
size_t pkt_rewrite_headers(const struct pkt *p, const struct pkt_rewrite *rw,
			   uint8_t *out);
const uint8_t *pkt_payload(const struct pkt *p, size_t *len);

/* The TTL to send with, or -1 if the packet must be dropped. */
enum pkt_ttl_mode { PKT_TTL_DECREMENT, PKT_TTL_KEEP, PKT_TTL_SET };
int pkt_ttl_apply(enum pkt_ttl_mode mode, uint8_t value, uint8_t ttl);


#endif
