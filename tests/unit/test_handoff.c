/*
 * Unit tests for the supervisor-worker messages: encoding and every check
 * the decoder makes, then the channel that carries them, over a real
 * SOCK_SEQPACKET socket pair, with descriptors attached.
 */
#include "config.h"

#include "common/channel.h"
#include "lib/handoff.h"
#include "lib/metrics_doc.h"
#include "lib/txring.h"
#include "lib/ring.h"
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define TOKEN 0x0123456789abcdefULL
#define HDR sizeof(struct ho_header)

/* Large enough for any message, and aligned for the structs in it. */
static union {
	uint64_t align;
	uint8_t b[HANDOFF_MAX_MSG];
} buf;

static void random_bytes(uint64_t *rng, void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)p)[i] = (uint8_t)unit_rand(rng);
}

static void random_name(uint64_t *rng, char *s, size_t size)
{
	size_t n = unit_rand_below(rng, (uint32_t)size);

	for (size_t i = 0; i < n; i++)
		s[i] = (char)('a' + unit_rand_below(rng, 26));
	memset(s + n, 0, size - n);
}

/* A valid payload of each fixed-size type, random where the value is free. */
static size_t make_payload(uint64_t *rng, unsigned type, void *p, unsigned n_rule_stats)
{
	switch (type) {
	case HO_SETUP: {
		struct ho_setup *s = p;

		random_bytes(rng, s, sizeof(*s));
		random_name(rng, s->input, sizeof(s->input));
		return sizeof(*s);
	}
	case HO_SOCKET: {
		struct ho_socket *s = p;

		random_bytes(rng, s, sizeof(*s));
		s->role = HO_ROLE_INGRESS + unit_rand_below(rng, 3);
		s->udp_family = unit_rand_below(rng, 2) ? AF_INET : AF_INET6;
		random_name(rng, s->ifname, sizeof(s->ifname));
		s->ring_block_size = RING_PAGE * (1 + unit_rand_below(rng, 64));
		s->ring_blocks = RING_BLOCKS_MIN + unit_rand_below(rng, 100);
		s->ring_timeout_ms = 1 + unit_rand_below(rng, RING_TIMEOUT_MAX_MS);
		s->ring_mode = unit_rand_below(rng, 2) ? RING_BLOCKS : RING_FRAMES;
		s->ring_frame_size = s->ring_mode == RING_FRAMES ? 2048 : 0;
		if (s->ring_frame_size > s->ring_block_size)
			s->ring_block_size = s->ring_frame_size * 2;
		s->mtu = 1280 + unit_rand_below(rng, 9000);
		struct txring_params tx;

		txring_params_for(s->mtu, RING_PAGE, &tx);
		s->tx_frame_size = tx.frame_size;
		s->tx_block_size = tx.block_size;
		s->tx_blocks = tx.blocks;
		s->tx_frames = tx.frames;
		return sizeof(*s);
	}
	case HO_RULE: {
		struct ho_rule *r = p;

		random_bytes(rng, r, sizeof(*r));
		random_name(rng, r->name, sizeof(r->name));
		r->ttl_mode = (uint8_t)unit_rand_below(rng, 3);
		r->monitor = (uint8_t)unit_rand_below(rng, 3);
		r->n_outputs = 1 + unit_rand_below(rng, HANDOFF_MAX_OUTPUTS);
		r->vlan = (uint16_t)unit_rand_below(rng, 4095);
		r->flags &= HO_RULE_KERNEL;
		for (unsigned i = 0; i < HANDOFF_MAX_OUTPUTS; i++) {
			r->outputs[i].flags &= HO_OUT_PENDING;
			r->outputs[i].vlan = (uint16_t)unit_rand_below(rng, 4095);
		}
		return sizeof(*r);
	}
	case HO_COMMIT:
		random_bytes(rng, p, sizeof(struct ho_commit));
		return sizeof(struct ho_commit);
	case HO_KPATH:
		random_bytes(rng, p, sizeof(struct ho_kpath));
		return sizeof(struct ho_kpath);
	case HO_ACK: {
		struct ho_ack *a = p;

		random_bytes(rng, a, sizeof(*a));
		a->sandbox &= HO_SANDBOX_SECCOMP | HO_SANDBOX_CHROOT | HO_SANDBOX_LANDLOCK;
		a->landlock_abi = unit_rand_below(rng, 256);
		return sizeof(*a);
	}
	case HO_STATS_REQ:
	case HO_METRICS_REQ:
		return 0;
	case HO_METRICS_SETUP: {
		struct ho_metrics_setup *m = p;

		random_bytes(rng, m, sizeof(*m));
		m->log_level = unit_rand_below(rng, 5);
		random_name(rng, m->listen, sizeof(m->listen));
		return sizeof(*m);
	}
	case HO_METRICS_DATA: {
		struct ho_metrics_data *m = p;
		uint32_t n = unit_rand_below(rng, 64);

		random_bytes(rng, m, sizeof(*m) + n);
		m->total = n + unit_rand_below(rng, 1000);
		m->offset = unit_rand_below(rng, m->total - n + 1);
		m->status = 0;
		return sizeof(*m) + n;
	}
	case HO_STATS: {
		struct ho_worker_stats *w = p;
		struct ho_rule_stats *rs = (struct ho_rule_stats *)(w + 1);

		random_bytes(rng, w, sizeof(*w));
		w->n_rules = n_rule_stats;
		w->first_rule = 0;
		w->total_rules = n_rule_stats;
		for (unsigned i = 0; i < n_rule_stats; i++) {
			random_bytes(rng, &rs[i], sizeof(rs[i]));
			random_name(rng, rs[i].name, sizeof(rs[i].name));
		}
		return sizeof(*w) + n_rule_stats * sizeof(*rs);
	}
	}
	return 0;
}

