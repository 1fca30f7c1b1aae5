#include "config.h"

#include "supervisor/sv_worker.h"

#include "common/channel.h"
#include "common/log.h"
#include "supervisor/spawn.h"
#include "supervisor/sv_egress.h"
#include "supervisor/sv_ingress.h"
#include "supervisor/sv_progress.h"

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

struct sv_worker *svw_new(struct sv_input *in, unsigned index)
{
	struct sv_worker *w = calloc(1, sizeof(*w));

	if (w == NULL)
		fatal(EX_OSERR, "calloc");
	w->sv = in->sv;
	w->in = in;
	w->index = index;
	snprintf(w->input, sizeof(w->input), "%s", in->name);
	/* Worker 0 keeps the plain name that a single worker always had. */
	if (index == 0)
		snprintf(w->name, sizeof(w->name), "%s", in->name);
	else
		snprintf(w->name, sizeof(w->name), "%s/%u", in->name, index);
	w->ingress_fd = -1;
	w->fanout_id = -1;
	w->chan = -1;
	return w;
}

void svw_close_sockets(struct sv_worker *w)
{
	svw_ingress_close(w);
	svw_egress_close_all(w);
}

void svw_free(struct sv_worker *w)
{
	struct event *evs[] = { w->ev_chan, w->ev_chan_out, w->ev_respawn, w->ev_ack,
				w->ev_stats };

	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (evs[i])
			event_free(evs[i]);
	if (w->chan >= 0)
		close(w->chan);
	channel_out_clear(&w->out);
	svw_close_sockets(w);
	stats_set_free(&w->stats);
	free(w);
}

struct sv_worker *svw_find_pid(const struct supervisor *sv, pid_t pid)
{
	for (size_t i = 0; i < sv->n_workers; i++)
		if (sv->workers[i]->pid == pid)
			return sv->workers[i];
	return NULL;
}

void svw_kill(struct sv_worker *w)
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

int svw_send_msg(struct sv_worker *w, enum handoff_type type, const void *payload,
		 size_t len, int fd)
{
	if (w->chan < 0)
		return -1;
	if (channel_out_send(&w->out, w->chan, type, w->token, payload, len, fd) < 0) {
		log_warn("cannot send %s to worker[%s]; stopping it", handoff_type_name(type),
			 w->name);
		svw_kill(w);
		return -1;
	}
	if (channel_out_pending(&w->out) && event_add(w->ev_chan_out, NULL) < 0)
		fatalx(EX_SOFTWARE, "cannot watch the channel of worker[%s]", w->name);
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
		log_warn("cannot write to worker[%s]; stopping it", w->name);
		svw_kill(w);
	}
}

void svw_expect_ack(struct sv_worker *w)
{
	struct timeval tv = { .tv_sec = SVW_ACK_TIMEOUT_S };

	if (evtimer_add(w->ev_ack, &tv) < 0)
		fatalx(EX_SOFTWARE, "cannot time worker[%s]", w->name);
}

static void on_ack_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct sv_worker *w = arg;

	(void)fd;
	(void)what;
	log_warnx("worker[%s] did not adopt configuration %u within %d s; restarting it",
		  w->name, w->progress.sent, SVW_ACK_TIMEOUT_S);
	svw_kill(w);
}

/*
 * Concurrent status requests share one STATS_REQ and its answer.  One
 * that is not answered in time is not sent again: the worker is silent
 * until it answers that one.
 */
int svw_request_stats(struct sv_worker *w)
{
	struct timeval tv = { .tv_sec = SVW_STATS_TIMEOUT_MS / 1000,
			      .tv_usec = SVW_STATS_TIMEOUT_MS % 1000 * 1000 };

	svw_ingress_count_drops(w);
	if (w->chan < 0 || w->progress.adopted == 0)
		return -1;
	if (w->stats_pending)
		return 0;
	if (svw_send_msg(w, HO_STATS_REQ, NULL, 0, -1) < 0)
		return -1;
	w->stats_pending = true;
	if (evtimer_add(w->ev_stats, &tv) < 0)
		fatalx(EX_SOFTWARE, "cannot time worker[%s]", w->name);
	return 0;
}

static void on_stats_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct sv_worker *w = arg;

	(void)fd;
	(void)what;
	w->stats_silent = true;
	log_warnx("worker[%s] (pid %d) did not answer a status request within %d ms; status "
		  "shows it as not answering, with its last counters, until it does",
		  w->name, w->pid, SVW_STATS_TIMEOUT_MS);
	w->sv->events.counted(w->sv);
}

static int take_ack(struct sv_worker *w, const struct ho_ack *ack)
{
	char err[160];

	if (svp_take_ack(w, ack, err, sizeof(err)) < 0) {
		log_warnx("worker[%s]: %s; stopping it", w->name, err);
		return -1;
	}
	w->sandbox = ack->sandbox;
	w->landlock_abi = ack->landlock_abi;
	event_del(w->ev_ack);
	log_debug("worker[%s] (pid %d) adopted configuration %u: %u rules, %u sockets",
		  w->name, w->pid, ack->generation, ack->n_rules, ack->n_sockets);
	w->sv->events.adopted(w->sv);
	return 0;
}

