#include "config.h"

#include "supervisor/sv_kpath.h"

#include "common/log.h"
#include "lib/conf_values.h"
#include "supervisor/sv_progress.h"
#include "supervisor/sv_worker.h"
#ifdef HAVE_KERNEL_PATH
#include "supervisor/kpath.h"
#endif

#include <cap-ng.h>
#include <event2/event.h>
#include <linux/capability.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

/*
 * A frame the previous program saw was in the worker's ring before the
 * swap returned (frames mode), or within the ring's block timeout (blocks
 * mode); this much more for one being written on another CPU meanwhile.
 */
#define SETTLE_MARGIN_MS 5
/* Counters are read from the maps at most this often (status, metrics). */
#define READ_EVERY_NS 200000000ull
/* Rates are over at least this long. */
#define RATE_MIN_NS 900000000ull


const char *svk_probe_kernel(int *attach, char *why, size_t len)
{
#ifdef HAVE_KERNEL_PATH
	char err[128];

	static const struct {
		int cap;
		const char *name;
	} caps[] = { { CAP_BPF, "CAP_BPF" }, { CAP_NET_ADMIN, "CAP_NET_ADMIN" },
		     { CAP_PERFMON, "CAP_PERFMON" } };

#ifdef MCRELAY_TEST_HOOKS
	/* A kernel without the kernel path, for tests on one that has it. */
	if (getenv("MCRELAY_TEST_NO_KPATH")) {
		*attach = 0;
		snprintf(why, len, "this kernel cannot run it: disabled for a test");
		return NULL;
	}
#endif
	/* Loading and attaching programs, at reloads too: privdrop_supervisor keeps these. */
	capng_get_caps_process();
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		if (!capng_have_capability(CAPNG_PERMITTED, (unsigned)caps[i].cap)) {
			*attach = 0;
			snprintf(why, len, "the supervisor does not have %s", caps[i].name);
			return NULL;
		}
	}
	*attach = (int)kpath_probe(err, sizeof(err));
	if (*attach == KPATH_ATTACH_NONE) {
		snprintf(why, len, "this kernel cannot run it: %s", err);
		return NULL;
	}
#ifdef MCRELAY_TEST_HOOKS
	/* A kernel before tcx (Debian 12's 6.1), on one that has it. */
	const char *force = getenv("MCRELAY_TEST_KPATH_ATTACH");

	if (force && strcmp(force, "cls_bpf") == 0)
		*attach = KPATH_ATTACH_CLS_BPF;
#endif
	return kpath_attach_name((enum kpath_attach)*attach);
#else
	*attach = 0;
	snprintf(why, len, "mcrelay was built without the kernel path");
	return NULL;
#endif
}

void svk_probe(struct supervisor *sv)
{
	const char *how = svk_probe_kernel(&sv->kpath_attach, sv->kpath_unavailable,
					   sizeof(sv->kpath_unavailable));

	if (how)
		log_info("kernel path: available (%s)", how);
}

bool svk_possible(const struct supervisor *sv)
{
	return sv->kpath_attach != 0;
}

static int datapath_line(const struct conf *c, const char *input)
{
	const struct conf_input *in = conf_input_find(c, input);

	return in && in->w.datapath_line ? in->w.datapath_line : c->workers.datapath_line;
}

void svk_check_conf(const struct supervisor *sv, const struct conf *c, struct diag *d)
{
	for (size_t i = 0; i < c->n_rules; i++) {
		const char *input = c->rules[i].input;
		bool first = true;

		for (size_t j = 0; j < i && first; j++)
			first = strcmp(c->rules[j].input, input) != 0;
		if (!first || svk_possible(sv) ||
		    conf_input_datapath(c, input) != CONF_DATAPATH_KERNEL)
			continue;
		diag_error(d, c->path, datapath_line(c, input), "input %s: datapath = kernel, but %s",
			   input, sv->kpath_unavailable);
	}
}

static enum kpath_datapath datapath_of(const struct conf *c, const char *input)
{
	switch (conf_input_datapath(c, input)) {
	case CONF_DATAPATH_KERNEL:
		return KPATH_DATAPATH_KERNEL;
	case CONF_DATAPATH_PACKET:
		return KPATH_DATAPATH_PACKET;
	default:
		return KPATH_DATAPATH_AUTO;
	}
}

