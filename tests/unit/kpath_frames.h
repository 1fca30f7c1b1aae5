/*
 * Frames for the kernel path's tests: well-formed IPv4 and IPv6 UDP
 * multicast frames, and each of the ways a frame can fall outside what
 * the kernel path handles (lib/kpath_abi.h).
 */
#ifndef MCRELAY_KPATH_FRAMES_H
#define MCRELAY_KPATH_FRAMES_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "lib/addr.h"
#include "lib/csum.h"

enum kf_tag {
	KF_UNTAGGED = 0,
	KF_DOT1Q,		/* one 802.1Q tag with tci */
	KF_QINQ,		/* two 802.1Q tags */
	KF_DOT1AD,		/* an 802.1ad tag, then an 802.1Q one */
};

enum kf_frag {
	KF_WHOLE = 0,
	KF_FIRST,		/* more fragments follow */
	KF_LATER,		/* offset 1480 */
	KF_ATOMIC,		/* IPv6: a fragment header saying offset 0, no more */
};

struct kf_spec {
	bool v6;
	enum kf_tag tag;
	uint16_t tci;
	struct addr group, source;
	uint16_t sport, dport;	/* host order */
	uint8_t ttl;
	size_t payload;
	size_t ip_opts;		/* IPv4 option bytes, a multiple of 4 up to 40 */
	bool v6_hbh;		/* IPv6: an 8-byte hop-by-hop header before UDP */
	enum kf_frag frag;
	bool udp_csum_zero;
	bool bad_ip_csum;
	bool bad_version;
	bool short_ihl;		/* IPv4 ihl 4 */
	bool not_udp;		/* protocol or next header 17 changed to 6 */
	int udp_len_delta;	/* the UDP length field off by this */
	size_t ip_len_short;	/* IP length field this much below the packet */
	size_t cut;		/* bytes cut off the end of the frame */
	size_t pad;		/* bytes after the IP packet (Ethernet padding) */
	uint16_t ethertype;	/* non-zero: the (innermost) ethertype instead of IP's */
	uint8_t seed;		/* of the payload bytes */
};

static inline void kf_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint16_t kf_udp_csum(const struct kf_spec *s, const uint8_t *udp, size_t len)
{
	uint8_t pseudo[40];
	uint32_t sum;
	uint16_t c;

	memset(pseudo, 0, sizeof(pseudo));
	if (s->v6) {
		memcpy(pseudo, s->source.b, 16);
		memcpy(pseudo + 16, s->group.b, 16);
		pseudo[34] = (uint8_t)(len >> 8);
		pseudo[35] = (uint8_t)len;
		pseudo[39] = 17;
		sum = csum_add(0, pseudo, 40);
	} else {
		memcpy(pseudo, s->source.b + 12, 4);
		memcpy(pseudo + 4, s->group.b + 12, 4);
		pseudo[9] = 17;
		pseudo[10] = (uint8_t)(len >> 8);
		pseudo[11] = (uint8_t)len;
		sum = csum_add(0, pseudo, 12);
	}
	c = (uint16_t)~csum_fold(csum_add(sum, udp, len));
	return c ? c : 0xffff;
}

/* Writes the frame into buf (room for at least 14 + 8 + 40 + 48 + payload + pad) and returns its length. */
static inline size_t kf_build(uint8_t *buf, const struct kf_spec *s)
{
	size_t off = 12, l3, l4, ihl, ip_len, udp_len;
	uint16_t type = s->ethertype ? s->ethertype : (s->v6 ? 0x86dd : 0x0800);
	uint8_t *ip, *udp;

	addr_multicast_mac(&s->group, buf);
	memcpy(buf + 6, (const uint8_t[]){ 0x02, 0, 0, 0, 0, 1 }, 6);
	if (s->tag == KF_DOT1AD || s->tag == KF_QINQ) {
		kf_put16(buf + off, s->tag == KF_DOT1AD ? 0x88a8 : 0x8100);
		kf_put16(buf + off + 2, 7);
		off += 4;
	}
	if (s->tag != KF_UNTAGGED) {
		kf_put16(buf + off, 0x8100);
		kf_put16(buf + off + 2, s->tci);
		off += 4;
	}
	kf_put16(buf + off, type);
	l3 = off + 2;
	ip = buf + l3;
	if (s->v6) {
		ihl = 40 + (s->v6_hbh ? 8 : 0) + (s->frag != KF_WHOLE ? 8 : 0);
	} else {
		ihl = 20 + s->ip_opts;
	}
	l4 = l3 + ihl;
	udp = buf + l4;
	udp_len = 8 + s->payload;
	ip_len = ihl + udp_len;
	for (size_t i = 0; i < s->payload; i++)
		udp[8 + i] = (uint8_t)(s->seed + i * 7);
	kf_put16(udp, s->sport);
	kf_put16(udp + 2, s->dport);
	kf_put16(udp + 4, (uint16_t)(udp_len + (size_t)s->udp_len_delta));
	kf_put16(udp + 6, 0);
	if (!s->udp_csum_zero)
		memcpy(udp + 6, &(uint16_t){ kf_udp_csum(s, udp, udp_len) }, 2);
	if (s->v6) {
		uint8_t *ext = ip + 40, next = s->not_udp ? 6 : 17;

		memset(ip, 0, 40);
		ip[0] = s->bad_version ? 0x40 : 0x60;
		kf_put16(ip + 4, (uint16_t)(ip_len - 40 - s->ip_len_short));
		ip[7] = s->ttl;
		memcpy(ip + 8, s->source.b, 16);
		memcpy(ip + 24, s->group.b, 16);
		ip[6] = s->v6_hbh ? 0 : (s->frag != KF_WHOLE ? 44 : next);
		if (s->v6_hbh) {
			memset(ext, 0, 8);
			ext[0] = s->frag != KF_WHOLE ? 44 : next;
			ext[2] = 1;	/* PadN */
			ext[3] = 4;
			ext += 8;
		}
		if (s->frag != KF_WHOLE) {
			memset(ext, 0, 8);
			ext[0] = next;
			kf_put16(ext + 2, s->frag == KF_LATER ? 1480 : (s->frag == KF_FIRST ? 1 : 0));
			ext[7] = 9;
		}
	} else {
		uint16_t check;

		ip[0] = (uint8_t)((s->bad_version ? 6 : 4) << 4 | (s->short_ihl ? 4 : ihl / 4));
		ip[1] = 0;
		kf_put16(ip + 2, (uint16_t)(ip_len - s->ip_len_short));
		kf_put16(ip + 4, 0x1234);
		kf_put16(ip + 6, s->frag == KF_FIRST ? 0x2000 : (s->frag == KF_LATER ? 185 : 0));
		ip[8] = s->ttl;
		ip[9] = s->not_udp ? 6 : 17;
		memset(ip + 10, 0, 2);
		memcpy(ip + 12, s->source.b + 12, 4);
		memcpy(ip + 16, s->group.b + 12, 4);
		for (size_t i = 0; i < s->ip_opts; i++)
			ip[20 + i] = 1;	/* NOP */
		check = csum_ipv4_header(ip, ihl);
		if (s->bad_ip_csum)
			check ^= 0x0100;
		memcpy(ip + 10, &check, 2);
	}
	for (size_t i = 0; i < s->pad; i++)
		buf[l3 + ip_len + i] = 0;
	return l3 + ip_len + s->pad - s->cut;
}

#endif
