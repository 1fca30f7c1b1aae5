#ifndef MCRELAY_KPATH_PLAN_H
#define MCRELAY_KPATH_PLAN_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/conf_types.h"
#include "lib/kpath_abi.h"
#include "lib/monitor_counts.h"
#include "lib/packet.h"

/*
 * The kernel path of one input: which of its rules the tc program relays
 * (kernel) and which it passes to the worker (packet), and the contents
 * of the program's maps.  The maps hold every rule of the input, so that
 * the program finds the same best rule as rules.c; the worker keeps all
 * of them too, and skips exactly the frames the program relays: those of
 * a kernel-path rule for which kpath_handles() is true.
 */

/* An input's datapath setting. */
enum kpath_datapath {
	KPATH_DATAPATH_AUTO = 0,	/* the kernel path where the kernel can */
	KPATH_DATAPATH_KERNEL,
	KPATH_DATAPATH_PACKET,
};

/* An output interface as the caller found it on this host. */
struct kpath_iface {
	char name[IF_NAMESIZE];
	uint32_t ifindex;
	uint32_t mtu;
	uint8_t mac[6];
	bool up;
};

struct kpath_plan_params {
	const struct conf *conf;
	const char *input;
	enum kpath_datapath datapath;
	const char *unavailable;	/* why this kernel cannot (kpath_probe), or NULL */
	/* Output interfaces, each once; one absent from the list, or down, makes its outputs pending. */
	const struct kpath_iface *ifaces;
	size_t n_ifaces;
	/* The counter slot of each rule, indexed as conf->rules; below KPATH_MAX_SLOTS. */
	const uint32_t *slots;
};

/* A rule of the input, in configuration order (the worker's table order). */
struct kpath_plan_rule {
	size_t conf_index;
	bool kernel;
	uint32_t slot;
	char reason[96];	/* why the packet path relays it; "" for the kernel path */
};

struct kpath_plan_exact {
	struct kpath_exact_key key;
	struct kpath_match value;
};

struct kpath_plan {
	struct kpath_plan_rule *rules;
	size_t n_rules, n_kernel;
	struct kpath_plan_exact *exact;		/* every exact rule of the input */
	size_t n_exact;
	struct kpath_wide *wide;		/* every wide rule, most specific first */
	size_t n_wide;
	struct kpath_rule *krules;		/* the rules map: kernel-path rules */
	size_t n_krules;
	struct kpath_output *outputs;		/* the outputs map */
	size_t n_outputs;
	uint32_t kinds;				/* KPATH_KIND_* of the exact rules */
};

/*
 * Builds the plan; -1 with a reason in err for a configuration the
 * validator should have refused (two rules with one match, a slot out
 * of range) or no memory.  The plan does not point into params.
 */
int kpath_plan_build(struct kpath_plan *plan, const struct kpath_plan_params *params,
		     char *err, size_t errlen);
void kpath_plan_free(struct kpath_plan *plan);

/* A rule's specificity, as rules.c's spec_of computes it for the worker's rule. */
uint64_t kpath_plan_spec(const struct conf_rule *r);

/*
 * Whether the kernel path relays this frame (the predicate of
 * lib/kpath_abi.h), given what pkt_parse said of it and whether it came
 * as one GSO packet (the ring's virtio header has a gso_type).  The
 * worker leaves a frame to the kernel when this is true and its rule is
 * on the kernel path.
 */
static inline bool kpath_handles(enum pkt_result res, const struct pkt *p, bool gso)
{
	if (res != PKT_OK || gso || p->fragment || !p->has_udp)
		return false;
	/* IPv6: UDP right after the fixed header, from a source that is not ::ffff:a.b.c.d. */
	if (p->v6 && (p->ihl != 40 || addr_is_v4(&p->src)))
		return false;
	return addr_is_multicast(&p->dst);
}

/* Adds the kernel path's upstream counts of a rule (summed over CPUs) to what status shows. */
static inline void kpath_monitor_add(struct monitor_counts *to,
				     const struct kpath_monitor_counters *k)
{
	struct monitor_counts c = {
		.missing = k->missing, .filled = k->filled, .errors = k->errors,
		.reordered = k->reordered, .duplicates = k->duplicates, .resyncs = k->resyncs,
		.invalid = k->invalid, .sources = k->sources, .evicted = k->evicted,
	};

	monitor_counts_add(to, &c);
}

#endif
