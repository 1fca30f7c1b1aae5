/*
 * Unit tests for the socket filter: each program bpf_build_filter() makes is
 * checked for shape, run by a small classic BPF interpreter over crafted
 * frames, and handed to the kernel's own checker by attaching it to an
 * ordinary UDP socket (which needs no privilege).
 */
#include "config.h"

#include "lib/bpf.h"
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_GROUPS 500
/* The length a filter accepts with must not cut any frame short, GRO'd ones included. */
#define MIN_ACCEPT 65535u

/* ---- a classic BPF interpreter, only what the builder uses ---- */

/* The frame's metadata the ancillary loads read: a tag taken out of the frame. */
static struct {
	bool present;
	uint16_t tpid, tci;
} anc;

static bool load_anc(uint32_t k, uint32_t *a)
{
	switch (k) {
	case SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT:
		*a = anc.present;
		return true;
	case SKF_AD_OFF + SKF_AD_VLAN_TAG:
		*a = anc.present ? anc.tci : 0;
		return true;
	case SKF_AD_OFF + SKF_AD_VLAN_TPID:
		*a = anc.present ? anc.tpid : 0;
		return true;
	}
	return false;
}

/*
 * Runs prog over pkt and returns what it returns; a load beyond the end of
 * the packet returns 0, as in the kernel.  *err is set for a program the
 * kernel would not run.
 */
static uint32_t bpf_run(const struct sock_filter *prog, size_t n, const uint8_t *pkt,
			size_t len, const char **err)
{
	uint32_t a = 0, x = 0;

	*err = NULL;
	for (size_t pc = 0; pc < n; pc++) {
		const struct sock_filter *f = &prog[pc];
		uint64_t off = f->k;
		size_t size = 0;

		if (BPF_CLASS(f->code) == BPF_LD && BPF_MODE(f->code) == BPF_ABS &&
		    f->k >= (uint32_t)SKF_AD_OFF) {
			if (!load_anc(f->k, &a)) {
				*err = "unexpected ancillary load";
				return 0;
			}
			continue;
		}
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
		case BPF_LD | BPF_H | BPF_ABS:
		case BPF_LD | BPF_B | BPF_ABS:
		case BPF_LD | BPF_W | BPF_IND:
		case BPF_LD | BPF_H | BPF_IND:
		case BPF_LD | BPF_B | BPF_IND:
			if (BPF_MODE(f->code) == BPF_IND)
				off += x;
			size = BPF_SIZE(f->code) == BPF_W ? 4 : BPF_SIZE(f->code) == BPF_H ? 2 : 1;
			if (off + size > len)
				return 0;
			a = 0;
			for (size_t i = 0; i < size; i++)
				a = a << 8 | pkt[off + i];
			break;
		case BPF_LDX | BPF_W | BPF_IMM:
			x = f->k;
			break;
		case BPF_LD | BPF_W | BPF_LEN:
			a = (uint32_t)len;
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= f->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == f->k ? f->jt : f->jf;
			if (pc >= n) {
				*err = "jump beyond the end";
				return 0;
			}
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			pc += a > f->k ? f->jt : f->jf;
			if (pc >= n) {
				*err = "jump beyond the end";
				return 0;
			}
			break;
		case BPF_JMP | BPF_JA:
			pc += f->k;
			if (pc >= n) {
				*err = "jump beyond the end";
				return 0;
			}
			break;
		case BPF_RET | BPF_K:
			return f->k;
		default:
			*err = "unexpected opcode";
			return 0;
		}
	}
	*err = "ran off the end";
	return 0;
}

/* ---- frames ---- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

#define VID 7	/* the VLAN of the tagged frames of test_groups */

/* An IPv4 frame to dst (an IPv4 struct addr), with a tag for vid in it unless 0; returns its length. */
static size_t make_frame_vid(uint8_t *f, uint16_t vid, uint8_t proto, struct addr dst,
			     size_t ihl)
{
	size_t l3 = vid ? 18 : 14, ip_len = ihl + 8 + 32;
	uint8_t *ip = f + l3;

	memset(f, 0, l3 + ip_len);
	memcpy(f, "\x01\x00\x5e\x01\x02\x03\x02\x00\x00\x00\x00\x01", 12);
	if (vid) {
		put16(f + 12, 0x8100);
		put16(f + 14, (uint16_t)(0xa000 | vid));	/* with a priority */
	}
	put16(f + l3 - 2, 0x0800);
	ip[0] = (uint8_t)(0x40 | ihl / 4);
	put16(ip + 2, (uint16_t)ip_len);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, "\x0a\x00\x00\x01", 4);
	memcpy(ip + 16, dst.b + 12, 4);
	put16(ip + ihl, 4000);
	put16(ip + ihl + 2, 5000);
	put16(ip + ihl + 4, 8 + 32);
	return l3 + ip_len;
}

static size_t make_frame(uint8_t *f, bool vlan, uint8_t proto, struct addr dst, size_t ihl)
{
	return make_frame_vid(f, vlan ? VID : 0, proto, dst, ihl);
}

/*
 * An IPv6 frame to dst, with a tag for vid in it unless 0, with next header
 * nh; with hbh, a hop-by-hop options header (8 bytes) in front of it.
 * Returns its length.
 */