static enum handoff_error decode(size_t n, unsigned nfds, struct ho_header *h)
{
	const void *payload = NULL;

	return handoff_decode(buf.b, n, TOKEN, nfds, h, &payload);
}

#define EXPECT_DECODE(n, nfds, want, ...)                                              \
	do {                                                                           \
		struct ho_header h_;                                                   \
		enum handoff_error e_ = decode(n, nfds, &h_);                          \
		CHECK(e_ == (want), "%s (expected %s)", handoff_strerror(e_),          \
		      handoff_strerror(want));                                         \
		if (e_ != (want))                                                      \
			printf("    case: " __VA_ARGS__), putchar('\n');                   \
	} while (0)

static void test_roundtrip(uint64_t *rng)
{
	static uint8_t payload[HANDOFF_MAX_MSG];

	for (unsigned type = HO_SETUP; type < HO_TYPE_MAX; type++) {
		for (unsigned k = 0; k < (type == HO_STATS ? 4u : 1u); k++) {
			/* STATS with 0, 1, 2 and HANDOFF_MAX_OUTPUTS rule entries. */
			unsigned n_rules = k == 3 ? HANDOFF_MAX_OUTPUTS : k;
			size_t len = make_payload(rng, type, payload, n_rules);
			uint64_t token = unit_rand(rng);
			size_t n = handoff_encode(buf.b, sizeof(buf.b), type, token,
						  len == 0 ? NULL : payload, len);
			struct ho_header h;
			const void *out = NULL;
			enum handoff_error e;

			if (!CHECK(n == HDR + len, "%s: encoded %zu bytes, expected %zu",
				   handoff_type_name(type), n, HDR + len))
				continue;
			e = handoff_decode(buf.b, n, token, handoff_fd_count(type), &h, &out);
			CHECK(e == HO_OK, "%s (%u entries): %s", handoff_type_name(type), n_rules,
			      handoff_strerror(e));
			CHECK(h.version == HANDOFF_VERSION && h.type == type &&
			      h.length == len && h.token == token,
			      "%s: header %u/%u/%u/%#llx", handoff_type_name(type), h.version,
			      h.type, h.length, (unsigned long long)h.token);
			CHECK(out == buf.b + HDR, "%s: payload pointer", handoff_type_name(type));
			CHECK(len == 0 || memcmp(buf.b + HDR, payload, len) == 0,
			      "%s: payload differs", handoff_type_name(type));
		}
	}
	CHECK(handoff_fd_count(HO_SOCKET) == 1, "SOCKET carries one descriptor");
	CHECK(handoff_fd_count(HO_METRICS_SETUP) == 1, "METRICS_SETUP carries one descriptor");
	for (unsigned type = 0; type <= HO_TYPE_MAX; type++)
		if (type != HO_SOCKET && type != HO_METRICS_SETUP)
			CHECK(handoff_fd_count(type) == 0, "%s carries %u descriptors",
			      handoff_type_name(type), handoff_fd_count(type));
	CHECK(strcmp(handoff_type_name(HO_RULE), "RULE") == 0, "name of HO_RULE");
	CHECK(strcmp(handoff_type_name(0), "UNKNOWN") == 0 &&
	      strcmp(handoff_type_name(HO_TYPE_MAX), "UNKNOWN") == 0 &&
	      strcmp(handoff_type_name(60000), "UNKNOWN") == 0, "name of unknown types");
}

