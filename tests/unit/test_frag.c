/* Later fragments: the cache that sends them after their first, and their rewriting. */
#include "config.h"

#include "csum.h"
#include "frag.h"
#include "packet.h"
#include "siphash.h"
#include "unit.h"

#include <arpa/inet.h>
#include <string.h>

static const uint64_t secret_a[2] = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };

/* The reference vectors (key 00..0f, message 00..len-1), lengths around ours (10). */
static void test_siphash(void)
{
	static const struct {
		size_t len;
		uint64_t hash;
	} v[] = {
		{ 0, 0x726fdb47dd0e0e31ULL }, { 8, 0x93f5f5799a932462ULL },
		{ 10, 0x7a5dbbc594ddb9f3ULL }, { 15, 0xa129ca6149be45e5ULL },
	};
	uint8_t msg[16];

	for (unsigned i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		CHECK(siphash24(secret_a, msg, v[i].len) == v[i].hash,
		      "SipHash-2-4 of %zu bytes: %#llx", v[i].len,
		      (unsigned long long)siphash24(secret_a, msg, v[i].len));
}

static void test_cache(void)
{
	static struct frag_cache fc;
	in_addr_t s = inet_addr("10.0.0.1"), d = inet_addr("239.1.1.1");
	uint64_t now = 1000000000ULL;

	frag_clear(&fc);
	CHECK(frag_lookup(&fc, s, d, 7, now) == -1, "empty cache found something");
	frag_remember(&fc, s, d, 7, 42, now);
	CHECK(frag_lookup(&fc, s, d, 7, now) == 42, "remembered datagram not found");
	CHECK(frag_lookup(&fc, s, d, 8, now) == -1, "another IP id matched");
	CHECK(frag_lookup(&fc, inet_addr("10.0.0.2"), d, 7, now) == -1, "another source matched");
	CHECK(frag_lookup(&fc, s, inet_addr("239.1.1.2"), 7, now) == -1, "another group matched");
	CHECK(frag_lookup(&fc, s, d, 7, now + FRAG_TTL_NS) == 42, "expired too early");
	CHECK(frag_lookup(&fc, s, d, 7, now + FRAG_TTL_NS + 1) == -1, "did not expire");
	frag_remember(&fc, s, d, 7, 0, now);
	CHECK(frag_lookup(&fc, s, d, 7, now) == 0, "rule index 0 is a valid answer");
	/* Many datagrams at once: the most recent ones are all found while they fit. */
	unsigned found = 0;

	frag_clear(&fc);
	for (uint16_t id = 0; id < 256; id++)
		frag_remember(&fc, s, d, id, id, now);
	for (uint16_t id = 0; id < 256; id++)
		found += frag_lookup(&fc, s, d, id, now) == id;
	CHECK(found >= 200, "only %u of 256 concurrent datagrams remembered", found);
	frag_clear(&fc);
	CHECK(frag_lookup(&fc, s, d, 3, now) == -1, "clear left an entry");
}

/* Ethernet + IPv4 (offset 185 * 8, no more fragments) + 300 payload bytes. */
static size_t later_fragment(uint8_t *buf, in_addr_t src, in_addr_t dst)
{
	uint8_t *ip = buf + ETH_HDR_LEN;
	uint16_t check;

	memset(buf, 0, 14 + 20 + 300);
	buf[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = (20 + 300) >> 8;
	ip[3] = (20 + 300) & 0xff;
	ip[4] = 0x12;
	ip[5] = 0x34;
	ip[6] = 0x00;
	ip[7] = 185;
	ip[8] = 9;
	ip[9] = 17;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	for (int i = 0; i < 300; i++)
		ip[20 + i] = (uint8_t)(i * 7);
	check = csum_ipv4_header(ip, 20);
	memcpy(ip + 10, &check, 2);
	return 14 + 20 + 300;
}

static void test_rewrite(void)
{
	uint8_t frame[400], hdr[PKT_MAX_HDR];
	in_addr_t src = inet_addr("10.0.0.1"), dst = inet_addr("239.1.1.1");
	struct pkt p;
	struct pkt_rewrite rw = { .group = inet_addr("239.9.9.9"), .port = htons(7000), .ttl = 8 };
	size_t n = later_fragment(frame, src, dst), plen, hlen;

	if (!CHECK(pkt_parse(frame, n, &p) == PKT_FRAGMENT, "not a later fragment"))
		return;
	CHECK(!p.has_udp, "a later fragment claims a UDP header");
	CHECK(p.src == src && p.dst == dst && p.ip_id == htons(0x1234) && p.ttl == 9,
	      "addresses, id or ttl not parsed");
	pkt_multicast_mac(rw.group, rw.dst_mac);
	hlen = pkt_rewrite_headers(&p, &rw, hdr);
	CHECK(hlen == ETH_HDR_LEN + 20, "header length %zu, expected 34", hlen);
	const uint8_t *payload = pkt_payload(&p, &plen);

	CHECK(plen == 300 && payload == frame + 14 + 20, "payload %zu bytes at the wrong place", plen);
	CHECK(csum_fold(csum_add(0, hdr + 14, 20)) == 0xffff, "IPv4 header checksum wrong");
	CHECK(memcmp(hdr + 14 + 16, &rw.group, 4) == 0, "destination not rewritten");
	CHECK(memcmp(hdr + 14 + 12, &src, 4) == 0, "source changed");
	CHECK(hdr[14 + 8] == 8, "ttl %u, expected 8", hdr[14 + 8]);
	CHECK(hdr[14 + 6] == 0 && hdr[14 + 7] == 185, "fragment offset changed");
	CHECK(memcmp(hdr, rw.dst_mac, 6) == 0 && hdr[12] == 0x08 && hdr[13] == 0,
	      "Ethernet header wrong");
}

int main(void)
{
	test_siphash();
	test_cache();
	test_rewrite();
	return unit_summary("test_frag");
}
