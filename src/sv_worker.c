#include "config.h"

#include "sv.h"

#include "channel.h"
#include "handoff.h"
#include "log.h"
#include "spawn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 30000
#define STABLE_AFTER_S 60

struct sv_worker *svw_new(struct supervisor *sv, const char *input)
{
	struct sv_worker *w = calloc(1, sizeof(*w));

	if (w == NULL)
		fatal(EX_OSERR, "calloc");
	w->sv = sv;
	snprintf(w->input, sizeof(w->input), "%s", input);
	w->ingress_fd = -1;
	w->chan = -1;
	return w;
}

void svw_close_sockets(struct sv_worker *w)
{
	if (w->ingress_fd >= 0)
		close(w->ingress_fd);
	w->ingress_fd = -1;
	psock_membership_close(&w->joins);
	w->sockets_generation = 0;
}

void svw_free(struct sv_worker *w)
{
	if (w->ev_chan)
		event_free(w->ev_chan);
	if (w->ev_respawn)
		event_free(w->ev_respawn);
	if (w->chan >= 0)
		close(w->chan);
	svw_close_sockets(w);
	free(w->stats.rules);
	free(w->stats.partial);
	free(w);
}

/* An any-source join already covers a source-specific one for the same group. */
static bool covered_by_any_source(const struct conf *c, const struct conf_rule *r)
{
	for (size_t i = 0; i < c->n_rules; i++)
		if (strcmp(c->rules[i].input, r->input) == 0 &&
		    c->rules[i].group == r->group && c->rules[i].source == 0)
			return true;
	return false;
}

/*
 * Opens a fresh ingress socket if there is none, and (re)builds the group
 * memberships; on a running worker the filter of its socket is replaced.
 * New memberships are joined before the old ones are left, so groups that
 * stay are never left.
 */
int svw_open_sockets(struct sv_worker *w)
{
	const struct conf *c = &w->sv->conf;
	in_addr_t *groups = calloc(c->n_rules + 1, sizeof(*groups));
	struct membership_set joins = { 0 };
	size_t n = 0;
	char g[INET_ADDRSTRLEN];

	if (groups == NULL)
		return -1;
	if (psock_iface_lookup(w->input, &w->info) < 0) {
		log_warn("interface %s", w->input);
		goto fail;
	}
	for (size_t i = 0; i < c->n_rules; i++) {
		const struct conf_rule *r = &c->rules[i];

		if (!sv_rule_on(w, r))
			continue;
		groups[n++] = r->group;
		if (r->source && covered_by_any_source(c, r))
			continue;
		if (psock_membership_join(&joins, w->info.ifindex, r->group, r->source) < 0) {
			inet_ntop(AF_INET, &r->group, g, sizeof(g));
			log_warn("rule %s: cannot join %s on %s", r->name, g, w->input);
			goto fail;
		}
	}
	if (w->ingress_fd < 0) {
		w->ingress_fd = psock_open_ingress(w->info.ifindex, groups, n);
		if (w->ingress_fd < 0) {
			log_warn("cannot open the ingress socket on %s", w->input);
			goto fail;
		}
	} else if (psock_set_filter(w->ingress_fd, groups, n) < 0) {
		log_warn("cannot update the filter on %s", w->input);
		goto fail;
	}
	psock_membership_close(&w->joins);
	w->joins = joins;
	w->sockets_generation = w->sv->generation;
	free(groups);
	return 0;
fail:
	psock_membership_close(&joins);
	free(groups);
	return -1;
}

int svw_send_msg(struct sv_worker *w, enum handoff_type type, const void *payload,
		 size_t len, int fd)
{
	if (channel_send_msg(w->chan, type, w->token, payload, len, fd) < 0) {
		log_warn("cannot send %s to worker[%s]", handoff_type_name(type), w->input);
		return -1;
	}
	return 0;
}

int svw_request_stats(struct sv_worker *w)
{
	if (w->chan < 0 || w->acked_generation == 0)
		return -1;
	if (svw_send_msg(w, HO_STATS_REQ, NULL, 0, -1) < 0)
		return -1;
	w->stats_pending++;
	return 0;
}

/* Assembles a worker's counters, which may come in several messages. */
static void take_stats(struct sv_worker *w, const void *payload)
{
	const struct ho_worker_stats *ws = payload;
	const struct ho_rule_stats *rs = (const struct ho_rule_stats *)(ws + 1);
	struct sv_stats *st = &w->stats;

	if (ws->first_rule == 0) {
		free(st->partial);
		st->partial = calloc(ws->total_rules + 1, sizeof(*rs));
		st->n_partial = 0;
		if (st->partial == NULL)
			fatal(EX_OSERR, "calloc");
	}
	if (st->partial == NULL || ws->first_rule != st->n_partial)
		return;	/* out of step: wait for the next complete set */
	memcpy(st->partial + st->n_partial, rs, ws->n_rules * sizeof(*rs));
	st->n_partial += ws->n_rules;
	if (st->n_partial < ws->total_rules)
		return;
	free(st->rules);
	st->rules = st->partial;
	st->n_rules = st->n_partial;
	st->partial = NULL;
	st->n_partial = 0;
	st->worker = *ws;
	st->valid = true;
	if (w->stats_pending > 0 && --w->stats_pending == 0)
		sv_worker_stats_done(w->sv);
}