static size_t make_frame6_vid(uint8_t *f, uint16_t vid, uint8_t nh, struct addr dst, bool hbh)
{
	size_t l3 = vid ? 18 : 14, ext = hbh ? 8 : 0, ip_len = 40 + ext + 8 + 32;
	uint8_t *ip = f + l3;

	memset(f, 0, l3 + ip_len);
	memcpy(f, "\x33\x33\x00\x00\x00\x01\x02\x00\x00\x00\x00\x01", 12);
	if (vid) {
		put16(f + 12, 0x8100);
		put16(f + 14, vid);
	}
	put16(f + l3 - 2, 0x86dd);
	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)(ip_len - 40));
	ip[6] = hbh ? 0 : nh;
	ip[7] = 64;
	memcpy(ip + 8, unit_v6("2001:db8::1").b, 16);
	memcpy(ip + 24, dst.b, 16);
	if (hbh) {
		ip[40] = nh;
		ip[41] = 0;
		ip[42] = 1;	/* PadN over the rest */
		ip[43] = 4;
	}
	put16(ip + 40 + ext, 4000);
	put16(ip + 40 + ext + 2, 5000);
	put16(ip + 40 + ext + 4, 8 + 32);
	return l3 + ip_len;
}

static size_t make_frame6(uint8_t *f, bool vlan, uint8_t nh, struct addr dst, bool hbh)
{
	return make_frame6_vid(f, vlan ? VID : 0, nh, dst, hbh);
}

/* ---- the tests ---- */

/* The shape the kernel insists on: jumps inside the program, a return at the end. */
static bool check_shape(const struct sock_filter *prog, size_t len, const char *name)
{
	bool ok = CHECK(len >= 1 && len <= BPF_MAX_INSNS, "%s: %zu instructions", name, len);

	for (size_t pc = 0; ok && pc < len; pc++)
		if (prog[pc].code == (BPF_JMP | BPF_JA))
			ok = CHECK(pc + 1 + prog[pc].k < len,
				   "%s: jump at %zu leaves the program", name, pc);
		else if (prog[pc].code == (BPF_JMP | BPF_JEQ | BPF_K))
			ok = CHECK(pc + 1 + prog[pc].jt < len && pc + 1 + prog[pc].jf < len,
				   "%s: jump at %zu leaves the program", name, pc);
	return ok && CHECK(BPF_CLASS(prog[len - 1].code) == BPF_RET,
			   "%s: the last instruction is not a return", name);
}

/* Attaching the program to any socket runs the kernel's checker on it. */
static void check_kernel_accepts(const struct sock_filter *prog, size_t len, const char *name)
{
	struct sock_fprog fprog = { .len = (unsigned short)len,
				    .filter = (struct sock_filter *)prog };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		printf("no UDP socket (%s): the kernel's check is skipped\n", strerror(errno));
		return;
	}
	CHECK(setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) == 0,
	      "%s: the kernel refuses the program: %s", name, strerror(errno));
	close(fd);
}

/*
 * The outcomes of one program over many frames, tallied per kind of frame so
 * that a wrong answer for a whole kind reads as one failure, with an example.
 */
struct tally {
	const char *what;
	bool accept;		/* expected */
	unsigned runs, wrong;
	struct addr example;	/* the first wrong one */
	uint32_t example_ret;
};

#define MAX_TALLIES 48

struct tallies {
	struct tally t[MAX_TALLIES];
	size_t n;
	const char *name;	/* "N IPv4 + M IPv6 groups" */
	const struct sock_filter *prog;
	size_t len;
};

static void expect(struct tallies *ts, const char *what, bool accept, const uint8_t *f,
		   size_t flen, struct addr dst)
{
	struct tally *t = NULL;
	const char *err;
	uint32_t r = bpf_run(ts->prog, ts->len, f, flen, &err);

	CHECK(err == NULL, "%s, %s: %s", ts->name, what, err ? err : "");
	for (size_t i = 0; i < ts->n && t == NULL; i++)
		if (strcmp(ts->t[i].what, what) == 0 && ts->t[i].accept == accept)
			t = &ts->t[i];
	if (t == NULL) {
		if (!CHECK(ts->n < MAX_TALLIES, "too many kinds of frame"))
			return;
		t = &ts->t[ts->n++];
		*t = (struct tally){ .what = what, .accept = accept };
	}
	t->runs++;
	if (accept ? r >= MIN_ACCEPT : r == 0)
		return;
	if (t->wrong++ == 0) {
		t->example = dst;
		t->example_ret = r;
	}
}

static void report(const struct tallies *ts)
{
	for (size_t i = 0; i < ts->n; i++) {
		const struct tally *t = &ts->t[i];

		CHECK(t->wrong == 0,
		      "%s, %s: %u of %u frames %s, e.g. to %s (returned %u)",
		      ts->name, t->what, t->wrong, t->runs,
		      t->accept ? "dropped" : "accepted",
		      unit_addr_str(&t->example), t->example_ret);
	}
}

#define EXPECT_ACCEPT(f, flen, what) expect(&ts, what, true, f, flen, dst)
#define EXPECT_DROP(f, flen, what) expect(&ts, what, false, f, flen, dst)
#define EXPECT(accept, f, flen, what) expect(&ts, what, accept, f, flen, dst)

static bool listed(const struct addr *groups, size_t n, struct addr g)
{
	for (size_t i = 0; i < n; i++)
		if (addr_eq(&groups[i], &g))
			return true;
	return false;
}