/* The output interfaces of the input's rules, each once, as they are now. */
static struct kpath_iface *output_ifaces(const struct conf *c, const char *input, size_t *n)
{
	struct kpath_iface *ifs = calloc(c->n_rules * CONF_MAX_OUTPUTS + 1, sizeof(*ifs));

	*n = 0;
	if (ifs == NULL)
		fatal(EX_OSERR, "calloc");
	for (size_t i = 0; i < c->n_rules; i++) {
		const struct conf_rule *r = &c->rules[i];

		if (strcmp(r->input, input) != 0)
			continue;
		for (size_t k = 0; k < r->n_outputs; k++) {
			const char *name = r->outputs[k].ifname;
			struct iface_info info;
			bool seen = name[0] == '\0';

			for (size_t j = 0; j < *n && !seen; j++)
				seen = strcmp(ifs[j].name, name) == 0;
			if (seen || psock_iface_lookup(name, &info) < 0)
				continue;
			snprintf(ifs[*n].name, sizeof(ifs[*n].name), "%s", name);
			ifs[*n].ifindex = (uint32_t)info.ifindex;
			ifs[*n].mtu = info.mtu;
			memcpy(ifs[*n].mac, info.mac, 6);
			ifs[*n].up = info.up;
			(*n)++;
		}
	}
	return ifs;
}

static int cmp_slot(const void *a, const void *b)
{
	return strcmp(((const struct svk_slot *)a)->name, ((const struct svk_slot *)b)->name);
}

static const struct svk_slot *slot_find(const struct sv_kpath *kp, const char *name)
{
	struct svk_slot key;

	snprintf(key.name, sizeof(key.name), "%s", name);
	return kp->n_slots ? bsearch(&key, kp->slots, kp->n_slots, sizeof(key), cmp_slot) : NULL;
}

static uint32_t slot_take(struct sv_kpath *kp)
{
	if (kp->n_free)
		return kp->free_slots[--kp->n_free];
	return kp->next_slot++;
}

/*
 * A counter slot for each rule of the input, by name: a rule keeps its
 * slot (and its counts) across reloads; a new one takes a slot no
 * program counts into any more.
 */
static uint32_t *assign_slots(struct sv_input *in)
{
	struct sv_kpath *kp = &in->kp;
	const struct conf *c = &in->sv->conf;
	uint32_t *slots = calloc(c->n_rules + 1, sizeof(*slots));
	size_t n_new = 0;

	if (slots == NULL)
		fatal(EX_OSERR, "calloc");
	for (size_t i = 0; i < c->n_rules; i++) {
		const struct svk_slot *s;

		if (strcmp(c->rules[i].input, in->name) != 0)
			continue;
		if ((s = slot_find(kp, c->rules[i].name)) != NULL) {
			slots[i] = s->slot;
			continue;
		}
		struct svk_slot *grown = realloc(kp->slots, (kp->n_slots + n_new + 1) *
								sizeof(*grown));

		if (grown == NULL)
			fatal(EX_OSERR, "realloc");
		kp->slots = grown;
		slots[i] = slot_take(kp);
		snprintf(grown[kp->n_slots + n_new].name, sizeof(grown->name), "%s",
			 c->rules[i].name);
		grown[kp->n_slots + n_new++].slot = slots[i];
	}
	if (n_new) {
		kp->n_slots += n_new;
		qsort(kp->slots, kp->n_slots, sizeof(*kp->slots), cmp_slot);
	}
	return slots;
}

static bool slot_in(const uint32_t *set, size_t n, uint32_t slot)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == slot)
			return true;
	return false;
}

/*
 * Slots of rules gone from both the plan and the program: zeroed, and
 * free for the next new rule.
 */
