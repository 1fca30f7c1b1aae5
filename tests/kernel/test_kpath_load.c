/*
 * The kernel path's program is accepted by this kernel's verifier: with
 * no rules, with one, and with the most of everything the maps can
 * describe (KPATH_MAX_WIDE wide rules, every kind of exact rule, a rule
 * with 16 outputs, KPATH_MAX_SLOTS counter slots, 65,536 exact rules);
 * one wide rule more is refused by the loader.  Prints the instructions
 * the verifier processed for each.  Needs root (CAP_BPF and CAP_NET_ADMIN).
 */
#include "config.h"

#include "lib/kpath_plan.h"
#include "supervisor/kpath.h"
#include "kernel_test.h"
#include "../unit/kpath_gen.h"
#include "../unit/unit.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct kpath_iface IFACES[] = {
	{ .name = "out0", .ifindex = 1, .mtu = 1500, .up = true },
};

static struct kpath *load(const char *what, const struct conf *c, uint32_t capacity,
			  struct kpath_counters **counters, bool want)
{
	uint32_t *slots = kg_slots(c);
	struct kpath_plan_params pp = { .conf = c, .input = KG_INPUT, .ifaces = IFACES,
					.n_ifaces = 1, .slots = slots };
	struct kpath_plan plan;
	struct kpath *k = NULL;
	char err[512] = "";

	if (!CHECK(kpath_plan_build(&plan, &pp, err, sizeof(err)) == 0, "%s: plan: %s", what, err)) {
		free(slots);
		return NULL;
	}
	*counters = kpath_counters_new(capacity, err, sizeof(err));
	if (CHECK(*counters != NULL, "%s: counters: %s", what, err)) {
		k = kpath_load(&plan, *counters, err, sizeof(err));
		if (want) {
			if (CHECK(k != NULL, "%s: not loaded: %s", what, err))
				printf("%s: %zu exact, %zu wide, %zu kernel rules, %zu outputs: "
				       "%u instructions processed by the verifier\n", what,
				       plan.n_exact, plan.n_wide, plan.n_krules, plan.n_outputs,
				       kpath_verified_insns(k));
		} else {
			CHECK(k == NULL, "%s: loaded", what);
			printf("%s: refused: %s\n", what, err);
		}
	}
	kpath_plan_free(&plan);
	free(slots);
	return k;
}

static void release(struct kpath *k, struct kpath_counters *c)
{
	kpath_close(k);
	kpath_counters_free(c);
}

/* Every exact kind, n_wide wide rules (a group prefix, a port range, a source prefix each), one rule of 16 outputs. */
static void most(struct conf *c, size_t n_exact, size_t n_wide)
{
	kg_conf_init(c, n_exact + n_wide + 4);
	for (size_t i = 0; i < n_exact; i++) {
		struct conf_rule *r = kg_rule(c, unit_v4h(0xe8000000 | (uint32_t)i));

		switch (i % 4) {
		case 1:
			r->port = r->port_last = 5000;
			break;
		case 2:
			r->source = unit_v4h(0x0a000001);
			r->source_len = 32;
			break;
		case 3:
			r->port = r->port_last = 5000;
			r->source = unit_v4h(0x0a000001);
			r->source_len = 32;
			break;
		}
		for (size_t k = 0; k < (i == 0 ? KPATH_MAX_OUTPUTS : 1); k++)
			kg_output(r, "out0")->vlan = (uint16_t)k;
	}
	for (size_t i = 0; i < n_wide; i++) {
		struct conf_rule *r = kg_rule(c, unit_v6("ff3e::"));

		r->group.b[2] = (uint8_t)(i >> 8);
		r->group.b[3] = (uint8_t)i;
		r->group_len = 32;
		r->port = 5000;
		r->port_last = 5099;
		r->source = unit_v6("2001:db8::");
		r->source_len = 64;
		kg_output(r, "out0");
	}
}

int main(void)
{
	struct kpath_counters *counters;
	struct kpath *k;
	struct conf c;
	char err[256] = "";
	enum kpath_attach how;
	int rc = kt_require_root("test_kpath_load");

	if (rc)
		return rc;
	unit_deadline(300);
	how = kpath_probe(err, sizeof(err));
	CHECK(how != KPATH_ATTACH_NONE, "this kernel cannot attach the program: %s", err);
	printf("attach: %s; bpf_l4_csum_replace BPF_F_IPV6: %s\n", kpath_attach_name(how),
	       kpath_probe_l4_v6_flags() ? "yes" : "no");

	kg_conf_init(&c, 1);
	k = load("no rules", &c, 1, &counters, true);
	release(k, counters);
	conf_free(&c);

	kg_conf_init(&c, 1);
	kg_output(kg_rule(&c, unit_v4h(0xef010101)), "out0");
	k = load("one rule", &c, 1, &counters, true);
	release(k, counters);
	conf_free(&c);

	most(&c, 4, KPATH_MAX_WIDE);
	k = load("every kind", &c, 4 + KPATH_MAX_WIDE, &counters, true);
	release(k, counters);
	conf_free(&c);

	most(&c, KPATH_MAX_SLOTS - KPATH_MAX_WIDE, KPATH_MAX_WIDE);
	k = load("the largest maps", &c, KPATH_MAX_SLOTS, &counters, true);
	release(k, counters);
	conf_free(&c);

	/* The plan sends such an input to the packet path; the loader would refuse it anyway. */
	most(&c, 4, KPATH_MAX_WIDE + 1);
	{
		uint32_t *slots = kg_slots(&c);
		struct kpath_plan_params pp = { .conf = &c, .input = KG_INPUT, .ifaces = IFACES,
						.n_ifaces = 1, .slots = slots };
		struct kpath_plan plan;

		if (CHECK(kpath_plan_build(&plan, &pp, err, sizeof(err)) == 0, "plan: %s", err)) {
			CHECK(plan.n_krules == 0, "%zu wide rules: %zu on the kernel path", plan.n_wide,
			      plan.n_krules);
			counters = kpath_counters_new(1, err, sizeof(err));
			if (CHECK(counters != NULL, "counters: %s", err)) {
				k = kpath_load(&plan, counters, err, sizeof(err));
				CHECK(k == NULL && strstr(err, "wide"), "%d wide rules loaded: '%s'",
				      KPATH_MAX_WIDE + 1, err);
				kpath_close(k);
				kpath_counters_free(counters);
			}
			kpath_plan_free(&plan);
		}
		free(slots);
	}
	conf_free(&c);
	return unit_summary("test_kpath_load");
}
