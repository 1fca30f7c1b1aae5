#include "config.h"

#include "packet.h"

#include "csum.h"

#include <arpa/inet.h>
#include <string.h>

#define ETH_P_IPV4 0x0800
#define ETH_P_VLAN 0x8100
#define ETH_P_QINQ 0x88a8
#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff
#define UDP_HDR_LEN 8

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
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
	if (type != ETH_P_IPV4)
		return PKT_NOT_IPV4;
	p->l3 = off + 2;
	if (len < p->l3 + 20)
		return PKT_MALFORMED;

	const uint8_t *ip = frame + p->l3;

	if (ip[0] >> 4 != 4)
		return PKT_MALFORMED;
	p->ihl = (size_t)(ip[0] & 0x0f) * 4;
	p->ip_len = get16(ip + 2);
	if (p->ihl < 20 || p->ip_len < p->ihl || len < p->l3 + p->ip_len)
		return PKT_MALFORMED;
	if (csum_fold(csum_add(0, ip, p->ihl)) != 0xffff)
		return PKT_BAD_IP_CSUM;
	if (ip[9] != IPPROTO_UDP)
		return PKT_NOT_UDP;
	p->ttl = ip[8];
	memcpy(&p->ip_id, ip + 4, 2);
	memcpy(&p->src, ip + 12, 4);
	memcpy(&p->dst, ip + 16, 4);

	uint16_t frag = get16(ip + 6);

	if (frag & IP_OFFMASK)
		return PKT_FRAGMENT;
	p->fragment = (frag & IP_MF) != 0;
	p->has_udp = true;
	if (p->ip_len < p->ihl + UDP_HDR_LEN)
		return PKT_MALFORMED;

	const uint8_t *udp = ip + p->ihl;
	size_t udp_len = get16(udp + 4);

	/* A fragmented datagram is longer than its first fragment. */
	if (udp_len < UDP_HDR_LEN ||
	    (!p->fragment && udp_len != p->ip_len - p->ihl) ||
	    (p->fragment && udp_len <= p->ip_len - p->ihl))
		return PKT_MALFORMED;
	memcpy(&p->dport, udp + 2, 2);
	return PKT_OK;
}

const char *pkt_result_name(enum pkt_result r)
{
	switch (r) {
	case PKT_OK:
		return "ok";
	case PKT_NOT_IPV4:
		return "not IPv4";
	case PKT_NOT_UDP:
		return "not UDP";
	case PKT_MALFORMED:
		return "malformed";
	case PKT_BAD_IP_CSUM:
		return "bad IPv4 header checksum";
	case PKT_FRAGMENT:
		return "non-first fragment";
	case PKT_VLAN:
		return "VLAN tag not relayed";
	}
	return "?";
}

void pkt_complete_udp_csum(struct pkt *p)
{
	uint8_t *udp = p->frame + p->l3 + p->ihl;
	uint16_t check;

	if (p->fragment)
		return;	/* offload never leaves a fragment partial */
	check = (uint16_t)~csum_fold(csum_add(0, udp, p->ip_len - p->ihl));
	if (check == 0)
		check = 0xffff;
	memcpy(udp + 6, &check, 2);
}

size_t pkt_rewrite_headers(const struct pkt *p, const struct pkt_rewrite *rw,
			   uint8_t *out)
{
	size_t l2 = pkt_l2_len(rw);
	uint8_t *ip = out + l2;
	uint8_t *udp = ip + p->ihl;
	uint16_t ip_check, udp_check, w_old, w_new;

	memcpy(out, rw->dst_mac, 6);
	memcpy(out + 6, rw->src_mac, 6);
	if (rw->vlan) {
		/* PCP 0, DEI 0: the tag chooses the VLAN, nothing else. */
		out[12] = ETH_P_VLAN >> 8;
		out[13] = ETH_P_VLAN & 0xff;
		out[14] = (uint8_t)(rw->vlan >> 8 & 0x0f);
		out[15] = (uint8_t)(rw->vlan & 0xff);
	}
	out[l2 - 2] = ETH_P_IPV4 >> 8;
	out[l2 - 1] = ETH_P_IPV4 & 0xff;
	memcpy(ip, p->frame + p->l3, p->ihl + (p->has_udp ? UDP_HDR_LEN : 0));

	memcpy(&ip_check, ip + 10, 2);
	if (!p->has_udp) {
		memcpy(&w_old, ip + 8, 2);
		ip[8] = rw->ttl;
		memcpy(&w_new, ip + 8, 2);
		ip_check = csum_replace16(ip_check, w_old, w_new);
		memcpy(ip + 16, &rw->group, 4);
		ip_check = csum_replace32(ip_check, p->dst, rw->group);
		memcpy(ip + 10, &ip_check, 2);
		return l2 + p->ihl;
	}
	memcpy(&udp_check, udp + 6, 2);
	/* Zero means "no checksum" (RFC 768); an intermediate zero does not. */
	bool has_udp_check = udp_check != 0;
	/* TTL shares a 16-bit word with the protocol field. */
	memcpy(&w_old, ip + 8, 2);
	ip[8] = rw->ttl;
	memcpy(&w_new, ip + 8, 2);
	ip_check = csum_replace16(ip_check, w_old, w_new);
	if (rw->csum_partial) {
		/* The field is a sum, not its complement: update the complement. */
		if (rw->group != p->dst) {
			memcpy(ip + 16, &rw->group, 4);
			ip_check = csum_replace32(ip_check, p->dst, rw->group);
			udp_check = (uint16_t)~csum_replace32((uint16_t)~udp_check, p->dst,
							      rw->group);
		}
		if (rw->port && rw->port != p->dport)
			memcpy(udp + 2, &rw->port, 2);
		memcpy(ip + 10, &ip_check, 2);
		memcpy(udp + 6, &udp_check, 2);
		return l2 + p->ihl + UDP_HDR_LEN;
	}
	if (rw->group != p->dst) {
		memcpy(ip + 16, &rw->group, 4);
		ip_check = csum_replace32(ip_check, p->dst, rw->group);
		if (has_udp_check)
			udp_check = csum_replace32(udp_check, p->dst, rw->group);
	}
	if (rw->port && rw->port != p->dport) {
		memcpy(udp + 2, &rw->port, 2);
		if (has_udp_check)
			udp_check = csum_replace16(udp_check, p->dport, rw->port);
	}
	/* A UDP checksum that computes to zero is sent as all ones (RFC 768). */
	if (has_udp_check && udp_check == 0)
		udp_check = 0xffff;
	memcpy(ip + 10, &ip_check, 2);
	memcpy(udp + 6, &udp_check, 2);
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

void pkt_multicast_mac(in_addr_t group, uint8_t mac[6])
{
	uint32_t g = ntohl(group);

	mac[0] = 0x01;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = (g >> 16) & 0x7f;
	mac[4] = (g >> 8) & 0xff;
	mac[5] = g & 0xff;
}
