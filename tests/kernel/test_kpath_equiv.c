/*
 * The kernel path's program against the worker, frame by frame, with
 * BPF_PROG_TEST_RUN: for random rule sets (both families, prefixes,
 * ranges, sources, VLANs, packet-path rules, up to three outputs) and
 * thousands of random and crafted frames (tagged or not, fragments, IP
 * options, extension headers, bad checksums, truncations, zero UDP
 * checksums, checksums that pass through zero), the program must
 *
 *  - pass (TC_ACT_UNSPEC, frame untouched) exactly the frames the worker
 *    keeps for itself: no rule (rule_table_lookup), a packet-path rule,
 *    or not kpath_handles();
 *  - for the others, drop (TC_ACT_SHOT) what the TTL policy or the MTUs
 *    leave nothing of, and otherwise redirect (TC_ACT_REDIRECT) to the
 *    last output sent, the frame being byte for byte what
 *    pkt_rewrite_headers and the payload make of it for that output;
 *  - count exactly what the worker would.
 *
 * The outputs before the last go to interfaces that do not exist, so that
 * bpf_clone_redirect fails harmlessly (counted as errors) and the frame
 * the test sees is the last output's, rewritten from what the earlier
 * outputs left.  An 802.1Q tag the program puts in the skb's metadata is
 * not in data_out: the expected frame is compared without it then.
 */
#include "config.h"

#include "lib/csum.h"
#include "lib/kpath_plan.h"
#include "lib/packet.h"
#include "lib/rules.h"
#include "supervisor/kpath.h"
#include "kernel_test.h"
#include "../unit/kpath_frames.h"
#include "../unit/kpath_gen.h"
#include "../unit/unit.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <stdlib.h>
#include <string.h>

#define N_SETS 40
#define FRAMES_PER_SET 250
#define MAX_RULES 40
#define FRAME_MAX 4096

/* Interfaces that do not exist: a clone sent there fails and is counted, nothing leaves. */
static const struct kpath_iface IFACES[] = {
	{ .name = "out0", .ifindex = 0x7fff0000, .mtu = 1500, .mac = { 2, 0, 0, 0, 0, 0x10 },
	  .up = true },
	{ .name = "out1", .ifindex = 0x7fff0001, .mtu = 600, .mac = { 2, 0, 0, 0, 0, 0x11 },
	  .up = true },
	{ .name = "out2", .ifindex = 0x7fff0002, .mtu = 9000, .mac = { 2, 0, 0, 0, 0, 0x12 },
	  .up = true },
	{ .name = "out3", .ifindex = 0x7fff0003, .mtu = 1500, .mac = { 2, 0, 0, 0, 0, 0x13 },
	  .up = false },
};
#define N_IFACES (sizeof(IFACES) / sizeof(IFACES[0]))

/* One rule set, loaded, and what the worker makes of it. */
struct set {
	struct conf conf;
	struct kpath_plan plan;
	struct rule_table table;
	struct kpath_counters *counters;
	struct kpath *k;
	bool *kernel;			/* by table index */
	struct kpath_slot_counters *want;	/* by slot = table index */
	struct kpath_totals want_totals;
	unsigned long frames, handled, redirected, compared_tag_in_meta;
};

static const struct kpath_iface *iface(const char *name)
{
	for (size_t i = 0; i < N_IFACES; i++)
		if (strcmp(IFACES[i].name, name) == 0)
			return &IFACES[i];
	return NULL;
}

