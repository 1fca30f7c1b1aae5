/* Later fragments: the cache that sends them after their first, and their rewriting. */
#include "config.h"

#include "lib/csum.h"
#include "lib/frag.h"
#include "lib/packet.h"
#include "lib/siphash.h"
#include "unit.h"

#include <arpa/inet.h>
#include <string.h>

static const uint64_t secret_a[2] = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };
static const uint64_t secret_b[2] = { 0x5d1fa3c2e4b68790ULL, 0x1122334455667788ULL };

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

/* The cache with IPv4 keys, as most of these tests use it. */
static long lookup4(const struct frag_cache *fc, in_addr_t s, in_addr_t d, uint32_t id,
		    uint64_t now)
{
	struct addr a = addr_from_v4(s), b = addr_from_v4(d);

	return frag_lookup(fc, &a, &b, id, now);
}

static void remember4(struct frag_cache *fc, in_addr_t s, in_addr_t d, uint32_t id,
		      uint32_t rule, uint64_t now)
{
	struct addr a = addr_from_v4(s), b = addr_from_v4(d);

	frag_remember(fc, &a, &b, id, rule, now);
}

/* IPv6 keys: 32-bit IDs, and no key of one family is taken for the other's. */
static void test_cache6(void)
{
	static struct frag_cache fc;
	struct addr s6 = unit_v6("2001:db8::1"), d6 = unit_v6("ff3e::1234");
	struct addr s4 = addr_from_v4(inet_addr("0.0.0.1")), d4 = addr_from_v4(inet_addr("0.0.18.52"));
	struct addr zero = { 0 };
	uint64_t now = 1000000000ULL;

	frag_init(&fc, secret_a);
	frag_remember(&fc, &s6, &d6, 0xdeadbeef, 3, now);
	CHECK(frag_lookup(&fc, &s6, &d6, 0xdeadbeef, now) == 3, "IPv6 datagram not found");
	CHECK(frag_lookup(&fc, &s6, &d6, 0xbeef, now) == FRAG_UNKNOWN,
	      "a 32-bit ID matched by its low half");
	CHECK(frag_lookup(&fc, &s4, &d4, 0xdeadbeef, now) == FRAG_UNKNOWN,
	      "an IPv4 key matched an IPv6 datagram");
	CHECK(frag_lookup(&fc, &zero, &zero, 0, now) == FRAG_UNKNOWN, "an empty way matched");
	frag_remember(&fc, &zero, &zero, 0, 5, now);
	CHECK(frag_lookup(&fc, &zero, &zero, 0, now) == 5, "the all-zero key not remembered");
}

static void test_cache(void)
{
	static struct frag_cache fc;
	in_addr_t s = inet_addr("10.0.0.1"), d = inet_addr("239.1.1.1");
	uint64_t now = 1000000000ULL;

	frag_init(&fc, secret_a);
	CHECK(lookup4(&fc, s, d, 7, now) == FRAG_UNKNOWN, "empty cache found something");
	remember4(&fc, s, d, 7, 42, now);
	CHECK(lookup4(&fc, s, d, 7, now) == 42, "remembered datagram not found");
	CHECK(lookup4(&fc, s, d, 8, now) == FRAG_UNKNOWN, "another IP id matched");
	CHECK(lookup4(&fc, inet_addr("10.0.0.2"), d, 7, now) == FRAG_UNKNOWN,
	      "another source matched");
	CHECK(lookup4(&fc, s, inet_addr("239.1.1.2"), 7, now) == FRAG_UNKNOWN,
	      "another group matched");
	remember4(&fc, s, d, 9, 0, now);
	CHECK(lookup4(&fc, s, d, 9, now) == 0, "rule index 0 is a valid answer");
	/* The key space is (0, 0, 0) too, which an empty way must not match. */
	CHECK(lookup4(&fc, 0, 0, 0, now) == FRAG_UNKNOWN, "an empty way matched");
	remember4(&fc, 0, 0, 0, 5, now);
	CHECK(lookup4(&fc, 0, 0, 0, now) == 5, "the all-zero key not remembered");
	/* Fewer datagrams than ways in the cache, at once: nearly all are found. */
	unsigned found = 0;

	frag_init(&fc, secret_a);
	for (uint16_t id = 0; id < 256; id++)
		remember4(&fc, s, d, id, id, now);
	for (uint16_t id = 0; id < 256; id++)
		found += lookup4(&fc, s, d, id, now) == id;
	CHECK(found >= 250, "only %u of 256 concurrent datagrams remembered", found);
	frag_init(&fc, secret_a);
	CHECK(lookup4(&fc, s, d, 3, now) == FRAG_UNKNOWN, "init left an entry");
}

