#include "config.h"

#include "supervisor/kpath_counters.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Maps made bigger are kept (capacities double, so a handful at most). */
#define MAX_GENERATIONS 16

struct generation {
	uint32_t capacity;	/* slots */
	int rule_fd, output_fd;
};

struct kpath_counters {
	struct generation gen[MAX_GENERATIONS];	/* the last is the current one */
	unsigned n_gen;
	int totals_fd;
	int ncpus;
};

static int percpu_array(const char *name, uint32_t value_size, uint32_t entries)
{
	return bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, name, sizeof(uint32_t), value_size,
			      entries, NULL);
}

static int add_generation(struct kpath_counters *c, uint32_t capacity, char *err, size_t errlen)
{
	struct generation *g = &c->gen[c->n_gen];

	if (c->n_gen == MAX_GENERATIONS || capacity > KPATH_MAX_SLOTS) {
		snprintf(err, errlen, "kernel path: more than %u counter slots", KPATH_MAX_SLOTS);
		return -1;
	}
	g->capacity = capacity;
	g->rule_fd = percpu_array("kpath_rule_cnt", sizeof(struct kpath_rule_counters), capacity);
	g->output_fd = percpu_array("kpath_out_cnt", sizeof(struct kpath_output_counters),
				    capacity * KPATH_MAX_OUTPUTS);
	if (g->rule_fd < 0 || g->output_fd < 0) {
		snprintf(err, errlen, "kernel path: counter maps for %u slots: %s", capacity,
			 strerror(errno));
		if (g->rule_fd >= 0)
			close(g->rule_fd);
		if (g->output_fd >= 0)
			close(g->output_fd);
		return -1;
	}
	c->n_gen++;
	return 0;
}

struct kpath_counters *kpath_counters_new(uint32_t capacity, char *err, size_t errlen)
{
	struct kpath_counters *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->ncpus = libbpf_num_possible_cpus();
	c->totals_fd = percpu_array("kpath_totals", sizeof(struct kpath_totals), 1);
	if (c->ncpus <= 0 || c->totals_fd < 0) {
		snprintf(err, errlen, "kernel path: counter maps: %s", strerror(errno));
		kpath_counters_free(c);
		return NULL;
	}
	if (add_generation(c, capacity ? capacity : 1, err, errlen) < 0) {
		kpath_counters_free(c);
		return NULL;
	}
	return c;
}

void kpath_counters_free(struct kpath_counters *c)
{
	if (c == NULL)
		return;
	for (unsigned i = 0; i < c->n_gen; i++) {
		close(c->gen[i].rule_fd);
		close(c->gen[i].output_fd);
	}
	if (c->totals_fd >= 0)
		close(c->totals_fd);
	free(c);
}

int kpath_counters_for(struct kpath_counters *c, uint32_t need, struct kpath_counter_fds *fds,
		       char *err, size_t errlen)
{
	uint32_t cap = c->gen[c->n_gen - 1].capacity;

	if (need > cap) {
		while (cap < need && cap < KPATH_MAX_SLOTS)
			cap *= 2;
		if (add_generation(c, cap < need ? need : cap, err, errlen) < 0)
			return -1;
	}
	fds->rule = c->gen[c->n_gen - 1].rule_fd;
	fds->output = c->gen[c->n_gen - 1].output_fd;
	fds->totals = c->totals_fd;
	return 0;
}

static void add_rule(struct kpath_rule_counters *sum, const struct kpath_rule_counters *v)
{
	sum->packets_in += v->packets_in;
	sum->bytes_in += v->bytes_in;
	sum->ttl_expired += v->ttl_expired;
	if (v->last_packet_ns > sum->last_packet_ns)
		sum->last_packet_ns = v->last_packet_ns;
	sum->monitor.missing += v->monitor.missing;
	sum->monitor.filled += v->monitor.filled;
	sum->monitor.errors += v->monitor.errors;
	sum->monitor.reordered += v->monitor.reordered;
	sum->monitor.duplicates += v->monitor.duplicates;
	sum->monitor.resyncs += v->monitor.resyncs;
	sum->monitor.invalid += v->monitor.invalid;
	sum->monitor.sources += v->monitor.sources;
	sum->monitor.evicted += v->monitor.evicted;
}

static void add_output(struct kpath_output_counters *sum, const struct kpath_output_counters *v)
{
	sum->packets += v->packets;
	sum->bytes += v->bytes;
	sum->too_big += v->too_big;
	sum->errors += v->errors;
}

/*
 * Keys first .. first + n - 1 of a per-CPU array, n at most its size less
 * first, in batches: add(out + i * out_size, value of one CPU) for each.
 */