/* A random multicast group of the family, not among groups. */
static struct addr unlisted_group(uint64_t *rng, bool v6, const struct addr *groups, size_t n)
{
	struct addr a;

	do {
		if (v6) {
			for (int i = 0; i < 16; i++)
				a.b[i] = (uint8_t)unit_rand(rng);
			a.b[0] = 0xff;
		} else {
			a = unit_v4h(0xe0000000u | (uint32_t)(unit_rand(rng) >> 36));
		}
	} while (listed(groups, n, a));
	return a;
}

/*
 * Whether the program falls back to "every multicast group" for a family:
 * it must list up to 200 instructions' worth of groups (the old IPv4
 * limit, one per IPv4 group, eight per IPv6 one) and cannot list what
 * does not fit in BPF_MAX_INSNS; in between, ask the program itself, and
 * the checks below hold it to one answer for every unlisted group.
 */
static bool falls_back(const struct sock_filter *prog, size_t len, bool v6, size_t n4,
		       size_t n6, uint64_t *rng, const struct addr *groups, size_t n)
{
	uint8_t f[160];
	size_t flen;
	const char *err;
	struct addr g;

	if ((v6 ? n6 == 0 : n4 == 0) || (v6 ? n4 + 8 * n6 : n4) <= 200)
		return false;
	if ((v6 ? 8 * n6 : n4) > BPF_MAX_INSNS - 8)
		return true;
	g = unlisted_group(rng, v6, groups, n);
	flen = v6 ? make_frame6(f, false, IPPROTO_UDP, g, false)
		  : make_frame(f, false, IPPROTO_UDP, g, 20);
	return bpf_run(prog, len, f, flen, &err) != 0;
}