static int take_stats(struct sv_worker *w, const struct channel_msg *m)
{
	char err[160];
	int rc = stats_set_take(&w->stats, m->payload, m->hdr.length, w->progress.max_rules,
				err, sizeof(err));

	if (rc < 0) {
		log_warnx("worker[%s]: bad STATS message: %s; stopping it", w->name, err);
		return -1;
	}
	if (rc == 1)
		clock_gettime(CLOCK_MONOTONIC, &w->stats_taken);
	if (rc == 1 && w->stats_pending) {
		w->stats_pending = false;
		event_del(w->ev_stats);
		if (w->stats_silent)
			log_notice("worker[%s] (pid %d) answers status requests again", w->name,
				   w->pid);
		w->stats_silent = false;
		w->sv->events.counted(w->sv);
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
		log_warn("worker[%s]: bad message", w->name);
	else if (rc == -2)
		log_warnx("worker[%s]: bad %s message: %s; stopping it", w->name,
			  handoff_type_name(m.hdr.type), handoff_strerror(m.error));
	if (rc == 1 && m.hdr.type == HO_ACK)
		rc = take_ack(w, m.payload) < 0 ? -2 : 1;
	else if (rc == 1)
		rc = take_stats(w, &m) < 0 ? -2 : 1;
	if (rc <= 0)
		svw_kill(w);	/* gone or broken */
}

static void on_channel(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	handle_message(arg);
}

static int watch_channel(struct sv_worker *w)
{
	struct event_base *base = w->sv->base;

	evutil_make_socket_nonblocking(w->chan);
	w->ev_chan = event_new(base, w->chan, EV_READ | EV_PERSIST, on_channel, w);
	w->ev_chan_out = event_new(base, w->chan, EV_WRITE | EV_PERSIST, on_channel_out, w);
	if (w->ev_ack == NULL)
		w->ev_ack = evtimer_new(base, on_ack_timeout, w);
	if (w->ev_stats == NULL)
		w->ev_stats = evtimer_new(base, on_stats_timeout, w);
	if (w->ev_chan == NULL || w->ev_chan_out == NULL || w->ev_ack == NULL ||
	    w->ev_stats == NULL || event_add(w->ev_chan, NULL) < 0)
		return -1;
	return 0;
}

/* workers' cpu-affinity: the worker's CPU by its index, round robin over the list. */
static int worker_cpu(const struct sv_worker *w)
{
	return conf_cpus_pick(conf_input_cpus(&w->sv->conf, w->input), w->index);
}


int svw_start(struct sv_worker *w)
{
	struct spawned sp;

	if (spawn_worker(w->name, worker_cpu(w), &sp) < 0) {
		log_warn("cannot start worker[%s]", w->name);
		return -1;
	}
	w->pid = sp.pid;
	w->chan = sp.chan;
	w->token = sp.token;
	/* Started for its input, a reload or the first time: not in a crash loop. */
	if (!w->respawning)
		w->backoff_ms = 0;
	w->respawning = false;
	w->ingress_sent = false;
	w->config_digest = 0;
	svp_reset(w);
	stats_set_free(&w->stats);
	clock_gettime(CLOCK_MONOTONIC, &w->started);
	if (watch_channel(w) < 0)
		fatalx(EX_SOFTWARE, "cannot watch the channel of worker[%s]", w->name);
	log_info("started worker[%s] (pid %d)", w->name, w->pid);
	return 0;
}

void svw_stop(struct sv_worker *w)
{
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
	w->progress.in_flight = false;
	if (w->chan >= 0) {
		close(w->chan);
		w->chan = -1;
	}
	if (w->ev_respawn)
		event_del(w->ev_respawn);
	if (w->ev_stats)
		event_del(w->ev_stats);
	w->stats_silent = false;
	if (w->stats_pending) {
		w->stats_pending = false;
		w->sv->events.counted(w->sv);
	}
}

bool svw_may_start(const struct sv_worker *w)
{
	return w->ev_respawn == NULL || !evtimer_pending(w->ev_respawn, NULL);
}

static void on_respawn(evutil_socket_t fd, short what, void *arg)
{
	struct sv_worker *w = arg;

	(void)fd;
	(void)what;
	w->sv->events.changed(w->sv);
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
	w->respawning = true;
	log_warnx("worker[%s] %s; restart %u in %u ms", w->name, cause, w->restarts,
		  w->backoff_ms);
	if (w->ev_respawn == NULL)
		w->ev_respawn = evtimer_new(w->sv->base, on_respawn, w);
	struct timeval tv = { .tv_sec = w->backoff_ms / 1000,
			      .tv_usec = (w->backoff_ms % 1000) * 1000 };

	if (w->ev_respawn == NULL || evtimer_add(w->ev_respawn, &tv) < 0)
		fatalx(EX_SOFTWARE, "cannot schedule a restart of worker[%s]", w->name);
}

void svw_exited(struct sv_worker *w, int status)
{
	char cause[96];

	describe_status(status, cause, sizeof(cause));
	w->pid = 0;
	w->config_digest = 0;
	svp_reset(w);
	svw_stop(w);
	svw_close_sockets(w);
	if (w->sv->stopping || !w->wanted) {
		w->replace = false;
		log_info("worker[%s] %s", w->name, cause);
		return;
	}
	if (w->replace) {
		w->replace = false;
		log_info("worker[%s] %s; replacing it", w->name, cause);
		w->sv->events.changed(w->sv);
		return;
	}
	schedule_respawn(w, cause);
}