static void test_encode_limits(uint64_t *rng)
{
	struct ho_rule r;
	size_t len = make_payload(rng, HO_RULE, &r, 0);

	memset(buf.b, 0x5a, HDR + len + 8);
	CHECK(handoff_encode(buf.b, HDR + len - 1, HO_RULE, TOKEN, &r, len) == 0,
	      "encoded into a buffer one byte short");
	CHECK(handoff_encode(buf.b, HDR - 1, HO_STATS_REQ, TOKEN, NULL, 0) == 0,
	      "encoded into a buffer shorter than the header");
	CHECK(handoff_encode(buf.b, 0, HO_STATS_REQ, TOKEN, NULL, 0) == 0,
	      "encoded into an empty buffer");
	CHECK(handoff_encode(buf.b, HDR, HO_RULE, TOKEN, &r, SIZE_MAX - 4) == 0,
	      "encoded a payload of SIZE_MAX - 4 bytes");
	CHECK(buf.b[HDR + len] == 0x5a, "a refused encoding wrote into the buffer");
	CHECK(handoff_encode(buf.b, HDR + len, HO_RULE, TOKEN, &r, len) == HDR + len,
	      "encoding into a buffer of exactly the right size");
	CHECK(buf.b[HDR + len] == 0x5a, "encoding wrote beyond the message");
}

static void test_decode_errors(uint64_t *rng)
{
	static uint8_t payload[HANDOFF_MAX_MSG];
	struct ho_header *hp = (struct ho_header *)buf.b;
	size_t len, n;

	/* A valid RULE message to damage. */
	len = make_payload(rng, HO_RULE, payload, 0);
	n = handoff_encode(buf.b, sizeof(buf.b), HO_RULE, TOKEN, payload, len);
	EXPECT_DECODE(n, 0, HO_OK, "undamaged RULE");

	/* Token and version. */
	CHECK(handoff_decode(buf.b, n, TOKEN ^ 1, 0, &(struct ho_header){ 0 },
			     &(const void *){ NULL }) == HO_ETOKEN, "token off by one bit");
	CHECK(handoff_decode(buf.b, n, 0, 0, &(struct ho_header){ 0 },
			     &(const void *){ NULL }) == HO_ETOKEN, "token 0");
	hp->version = HANDOFF_VERSION + 1;
	EXPECT_DECODE(n, 0, HO_EVERSION, "version %u", HANDOFF_VERSION + 1);
	hp->version = 0;
	EXPECT_DECODE(n, 0, HO_EVERSION, "version 0");
	hp->version = HANDOFF_VERSION;

	/* Truncation: shorter than a header, or not the stated length. */
	for (size_t k = 0; k < HDR; k++)
		EXPECT_DECODE(k, 0, HO_ETRUNC, "%zu bytes", k);
	EXPECT_DECODE(n - 1, 0, HO_ETRUNC, "one byte short of the stated length");
	EXPECT_DECODE(HDR, 0, HO_ETRUNC, "header alone, stated length %zu", len);
	EXPECT_DECODE(n + 1, 0, HO_ETRUNC, "one byte more than the stated length");
	hp->length = (uint32_t)len + 1;
	EXPECT_DECODE(n, 0, HO_ETRUNC, "stated length one more than the payload");
	hp->length = UINT32_MAX;
	EXPECT_DECODE(n, 0, HO_ETRUNC, "stated length UINT32_MAX");
	hp->length = (uint32_t)len;

	/* Unknown types. */
	static const uint16_t bad_types[] = { 0, HO_TYPE_MAX, HO_TYPE_MAX + 1, 0xffff };

	for (size_t k = 0; k < sizeof(bad_types) / sizeof(bad_types[0]); k++) {
		hp->type = bad_types[k];
		EXPECT_DECODE(n, 0, HO_ETYPE, "type %u", bad_types[k]);
	}
	hp->type = HO_RULE;
	EXPECT_DECODE(n, 0, HO_OK, "restored RULE");

	/* Payload sizes that do not fit the type. */
	static const struct {
		unsigned type;
		size_t len;
	} bad_sizes[] = {
		{ HO_SETUP, sizeof(struct ho_setup) - 1 },
		{ HO_SETUP, sizeof(struct ho_setup) + 1 },
		{ HO_SETUP, 0 },
		{ HO_SOCKET, sizeof(struct ho_socket) + 4 },
		{ HO_RULE, sizeof(struct ho_rule) - 4 },
		{ HO_COMMIT, sizeof(struct ho_commit) + 1 },
		{ HO_ACK, sizeof(struct ho_ack) - 1 },
		{ HO_ACK, sizeof(struct ho_commit) },
		{ HO_STATS_REQ, 1 },
		{ HO_STATS_REQ, 8 },
		{ HO_STATS, 0 },
		{ HO_STATS, sizeof(struct ho_worker_stats) - 8 },
		{ HO_STATS, sizeof(struct ho_worker_stats) + 8 },
		{ HO_STATS, sizeof(struct ho_worker_stats) + sizeof(struct ho_rule_stats) - 1 },
		{ HO_STATS, sizeof(struct ho_worker_stats) + 2 * sizeof(struct ho_rule_stats) + 1 },
	};

	for (size_t k = 0; k < sizeof(bad_sizes) / sizeof(bad_sizes[0]); k++) {
		memset(payload, 0, bad_sizes[k].len + 1);
		n = handoff_encode(buf.b, sizeof(buf.b), bad_sizes[k].type, TOKEN, payload,
				   bad_sizes[k].len);
		EXPECT_DECODE(n, handoff_fd_count(bad_sizes[k].type), HO_ESIZE,
			      "%s with %zu bytes", handoff_type_name(bad_sizes[k].type),
			      bad_sizes[k].len);
	}

	/* Descriptor counts. */
	len = make_payload(rng, HO_SOCKET, payload, 0);
	n = handoff_encode(buf.b, sizeof(buf.b), HO_SOCKET, TOKEN, payload, len);
	EXPECT_DECODE(n, 1, HO_OK, "SOCKET with 1 fd");
	EXPECT_DECODE(n, 0, HO_EFDS, "SOCKET with 0 fds");
	EXPECT_DECODE(n, 2, HO_EFDS, "SOCKET with 2 fds");
	len = make_payload(rng, HO_RULE, payload, 0);
	n = handoff_encode(buf.b, sizeof(buf.b), HO_RULE, TOKEN, payload, len);
	EXPECT_DECODE(n, 1, HO_EFDS, "RULE with 1 fd");
	n = handoff_encode(buf.b, sizeof(buf.b), HO_STATS_REQ, TOKEN, NULL, 0);
	EXPECT_DECODE(n, 1, HO_EFDS, "STATS_REQ with 1 fd");
}