static void test_groups(uint64_t *rng, size_t n4, size_t n6)
{
	static struct addr groups[2 * MAX_GROUPS];
	struct sock_filter prog[BPF_MAX_INSNS + 1];
	uint8_t f[160];
	char name[64];
	size_t n = n4 + n6, len, flen;
	bool all4, all6;	/* too many to list: every multicast group passes */
	uint32_t base = (uint32_t)(unit_rand(rng) >> 40);
	struct addr dst;

	snprintf(name, sizeof(name), "%zu IPv4 + %zu IPv6 groups", n4, n6);
	/* Distinct groups all over 224.0.0.0/4 and ff00::/8, in a random order. */
	for (size_t i = 0; i < n4; i++)
		groups[i] = unit_v4h(0xe0000000u | (base + (uint32_t)i * 524287u) % 0x10000000u);
	for (size_t i = n4; i < n; i++) {
		/* Every scope and flags; the words vary at both ends. */
		do {
			for (int k = 0; k < 16; k++)
				groups[i].b[k] = (uint8_t)unit_rand(rng);
			groups[i].b[0] = 0xff;
			if (i % 3 == 0)	/* and some that differ from another in one word */
				memset(groups[i].b + 2, 0, 10);
		} while (listed(groups, i, groups[i]));
	}
	for (size_t i = n; i > 1; i--) {
		size_t j = unit_rand_below(rng, (uint32_t)i);
		struct addr t = groups[i - 1];

		groups[i - 1] = groups[j];
		groups[j] = t;
	}
	memset(prog, 0xee, sizeof(prog));
	len = bpf_build_filter(&(struct bpf_match){ .groups = groups, .n_groups = n,
						   .untagged = true, .vids = &(uint16_t){ VID },
						   .n_vids = 1 }, prog);
	struct tallies ts = { .name = name, .prog = prog, .len = len };

	if (!check_shape(prog, len, name))
		return;
	CHECK(prog[BPF_MAX_INSNS].code == 0xeeee, "%s: wrote beyond BPF_MAX_INSNS", name);
	check_kernel_accepts(prog, len, name);
	all4 = falls_back(prog, len, false, n4, n6, rng, groups, n);
	all6 = falls_back(prog, len, true, n4, n6, rng, groups, n);

	for (size_t i = 0; i < n; i++) {
		dst = groups[i];
		if (!addr_is_v4(&dst))
			continue;
		flen = make_frame(f, false, IPPROTO_UDP, dst, 20);
		EXPECT_ACCEPT(f, flen, "UDP to a listed group");
		flen = make_frame(f, true, IPPROTO_UDP, dst, 20);
		EXPECT_ACCEPT(f, flen, "tagged UDP to a listed group");
		flen = make_frame(f, false, IPPROTO_UDP, dst, 24);
		EXPECT_ACCEPT(f, flen, "UDP with IP options to a listed group");
		flen = make_frame(f, false, IPPROTO_TCP, dst, 20);
		EXPECT_DROP(f, flen, "TCP to a listed group");
		flen = make_frame(f, true, IPPROTO_TCP, dst, 20);
		EXPECT_DROP(f, flen, "tagged TCP to a listed group");
		flen = make_frame(f, false, IPPROTO_UDP, dst, 20);
		EXPECT_DROP(f, 33, "UDP to a listed group cut short before the address");
		/* ARP and IPv6 carrying the right bytes where the checks look. */
		put16(f + 12, 0x0806);
		EXPECT_DROP(f, flen, "ARP with the group at offset 30");
		put16(f + 12, 0x86dd);
		EXPECT_DROP(f, flen, "IPv6 with the group at offset 30");
		flen = make_frame(f, true, IPPROTO_UDP, dst, 20);
		put16(f + 16, 0x0806);
		EXPECT_DROP(f, flen, "tagged ARP with the group at offset 34");
		/* The IPv6 group of the same last 32 bits, or the mapped address. */
		dst.b[0] = 0xff;
		dst.b[1] = 0x0e;
		if (!listed(groups, n, dst)) {
			flen = make_frame6(f, false, IPPROTO_UDP, dst, false);
			EXPECT(all6, f, flen, "IPv6 UDP to ff0e:...:ffff:<a listed IPv4 group>");
		}
		dst = groups[i];
		flen = make_frame6(f, false, IPPROTO_UDP, dst, false);
		EXPECT_DROP(f, flen, "IPv6 UDP to ::ffff:<a listed IPv4 group>");
	}
	for (size_t i = 0; i < n; i++) {
		dst = groups[i];
		if (addr_is_v4(&dst))
			continue;
		flen = make_frame6(f, false, IPPROTO_UDP, dst, false);
		EXPECT_ACCEPT(f, flen, "IPv6 UDP to a listed group");
		flen = make_frame6(f, true, IPPROTO_UDP, dst, false);
		EXPECT_ACCEPT(f, flen, "tagged IPv6 UDP to a listed group");
		flen = make_frame6(f, false, IPPROTO_UDP, dst, true);
		EXPECT_ACCEPT(f, flen, "IPv6 UDP after a hop-by-hop header to a listed group");
		/* Matched on the destination alone: the worker walks the headers. */
		flen = make_frame6(f, false, IPPROTO_ICMPV6, dst, false);
		EXPECT_ACCEPT(f, flen, "ICMPv6 to a listed group");
		flen = make_frame6(f, false, IPPROTO_UDP, dst, false);
		EXPECT_DROP(f, 14 + 24, "IPv6 to a listed group cut short before the address");
		/* The fallback looks at the first byte only; the worker drops the rest. */
		if (!all6)
			EXPECT_DROP(f, 14 + 39, "IPv6 to a listed group cut short in the address");
		put16(f + 12, 0x0806);
		EXPECT_DROP(f, flen, "ARP with an IPv6 group at offset 38");
		put16(f + 12, 0x0800);
		EXPECT_DROP(f, flen, "IPv4 ethertype on an IPv6 frame to a listed group");
		flen = make_frame6(f, true, IPPROTO_UDP, dst, false);
		put16(f + 16, 0x0806);
		EXPECT_DROP(f, flen, "tagged ARP with an IPv6 group at offset 42");
		/* One bit off in each word: another group, listed only if it is. */
		for (int w = 0; w < 4; w++) {
			dst = groups[i];
			dst.b[4 * w + (w == 0 ? 1 : 3)] ^= 0x01;
			flen = make_frame6(f, false, IPPROTO_UDP, dst, false);
			EXPECT(all6 || listed(groups, n, dst), f, flen,
			       "IPv6 UDP to a listed group with one bit changed");
		}
		/* The IPv4 group of the same last 32 bits. */
		dst = groups[i];
		if ((dst.b[12] & 0xf0) == 0xe0) {
			dst = unit_v4(dst.b[12], dst.b[13], dst.b[14], dst.b[15]);
			flen = make_frame(f, false, IPPROTO_UDP, dst, 20);
			EXPECT(all4 || listed(groups, n, dst), f, flen,
			       "IPv4 UDP to the last 32 bits of a listed IPv6 group");
		}
	}

	/* Groups that are not listed, and destinations that are not groups. */
	for (int i = 0; i < 200; i++) {
		dst = unlisted_group(rng, false, groups, n);
		flen = make_frame(f, false, IPPROTO_UDP, dst, 20);
		EXPECT(all4, f, flen, "UDP to an unlisted group");
		flen = make_frame(f, true, IPPROTO_UDP, dst, 20);
		EXPECT(all4, f, flen, "tagged UDP to an unlisted group");
		flen = make_frame(f, false, IPPROTO_TCP, dst, 20);
		EXPECT_DROP(f, flen, "TCP to an unlisted group");

		dst = unlisted_group(rng, true, groups, n);
		flen = make_frame6(f, false, IPPROTO_UDP, dst, false);
		EXPECT(all6, f, flen, "IPv6 UDP to an unlisted group");
		flen = make_frame6(f, true, IPPROTO_UDP, dst, true);
		EXPECT(all6, f, flen, "tagged IPv6 UDP with options to an unlisted group");

		uint32_t u = (uint32_t)(unit_rand(rng) >> 32);

		if ((u & 0xf0000000u) == 0xe0000000u)
			u ^= 0x80000000u;	/* not multicast */
		dst = unit_v4h(u);
		flen = make_frame(f, false, IPPROTO_UDP, dst, 20);
		EXPECT_DROP(f, flen, "UDP to a unicast address");
		flen = make_frame(f, true, IPPROTO_UDP, dst, 20);
		EXPECT_DROP(f, flen, "tagged UDP to a unicast address");

		for (int k = 0; k < 16; k++)
			dst.b[k] = (uint8_t)unit_rand(rng);
		if (dst.b[0] == 0xff)
			dst.b[0] = 0xfe;
		flen = make_frame6(f, false, IPPROTO_UDP, dst, false);
		EXPECT_DROP(f, flen, "IPv6 UDP to a unicast address");
		flen = make_frame6(f, true, IPPROTO_UDP, dst, false);
		EXPECT_DROP(f, flen, "tagged IPv6 UDP to a unicast address");
	}
	static const uint32_t edges[] = { 0xdfffffff, 0xf0000000, 0xffffffff, 0x00000000 };

	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		dst = unit_v4h(edges[i]);
		flen = make_frame(f, false, IPPROTO_UDP, dst, 20);
		EXPECT_DROP(f, flen, "UDP just outside 224.0.0.0/4");
	}
	static const char *const edges6[] = { "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::",
					      "::ffff:224.0.0.1", "fe80::1", "2001:db8::ff" };

	for (size_t i = 0; i < sizeof(edges6) / sizeof(edges6[0]); i++) {
		dst = unit_v6(edges6[i]);
		flen = make_frame6(f, false, IPPROTO_UDP, dst, false);
		EXPECT_DROP(f, flen, "IPv6 UDP just outside ff00::/8");
	}
	if (all4) {
		dst = unit_v4h(0xe0000000);
		flen = make_frame(f, false, IPPROTO_UDP, dst, 20);
		EXPECT_ACCEPT(f, flen, "UDP to 224.0.0.0");
		dst = unit_v4h(0xefffffff);
		flen = make_frame(f, false, IPPROTO_UDP, dst, 20);
		EXPECT_ACCEPT(f, flen, "UDP to 239.255.255.255");
	}
	if (all6) {
		dst = unit_v6("ff00::");
		flen = make_frame6(f, false, IPPROTO_UDP, dst, false);
		EXPECT_ACCEPT(f, flen, "IPv6 UDP to ff00::");
		dst = unit_v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
		flen = make_frame6(f, true, IPPROTO_UDP, dst, false);
		EXPECT_ACCEPT(f, flen, "tagged IPv6 UDP to ffff:...:ffff");
	}
	/* The fallbacks the sizes force, checked here and not only assumed above. */
	CHECK(!all4 || n4 > 200, "%s: IPv4 groups not listed", name);
	CHECK(!all6 || n4 + 8 * n6 > 200, "%s: IPv6 groups not listed", name);
	report(&ts);
}