static void test_expiry(void)
{
	static struct frag_cache fc;
	in_addr_t s = inet_addr("10.0.0.1"), d = inet_addr("239.1.1.1");
	uint64_t now = 1000000000ULL;

	frag_init(&fc, secret_a);
	remember4(&fc, s, d, 7, 1, now);
	/* A repeated first fragment for the same rule does not extend the entry. */
	remember4(&fc, s, d, 7, 1, now + FRAG_TTL_NS / 2);
	CHECK(lookup4(&fc, s, d, 7, now + FRAG_TTL_NS) == 1, "expired too early");
	CHECK(lookup4(&fc, s, d, 7, now + FRAG_TTL_NS + 1) == FRAG_UNKNOWN, "did not expire");
	/* Once expired, a first fragment for another rule is a new datagram, not a conflict. */
	remember4(&fc, s, d, 7, 2, now + FRAG_TTL_NS + 1);
	CHECK(lookup4(&fc, s, d, 7, now + FRAG_TTL_NS + 1) == 2,
	      "an expired entry blocked a new datagram with the same IP id");
	/* A full cache empties by itself: nothing answers FRAG_TTL_NS later. */
	unsigned found = 0;

	frag_init(&fc, secret_a);
	for (uint16_t id = 0; id < 2 * FRAG_SETS * FRAG_WAYS; id++)
		remember4(&fc, s, d, id, 1, now);
	for (uint16_t id = 0; id < 2 * FRAG_SETS * FRAG_WAYS; id++)
		found += lookup4(&fc, s, d, id, now + FRAG_TTL_NS + 1) != FRAG_UNKNOWN;
	CHECK(found == 0, "%u entries outlived FRAG_TTL_NS", found);
}

/*
 * A spoofed first fragment with a victim's key (source, group, IP id) and the
 * port of another rule, after the victim's first fragment or before it: the
 * victim's later fragments go to neither rule until the conflict expires.
 */
static void test_spoofing(void)
{
	static struct frag_cache fc;
	in_addr_t s = inet_addr("10.0.0.1"), d = inet_addr("239.1.1.1");
	uint64_t t = 1000000000ULL;

	frag_init(&fc, secret_a);
	remember4(&fc, s, d, 7, 1, t);
	remember4(&fc, s, d, 8, 1, t);
	remember4(&fc, s, d, 7, 2, t + 1000);	/* the spoofed one */
	CHECK(lookup4(&fc, s, d, 7, t + 2000) == FRAG_POISONED,
	      "a spoofed first fragment steered the datagram: %ld",
	      lookup4(&fc, s, d, 7, t + 2000));
	CHECK(lookup4(&fc, s, d, 8, t + 2000) == 1, "another datagram was disturbed");
	/* The genuine rule again does not undo it: either could be the spoofed one. */
	remember4(&fc, s, d, 7, 1, t + 3000);
	CHECK(lookup4(&fc, s, d, 7, t + 3000) == FRAG_POISONED, "the poison was lifted");
	/* It lasts FRAG_TTL_NS from the last conflicting first fragment. */
	CHECK(lookup4(&fc, s, d, 7, t + 3000 + FRAG_TTL_NS) == FRAG_POISONED,
	      "the poison expired too early");
	CHECK(lookup4(&fc, s, d, 7, t + 3001 + FRAG_TTL_NS) == FRAG_UNKNOWN,
	      "the poison did not expire");
	remember4(&fc, s, d, 7, 2, t + 3001 + FRAG_TTL_NS);
	CHECK(lookup4(&fc, s, d, 7, t + 3001 + FRAG_TTL_NS) == 2,
	      "a new datagram after the poison expired was not remembered");

	/* The spoofed first fragment arrives first (the attacker guessed the IP id). */
	frag_init(&fc, secret_a);
	remember4(&fc, s, d, 9, 2, t);
	remember4(&fc, s, d, 9, 1, t + 1000);
	CHECK(lookup4(&fc, s, d, 9, t + 2000) == FRAG_POISONED,
	      "a spoofed first fragment sent ahead steered the datagram: %ld",
	      lookup4(&fc, s, d, 9, t + 2000));
}