/* Encodes a payload of type, lets damage() spoil it, and expects HO_EVALUE. */
static void expect_evalue(uint64_t *rng, unsigned type, const char *what,
			  void (*damage)(void *p))
{
	static uint8_t payload[HANDOFF_MAX_MSG];
	size_t len = make_payload(rng, type, payload, 2);
	size_t n;

	n = handoff_encode(buf.b, sizeof(buf.b), type, TOKEN, payload, len);
	EXPECT_DECODE(n, handoff_fd_count(type), HO_OK, "%s before damage", what);
	damage(payload);
	n = handoff_encode(buf.b, sizeof(buf.b), type, TOKEN, payload, len);
	EXPECT_DECODE(n, handoff_fd_count(type), HO_EVALUE, "%s", what);
}

static void stats_past_total(void *p) { ((struct ho_worker_stats *)p)->first_rule = 1; }
static void rule_17_outputs(void *p) { ((struct ho_rule *)p)->n_outputs = HANDOFF_MAX_OUTPUTS + 1; }
static void rule_huge_outputs(void *p) { ((struct ho_rule *)p)->n_outputs = UINT32_MAX; }
static void rule_monitor(void *p) { ((struct ho_rule *)p)->monitor = MONITOR_MPEGTS + 1; }
static void rule_ttl_mode(void *p) { ((struct ho_rule *)p)->ttl_mode = 3; }
static void rule_vlan(void *p) { ((struct ho_rule *)p)->vlan = 4095; }
static void output_vlan(void *p) { ((struct ho_rule *)p)->outputs[0].vlan = 0xffff; }
static void rule_name(void *p) { memset(((struct ho_rule *)p)->name, 'x', HANDOFF_NAME_MAX); }
static void socket_role_0(void *p) { ((struct ho_socket *)p)->role = 0; }
static void socket_role_4(void *p) { ((struct ho_socket *)p)->role = 4; }
static void rule_flags(void *p) { ((struct ho_rule *)p)->flags = 0x02; }
static void rule_output_flags(void *p)
{
	((struct ho_rule *)p)->outputs[0].flags = 0x02;
}
static void udp_family(void *p)
{
	((struct ho_socket *)p)->role = HO_ROLE_UDP;
	((struct ho_socket *)p)->udp_family = AF_PACKET;
}
static void socket_ifname(void *p) { memset(((struct ho_socket *)p)->ifname, 'e', IF_NAMESIZE); }
static struct ho_socket *ingress(void *p)
{
	struct ho_socket *s = p;

	s->role = HO_ROLE_INGRESS;
	return s;
}
static void ring_block_0(void *p) { ingress(p)->ring_block_size = 0; }
static void ring_block_odd(void *p) { ingress(p)->ring_block_size = RING_PAGE + 8; }
static void ring_block_huge(void *p) { ingress(p)->ring_block_size = RING_BLOCK_SIZE_MAX + RING_PAGE; }
static void ring_blocks_1(void *p) { ingress(p)->ring_blocks = 1; }
static void ring_too_big(void *p)
{
	ingress(p)->ring_block_size = RING_BLOCK_SIZE_MAX;
	ingress(p)->ring_blocks = RING_BLOCKS_MAX;
}
static void ring_timeout_0(void *p) { ingress(p)->ring_timeout_ms = 0; }
static void ring_mode_bad(void *p) { ingress(p)->ring_mode = 4; }
static void ring_frame_odd(void *p)
{
	ingress(p)->ring_mode = RING_FRAMES;
	ingress(p)->ring_frame_size = 2049;
}
static struct ho_socket *egress(void *p)
{
	struct ho_socket *s = p;