/* One frame kind of test_vlans: a tag in the frame, in the metadata, or both. */
struct vlan_case {
	const char *what;
	uint16_t frame_vid;	/* an 802.1Q tag in the frame; 0: none */
	uint16_t frame_outer;	/* a second tag's TPID outside it; 0: none */
	uint16_t meta_vid;	/* a tag in the metadata; 0: none */
	uint16_t meta_tpid;
	uint16_t take;		/* the VLAN it is for (0: untagged); 0xffff: never taken */
};

static bool vlan_chosen(const uint16_t *vids, size_t n, uint16_t vid)
{
	if (n > BPF_MAX_LISTED_VIDS)
		return vid != 0xffff;	/* any VID: the worker chooses */
	for (size_t i = 0; i < n; i++)
		if (vids[i] == vid)
			return true;
	return false;
}

/*
 * Untagged frames pass only where untagged rules exist, tagged ones only
 * for the VLANs chosen, whether offload took the tag out of the frame or
 * not; two tags never pass.
 */
static void test_vlans(void)
{
	static const struct vlan_case cases[] = {
		{ "untagged", 0, 0, 0, 0, 0 },
		{ "in-frame tag 100", 100, 0, 0, 0, 100 },
		{ "in-frame tag 200", 200, 0, 0, 0, 200 },
		{ "in-frame tag 300", 300, 0, 0, 0, 300 },
		{ "metadata tag 100", 0, 0, 100, 0x8100, 100 },
		{ "metadata tag 200", 0, 0, 200, 0x8100, 200 },
		{ "metadata tag 300", 0, 0, 300, 0x8100, 300 },
		{ "metadata 802.1ad tag 100", 0, 0, 100, 0x88a8, 0xffff },
		{ "metadata tag 100, in-frame tag 100", 100, 0, 100, 0x8100, 0xffff },
		{ "802.1ad and 802.1Q tag 100 in the frame", 100, 0x88a8, 0, 0, 0xffff },
		{ "two 802.1Q tags 100 in the frame", 100, 0x8100, 0, 0, 0xffff },
	};
	static const uint16_t many[BPF_MAX_LISTED_VIDS + 1] = {
		100, 200, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17 };
	static const struct {
		bool untagged;
		const uint16_t *vids;
		size_t n_vids;
	} sets[] = {
		{ true, NULL, 0 },
		{ false, many, 1 },
		{ true, many, 1 },
		{ false, many, 2 },
		{ true, many, 2 },
		{ false, many, BPF_MAX_LISTED_VIDS + 1 },
	};
	static const char *const family[2] = { "IPv4", "IPv6" };
	struct addr groups[2] = { unit_v4(239, 1, 1, 1), unit_v6("ff3e::1:1") };
	struct sock_filter prog[BPF_MAX_INSNS];
	uint8_t f[160];

	/* Rules for one IPv4 group, then for one IPv6 group. */
	for (int v6 = 0; v6 < 2; v6++) {
		for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
			struct bpf_match m = { .groups = &groups[v6], .n_groups = 1,
					       .untagged = sets[s].untagged, .vids = sets[s].vids,
					       .n_vids = sets[s].n_vids };
			size_t len = bpf_build_filter(&m, prog);

			if (!check_shape(prog, len, family[v6]))
				continue;
			check_kernel_accepts(prog, len, family[v6]);
			for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
				const struct vlan_case *vc = &cases[c];
				size_t flen = v6 ? make_frame6_vid(f, vc->frame_vid, IPPROTO_UDP,
								   groups[v6], false)
						 : make_frame_vid(f, vc->frame_vid, IPPROTO_UDP,
								  groups[v6], 20);
				const char *err;
				bool want = vc->take == 0 ? m.untagged
							  : vlan_chosen(m.vids, m.n_vids, vc->take);

				if (vc->frame_outer) {
					memmove(f + 4, f, flen);
					memmove(f, f + 4, 12);
					put16(f + 12, vc->frame_outer);
					put16(f + 14, 100);
					flen += 4;
				}
				anc.present = vc->meta_vid != 0;
				anc.tpid = vc->meta_tpid;
				anc.tci = (uint16_t)(0x6000 | vc->meta_vid);
				uint32_t r = bpf_run(prog, len, f, flen, &err);

				CHECK(err == NULL && (want ? r >= MIN_ACCEPT : r == 0),
				      "%s, untagged %d, %zu VIDs: %s %s (%s)", family[v6], m.untagged,
				      m.n_vids, vc->what, want ? "dropped" : "accepted",
				      err ? err : "");
				/*
				 * The same frame to a group not listed (:: or 0.0.0.0,
				 * just before the UDP header and its 32 bytes) is
				 * dropped either way.
				 */
				memset(f + flen - 40 - (v6 ? 16 : 4), 0, v6 ? 16 : 4);
				CHECK(bpf_run(prog, len, f, flen, &err) == 0,
				      "%s, untagged %d, %zu VIDs: %s to an unlisted address accepted",
				      family[v6], m.untagged, m.n_vids, vc->what);
				anc.present = false;
			}
		}
	}
	/* Rules for neither untagged frames nor any VLAN: nothing passes. */
	struct bpf_match none = { .groups = groups, .n_groups = 2 };

	CHECK(bpf_build_filter(&none, prog) == 1 && prog[0].k == 0,
	      "no untagged rules and no VLANs: not a drop-all program");
	none.any_v4 = none.any_v6 = true;
	CHECK(bpf_build_filter(&none, prog) == 1 && prog[0].k == 0,
	      "prefix rules, but no untagged rules and no VLANs: not a drop-all program");
}