/*
 * An attacker floods first fragments with distinct keys.  Memory is fixed
 * and each operation reads one set; what the flood can do to a victim's
 * entry is evict it, never redirect it, and because placement is keyed it
 * needs about FRAG_SETS * FRAG_WAYS flooded keys to do so, not FRAG_WAYS.
 */
static void flood_key(uint32_t i, in_addr_t *src, uint16_t *id)
{
	*src = htonl(0x0a420000 | (i >> 16));	/* 10.66.x.y */
	*id = (uint16_t)i;
}

static void test_flood(uint64_t *seed)
{
	static struct frag_cache fc;
	in_addr_t vs = inet_addr("10.0.0.1"), d = inet_addr("239.1.1.1"), src;
	uint64_t secret[2], t = 1000000000ULL;
	uint32_t flood = 100000, survived = 0, lost = 0, n_early = 0;
	uint64_t sum_evicted_at = 0;
	unsigned trials = 50, steered = 0, found = 0;
	uint16_t id;

	for (unsigned trial = 0; trial < trials; trial++) {
		secret[0] = unit_rand(seed);
		secret[1] = unit_rand(seed);
		frag_init(&fc, secret);
		remember4(&fc, vs, d, 4242, 1, t);	/* the victim, just before the flood */
		uint32_t i;

		for (i = 0; i < flood; i++) {
			flood_key(i, &src, &id);
			remember4(&fc, src, d, id, 2, t + i);
			long r = lookup4(&fc, vs, d, 4242, t + i);

			if (r != 1) {
				steered += r != FRAG_UNKNOWN;
				break;
			}
		}
		if (i == flood) {
			survived++;
			continue;
		}
		sum_evicted_at += i + 1;
		n_early += i + 1 <= 256;
		/* Evicted entries stay gone: the victim's later fragments are dropped. */
		CHECK(lookup4(&fc, vs, d, 4242, t + i + 1) == FRAG_UNKNOWN,
		      "an evicted entry came back");
	}
	lost = trials - survived;
	CHECK(steered == 0, "the flood redirected the victim %u times", steered);
	CHECK(survived == 0, "%u victims survived 100,000 flooded datagrams in %u entries",
	      survived, FRAG_SETS * FRAG_WAYS);
	/* Expected: 1024 on average, and 2% of victims gone within 256. */
	CHECK(lost > 0 && sum_evicted_at / lost >= FRAG_SETS * FRAG_WAYS / 2,
	      "a victim was evicted after %llu flooded datagrams on average, expected about %u",
	      lost ? (unsigned long long)(sum_evicted_at / lost) : 0ULL, FRAG_SETS * FRAG_WAYS);
	CHECK(n_early <= trials / 10, "%u of %u victims evicted by 256 flooded datagrams",
	      n_early, trials);

	/* After the whole flood the cache is full of its newest FRAG_WAYS keys per set. */
	frag_init(&fc, secret);
	for (uint32_t i = 0; i < flood; i++) {
		flood_key(i, &src, &id);
		remember4(&fc, src, d, id, 2, t + i);
	}
	for (uint32_t i = 0; i < flood; i++) {
		flood_key(i, &src, &id);
		found += lookup4(&fc, src, d, id, t + flood) == 2;
	}
	CHECK(found == FRAG_SETS * FRAG_WAYS, "%u flooded datagrams remembered, capacity %u",
	      found, FRAG_SETS * FRAG_WAYS);
	for (uint32_t i = flood - FRAG_WAYS; i < flood; i++) {
		flood_key(i, &src, &id);
		CHECK(lookup4(&fc, src, d, id, t + flood) == 2,
		      "one of the last %u datagrams was evicted", FRAG_WAYS);
	}
}