static bool set_load(struct set *s, uint64_t *rng)
{
	uint32_t *slots;
	struct rule *rules;
	size_t n;
	char err[512] = "";

	memset(s, 0, sizeof(*s));
	kg_conf_init(&s->conf, MAX_RULES);
	kg_random_rules(&s->conf, rng, 1 + unit_rand_below(rng, MAX_RULES),
			1 + unit_rand_below(rng, 3));
	/* Some rules go the packet path: a udp output takes the whole rule there. */
	for (size_t i = 0; i < s->conf.n_rules; i++) {
		struct conf_rule *r = &s->conf.rules[i];

		if (unit_rand_below(rng, 5) == 0 && r->n_outputs < CONF_MAX_OUTPUTS) {
			struct conf_output *o = kg_output(r, "");

			o->kind = OUTPUT_UDP;
		}
	}
	slots = kg_slots(&s->conf);
	struct kpath_plan_params pp = { .conf = &s->conf, .input = KG_INPUT, .ifaces = IFACES,
					.n_ifaces = N_IFACES, .slots = slots };

	if (!CHECK(kpath_plan_build(&s->plan, &pp, err, sizeof(err)) == 0, "plan: %s", err)) {
		free(slots);
		return false;
	}
	free(slots);
	rules = kg_worker_rules(&s->conf, IFACES, N_IFACES, &n);
	if (!CHECK(rule_table_init(&s->table, rules, n) == 0, "rule_table_init"))
		return false;
	s->kernel = calloc(n + 1, sizeof(*s->kernel));
	s->want = calloc(n + 1, sizeof(*s->want));
	if (s->kernel == NULL || s->want == NULL)
		abort();
	for (size_t i = 0; i < n; i++)
		s->kernel[i] = s->plan.rules[i].kernel;
	s->counters = kpath_counters_new((uint32_t)n, err, sizeof(err));
	if (!CHECK(s->counters != NULL, "counters: %s", err))
		return false;
	s->k = kpath_load(&s->plan, s->counters, err, sizeof(err));
	return CHECK(s->k != NULL, "load: %s", err);
}

static void set_free(struct set *s)
{
	kpath_close(s->k);
	kpath_counters_free(s->counters);
	rule_table_free(&s->table);
	kpath_plan_free(&s->plan);
	conf_free(&s->conf);
	free(s->kernel);
	free(s->want);
}

/* ------------------------------------------------------------------ */
/* Frames */

/* An address in rule r's group prefix (or its group), with random host bits. */
static struct addr inside(uint64_t *rng, const struct addr *net, unsigned len)
{
	struct addr a = *net;
	unsigned from = addr_is_v4(net) ? 96 + len : len;

	for (unsigned i = from; i < 128; i++)
		if (unit_rand_below(rng, 2))
			a.b[i / 8] |= (uint8_t)(1u << (7 - i % 8));
	return a;
}

static const uint8_t TTLS[] = { 0, 1, 2, 5, 64, 254, 255 };