static void handle_message(struct sv_worker *w)
{
	static struct channel_msg m;	/* 64 KiB: off the stack */
	int rc = channel_recv_msg(w->chan, w->token, &m);

	if (rc == -1 && errno == EAGAIN)
		return;
	if (rc == 1)
		channel_close_fds(m.fds, m.nfds);	/* a worker sends none */
	if (rc == 1 && !handoff_sent_by(m.hdr.type, HO_FROM_WORKER)) {
		rc = -2;
		m.error = HO_ETYPE;
	}
	if (rc <= 0) {
		/* The worker is gone or broken; SIGCHLD does the rest. */
		if (rc == -1)
			log_warn("worker[%s]: bad message", w->input);
		else if (rc == -2)
			log_warnx("worker[%s]: bad %s message: %s; stopping it", w->input,
				  handoff_type_name(m.hdr.type), handoff_strerror(m.error));
		event_del(w->ev_chan);
		if (w->pid > 0)
			kill(w->pid, SIGKILL);
		return;
	}
	if (m.hdr.type == HO_ACK) {
		const struct ho_ack *ack = m.payload;

		w->acked_generation = ack->generation;
		log_debug("worker[%s] (pid %d) adopted configuration %u: %u rules, %u sockets",
			  w->input, ack->pid, ack->generation, ack->n_rules, ack->n_sockets);
		sv_check_acked(w->sv);
	} else {
		take_stats(w, m.payload);
	}
}

static void on_channel(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	handle_message(arg);
}

int svw_start(struct sv_worker *w)
{
	struct spawned sp;

	if ((w->ingress_fd < 0 || w->sockets_generation != w->sv->generation) &&
	    svw_open_sockets(w) < 0)
		return -1;
	if (spawn_worker(w->input, &sp) < 0) {
		log_warn("cannot start worker[%s]", w->input);
		return -1;
	}
	w->pid = sp.pid;
	w->chan = sp.chan;
	w->token = sp.token;
	w->acked_generation = 0;
	w->stats.valid = false;
	clock_gettime(CLOCK_MONOTONIC, &w->started);
	if (sv_config_send(w, true) < 0) {
		kill(w->pid, SIGKILL);
		return 0;	/* reaped and retried like any other failure */
	}
	evutil_make_socket_nonblocking(w->chan);
	w->ev_chan = event_new(w->sv->base, w->chan, EV_READ | EV_PERSIST, on_channel, w);
	if (w->ev_chan == NULL || event_add(w->ev_chan, NULL) < 0)
		fatalx(EX_SOFTWARE, "cannot watch the channel of worker[%s]", w->input);
	log_info("started worker[%s] (pid %d)", w->input, w->pid);
	return 0;
}

void svw_stop(struct sv_worker *w)
{
	/* End of file on its channel makes a worker exit. */
	if (w->ev_chan) {
		event_free(w->ev_chan);
		w->ev_chan = NULL;
	}
	if (w->chan >= 0) {
		close(w->chan);
		w->chan = -1;
	}
	if (w->ev_respawn)
		event_del(w->ev_respawn);
	if (w->stats_pending) {
		w->stats_pending = 0;
		sv_worker_stats_done(w->sv);
	}
}

static void on_respawn(evutil_socket_t fd, short what, void *arg)
{
	struct sv_worker *w = arg;

	(void)fd;
	(void)what;
	if (w->sv->stopping || !w->wanted)
		return;
	if (svw_start(w) < 0)
		svw_exited(w, -1);
}

static void describe_status(int status, char *buf, size_t len)
{
	if (status < 0)
		snprintf(buf, len, "failed to start");
	else if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "stopped (status 0x%x)", status);
}

static void schedule_respawn(struct sv_worker *w, const char *cause)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (w->backoff_ms == 0 || now.tv_sec - w->started.tv_sec >= STABLE_AFTER_S)
		w->backoff_ms = BACKOFF_FIRST_MS;
	else
		w->backoff_ms = w->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
								   : w->backoff_ms * 2;
	w->restarts++;
	log_warnx("worker[%s] %s; restart %u in %u ms", w->input, cause, w->restarts,
		  w->backoff_ms);
	if (w->ev_respawn == NULL)
		w->ev_respawn = evtimer_new(w->sv->base, on_respawn, w);
	struct timeval tv = { .tv_sec = w->backoff_ms / 1000,
			      .tv_usec = (w->backoff_ms % 1000) * 1000 };

	if (w->ev_respawn == NULL || evtimer_add(w->ev_respawn, &tv) < 0)
		fatalx(EX_SOFTWARE, "cannot schedule a restart of worker[%s]", w->input);
}

/* Called when the worker process is gone (status < 0: could not be started). */
void svw_exited(struct sv_worker *w, int status)
{
	char cause[96];

	describe_status(status, cause, sizeof(cause));
	w->pid = 0;
	w->acked_generation = 0;
	w->config_digest = 0;
	svw_stop(w);
	/* A replacement gets fresh sockets. */
	svw_close_sockets(w);
	if (w->sv->stopping || !w->wanted) {
		log_info("worker[%s] %s", w->input, cause);
		return;
	}
	if (w->replace) {
		w->replace = false;
		log_info("worker[%s] %s; replacing it for the new interface", w->input,
			 cause);
		if (svw_start(w) == 0)
			return;
	}
	schedule_respawn(w, cause);
}