/*
 * A prefix rule (any_v4, any_v6) passes every group of its family, and
 * nothing else: the other family stays listed, unicast and other protocols
 * are dropped, tags are chosen as before.
 */
static void test_prefix_rules(uint64_t *rng)
{
	const struct addr g4 = unit_v4(239, 1, 1, 1), g6 = unit_v6("ff3e::1:1");
	const uint16_t vid = VID;
	struct sock_filter prog[BPF_MAX_INSNS];
	uint8_t f[160];
	const char *err;

	for (int fam = 0; fam < 3; fam++) {
		/* 0: any IPv4 with g6 listed; 1: any IPv6 with g4 listed; 2: both, nothing listed. */
		struct bpf_match m = { .groups = fam == 0 ? &g6 : &g4, .n_groups = fam == 2 ? 0 : 1,
				       .any_v4 = fam != 1, .any_v6 = fam != 0, .untagged = true,
				       .vids = &vid, .n_vids = 1 };
		size_t len = bpf_build_filter(&m, prog);
		char name[48];

		snprintf(name, sizeof(name), "prefix rules, case %d", fam);
		if (!check_shape(prog, len, name))
			continue;
		check_kernel_accepts(prog, len, name);
		for (int i = 0; i < 300; i++) {
			struct addr d4 = unit_v4h(0xe0000000u | (uint32_t)(unit_rand(rng) >> 36));
			struct addr d6 = unlisted_group(rng, true, &g6, 1);
			uint32_t u = (uint32_t)(unit_rand(rng) >> 32);
			bool tag = i % 2;
			size_t flen;

			if (i == 0) {	/* the edges of the families' multicast space */
				d4 = unit_v4(224, 0, 0, 0);
				d6 = unit_v6("ff00::");
			} else if (i == 1) {
				d4 = unit_v4(239, 255, 255, 255);
				d6 = unit_v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
			}
			flen = make_frame(f, tag, IPPROTO_UDP, d4, 20);
			CHECK((bpf_run(prog, len, f, flen, &err) != 0) == (m.any_v4 || addr_eq(&d4, &g4)),
			      "%s: IPv4 UDP to %s: wrong answer", name, unit_addr_str(&d4));
			flen = make_frame(f, tag, IPPROTO_TCP, d4, 20);
			CHECK(bpf_run(prog, len, f, flen, &err) == 0, "%s: TCP to %s accepted", name,
			      unit_addr_str(&d4));
			flen = make_frame6(f, tag, IPPROTO_UDP, d6, i % 3 == 0);
			CHECK((bpf_run(prog, len, f, flen, &err) != 0) == m.any_v6,
			      "%s: IPv6 UDP to %s: wrong answer", name, unit_addr_str(&d6));
			if ((u & 0xf0000000u) == 0xe0000000u)
				u ^= 0x80000000u;
			flen = make_frame(f, tag, IPPROTO_UDP, unit_v4h(u), 20);
			CHECK(bpf_run(prog, len, f, flen, &err) == 0, "%s: IPv4 unicast accepted", name);
			d6.b[0] = 0xfe;
			flen = make_frame6(f, tag, IPPROTO_UDP, d6, false);
			CHECK(bpf_run(prog, len, f, flen, &err) == 0, "%s: IPv6 unicast accepted", name);
			flen = make_frame_vid(f, VID + 1, IPPROTO_UDP, unit_v4(239, 1, 1, 1), 20);
			CHECK(bpf_run(prog, len, f, flen, &err) == 0, "%s: another VLAN accepted", name);
		}
		/* The listed group of the other family still passes. */
		size_t flen = fam == 0 ? make_frame6(f, false, IPPROTO_UDP, g6, false)
				       : make_frame(f, false, IPPROTO_UDP, g4, 20);

		CHECK(bpf_run(prog, len, f, flen, &err) >= MIN_ACCEPT, "%s: the listed group dropped",
		      name);
	}
}

