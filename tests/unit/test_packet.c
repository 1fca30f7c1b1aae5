/*
 * Unit tests for packet parsing and header rewriting, checked against a
 * plain reference implementation of the Internet checksum written here
 * (big-endian 16-bit words, no tricks), never against csum.c itself.
 *
 * The frames of both families are built, parsed, rewritten and checked by
 * the same helpers; what differs between IPv4 and IPv6 (the header's
 * layout, its checksum, options or extension headers, the multicast MAC)
 * is in struct family, one for each.
 */
#include "config.h"

#include "lib/csum.h"
#include "lib/packet.h"
#include "unit.h"

#include <arpa/inet.h>
#include <string.h>

#define N_FRAMES4 20000
#define N_FRAMES6 10000
#define MAX_PAYLOAD 1472
#define MAX_PAD 24
#define MAX_EXT 10
/* Two tags, the IPv6 header, a 2 KB extension header, UDP, payload and padding. */
#define FRAME_MAX (22 + 40 + 8 * 256 + 8 + MAX_PAYLOAD + MAX_PAD)
#define NH_HOPOPTS 0
#define NH_ROUTING 43
#define NH_FRAGMENT 44
#define NH_ESP 50
#define NH_AH 51
#define NH_ICMPV6 58
#define NH_NONE 59
#define NH_DSTOPTS 60

/* ---- the two families ---- */

struct spec;

struct family {
	const char *name;
	uint16_t ethertype;
	size_t hdr_len;		/* the IP header without options or extensions */
	size_t ttl;		/* offsets in it: the TTL or hop limit, */
	size_t src, dst;	/* the addresses, */
	size_t alen;		/* of this many bytes (the last ones of a struct addr) */
	bool header_csum;	/* IPv4's header checksum, at offset 10 */
	/* Writes the IP header (and options or extensions) for udp_len bytes of UDP: its length. */
	size_t (*build_ip)(uint64_t *rng, const struct spec *s, uint8_t *ip, size_t udp_len);
	struct addr (*random_group)(uint64_t *rng);
	struct addr (*random_source)(uint64_t *rng);
	/* The destination MAC of a group. */
	void (*group_mac)(const struct addr *g, uint8_t mac[6]);
};

/* ---- reference checksums ---- */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t ref_sum(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t ref_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The complemented checksum of a whole buffer. */
static uint16_t ref_csum(const uint8_t *p, size_t len)
{
	return (uint16_t)~ref_fold(ref_sum(0, p, len));
}

/* The checksum an IPv4 header must carry, computed with the field as zero. */
static uint16_t ref_ip_csum(const uint8_t *ip, size_t ihl)
{
	uint32_t sum = ref_sum(0, ip, 10);

	sum = ref_sum(sum, ip + 12, ihl - 12);
	return (uint16_t)~ref_fold(sum);
}

/*
 * The one's complement sum of the UDP pseudo-header, not complemented:
 * source, destination, protocol and UDP length (RFC 768; RFC 8200 8.1
 * makes the length 32 bits).
 */
static uint32_t ref_pseudo_sum(const struct family *fam, const uint8_t *ip, size_t udp_len)
{
	uint32_t sum = ref_sum(ref_sum(0, ip + fam->src, fam->alen), ip + fam->dst, fam->alen);

	return sum + (uint32_t)(udp_len >> 16) + (uint32_t)(udp_len & 0xffff) + IPPROTO_UDP;
}

/* The UDP checksum of a complete datagram, with 0 sent as 0xffff. */
static uint16_t ref_udp_csum(const struct family *fam, const uint8_t *ip, const uint8_t *udp,
			     size_t udp_len)
{
	uint32_t sum = ref_pseudo_sum(fam, ip, udp_len);
	uint16_t c;

	sum = ref_sum(sum, udp, 6);
	sum = ref_sum(sum, udp + 8, udp_len - 8);
	c = (uint16_t)~ref_fold(sum);
	return c ? c : 0xffff;
}

/* ---- frames ---- */

struct spec {
	const struct family *fam;
	bool vlan;		/* an 802.1Q tag in the frame */
	bool meta_tag;		/* an 802.1Q tag the ring reports (not in the frame) */
	bool qinq;		/* 802.1ad outside the 802.1Q tag: PKT_VLAN */
	uint16_t vid;		/* of the 802.1Q tag */
	size_t options;		/* IPv4: bytes of options */
	uint16_t frag;		/* IPv4: flags and fragment offset */
	size_t n_ext;		/* IPv6: the extension headers */
	uint8_t ext_type[MAX_EXT];
	size_t ext_len[MAX_EXT];	/* bytes, a valid length for the type */
	uint8_t routing_left;		/* segments left in every routing header */
	uint8_t proto;		/* IPv4's protocol, the header after IPv6's extensions */
	size_t payload;		/* UDP payload bytes */
	size_t pad;		/* Ethernet padding after the datagram */
	uint8_t ttl;		/* or hop limit */
	struct addr src, dst;
	uint16_t sport, dport;
	bool udp_csum;		/* false: sent without a UDP checksum */
};

struct frame {
	uint8_t buf[FRAME_MAX];
	size_t len, l3;
	size_t hdr;		/* from the IP header to UDP: options or extensions included */
	struct spec s;
};

static void random_bytes(uint64_t *rng, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)unit_rand(rng);
}

static void fix_ip_csum(uint8_t *ip)
{
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;

	put16(ip + 10, ref_ip_csum(ip, ihl < 20 ? 20 : ihl));
}

/* TOS, ID and options random. */
static size_t build_ipv4(uint64_t *rng, const struct spec *s, uint8_t *ip, size_t udp_len)
{
	size_t ihl = 20 + s->options;

	ip[0] = (uint8_t)(0x40 | ihl / 4);
	ip[1] = (uint8_t)unit_rand(rng);
	put16(ip + 2, (uint16_t)(ihl + udp_len));
	put16(ip + 4, (uint16_t)unit_rand(rng));
	put16(ip + 6, s->frag);
	ip[8] = s->ttl;
	ip[9] = s->proto;
	put16(ip + 10, 0);
	memcpy(ip + 12, s->src.b + 12, 4);
	memcpy(ip + 16, s->dst.b + 12, 4);
	random_bytes(rng, ip + 20, s->options);
	put16(ip + 10, ref_ip_csum(ip, ihl));
	return ihl;
}

/* Traffic class, flow label and the extension headers' contents random. */
static size_t build_ipv6(uint64_t *rng, const struct spec *s, uint8_t *ip, size_t udp_len)
{
	size_t ext = 0;
	uint8_t *h = ip + 40;

	for (size_t k = 0; k < s->n_ext; k++)
		ext += s->ext_len[k];
	random_bytes(rng, ip, 4);
	ip[0] = (uint8_t)(0x60 | (ip[0] & 0x0f));
	put16(ip + 4, (uint16_t)(ext + udp_len));
	ip[6] = s->n_ext ? s->ext_type[0] : s->proto;
	ip[7] = s->ttl;
	memcpy(ip + 8, s->src.b, 16);
	memcpy(ip + 24, s->dst.b, 16);
	for (size_t k = 0; k < s->n_ext; k++) {
		random_bytes(rng, h, s->ext_len[k]);
		h[0] = k + 1 < s->n_ext ? s->ext_type[k + 1] : s->proto;
		if (s->ext_type[k] == NH_AH)
			h[1] = (uint8_t)(s->ext_len[k] / 4 - 2);
		else
			h[1] = (uint8_t)(s->ext_len[k] / 8 - 1);
		if (s->ext_type[k] == NH_ROUTING)
			h[3] = s->routing_left;
		if (s->ext_type[k] == NH_FRAGMENT) {
			h[1] = 0;
			put16(h + 2, 0);	/* offset 0, no more fragments: atomic */
		}
		h += s->ext_len[k];
	}
	return 40 + ext;
}

static struct addr random_group4(uint64_t *rng)
{
	return unit_v4h(0xe0000000u | (uint32_t)(unit_rand(rng) >> 36));
}

static struct addr random_group6(uint64_t *rng)
{
	struct addr a;

	random_bytes(rng, a.b, 16);
	a.b[0] = 0xff;
	if (unit_rand_below(rng, 2))
		memset(a.b + 2, 0, 10);	/* the usual short form: ff3e::1234 */
	return a;
}

/* Any 32 bits: the parser does not look at them. */
static struct addr random_source4(uint64_t *rng)
{
	return unit_v4h((uint32_t)unit_rand(rng));
}

static struct addr random_source6(uint64_t *rng)
{
	struct addr a;

	random_bytes(rng, a.b, 16);
	a.b[0] = 0x20;
	return a;
}

/* 01:00:5e and the low 23 bits of the group (RFC 1112). */
static void group_mac4(const struct addr *g, uint8_t mac[6])
{
	memcpy(mac, "\x01\x00\x5e", 3);
	mac[3] = g->b[13] & 0x7f;
	mac[4] = g->b[14];
	mac[5] = g->b[15];
}

/* 33:33 and the low 32 bits of the group (RFC 2464). */
static void group_mac6(const struct addr *g, uint8_t mac[6])
{
	memcpy(mac, "\x33\x33", 2);
	memcpy(mac + 2, g->b + 12, 4);
}

static const struct family ipv4 = {
	.name = "IPv4", .ethertype = 0x0800, .hdr_len = 20, .ttl = 8, .src = 12, .dst = 16,
	.alen = 4, .header_csum = true, .build_ip = build_ipv4, .random_group = random_group4,
	.random_source = random_source4, .group_mac = group_mac4,
};