static void release_slots(struct sv_input *in)
{
	struct sv_kpath *kp = &in->kp;
	const struct conf *c = &in->sv->conf;
	size_t k = 0;

	for (size_t i = 0; i < kp->n_slots; i++) {
		const struct svk_slot *s = &kp->slots[i];
		bool used = slot_in(kp->loaded_slots, kp->n_loaded_slots, s->slot);

		for (size_t j = 0; j < c->n_rules && !used; j++)
			used = strcmp(c->rules[j].input, in->name) == 0 &&
			       strcmp(c->rules[j].name, s->name) == 0;
		if (used) {
			kp->slots[k++] = *s;
			continue;
		}
#ifdef HAVE_KERNEL_PATH
		char err[160];

		if (kp->counters && kpath_counters_clear(kp->counters, s->slot, err,
							 sizeof(err)) < 0) {
			log_warnx("input %s: %s: slot %u not used again", in->name, err, s->slot);
			continue;
		}
#endif
		if (kp->samples && s->slot < kp->n_read)
			memset(&kp->samples[s->slot], 0, sizeof(kp->samples[s->slot]));
		uint32_t *grown = realloc(kp->free_slots, (kp->n_free + 1) * sizeof(*grown));

		if (grown == NULL)
			fatal(EX_OSERR, "realloc");
		kp->free_slots = grown;
		kp->free_slots[kp->n_free++] = s->slot;
	}
	kp->n_slots = k;
}

static int cmp_addr(const void *a, const void *b)
{
	return addr_cmp(a, b);
}

/*
 * Of the input's exact groups, those no packet-path rule of the plan could
 * take a frame of: every frame the program can handle is its own.
 */
static struct addr *kernel_only_groups(const struct conf *c, const struct kpath_plan *plan,
				       size_t *n, bool all[2])
{
	struct addr *groups = calloc(plan->n_rules + 1, sizeof(*groups));
	struct addr *packet = calloc(plan->n_rules + 1, sizeof(*packet));
	const struct conf_rule **wide = calloc(plan->n_rules + 1, sizeof(*wide));
	size_t n_groups = 0, n_packet = 0, n_wide = 0, k = 0;

	if (groups == NULL || packet == NULL || wide == NULL)
		fatal(EX_OSERR, "calloc");
	*n = 0;
	all[0] = all[1] = true;
	for (size_t i = 0; i < plan->n_rules; i++) {
		const struct conf_rule *r = &c->rules[plan->rules[i].conf_index];

		if (!plan->rules[i].kernel)
			all[addr_is_v4(&r->group) ? 0 : 1] = false;
		if (plan->rules[i].kernel && conf_group_exact(r))
			groups[n_groups++] = r->group;
		else if (!plan->rules[i].kernel && conf_group_exact(r))
			packet[n_packet++] = r->group;
		else if (!plan->rules[i].kernel)
			wide[n_wide++] = r;
	}
	qsort(packet, n_packet, sizeof(*packet), cmp_addr);
	qsort(groups, n_groups, sizeof(*groups), cmp_addr);
	for (size_t i = 0; i < n_groups; i++) {
		bool theirs = k && addr_eq(&groups[k - 1], &groups[i]);

		theirs = theirs || (n_packet && bsearch(&groups[i], packet, n_packet,
							sizeof(*packet), cmp_addr));
		for (size_t j = 0; j < n_wide && !theirs; j++)
			theirs = addr_in_prefix(&groups[i], &wide[j]->group, wide[j]->group_len);
		if (!theirs)
			groups[k++] = groups[i];
	}
	free(packet);
	free(wide);
	*n = k;
	return groups;
}

struct addr *svk_filter_groups(const struct sv_input *in, size_t *n, bool all[2])
{
	const struct sv_kpath *kp = &in->kp;
	struct addr *out = calloc(kp->n_wanted_groups + 1, sizeof(*out));

	if (out == NULL)
		fatal(EX_OSERR, "calloc");
	*n = 0;
	all[0] = all[1] = false;
	if (kp->prog == NULL)
		return out;
	for (int f = 0; f < 2; f++)
		all[f] = kp->wanted_all[f] && kp->loaded_all[f];
	for (size_t i = 0; i < kp->n_wanted_groups; i++)
		if (kp->n_loaded_groups && bsearch(&kp->wanted_groups[i], kp->loaded_groups,
						   kp->n_loaded_groups, sizeof(struct addr),
						   cmp_addr))
			out[(*n)++] = kp->wanted_groups[i];
	return out;
}

