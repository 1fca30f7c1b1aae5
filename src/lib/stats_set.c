#include "config.h"

#include "lib/stats_set.h"

#include "lib/monitor_counts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void stats_set_free(struct stats_set *st)
{
	free(st->rules);
	free(st->partial);
	memset(st, 0, sizeof(*st));
}

static int by_name(const void *a, const void *b)
{
	const struct ho_rule_stats *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* A rate a worker can have measured: finite (JSON has no NaN nor infinity), not negative. */
static bool valid_rate(double v)
{
	return isfinite(v) && v >= 0;
}

static int check_rates(const char *what, size_t index, double pps, double bps, char *err,
		       size_t errlen)
{
	if (valid_rate(pps) && valid_rate(bps))
		return 0;
	snprintf(err, errlen, "%s %zu of the message: rates %g pps, %g bps (they must be "
		 "finite and not negative)", what, index, pps, bps);
	return -1;
}

static int check_rules(const struct ho_rule_stats *rs, size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		if (memchr(rs[i].name, '\0', sizeof(rs[i].name)) == NULL) {
			snprintf(err, errlen, "a rule name without its terminating NUL");
			return -1;
		}
		if (rs[i].n_outputs > HANDOFF_MAX_OUTPUTS) {
			snprintf(err, errlen, "%u outputs in one rule (at most %d)",
				 rs[i].n_outputs, HANDOFF_MAX_OUTPUTS);
			return -1;
		}
		if (check_rates("rule", i, rs[i].pps, rs[i].bps, err, errlen) < 0)
			return -1;
		if (!monitor_counts_plausible(&rs[i].monitor, rs[i].packets_in, err, errlen)) {
			size_t used = strlen(err);

			snprintf(err + used, errlen - used, " (rule %zu of the message)", i);
			return -1;
		}
		for (size_t k = 0; k < rs[i].n_outputs; k++)
			if (check_rates("an output of rule", i, rs[i].outputs[k].pps,
					rs[i].outputs[k].bps, err, errlen) < 0)
				return -1;
	}
	return 0;
}

static int start_set(struct stats_set *st, size_t total, size_t max_rules, char *err,
		     size_t errlen)
{
	if (total > max_rules) {
		snprintf(err, errlen, "counters for %zu rules, but it was given %zu", total,
			 max_rules);
		return -1;
	}
	free(st->partial);
	st->partial = calloc(total + 1, sizeof(*st->partial));
	st->n_partial = 0;
	st->total = total;
	if (st->partial == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int stats_set_take(struct stats_set *st, const void *payload, size_t len,
		   size_t max_rules, char *err, size_t errlen)
{
	const struct ho_worker_stats *ws = payload;
	const struct ho_rule_stats *rs = (const struct ho_rule_stats *)(ws + 1);
	size_t n = ws->n_rules;

	if (len != sizeof(*ws) + n * sizeof(*rs)) {
		snprintf(err, errlen, "payload size does not match its rule count");
		return -1;
	}
	if (ws->first_rule == 0 && start_set(st, ws->total_rules, max_rules, err, errlen) < 0)
		return -1;
	if (st->partial == NULL || ws->total_rules != st->total ||
	    ws->first_rule != st->n_partial || n > st->total - st->n_partial) {
		snprintf(err, errlen, "rules %u-%zu of %u out of step with the set (%zu of %zu)",
			 ws->first_rule, (size_t)ws->first_rule + n, ws->total_rules,
			 st->n_partial, st->total);
		return -1;
	}
	if (check_rules(rs, n, err, errlen) < 0)
		return -1;
	memcpy(st->partial + st->n_partial, rs, n * sizeof(*rs));
	st->n_partial += n;
	if (st->n_partial < st->total)
		return 0;
	qsort(st->partial, st->n_partial, sizeof(*st->partial), by_name);
	free(st->rules);
	st->rules = st->partial;
	st->n_rules = st->n_partial;
	st->partial = NULL;
	st->n_partial = st->total = 0;
	st->worker = *ws;
	st->valid = true;
	return 1;
}

const struct ho_rule_stats *stats_set_find(const struct stats_set *st, const char *name)
{
	struct ho_rule_stats key;

	if (!st->valid)
		return NULL;
	snprintf(key.name, sizeof(key.name), "%s", name);
	return bsearch(&key, st->rules, st->n_rules, sizeof(*st->rules), by_name);
}

void stats_set_add_rule(struct st_rule *o, const struct ho_rule_stats *rs, uint64_t now_ns)
{
	o->packets_in += rs->packets_in;
	o->bytes_in += rs->bytes_in;
	o->ttl_expired += rs->ttl_expired;
	o->pps += rs->pps;
	o->bps += rs->bps;
	/* What a worker says of a rule's upstream counts only if the rule is monitored. */
	if (strcmp(o->monitor, "rtp") == 0 || strcmp(o->monitor, "mpegts") == 0) {
		monitor_counts_add(&o->upstream, &rs->monitor);
		o->upstream_lost = monitor_lost(&o->upstream);
	}
	if (rs->last_packet_ns && rs->last_packet_ns <= now_ns) {
		double age = (double)(now_ns - rs->last_packet_ns) / 1e9;

		if (o->last_packet_age < 0 || age < o->last_packet_age)
			o->last_packet_age = age;
	}
	for (size_t i = 0; i < rs->n_outputs && i < HANDOFF_MAX_OUTPUTS; i++) {
		const struct ho_output_stats *s = &rs->outputs[i];
		struct st_output *out;

		if (s->conf_index >= o->n_outputs ||
		    s->conf_index >= sizeof(o->outputs) / sizeof(o->outputs[0]))
			continue;
		out = &o->outputs[s->conf_index];
		out->packets += s->packets;
		out->bytes += s->bytes;
		out->send_errors += s->send_errors;
		out->too_big += s->too_big;
		out->egress_full += s->egress_full;
		out->pps += s->pps;
		out->bps += s->bps;
	}
}

void stats_set_fill_worker(struct st_worker *o, const struct ho_worker_stats *s)
{
	o->rx_packets = s->rx_packets;
	o->rx_bytes = s->rx_bytes;
	o->no_match = s->no_match;
	o->malformed = s->malformed;
	o->not_udp = s->not_udp;
	o->fragments = s->fragments;
	o->ttl_expired = s->ttl_expired;
	o->vlan = s->vlan;
	o->send_errors = s->send_errors;
	o->too_big = s->too_big;
	o->egress_full = s->egress_full;
	o->ipv6_ext = s->ipv6_ext;
	o->kernel_path = s->kernel_path;
}