static const struct family ipv6 = {
	.name = "IPv6", .ethertype = 0x86dd, .hdr_len = 40, .ttl = 7, .src = 8, .dst = 24,
	.alen = 16, .header_csum = false, .build_ip = build_ipv6, .random_group = random_group6,
	.random_source = random_source6, .group_mac = group_mac6,
};

/* The bytes of an address that a header of its family holds. */
static const uint8_t *addr_bytes(const struct family *fam, const struct addr *a)
{
	return a->b + sizeof(a->b) - fam->alen;
}

/* Builds f from f->s; the MACs and tags' priority bits are random, and see build_ip. */
static void build(uint64_t *rng, struct frame *f)
{
	const struct spec *s = &f->s;
	uint8_t *p = f->buf, *ip, *udp;
	size_t udp_len = 8 + s->payload;

	random_bytes(rng, p, 12);
	f->l3 = 14;
	if (s->qinq) {
		put16(p + 12, 0x88a8);
		put16(p + 14, (uint16_t)unit_rand(rng));
		f->l3 += 4;
	}
	if (s->vlan || s->qinq) {
		put16(p + f->l3 - 2, 0x8100);
		/* Priority and DEI bits are random: only the VID chooses. */
		put16(p + f->l3, (uint16_t)((unit_rand(rng) & 0xf000) | s->vid));
		f->l3 += 4;
	}
	put16(p + f->l3 - 2, s->fam->ethertype);
	ip = p + f->l3;
	f->hdr = s->fam->build_ip(rng, s, ip, udp_len);
	udp = ip + f->hdr;
	put16(udp, s->sport);
	put16(udp + 2, s->dport);
	put16(udp + 4, (uint16_t)udp_len);
	put16(udp + 6, 0);
	random_bytes(rng, udp + 8, s->payload);
	if (s->udp_csum)
		put16(udp + 6, ref_udp_csum(s->fam, ip, udp, udp_len));
	random_bytes(rng, udp + udp_len, s->pad);
	f->len = f->l3 + f->hdr + udp_len + s->pad;
}

/* A chain of IPv6 extension headers the parser walks: at most 8, of at most 80 bytes. */
static void random_chain(uint64_t *rng, struct spec *s)
{
	static const uint8_t types[] = { NH_DSTOPTS, NH_ROUTING, NH_AH };
	size_t total = 0, n = unit_rand_below(rng, 2) ? 0 : 1 + unit_rand_below(rng, 8);

	s->n_ext = 0;
	for (size_t k = 0; k < n; k++) {
		uint8_t type = k == 0 && unit_rand_below(rng, 2) ? NH_HOPOPTS
			       : types[unit_rand_below(rng, 3)];
		size_t len = type == NH_AH ? 4 * (2 + unit_rand_below(rng, 6))
					   : 8 * (1 + unit_rand_below(rng, 4));

		if (total + len > PKT_IPV6_MAX_EXT_BYTES)
			break;
		s->ext_type[s->n_ext] = type;
		s->ext_len[s->n_ext++] = len;
		total += len;
	}
}

static void random_spec(uint64_t *rng, const struct family *fam, struct spec *s)
{
	bool v6 = fam == &ipv6;

	memset(s, 0, sizeof(*s));
	s->fam = fam;
	s->vlan = unit_rand_below(rng, 4) == 0;
	s->meta_tag = !s->vlan && unit_rand_below(rng, 4) == 0;
	s->qinq = v6 && unit_rand_below(rng, 16) == 0;	/* IPv4's: in test_vlan */
	if (s->vlan || s->meta_tag || s->qinq)
		s->vid = (uint16_t)(1 + unit_rand_below(rng, PKT_VID_MAX));
	if (v6)
		random_chain(rng, s);
	else
		s->options = 4 * unit_rand_below(rng, 11);
	s->proto = IPPROTO_UDP;
	/* Half the frames small, so that short and odd lengths are frequent. */
	s->payload = unit_rand_below(rng, 2) ? unit_rand_below(rng, 40)
					     : unit_rand_below(rng, MAX_PAYLOAD + 1);
	s->pad = unit_rand_below(rng, 8) == 0 ? unit_rand_below(rng, MAX_PAD + 1) : 0;
	s->ttl = (uint8_t)(2 + unit_rand_below(rng, 254));
	if (!v6)
		s->frag = unit_rand_below(rng, 2) ? 0x4000 : 0;	/* DF or nothing */
	s->src = fam->random_source(rng);
	/* One IPv4 destination in four is any address: parsing does not mind. */
	s->dst = !v6 && unit_rand_below(rng, 4) == 0 ? fam->random_source(rng)
						      : fam->random_group(rng);
	s->sport = (uint16_t)unit_rand(rng);
	s->dport = (uint16_t)unit_rand(rng);
	/* A zero IPv6 checksum is relayed as it came: rarer. */
	s->udp_csum = unit_rand_below(rng, v6 ? 16 : 5) != 0;
}

/*
 * A small valid untagged frame for the cases by hand to start from: 100
 * bytes from port 4000 to 5000, 10.0.0.1 to 239.1.1.1 or 2001:db8::1 to
 * ff3e::1234, without options or extension headers.
 */
static void plain_frame(uint64_t *rng, const struct family *fam, struct frame *f)
{
	memset(&f->s, 0, sizeof(f->s));
	f->s.fam = fam;
	f->s.proto = IPPROTO_UDP;
	f->s.payload = 100;
	f->s.ttl = 64;
	f->s.src = fam == &ipv4 ? unit_v4(10, 0, 0, 1) : unit_v6("2001:db8::1");
	f->s.dst = fam == &ipv4 ? unit_v4(239, 1, 1, 1) : unit_v6("ff3e::1234");
	f->s.sport = 4000;
	f->s.dport = 5000;
	f->s.udp_csum = true;
	build(rng, f);
}

/* The tag the ring would report for f, or NULL; its priority bits must not matter. */
static const struct pkt_tag *meta_of(const struct frame *f, struct pkt_tag *t)
{
	if (!f->s.meta_tag)
		return NULL;
	*t = (struct pkt_tag){ .present = true, .tpid = 0x8100,
			       .tci = (uint16_t)(f->s.vid | (f->s.vid & 7) << 13) };
	return t;
}

/* ---- checks against the spec and the reference ---- */

static void check_parsed(int i, const struct frame *f, const struct pkt *p)
{
	const struct spec *s = &f->s;
	const char *fam = s->fam->name;
	size_t ip_len = f->hdr + 8 + s->payload;

	CHECK(p->vlan == s->vid, "%s frame %d: VLAN %u, expected %u", fam, i, p->vlan, s->vid);
	CHECK(p->frame == f->buf && p->len == f->len && p->v6 == (s->fam == &ipv6),
	      "%s frame %d: frame, len or v6", fam, i);
	CHECK(p->l3 == f->l3 && p->ihl == f->hdr && p->ip_len == ip_len,
	      "%s frame %d: l3 %zu ihl %zu ip_len %zu, expected %zu %zu %zu", fam, i, p->l3,
	      p->ihl, p->ip_len, f->l3, f->hdr, ip_len);
	CHECK(addr_eq(&p->src, &s->src) && addr_eq(&p->dst, &s->dst) &&
	      p->dport == htons(s->dport) && p->ttl == s->ttl && !p->fragment && p->has_udp,
	      "%s frame %d: parsed addresses (%s, %s), port, TTL or flags wrong", fam, i,
	      unit_addr_str(&p->src), unit_addr_str(&p->dst));
}

/* The bytes of an IP header a rewrite changes: TTL, destination, IPv4's checksum. */
static bool rewritten(const struct family *fam, size_t k)
{
	return k == fam->ttl || (k >= fam->dst && k < fam->dst + fam->alen) ||
	       (fam->header_csum && (k == 10 || k == 11));
}