static uint64_t plan_digest(const struct kpath_plan *p, int ifindex)
{
	uint64_t h = sv_fnv1a(0xcbf29ce484222325ULL, &ifindex, sizeof(ifindex));

	if (p->n_kernel == 0)
		return 0;	/* no program */
	h = sv_fnv1a(h, &p->kinds, sizeof(p->kinds));
	h = sv_fnv1a(h, p->exact, p->n_exact * sizeof(*p->exact));
	h = sv_fnv1a(h, p->wide, p->n_wide * sizeof(*p->wide));
	h = sv_fnv1a(h, p->krules, p->n_krules * sizeof(*p->krules));
	h = sv_fnv1a(h, p->outputs, p->n_outputs * sizeof(*p->outputs));
	return h ? h : 1;
}

void svk_plan(struct sv_input *in, const struct iface_info *info)
{
	struct sv_kpath *kp = &in->kp;
	struct supervisor *sv = in->sv;
	const struct conf *c = &sv->conf;
	struct kpath_plan plan;
	size_t n_ifaces;
	struct kpath_iface *ifaces = output_ifaces(c, in->name, &n_ifaces);
	uint32_t *slots = assign_slots(in);
	const char *unavailable = svk_possible(sv) ? NULL : sv->kpath_unavailable;
	char err[160];

	struct kpath_plan_params pp = {
		.conf = c, .input = in->name, .datapath = datapath_of(c, in->name),
		.unavailable = unavailable, .ifaces = ifaces, .n_ifaces = n_ifaces,
		.slots = slots,
	};

	if (kpath_plan_build(&plan, &pp, err, sizeof(err)) < 0) {
		/* Not a configuration the validator lets through; the packet path all the same. */
		log_warnx("input %s: kernel path: %s", in->name, err);
		pp.unavailable = err;
		pp.datapath = KPATH_DATAPATH_PACKET;
		if (kpath_plan_build(&plan, &pp, err, sizeof(err)) < 0)
			fatalx(EX_SOFTWARE, "input %s: kernel path plan: %s", in->name, err);
	} else if (kp->failed[0] && plan_digest(&plan, info->ifindex) == kp->failed_for) {
		/* The plan the kernel refused, as long as nothing changes: the packet path. */
		kpath_plan_free(&plan);
		pp.unavailable = kp->failed;
		if (kpath_plan_build(&plan, &pp, err, sizeof(err)) < 0)
			fatalx(EX_SOFTWARE, "input %s: kernel path plan: %s", in->name, err);
	} else {
		kp->failed[0] = '\0';
	}
	free(ifaces);
	free(slots);
	kpath_plan_free(&kp->plan);
	kp->plan = plan;
	free(kp->rule_plan);
	kp->rule_plan = calloc(c->n_rules + 1, sizeof(*kp->rule_plan));
	if (kp->rule_plan == NULL)
		fatal(EX_OSERR, "calloc");
	for (size_t i = 0; i < plan.n_rules; i++)
		kp->rule_plan[plan.rules[i].conf_index] = &kp->plan.rules[i];
	kp->wanted = plan_digest(&kp->plan, info->ifindex);
	free(kp->wanted_groups);
	kp->wanted_groups = kernel_only_groups(c, &kp->plan, &kp->n_wanted_groups, kp->wanted_all);
	if (kp->prog && kp->ifindex != info->ifindex)
		svk_close(in);	/* a new interface of the same name */
	if (kp->wanted != kp->loaded && kp->phase == SVK_SETTLED) {
		kp->phase = SVK_WAITING;
		log_info("input %s: kernel path: %zu of %zu rules, waiting for the workers to adopt them",
			 in->name, kp->plan.n_kernel, kp->plan.n_rules);
	}
}