	s->role = HO_ROLE_EGRESS;
	return s;
}
static void txring_frame_odd(void *p) { egress(p)->tx_frame_size += 8; }
static void txring_frames_wrong(void *p) { egress(p)->tx_frames += 1; }
static void txring_block_odd(void *p) { egress(p)->tx_block_size += 512; }
static void txring_huge(void *p)
{
	egress(p)->tx_blocks = 1u << 20;
	egress(p)->tx_frames = egress(p)->tx_block_size / egress(p)->tx_frame_size << 20;
}
static void txring_small_for_mtu(void *p) { egress(p)->mtu = egress(p)->tx_frame_size; }
static void ack_sandbox(void *p) { ((struct ho_ack *)p)->sandbox = 0x80; }
static void ack_landlock(void *p) { ((struct ho_ack *)p)->landlock_abi = 256; }
static void setup_input(void *p) { memset(((struct ho_setup *)p)->input, 'e', IF_NAMESIZE); }
static void stats_more(void *p) { ((struct ho_worker_stats *)p)->n_rules = 3; }
static void stats_fewer(void *p) { ((struct ho_worker_stats *)p)->n_rules = 1; }

static void test_values(uint64_t *rng)
{
	expect_evalue(rng, HO_STATS, "STATS with entries past its total", stats_past_total);
	expect_evalue(rng, HO_RULE, "RULE with 17 outputs", rule_17_outputs);
	expect_evalue(rng, HO_RULE, "RULE with UINT32_MAX outputs", rule_huge_outputs);
	expect_evalue(rng, HO_RULE, "RULE with ttl mode 3", rule_ttl_mode);
	expect_evalue(rng, HO_RULE, "RULE with monitor mode 3", rule_monitor);
	expect_evalue(rng, HO_RULE, "RULE with an unterminated name", rule_name);
	expect_evalue(rng, HO_RULE, "RULE received on VLAN 4095", rule_vlan);
	expect_evalue(rng, HO_RULE, "RULE with an output to VLAN 65535", output_vlan);
	expect_evalue(rng, HO_SOCKET, "SOCKET with role 0", socket_role_0);
	expect_evalue(rng, HO_SOCKET, "SOCKET with role 4", socket_role_4);
	expect_evalue(rng, HO_RULE, "RULE with an unknown output flag", rule_output_flags);
	expect_evalue(rng, HO_RULE, "RULE with an unknown flag", rule_flags);
	expect_evalue(rng, HO_SOCKET, "UDP SOCKET of family AF_PACKET", udp_family);
	expect_evalue(rng, HO_SOCKET, "SOCKET with an unterminated ifname", socket_ifname);
	expect_evalue(rng, HO_SOCKET, "egress SOCKET with a ring slot not of 16 bytes",
		      txring_frame_odd);
	expect_evalue(rng, HO_SOCKET, "egress SOCKET whose frame count does not add up",
		      txring_frames_wrong);
	expect_evalue(rng, HO_SOCKET, "egress SOCKET with a block not of whole pages",
		      txring_block_odd);
	expect_evalue(rng, HO_SOCKET, "egress SOCKET with a huge transmit ring", txring_huge);
	expect_evalue(rng, HO_SOCKET, "egress SOCKET whose slots cannot hold its MTU",
		      txring_small_for_mtu);
	expect_evalue(rng, HO_ACK, "ACK with an unknown sandbox flag", ack_sandbox);
	expect_evalue(rng, HO_ACK, "ACK with Landlock ABI 256", ack_landlock);
	expect_evalue(rng, HO_SOCKET, "ingress SOCKET with a 0-byte ring block", ring_block_0);
	expect_evalue(rng, HO_SOCKET, "ingress SOCKET with a block not of whole pages",
		      ring_block_odd);
	expect_evalue(rng, HO_SOCKET, "ingress SOCKET with a block over the maximum",
		      ring_block_huge);
	expect_evalue(rng, HO_SOCKET, "ingress SOCKET with a 1-block ring", ring_blocks_1);
	expect_evalue(rng, HO_SOCKET, "ingress SOCKET with a ring over 1 GiB", ring_too_big);
	expect_evalue(rng, HO_SOCKET, "ingress SOCKET with a 0 ms block timeout",
		      ring_timeout_0);
	expect_evalue(rng, HO_SOCKET, "ingress SOCKET with ring mode 4", ring_mode_bad);
	expect_evalue(rng, HO_SOCKET, "ingress SOCKET with a 2049-byte frame slot",
		      ring_frame_odd);
	expect_evalue(rng, HO_SETUP, "SETUP with an unterminated input", setup_input);
	expect_evalue(rng, HO_STATS, "STATS claiming 3 entries for 2", stats_more);
	expect_evalue(rng, HO_STATS, "STATS claiming 1 entry for 2", stats_fewer);

	/* The boundaries that are fine: 0 (all pending), 1 and 16 outputs, a name of 63 characters. */
	struct ho_rule r;
	size_t len = make_payload(rng, HO_RULE, &r, 0), n;

	r.n_outputs = 0;
	n = handoff_encode(buf.b, sizeof(buf.b), HO_RULE, TOKEN, &r, len);
	EXPECT_DECODE(n, 0, HO_OK, "RULE with 0 outputs (all pending)");

	r.n_outputs = 1;
	n = handoff_encode(buf.b, sizeof(buf.b), HO_RULE, TOKEN, &r, len);
	EXPECT_DECODE(n, 0, HO_OK, "RULE with 1 output");
	r.n_outputs = HANDOFF_MAX_OUTPUTS;
	memset(r.name, 'x', sizeof(r.name) - 1);
	r.name[sizeof(r.name) - 1] = '\0';
	n = handoff_encode(buf.b, sizeof(buf.b), HO_RULE, TOKEN, &r, len);
	EXPECT_DECODE(n, 0, HO_OK, "RULE with 16 outputs and a 63-character name");
	for (int e = HO_OK; e <= HO_EVALUE; e++)
		for (int f = HO_OK; f < e; f++)
			CHECK(strcmp(handoff_strerror(e), handoff_strerror(f)) != 0,
			      "errors %d and %d have the same text", e, f);
}