/* Rewrites one frame and checks everything in the result against a recompute. */
static void check_rewrite(int i, const struct frame *f, const struct pkt *p,
			  const struct pkt_rewrite *rw)
{
	const struct spec *s = &f->s;
	const struct family *fam = s->fam;
	static uint8_t res[FRAME_MAX];
	uint8_t out[PKT_MAX_HDR + 16], mac[6];
	size_t hlen, plen, l2 = rw->vlan ? 18 : 14, udp_len = 8 + s->payload, k;
	const uint8_t *payload;

	memset(out, 0xa5, sizeof(out));
	hlen = pkt_rewrite_headers(p, rw, out);
	if (!CHECK(hlen == l2 + f->hdr + 8, "%s frame %d: header length %zu", fam->name, i, hlen))
		return;
	for (k = PKT_MAX_HDR; k < sizeof(out); k++)
		if (!CHECK(out[k] == 0xa5, "%s frame %d: wrote beyond PKT_MAX_HDR", fam->name, i))
			break;
	payload = pkt_payload(p, &plen);
	if (!CHECK(plen == s->payload && payload == f->buf + f->l3 + f->hdr + 8,
		   "%s frame %d: payload length %zu, expected %zu", fam->name, i, plen, s->payload))
		return;
	memcpy(res, out, hlen);
	memcpy(res + hlen, payload, plen);

	const uint8_t *oip = f->buf + f->l3, *oudp = oip + f->hdr;
	uint8_t *ip = res + l2, *udp = ip + f->hdr;
	uint16_t port = rw->port ? ntohs(rw->port) : s->dport;

	fam->group_mac(&rw->group, mac);
	CHECK(memcmp(res, mac, 6) == 0, "%s frame %d: destination MAC is not that of the group",
	      fam->name, i);
	CHECK(memcmp(res + 6, rw->src_mac, 6) == 0, "%s frame %d: source MAC", fam->name, i);
	if (rw->vlan)
		CHECK(get16(res + 12) == 0x8100 && get16(res + 14) == rw->vlan,
		      "%s frame %d: tag %#06x %#06x, expected 0x8100 and VID %u (PCP 0)",
		      fam->name, i, get16(res + 12), get16(res + 14), rw->vlan);
	CHECK(get16(res + l2 - 2) == fam->ethertype,
	      "%s frame %d: ethertype %#x (vlan %d, out %u)", fam->name, i, get16(res + l2 - 2),
	      s->vlan, rw->vlan);
	CHECK(ip[fam->ttl] == rw->ttl, "%s frame %d: TTL %u, expected %u", fam->name, i,
	      ip[fam->ttl], rw->ttl);
	CHECK(memcmp(ip + fam->dst, addr_bytes(fam, &rw->group), fam->alen) == 0,
	      "%s frame %d: destination address", fam->name, i);
	/* The source, IPv4's other fields and options, IPv6's and its extensions. */
	for (k = 0; k < f->hdr && (ip[k] == oip[k] || rewritten(fam, k)); k++)
		;
	CHECK(k == f->hdr, "%s frame %d: IP header byte %zu changed", fam->name, i, k);
	if (fam->header_csum)
		CHECK(get16(ip + 10) == ref_ip_csum(ip, f->hdr),
		      "%s frame %d: IPv4 checksum %#06x, recomputed %#06x", fam->name, i,
		      get16(ip + 10), ref_ip_csum(ip, f->hdr));
	CHECK(get16(udp) == s->sport && get16(udp + 2) == port && get16(udp + 4) == udp_len,
	      "%s frame %d: UDP ports or length (dport %u, expected %u)", fam->name, i,
	      get16(udp + 2), port);
	if (s->udp_csum)
		CHECK(get16(udp + 6) == ref_udp_csum(fam, ip, udp, udp_len),
		      "%s frame %d: UDP checksum %#06x, recomputed %#06x (was %#06x)", fam->name,
		      i, get16(udp + 6), ref_udp_csum(fam, ip, udp, udp_len), get16(oudp + 6));
	else
		CHECK(get16(udp + 6) == 0, "%s frame %d: UDP checksum %#06x, expected none",
		      fam->name, i, get16(udp + 6));
}

static void random_rewrite(uint64_t *rng, const struct family *fam, const struct pkt *p,
			   struct pkt_rewrite *rw)
{
	memset(rw, 0, sizeof(*rw));
	rw->group = unit_rand_below(rng, 8) == 0 ? p->dst : fam->random_group(rng);
	switch (unit_rand_below(rng, 8)) {
	case 0: case 1: case 2:
		rw->port = 0;
		break;
	case 3:
		rw->port = p->dport;
		break;
	default:
		rw->port = htons((uint16_t)(1 + unit_rand_below(rng, 65535)));
	}
	rw->ttl = (uint8_t)unit_rand(rng);
	if (unit_rand_below(rng, 3) == 0)
		rw->vlan = (uint16_t)(1 + unit_rand_below(rng, PKT_VID_MAX));
	addr_multicast_mac(&rw->group, rw->dst_mac);
	random_bytes(rng, rw->src_mac, 6);
}

/*
 * Puts in the UDP checksum field what transmit offload leaves there, the
 * folded pseudo-header sum, reparses f and returns the UDP header.
 */
static uint8_t *make_partial(int i, struct frame *f, struct pkt *p)
{
	uint8_t *ip = f->buf + f->l3, *udp = ip + f->hdr;
	struct pkt_tag t;

	put16(udp + 6, ref_fold(ref_pseudo_sum(f->s.fam, ip, 8 + f->s.payload)));
	if (!CHECK(pkt_parse(f->buf, f->len, meta_of(f, &t), p) == PKT_OK,
		   "%s frame %d: reparse", f->s.fam->name, i))
		return NULL;
	return udp;
}

/* Completing the partial checksum gives the real one. */
static void check_complete(int i, struct frame *f)
{
	const uint8_t *ip = f->buf + f->l3;
	size_t udp_len = 8 + f->s.payload;
	uint16_t want = ref_udp_csum(f->s.fam, ip, ip + f->hdr, udp_len);
	uint8_t *udp;
	struct pkt p;

	if (!(udp = make_partial(i, f, &p)))
		return;
	pkt_complete_udp_csum(&p);
	CHECK(get16(udp + 6) == want, "%s frame %d: completed UDP checksum %#06x, expected %#06x",
	      f->s.fam->name, i, get16(udp + 6), want);
}

/*
 * A partial checksum stays partial through a rewrite: the field must hold
 * the pseudo-header sum of the new addresses, whatever the port became.
 */
static void check_partial_rewrite(int i, struct frame *f, const struct pkt_rewrite *rw0)
{
	const struct family *fam = f->s.fam;
	struct pkt_rewrite rw = *rw0;
	uint8_t out[PKT_MAX_HDR];
	struct pkt p;

	if (!make_partial(i, f, &p))
		return;
	rw.csum_partial = true;
	pkt_rewrite_headers(&p, &rw, out);
	uint8_t *nip = out + pkt_l2_len(&rw), *nudp = nip + f->hdr;
	uint16_t want = ref_fold(ref_pseudo_sum(fam, nip, 8 + f->s.payload)), got = get16(nudp + 6);

	CHECK(got == want || (got == 0 && want == 0xffff) || (got == 0xffff && want == 0),
	      "%s frame %d: partial field %#06x, pseudo-header sum of the new header %#06x",
	      fam->name, i, got, want);
	CHECK(memcmp(nip + fam->dst, addr_bytes(fam, &rw.group), fam->alen) == 0,
	      "%s frame %d: partial: destination", fam->name, i);
	if (fam->header_csum)
		CHECK(get16(nip + 10) == ref_ip_csum(nip, f->hdr), "%s frame %d: IPv4 checksum",
		      fam->name, i);
}

/* ---- random frames, and the checksums they are unlikely to hit ---- */

static void test_random_frames(uint64_t *rng, const struct family *fam, int n)
{
	static struct frame f;
	static uint8_t copy[FRAME_MAX];
	int longer = 0, tagged = 0;

	for (int i = 0; i < n; i++) {
		struct pkt p;
		struct pkt_rewrite rw;
		struct pkt_tag t;
		enum pkt_result r, want;

		random_spec(rng, fam, &f.s);
		build(rng, &f);
		memcpy(copy, f.buf, f.len);
		r = pkt_parse(f.buf, f.len, meta_of(&f, &t), &p);
		/* Two tags (QinQ) are never relayed. */
		want = f.s.qinq ? PKT_VLAN : PKT_OK;
		if (!CHECK(r == want, "%s frame %d (%zu header bytes, qinq %d): pkt_parse says %s",
			   fam->name, i, f.hdr, f.s.qinq, pkt_result_name(r)) ||
		    r != PKT_OK)
			continue;
		longer += f.hdr > fam->hdr_len;
		tagged += p.vlan != 0;
		check_parsed(i, &f, &p);
		random_rewrite(rng, fam, &p, &rw);
		check_rewrite(i, &f, &p, &rw);
		CHECK(memcmp(copy, f.buf, f.len) == 0, "%s frame %d: the input frame was changed",
		      fam->name, i);
		check_complete(i, &f);
		check_partial_rewrite(i, &f, &rw);
	}
	CHECK(longer > n / 4, "only %d random %s frames had options or extension headers", longer,
	      fam->name);
	CHECK(tagged > n / 8, "only %d random %s frames were tagged", tagged, fam->name);
}

/*
 * A new group that makes the UDP checksum zero half-way through the update
 * (a port change must still be applied), and one that makes the final
 * checksum zero (it must be sent as 0xffff).
 */
static void test_zero_checksums(uint64_t *rng, const struct family *fam)
{
	static struct frame f;
	struct pkt p;
	struct pkt_rewrite rw;
	uint8_t out[PKT_MAX_HDR];
	uint16_t check;
	struct addr g = { 0 };
	bool found = false;

	plain_frame(rng, fam, &f);
	if (!CHECK(pkt_parse(f.buf, f.len, NULL, &p) == PKT_OK, "plain %s frame refused",
		   fam->name))
		return;
	memcpy(&check, f.buf + f.l3 + f.hdr + 6, 2);
	for (long n = 0; n < 20000000 && !found; n++) {
		g = fam->random_group(rng);
		if (fam == &ipv4)
			found = csum_replace32(check, addr_v4(&p.dst), addr_v4(&g)) == 0;
		else
			found = csum_replace128(check, p.dst.b, g.b) == 0;
	}
	if (!CHECK(found, "no %s group found that zeroes the checksum", fam->name))
		return;
	memset(&rw, 0, sizeof(rw));
	rw.group = g;
	rw.ttl = 9;
	addr_multicast_mac(&g, rw.dst_mac);
	/* The group alone: the checksum computes to zero and goes out as 0xffff. */
	check_rewrite(-1, &f, &p, &rw);
	/* The group, then the port. */
	rw.port = htons(6000);
	check_rewrite(-2, &f, &p, &rw);
	/* And a frame whose checksum is 0xffff already. */
	rw.port = 0;
	rw.ttl = p.ttl;
	pkt_rewrite_headers(&p, &rw, out);
	memcpy(f.buf + f.l3, out + ETH_HDR_LEN, f.hdr + 8);
	CHECK(get16(f.buf + f.l3 + f.hdr + 6) == 0xffff, "%s: checksum %#06x, expected 0xffff",
	      fam->name, get16(f.buf + f.l3 + f.hdr + 6));
	f.s.dst = g;
	if (CHECK(pkt_parse(f.buf, f.len, NULL, &p) == PKT_OK, "%s: 0xffff frame refused",
		  fam->name)) {
		random_rewrite(rng, fam, &p, &rw);
		check_rewrite(-3, &f, &p, &rw);
		rw.group = p.dst;
		addr_multicast_mac(&rw.group, rw.dst_mac);
		rw.port = htons(1);
		check_rewrite(-4, &f, &p, &rw);
	}
}