/* A frame aimed at a random rule of the set, or at nothing in particular, maybe spoilt. */
static void random_frame(struct set *s, uint64_t *rng, struct kf_spec *f)
{
	const struct conf_rule *r = &s->conf.rules[unit_rand_below(rng, (uint32_t)s->conf.n_rules)];
	bool v6 = addr_family(&r->group) == AF_INET6;

	memset(f, 0, sizeof(*f));
	f->v6 = v6;
	if (unit_rand_below(rng, 4)) {
		f->group = inside(rng, &r->group, r->group_len);
		f->dport = r->port ? (uint16_t)(r->port + unit_rand_below(rng,
					(uint32_t)(r->port_last - r->port) + 1)) : kg_port(rng);
		f->source = addr_is_set(&r->source) ? inside(rng, &r->source, r->source_len)
						    : kg_source(rng, v6);
		f->tci = r->vlan;
	} else {
		f->group = kg_group(rng, v6);
		f->dport = kg_port(rng);
		f->source = kg_source(rng, v6);
		f->tci = kg_vlan(rng);
	}
	if (f->tci) {
		f->tag = KF_DOT1Q;
		f->tci |= (uint16_t)(unit_rand_below(rng, 2) ? 0 : unit_rand_below(rng, 8) << 13);
	}
	f->sport = (uint16_t)(1024 + unit_rand_below(rng, 60000));
	f->ttl = TTLS[unit_rand_below(rng, sizeof(TTLS))];
	if (unit_rand_below(rng, 4) == 0 && !v6)
		f->ip_opts = 4 * unit_rand_below(rng, 11);
	f->payload = unit_rand_below(rng, 4) ? unit_rand_below(rng, 200)
					     : unit_rand_below(rng, 3000);
	if (unit_rand_below(rng, 8) == 0) {
		/* An IP length at an output's MTU, or one byte over. */
		static const size_t at[] = { 600, 601, 1500, 1501 };

		f->payload = at[unit_rand_below(rng, 4)] - (v6 ? 40 : 20 + f->ip_opts) - 8;
	}
	f->seed = (uint8_t)unit_rand(rng);
	f->udp_csum_zero = unit_rand_below(rng, 10) == 0;
	f->pad = unit_rand_below(rng, 6) == 0 ? unit_rand_below(rng, 30) : 0;
	if (unit_rand_below(rng, 3))
		return;
	/* One way to spoil it. */
	switch (unit_rand_below(rng, 17)) {
	case 0: f->frag = KF_FIRST; break;
	case 1: f->frag = KF_LATER; break;
	case 2: f->frag = v6 ? KF_ATOMIC : KF_FIRST; break;
	case 3: f->bad_ip_csum = true; break;
	case 4: f->cut = 1 + unit_rand_below(rng, 8); break;
	case 5: f->udp_len_delta = unit_rand_below(rng, 2) ? 1 : -1; break;
	case 6: f->v6_hbh = v6; f->ip_opts = v6 ? 0 : 8; break;
	case 7: f->tag = KF_QINQ; f->tci = 100; break;
	case 8: f->tag = KF_DOT1AD; f->tci = 100; break;
	case 9: f->tag = KF_DOT1Q; f->tci = unit_rand_below(rng, 2) ? 0 : 0xfff; break;
	case 10: f->not_udp = true; break;
	case 11: f->bad_version = true; break;
	case 12: f->short_ihl = !v6; f->ip_len_short = v6 ? 4 : 0; break;
	case 13: f->group = v6 ? unit_v6("2001:db8::77") : unit_v4h(0x0a000077); break;
	case 14: f->source = v6 ? unit_v6("::ffff:10.0.0.1") : f->source; break;
	case 15: f->ethertype = 0x0806; break;
	default:
		/* An IP length that leaves less than a UDP header, which says so too. */
		f->payload = 0;
		f->ip_len_short = unit_rand_below(rng, 3);
		f->udp_len_delta = -(int)f->ip_len_short;
		f->pad = 8;
		break;
	}
}

/* ------------------------------------------------------------------ */
/* What the worker does, and what the program must therefore do */

struct want {
	int verdict;
	uint8_t frame[FRAME_MAX];	/* data_out for a redirect */
	size_t len;
	bool tag_in_meta;		/* an 802.1Q tag the program keeps out of the frame */
};

/* The frame the worker would send on output o of rule r (no padding: only the IP packet). */
static size_t rewritten(const struct pkt *p, const struct rule_output *o,
			const struct kpath_iface *i, uint8_t ttl, uint8_t *out)
{
	struct pkt_rewrite rw = { .group = o->group, .port = o->port, .ttl = ttl,
				  .vlan = o->vlan };
	size_t n, payload_len;
	const uint8_t *payload = pkt_payload(p, &payload_len);

	if (addr_is_set(&o->group)) {
		memcpy(rw.dst_mac, o->dst_mac, 6);
	} else {
		rw.group = p->dst;
		addr_multicast_mac(&p->dst, rw.dst_mac);
	}
	memcpy(rw.src_mac, i->mac, 6);
	n = pkt_rewrite_headers(p, &rw, out);
	memcpy(out + n, payload, payload_len);
	return n + payload_len;
}

enum total { HANDLED, NOT_HANDLEABLE, NO_RULE, PACKET_PATH };

static void count_total(struct kpath_totals *t, enum total which)
{
	switch (which) {
	case HANDLED:
		t->handled++;
		break;
	case NOT_HANDLEABLE:
		t->not_handleable++;
		break;
	case NO_RULE:
		t->no_rule++;
		break;
	case PACKET_PATH:
		t->packet_path++;
		break;
	}
}