void svk_report(const struct conf *c, bool root, struct diag *d, FILE *fp)
{
	char why[160], err[160];
	int attach = 0;
	const char *how = root ? svk_probe_kernel(&attach, why, sizeof(why)) : NULL;
	uint32_t *slots = calloc(c->n_rules + 1, sizeof(*slots));

	if (slots == NULL)
		fatal(EX_OSERR, "calloc");
	for (size_t i = 0; i < c->n_rules; i++)
		slots[i] = (uint32_t)i;
	if (how)
		fprintf(fp, "kernel path: available (%s)\n", how);
	else if (root)
		fprintf(fp, "kernel path: unavailable: %s\n", why);
	else
		fprintf(fp, "kernel path: not probed (it takes root): where the kernel has it\n");
	for (size_t i = 0; i < c->n_rules; i++) {
		const char *input = c->rules[i].input;
		bool first = true;

		for (size_t j = 0; j < i && first; j++)
			first = strcmp(c->rules[j].input, input) != 0;
		if (!first)
			continue;
		if (root && !how && conf_input_datapath(c, input) == CONF_DATAPATH_KERNEL)
			diag_error(d, c->path, datapath_line(c, input),
				   "input %s: datapath = kernel, but %s", input, why);

		size_t n_ifaces;
		struct kpath_iface *ifaces = output_ifaces(c, input, &n_ifaces);
		struct kpath_plan plan;
		struct kpath_plan_params pp = {
			.conf = c, .input = input, .datapath = datapath_of(c, input),
			.unavailable = root && !how ? why : NULL, .ifaces = ifaces,
			.n_ifaces = n_ifaces, .slots = slots,
		};

		if (kpath_plan_build(&plan, &pp, err, sizeof(err)) < 0) {
			diag_error(d, c->path, 0, "input %s: kernel path: %s", input, err);
			free(ifaces);
			continue;
		}
		for (size_t k = 0; k < plan.n_rules; k++) {
			const struct kpath_plan_rule *pr = &plan.rules[k];

			if (pr->kernel)
				fprintf(fp, "rule %s: kernel path%s\n", c->rules[pr->conf_index].name,
					how ? "" : ", where the kernel has it");
			else
				fprintf(fp, "rule %s: packet path (%s)\n",
					c->rules[pr->conf_index].name, pr->reason);
		}
		kpath_plan_free(&plan);
		free(ifaces);
	}
	free(slots);
}

bool svk_rule_kernel(const struct sv_input *in, size_t i)
{
	return in->kp.rule_plan && i < in->sv->conf.n_rules && in->kp.rule_plan[i] &&
	       in->kp.rule_plan[i]->kernel;
}

const char *svk_rule_reason(const struct sv_input *in, size_t i)
{
	if (in->kp.rule_plan == NULL || i >= in->sv->conf.n_rules || in->kp.rule_plan[i] == NULL)
		return "";
	return in->kp.rule_plan[i]->reason;
}

uint32_t svk_commit_generation(struct sv_worker *w, uint32_t generation)
{
	const struct sv_kpath *kp = &w->in->kp;

	if (kp->prog == NULL)
		w->kpath_generation = 0;
	else if (kp->phase == SVK_SETTLED && kp->loaded == kp->wanted)
		w->kpath_generation = generation;
	/* else: what it was told stands until the program runs the new plan */
	return w->kpath_generation;
}

bool svk_defers(const struct sv_input *in)
{
	return in->kp.phase == SVK_SETTLING;
}

/* Every worker of the input that runs has adopted the current configuration. */
static bool workers_current(const struct sv_input *in)
{
	const struct supervisor *sv = in->sv;

	for (size_t i = 0; i < sv->n_workers; i++) {
		const struct sv_worker *w = sv->workers[i];

		if (w->in != in || w->pid <= 0 || w->chan < 0)
			continue;
		if (!w->wanted || w->progress.in_flight || !svp_current(w))
			return false;
	}
	return true;
}

/* How long after a swap the workers are told. */
static unsigned settle_ms(const struct sv_input *in)
{
	const struct supervisor *sv = in->sv;
	unsigned ms = 0;

	for (size_t i = 0; i < sv->n_workers; i++)
		if (sv->workers[i]->in == in && sv->workers[i]->ring.mode == RING_BLOCKS &&
		    sv->workers[i]->ring.timeout_ms > ms)
			ms = sv->workers[i]->ring.timeout_ms;
	return 2 * ms + SETTLE_MARGIN_MS;
}


