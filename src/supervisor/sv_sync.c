#include "config.h"

#include "supervisor/sv_sync.h"

#include "common/log.h"
#include "supervisor/sv_config.h"
#include "supervisor/sv_egress.h"
#include "supervisor/sv_ingress.h"
#include "supervisor/sv_input.h"
#include "supervisor/sv_kpath.h"
#include "supervisor/sv_progress.h"
#include "supervisor/sv_udp.h"
#include "supervisor/sv_worker.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

static bool input_configured(const struct conf *c, const char *input)
{
	for (size_t i = 0; i < c->n_rules; i++)
		if (strcmp(c->rules[i].input, input) == 0)
			return true;
	return false;
}

/* workers = auto: one per online CPU, at most CONF_WORKERS_AUTO_MAX. */
static unsigned input_workers(const struct conf *c, const char *input)
{
	unsigned n = conf_input_workers(c, input);
	long cpus;

	if (n != CONF_WORKERS_AUTO)
		return n;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		return 1;
	return cpus > CONF_WORKERS_AUTO_MAX ? CONF_WORKERS_AUTO_MAX : (unsigned)cpus;
}

static void *grow(void *arr, size_t n, size_t size)
{
	void *grown = realloc(arr, (n + 1) * size);

	if (grown == NULL)
		fatal(EX_OSERR, "realloc");
	return grown;
}

static struct sv_worker *find_worker(const struct supervisor *sv, const struct sv_input *in,
				     unsigned index)
{
	for (size_t i = 0; i < sv->n_workers; i++)
		if (sv->workers[i]->in == in && sv->workers[i]->index == index)
			return sv->workers[i];
	return NULL;
}

/* The input's record, and one for each of the workers it should have. */
static struct sv_input *input_for(struct supervisor *sv, const char *name)
{
	struct sv_input *in = svi_find(sv, name);

	if (in == NULL) {
		sv->inputs = grow(sv->inputs, sv->n_inputs, sizeof(*sv->inputs));
		in = sv->inputs[sv->n_inputs++] = svi_new(sv, name);
	}
	in->n_workers = input_workers(&sv->conf, name);
	for (unsigned i = 0; i < in->n_workers; i++) {
		if (find_worker(sv, in, i) != NULL)
			continue;
		sv->workers = grow(sv->workers, sv->n_workers, sizeof(*sv->workers));
		sv->workers[sv->n_workers++] = svw_new(in, i);
	}
	return in;
}

/*
 * The one decision for a worker of an input that is wanted (configured,
 * present and up), made before anything is done to it.
 */
static enum reconf_action plan_worker(const struct sv_worker *w, const struct iface_info *info)
{
	if (w->pid == 0)
		return svw_may_start(w) ? RECONF_START : RECONF_NONE;
	if (w->chan < 0)
		return RECONF_NONE;	/* stopping: its exit decides what comes next */
	if (!svw_ingress_fits(w, info))
		return RECONF_REINIT;	/* a new ifindex, or another ring: it maps its ring once */
	return RECONF_KEEP;
}

/* The sockets the supervisor holds for w, as its input and configuration want them. */
static int open_sockets(struct sv_worker *w, const struct iface_info *info)
{
	if (svw_ingress_update(w, info) < 0)
		return -1;
	svw_egress_sync(w);
	return 0;
}

static void start_worker(struct supervisor *sv, struct sv_worker *w,
			 const struct iface_info *info)
{
	if (sv->hold_spawn) {
		/* Start-up: sockets now, with every privilege; workers after the drop. */
		if (open_sockets(w, info) < 0)
			fatalx(EX_UNAVAILABLE, "cannot set up input %s", w->input);
		return;
	}
	if (open_sockets(w, info) < 0 || svw_start(w) < 0) {
		svw_exited(w, -1);
		return;
	}
	if (sv_config_send(w, true) < 0)
		svw_kill(w);	/* reaped and restarted like any other failure */
}

static void apply_worker(struct supervisor *sv, struct sv_worker *w,
			 const struct iface_info *info)
{
	w->wanted = true;
	w->action = plan_worker(w, info);
	switch (w->action) {
	case RECONF_START:
		start_worker(sv, w, info);
		break;
	case RECONF_REINIT:
		log_notice("input %s: %s: replacing worker[%s]", w->input,
			   w->info.ifindex != info->ifindex ? "it has a new ifindex"
							    : "its receive ring changes",
			   w->name);
		w->replace = true;
		svw_stop(w);
		break;
	case RECONF_KEEP:
		if (open_sockets(w, info) < 0)
			log_warnx("input %s: keeping the previous filter and groups", w->input);
		if (sv_config_send(w, false) < 0)
			log_warnx("worker[%s] did not take its configuration", w->name);
		break;
	default:
		break;
	}
}

/* A worker that should not run: stopped, its sockets closed once it has exited. */
static void unwant(struct sv_worker *w)
{
	w->wanted = false;
	w->action = w->pid > 0 ? RECONF_STOP : RECONF_NONE;
	if (w->pid > 0)
		svw_stop(w);
	else
		svw_close_sockets(w);
}