/* ---- the channel ---- */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* Sends len bytes with nfds descriptors, all of them fd, bypassing channel_send. */
static ssize_t send_raw(int sock, const void *data, size_t len, int fd, unsigned nfds)
{
	union {
		struct cmsghdr hdr;
		char b[CMSG_SPACE(sizeof(int) * 8)];
	} cmsg;
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fds[8];

	for (unsigned i = 0; i < nfds; i++)
		fds[i] = fd;
	memset(&cmsg, 0, sizeof(cmsg));
	msg.msg_control = cmsg.b;
	msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	return sendmsg(sock, &msg, MSG_NOSIGNAL);
}

static void test_channel(uint64_t *rng)
{
	static uint8_t rx[HANDOFF_MAX_MSG];
	struct ho_socket s;
	int sv[2], fds[CHANNEL_MAX_FDS], file, before;
	unsigned nfds;
	ssize_t n;
	size_t len;

	if (!CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0,
		   "socketpair: %s", strerror(errno)))
		return;
	file = open("/dev/null", O_RDONLY);	/* without O_CLOEXEC on purpose */
	CHECK(file >= 0, "open /dev/null: %s", strerror(errno));

	/* One message with one descriptor: it arrives, close-on-exec. */
	len = handoff_encode(buf.b, sizeof(buf.b), HO_SOCKET, TOKEN, &s,
			     make_payload(rng, HO_SOCKET, &s, 0));
	CHECK(channel_send(sv[0], buf.b, len, file) == 0, "channel_send: %s", strerror(errno));
	memset(fds, -1, sizeof(fds));
	n = channel_recv(sv[1], rx, sizeof(rx), fds, &nfds);
	if (CHECK(n == (ssize_t)len && nfds == 1, "channel_recv: %zd, %u fds (%s)", n, nfds,
		  n < 0 ? strerror(errno) : "")) {
		struct ho_header h;
		const void *payload;

		CHECK(memcmp(rx, buf.b, len) == 0, "received bytes differ");
		CHECK(handoff_decode(rx, (size_t)n, TOKEN, nfds, &h, &payload) == HO_OK,
		      "received SOCKET does not decode");
		CHECK(fds[0] >= 0 && fds[0] != file && same_file(fds[0], file),
		      "received fd %d is not the file sent", fds[0]);
		CHECK(fcntl(fds[0], F_GETFD) & FD_CLOEXEC, "received fd is not close-on-exec");
		channel_close_fds(fds, nfds);
		CHECK(fds[0] == -1, "channel_close_fds did not reset the slot");
	}

	/* Without a descriptor. */
	len = handoff_encode(buf.b, sizeof(buf.b), HO_STATS_REQ, TOKEN, NULL, 0);
	CHECK(channel_send(sv[1], buf.b, len, -1) == 0, "channel_send: %s", strerror(errno));
	n = channel_recv(sv[0], rx, sizeof(rx), fds, &nfds);
	CHECK(n == (ssize_t)len && nfds == 0, "STATS_REQ: %zd bytes, %u fds", n, nfds);

	/* CHANNEL_MAX_FDS descriptors are accepted... */
	send_raw(sv[0], "four", 4, file, CHANNEL_MAX_FDS);
	n = channel_recv(sv[1], rx, sizeof(rx), fds, &nfds);
	if (CHECK(n == 4 && nfds == CHANNEL_MAX_FDS, "%d fds: %zd bytes, %u fds",
		  CHANNEL_MAX_FDS, n, nfds)) {
		for (unsigned i = 0; i < nfds; i++)
			CHECK(same_file(fds[i], file) && (fcntl(fds[i], F_GETFD) & FD_CLOEXEC),
			      "fd %u of %u", i, nfds);
		channel_close_fds(fds, nfds);
	}

	/* ...one more is refused, and none of them stays open. */
	before = count_fds();
	CHECK(send_raw(sv[0], "five", 4, file, CHANNEL_MAX_FDS + 1) == 4, "sendmsg: %s",
	      strerror(errno));
	errno = 0;
	n = channel_recv(sv[1], rx, sizeof(rx), fds, &nfds);
	CHECK(n == -1 && errno == EMSGSIZE, "%d fds: %zd (%s), expected EMSGSIZE",
	      CHANNEL_MAX_FDS + 1, n, strerror(errno));
	CHECK(nfds == 0, "%u fds reported with a refused message", nfds);
	CHECK(count_fds() == before, "%d descriptors open before, %d after", before,
	      count_fds());

	/* A message longer than the buffer is refused, and its descriptor closed. */
	len = handoff_encode(buf.b, sizeof(buf.b), HO_SOCKET, TOKEN, &s, sizeof(s));
	CHECK(channel_send(sv[0], buf.b, len, file) == 0, "channel_send: %s", strerror(errno));
	errno = 0;
	n = channel_recv(sv[1], rx, len - 1, fds, &nfds);
	CHECK(n == -1 && errno == EMSGSIZE && nfds == 0,
	      "message one byte over the buffer: %zd (%s), %u fds", n, strerror(errno), nfds);
	CHECK(count_fds() == before, "%d descriptors open before, %d after", before,
	      count_fds());

	/* The channel still works afterwards: nothing of those was left behind. */
	len = handoff_encode(buf.b, sizeof(buf.b), HO_STATS_REQ, TOKEN, NULL, 0);
	CHECK(channel_send(sv[0], buf.b, len, -1) == 0, "channel_send: %s", strerror(errno));
	n = channel_recv(sv[1], rx, sizeof(rx), fds, &nfds);
	CHECK(n == (ssize_t)len && nfds == 0, "after refused messages: %zd bytes, %u fds", n,
	      nfds);

	/* End of file, and a send to a closed peer (no SIGPIPE). */
	close(sv[0]);
	n = channel_recv(sv[1], rx, sizeof(rx), fds, &nfds);
	CHECK(n == 0 && nfds == 0, "EOF: %zd, %u fds", n, nfds);
	errno = 0;
	CHECK(channel_send(sv[1], buf.b, len, -1) == -1 && errno == EPIPE,
	      "send to a closed peer: %s", strerror(errno));
	close(sv[1]);
	close(file);
}