/*
 * A datagram whose checksum computes to zero: completing the offloaded
 * checksum must give 0xffff, since 0 would mean "no checksum".
 */
static void test_complete_zero(uint64_t *rng, const struct family *fam)
{
	static struct frame f;
	uint8_t *ip, *udp;
	uint32_t sum;
	struct pkt p;

	plain_frame(rng, fam, &f);
	ip = f.buf + f.l3;
	udp = ip + f.hdr;
	/* Choose the first payload word so that the whole sum is 0xffff. */
	put16(udp + 8, 0);
	sum = ref_sum(ref_sum(ref_pseudo_sum(fam, ip, 108), udp, 6), udp + 8, 100);
	put16(udp + 8, (uint16_t)(0xffff - ref_fold(sum)));
	CHECK(ref_udp_csum(fam, ip, udp, 108) == 0xffff,
	      "%s reference: checksum should compute to 0", fam->name);
	put16(udp + 6, ref_fold(ref_pseudo_sum(fam, ip, 108)));
	if (!CHECK(pkt_parse(f.buf, f.len, NULL, &p) == PKT_OK, "%s zero-checksum frame refused",
		   fam->name))
		return;
	pkt_complete_udp_csum(&p);
	CHECK(get16(udp + 6) == 0xffff, "%s: completed checksum %#06x, expected 0xffff",
	      fam->name, get16(udp + 6));
}

/* ---- well-formed oddities and malformed frames ---- */

static void expect_tagged(const char *what, struct frame *f, size_t len,
			  const struct pkt_tag *meta, enum pkt_result want, uint16_t vid)
{
	struct pkt p;
	enum pkt_result r = pkt_parse(f->buf, len, meta, &p);

	if (CHECK(r == want, "%s, %s: pkt_parse says '%s', expected '%s'", f->s.fam->name, what,
		  pkt_result_name(r), pkt_result_name(want)) && r == PKT_OK)
		CHECK(p.vlan == vid && p.l3 == (get16(f->buf + 12) == 0x8100 ? 18u : 14u),
		      "%s, %s: VLAN %u l3 %zu, expected VLAN %u", f->s.fam->name, what, p.vlan,
		      p.l3, vid);
}

static void expect_result(const char *what, struct frame *f, size_t len, enum pkt_result want)
{
	struct pkt p;
	enum pkt_result r = pkt_parse(f->buf, len, NULL, &p);

	CHECK(r == want, "%s, %s: pkt_parse says '%s', expected '%s'", f->s.fam->name, what,
	      pkt_result_name(r), pkt_result_name(want));
}

/* Either family: cut short anywhere, the other version, other ethertypes, padding. */
static void test_malformed(uint64_t *rng, const struct family *fam)
{
	static struct frame f;
	struct pkt p;
	uint8_t *ip = f.buf + 14;
	size_t hdr = fam->hdr_len;

	plain_frame(rng, fam, &f);
	expect_result("plain frame", &f, f.len, PKT_OK);
	expect_result("empty frame", &f, 0, PKT_MALFORMED);
	expect_result("13 bytes", &f, 13, PKT_MALFORMED);
	expect_result("Ethernet header only", &f, 14, PKT_MALFORMED);
	expect_result("IP header cut short", &f, 14 + hdr - 1, PKT_MALFORMED);
	expect_result("IP header without UDP", &f, 14 + hdr, PKT_MALFORMED);
	expect_result("payload cut short", &f, f.len - 1, PKT_MALFORMED);

	ip[0] ^= 0x20;		/* 4 and 6 */
	if (fam->header_csum)
		fix_ip_csum(ip);
	expect_result("the other version under the ethertype", &f, f.len, PKT_MALFORMED);
	ip[0] ^= 0x20;
	if (fam->header_csum)
		fix_ip_csum(ip);
	expect_result("restored", &f, f.len, PKT_OK);

	put16(f.buf + 12, 0x0806);
	expect_result("ARP", &f, f.len, PKT_NOT_IP);
	put16(f.buf + 12, fam == &ipv4 ? ipv6.ethertype : ipv4.ethertype);
	expect_result("the other family's ethertype", &f, f.len, PKT_MALFORMED);
	put16(f.buf + 12, 0x88b5);
	expect_result("another ethertype", &f, f.len, PKT_NOT_IP);
	put16(f.buf + 12, fam->ethertype);

	/* Ethernet padding after the datagram is not payload. */
	memset(f.buf + f.len, 0xee, 20);
	if (CHECK(pkt_parse(f.buf, f.len + 20, NULL, &p) == PKT_OK, "%s: padded frame refused",
		  fam->name)) {
		size_t plen;

		pkt_payload(&p, &plen);
		CHECK(p.ip_len == hdr + 108 && plen == 100,
		      "%s: padded frame: ip_len %zu payload %zu", fam->name, p.ip_len, plen);
	}
}

static void test_ipv4_malformed(uint64_t *rng)
{
	static struct frame f;
	struct pkt p;
	uint8_t *ip = f.buf + 14, *udp = ip + 20;

	plain_frame(rng, &ipv4, &f);
	ip[0] = 0x44;
	fix_ip_csum(ip);
	expect_result("IHL 4", &f, f.len, PKT_MALFORMED);
	ip[0] = 0x40;
	fix_ip_csum(ip);
	expect_result("IHL 0", &f, f.len, PKT_MALFORMED);
	ip[0] = 0x4f;		/* 60 bytes of header in a 40-byte datagram */
	put16(ip + 2, 40);
	fix_ip_csum(ip);
	expect_result("IHL 15, total length 40", &f, f.len, PKT_MALFORMED);
	ip[0] = 0x45;
	put16(ip + 2, 128);
	fix_ip_csum(ip);
	expect_result("restored", &f, f.len, PKT_OK);

	put16(ip + 2, (uint16_t)(f.len - 14 + 1));
	fix_ip_csum(ip);
	expect_result("total length beyond the frame", &f, f.len, PKT_MALFORMED);
	put16(ip + 2, 19);
	fix_ip_csum(ip);
	expect_result("total length below the header", &f, f.len, PKT_MALFORMED);
	put16(ip + 2, 24);
	fix_ip_csum(ip);
	expect_result("total length without a whole UDP header", &f, f.len, PKT_MALFORMED);
	put16(ip + 2, 128);
	fix_ip_csum(ip);
	expect_result("restored", &f, f.len, PKT_OK);

	static const uint16_t bad_udp_len[] = { 107, 109, 7, 0, 65535 };

	for (size_t i = 0; i < sizeof(bad_udp_len) / sizeof(bad_udp_len[0]); i++) {
		char what[64];

		put16(udp + 4, bad_udp_len[i]);
		snprintf(what, sizeof(what), "UDP length %u in a 108-byte datagram",
			 bad_udp_len[i]);
		expect_result(what, &f, f.len, PKT_MALFORMED);
	}
	put16(udp + 4, 108);
	expect_result("restored", &f, f.len, PKT_OK);

	ip[10] ^= 0x01;
	expect_result("IPv4 checksum off by one bit", &f, f.len, PKT_BAD_IP_CSUM);
	ip[10] ^= 0x01;
	ip[1] ^= 0x10;		/* a TOS bit the checksum covers */
	expect_result("IPv4 header changed after the checksum", &f, f.len, PKT_BAD_IP_CSUM);
	ip[1] ^= 0x10;

	ip[9] = IPPROTO_TCP;
	fix_ip_csum(ip);
	expect_result("TCP", &f, f.len, PKT_NOT_UDP);
	ip[9] = IPPROTO_ICMP;
	fix_ip_csum(ip);
	expect_result("ICMP", &f, f.len, PKT_NOT_UDP);
	ip[9] = IPPROTO_UDP;
	fix_ip_csum(ip);

	static const uint16_t later[] = { 0x0001, 0x2001, 0x1000, 0x1fff, 0x3fff, 0x00b9 };

	for (size_t i = 0; i < sizeof(later) / sizeof(later[0]); i++) {
		char what[64];

		put16(ip + 6, later[i]);
		fix_ip_csum(ip);
		snprintf(what, sizeof(what), "fragment, flags and offset %#06x", later[i]);
		expect_result(what, &f, f.len, PKT_FRAGMENT);
	}

	/* A first fragment: MF set, the UDP length is that of the whole datagram. */
	put16(ip + 6, 0x2000);
	fix_ip_csum(ip);
	expect_result("first fragment claiming only itself", &f, f.len, PKT_MALFORMED);
	put16(udp + 4, 3000);
	memcpy(udp + 6, "\x12\x34", 2);
	if (CHECK(pkt_parse(f.buf, f.len, NULL, &p) == PKT_OK, "first fragment refused")) {
		size_t plen;

		CHECK(p.fragment, "first fragment not flagged");
		pkt_payload(&p, &plen);
		CHECK(plen == 100, "first fragment payload %zu, expected 100", plen);
		pkt_complete_udp_csum(&p);
		CHECK(memcmp(udp + 6, "\x12\x34", 2) == 0,
		      "the checksum of a first fragment was 'completed'");
	}
	put16(udp + 4, 108);
	put16(ip + 6, 0x4000);
	fix_ip_csum(ip);
	if (CHECK(pkt_parse(f.buf, f.len, NULL, &p) == PKT_OK, "DF frame refused"))
		CHECK(!p.fragment, "DF taken for a fragment");
}

