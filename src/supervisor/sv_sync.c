#include "config.h"

#include "supervisor/sv.h"

#include "common/log.h"

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
	struct sv_input *in = sv_find_input(sv, name);

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

/* Stops a worker that should not run; its socket goes once it has exited. */
static void unwant(struct sv_worker *w)
{
	w->wanted = false;
	if (w->pid > 0)
		svw_stop(w);
	else
		svw_close_sockets(w);
}

static void replace_worker(struct sv_worker *w, const char *why)
{
	log_notice("input %s: %s: replacing worker[%s]", w->input, why, w->name);
	w->replace = true;
	svw_stop(w);
}

static void sync_worker(struct supervisor *sv, struct sv_worker *w,
			const struct iface_info *info)
{
	int rc;

	w->wanted = true;
	if (w->pid > 0 && w->info.ifindex != info->ifindex) {
		replace_worker(w, "it has a new ifindex");
		return;
	}
	if (w->pid == 0 && sv->hold_spawn) {
		/* Start-up: sockets now, with every privilege; workers after the drop. */
		if (svw_open_sockets(w) < 0)
			fatalx(EX_UNAVAILABLE, "cannot set up input %s", w->input);
		return;
	}
	if (w->pid == 0) {
		if (w->ev_respawn == NULL || !evtimer_pending(w->ev_respawn, NULL))
			if (svw_start(w) < 0)
				svw_exited(w, -1);
		return;
	}
	if (w->chan < 0)
		return;	/* stopping; svw_exited decides what comes next */
	rc = svw_open_sockets(w);
	if (rc == -2) {
		replace_worker(w, "its receive ring changes");
		return;
	}
	if (rc < 0)
		log_warnx("input %s: keeping the previous filter and groups", w->input);
	if (sv_config_send(w, false) < 0)
		log_warnx("worker[%s] did not take its configuration", w->name);
}

static void sync_input(struct supervisor *sv, const char *name)
{
	struct sv_input *in = input_for(sv, name);
	struct iface_info info;
	bool up = psock_iface_lookup(name, &info) == 0 && info.up;

	if (!up) {
		if (in->wanted)
			log_notice("input %s is absent or down: its rules are pending", name);
		in->wanted = false;
		for (size_t i = 0; i < sv->n_workers; i++)
			if (sv->workers[i]->in == in)
				unwant(sv->workers[i]);
		svi_close(in);
		return;
	}
	if (!in->wanted)
		log_info("input %s is up (ifindex %d)", name, info.ifindex);
	in->wanted = true;
	if (!svi_current(in, info.ifindex) && svi_update(in) < 0) {
		if (sv->hold_spawn)
			fatalx(EX_UNAVAILABLE, "cannot set up input %s", name);
		log_warnx("input %s: keeping the previous filter and groups", name);
	}
	for (size_t i = 0; i < sv->n_workers; i++) {
		struct sv_worker *w = sv->workers[i];

		if (w->in != in)
			continue;
		if (w->index < in->n_workers)
			sync_worker(sv, w, &info);	/* the others: sweep_workers */
	}
}

/*
 * Frees the workers that are no longer configured (their input is gone,
 * or has fewer workers now) once they have exited, and inputs without
 * workers.  An input that is gone leaves its groups at once.
 */
static void sweep_workers(struct supervisor *sv)
{
	size_t k = 0;

	for (size_t i = 0; i < sv->n_workers; i++) {
		struct sv_worker *w = sv->workers[i];
		bool used = input_configured(&sv->conf, w->input);

		if (used && w->index < input_workers(&sv->conf, w->input)) {
			sv->workers[k++] = w;
			continue;
		}
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
		bool has_workers = false;

		for (size_t j = 0; j < sv->n_workers; j++)
			if (sv->workers[j]->in == in)
				has_workers = true;
		if (input_configured(&sv->conf, in->name) || has_workers) {
			if (!input_configured(&sv->conf, in->name)) {
				in->wanted = false;
				svi_close(in);
			}
			sv->inputs[k++] = in;
		} else {
			svi_free(in);
		}
	}
	sv->n_inputs = k;
}

/*
 * Makes the running state follow the configuration and the interfaces as
 * they are now: egress sockets for outputs that are up, a worker for every
 * input that is up, each with the rules and outputs it can serve; what is
 * absent or down is pending.  Only what differs is touched.
 */
void sv_sync(struct supervisor *sv)
{
	if (sv->stopping)
		return;
	sv_udp_sync(sv);
	sweep_workers(sv);
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
	sv_check_acked(sv);
}

static void on_sync(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sv_sync(arg);
}

/*
 * Coalesces a burst of interface events into one sync, at most 50 ms after
 * the first.  A pending timer is left alone: adding it again would restart
 * it, and a steady stream of events (an interface that flaps) would then
 * postpone the sync for as long as the stream lasts.
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
