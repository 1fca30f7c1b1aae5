#include "config.h"

#include "supervisor/kpath.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/kpath_hook.h"

/* Generated from src/kernel/kpath.bpf.o by bpftool gen skeleton (the object is embedded). */
#include "kernel/kpath.skel.h"

struct kpath {
	struct kpath_bpf *skel;		/* the instance in force */
	struct kpath_counters *counters;
	struct kpath_hook hook;
	uint32_t verified_insns;
	uint32_t *rtp_slots;		/* its rules with monitor = rtp, by slot, sorted */
	size_t n_rtp_slots;
};

static uint32_t max_slot_needed(const struct kpath_plan *plan)
{
	uint32_t need = 1;

	for (size_t i = 0; i < plan->n_krules; i++)
		if (plan->krules[i].slot + 1 > need)
			need = plan->krules[i].slot + 1;
	return need;
}

static size_t at_least_1(size_t n)
{
	return n ? n : 1;
}

static int size_maps(struct kpath_bpf *s, const struct kpath_plan *plan,
		     const struct kpath_counter_fds *fds)
{
	if (bpf_map__set_max_entries(s->maps.kpath_exact, (uint32_t)at_least_1(plan->n_exact)) ||
	    bpf_map__set_max_entries(s->maps.kpath_wide, (uint32_t)at_least_1(plan->n_wide)) ||
	    bpf_map__set_max_entries(s->maps.kpath_rules, (uint32_t)at_least_1(plan->n_krules)) ||
	    bpf_map__set_max_entries(s->maps.kpath_outputs,
				     (uint32_t)at_least_1(plan->n_outputs)))
		return -1;
	/* The counters are the input's, the same maps for every instance. */
	if (bpf_map__reuse_fd(s->maps.kpath_rule_counters, fds->rule) ||
	    bpf_map__reuse_fd(s->maps.kpath_output_counters, fds->output) ||
	    bpf_map__reuse_fd(s->maps.kpath_totals, fds->totals))
		return -1;
	return 0;
}

static int fill_array(struct bpf_map *map, const void *values, size_t size, size_t n)
{
	int fd = bpf_map__fd(map);

	for (uint32_t i = 0; i < n; i++)
		if (bpf_map_update_elem(fd, &i, (const char *)values + i * size, BPF_ANY) < 0)
			return -1;
	return 0;
}

static int fill_maps(struct kpath_bpf *s, const struct kpath_plan *plan)
{
	int fd = bpf_map__fd(s->maps.kpath_exact);

	for (size_t i = 0; i < plan->n_exact; i++)
		if (bpf_map_update_elem(fd, &plan->exact[i].key, &plan->exact[i].value,
					BPF_NOEXIST) < 0)
			return -1;
	if (fill_array(s->maps.kpath_wide, plan->wide, sizeof(*plan->wide), plan->n_wide) < 0 ||
	    fill_array(s->maps.kpath_rules, plan->krules, sizeof(*plan->krules),
		       plan->n_krules) < 0 ||
	    fill_array(s->maps.kpath_outputs, plan->outputs, sizeof(*plan->outputs),
		       plan->n_outputs) < 0)
		return -1;
	return 0;
}

static int by_slot(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The slots of plan's rules that the program follows (monitor = rtp), sorted; -1 if no memory. */
static int rtp_slots(const struct kpath_plan *plan, uint32_t **out, size_t *n)
{
	*n = 0;
	*out = calloc(plan->n_krules + 1, sizeof(**out));
	if (*out == NULL)
		return -1;
	for (size_t i = 0; i < plan->n_krules; i++)
		if (plan->krules[i].monitor == KPATH_MONITOR_RTP)
			(*out)[(*n)++] = plan->krules[i].slot;
	qsort(*out, *n, sizeof(**out), by_slot);
	return 0;
}

static bool has_slot(const uint32_t *slots, size_t n, uint32_t slot)
{
	return bsearch(&slot, slots, n, sizeof(*slots), by_slot) != NULL;
}

/*
 * The RTP streams of a rule followed both by the old instance and by the
 * new one go on; the others are forgotten, so that a rule that comes back
 * to the program (or a slot another rule takes) never finds a stream's
 * state from before the packets it did not see.
 */
static void prune_streams(int fd, const uint32_t *old, size_t n_old, const uint32_t *now,
			  size_t n_now)
{
	struct kpath_rtp_key *gone = calloc(KPATH_RTP_STREAMS, sizeof(*gone));
	struct kpath_rtp_key key, next;
	size_t n = 0;
	int more;

	if (gone == NULL)
		return;
	for (more = bpf_map_get_next_key(fd, NULL, &next) == 0; more && n < KPATH_RTP_STREAMS;
	     more = bpf_map_get_next_key(fd, &key, &next) == 0) {
		key = next;
		if (!has_slot(old, n_old, key.slot) || !has_slot(now, n_now, key.slot))
			gone[n++] = key;
	}
	for (size_t i = 0; i < n; i++)
		bpf_map_delete_elem(fd, &gone[i]);
	free(gone);
}

static uint32_t verified_insns(int prog_fd)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) < 0)
		return 0;
	return info.verified_insns;
}