/*
 * Tags: one 802.1Q tag, in the frame or in the ring's metadata, chooses a
 * VLAN; everything else that is tagged is PKT_VLAN, never malformed.
 */
static void test_vlan(uint64_t *rng, const struct family *fam)
{
	static struct frame f;
	struct pkt_tag meta = { .present = true, .tpid = 0x8100, .tci = 100 };

	plain_frame(rng, fam, &f);
	expect_tagged("untagged", &f, f.len, NULL, PKT_OK, 0);
	expect_tagged("untagged, no tag in the metadata", &f, f.len,
		      &(struct pkt_tag){ .present = false, .tci = 7 }, PKT_OK, 0);
	expect_tagged("metadata tag 100", &f, f.len, &meta, PKT_OK, 100);
	meta.tci = 0xe000 | 4094;
	expect_tagged("metadata tag 4094 with priority 7", &f, f.len, &meta, PKT_OK, 4094);
	meta.tpid = 0;
	expect_tagged("metadata tag, TPID not given", &f, f.len, &meta, PKT_OK, 4094);
	meta.tci = 0x2000;
	expect_tagged("metadata priority tag (VID 0)", &f, f.len, &meta, PKT_VLAN, 0);
	meta.tci = 4095;
	expect_tagged("metadata VID 4095", &f, f.len, &meta, PKT_VLAN, 0);
	meta = (struct pkt_tag){ .present = true, .tpid = 0x88a8, .tci = 100 };
	expect_tagged("metadata 802.1ad tag", &f, f.len, &meta, PKT_VLAN, 0);

	f.s.vlan = true;
	f.s.vid = 200;
	build(rng, &f);
	expect_tagged("in-frame tag 200", &f, f.len, NULL, PKT_OK, 200);
	expect_tagged("tag cut short", &f, 16, NULL, PKT_VLAN, 0);
	expect_tagged("tag without an ethertype", &f, 17, NULL, PKT_VLAN, 0);
	expect_tagged("tagged, IP header cut short", &f, 18 + fam->hdr_len - 1, NULL,
		      PKT_MALFORMED, 0);
	meta = (struct pkt_tag){ .present = true, .tpid = 0x8100, .tci = 300 };
	expect_tagged("QinQ: metadata tag, then one in the frame", &f, f.len, &meta, PKT_VLAN, 0);
	put16(f.buf + 14, 0);
	expect_tagged("in-frame priority tag", &f, f.len, NULL, PKT_VLAN, 0);
	put16(f.buf + 14, 0x0fff);
	expect_tagged("in-frame VID 4095", &f, f.len, NULL, PKT_VLAN, 0);
	put16(f.buf + 14, 200);
	put16(f.buf + 16, 0x0806);
	expect_tagged("tagged ARP", &f, f.len, NULL, PKT_NOT_IP, 0);
	put16(f.buf + 16, fam->ethertype);
	put16(f.buf + 12, 0x88a8);
	expect_tagged("one 802.1ad tag in the frame", &f, f.len, NULL, PKT_VLAN, 0);

	/* Two tags in the frame: 802.1ad outside, 802.1Q inside, and 802.1Q twice. */
	put16(f.buf + 12, 0x8100);
	memmove(f.buf + 4, f.buf, f.len);
	memmove(f.buf, f.buf + 4, 12);
	put16(f.buf + 12, 0x88a8);
	put16(f.buf + 14, 0x0064);
	expect_tagged("802.1ad + 802.1Q in the frame", &f, f.len + 4, NULL, PKT_VLAN, 0);
	put16(f.buf + 12, 0x8100);
	expect_tagged("802.1Q twice in the frame", &f, f.len + 4, NULL, PKT_VLAN, 0);
}

/* ---- IPv6 ---- */

/* The examples, by hand: each extension header, alone, and in a rewrite. */
static void test_ipv6_ext(uint64_t *rng)
{
	static struct frame f;
	static const struct {
		const char *what;
		size_t n;
		uint8_t type[MAX_EXT];
		size_t len[MAX_EXT];
		uint8_t routing_left, last;
		enum pkt_result want;
	} cases[] = {
		{ "plain UDP", 0, { 0 }, { 0 }, 0, IPPROTO_UDP, PKT_OK },
		{ "hop-by-hop", 1, { NH_HOPOPTS }, { 8 }, 0, IPPROTO_UDP, PKT_OK },
		{ "destination options", 1, { NH_DSTOPTS }, { 16 }, 0, IPPROTO_UDP, PKT_OK },
		{ "AH", 1, { NH_AH }, { 24 }, 0, IPPROTO_UDP, PKT_OK },
		{ "AH of 12 bytes", 1, { NH_AH }, { 12 }, 0, IPPROTO_UDP, PKT_OK },
		{ "routing, segments left 0", 1, { NH_ROUTING }, { 24 }, 0, IPPROTO_UDP, PKT_OK },
		{ "routing, segments left 1", 1, { NH_ROUTING }, { 24 }, 1, IPPROTO_UDP, PKT_IPV6_EXT },
		{ "hop-by-hop, routing left 3", 2, { NH_HOPOPTS, NH_ROUTING }, { 8, 24 }, 3,
		  IPPROTO_UDP, PKT_IPV6_EXT },
		{ "hop-by-hop, dstopts, routing, AH, dstopts", 5,
		  { NH_HOPOPTS, NH_DSTOPTS, NH_ROUTING, NH_AH, NH_DSTOPTS }, { 8, 8, 24, 16, 8 },
		  0, IPPROTO_UDP, PKT_OK },
		{ "8 headers", 8, { NH_HOPOPTS, NH_DSTOPTS, NH_DSTOPTS, NH_DSTOPTS, NH_DSTOPTS,
				    NH_DSTOPTS, NH_DSTOPTS, NH_DSTOPTS }, { 8, 8, 8, 8, 8, 8, 8, 8 },
		  0, IPPROTO_UDP, PKT_OK },
		{ "9 headers", 9, { NH_HOPOPTS, NH_DSTOPTS, NH_DSTOPTS, NH_DSTOPTS, NH_DSTOPTS,
				    NH_DSTOPTS, NH_DSTOPTS, NH_DSTOPTS, NH_DSTOPTS },
		  { 8, 8, 8, 8, 8, 8, 8, 8, 8 }, 0, IPPROTO_UDP, PKT_IPV6_EXT },
		{ "80 bytes of headers", 2, { NH_HOPOPTS, NH_DSTOPTS }, { 40, 40 }, 0, IPPROTO_UDP,
		  PKT_OK },
		{ "88 bytes of headers", 2, { NH_HOPOPTS, NH_DSTOPTS }, { 40, 48 }, 0, IPPROTO_UDP,
		  PKT_IPV6_EXT },
		{ "one header of 2 KB (the longest)", 1, { NH_DSTOPTS }, { 8 * 256 }, 0, IPPROTO_UDP, PKT_IPV6_EXT },
		{ "atomic fragment header", 1, { NH_FRAGMENT }, { 8 }, 0, IPPROTO_UDP, PKT_OK },
		{ "hop-by-hop, atomic fragment", 2, { NH_HOPOPTS, NH_FRAGMENT }, { 8, 8 }, 0,
		  IPPROTO_UDP, PKT_OK },
		{ "two fragment headers", 2, { NH_FRAGMENT, NH_FRAGMENT }, { 8, 8 }, 0, IPPROTO_UDP,
		  PKT_IPV6_EXT },
		{ "ICMPv6", 0, { 0 }, { 0 }, 0, NH_ICMPV6, PKT_NOT_UDP },
		{ "hop-by-hop, ICMPv6 (MLD)", 1, { NH_HOPOPTS }, { 8 }, 0, NH_ICMPV6, PKT_NOT_UDP },
		{ "no next header", 0, { 0 }, { 0 }, 0, NH_NONE, PKT_NOT_UDP },
		{ "dstopts, no next header", 1, { NH_DSTOPTS }, { 8 }, 0, NH_NONE, PKT_NOT_UDP },
		{ "ESP", 0, { 0 }, { 0 }, 0, NH_ESP, PKT_NOT_UDP },
		{ "TCP", 0, { 0 }, { 0 }, 0, IPPROTO_TCP, PKT_NOT_UDP },
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct pkt p;
		enum pkt_result r;

		plain_frame(rng, &ipv6, &f);
		f.s.n_ext = cases[c].n;
		memcpy(f.s.ext_type, cases[c].type, sizeof(f.s.ext_type));
		memcpy(f.s.ext_len, cases[c].len, sizeof(f.s.ext_len));
		f.s.routing_left = cases[c].routing_left;
		f.s.proto = cases[c].last;
		build(rng, &f);
		r = pkt_parse(f.buf, f.len, NULL, &p);
		if (!CHECK(r == cases[c].want, "%s: pkt_parse says '%s', expected '%s'",
			   cases[c].what, pkt_result_name(r), pkt_result_name(cases[c].want)) ||
		    r != PKT_OK)
			continue;
		check_parsed((int)c, &f, &p);
		/* Group, port and hop limit, each alone and together. */
		for (int k = 0; k < 4; k++) {
			struct pkt_rewrite rw = { .ttl = p.ttl, .group = p.dst };

			if (k & 1)
				rw.group = unit_v6("ff3e::4321");
			if (k & 2)
				rw.port = htons(6000);
			if (k == 0)
				rw.ttl = 1;
			addr_multicast_mac(&rw.group, rw.dst_mac);
			check_rewrite(100 * (int)c + k, &f, &p, &rw);
			check_partial_rewrite(100 * (int)c + k, &f, &rw);
			build(rng, &f);	/* restores the complete checksum */
			pkt_parse(f.buf, f.len, NULL, &p);
		}
		check_complete((int)c, &f);
	}
}

