/*
 * Unit tests for packet parsing and header rewriting, checked against a
 * plain reference implementation of the Internet checksum written here
 * (big-endian 16-bit words, no tricks), never against csum.c itself.
 */
#include "config.h"

#include "csum.h"
#include "packet.h"
#include "unit.h"

#include <arpa/inet.h>
#include <string.h>

#define N_FRAMES 20000
#define MAX_PAYLOAD 1472
#define MAX_PAD 24
#define FRAME_MAX (18 + 60 + 8 + MAX_PAYLOAD + MAX_PAD)

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

/* The one's complement sum of the UDP pseudo-header, not complemented. */
static uint32_t ref_pseudo_sum(const uint8_t *ip, size_t udp_len)
{
	uint32_t sum = ref_sum(0, ip + 12, 8);

	return sum + IPPROTO_UDP + (uint32_t)udp_len;
}

/* The UDP checksum of a complete datagram, with 0 sent as 0xffff. */
static uint16_t ref_udp_csum(const uint8_t *ip, const uint8_t *udp, size_t udp_len)
{
	uint32_t sum = ref_pseudo_sum(ip, udp_len);
	uint16_t c;

	sum = ref_sum(sum, udp, 6);
	sum = ref_sum(sum, udp + 8, udp_len - 8);
	c = (uint16_t)~ref_fold(sum);
	return c ? c : 0xffff;
}

/* ---- frames ---- */

struct spec {
	bool vlan;		/* an 802.1Q tag in the frame */
	bool meta_tag;		/* an 802.1Q tag the ring reports (not in the frame) */
	uint16_t vid;		/* of either */
	size_t ihl;		/* bytes */
	size_t payload;		/* UDP payload bytes */
	size_t pad;		/* Ethernet padding after the IPv4 datagram */
	uint8_t ttl, proto;
	uint16_t frag;		/* flags and fragment offset */
	uint32_t src, dst;	/* host order */
	uint16_t sport, dport;
	bool udp_csum;		/* false: sent without a UDP checksum */
};

