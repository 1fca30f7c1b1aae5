#include "config.h"

#include "lib/packet.h"

#include "lib/csum.h"

#include <arpa/inet.h>
#include <string.h>

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd
#define IPV6_HDR_LEN 40
/* Next-header values of the IPv6 extension headers walked to find UDP. */
#define NH_HOPOPTS 0
#define NH_ROUTING 43
#define NH_FRAGMENT 44
#define NH_AH 51
#define NH_DSTOPTS 60
#define ETH_P_VLAN 0x8100
#define ETH_P_QINQ 0x88a8
#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff
#define UDP_HDR_LEN 8

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* UDP at p->l3 + p->ihl, inside ip_len; fragment: a first fragment of a longer datagram. */
static enum pkt_result parse_udp(struct pkt *p)
{
	const uint8_t *udp = p->frame + p->l3 + p->ihl;
	size_t udp_len;

	p->has_udp = true;
	if (p->ip_len < p->ihl + UDP_HDR_LEN)
		return PKT_MALFORMED;
	udp_len = get16(udp + 4);
	/* A fragmented datagram is longer than its first fragment. */
	if (udp_len < UDP_HDR_LEN ||
	    (!p->fragment && udp_len != p->ip_len - p->ihl) ||
	    (p->fragment && udp_len <= p->ip_len - p->ihl))
		return PKT_MALFORMED;
	memcpy(&p->dport, udp + 2, 2);
	return PKT_OK;
}

static enum pkt_result parse_ipv4(struct pkt *p)
{
	const uint8_t *ip = p->frame + p->l3;

	if (p->len < p->l3 + 20 || ip[0] >> 4 != 4)
		return PKT_MALFORMED;
	p->ihl = (size_t)(ip[0] & 0x0f) * 4;
	p->ip_len = get16(ip + 2);
	if (p->ihl < 20 || p->ip_len < p->ihl || p->len < p->l3 + p->ip_len)
		return PKT_MALFORMED;
	if (csum_fold(csum_add(0, ip, p->ihl)) != 0xffff)
		return PKT_BAD_IP_CSUM;
	if (ip[9] != IPPROTO_UDP)
		return PKT_NOT_UDP;
	p->ttl = ip[8];
	p->ip_id = get16(ip + 4);
	p->src = addr_from_v4(0);
	memcpy(p->src.b + 12, ip + 12, 4);
	p->dst = addr_from_v4(0);
	memcpy(p->dst.b + 12, ip + 16, 4);

	uint16_t frag = get16(ip + 6);

	if (frag & IP_OFFMASK)
		return PKT_FRAGMENT;
	p->fragment = (frag & IP_MF) != 0;
	return parse_udp(p);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/*
 * A fragment header at off: a later fragment ends the walk (its UDP header
 * is in the first); the first goes on to UDP, marked as a fragment unless
 * it is the only one (an atomic fragment, RFC 6946).  Returns PKT_OK to go
 * on walking.
 */
static enum pkt_result fragment_header(struct pkt *p, size_t off)
{
	const uint8_t *ip = p->frame + p->l3;
	uint16_t frag = get16(ip + off + 2);

	p->ip_id = get32(ip + off + 4);
	if (frag & 0xfff8) {
		if (off + 8 - IPV6_HDR_LEN > PKT_IPV6_MAX_EXT_BYTES)
			return PKT_IPV6_EXT;
		p->ihl = off + 8;
		return PKT_FRAGMENT;
	}
	p->fragment = frag & 1;
	return PKT_OK;
}

/*
 * Walks the extension headers to UDP.  A routing header with segments
 * left would make the header's destination not the final one: not walked.
 */
static enum pkt_result parse_ipv6_chain(struct pkt *p, uint8_t next)
{
	const uint8_t *ip = p->frame + p->l3;
	size_t off = IPV6_HDR_LEN;
	bool frag_seen = false;

	for (int n = 0; n <= PKT_IPV6_MAX_EXT; n++) {
		size_t len;

		switch (next) {
		case IPPROTO_UDP:
			p->ihl = off;
			return parse_udp(p);
		case NH_FRAGMENT:
		case NH_HOPOPTS:
		case NH_ROUTING:
		case NH_DSTOPTS:
		case NH_AH:
			break;
		default:
			return PKT_NOT_UDP;	/* ICMPv6, ESP, no next header, ... */
		}
		if (n == PKT_IPV6_MAX_EXT || off + 8 > p->ip_len)
			return PKT_IPV6_EXT;
		if (next == NH_FRAGMENT) {
			enum pkt_result r;

			if (frag_seen)
				return PKT_IPV6_EXT;	/* a second fragment header */
			frag_seen = true;
			if ((r = fragment_header(p, off)) != PKT_OK)
				return r;
			len = 8;
		} else if (next == NH_AH) {
			len = ((size_t)ip[off + 1] + 2) * 4;
		} else {
			len = ((size_t)ip[off + 1] + 1) * 8;
		}
		if (next == NH_ROUTING && ip[off + 3] != 0)
			return PKT_IPV6_EXT;
		next = ip[off];
		off += len;
		if (off > p->ip_len || off - IPV6_HDR_LEN > PKT_IPV6_MAX_EXT_BYTES)
			return PKT_IPV6_EXT;
	}
	return PKT_IPV6_EXT;
}

static enum pkt_result parse_ipv6(struct pkt *p)
{
	const uint8_t *ip = p->frame + p->l3;
	size_t payload;

