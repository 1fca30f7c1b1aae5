#include "config.h"

#include "sv.h"

#include "bpf.h"
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
	if (w->ev_ack)
		event_free(w->ev_ack);
	stats_set_free(&w->stats);
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

static int cmp_addr(const void *a, const void *b)
{
	in_addr_t x = *(const in_addr_t *)a, y = *(const in_addr_t *)b;

	return x < y ? -1 : x > y;
}

/* The groups in order, each once, so that the same set gives the same filter. */
static size_t sort_groups(in_addr_t *groups, size_t n)
{
	size_t k = 0;

	qsort(groups, n, sizeof(*groups), cmp_addr);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || groups[k - 1] != groups[i])
			groups[k++] = groups[i];
	return k;
}

static uint64_t filter_digest(const in_addr_t *groups, size_t n)
{
	struct sock_filter prog[BPF_MAX_INSNS];
	size_t len = bpf_build_filter(groups, n, prog);

	return sv_fnv1a(0xcbf29ce484222325ULL, prog, len * sizeof(prog[0]));
}

/*
 * The ingress socket's filter is locked (psock.c), so other groups need a
 * new socket.  It is opened, filtered and capturing before the old one is
 * retired: the frames of groups that stay are never missed; for the few
 * microseconds between the two, a frame can be queued on both.  The
 * retired socket keeps its queue; the worker forwards that before it
 * reads the new socket, so no frame is lost and their order is kept.
 */
static int replace_ingress(struct sv_worker *w, const in_addr_t *groups, size_t n)
{
	uint64_t digest = filter_digest(groups, n);
	int fd;

	if (w->ingress_fd >= 0 && digest == w->filter_digest)
		return 0;
	ring_params_resolve(&w->sv->conf.ring, w->info.mtu, (uint32_t)sysconf(_SC_PAGESIZE),
			    &w->ring);
	fd = psock_open_ingress(w->info.ifindex, groups, n, &w->ring);
	if (fd < 0) {
		log_warn("cannot open the ingress socket on %s", w->input);
		return -1;
	}
	if (w->ingress_fd >= 0) {
		if (psock_retire_ingress(w->ingress_fd, w->info.ifindex) < 0) {
			log_warn("cannot retire the ingress socket on %s", w->input);
			close(fd);
			return -1;
		}
		close(w->ingress_fd);
		w->config_digest = 0;	/* the worker must get the new socket */
	}
	w->ingress_fd = fd;
	w->filter_digest = digest;
	return 0;
}

/*
 * Opens a fresh ingress socket if there is none or its groups changed, and
 * (re)builds the group memberships.  New memberships are joined before the
 * old ones are left, so groups that stay are never left.
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
	if (replace_ingress(w, groups, sort_groups(groups, n)) < 0)
		goto fail;
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

/* A worker that breaks the protocol, or whose channel failed, is killed; SIGCHLD does the rest. */
static void kill_worker(struct sv_worker *w)
{
	if (w->ev_chan)
		event_del(w->ev_chan);
	if (w->ev_chan_out)
		event_del(w->ev_chan_out);
	if (w->ev_ack)
		event_del(w->ev_ack);
	if (w->pid > 0)
		kill(w->pid, SIGKILL);
}

/* Queued when the channel is full, and sent as it drains: never lost, never fatal. */
int svw_send_msg(struct sv_worker *w, enum handoff_type type, const void *payload,
		 size_t len, int fd)
{
	if (w->chan < 0)
		return -1;
	if (channel_out_send(&w->out, w->chan, type, w->token, payload, len, fd) < 0) {
		log_warn("cannot send %s to worker[%s]; stopping it", handoff_type_name(type),
			 w->input);
		kill_worker(w);
		return -1;
	}
	if (channel_out_pending(&w->out) && event_add(w->ev_chan_out, NULL) < 0)
		fatalx(EX_SOFTWARE, "cannot watch the channel of worker[%s]", w->input);
	return 0;
}

static void on_channel_out(evutil_socket_t fd, short what, void *arg)
{
	struct sv_worker *w = arg;
	int rc = channel_out_flush(&w->out, w->chan);

	(void)fd;
	(void)what;
	if (rc == 1)
		event_del(w->ev_chan_out);
	else if (rc < 0) {
		log_warn("cannot write to worker[%s]; stopping it", w->input);
		kill_worker(w);
	}
}

/* Concurrent status requests share one STATS_REQ and its answer. */
int svw_request_stats(struct sv_worker *w)
{
	if (w->chan < 0 || w->acked_generation == 0)
		return -1;
	if (w->stats_pending)
		return 0;
	if (svw_send_msg(w, HO_STATS_REQ, NULL, 0, -1) < 0)
		return -1;
	w->stats_pending = true;
	return 0;
}