/*
 * IPv6 fragments: a first fragment is parsed to UDP and marked; a later one
 * ends at its fragment header, keyed by the header's 32-bit ID, and its
 * rewrite changes the destination and hop limit only, fragment header and
 * payload untouched.
 */
static void test_ipv6_fragments(uint64_t *rng)
{
	static struct frame f;
	struct pkt p;
	enum pkt_result r;
	uint8_t *fh, out[PKT_MAX_HDR];

	plain_frame(rng, &ipv6, &f);
	f.s.n_ext = 2;
	f.s.ext_type[0] = NH_HOPOPTS;
	f.s.ext_len[0] = 8;
	f.s.ext_type[1] = NH_FRAGMENT;
	f.s.ext_len[1] = 8;
	build(rng, &f);
	fh = f.buf + f.l3 + 40 + 8;
	put16(fh + 4, 0xdead);
	put16(fh + 6, 0xbeef);

	r = pkt_parse(f.buf, f.len, NULL, &p);
	CHECK(r == PKT_OK && !p.fragment && p.has_udp && p.ip_id == 0xdeadbeef &&
	      p.ihl == 56, "atomic fragment: '%s', fragment %d, id %#x, ihl %zu",
	      pkt_result_name(r), p.fragment, p.ip_id, p.ihl);

	/* The first of several: UDP's length is the whole datagram's. */
	put16(fh + 2, 1);
	put16(f.buf + f.l3 + 56 + 4, (uint16_t)(8 + f.s.payload + 1000));
	r = pkt_parse(f.buf, f.len, NULL, &p);
	CHECK(r == PKT_OK && p.fragment && p.has_udp && p.dport == htons(5000) &&
	      p.ip_id == 0xdeadbeef, "first fragment: '%s', fragment %d, port %u",
	      pkt_result_name(r), p.fragment, ntohs(p.dport));
	put16(f.buf + f.l3 + 56 + 4, (uint16_t)(8 + f.s.payload));
	r = pkt_parse(f.buf, f.len, NULL, &p);
	CHECK(r == PKT_MALFORMED, "first fragment holding all of its UDP length: '%s'",
	      pkt_result_name(r));

	/* A later one: offset 1480 (185 units), more to come. */
	put16(fh + 2, (uint16_t)(185 << 3 | 1));
	r = pkt_parse(f.buf, f.len, NULL, &p);
	if (CHECK(r == PKT_FRAGMENT && !p.has_udp && p.ihl == 56 && p.ip_id == 0xdeadbeef &&
		  addr_eq(&p.dst, &f.s.dst), "later fragment: '%s', udp %d, ihl %zu, id %#x",
		  pkt_result_name(r), p.has_udp, p.ihl, p.ip_id)) {
		struct pkt_rewrite rw = { .group = unit_v6("ff3e::4321"), .ttl = 9 };
		size_t n = pkt_rewrite_headers(&p, &rw, out), plen;
		const uint8_t *payload = pkt_payload(&p, &plen);

		CHECK(n == ETH_HDR_LEN + 56, "later fragment: %zu header bytes", n);
		CHECK(out[ETH_HDR_LEN + 7] == 9 &&
		      memcmp(out + ETH_HDR_LEN + 24, rw.group.b, 16) == 0 &&
		      memcmp(out + ETH_HDR_LEN + 40, f.buf + f.l3 + 40, 16) == 0,
		      "later fragment: hop limit, destination or extension headers wrong");
		CHECK(payload == f.buf + f.l3 + 56 && plen == f.len - f.l3 - 56,
		      "later fragment: payload at %td, %zu bytes", payload - f.buf, plen);
	}

	/* A later fragment's headers must fit the rewrite buffer like any. */
	plain_frame(rng, &ipv6, &f);
	f.s.n_ext = 2;
	f.s.ext_type[0] = NH_DSTOPTS;
	f.s.ext_len[0] = 80;
	f.s.ext_type[1] = NH_FRAGMENT;
	f.s.ext_len[1] = 8;
	build(rng, &f);
	put16(f.buf + f.l3 + 40 + 80 + 2, 185 << 3);
	r = pkt_parse(f.buf, f.len, NULL, &p);
	CHECK(r == PKT_IPV6_EXT, "88 bytes of headers before a later fragment: '%s'",
	      pkt_result_name(r));
}

/* Truncated and inconsistent IPv6 frames, and tagged ones rewritten. */
static void test_ipv6_malformed(uint64_t *rng)
{
	static struct frame f;
	struct pkt p;
	struct pkt_tag t;
	uint8_t *ip = f.buf + 14;

	plain_frame(rng, &ipv6, &f);
	put16(ip + 4, 0);
	expect_result("payload length 0 (a jumbogram)", &f, f.len, PKT_MALFORMED);
	put16(ip + 4, 4);
	expect_result("payload length 4: half a UDP header", &f, f.len, PKT_MALFORMED);
	put16(ip + 4, 107);
	expect_result("payload length below the UDP length", &f, f.len, PKT_MALFORMED);
	put16(ip + 4, 109);
	expect_result("payload length beyond the frame", &f, f.len, PKT_MALFORMED);
	put16(ip + 4, 108);
	expect_result("restored", &f, f.len, PKT_OK);
	put16(ip + 40 + 4, 7);
	expect_result("UDP length 7", &f, f.len, PKT_MALFORMED);
	put16(ip + 40 + 4, 109);
	expect_result("UDP length beyond the payload", &f, f.len, PKT_MALFORMED);
	put16(ip + 40 + 4, 108);

	/*
	 * IPv4-mapped addresses (::ffff:a.b.c.d) are how IPv4 ones are held: as
	 * destination or source they would match IPv4 rules.  Malformed, also in
	 * a later fragment; other addresses that embed IPv4 ones are IPv6.
	 */
	static const struct {
		const char *src, *dst;
		enum pkt_result want;
	} mapped[] = {
		{ "2001:db8::1", "::ffff:239.1.1.1", PKT_MALFORMED },
		{ "::ffff:10.1.0.1", "ff3e::1234", PKT_MALFORMED },
		{ "::ffff:10.1.0.1", "::ffff:239.1.1.1", PKT_MALFORMED },
		{ "::ffff:0.0.0.0", "ff3e::1234", PKT_MALFORMED },
		{ "2001:db8::1", "::239.1.1.1", PKT_OK },		/* IPv4-compatible (deprecated) */
		{ "2001:db8::1", "::ffff:0:239.1.1.1", PKT_OK },	/* IPv4-translated */
		{ "64:ff9b::a01:1", "ff3e::1234", PKT_OK },		/* NAT64 */
	};
	for (size_t i = 0; i < sizeof(mapped) / sizeof(mapped[0]); i++) {
		char what[96];

		f.s.src = unit_v6(mapped[i].src);
		f.s.dst = unit_v6(mapped[i].dst);
		build(rng, &f);
		snprintf(what, sizeof(what), "from %s to %s", mapped[i].src, mapped[i].dst);
		expect_result(what, &f, f.len, mapped[i].want);
		if (mapped[i].want == PKT_OK)
			continue;
		/* A later fragment: no UDP header to reach, dropped all the same. */
		f.s.n_ext = 1;
		f.s.ext_type[0] = NH_FRAGMENT;
		f.s.ext_len[0] = 8;
		build(rng, &f);
		put16(f.buf + 14 + 40 + 2, 185 << 3);
		snprintf(what, sizeof(what), "a later fragment from %s to %s", mapped[i].src,
			 mapped[i].dst);
		expect_result(what, &f, f.len, PKT_MALFORMED);
		f.s.n_ext = 0;
	}

	/* An extension header that runs past the payload. */
	plain_frame(rng, &ipv6, &f);
	f.s.n_ext = 1;
	f.s.ext_type[0] = NH_HOPOPTS;
	f.s.ext_len[0] = 8;
	build(rng, &f);
	ip[41] = 20;	/* 168 bytes: beyond the 116 of payload */
	expect_result("hop-by-hop header beyond the payload", &f, f.len, PKT_IPV6_EXT);
	ip[41] = 0;
	put16(ip + 4, 4);
	expect_result("hop-by-hop header cut by the payload length", &f, f.len, PKT_IPV6_EXT);
	put16(ip + 4, 12);
	expect_result("UDP header cut by the payload length", &f, f.len, PKT_MALFORMED);
	put16(ip + 4, 0);
	expect_result("hop-by-hop header, payload length 0 (a jumbogram)", &f, f.len, PKT_MALFORMED);
	put16(ip + 4, 116);
	expect_result("restored", &f, f.len, PKT_OK);
	expect_result("frame cut in the hop-by-hop header", &f, 14 + 44, PKT_MALFORMED);

	/* Tagged, in the frame or the metadata, parsed and rewritten (test_vlan: the rest). */
	f.s.n_ext = 0;
	f.s.vlan = true;
	f.s.vid = 300;
	build(rng, &f);
	if (CHECK(pkt_parse(f.buf, f.len, NULL, &p) == PKT_OK, "tagged IPv6 frame refused"))
		check_parsed(-1, &f, &p);
	f.s.n_ext = 1;
	build(rng, &f);
	if (CHECK(pkt_parse(f.buf, f.len, NULL, &p) == PKT_OK, "tagged IPv6 frame refused")) {
		struct pkt_rewrite rw = { .group = unit_v6("ff05::2"), .port = htons(1), .ttl = 3,
					  .vlan = 4094 };

		check_parsed(-2, &f, &p);
		addr_multicast_mac(&rw.group, rw.dst_mac);
		check_rewrite(-2, &f, &p, &rw);
	}
	f.s.vlan = false;
	f.s.meta_tag = true;
	f.s.vid = 4094;
	build(rng, &f);
	if (CHECK(pkt_parse(f.buf, f.len, meta_of(&f, &t), &p) == PKT_OK,
		  "IPv6 frame with a metadata tag refused")) {
		struct pkt_rewrite rw = { .group = p.dst, .ttl = 3 };

		check_parsed(-3, &f, &p);
		addr_multicast_mac(&rw.group, rw.dst_mac);
		check_rewrite(-3, &f, &p, &rw);
	}
}