/*
 * A loaded instance with plan's maps filled, counting into counters; NULL
 * and err if not.  It goes on with prev's RTP streams (monitor = rtp), if
 * there is a prev, so that a reload does not take them up afresh.
 */
static struct kpath_bpf *instance_new(const struct kpath_plan *plan,
				      struct kpath_counters *counters,
				      const struct kpath_bpf *prev, char *err, size_t errlen)
{
	struct kpath_counter_fds fds;
	struct kpath_bpf *s;
	int rc;

	if (plan->n_wide > KPATH_MAX_WIDE) {
		snprintf(err, errlen, "kernel path: %zu wide rules, at most %d", plan->n_wide,
			 KPATH_MAX_WIDE);
		return NULL;
	}
	if (kpath_counters_for(counters, max_slot_needed(plan), &fds, err, errlen) < 0)
		return NULL;
	s = kpath_bpf__open();
	if (s == NULL) {
		snprintf(err, errlen, "kernel path: opening the program: %s", strerror(errno));
		return NULL;
	}
	s->rodata->kpath_config.kinds = plan->kinds;
	s->rodata->kpath_config.n_wide = (uint32_t)plan->n_wide;
	s->rodata->kpath_config.l4_v6_flags = kpath_probe_l4_v6_flags();
	if (size_maps(s, plan, &fds) < 0 ||
	    (prev != NULL && bpf_map__reuse_fd(s->maps.kpath_rtp_streams,
					       bpf_map__fd(prev->maps.kpath_rtp_streams)))) {
		snprintf(err, errlen, "kernel path: sizing the maps: %s", strerror(errno));
		goto fail;
	}
	rc = kpath_bpf__load(s);
	if (rc < 0) {
		snprintf(err, errlen, "kernel path: loading the program: %s", strerror(-rc));
		goto fail;
	}
	if (fill_maps(s, plan) < 0) {
		snprintf(err, errlen, "kernel path: filling the maps: %s", strerror(errno));
		goto fail;
	}
	return s;
fail:
	kpath_bpf__destroy(s);
	return NULL;
}

struct kpath *kpath_load(const struct kpath_plan *plan, struct kpath_counters *counters,
			 char *err, size_t errlen)
{
	struct kpath *k = calloc(1, sizeof(*k));

	if (k == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	k->counters = counters;
	k->hook.how = KPATH_ATTACH_NONE;
	k->hook.link_fd = -1;
	k->skel = instance_new(plan, counters, NULL, err, errlen);
	if (k->skel == NULL) {
		free(k);
		return NULL;
	}
	if (rtp_slots(plan, &k->rtp_slots, &k->n_rtp_slots) < 0) {
		snprintf(err, errlen, "out of memory");
		kpath_bpf__destroy(k->skel);
		free(k);
		return NULL;
	}
	k->verified_insns = verified_insns(bpf_program__fd(k->skel->progs.kpath_ingress));
	return k;
}

struct kpath *kpath_open(int ifindex, enum kpath_attach how, const struct kpath_plan *plan,
			 struct kpath_counters *counters, char *err, size_t errlen)
{
	struct kpath *k = kpath_load(plan, counters, err, errlen);

	if (k == NULL)
		return NULL;
	if (kpath_hook_attach(&k->hook, ifindex, how, kpath_prog_fd(k), err, errlen) < 0) {
		kpath_bpf__destroy(k->skel);
		free(k->rtp_slots);
		free(k);
		return NULL;
	}
	return k;
}

int kpath_update(struct kpath *k, const struct kpath_plan *plan, char *err, size_t errlen)
{
	struct kpath_bpf *s = instance_new(plan, k->counters, k->skel, err, errlen);
	uint32_t *slots;
	size_t n_slots;

	if (s == NULL)
		return -1;
	if (rtp_slots(plan, &slots, &n_slots) < 0) {
		snprintf(err, errlen, "out of memory");
		kpath_bpf__destroy(s);
		return -1;
	}
	if (k->hook.how != KPATH_ATTACH_NONE &&
	    kpath_hook_replace(&k->hook, bpf_program__fd(s->progs.kpath_ingress), err,
			       errlen) < 0) {
		kpath_bpf__destroy(s);
		free(slots);
		return -1;
	}
	/* After the swap: what the old instance still took up is pruned too. */
	prune_streams(bpf_map__fd(s->maps.kpath_rtp_streams), k->rtp_slots, k->n_rtp_slots, slots,
		      n_slots);
	free(k->rtp_slots);
	k->rtp_slots = slots;
	k->n_rtp_slots = n_slots;
	kpath_bpf__destroy(k->skel);
	k->skel = s;
	k->verified_insns = verified_insns(kpath_prog_fd(k));
	return 0;
}

void kpath_close(struct kpath *k)
{
	if (k == NULL)
		return;
	kpath_hook_detach(&k->hook);
	kpath_bpf__destroy(k->skel);
	free(k->rtp_slots);
	free(k);
}

int kpath_prog_fd(const struct kpath *k)
{
	return bpf_program__fd(k->skel->progs.kpath_ingress);
}

uint32_t kpath_prog_id(const struct kpath *k)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(kpath_prog_fd(k), &info, &len) < 0)
		return 0;
	return info.id;
}

uint32_t kpath_verified_insns(const struct kpath *k)
{
	return k->verified_insns;
}