static void on_settled(evutil_socket_t fd, short what, void *arg)
{
	struct sv_input *in = arg;
	struct supervisor *sv = in->sv;
	struct sv_kpath *kp = &in->kp;

	(void)fd;
	(void)what;
	kp->phase = SVK_SETTLED;
	for (size_t i = 0; i < sv->n_workers; i++) {
		struct sv_worker *w = sv->workers[i];
		struct ho_kpath msg;

		if (w->in != in || w->pid <= 0 || w->chan < 0 || w->progress.sent == 0)
			continue;
		msg.generation = kp->prog ? w->progress.sent : 0;
		if (msg.generation == w->kpath_generation)
			continue;
		if (svw_send_msg(w, HO_KPATH, &msg, sizeof(msg), -1) < 0) {
			svw_kill(w);	/* restarted, and told afresh */
			continue;
		}
		w->kpath_generation = msg.generation;
	}
	release_slots(in);
	if (kp->wanted != kp->loaded)
		kp->phase = SVK_WAITING;	/* changed meanwhile */
	else
		log_info("input %s: kernel path: %zu rules in the kernel", in->name,
			 kp->prog ? kp->plan.n_kernel : 0);
	sv->events.settled(sv);
}

static void settle_later(struct sv_input *in)
{
	struct timeval tv = { 0, (suseconds_t)settle_ms(in) * 1000 };

	in->kp.phase = SVK_SETTLING;
	if (in->kp.ev_settle == NULL)
		in->kp.ev_settle = evtimer_new(in->sv->base, on_settled, in);
	if (in->kp.ev_settle == NULL || evtimer_add(in->kp.ev_settle, &tv) < 0)
		fatalx(EX_OSERR, "cannot start a timer");
}

/* The kernel refused the plan: its rules go the packet path until something changes. */
static void refused(struct sv_input *in, const char *err)
{
	struct sv_kpath *kp = &in->kp;

	if (strncmp(err, "kernel path: ", 13) == 0)
		err += 13;
	log_warnx("input %s: kernel path: %s; the packet path relays its rules", in->name, err);
	snprintf(kp->failed, sizeof(kp->failed), "the kernel refused the program: %.100s", err);
	kp->failed_for = kp->wanted;
	kp->phase = SVK_SETTLED;
	in->sv->events.changed(in->sv);	/* a new plan, then configurations */
}

#ifdef HAVE_KERNEL_PATH
static void record_loaded_slots(struct sv_kpath *kp)
{
	free(kp->loaded_slots);
	kp->loaded_slots = calloc(kp->plan.n_krules + 1, sizeof(*kp->loaded_slots));
	if (kp->loaded_slots == NULL)
		fatal(EX_OSERR, "calloc");
	kp->n_loaded_slots = kp->plan.n_krules;
	for (size_t i = 0; i < kp->plan.n_krules; i++)
		kp->loaded_slots[i] = kp->plan.krules[i].slot;
}
#endif

/* Every worker runs the configuration that announces the plan: the program takes it. */
static void swap_in(struct sv_input *in)
{
	struct sv_kpath *kp = &in->kp;

	if (kp->wanted == 0) {
		svk_close(in);
		kp->phase = SVK_SETTLING;	/* the workers hear of it, then */
		settle_later(in);
		return;
	}
#ifdef HAVE_KERNEL_PATH
	char err[256];

	if (kp->counters == NULL &&
	    (kp->counters = kpath_counters_new(kp->next_slot, err, sizeof(err))) == NULL) {
		refused(in, err);
		return;
	}
	if (kp->prog == NULL) {
		kp->prog = kpath_open(in->info.ifindex, (enum kpath_attach)in->sv->kpath_attach,
				      &kp->plan, kp->counters, err, sizeof(err));
		if (kp->prog == NULL) {
			refused(in, err);
			return;
		}
		kp->ifindex = in->info.ifindex;
	} else if (kpath_update(kp->prog, &kp->plan, err, sizeof(err)) < 0) {
		refused(in, err);
		return;
	}
	kp->loaded = kp->wanted;
	record_loaded_slots(kp);
	free(kp->loaded_groups);
	kp->loaded_groups = calloc(kp->n_wanted_groups + 1, sizeof(*kp->loaded_groups));
	if (kp->loaded_groups == NULL)
		fatal(EX_OSERR, "calloc");
	memcpy(kp->loaded_groups, kp->wanted_groups,
	       kp->n_wanted_groups * sizeof(*kp->loaded_groups));
	kp->n_loaded_groups = kp->n_wanted_groups;
	kp->loaded_all[0] = kp->wanted_all[0];
	kp->loaded_all[1] = kp->wanted_all[1];
	settle_later(in);
#else
	refused(in, "mcrelay was built without the kernel path");
#endif
}