/* ---- checksum helpers ---- */

static void test_csum(uint64_t *rng)
{
	uint8_t buf[80], orig[80];
	uint16_t check, now;
	uint32_t old32, new32;

	/* csum_add at any alignment and length against the reference. */
	for (int i = 0; i < 2000; i++) {
		size_t off = unit_rand_below(rng, 8), len = unit_rand_below(rng, 70);
		uint16_t got, want;

		random_bytes(rng, buf, sizeof(buf));
		got = (uint16_t)~csum_fold(csum_add(0, buf + off, len));
		want = (uint16_t)~ref_fold(ref_sum(0, buf + off, len));
		CHECK(get16((const uint8_t *)&got) == want,
		      "csum_add of %zu bytes at offset %zu: %#06x, expected %#06x", len, off,
		      get16((const uint8_t *)&got), want);
	}
	/* csum_ipv4_header over a header with a correct checksum is zero. */
	for (int i = 0; i < 200; i++) {
		size_t ihl = 4 * (5 + unit_rand_below(rng, 11));

		random_bytes(rng, buf, ihl);
		put16(buf + 10, ref_ip_csum(buf, ihl));
		CHECK(csum_ipv4_header(buf, ihl) == 0, "csum_ipv4_header of a good header");
		buf[unit_rand_below(rng, (uint32_t)ihl)] ^= 0x80;
		CHECK(csum_ipv4_header(buf, ihl) != 0, "csum_ipv4_header of a damaged header");
	}
	/* Incremental updates against a full recompute. */
	for (int i = 0; i < 20000; i++) {
		size_t len = 8 + 2 * unit_rand_below(rng, 32);
		size_t at = 2 * unit_rand_below(rng, (uint32_t)(len / 2 - 1));
		uint16_t old16, new16;

		random_bytes(rng, buf, len);
		memcpy(orig, buf, len);
		put16((uint8_t *)&check, ref_csum(buf, len));

		memcpy(&old16, buf + at, 2);
		new16 = (uint16_t)unit_rand(rng);
		if (i % 16 == 0)
			new16 = (uint16_t)~old16;
		memcpy(buf + at, &new16, 2);
		now = csum_replace16(check, old16, new16);
		CHECK(get16((const uint8_t *)&now) == ref_csum(buf, len),
		      "csum_replace16 at %zu of %zu bytes: %#06x, expected %#06x", at, len,
		      get16((const uint8_t *)&now), ref_csum(buf, len));

		memcpy(buf, orig, len);
		memcpy(&old32, buf + at, 4);
		new32 = (uint32_t)unit_rand(rng);
		memcpy(buf + at, &new32, 4);
		now = csum_replace32(check, old32, new32);
		CHECK(get16((const uint8_t *)&now) == ref_csum(buf, len),
		      "csum_replace32 at %zu of %zu bytes: %#06x, expected %#06x", at, len,
		      get16((const uint8_t *)&now), ref_csum(buf, len));
	}
}

/* csum_replace128 against a full recompute, the field anywhere, any content. */
static void test_csum128(uint64_t *rng)
{
	uint8_t buf[96];
	uint16_t check, now;

	for (int i = 0; i < 20000; i++) {
		size_t len = 16 + 2 * unit_rand_below(rng, 40);
		size_t at = 2 * unit_rand_below(rng, (uint32_t)((len - 16) / 2 + 1));
		uint8_t old[16], new[16];

		random_bytes(rng, buf, len);
		switch (i % 8) {
		case 0: memset(buf + at, 0, 16); break;		/* from :: */
		case 1: memset(buf + at, 0xff, 16); break;
		default: break;
		}
		memcpy(old, buf + at, 16);
		random_bytes(rng, new, 16);
		switch (i % 16) {
		case 2: memcpy(new, old, 16); break;		/* no change */
		case 3: memset(new, 0, 16); break;		/* to :: */
		case 4: for (int k = 0; k < 16; k++) new[k] = (uint8_t)~old[k]; break;
		case 5: memset(new, 0xff, 16); break;
		default: break;
		}
		put16((uint8_t *)&check, ref_csum(buf, len));
		memcpy(buf + at, new, 16);
		now = csum_replace128(check, old, new);
		/* 0 and 0xffff are the same sum; the incremental form may give either. */
		uint16_t got = get16((const uint8_t *)&now), want = ref_csum(buf, len);

		CHECK(got == want || (got == 0xffff && want == 0) || (got == 0 && want == 0xffff),
		      "csum_replace128 at %zu of %zu bytes: %#06x, expected %#06x", at, len, got,
		      want);
	}
}

/* ---- the small helpers ---- */

static void test_ttl(void)
{
	static const struct {
		enum pkt_ttl_mode mode;
		uint8_t value, ttl;
		int want;
	} cases[] = {
		{ PKT_TTL_DECREMENT, 0, 2, 1 },
		{ PKT_TTL_DECREMENT, 0, 1, -1 },
		{ PKT_TTL_DECREMENT, 0, 0, -1 },
		{ PKT_TTL_DECREMENT, 7, 64, 63 },
		{ PKT_TTL_DECREMENT, 0, 255, 254 },
		{ PKT_TTL_KEEP, 0, 1, 1 },
		{ PKT_TTL_KEEP, 9, 64, 64 },
		{ PKT_TTL_KEEP, 0, 255, 255 },
		/* keep never sends a TTL of 0: that packet is dropped (ttl_expired) */
		{ PKT_TTL_KEEP, 0, 0, -1 },
		{ PKT_TTL_KEEP, 9, 0, -1 },
		{ PKT_TTL_SET, 16, 1, 16 },
		{ PKT_TTL_SET, 16, 200, 16 },
		{ PKT_TTL_SET, 255, 0, 255 },
		{ PKT_TTL_SET, 1, 64, 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = pkt_ttl_apply(cases[i].mode, cases[i].value, cases[i].ttl);

		CHECK(got == cases[i].want, "pkt_ttl_apply(mode %d, value %u, ttl %u) = %d, expected %d",
		      cases[i].mode, cases[i].value, cases[i].ttl, got, cases[i].want);
	}
}

/* An address of either family from its text, by inet_pton; a typo aborts. */
static struct addr text_addr(const char *s)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) == 1)
		return unit_v4h(ntohl(in.s_addr));
	return unit_v6(s);
}