	if (p->len < p->l3 + IPV6_HDR_LEN || ip[0] >> 4 != 6)
		return PKT_MALFORMED;
	p->v6 = true;
	payload = get16(ip + 4);
	p->ip_len = IPV6_HDR_LEN + payload;
	/* Payload length 0 is a jumbogram (RFC 2675), never relayed. */
	if (payload == 0 || p->len < p->l3 + p->ip_len)
		return PKT_MALFORMED;
	p->ttl = ip[7];
	p->src = addr_from_v6(ip + 8);
	p->dst = addr_from_v6(ip + 24);
	/*
	 * An IPv4-mapped address (::ffff:a.b.c.d) is how an IPv4 one is held:
	 * it would match IPv4 rules.  It never belongs on the wire (RFC 4291).
	 */
	if (addr_is_v4(&p->src) || addr_is_v4(&p->dst))
		return PKT_MALFORMED;
	return parse_ipv6_chain(p, ip[6]);
}

static bool is_tag(uint16_t type)
{
	return type == ETH_P_VLAN || type == ETH_P_QINQ;
}

/* A VID that selects a VLAN: not a priority tag (0), not the reserved 4095. */
static enum pkt_result take_tci(struct pkt *p, uint16_t tci)
{
	uint16_t vid = tci & 0x0fff;

	if (vid == 0 || vid > PKT_VID_MAX)
		return PKT_VLAN;
	p->vlan = vid;
	return PKT_OK;
}

enum pkt_result pkt_parse(uint8_t *frame, size_t len, const struct pkt_tag *meta,
			  struct pkt *p)
{
	size_t off = 12;
	uint16_t type;