void svk_advance(struct supervisor *sv)
{
	for (size_t i = 0; i < sv->n_inputs; i++) {
		struct sv_input *in = sv->inputs[i];

		if (in->kp.phase != SVK_WAITING || !in->wanted || sv->hold_spawn || sv->stopping)
			continue;
		if (in->kp.wanted == in->kp.loaded) {
			in->kp.phase = SVK_SETTLED;	/* back to what runs */
			continue;
		}
		if (workers_current(in))
			swap_in(in);
	}
}

bool svk_all_settled(const struct supervisor *sv)
{
	for (size_t i = 0; i < sv->n_inputs; i++) {
		const struct sv_kpath *kp = &sv->inputs[i]->kp;

		if (sv->inputs[i]->wanted && (kp->phase != SVK_SETTLED || kp->wanted != kp->loaded))
			return false;
	}
	return true;
}

void svk_close(struct sv_input *in)
{
	struct sv_kpath *kp = &in->kp;

#ifdef HAVE_KERNEL_PATH
	if (kp->prog)
		log_info("input %s: kernel path detached", in->name);
	kpath_close(kp->prog);
#endif
	kp->prog = NULL;
	kp->loaded = 0;
	kp->n_loaded_slots = 0;
	kp->n_loaded_groups = 0;
	kp->loaded_all[0] = kp->loaded_all[1] = false;
	if (kp->ev_settle)
		evtimer_del(kp->ev_settle);
	kp->phase = kp->wanted ? SVK_WAITING : SVK_SETTLED;
}

void svk_free(struct sv_input *in)
{
	struct sv_kpath *kp = &in->kp;

	svk_close(in);
#ifdef HAVE_KERNEL_PATH
	kpath_counters_free(kp->counters);
#endif
	if (kp->ev_settle)
		event_free(kp->ev_settle);
	kpath_plan_free(&kp->plan);
	free(kp->rule_plan);
	free(kp->slots);
	free(kp->free_slots);
	free(kp->loaded_slots);
	free(kp->wanted_groups);
	free(kp->loaded_groups);
	free(kp->read);
	free(kp->samples);
	memset(kp, 0, sizeof(*kp));
}

#ifdef HAVE_KERNEL_PATH
static uint64_t ns_between(const struct timespec *a, const struct timespec *b)
{
	int64_t d = (int64_t)(b->tv_sec - a->tv_sec) * 1000000000 + (b->tv_nsec - a->tv_nsec);

	return d > 0 ? (uint64_t)d : 0;
}

static double rate(uint64_t now, uint64_t then, uint64_t dt_ns)
{
	return now >= then ? (double)(now - then) * 1e9 / (double)dt_ns : 0;
}

/* Every slot's counters, and their rates once RATE_MIN_NS have passed. */
static int read_counters(struct sv_kpath *kp)
{
	struct timespec now;
	char err[160];
	uint32_t n = kp->next_slot;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (kp->read && n == kp->n_read && ns_between(&kp->read_at, &now) < READ_EVERY_NS)
		return 0;
	if (n != kp->n_read) {
		struct kpath_slot_counters *r = realloc(kp->read, (n + 1) * sizeof(*r));
		struct svk_sample *s = realloc(kp->samples, (n + 1) * sizeof(*s));

		if (r == NULL || s == NULL)
			fatal(EX_OSERR, "realloc");
		if (n > kp->n_read)
			memset(s + kp->n_read, 0, (n - kp->n_read) * sizeof(*s));
		kp->read = r;
		kp->samples = s;
		kp->n_read = n;
	}
	if (kpath_counters_read(kp->counters, 0, n, kp->read, err, sizeof(err)) < 0) {
		log_warnx("%s", err);
		return -1;
	}
	kp->read_at = now;
	uint64_t dt = ns_between(&kp->sampled_at, &now);

	if (dt < RATE_MIN_NS)
		return 0;
	for (uint32_t i = 0; i < n; i++) {
		struct svk_sample *s = &kp->samples[i];
		const struct kpath_slot_counters *c = &kp->read[i];

		s->pps = rate(c->rule.packets_in, s->packets, dt);
		s->bps = 8 * rate(c->rule.bytes_in, s->bytes, dt);
		s->packets = c->rule.packets_in;
		s->bytes = c->rule.bytes_in;
		for (unsigned k = 0; k < KPATH_MAX_OUTPUTS; k++) {
			s->out_pps[k] = rate(c->out[k].packets, s->out_packets[k], dt);
			s->out_bps[k] = 8 * rate(c->out[k].bytes, s->out_bytes[k], dt);
			s->out_packets[k] = c->out[k].packets;
			s->out_bytes[k] = c->out[k].bytes;
		}
	}
	kp->sampled_at = now;
	return 0;
}
#endif