/* The one decision for an input, made before anything is done to it. */
static enum reconf_action plan_input(const struct sv_input *in, bool up)
{
	if (!up)
		return RECONF_STOP;
	return in->wanted ? RECONF_KEEP : RECONF_START;
}

static void sync_input(struct supervisor *sv, const char *name)
{
	struct sv_input *in = input_for(sv, name);
	struct iface_info info;
	bool up = psock_iface_lookup(name, &info) == 0 && info.up;

	switch (plan_input(in, up)) {
	case RECONF_STOP:
		if (in->wanted)
			log_notice("input %s is absent or down: its rules are pending", name);
		in->wanted = false;
		for (size_t i = 0; i < sv->n_workers; i++)
			if (sv->workers[i]->in == in)
				unwant(sv->workers[i]);
		svi_close(in);
		return;
	case RECONF_START:
		log_info("input %s is up (ifindex %d)", name, info.ifindex);
		break;
	default:
		break;
	}
	in->wanted = true;
	if (!svi_current(in, info.ifindex) && svi_update(in) < 0) {
		if (sv->hold_spawn)
			fatalx(EX_UNAVAILABLE, "cannot set up input %s", name);
		log_warnx("input %s: keeping the previous filter and groups", name);
	}
	svk_plan(in, &info);

	size_t n_kernel;
	bool all[2];
	struct addr *kernel = svk_filter_groups(in, &n_kernel, all);

	svi_set_kernel_groups(in, kernel, n_kernel, all, info.mtu);
	for (size_t i = 0; i < sv->n_workers; i++) {
		struct sv_worker *w = sv->workers[i];

		if (w->in == in && w->index < in->n_workers)
			apply_worker(sv, w, &info);	/* the others: sweep */
	}
}

/*
 * RECONF_DELETE: the workers no longer configured (their input is gone, or
 * has fewer workers now) are stopped, and freed once they have exited; an
 * input without rules leaves its groups at once and is freed with its last
 * worker.
 */
static void sweep(struct supervisor *sv)
{
	size_t k = 0;

	for (size_t i = 0; i < sv->n_workers; i++) {
		struct sv_worker *w = sv->workers[i];
		bool used = input_configured(&sv->conf, w->input);

		if (used && w->index < input_workers(&sv->conf, w->input)) {
			sv->workers[k++] = w;
			continue;
		}
		w->action = RECONF_DELETE;
		if (w->wanted || w->pid > 0) {
			if (w->wanted && !used)
				log_info("input %s is no longer used: stopping worker[%s]",
					 w->input, w->name);
			else if (w->wanted)
				log_info("input %s has %u workers now: stopping worker[%s]",
					 w->input, input_workers(&sv->conf, w->input), w->name);
			w->wanted = false;
			svw_stop(w);
			sv->workers[k++] = w;
		} else {
			svw_free(w);
		}
	}
	sv->n_workers = k;
	k = 0;
	for (size_t i = 0; i < sv->n_inputs; i++) {
		struct sv_input *in = sv->inputs[i];
		bool has_workers = false, configured = input_configured(&sv->conf, in->name);

		for (size_t j = 0; j < sv->n_workers; j++)
			if (sv->workers[j]->in == in)
				has_workers = true;
		if (!configured && !has_workers) {
			svi_free(in);
			continue;
		}
		if (!configured) {
			in->wanted = false;
			svi_close(in);
		}
		sv->inputs[k++] = in;
	}
	sv->n_inputs = k;
}

void sv_sync(struct supervisor *sv)
{
	if (sv->stopping)
		return;
	sv_udp_sync(sv);
	sweep(sv);
	/* Each input once, in order of first use; inputs are few, rules may be 10,000. */
	const char **inputs = calloc(sv->conf.n_rules + 1, sizeof(*inputs));
	size_t n_inputs = 0;

	if (inputs == NULL)
		fatal(EX_OSERR, "calloc");
	for (size_t i = 0; i < sv->conf.n_rules; i++) {
		const char *input = sv->conf.rules[i].input;
		bool seen = false;

		for (size_t j = 0; j < n_inputs && !seen; j++)
			seen = strcmp(inputs[j], input) == 0;
		if (!seen) {
			inputs[n_inputs++] = input;
			sync_input(sv, input);
		}
	}
	free(inputs);
	svk_advance(sv);
	if (!sv->hold_spawn && svp_all_adopted(sv))
		sv->events.adopted(sv);
}

static void on_sync(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sv_sync(arg);
}

/*
 * A pending timer is left alone: adding it again would restart it, and a
 * steady stream of events (an interface that flaps) would then postpone
 * the sync for as long as the stream lasts.
 */
void sv_schedule_sync(struct supervisor *sv)
{
	struct timeval soon = { .tv_usec = 50000 };

	if (sv->ev_sync == NULL)
		sv->ev_sync = evtimer_new(sv->base, on_sync, sv);
	else if (evtimer_pending(sv->ev_sync, NULL))
		return;
	if (sv->ev_sync == NULL || evtimer_add(sv->ev_sync, &soon) < 0)
		sv_sync(sv);
}