static int read_percpu(const struct kpath_counters *c, int fd, uint32_t first, uint32_t n,
		       size_t value_size, void (*add)(void *, const void *), void *out,
		       size_t out_size)
{
	enum { BATCH = 256 };
	size_t stride = (value_size + 7) / 8 * 8;
	uint8_t *values = malloc(BATCH * stride * (size_t)c->ncpus);
	uint32_t keys[BATCH], done = 0;
	int rc = 0;

	if (values == NULL) {
		errno = ENOMEM;
		return -1;
	}
	while (done < n) {
		uint32_t count = n - done < BATCH ? n - done : BATCH;
		uint32_t prev = first + done - 1, next;
		LIBBPF_OPTS(bpf_map_batch_opts, opts);

		/* The batch starts after in_batch's key; NULL starts at key 0. */
		if (bpf_map_lookup_batch(fd, first + done ? &prev : NULL, &next, keys, values,
					 &count, &opts) < 0 && errno != ENOENT) {
			rc = -1;
			break;
		}
		if (count == 0)
			break;
		for (uint32_t i = 0; i < count; i++)
			for (int cpu = 0; cpu < c->ncpus; cpu++)
				add((uint8_t *)out + (size_t)(keys[i] - first) * out_size,
				    values + ((size_t)i * (size_t)c->ncpus + (size_t)cpu) * stride);
		done += count;
	}
	free(values);
	return rc;
}

static void add_rule_v(void *sum, const void *v)
{
	add_rule(sum, v);
}

static void add_output_v(void *sum, const void *v)
{
	add_output(sum, v);
}

int kpath_counters_read(const struct kpath_counters *c, uint32_t first, uint32_t n,
			struct kpath_slot_counters *out, char *err, size_t errlen)
{
	memset(out, 0, (size_t)n * sizeof(*out));
	if (n == 0)
		return 0;
	for (unsigned g = 0; g < c->n_gen; g++) {
		const struct generation *gen = &c->gen[g];
		uint32_t m;

		if (first >= gen->capacity)
			continue;
		m = gen->capacity - first < n ? gen->capacity - first : n;
		struct kpath_rule_counters *rules = calloc(m, sizeof(*rules));
		struct kpath_output_counters *outs = calloc((size_t)m * KPATH_MAX_OUTPUTS,
							    sizeof(*outs));
		int rc = -1;

		errno = 0;
		if (rules && outs &&
		    read_percpu(c, gen->rule_fd, first, m, sizeof(*rules), add_rule_v, rules,
				sizeof(*rules)) == 0 &&
		    read_percpu(c, gen->output_fd, first * KPATH_MAX_OUTPUTS, m * KPATH_MAX_OUTPUTS,
				sizeof(*outs), add_output_v, outs, sizeof(*outs)) == 0)
			rc = 0;
		for (uint32_t i = 0; rc == 0 && i < m; i++) {
			add_rule(&out[i].rule, &rules[i]);
			for (unsigned k = 0; k < KPATH_MAX_OUTPUTS; k++)
				add_output(&out[i].out[k], &outs[(size_t)i * KPATH_MAX_OUTPUTS + k]);
		}
		free(rules);
		free(outs);
		if (rc < 0) {
			snprintf(err, errlen, "kernel path: reading counters: %s",
				 errno ? strerror(errno) : "out of memory");
			return -1;
		}
	}
	return 0;
}

static int zero_keys(const struct kpath_counters *c, int fd, uint32_t first, uint32_t n,
		     size_t value_size)
{
	size_t stride = (value_size + 7) / 8 * 8;
	void *zeros = calloc((size_t)c->ncpus, stride);
	int rc = zeros ? 0 : -1;

	for (uint32_t k = first; rc == 0 && k < first + n; k++)
		rc = bpf_map_update_elem(fd, &k, zeros, BPF_EXIST);
	free(zeros);
	return rc;
}

int kpath_counters_clear(struct kpath_counters *c, uint32_t slot, char *err, size_t errlen)
{
	for (unsigned g = 0; g < c->n_gen; g++) {
		const struct generation *gen = &c->gen[g];

		if (slot >= gen->capacity)
			continue;
		if (zero_keys(c, gen->rule_fd, slot, 1, sizeof(struct kpath_rule_counters)) < 0 ||
		    zero_keys(c, gen->output_fd, slot * KPATH_MAX_OUTPUTS, KPATH_MAX_OUTPUTS,
			      sizeof(struct kpath_output_counters)) < 0) {
			snprintf(err, errlen, "kernel path: clearing counter slot %u: %s", slot,
				 strerror(errno));
			return -1;
		}
	}
	return 0;
}

int kpath_counters_totals(const struct kpath_counters *c, struct kpath_totals *t, char *err,
			  size_t errlen)
{
	size_t stride = (sizeof(*t) + 7) / 8 * 8;
	uint8_t *values = calloc((size_t)c->ncpus, stride);
	uint32_t zero = 0;

	memset(t, 0, sizeof(*t));
	if (values == NULL || bpf_map_lookup_elem(c->totals_fd, &zero, values) < 0) {
		snprintf(err, errlen, "kernel path: reading totals: %s", strerror(errno));
		free(values);
		return -1;
	}
	for (int cpu = 0; cpu < c->ncpus; cpu++) {
		const struct kpath_totals *v = (const void *)(values + (size_t)cpu * stride);

		t->handled += v->handled;
		t->not_handleable += v->not_handleable;
		t->no_rule += v->no_rule;
		t->packet_path += v->packet_path;
	}
	free(values);
	return 0;
}