int svk_rule_counts(struct sv_input *in, size_t i, struct svk_counts *out)
{
	memset(out, 0, sizeof(*out));
#ifdef HAVE_KERNEL_PATH
	struct sv_kpath *kp = &in->kp;
	const struct svk_slot *s;

	if (kp->counters == NULL || i >= in->sv->conf.n_rules ||
	    (s = slot_find(kp, in->sv->conf.rules[i].name)) == NULL || read_counters(kp) < 0 ||
	    s->slot >= kp->n_read)
		return 0;

	const struct kpath_slot_counters *c = &kp->read[s->slot];
	const struct svk_sample *r = &kp->samples[s->slot];

	out->packets = c->rule.packets_in;
	out->bytes = c->rule.bytes_in;
	out->ttl_expired = c->rule.ttl_expired;
	out->last_ns = c->rule.last_packet_ns;
	out->pps = r->pps;
	out->bps = r->bps;
	kpath_monitor_add(&out->monitor, &c->rule.monitor);
	for (unsigned k = 0; k < KPATH_MAX_OUTPUTS; k++) {
		out->out_packets[k] = c->out[k].packets;
		out->out_bytes[k] = c->out[k].bytes;
		out->out_too_big[k] = c->out[k].too_big;
		out->out_errors[k] = c->out[k].errors;
		out->out_pps[k] = r->out_pps[k];
		out->out_bps[k] = r->out_bps[k];
	}
	return 1;
#else
	(void)in;
	(void)i;
	return 0;
#endif
}

void svk_status(const struct sv_input *in, struct st_input *out)
{
	const struct sv_kpath *kp = &in->kp;
	static const char *const phases[] = { "attached", "waiting", "settling" };

	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", in->name);
	out->datapath = conf_datapath_name(conf_input_datapath(&in->sv->conf, in->name));
	out->kernel = kp->prog == NULL && kp->phase == SVK_SETTLED ? "none" : phases[kp->phase];
	out->rules = kp->plan.n_rules;
	out->kernel_rules = kp->plan.n_kernel;
	if (kp->plan.n_kernel == 0 && kp->plan.n_rules)
		snprintf(out->reason, sizeof(out->reason), "%s", kp->plan.rules[0].reason);
#ifdef HAVE_KERNEL_PATH
	struct kpath_totals t;
	char err[160];

	if (kp->prog) {
		out->attach = kpath_attach_name((enum kpath_attach)in->sv->kpath_attach);
		out->program_id = kpath_prog_id(kp->prog);
	}
	if (kp->counters && kpath_counters_totals(kp->counters, &t, err, sizeof(err)) == 0) {
		out->counted = true;
		out->handled = t.handled;
		out->not_handleable = t.not_handleable;
		out->no_rule = t.no_rule;
		out->packet_path = t.packet_path;
	}
#endif
}

/* What the device counted as dropped on transmit; 0 if it cannot be read. */
static uint64_t tx_dropped(const char *ifname)
{
	char path[96];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/tx_dropped", ifname);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

void svk_output_ifaces(const struct sv_input *in, struct st_iface *out, size_t *n, size_t max)
{
	const struct kpath_plan *p = &in->kp.plan;
	char name[IF_NAMESIZE];

	if (in->kp.prog == NULL)
		return;
	for (size_t i = 0; i < p->n_outputs && *n < max; i++) {
		bool seen = false;

		if (p->outputs[i].flags & KPATH_OUT_PENDING ||
		    if_indextoname(p->outputs[i].ifindex, name) == NULL)
			continue;
		for (size_t j = 0; j < *n && !seen; j++)
			seen = strcmp(out[j].name, name) == 0;
		if (seen)
			continue;
		snprintf(out[*n].name, sizeof(out[*n].name), "%s", name);
		out[(*n)++].tx_dropped = tx_dropped(name);
	}
}