/* The metrics process may send METRICS_REQ and nothing else; no one else may send it. */
static void test_metrics_senders(void)
{
	for (unsigned type = 0; type <= HO_TYPE_MAX; type++) {
		CHECK(handoff_sent_by(type, HO_FROM_METRICS) == (type == HO_METRICS_REQ),
		      "%s from the metrics process", handoff_type_name(type));
		if (type == HO_METRICS_REQ)
			CHECK(!handoff_sent_by(type, HO_FROM_WORKER) &&
				      !handoff_sent_by(type, HO_FROM_SUPERVISOR),
			      "METRICS_REQ from another sender");
	}
}

static enum handoff_error data_piece(uint32_t total, uint32_t offset, uint32_t status,
				     size_t bytes)
{
	static _Alignas(8) char p[sizeof(struct ho_metrics_data) + 64];
	struct ho_metrics_data h = { .total = total, .offset = offset, .status = status };
	struct ho_header hdr;
	const void *out;
	size_t n;

	memcpy(p, &h, sizeof(h));
	n = handoff_encode(buf.b, sizeof(buf.b), HO_METRICS_DATA, TOKEN, p, sizeof(h) + bytes);
	return handoff_decode(buf.b, n, TOKEN, 0, &hdr, &out);
}

static void test_metrics_values(void)
{
	struct ho_metrics_setup s = { .log_level = 4 };
	struct ho_header hdr;
	const void *out;
	size_t n;

	CHECK(data_piece(10, 0, 0, 10) == HO_OK, "a whole document in one piece");
	CHECK(data_piece(10, 6, 0, 4) == HO_OK, "the last piece");
	CHECK(data_piece(10, 7, 0, 4) == HO_EVALUE, "a piece past the end");
	CHECK(data_piece(10, 11, 0, 0) == HO_EVALUE, "an offset past the end");
	CHECK(data_piece(HO_METRICS_DOC_MAX + 1, 0, 0, 0) == HO_EVALUE, "a document too large");
	CHECK(data_piece(0, 0, 500, 0) == HO_OK, "no document, status 500");
	CHECK(data_piece(5, 0, 500, 5) == HO_EVALUE, "a document and a status");
	CHECK(data_piece(0, 0, 200, 0) == HO_EVALUE, "status 200");
	memset(s.listen, 'x', sizeof(s.listen));
	n = handoff_encode(buf.b, sizeof(buf.b), HO_METRICS_SETUP, TOKEN, &s, sizeof(s));
	CHECK(handoff_decode(buf.b, n, TOKEN, 1, &hdr, &out) == HO_EVALUE, "listen not ended");
	s.listen[0] = '\0';
	s.log_level = 5;
	n = handoff_encode(buf.b, sizeof(buf.b), HO_METRICS_SETUP, TOKEN, &s, sizeof(s));
	CHECK(handoff_decode(buf.b, n, TOKEN, 1, &hdr, &out) == HO_EVALUE, "log level 5");
	s.log_level = 0;
	n = handoff_encode(buf.b, sizeof(buf.b), HO_METRICS_SETUP, TOKEN, &s, sizeof(s));
	CHECK(handoff_decode(buf.b, n, TOKEN, 0, &hdr, &out) == HO_EFDS, "SETUP without its socket");
	CHECK(handoff_decode(buf.b, n, TOKEN, 1, &hdr, &out) == HO_OK, "SETUP");
}