struct frame {
	uint8_t buf[FRAME_MAX];
	size_t len, l3;
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

/* Builds f from f->s; the MACs, TOS, id, options and payload are random. */
static void build(uint64_t *rng, struct frame *f)
{
	const struct spec *s = &f->s;
	uint8_t *p = f->buf, *ip, *udp;
	size_t ip_len = s->ihl + 8 + s->payload;

	random_bytes(rng, p, 12);
	p[0] &= 0xfe;		/* a unicast source does not matter, but be tidy */
	if (s->vlan) {
		put16(p + 12, 0x8100);
		/* Priority and DEI bits are random: only the VID chooses. */
		put16(p + 14, (uint16_t)((unit_rand(rng) & 0xf000) | s->vid));
		put16(p + 16, 0x0800);
		f->l3 = 18;
	} else {
		put16(p + 12, 0x0800);
		f->l3 = 14;
	}
	ip = p + f->l3;
	ip[0] = (uint8_t)(0x40 | s->ihl / 4);
	ip[1] = (uint8_t)unit_rand(rng);
	put16(ip + 2, (uint16_t)ip_len);
	put16(ip + 4, (uint16_t)unit_rand(rng));
	put16(ip + 6, s->frag);
	ip[8] = s->ttl;
	ip[9] = s->proto;
	put16(ip + 10, 0);
	put16(ip + 12, (uint16_t)(s->src >> 16));
	put16(ip + 14, (uint16_t)s->src);
	put16(ip + 16, (uint16_t)(s->dst >> 16));
	put16(ip + 18, (uint16_t)s->dst);
	random_bytes(rng, ip + 20, s->ihl - 20);
	put16(ip + 10, ref_ip_csum(ip, s->ihl));

	udp = ip + s->ihl;
	put16(udp, s->sport);
	put16(udp + 2, s->dport);
	put16(udp + 4, (uint16_t)(8 + s->payload));
	put16(udp + 6, 0);
	random_bytes(rng, udp + 8, s->payload);
	if (s->udp_csum)
		put16(udp + 6, ref_udp_csum(ip, udp, 8 + s->payload));
	random_bytes(rng, udp + 8 + s->payload, s->pad);
	f->len = f->l3 + ip_len + s->pad;
}

static void random_spec(uint64_t *rng, struct spec *s)
{
	memset(s, 0, sizeof(*s));
	s->vlan = unit_rand_below(rng, 4) == 0;
	s->meta_tag = !s->vlan && unit_rand_below(rng, 4) == 0;
	if (s->vlan || s->meta_tag)
		s->vid = (uint16_t)(1 + unit_rand_below(rng, PKT_VID_MAX));
	s->ihl = 4 * (5 + unit_rand_below(rng, 11));
	/* Half the frames small, so that short and odd lengths are frequent. */
	s->payload = unit_rand_below(rng, 2) ? unit_rand_below(rng, 40)
					     : unit_rand_below(rng, MAX_PAYLOAD + 1);
	s->pad = unit_rand_below(rng, 8) == 0 ? unit_rand_below(rng, MAX_PAD + 1) : 0;
	s->ttl = (uint8_t)(2 + unit_rand_below(rng, 254));
	s->proto = IPPROTO_UDP;
	s->frag = unit_rand_below(rng, 2) ? 0x4000 : 0;	/* DF or nothing */
	s->src = (uint32_t)unit_rand(rng);
	s->dst = unit_rand_below(rng, 4) ? 0xe0000000u | (uint32_t)(unit_rand(rng) >> 36)
					 : (uint32_t)unit_rand(rng);
	s->sport = (uint16_t)unit_rand(rng);
	s->dport = (uint16_t)unit_rand(rng);
	s->udp_csum = unit_rand_below(rng, 5) != 0;
}

/* A small, valid, untagged frame for the malformed cases to start from. */
static void plain_frame(uint64_t *rng, struct frame *f)
{
	memset(&f->s, 0, sizeof(f->s));
	f->s.ihl = 20;
	f->s.payload = 100;
	f->s.ttl = 64;
	f->s.proto = IPPROTO_UDP;
	f->s.src = 0x0a000001;
	f->s.dst = 0xef010101;
	f->s.sport = 4000;
	f->s.dport = 5000;
	f->s.udp_csum = true;
	build(rng, f);
}

/* 01:00:5e and the low 23 bits of the group (RFC 1112). */
static void expected_mac(uint32_t group_host, uint8_t mac[6])
{
	mac[0] = 0x01;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = (uint8_t)((group_host >> 16) & 0x7f);
	mac[4] = (uint8_t)(group_host >> 8);
	mac[5] = (uint8_t)group_host;
}

/* ---- the random frames ---- */

/* The tag the ring would report for f, or NULL. */
static const struct pkt_tag *meta_of(const struct frame *f, struct pkt_tag *t)
{
	if (!f->s.meta_tag)
		return NULL;
	*t = (struct pkt_tag){ .present = true, .tpid = 0x8100, .tci = f->s.vid | 0x2000 };
	return t;
}

static void check_parsed(int i, const struct frame *f, const struct pkt *p)
{
	const struct spec *s = &f->s;

	CHECK(p->vlan == s->vid, "frame %d: VLAN %u, expected %u", i, p->vlan, s->vid);
	CHECK(p->frame == f->buf && p->len == f->len, "frame %d: frame/len", i);
	CHECK(p->l3 == f->l3 && p->ihl == s->ihl && p->ip_len == s->ihl + 8 + s->payload,
	      "frame %d: l3 %zu ihl %zu ip_len %zu, expected %zu %zu %zu", i, p->l3,
	      p->ihl, p->ip_len, f->l3, s->ihl, s->ihl + 8 + s->payload);
	CHECK(p->src == htonl(s->src) && p->dst == htonl(s->dst) &&
	      p->dport == htons(s->dport) && p->ttl == s->ttl && !p->fragment,
	      "frame %d: parsed addresses, port, ttl or fragment flag wrong", i);
}

/* Rewrites one frame and checks everything in the result against a recompute. */
static void check_rewrite(int i, const struct frame *f, const struct pkt *p,
			  const struct pkt_rewrite *rw)
{
	const struct spec *s = &f->s;
	uint8_t out[PKT_MAX_HDR + 16], res[FRAME_MAX], mac[6];
	size_t hlen, plen;
	const uint8_t *payload;

	size_t l2 = rw->vlan ? 18 : 14;

	memset(out, 0xa5, sizeof(out));
	hlen = pkt_rewrite_headers(p, rw, out);
	if (!CHECK(hlen == l2 + s->ihl + 8, "frame %d: header length %zu", i, hlen))
		return;
	for (size_t k = PKT_MAX_HDR; k < sizeof(out); k++)
		if (!CHECK(out[k] == 0xa5, "frame %d: wrote beyond PKT_MAX_HDR", i))
			break;
	payload = pkt_payload(p, &plen);
	if (!CHECK(plen == s->payload && payload == f->buf + f->l3 + s->ihl + 8,
		   "frame %d: payload length %zu, expected %zu", i, plen, s->payload))
		return;
	memcpy(res, out, hlen);
	memcpy(res + hlen, payload, plen);

	const uint8_t *oip = f->buf + f->l3, *oudp = oip + s->ihl;
	uint8_t *ip = res + l2, *udp = ip + s->ihl;
	uint32_t group = ntohl(rw->group);
	uint16_t port = rw->port ? ntohs(rw->port) : s->dport;

	expected_mac(group, mac);
	CHECK(memcmp(res, mac, 6) == 0, "frame %d: destination MAC is not that of the group", i);
	CHECK(memcmp(res + 6, rw->src_mac, 6) == 0, "frame %d: source MAC", i);
	if (rw->vlan)
		CHECK(get16(res + 12) == 0x8100 && get16(res + 14) == rw->vlan,
		      "frame %d: tag %#06x %#06x, expected 0x8100 and VID %u (PCP 0)", i,
		      get16(res + 12), get16(res + 14), rw->vlan);
	CHECK(get16(res + l2 - 2) == 0x0800, "frame %d: ethertype %#x (vlan %d, out %u)", i,
	      get16(res + l2 - 2), s->vlan, rw->vlan);
	CHECK(ip[8] == rw->ttl, "frame %d: ttl %u, expected %u", i, ip[8], rw->ttl);
	CHECK(memcmp(ip + 16, &rw->group, 4) == 0, "frame %d: destination address", i);
	CHECK(memcmp(ip + 12, oip + 12, 4) == 0, "frame %d: source address changed", i);
	CHECK(memcmp(ip, oip, 8) == 0 && ip[9] == oip[9] &&
	      memcmp(ip + 20, oip + 20, s->ihl - 20) == 0,
	      "frame %d: other IPv4 header fields or options changed", i);
	CHECK(get16(ip + 10) == ref_ip_csum(ip, s->ihl),
	      "frame %d: IPv4 checksum %#06x, recomputed %#06x", i, get16(ip + 10),
	      ref_ip_csum(ip, s->ihl));
	CHECK(get16(udp) == s->sport && get16(udp + 2) == port &&
	      get16(udp + 4) == 8 + s->payload,
	      "frame %d: UDP ports or length (dport %u, expected %u)", i, get16(udp + 2),
	      port);
	if (s->udp_csum)
		CHECK(get16(udp + 6) == ref_udp_csum(ip, udp, 8 + s->payload),
		      "frame %d: UDP checksum %#06x, recomputed %#06x (was %#06x)", i,
		      get16(udp + 6), ref_udp_csum(ip, udp, 8 + s->payload),
		      get16(oudp + 6));
	else
		CHECK(get16(udp + 6) == 0, "frame %d: UDP checksum %#06x, expected none", i,
		      get16(udp + 6));
}

static void random_rewrite(uint64_t *rng, const struct pkt *p, struct pkt_rewrite *rw)
{
	memset(rw, 0, sizeof(*rw));
	if (unit_rand_below(rng, 8) == 0)
		rw->group = p->dst;
	else
		rw->group = htonl(0xe0000000u | (uint32_t)(unit_rand(rng) >> 36));
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
	pkt_multicast_mac(rw->group, rw->dst_mac);
	random_bytes(rng, rw->src_mac, 6);
}

/*
 * Puts in the UDP checksum field what transmit offload leaves there, the
 * folded pseudo-header sum, and checks that completing it gives the real one.
 */
static void check_complete(int i, struct frame *f)
{
	uint8_t *ip = f->buf + f->l3, *udp = ip + f->s.ihl;
	size_t udp_len = 8 + f->s.payload;
	uint16_t want = ref_udp_csum(ip, udp, udp_len);
	struct pkt p;
	struct pkt_tag t;

	put16(udp + 6, ref_fold(ref_pseudo_sum(ip, udp_len)));
	if (!CHECK(pkt_parse(f->buf, f->len, meta_of(f, &t), &p) == PKT_OK, "frame %d: reparse", i))
		return;
	pkt_complete_udp_csum(&p);
	CHECK(get16(udp + 6) == want, "frame %d: completed UDP checksum %#06x, expected %#06x",
	      i, get16(udp + 6), want);
}

/*
 * A partial checksum stays partial through a rewrite: the field must hold
 * the pseudo-header sum of the new addresses, whatever the port became.
 */
static void check_partial_rewrite(int i, struct frame *f, const struct pkt_rewrite *rw0)
{
	uint8_t *ip = f->buf + f->l3, *udp = ip + f->s.ihl;
	size_t udp_len = 8 + f->s.payload;
	struct pkt_rewrite rw = *rw0;
	uint8_t out[PKT_MAX_HDR];
	struct pkt p;
	struct pkt_tag t;

	put16(udp + 6, ref_fold(ref_pseudo_sum(ip, udp_len)));
	if (!CHECK(pkt_parse(f->buf, f->len, meta_of(f, &t), &p) == PKT_OK, "frame %d: reparse", i))
		return;
	rw.csum_partial = true;
	pkt_rewrite_headers(&p, &rw, out);
	uint8_t *nip = out + pkt_l2_len(&rw), *nudp = nip + f->s.ihl;
	uint16_t want = ref_fold(ref_pseudo_sum(nip, udp_len)), got = get16(nudp + 6);

	CHECK(got == want || (got == 0 && want == 0xffff) || (got == 0xffff && want == 0),
	      "frame %d: partial field %#06x, pseudo-header sum of the new header %#06x", i,
	      got, want);
	CHECK(get16(nip + 10) == ref_ip_csum(nip, f->s.ihl), "frame %d: IPv4 checksum", i);
}

static void test_random_frames(uint64_t *rng)
{
	static struct frame f;
	static uint8_t copy[FRAME_MAX];

	for (int i = 0; i < N_FRAMES; i++) {
		struct pkt p;
		struct pkt_rewrite rw;
		struct pkt_tag t;
		enum pkt_result r;

		random_spec(rng, &f.s);
		build(rng, &f);
		memcpy(copy, f.buf, f.len);
		r = pkt_parse(f.buf, f.len, meta_of(&f, &t), &p);
		if (!CHECK(r == PKT_OK, "frame %d: pkt_parse says %s", i, pkt_result_name(r)))
			continue;
		check_parsed(i, &f, &p);
		random_rewrite(rng, &p, &rw);
		check_rewrite(i, &f, &p, &rw);
		CHECK(memcmp(copy, f.buf, f.len) == 0, "frame %d: the input frame was changed", i);
		check_complete(i, &f);
		check_partial_rewrite(i, &f, &rw);
	}
}

/*
 * The rare cases the random frames are unlikely to hit: a new group that
 * makes the UDP checksum zero half-way through the update (a port change
 * must still be applied), and one that makes the final checksum zero
 * (it must be sent as 0xffff).
 */
static void test_zero_checksums(uint64_t *rng)
{
	static struct frame f;
	struct pkt p;
	struct pkt_rewrite rw;
	uint16_t check;
	in_addr_t g = 0;
	bool found = false;

	plain_frame(rng, &f);
	if (!CHECK(pkt_parse(f.buf, f.len, NULL, &p) == PKT_OK, "plain frame refused"))
		return;
	memcpy(&check, f.buf + f.l3 + 20 + 6, 2);
	for (long n = 0; n < 20000000 && !found; n++) {
		g = htonl(0xe0000000u | (uint32_t)(unit_rand(rng) >> 36));
		found = csum_replace32(check, p.dst, g) == 0;
	}
	if (!CHECK(found, "no group found that zeroes the checksum"))
		return;
	memset(&rw, 0, sizeof(rw));
	rw.group = g;
	rw.ttl = 9;
	pkt_multicast_mac(g, rw.dst_mac);
	/* The group alone: the checksum computes to zero and goes out as 0xffff. */
	check_rewrite(-1, &f, &p, &rw);
	/* The group, then the port. */
	rw.port = htons(6000);
	check_rewrite(-2, &f, &p, &rw);
	/* And a frame whose checksum is 0xffff already. */
	{
		uint8_t out[PKT_MAX_HDR];

		rw.port = 0;
		rw.ttl = p.ttl;
		pkt_rewrite_headers(&p, &rw, out);
		memcpy(f.buf + f.l3, out + ETH_HDR_LEN, 28);
		CHECK(get16(f.buf + f.l3 + 26) == 0xffff, "checksum %#06x, expected 0xffff",
		      get16(f.buf + f.l3 + 26));
		f.s.dst = ntohl(g);
		if (CHECK(pkt_parse(f.buf, f.len, NULL, &p) == PKT_OK, "0xffff frame refused")) {
			random_rewrite(rng, &p, &rw);
			check_rewrite(-3, &f, &p, &rw);
			rw.group = p.dst;
			pkt_multicast_mac(rw.group, rw.dst_mac);
			rw.port = htons(1);
			check_rewrite(-4, &f, &p, &rw);
		}
	}
}

/*
 * A datagram whose checksum computes to zero: completing the offloaded
 * checksum must give 0xffff, since 0 would mean "no checksum".
 */
static void test_complete_zero(uint64_t *rng)
{
	static struct frame f;
	uint8_t *ip, *udp;
	uint32_t sum;
	struct pkt p;

	plain_frame(rng, &f);
	ip = f.buf + f.l3;
	udp = ip + 20;
	/* Choose the first payload word so that the whole sum is 0xffff. */
	put16(udp + 8, 0);
	sum = ref_sum(ref_sum(ref_pseudo_sum(ip, 108), udp, 6), udp + 8, 100);
	put16(udp + 8, (uint16_t)(0xffff - ref_fold(sum)));
	CHECK(ref_udp_csum(ip, udp, 108) == 0xffff, "reference: checksum should compute to 0");
	put16(udp + 6, ref_fold(ref_pseudo_sum(ip, 108)));
	if (!CHECK(pkt_parse(f.buf, f.len, NULL, &p) == PKT_OK, "zero-checksum frame refused"))
		return;
	pkt_complete_udp_csum(&p);
	CHECK(get16(udp + 6) == 0xffff, "completed checksum %#06x, expected 0xffff",
	      get16(udp + 6));
}

/* ---- well-formed oddities and malformed frames ---- */

static void expect_result(const char *what, uint8_t *frame, size_t len,
			  enum pkt_result want)
{
	struct pkt p;
	enum pkt_result r = pkt_parse(frame, len, NULL, &p);