	memset(p, 0, sizeof(*p));
	p->frame = frame;
	p->len = len;
	if (len < ETH_HDR_LEN)
		return PKT_MALFORMED;
	type = get16(frame + off);
	if (meta != NULL && meta->present) {
		/* A second tag in the frame, or an outer 802.1ad one: QinQ. */
		if (is_tag(type) || (meta->tpid != 0 && meta->tpid != ETH_P_VLAN))
			return PKT_VLAN;
		if (take_tci(p, meta->tci) != PKT_OK)
			return PKT_VLAN;
	} else if (is_tag(type)) {
		/* Even a tag too short to read is counted as a tag, not as malformed. */
		if (type != ETH_P_VLAN || len < ETH_HDR_LEN + PKT_VLAN_HDR_LEN)
			return PKT_VLAN;
		off += PKT_VLAN_HDR_LEN;
		type = get16(frame + off);
		if (is_tag(type) || take_tci(p, get16(frame + 14)) != PKT_OK)
			return PKT_VLAN;
	}
	p->l3 = off + 2;
	if (type == ETH_P_IPV4)
		return parse_ipv4(p);
	if (type == ETH_P_IPV6)
		return parse_ipv6(p);
	return PKT_NOT_IP;
}

const char *pkt_result_name(enum pkt_result r)
{
	switch (r) {
	case PKT_OK:
		return "ok";
	case PKT_NOT_IP:
		return "neither IPv4 nor IPv6";
	case PKT_NOT_UDP:
		return "not UDP";
	case PKT_MALFORMED:
		return "malformed";
	case PKT_BAD_IP_CSUM:
		return "bad IPv4 header checksum";
	case PKT_FRAGMENT:
		return "non-first fragment";
	case PKT_IPV6_EXT:
		return "IPv6 extension headers not walkable";
	case PKT_VLAN:
		return "VLAN tag not relayed";
	}
	return "?";
}

void pkt_complete_udp_csum(struct pkt *p)
{
	uint8_t *udp = p->frame + p->l3 + p->ihl;
	uint16_t check;

	if (p->fragment || !p->has_udp)
		return;	/* offload never leaves a fragment partial */
	check = (uint16_t)~csum_fold(csum_add(0, udp, p->ip_len - p->ihl));
	if (check == 0)
		check = 0xffff;
	memcpy(udp + 6, &check, 2);
}

/*
 * The UDP checksum after the destination changed from old to the group
 * and the port to rw->port.  Zero means "no checksum" (RFC 768) and stays
 * so; a partial one holds the pseudo-header sum, not its complement, and
 * the port is not in it.
 */
static uint16_t udp_check_update(uint16_t check, const struct pkt *p,
				 const struct pkt_rewrite *rw)
{
	bool addr_changed = !addr_eq(&rw->group, &p->dst);
	bool port_changed = rw->port && rw->port != p->dport;

	if (rw->csum_partial) {
		if (!addr_changed)
			return check;
		check = (uint16_t)~check;
		if (p->v6)
			check = csum_replace128(check, p->dst.b, rw->group.b);
		else
			check = csum_replace32(check, addr_v4(&p->dst), addr_v4(&rw->group));
		return (uint16_t)~check;
	}
	if (check == 0)
		return 0;	/* IPv6 forbids it (RFC 8200): relayed as it came, not made up */
	if (addr_changed) {
		if (p->v6)
			check = csum_replace128(check, p->dst.b, rw->group.b);
		else
			check = csum_replace32(check, addr_v4(&p->dst), addr_v4(&rw->group));
	}
	if (port_changed)
		check = csum_replace16(check, p->dport, rw->port);
	/* A UDP checksum that computes to zero is sent as all ones (RFC 768). */
	return check ? check : 0xffff;
}

static void rewrite_ipv4(const struct pkt *p, const struct pkt_rewrite *rw, uint8_t *ip)
{
	uint16_t ip_check, w_old, w_new;
	in_addr_t group = addr_v4(&rw->group);

	memcpy(&ip_check, ip + 10, 2);
	/* TTL shares a 16-bit word with the protocol field. */
	memcpy(&w_old, ip + 8, 2);
	ip[8] = rw->ttl;
	memcpy(&w_new, ip + 8, 2);
	ip_check = csum_replace16(ip_check, w_old, w_new);
	if (!addr_eq(&rw->group, &p->dst)) {
		memcpy(ip + 16, &group, 4);
		ip_check = csum_replace32(ip_check, addr_v4(&p->dst), group);
	}
	memcpy(ip + 10, &ip_check, 2);
}

size_t pkt_rewrite_headers(const struct pkt *p, const struct pkt_rewrite *rw,
			   uint8_t *out)
{
	size_t l2 = pkt_l2_len(rw);
	uint8_t *ip = out + l2;
	uint8_t *udp = ip + p->ihl;
	uint16_t type = p->v6 ? ETH_P_IPV6 : ETH_P_IPV4;

	memcpy(out, rw->dst_mac, 6);
	memcpy(out + 6, rw->src_mac, 6);
	if (rw->vlan) {
		/* PCP 0, DEI 0: the tag chooses the VLAN, nothing else. */
		out[12] = ETH_P_VLAN >> 8;
		out[13] = ETH_P_VLAN & 0xff;
		out[14] = (uint8_t)(rw->vlan >> 8 & 0x0f);
		out[15] = (uint8_t)(rw->vlan & 0xff);
	}
	out[l2 - 2] = (uint8_t)(type >> 8);
	out[l2 - 1] = type & 0xff;
	memcpy(ip, p->frame + p->l3, p->ihl + (p->has_udp ? UDP_HDR_LEN : 0));
	if (p->v6) {
		ip[7] = rw->ttl;	/* the hop limit: no header checksum in IPv6 */
		memcpy(ip + 24, rw->group.b, 16);
	} else {
		rewrite_ipv4(p, rw, ip);
	}
	if (!p->has_udp)
		return l2 + p->ihl;

	uint16_t check;

	memcpy(&check, udp + 6, 2);
	check = udp_check_update(check, p, rw);
	if (rw->port && rw->port != p->dport)
		memcpy(udp + 2, &rw->port, 2);
	memcpy(udp + 6, &check, 2);
	return l2 + p->ihl + UDP_HDR_LEN;
}

const uint8_t *pkt_payload(const struct pkt *p, size_t *len)
{
	size_t hdr = p->ihl + (p->has_udp ? UDP_HDR_LEN : 0);

	*len = p->ip_len - hdr;
	return p->frame + p->l3 + hdr;
}

int pkt_ttl_apply(enum pkt_ttl_mode mode, uint8_t value, uint8_t ttl)
{
	switch (mode) {
	case PKT_TTL_DECREMENT:
		return ttl <= 1 ? -1 : ttl - 1;
	case PKT_TTL_KEEP:
		return ttl == 0 ? -1 : ttl;	/* a TTL of 0 is never sent */
	case PKT_TTL_SET:
		return value;
	}
	return -1;
}