/*
 * The secret decides placement: the same keys, twice as many as fit, leave
 * the same survivors under the same secret and other survivors under another.
 */
static void test_secret(void)
{
	static struct frag_cache a, a2, b;
	in_addr_t s = inet_addr("10.0.0.1"), d = inet_addr("239.1.1.1");
	unsigned differ = 0, differ_same = 0;
	const unsigned n = 2 * FRAG_SETS * FRAG_WAYS;

	frag_init(&a, secret_a);
	frag_init(&a2, secret_a);
	frag_init(&b, secret_b);
	for (uint16_t id = 0; id < n; id++) {
		remember4(&a, s, d, id, 1, id);
		remember4(&a2, s, d, id, 1, id);
		remember4(&b, s, d, id, 1, id);
	}
	for (uint16_t id = 0; id < n; id++) {
		bool in_a = lookup4(&a, s, d, id, n) == 1;

		differ_same += in_a != (lookup4(&a2, s, d, id, n) == 1);
		differ += in_a != (lookup4(&b, s, d, id, n) == 1);
	}
	CHECK(differ_same == 0, "the same secret placed keys differently");
	CHECK(differ >= n / 8, "another secret changed the fate of only %u of %u keys", differ, n);
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
	struct pkt_rewrite rw = { .group = unit_v4(239, 9, 9, 9), .port = htons(7000), .ttl = 8 };
	size_t n = later_fragment(frame, src, dst), plen, hlen;

	if (!CHECK(pkt_parse(frame, n, NULL, &p) == PKT_FRAGMENT, "not a later fragment"))
		return;
	CHECK(!p.has_udp, "a later fragment claims a UDP header");
	CHECK(addr_v4(&p.src) == src &&
	      addr_is_v4(&p.src) && addr_is_v4(&p.dst) && addr_v4(&p.dst) == dst && !p.v6 &&
	      p.ip_id == 0x1234 && p.ttl == 9,
	      "addresses, id or ttl not parsed");
	addr_multicast_mac(&rw.group, rw.dst_mac);
	hlen = pkt_rewrite_headers(&p, &rw, hdr);
	CHECK(hlen == ETH_HDR_LEN + 20, "header length %zu, expected 34", hlen);
	const uint8_t *payload = pkt_payload(&p, &plen);

	CHECK(plen == 300 && payload == frame + 14 + 20, "payload %zu bytes at the wrong place", plen);
	CHECK(csum_fold(csum_add(0, hdr + 14, 20)) == 0xffff, "IPv4 header checksum wrong");
	CHECK(memcmp(hdr + 14 + 16, rw.group.b + 12, 4) == 0, "destination not rewritten");
	CHECK(memcmp(hdr + 14 + 12, &src, 4) == 0, "source changed");
	CHECK(hdr[14 + 8] == 8, "ttl %u, expected 8", hdr[14 + 8]);
	CHECK(hdr[14 + 6] == 0 && hdr[14 + 7] == 185, "fragment offset changed");
	CHECK(memcmp(hdr, rw.dst_mac, 6) == 0 && hdr[12] == 0x08 && hdr[13] == 0,
	      "Ethernet header wrong");
}

int main(void)
{
	uint64_t seed = unit_seed(0x6d63726c66726167ULL);

	unit_deadline(60);
	test_siphash();
	test_cache();
	test_cache6();
	test_expiry();
	test_spoofing();
	test_flood(&seed);
	test_secret();
	test_rewrite();
	return unit_summary("test_frag");
}