	CHECK(r == want, "%s: pkt_parse says '%s', expected '%s'", what, pkt_result_name(r),
	      pkt_result_name(want));
}

static void test_malformed(uint64_t *rng)
{
	static struct frame f;
	struct pkt p;
	uint8_t *ip = f.buf + 14, *udp = ip + 20;

	plain_frame(rng, &f);
	expect_result("plain frame", f.buf, f.len, PKT_OK);
	expect_result("empty frame", f.buf, 0, PKT_MALFORMED);
	expect_result("13 bytes", f.buf, 13, PKT_MALFORMED);
	expect_result("Ethernet header only", f.buf, 14, PKT_MALFORMED);
	expect_result("truncated IPv4 header", f.buf, 14 + 19, PKT_MALFORMED);
	expect_result("IPv4 header without UDP", f.buf, 14 + 20, PKT_MALFORMED);
	expect_result("truncated payload", f.buf, f.len - 1, PKT_MALFORMED);

	ip[0] = 0x44;
	fix_ip_csum(ip);
	expect_result("IHL 4", f.buf, f.len, PKT_MALFORMED);
	ip[0] = 0x40;
	fix_ip_csum(ip);
	expect_result("IHL 0", f.buf, f.len, PKT_MALFORMED);
	ip[0] = 0x65;
	fix_ip_csum(ip);
	expect_result("version 6", f.buf, f.len, PKT_MALFORMED);
	ip[0] = 0x4f;		/* 60 bytes of header in a 40-byte datagram */
	put16(ip + 2, 40);
	fix_ip_csum(ip);
	expect_result("IHL 15, total length 40", f.buf, f.len, PKT_MALFORMED);
	ip[0] = 0x45;
	put16(ip + 2, 128);
	fix_ip_csum(ip);
	expect_result("restored", f.buf, f.len, PKT_OK);

	put16(ip + 2, (uint16_t)(f.len - 14 + 1));
	fix_ip_csum(ip);
	expect_result("total length beyond the frame", f.buf, f.len, PKT_MALFORMED);
	put16(ip + 2, 19);
	fix_ip_csum(ip);
	expect_result("total length below the header", f.buf, f.len, PKT_MALFORMED);
	put16(ip + 2, 24);
	fix_ip_csum(ip);
	expect_result("total length without a whole UDP header", f.buf, f.len, PKT_MALFORMED);
	put16(ip + 2, 128);
	fix_ip_csum(ip);
	expect_result("restored", f.buf, f.len, PKT_OK);

	static const uint16_t bad_udp_len[] = { 107, 109, 7, 0, 65535 };

	for (size_t i = 0; i < sizeof(bad_udp_len) / sizeof(bad_udp_len[0]); i++) {
		char what[64];

		put16(udp + 4, bad_udp_len[i]);
		snprintf(what, sizeof(what), "UDP length %u in a 108-byte datagram",
			 bad_udp_len[i]);
		expect_result(what, f.buf, f.len, PKT_MALFORMED);
	}
	put16(udp + 4, 108);
	expect_result("restored", f.buf, f.len, PKT_OK);

	ip[10] ^= 0x01;
	expect_result("IPv4 checksum off by one bit", f.buf, f.len, PKT_BAD_IP_CSUM);
	ip[10] ^= 0x01;
	ip[1] ^= 0x10;		/* a TOS bit the checksum covers */
	expect_result("IPv4 header changed after the checksum", f.buf, f.len, PKT_BAD_IP_CSUM);
	ip[1] ^= 0x10;

	ip[9] = IPPROTO_TCP;
	fix_ip_csum(ip);
	expect_result("TCP", f.buf, f.len, PKT_NOT_UDP);
	ip[9] = IPPROTO_ICMP;
	fix_ip_csum(ip);
	expect_result("ICMP", f.buf, f.len, PKT_NOT_UDP);
	ip[9] = IPPROTO_UDP;
	fix_ip_csum(ip);

	put16(f.buf + 12, 0x0806);
	expect_result("ARP", f.buf, f.len, PKT_NOT_IPV4);
	put16(f.buf + 12, 0x86dd);
	expect_result("IPv6", f.buf, f.len, PKT_NOT_IPV4);
	put16(f.buf + 12, 0x0800);

	static const uint16_t later[] = { 0x0001, 0x2001, 0x1000, 0x1fff, 0x3fff, 0x00b9 };

	for (size_t i = 0; i < sizeof(later) / sizeof(later[0]); i++) {
		char what[64];

		put16(ip + 6, later[i]);
		fix_ip_csum(ip);
		snprintf(what, sizeof(what), "fragment, flags and offset %#06x", later[i]);
		expect_result(what, f.buf, f.len, PKT_FRAGMENT);
	}

	/* A first fragment: MF set, the UDP length is that of the whole datagram. */
	put16(ip + 6, 0x2000);
	fix_ip_csum(ip);
	expect_result("first fragment claiming only itself", f.buf, f.len, PKT_MALFORMED);
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

	/* Ethernet padding after the datagram is not payload. */
	plain_frame(rng, &f);
	memset(f.buf + f.len, 0xee, 20);
	if (CHECK(pkt_parse(f.buf, f.len + 20, NULL, &p) == PKT_OK, "padded frame refused")) {
		size_t plen;

		pkt_payload(&p, &plen);
		CHECK(p.ip_len == 128 && plen == 100, "padded frame: ip_len %zu payload %zu",
		      p.ip_len, plen);
	}

}

static void expect_tagged(const char *what, uint8_t *frame, size_t len,
			  const struct pkt_tag *meta, enum pkt_result want, uint16_t vid)
{
	struct pkt p;
	enum pkt_result r = pkt_parse(frame, len, meta, &p);

	if (CHECK(r == want, "%s: pkt_parse says '%s', expected '%s'", what,
		  pkt_result_name(r), pkt_result_name(want)) && r == PKT_OK)
		CHECK(p.vlan == vid && p.l3 == (get16(frame + 12) == 0x8100 ? 18u : 14u),
		      "%s: VLAN %u l3 %zu, expected VLAN %u", what, p.vlan, p.l3, vid);
}

/*
 * Tags: one 802.1Q tag, in the frame or in the ring's metadata, chooses a
 * VLAN; everything else that is tagged is PKT_VLAN, never malformed.
 */
static void test_vlan(uint64_t *rng)
{
	static struct frame f;
	struct pkt_tag meta = { .present = true, .tpid = 0x8100, .tci = 100 };

	plain_frame(rng, &f);
	expect_tagged("untagged", f.buf, f.len, NULL, PKT_OK, 0);
	expect_tagged("untagged, no tag in the metadata", f.buf, f.len,
		      &(struct pkt_tag){ .present = false, .tci = 7 }, PKT_OK, 0);
	expect_tagged("metadata tag 100", f.buf, f.len, &meta, PKT_OK, 100);
	meta.tci = 0xe000 | 4094;
	expect_tagged("metadata tag 4094 with priority 7", f.buf, f.len, &meta, PKT_OK, 4094);
	meta.tpid = 0;
	expect_tagged("metadata tag, TPID not given", f.buf, f.len, &meta, PKT_OK, 4094);
	meta.tci = 0x2000;
	expect_tagged("metadata priority tag (VID 0)", f.buf, f.len, &meta, PKT_VLAN, 0);
	meta.tci = 4095;
	expect_tagged("metadata VID 4095", f.buf, f.len, &meta, PKT_VLAN, 0);
	meta = (struct pkt_tag){ .present = true, .tpid = 0x88a8, .tci = 100 };
	expect_tagged("metadata 802.1ad tag", f.buf, f.len, &meta, PKT_VLAN, 0);

	f.s.vlan = true;
	f.s.vid = 200;
	build(rng, &f);
	expect_tagged("in-frame tag 200", f.buf, f.len, NULL, PKT_OK, 200);
	expect_tagged("tag cut short", f.buf, 16, NULL, PKT_VLAN, 0);
	expect_tagged("tag without an ethertype", f.buf, 17, NULL, PKT_VLAN, 0);
	expect_tagged("tagged, truncated IPv4 header", f.buf, 18 + 19, NULL, PKT_MALFORMED, 0);
	meta = (struct pkt_tag){ .present = true, .tpid = 0x8100, .tci = 300 };
	expect_tagged("QinQ: metadata tag, then one in the frame", f.buf, f.len, &meta,
		      PKT_VLAN, 0);
	put16(f.buf + 14, 0);
	expect_tagged("in-frame priority tag", f.buf, f.len, NULL, PKT_VLAN, 0);
	put16(f.buf + 14, 0x0fff);
	expect_tagged("in-frame VID 4095", f.buf, f.len, NULL, PKT_VLAN, 0);
	put16(f.buf + 14, 200);
	put16(f.buf + 16, 0x0806);
	expect_tagged("tagged ARP", f.buf, f.len, NULL, PKT_NOT_IPV4, 0);
	put16(f.buf + 16, 0x0800);
	put16(f.buf + 12, 0x88a8);
	expect_tagged("one 802.1ad tag in the frame", f.buf, f.len, NULL, PKT_VLAN, 0);

	/* Two tags in the frame: 802.1ad outside, 802.1Q inside, and 802.1Q twice. */
	put16(f.buf + 12, 0x8100);
	memmove(f.buf + 4, f.buf, f.len);
	memmove(f.buf, f.buf + 4, 12);
	put16(f.buf + 12, 0x88a8);
	put16(f.buf + 14, 0x0064);
	expect_tagged("802.1ad + 802.1Q in the frame", f.buf, f.len + 4, NULL, PKT_VLAN, 0);
	put16(f.buf + 12, 0x8100);
	expect_tagged("802.1Q twice in the frame", f.buf, f.len + 4, NULL, PKT_VLAN, 0);
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

static void test_mac(void)
{
	static const struct {
		uint32_t group;
		uint8_t mac[6];
	} cases[] = {
		{ 0xe0000001, { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 } },
		{ 0xef010203, { 0x01, 0x00, 0x5e, 0x01, 0x02, 0x03 } },
		{ 0xef810203, { 0x01, 0x00, 0x5e, 0x01, 0x02, 0x03 } },	/* bit 23 dropped */
		{ 0xefffffff, { 0x01, 0x00, 0x5e, 0x7f, 0xff, 0xff } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t mac[6];

		pkt_multicast_mac(htonl(cases[i].group), mac);
		CHECK(memcmp(mac, cases[i].mac, 6) == 0,
		      "pkt_multicast_mac(%#x) = %02x:%02x:%02x:%02x:%02x:%02x", cases[i].group,
		      mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	}
	for (int r = PKT_OK; r <= PKT_VLAN; r++)
		for (int s = PKT_OK; s < r; s++)
			CHECK(strcmp(pkt_result_name(r), pkt_result_name(s)) != 0,
			      "results %d and %d have the same name", r, s);
}

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

int main(void)
{
	uint64_t rng = unit_seed(0x6d6372656c6179ULL);

	unit_deadline(120);

	test_random_frames(&rng);
	test_zero_checksums(&rng);
	test_complete_zero(&rng);
	test_malformed(&rng);
	test_vlan(&rng);
	test_ttl();
	test_mac();
	test_csum(&rng);
	return unit_summary("test_packet");
}
