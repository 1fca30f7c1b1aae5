#include "config.h"

#include "sv.h"

#include "log.h"

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

static void add_worker(struct supervisor *sv, struct sv_worker *w)
{
	struct sv_worker **grown = realloc(sv->workers, (sv->n_workers + 1) * sizeof(*grown));

	if (grown == NULL)
		fatal(EX_OSERR, "realloc");
	sv->workers = grown;
	sv->workers[sv->n_workers++] = w;
}

static void sync_input(struct supervisor *sv, const char *input)
{
	struct sv_worker *w = sv_find_worker(sv, input);
	struct iface_info info;
	bool up = psock_iface_lookup(input, &info) == 0 && info.up;

	if (w == NULL) {
		w = svw_new(sv, input);
		add_worker(sv, w);
	}
	if (!up) {
		if (w->wanted)
			log_notice("input %s is absent or down: its rules are pending", input);
		w->wanted = false;
		if (w->pid > 0)
			svw_stop(w);
		else
			svw_close_sockets(w);
		return;
	}
	if (!w->wanted && w->pid == 0)
		log_info("input %s is up (ifindex %d)", input, info.ifindex);
	w->wanted = true;
	if (w->pid > 0 && w->info.ifindex != info.ifindex) {
		log_notice("input %s has a new ifindex (%d, was %d): replacing worker[%s]",
			   input, info.ifindex, w->info.ifindex, input);
		w->replace = true;
		svw_stop(w);
		return;
	}
	if (w->pid == 0 && sv->hold_spawn) {
		/* Start-up: sockets now, with every privilege; workers after the drop. */
		if (w->ingress_fd < 0 && svw_open_sockets(w) < 0)
			fatalx(EX_UNAVAILABLE, "cannot set up input %s", input);
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
	if (w->sockets_generation != sv->generation && svw_open_sockets(w) < 0)
		log_warnx("input %s: keeping the previous filter and groups", input);
	if (sv_config_send(w, false) < 0)
		log_warnx("worker[%s] did not take its configuration", input);
}

/* Frees the workers of inputs that are no longer configured, once they have exited. */
static void sweep_workers(struct supervisor *sv)
{
	size_t k = 0;

	for (size_t i = 0; i < sv->n_workers; i++) {
		struct sv_worker *w = sv->workers[i];

		if (input_configured(&sv->conf, w->input)) {
			sv->workers[k++] = w;
			continue;
		}
		if (w->wanted || w->pid > 0) {
			if (w->wanted)
				log_info("input %s is no longer used: stopping worker[%s]",
					 w->input, w->input);
			w->wanted = false;
			svw_stop(w);
			sv->workers[k++] = w;
		} else {
			svw_free(w);
		}
	}
	sv->n_workers = k;
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
	sv_egress_sync(sv);
	sweep_workers(sv);
	for (size_t i = 0; i < sv->conf.n_rules; i++) {
		const char *input = sv->conf.rules[i].input;
		bool seen = false;

		for (size_t j = 0; j < i; j++)
			if (strcmp(sv->conf.rules[j].input, input) == 0)
				seen = true;
		if (!seen)
			sync_input(sv, input);
	}
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