/*
 * The kernel path's groups: of their frames only those its program passes
 * on reach the worker (IPv4 fragments, IPv6 with a header before UDP,
 * frames longer than the MTU allows: GSO); other groups' frames all do.
 */
static void test_kernel_groups(void)
{
	const struct addr groups[] = { unit_v4(239, 1, 1, 1), unit_v4(239, 1, 1, 2),
				       unit_v6("ff3e::1"), unit_v6("ff3e::2") };
	const struct addr kernel[] = { unit_v4(239, 1, 1, 2), unit_v6("ff3e::2") };
	const uint16_t vid = VID;
	struct sock_filter prog[BPF_MAX_INSNS];
	uint8_t f[2000];
	const char *err;

	for (int n_kernel = 0; n_kernel <= 2; n_kernel++) {
		/* 0: none; 1: the IPv4 one; 2: both. */
		struct bpf_match m = { .groups = groups, .n_groups = 4, .untagged = true,
				       .vids = &vid, .n_vids = 1,
				       .kernel_groups = n_kernel == 1 ? kernel : kernel,
				       .n_kernel_groups = (size_t)n_kernel,
				       .kernel_len_max = 1518 };
		size_t len = bpf_build_filter(&m, prog), flen;
		char name[48];

		snprintf(name, sizeof(name), "%d kernel-path groups", n_kernel);
		if (!check_shape(prog, len, name))
			continue;
		check_kernel_accepts(prog, len, name);
		for (int tag = 0; tag < 2; tag++) {
			bool k4 = n_kernel >= 1, k6 = n_kernel == 2;

			flen = make_frame(f, tag, IPPROTO_UDP, groups[0], 20);
			CHECK(bpf_run(prog, len, f, flen, &err) >= MIN_ACCEPT,
			      "%s: a packet-path IPv4 group dropped", name);
			flen = make_frame(f, tag, IPPROTO_UDP, groups[1], 20);
			CHECK((bpf_run(prog, len, f, flen, &err) == 0) == k4,
			      "%s: the kernel path's IPv4 datagram: wrong answer", name);
			flen = make_frame(f, tag, IPPROTO_UDP, groups[1], 24);
			CHECK((bpf_run(prog, len, f, flen, &err) == 0) == k4,
			      "%s: the kernel path's IPv4 datagram with options: wrong answer", name);
			/* A first fragment (MF), a later one (offset), each bit of the offset. */
			static const uint16_t frags[] = { 0x2000, 0x0001, 0x00b9, 0x1000, 0x2100 };

			for (size_t i = 0; i < sizeof(frags) / sizeof(frags[0]); i++) {
				flen = make_frame(f, tag, IPPROTO_UDP, groups[1], 20);
				put16(f + (tag ? 18 : 14) + 6, frags[i]);
				CHECK(bpf_run(prog, len, f, flen, &err) >= MIN_ACCEPT,
				      "%s: a fragment (%#x) of the kernel path's group dropped", name,
				      frags[i]);
			}
			flen = make_frame(f, tag, IPPROTO_UDP, groups[1], 20);
			put16(f + (tag ? 18 : 14) + 6, 0x4000);	/* DF: not a fragment */
			CHECK((bpf_run(prog, len, f, flen, &err) == 0) == k4,
			      "%s: a DF datagram of the kernel path's group: wrong answer", name);
			/* Longer than the MTU allows: one GSO packet, which the program passes on. */
			CHECK(bpf_run(prog, len, f, 1519, &err) >= MIN_ACCEPT,
			      "%s: a GSO-sized frame of the kernel path's group dropped", name);
			CHECK((bpf_run(prog, len, f, 1518, &err) == 0) == k4,
			      "%s: a frame of the MTU's size: wrong answer", name);
			flen = make_frame6(f, tag, IPPROTO_UDP, groups[2], false);
			CHECK(bpf_run(prog, len, f, flen, &err) >= MIN_ACCEPT,
			      "%s: a packet-path IPv6 group dropped", name);
			flen = make_frame6(f, tag, IPPROTO_UDP, groups[3], false);
			CHECK((bpf_run(prog, len, f, flen, &err) == 0) == k6,
			      "%s: the kernel path's IPv6 datagram: wrong answer", name);
			flen = make_frame6(f, tag, IPPROTO_UDP, groups[3], true);
			CHECK(bpf_run(prog, len, f, flen, &err) >= MIN_ACCEPT,
			      "%s: the kernel path's IPv6 group with a hop-by-hop header dropped",
			      name);
			flen = make_frame6(f, tag, 44, groups[3], false);	/* a fragment header */
			CHECK(bpf_run(prog, len, f, flen, &err) >= MIN_ACCEPT,
			      "%s: an IPv6 fragment of the kernel path's group dropped", name);
			flen = make_frame(f, tag, IPPROTO_TCP, groups[1], 20);
			CHECK(bpf_run(prog, len, f, flen, &err) == 0, "%s: TCP accepted", name);
		}
	}
	/* Too many groups to list: the family is accepted whole, its kernel groups too. */
	static struct addr many[300];

	for (size_t i = 0; i < 300; i++)
		many[i] = unit_v4h(0xef010000u + (uint32_t)i);
	struct bpf_match m = { .groups = many, .n_groups = 300, .untagged = true,
			       .kernel_groups = many, .n_kernel_groups = 300,
			       .kernel_len_max = 1518 };
	size_t len = bpf_build_filter(&m, prog);

	if (check_shape(prog, len, "300 kernel-path groups")) {
		size_t flen = make_frame(f, false, IPPROTO_UDP, many[7], 20);

		CHECK(bpf_run(prog, len, f, flen, &err) >= MIN_ACCEPT,
		      "300 kernel-path groups, not listed: a datagram dropped");
	}
	/* The whole family the kernel path's (no packet-path rule): told apart unlisted too. */
	for (int fam = 0; fam < 2; fam++) {
		static struct addr many6[300];

		for (size_t i = 0; i < 300; i++) {
			char s[32];

			snprintf(s, sizeof(s), "ff3e::%zx", i + 1);
			many6[i] = unit_v6(s);
		}
		struct bpf_match mm = { .groups = fam ? many6 : many, .n_groups = 300,
					.untagged = true, .kernel_all_v4 = fam == 0,
					.kernel_all_v6 = fam == 1, .kernel_len_max = 1518 };
		const char *name = fam ? "all IPv6 the kernel path's" : "all IPv4 the kernel path's";

		len = bpf_build_filter(&mm, prog);
		if (!check_shape(prog, len, name))
			continue;
		check_kernel_accepts(prog, len, name);
		size_t flen = fam ? make_frame6(f, false, IPPROTO_UDP, many6[7], false)
				  : make_frame(f, false, IPPROTO_UDP, many[7], 20);

		CHECK(bpf_run(prog, len, f, flen, &err) == 0, "%s: a datagram accepted", name);
		CHECK(bpf_run(prog, len, f, 1519, &err) >= MIN_ACCEPT, "%s: a GSO-sized frame dropped",
		      name);
		if (fam) {
			flen = make_frame6(f, false, IPPROTO_UDP, many6[7], true);
			CHECK(bpf_run(prog, len, f, flen, &err) >= MIN_ACCEPT,
			      "%s: a hop-by-hop header dropped", name);
		} else {
			put16(f + 14 + 6, 0x2000);
			CHECK(bpf_run(prog, len, f, flen, &err) >= MIN_ACCEPT,
			      "%s: a first fragment dropped", name);
		}
	}
}