static void expect(struct set *s, const uint8_t *frame, size_t len, bool gso, struct want *w)
{
	struct pkt p;
	enum pkt_result res = pkt_parse((uint8_t *)frame, len, NULL, &p);
	struct rule *r = NULL;
	const struct rule_output *last = NULL;
	struct kpath_slot_counters *c;
	int ttl;
	size_t idx;

	w->verdict = TC_ACT_UNSPEC;
	w->tag_in_meta = false;
	if (!kpath_handles(res, &p, gso)) {
		count_total(&s->want_totals, NOT_HANDLEABLE);
		return;
	}
	r = rule_table_lookup(&s->table, p.vlan, &p.dst, p.dport, &p.src);
	if (r == NULL) {
		count_total(&s->want_totals, NO_RULE);
		return;
	}
	idx = (size_t)(r - s->table.rules);
	if (!s->kernel[idx]) {
		count_total(&s->want_totals, PACKET_PATH);
		return;
	}
	count_total(&s->want_totals, HANDLED);
	s->handled++;
	c = &s->want[idx];
	c->rule.packets_in++;
	c->rule.bytes_in += p.ip_len;
	w->verdict = TC_ACT_SHOT;
	ttl = pkt_ttl_apply(r->ttl_mode, r->ttl, p.ttl);
	if (ttl < 0) {
		c->rule.ttl_expired++;
		return;
	}
	/* forward.c's queue_output for each output to send to; all but the last fail here. */
	bool tag_kept = p.vlan && frame[12] == 0x81;
	uint16_t tci = tag_kept ? (uint16_t)(frame[14] << 8 | frame[15]) : 0;

	for (unsigned k = 0; k < r->n_out; k++) {
		const struct rule_output *o = &r->out[k];
		const struct conf_output *co = &s->conf.rules[idx].outputs[o->conf_index];

		if (p.ip_len > iface(co->ifname)->mtu) {
			c->out[o->conf_index].too_big++;
			continue;
		}
		if (last)
			c->out[last->conf_index].errors++;
		last = o;
		if (o->vlan != tci)
			tag_kept = false;
	}
	if (last == NULL)
		return;
	c->out[last->conf_index].packets++;
	c->out[last->conf_index].bytes += p.ip_len;
	w->verdict = TC_ACT_REDIRECT;
	w->len = rewritten(&p, last, iface(s->conf.rules[idx].outputs[last->conf_index].ifname),
			   (uint8_t)ttl, w->frame);
	if (last->vlan && !tag_kept) {
		/* In the skb's metadata, not in data_out. */
		memmove(w->frame + 12, w->frame + 16, w->len - 16);
		w->len -= 4;
		w->tag_in_meta = true;
	}
}

static void hexdump_diff(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = alen > blen ? alen : blen;

	for (size_t i = 0; i < n && i < 96; i++)
		printf("%s%02x/%02x", i % 16 ? " " : "\n    ", i < alen ? a[i] : 0,
		       i < blen ? b[i] : 0);
	printf("\n");
}