static int take_ack(struct sv_worker *w, const struct ho_ack *ack)
{
	if (!w->ack_pending || ack->generation != w->sent_generation) {
		log_warnx("worker[%s]: acknowledged configuration %u, but %s; stopping it",
			  w->input, ack->generation,
			  w->ack_pending ? "that is not the one it was sent"
					 : "none was outstanding");
		return -1;
	}
	w->ack_pending = false;
	w->acked_generation = w->config_generation;
	event_del(w->ev_ack);
	log_debug("worker[%s] (pid %d) adopted configuration %u: %u rules, %u sockets",
		  w->input, w->pid, ack->generation, ack->n_rules, ack->n_sockets);
	sv_check_acked(w->sv);
	return 0;
}

static int take_stats(struct sv_worker *w, const struct channel_msg *m)
{
	char err[160];
	int rc = stats_set_take(&w->stats, m->payload, m->hdr.length, w->max_rules, err,
				sizeof(err));

	if (rc < 0) {
		log_warnx("worker[%s]: bad STATS message: %s; stopping it", w->input, err);
		return -1;
	}
	if (rc == 1 && w->stats_pending) {
		w->stats_pending = false;
		sv_worker_stats_done(w->sv);
	}
	return 0;
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
	if (rc == -1)
		log_warn("worker[%s]: bad message", w->input);
	else if (rc == -2)
		log_warnx("worker[%s]: bad %s message: %s; stopping it", w->input,
			  handoff_type_name(m.hdr.type), handoff_strerror(m.error));
	if (rc == 1 && m.hdr.type == HO_ACK)
		rc = take_ack(w, m.payload) < 0 ? -2 : 1;
	else if (rc == 1)
		rc = take_stats(w, &m) < 0 ? -2 : 1;
	if (rc <= 0)
		kill_worker(w);	/* gone or broken */
}

static void on_channel(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	handle_message(arg);
}

static void on_ack_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct sv_worker *w = arg;

	(void)fd;
	(void)what;
	log_warnx("worker[%s] did not adopt configuration %u within %d s; restarting it",
		  w->input, w->sent_generation, SVW_ACK_TIMEOUT_S);
	kill_worker(w);
}

/* A COMMIT is out: the worker has this long to adopt it. */
void svw_expect_ack(struct sv_worker *w, uint32_t generation, size_t n_rules)
{
	struct timeval tv = { .tv_sec = SVW_ACK_TIMEOUT_S };

	w->sent_generation = generation;
	w->config_generation = generation;
	w->ack_pending = true;
	if (n_rules > w->max_rules)
		w->max_rules = n_rules;
	if (evtimer_add(w->ev_ack, &tv) < 0)
		fatalx(EX_SOFTWARE, "cannot time worker[%s]", w->input);
}

static int watch_channel(struct sv_worker *w)
{
	evutil_make_socket_nonblocking(w->chan);
	w->ev_chan = event_new(w->sv->base, w->chan, EV_READ | EV_PERSIST, on_channel, w);
	w->ev_chan_out = event_new(w->sv->base, w->chan, EV_WRITE | EV_PERSIST,
				   on_channel_out, w);
	if (w->ev_ack == NULL)
		w->ev_ack = evtimer_new(w->sv->base, on_ack_timeout, w);
	if (w->ev_chan == NULL || w->ev_chan_out == NULL || w->ev_ack == NULL ||
	    event_add(w->ev_chan, NULL) < 0)
		return -1;
	return 0;
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
	w->ack_pending = false;
	w->max_rules = 0;
	stats_set_free(&w->stats);
	clock_gettime(CLOCK_MONOTONIC, &w->started);
	if (watch_channel(w) < 0)
		fatalx(EX_SOFTWARE, "cannot watch the channel of worker[%s]", w->input);
	log_info("started worker[%s] (pid %d)", w->input, w->pid);
	if (sv_config_send(w, true) < 0)
		kill_worker(w);	/* reaped and retried like any other failure */
	return 0;
}

void svw_stop(struct sv_worker *w)
{
	/* End of file on its channel makes a worker exit. */
	struct event **evs[] = { &w->ev_chan, &w->ev_chan_out };

	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		if (*evs[i]) {
			event_free(*evs[i]);
			*evs[i] = NULL;
		}
	}
	if (w->ev_ack)
		event_del(w->ev_ack);
	channel_out_clear(&w->out);
	w->ack_pending = false;
	if (w->chan >= 0) {
		close(w->chan);
		w->chan = -1;
	}
	if (w->ev_respawn)
		event_del(w->ev_respawn);
	if (w->stats_pending) {
		w->stats_pending = false;
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