/* The interpreter itself must be able to say no, or the tests above prove nothing. */
static void test_interpreter(void)
{
	const struct sock_filter ret5[] = { BPF_STMT(BPF_RET | BPF_K, 5) };
	const struct sock_filter jump_out[] = {
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 3, 0),
		BPF_STMT(BPF_RET | BPF_K, 1),
	};
	const struct sock_filter no_ret[] = { BPF_STMT(BPF_LDX | BPF_IMM, 1) };
	const struct sock_filter ind[] = {
		BPF_STMT(BPF_LDX | BPF_IMM, 2),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 1),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0304, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 7),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	const uint8_t pkt[] = { 0, 1, 2, 3, 4, 5 };
	const char *err;

	CHECK(bpf_run(ret5, 1, pkt, sizeof(pkt), &err) == 5 && err == NULL, "interpreter: ret");
	bpf_run(jump_out, 2, pkt, sizeof(pkt), &err);
	CHECK(err != NULL, "interpreter: a jump out of the program passed");
	bpf_run(no_ret, 1, pkt, sizeof(pkt), &err);
	CHECK(err != NULL, "interpreter: a program without a return passed");
	CHECK(bpf_run(ind, 5, pkt, sizeof(pkt), &err) == 7, "interpreter: indexed load");
	CHECK(bpf_run(ind, 5, pkt, 4, &err) == 0 && err == NULL,
	      "interpreter: a load beyond the packet");
}

int main(void)
{
	static const size_t counts[][2] = {
		{ 0, 0 }, { 1, 0 }, { 3, 0 }, { 200, 0 }, { 201, 0 }, { 237, 0 }, { 238, 0 },
		{ 500, 0 },
		{ 0, 1 }, { 0, 3 }, { 0, 25 }, { 0, 29 }, { 0, 30 }, { 0, 31 }, { 0, 100 },
		{ 0, 500 },
		{ 1, 1 }, { 3, 3 }, { 100, 10 }, { 100, 20 }, { 200, 30 }, { 500, 3 },
		{ 3, 500 }, { 500, 500 },
	};
	uint64_t rng = unit_seed(0x627066ULL);

	unit_deadline(120);

	test_interpreter();
	test_vlans();
	test_prefix_rules(&rng);
	test_kernel_groups();
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		test_groups(&rng, counts[i][0], counts[i][1]);
	return unit_summary("test_bpf");
}