static void run_frame(struct set *s, const uint8_t *frame, size_t len, bool gso, const char *what)
{
	static struct want w;
	uint8_t out[FRAME_MAX + 64];
	struct __sk_buff ctx = { .gso_size = gso ? 1000 : 0, .gso_segs = gso ? 2 : 0 };
	LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame, .data_size_in = (uint32_t)len,
		    .data_out = out, .data_size_out = sizeof(out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	int rc;

	if (len < 14)
		return;	/* BPF_PROG_TEST_RUN takes Ethernet frames only */
	s->frames++;
	expect(s, frame, len, gso, &w);
	rc = bpf_prog_test_run_opts(kpath_prog_fd(s->k), &run);
	if (!CHECK(rc == 0, "%s: test run: %d", what, rc))
		return;
	if (!CHECK((int)run.retval == w.verdict, "%s: verdict %d, expected %d", what,
		   (int)run.retval, w.verdict)) {
		hexdump_diff(frame, len, out, run.data_size_out);
		return;
	}
	if (w.verdict == TC_ACT_UNSPEC) {
		CHECK(run.data_size_out == len && memcmp(out, frame, len) == 0,
		      "%s: a frame passed on was changed", what);
	} else if (w.verdict == TC_ACT_REDIRECT) {
		s->redirected++;
		s->compared_tag_in_meta += w.tag_in_meta;
		if (!CHECK(run.data_size_out == w.len && memcmp(out, w.frame, w.len) == 0,
			   "%s: %u bytes out, %zu expected (frame/got, then expected/got)", what,
			   run.data_size_out, w.len)) {
			hexdump_diff(frame, len, out, run.data_size_out);
			hexdump_diff(w.frame, w.len, out, run.data_size_out);
		}
	}
}

static void check_counters(struct set *s, int set)
{
	size_t n = s->table.n;
	struct kpath_slot_counters *got = calloc(n + 1, sizeof(*got));
	struct kpath_totals t;
	char err[256];

	if (got == NULL)
		abort();
	if (CHECK(kpath_counters_read(s->counters, 0, (uint32_t)n, got, err, sizeof(err)) == 0,
		  "read: %s", err)) {
		for (size_t i = 0; i < n; i++) {
			const struct kpath_slot_counters *g = &got[i], *w = &s->want[i];

			CHECK(g->rule.packets_in == w->rule.packets_in &&
			      g->rule.bytes_in == w->rule.bytes_in &&
			      g->rule.ttl_expired == w->rule.ttl_expired,
			      "set %d rule %zu: in %llu/%llu bytes %llu/%llu ttl %llu/%llu", set, i,
			      (unsigned long long)g->rule.packets_in,
			      (unsigned long long)w->rule.packets_in,
			      (unsigned long long)g->rule.bytes_in, (unsigned long long)w->rule.bytes_in,
			      (unsigned long long)g->rule.ttl_expired,
			      (unsigned long long)w->rule.ttl_expired);
			CHECK((g->rule.last_packet_ns != 0) == (w->rule.packets_in != 0),
			      "set %d rule %zu: last packet time", set, i);
			for (unsigned k = 0; k < KPATH_MAX_OUTPUTS; k++)
				CHECK(memcmp(&g->out[k], &w->out[k], sizeof(g->out[k])) == 0,
				      "set %d rule %zu output %u: packets %llu/%llu too_big %llu/%llu "
				      "errors %llu/%llu", set, i, k,
				      (unsigned long long)g->out[k].packets,
				      (unsigned long long)w->out[k].packets,
				      (unsigned long long)g->out[k].too_big,
				      (unsigned long long)w->out[k].too_big,
				      (unsigned long long)g->out[k].errors,
				      (unsigned long long)w->out[k].errors);
		}
	}
	if (CHECK(kpath_counters_totals(s->counters, &t, err, sizeof(err)) == 0, "totals: %s", err))
		CHECK(memcmp(&t, &s->want_totals, sizeof(t)) == 0,
		      "set %d totals: handled %llu/%llu not_handleable %llu/%llu no_rule %llu/%llu "
		      "packet_path %llu/%llu", set, (unsigned long long)t.handled,
		      (unsigned long long)s->want_totals.handled,
		      (unsigned long long)t.not_handleable,
		      (unsigned long long)s->want_totals.not_handleable,
		      (unsigned long long)t.no_rule, (unsigned long long)s->want_totals.no_rule,
		      (unsigned long long)t.packet_path, (unsigned long long)s->want_totals.packet_path);
	free(got);
}

/* ------------------------------------------------------------------ */
/* Crafted: UDP checksums that pass through zero */

/*
 * One IPv4 or IPv6 rule rewriting group and port, and a frame (found by
 * search over the source port) whose UDP checksum is zero after the
 * address change but before the port change (mid), or zero at the end
 * (end, sent as 0xffff); both must come out as pkt_rewrite_headers has them.
 */
static void crafted_zero(uint64_t *rng, bool v6, bool mid)
{
	struct set s;
	struct kf_spec f = { .v6 = v6, .ttl = 64, .payload = 37, .dport = 5000 };
	uint8_t frame[FRAME_MAX];
	struct conf_rule *r;
	struct conf_output *o;
	char err[512] = "";
	bool found = false;

	memset(&s, 0, sizeof(s));
	kg_conf_init(&s.conf, 1);
	r = kg_rule(&s.conf, v6 ? unit_v6("ff3e::1:1") : unit_v4h(0xef010101));
	o = kg_output(r, "out0");
	o->group = v6 ? unit_v6("ff3e::9:9") : unit_v4h(0xef090909);
	o->port = 6000;
	f.group = r->group;
	f.source = v6 ? unit_v6("2001:db8::1") : unit_v4h(0x0a000001);
	for (uint32_t tries = 0; tries < 4000000 && !found; tries++) {
		uint16_t check, after;
		size_t l4;

		f.sport = (uint16_t)(1 + unit_rand_below(rng, 65535));
		f.seed = (uint8_t)unit_rand(rng);
		kf_build(frame, &f);
		l4 = 14 + (v6 ? 40 : 20);
		memcpy(&check, frame + l4 + 6, 2);
		if (v6)
			after = csum_replace128(check, f.group.b, o->group.b);
		else
			after = csum_replace32(check, addr_v4(&f.group), addr_v4(&o->group));
		if (mid)
			found = after == 0;
		else
			found = csum_replace16(after, htons(5000), htons(6000)) == 0;
	}
	if (!CHECK(found, "no frame found for a %s checksum through zero", v6 ? "IPv6" : "IPv4"))
		goto out;
	{
		uint32_t slots[1] = { 0 };
		struct kpath_plan_params pp = { .conf = &s.conf, .input = KG_INPUT, .ifaces = IFACES,
						.n_ifaces = N_IFACES, .slots = slots };
		struct rule *rules;
		size_t n;

		if (!CHECK(kpath_plan_build(&s.plan, &pp, err, sizeof(err)) == 0, "plan: %s", err))
			goto out;
		rules = kg_worker_rules(&s.conf, IFACES, N_IFACES, &n);
		if (!CHECK(rule_table_init(&s.table, rules, n) == 0, "rule_table_init"))
			goto out;
		s.kernel = calloc(2, sizeof(*s.kernel));
		s.want = calloc(2, sizeof(*s.want));
		s.kernel[0] = true;
		s.counters = kpath_counters_new(1, err, sizeof(err));
		if (!CHECK(s.counters != NULL, "counters: %s", err))
			goto out;
		s.k = kpath_load(&s.plan, s.counters, err, sizeof(err));
		if (!CHECK(s.k != NULL, "load: %s", err))
			goto out;
		run_frame(&s, frame, kf_build(frame, &f), false,
			  mid ? "checksum zero between the address and the port"
			      : "checksum zero after the rewrite");
		CHECK(s.redirected == 1, "the crafted frame was relayed");
		check_counters(&s, -1);
	}
out:
	set_free(&s);
}

int main(void)
{
	uint64_t rng = unit_seed(0x6571756976);
	unsigned long frames = 0, handled = 0, redirected = 0, tag_meta = 0;
	int rc = kt_require_root("test_kpath_equiv");

	if (rc)
		return rc;
	unit_deadline(600);
	for (int set = 0; set < N_SETS; set++) {
		struct set s;

		if (set_load(&s, &rng)) {
			for (int i = 0; i < FRAMES_PER_SET; i++) {
				struct kf_spec f;
				uint8_t frame[FRAME_MAX];
				char what[96];
				bool gso = unit_rand_below(&rng, 50) == 0;
				size_t len;

				random_frame(&s, &rng, &f);
				len = kf_build(frame, &f);
				snprintf(what, sizeof(what), "set %d frame %d", set, i);
				run_frame(&s, frame, len, gso, what);
			}
			check_counters(&s, set);
			frames += s.frames;
			handled += s.handled;
			redirected += s.redirected;
			tag_meta += s.compared_tag_in_meta;
		}
		set_free(&s);
	}
	for (int v6 = 0; v6 <= 1; v6++) {
		crafted_zero(&rng, v6, true);
		crafted_zero(&rng, v6, false);
	}
	printf("%lu frames: %lu handled in the kernel, %lu relayed and compared (%lu with the tag "
	       "in metadata)\n", frames, handled, redirected, tag_meta);
	CHECK(frames > N_SETS * FRAMES_PER_SET / 2 && redirected > frames / 10,
	      "enough frames were relayed to mean something");
	return unit_summary("test_kpath_equiv");
}
