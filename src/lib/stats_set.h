#ifndef MCRELAY_STATS_SET_H
#define MCRELAY_STATS_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/handoff.h"
#include "lib/status_format.h"

/*
 * A worker's counters as the supervisor assembles them from its STATS
 * messages.  The worker may be hostile: every count is bounded by what the
 * supervisor itself gave that worker, and a message that no honest worker
 * sends is refused with a reason.  Pure: no I/O.
 */
struct stats_set {
	struct ho_worker_stats worker;
	struct ho_rule_stats *rules;	/* the last complete set, sorted by name */
	size_t n_rules;
	bool valid;
	struct ho_rule_stats *partial;	/* being assembled */
	size_t n_partial;
	size_t total;			/* rules in the set being assembled */
};

/*
 * Takes one STATS payload (already checked by handoff_decode).  max_rules
 * bounds the rules a set may have: what the supervisor sent the worker.
 * Returns 1 when a set is complete, 0 when more is to come, -1 with a
 * reason in err for a message to refuse.
 */
int stats_set_take(struct stats_set *st, const void *payload, size_t len,
		   size_t max_rules, char *err, size_t errlen);
/* The counters of the rule with this name in the last complete set, or NULL. */
const struct ho_rule_stats *stats_set_find(const struct stats_set *st, const char *name);
void stats_set_free(struct stats_set *st);

/*
 * Adds a rule's counters, as one of its input's workers reports them, to
 * what status shows: counts and rates are summed over the workers, the
 * age of the last packet is the youngest, and each output's counters are
 * found by the position the worker reports for it; the monitor's counts
 * only if o->monitor says the rule is monitored.  o must start with zero
 * counts and last_packet_age < 0, and o->n_outputs and o->monitor set.
 */
void stats_set_add_rule(struct st_rule *o, const struct ho_rule_stats *rs, uint64_t now_ns);
void stats_set_fill_worker(struct st_worker *o, const struct ho_worker_stats *s);

#endif