/* Both families' multicast MACs. */
static void test_mac(void)
{
	static const struct {
		const char *group;
		uint8_t mac[6];
	} cases[] = {
		{ "224.0.0.1", { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 } },
		{ "239.1.2.3", { 0x01, 0x00, 0x5e, 0x01, 0x02, 0x03 } },
		{ "239.129.2.3", { 0x01, 0x00, 0x5e, 0x01, 0x02, 0x03 } }, /* bit 23 dropped */
		{ "239.255.255.255", { 0x01, 0x00, 0x5e, 0x7f, 0xff, 0xff } },
		{ "ff02::1", { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 } },
		{ "ff3e::1234:5678", { 0x33, 0x33, 0x12, 0x34, 0x56, 0x78 } },
		{ "ff05::1:3", { 0x33, 0x33, 0x00, 0x01, 0x00, 0x03 } },
		{ "ff02::1:ff00:1", { 0x33, 0x33, 0xff, 0x00, 0x00, 0x01 } },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", { 0x33, 0x33, 0xff, 0xff, 0xff, 0xfe } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct addr g = text_addr(cases[i].group);
		uint8_t mac[6];

		addr_multicast_mac(&g, mac);
		CHECK(memcmp(mac, cases[i].mac, 6) == 0,
		      "addr_multicast_mac(%s) = %02x:%02x:%02x:%02x:%02x:%02x", cases[i].group,
		      mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	}
}

static void test_result_names(void)
{
	for (int r = PKT_OK; r <= PKT_VLAN; r++)
		for (int s = PKT_OK; s < r; s++)
			CHECK(strcmp(pkt_result_name(r), pkt_result_name(s)) != 0,
			      "results %d and %d have the same name", r, s);
	for (int r = PKT_OK; r <= PKT_VLAN; r++)
		CHECK(strcmp(pkt_result_name(r), "?") != 0, "result %d has no name", r);
}

/* ---- the address helpers (addr.c) ---- */

static void test_addr(uint64_t *rng)
{
	static const struct {
		const char *text;
		int family;	/* AF_UNSPEC: refused */
		const char *formatted;	/* NULL: the text itself */
	} parse[] = {
		{ "239.1.1.1", AF_INET, NULL },
		{ "10.0.0.1", AF_INET, NULL },
		{ "0.0.0.0", AF_INET, NULL },	/* parsed, and neither unicast nor a group */
		{ "ff3e::1234", AF_INET6, NULL },
		{ "FF3E:0:0::1234", AF_INET6, "ff3e::1234" },
		{ "ff02:0000:0000:0000:0000:0000:0000:0001", AF_INET6, "ff02::1" },
		{ "2001:db8::1", AF_INET6, NULL },
		{ "::1", AF_INET6, NULL },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AF_INET6, NULL },
		{ "::ffff:239.1.1.1", AF_UNSPEC, NULL },	/* mapped: would read as IPv4 */
		{ "::ffff:10.0.0.1", AF_UNSPEC, NULL },
		{ "0:0:0:0:0:ffff:ef01:101", AF_UNSPEC, NULL },
		{ "::", AF_UNSPEC, NULL },
		{ "0::0", AF_UNSPEC, NULL },
		{ "", AF_UNSPEC, NULL },
		{ "239.1.1", AF_UNSPEC, NULL },
		{ "239.1.1.1.1", AF_UNSPEC, NULL },
		{ " 239.1.1.1", AF_UNSPEC, NULL },
		{ "[ff3e::1]", AF_UNSPEC, NULL },
		{ "ff3e::1%eth0", AF_UNSPEC, NULL },
		{ "ff3e::1/64", AF_UNSPEC, NULL },
		{ "ff3e:::1", AF_UNSPEC, NULL },
		{ "ff3e::1::2", AF_UNSPEC, NULL },
		{ "ff3e::12345", AF_UNSPEC, NULL },
		{ "*", AF_UNSPEC, NULL },
	};
	char buf[ADDR_STRLEN];

	for (size_t i = 0; i < sizeof(parse) / sizeof(parse[0]); i++) {
		struct addr a;
		int rc = addr_parse(parse[i].text, &a);

		if (parse[i].family == AF_UNSPEC) {
			CHECK(rc == -1, "addr_parse('%s') accepted (%s)", parse[i].text,
			      unit_addr_str(&a));
			continue;
		}
		if (!CHECK(rc == 0, "addr_parse('%s') refused", parse[i].text))
			continue;
		const char *want = parse[i].formatted ? parse[i].formatted : parse[i].text;
		struct addr ref = text_addr(parse[i].text);

		CHECK(addr_eq(&a, &ref) && addr_family(&a) == parse[i].family &&
		      addr_is_v4(&a) == (parse[i].family == AF_INET) && addr_is_set(&a),
		      "addr_parse('%s'): %s, family %d", parse[i].text, unit_addr_str(&a),
		      addr_family(&a));
		CHECK(strcmp(addr_format(&a, buf, sizeof(buf)), want) == 0,
		      "addr_format of '%s': '%s', expected '%s'", parse[i].text, buf, want);
	}

	/* Formatting: unset, ports, brackets, the longest text. */
	static const struct {
		struct addr a;
		uint16_t port;
		const char *want;
	} fmt[] = {
		{ { { 0 } }, 0, "*" },
		{ { { [10] = 0xff, [11] = 0xff, 239, 1, 2, 3 } }, 0, "239.1.2.3" },
		{ { { [10] = 0xff, [11] = 0xff, 239, 1, 2, 3 } }, 5000, "239.1.2.3:5000" },
		{ { { [10] = 0xff, [11] = 0xff, 255, 255, 255, 255 } }, 65535, "255.255.255.255:65535" },
		{ { { 0xff, 0x3e, [14] = 0x12, [15] = 0x34 } }, 0, "ff3e::1234" },
		{ { { 0xff, 0x3e, [14] = 0x12, [15] = 0x34 } }, 6000, "[ff3e::1234]:6000" },
		{ { { 0xff, 0x02, [15] = 1 } }, 1, "[ff02::1]:1" },
		{ { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		      0xff, 0xff, 0xff } }, 65535,
		  "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535" },
	};

	for (size_t i = 0; i < sizeof(fmt) / sizeof(fmt[0]); i++) {
		memset(buf, 'x', sizeof(buf));
		addr_format_port(&fmt[i].a, fmt[i].port, buf, sizeof(buf));
		CHECK(strcmp(buf, fmt[i].want) == 0, "addr_format_port(%s, %u) = '%s', expected '%s'",
		      unit_addr_str(&fmt[i].a), fmt[i].port, buf, fmt[i].want);
	}
	/* A short buffer is cut, and still terminated. */
	{
		char small[8];
		struct addr g = unit_v6("ff3e::1234");

		memset(small, 'x', sizeof(small));
		addr_format_port(&g, 6000, small, sizeof(small));
		CHECK(memchr(small, '\0', sizeof(small)) != NULL && strncmp(small, "[ff3e::", 7) == 0,
		      "addr_format_port into 8 bytes: '%.8s'", small);
	}

	/* Round trips of random addresses, through text both ways. */
	for (int i = 0; i < 2000; i++) {
		struct addr a, b;

		random_bytes(rng, a.b, 16);
		if (i % 2)
			a = unit_v4h((uint32_t)unit_rand(rng));
		else if (i % 4 == 0)
			memset(a.b + 2, 0, 2 + unit_rand_below(rng, 10));	/* runs of zeros */
		if (!addr_is_v4(&a) && a.b[0] == 0 && a.b[1] == 0)
			a.b[1] = 1;	/* not ::ffff:... or :: by chance */
		addr_format(&a, buf, sizeof(buf));
		CHECK(addr_parse(buf, &b) == 0 && addr_eq(&a, &b),
		      "round trip of %s through '%s' gave %s", unit_addr_str(&a), buf,
		      unit_addr_str(&b));
		CHECK(strcmp(buf, unit_addr_str(&a)) == 0, "addr_format '%s', inet_ntop '%s'", buf,
		      unit_addr_str(&a));
	}

	/* Classification. */
	static const struct {
		const char *text;
		bool multicast, unicast, link_local;
	} cls[] = {
		{ "224.0.0.0", true, false, true },
		{ "224.0.0.1", true, false, true },
		{ "224.0.0.255", true, false, true },
		{ "224.0.1.0", true, false, false },
		{ "224.1.0.1", true, false, false },
		{ "239.255.255.255", true, false, false },
		{ "223.255.255.255", false, true, false },
		{ "240.0.0.0", false, true, false },
		{ "10.0.0.1", false, true, false },
		{ "0.0.0.0", false, false, false },
		{ "255.255.255.255", false, false, false },
		{ "ff02::1", true, false, true },
		{ "ff02::1:ff00:1", true, false, true },
		{ "ff12::1", true, false, true },	/* transient, link-local scope */
		{ "ff32::1", true, false, true },
		{ "ff01::1", true, false, true },	/* interface-local */
		{ "ff11::1", true, false, true },
		{ "ff03::1", true, false, false },
		{ "ff05::1:3", true, false, false },
		{ "ff0e::1", true, false, false },
		{ "ff3e::1234", true, false, false },
		{ "ff3e::2", true, false, false },
		{ "fe80::1", false, true, false },
		{ "2001:db8::1", false, true, false },
		{ "::1", false, true, false },
	};

	for (size_t i = 0; i < sizeof(cls) / sizeof(cls[0]); i++) {
		struct addr a;

		if (!CHECK(addr_parse(cls[i].text, &a) == 0, "addr_parse('%s')", cls[i].text))
			continue;
		CHECK(addr_is_multicast(&a) == cls[i].multicast &&
		      addr_is_unicast(&a) == cls[i].unicast &&
		      (!cls[i].multicast || addr_is_link_local_group(&a) == cls[i].link_local),
		      "%s: multicast %d unicast %d link-local %d, expected %d %d %d", cls[i].text,
		      addr_is_multicast(&a), addr_is_unicast(&a), addr_is_link_local_group(&a),
		      cls[i].multicast, cls[i].unicast, cls[i].link_local);
	}
	{
		const struct addr unset = { 0 };

		CHECK(!addr_is_set(&unset) && addr_family(&unset) == AF_UNSPEC &&
		      !addr_is_multicast(&unset) && !addr_is_unicast(&unset) && !addr_is_v4(&unset),
		      "the unset address is classified as something");
	}

	/* Order and equality: the byte order, both families, IPv4 before ff00::/8. */
	{
		struct addr v4 = unit_v4(239, 1, 1, 1), v4b = unit_v4(239, 1, 1, 2);
		struct addr v6 = unit_v6("ff3e::ef01:101"), v6b = unit_v6("ff3e::ef01:102");

		CHECK(addr_cmp(&v4, &v4b) < 0 && addr_cmp(&v4b, &v4) > 0 && addr_cmp(&v4, &v4) == 0 &&
		      addr_cmp(&v6, &v6b) < 0 && addr_cmp(&v4b, &v6) < 0 && !addr_eq(&v4, &v6) &&
		      addr_eq(&v6, &v6) && addr_v4(&v4) == htonl(0xef010101),
		      "addr_cmp/addr_eq/addr_v4");
		struct addr from4 = addr_from_v4(htonl(0xef010101)), from6 = addr_from_v6(v6.b);

		CHECK(addr_eq(&from4, &v4) && addr_eq(&from6, &v6), "addr_from_v4/addr_from_v6");
	}
}

int main(void)
{
	uint64_t rng = unit_seed(0x6d6372656c6179ULL);

	unit_deadline(120);

	test_random_frames(&rng, &ipv4, N_FRAMES4);
	test_zero_checksums(&rng, &ipv4);
	test_complete_zero(&rng, &ipv4);
	test_malformed(&rng, &ipv4);
	test_ipv4_malformed(&rng);
	test_vlan(&rng, &ipv4);
	test_random_frames(&rng, &ipv6, N_FRAMES6);
	test_zero_checksums(&rng, &ipv6);
	test_complete_zero(&rng, &ipv6);
	test_malformed(&rng, &ipv6);
	test_ipv6_malformed(&rng);
	test_vlan(&rng, &ipv6);
	test_ipv6_ext(&rng);
	test_ipv6_fragments(&rng);
	test_csum(&rng);
	test_csum128(&rng);
	test_ttl();
	test_mac();
	test_result_names();
	test_addr(&rng);
	return unit_summary("test_packet");
}
