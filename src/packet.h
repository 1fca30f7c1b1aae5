#ifndef MCRELAY_PACKET_H
#define MCRELAY_PACKET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETH_HDR_LEN 14
/* Ethernet + the largest IPv4 header + UDP. */
#define PKT_MAX_HDR (ETH_HDR_LEN + 60 + 8)

enum pkt_result {
	PKT_OK = 0,
	PKT_NOT_IPV4,		/* another ethertype */
	PKT_NOT_UDP,		/* IPv4 but another protocol */
	PKT_MALFORMED,		/* truncated or inconsistent headers */
	PKT_BAD_IP_CSUM,
	PKT_FRAGMENT,		/* a non-first fragment: no UDP header, no port */
};

/* A parsed frame; offsets index frame[], addresses and ports in network order. */
struct pkt {
	uint8_t *frame;
	size_t len;		/* captured bytes */
	size_t l3;		/* offset of the IPv4 header */
	size_t ihl;		/* IPv4 header length in bytes */
	size_t ip_len;		/* IPv4 total length (the frame may be padded) */
	bool fragment;		/* more fragments follow (first fragment) */
	bool has_udp;		/* false for a non-first fragment */
	in_addr_t src, dst;
	uint16_t ip_id;		/* network order */
	uint16_t dport;
	uint8_t ttl;
};

struct pkt_rewrite {
	uint8_t dst_mac[6];
	uint8_t src_mac[6];
	in_addr_t group;	/* new destination address */
	uint16_t port;		/* new destination port, network order; 0 keeps it */
	uint8_t ttl;
	/*
	 * The UDP checksum field holds only the pseudo-header sum, to be
	 * completed by the device (offload): only a change of the pseudo
	 * header (the address) is applied to it, not one of the UDP header.
	 */
	bool csum_partial;
};

/*
 * PKT_OK and PKT_FRAGMENT leave p complete enough to forward the frame
 * (a non-first fragment has no port: has_udp is false).
 */
enum pkt_result pkt_parse(uint8_t *frame, size_t len, struct pkt *p);
const char *pkt_result_name(enum pkt_result r);

/* Completes a UDP checksum that offload left holding only the pseudo-header sum. */
void pkt_complete_udp_csum(struct pkt *p);

/*
 * Writes the rewritten Ethernet, IPv4 and (unless it is a non-first
 * fragment) UDP headers into out (at least PKT_MAX_HDR bytes) and returns
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

void pkt_multicast_mac(in_addr_t group, uint8_t mac[6]);

#endif
