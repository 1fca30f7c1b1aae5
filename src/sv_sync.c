#include "config.h"

#include "supervisor.h"

#include "log.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

struct sv_egress *sv_egress_find(const struct supervisor *sv, const char *ifname)
{
	for (size_t i = 0; i < sv->n_egress; i++)
		if (strcmp(sv->egress[i].info.name, ifname) == 0)
			return &sv->egress[i];
	return NULL;
}

void sv_egress_close_all(struct supervisor *sv)
{
	for (size_t i = 0; i < sv->n_egress; i++)
		close(sv->egress[i].fd);
	free(sv->egress);
	sv->egress = NULL;
	sv->n_egress = 0;
}

static bool output_configured(const struct conf *c, const char *ifname)
{
	for (size_t i = 0; i < c->n_rules; i++)
		for (size_t k = 0; k < c->rules[i].n_outputs; k++)
			if (strcmp(c->rules[i].outputs[k].ifname, ifname) == 0)
				return true;
	return false;
}

/* Closes egress sockets whose interface went away, went down, or is no longer used. */
static void egress_drop_stale(struct supervisor *sv)
{
	size_t k = 0;

	for (size_t i = 0; i < sv->n_egress; i++) {
		struct sv_egress *e = &sv->egress[i];
		struct iface_info now;
		bool keep = output_configured(&sv->conf, e->info.name) &&
			    iface_lookup(e->info.name, &now) == 0 && now.up &&
			    now.ifindex == e->info.ifindex;

		if (keep) {
			e->info = now;	/* MAC and MTU may have changed */
			sv->egress[k++] = *e;
		} else {
			log_info("output %s: closing its socket (%s)", e->info.name,
				 output_configured(&sv->conf, e->info.name)
					 ? "interface gone or down" : "no longer used");
			close(e->fd);
		}
	}
	sv->n_egress = k;
}

static void egress_open(struct supervisor *sv, const char *ifname)
{
	struct sv_egress e = { .fd = -1 };

	if (sv_egress_find(sv, ifname) != NULL)
		return;
	if (iface_lookup(ifname, &e.info) < 0 || !e.info.up)
		return;	/* pending */
	e.fd = psock_open_egress(e.info.ifindex);
	if (e.fd < 0) {
		log_warn("output %s: cannot open its socket", ifname);
		return;
	}
	struct sv_egress *grown = realloc(sv->egress, (sv->n_egress + 1) * sizeof(*grown));

	if (grown == NULL)
		fatal(EX_OSERR, "realloc");
	sv->egress = grown;
	sv->egress[sv->n_egress++] = e;
	log_info("output %s is up (ifindex %d)", ifname, e.info.ifindex);
}

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
	bool up = iface_lookup(input, &info) == 0 && info.up;

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
	if (svw_send_config(w, false) < 0)
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
	egress_drop_stale(sv);
	for (size_t i = 0; i < sv->conf.n_rules; i++)
		for (size_t k = 0; k < sv->conf.rules[i].n_outputs; k++)
			egress_open(sv, sv->conf.rules[i].outputs[k].ifname);
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

/* Coalesces a burst of interface events into one sync. */
void sv_schedule_sync(struct supervisor *sv)
{
	struct timeval soon = { .tv_usec = 50000 };

	if (sv->ev_sync == NULL)
		sv->ev_sync = evtimer_new(sv->base, on_sync, sv);
	if (sv->ev_sync == NULL || evtimer_add(sv->ev_sync, &soon) < 0)
		sv_sync(sv);
}