/* A document cut into pieces and put together again; pieces out of order refused. */
static void test_metrics_doc(uint64_t *rng)
{
	static _Alignas(8) char piece[sizeof(struct ho_metrics_data) + METRICS_PIECE_MAX];
	static char doc[3 * METRICS_PIECE_MAX + 17];
	struct metrics_doc d = { 0 };
	char err[160];
	uint32_t sizes[] = { 0, 1, METRICS_PIECE_MAX, METRICS_PIECE_MAX + 1, sizeof(doc) };
	int rc = 0;

	for (size_t i = 0; i < sizeof(doc); i++)
		doc[i] = (char)('a' + unit_rand_below(rng, 26));
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		uint32_t total = sizes[s], offset = 0;
		unsigned pieces = 0;

		do {
			size_t len = metrics_doc_piece(doc, total, offset, 0, piece);

			rc = metrics_doc_take(&d, piece, len, err, sizeof(err));
			offset += (uint32_t)metrics_doc_piece_bytes(len);
			pieces++;
		} while (rc == 0 && offset < total);
		CHECK(rc == 1 && d.total == total && d.status == 0 &&
			      memcmp(d.buf, doc, total) == 0 && d.buf[total] == '\0',
		      "a document of %u bytes in %u pieces: rc %d (%s)", total, pieces, rc,
		      rc < 0 ? err : "");
		free(metrics_doc_release(&d));
	}
	/* No document, a status. */
	size_t len = metrics_doc_piece(doc, 100, 0, 503, piece);

	CHECK(metrics_doc_take(&d, piece, len, err, sizeof(err)) == 1 && d.status == 503 &&
		      d.total == 0, "status 503");
	metrics_doc_free(&d);
	/* A piece that does not follow the last. */
	len = metrics_doc_piece(doc, sizeof(doc), 0, 0, piece);
	CHECK(metrics_doc_take(&d, piece, len, err, sizeof(err)) == 0, "the first piece");
	CHECK(metrics_doc_take(&d, piece, len, err, sizeof(err)) == -1, "the first piece again");
	metrics_doc_free(&d);
	len = metrics_doc_piece(doc, sizeof(doc), METRICS_PIECE_MAX, 0, piece);
	CHECK(metrics_doc_take(&d, piece, len, err, sizeof(err)) == -1, "a second piece first");
	metrics_doc_free(&d);
	len = metrics_doc_piece(doc, sizeof(doc), 0, 0, piece);
	metrics_doc_take(&d, piece, len, err, sizeof(err));
	len = metrics_doc_piece(doc, sizeof(doc) - 1, METRICS_PIECE_MAX, 0, piece);
	CHECK(metrics_doc_take(&d, piece, len, err, sizeof(err)) == -1, "another total");
	metrics_doc_free(&d);
	/* A piece with no bytes before the end would never end. */
	len = metrics_doc_piece(doc, 10, 0, 0, piece);
	len = sizeof(struct ho_metrics_data);
	CHECK(metrics_doc_take(&d, piece, len, err, sizeof(err)) == -1, "an empty piece");
	metrics_doc_free(&d);
}

int main(void)
{
	uint64_t rng = unit_seed(0x68616e646f6666ULL);

	unit_deadline(120);

	test_roundtrip(&rng);
	test_encode_limits(&rng);
	test_decode_errors(&rng);
	test_values(&rng);
	test_channel(&rng);
	test_metrics_senders();
	test_metrics_values();
	test_metrics_doc(&rng);
	return unit_summary("test_handoff");
}
