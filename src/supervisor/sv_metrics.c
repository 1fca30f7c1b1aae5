#include "config.h"

#include "supervisor/sv_metrics.h"

#include "common/channel.h"
#include "common/log.h"
#include "lib/conf_listen.h"
#include "lib/metrics_doc.h"
#include "lib/status_render.h"
#include "supervisor/metrics_socket.h"
#include "supervisor/spawn.h"
#include "supervisor/sv_stats.h"
#include "supervisor/sv_status.h"

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 30000
#define STABLE_AFTER_S 60
/* A backstop for the workers' counters: the supervisor stops waiting for each after 1 s. */
#define STATS_WAIT_MS 1500

struct sv_metrics {
	struct supervisor *sv;
	struct conf_listen listen;	/* what fd listens on */
	char where[CONF_LISTEN_STRLEN];
	int fd;				/* -1: none */
	struct conf_listen next_listen;	/* opened by sv_metrics_prepare, not in force yet */
	int next_fd;
	uint32_t level_sent;		/* the log level of the last SETUP */
	bool setup_due;			/* a SETUP to send once the channel has drained */

	/* The process and its channel. */
	pid_t pid;
	int chan;
	uint64_t token;
	struct channel_out out;
	struct event *ev_chan, *ev_chan_out, *ev_respawn, *ev_wait;
	unsigned restarts, backoff_ms;
	struct timespec started;

	/* Its request: taken, then answered once the counters are in, then sent. */
	bool in_flight;		/* from its REQ until the whole answer is sent */
	bool waiting;		/* for the workers' counters (else, in flight: for the pace) */
	bool sending;		/* the answer is queued, the channel being full */
	struct timespec answered;	/* CLOCK_MONOTONIC, the last answer */
};

static double ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) * 1e3 + (double)(now.tv_nsec - t->tv_nsec) / 1e6;
}

static struct timeval ms_tv(unsigned ms)
{
	return (struct timeval){ .tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000 };
}

static void kill_it(struct sv_metrics *m)
{
	if (m->ev_chan)
		event_del(m->ev_chan);
	if (m->ev_chan_out)
		event_del(m->ev_chan_out);
	if (m->pid > 0)
		kill(m->pid, SIGKILL);
}

/* Its channel, its request: gone with the process. */
static void close_channel(struct sv_metrics *m)
{
	struct event **evs[] = { &m->ev_chan, &m->ev_chan_out };

	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		if (*evs[i]) {
			event_free(*evs[i]);
			*evs[i] = NULL;
		}
	}
	if (m->ev_wait)
		event_del(m->ev_wait);
	channel_out_clear(&m->out);
	if (m->chan >= 0)
		close(m->chan);
	m->chan = -1;
	m->in_flight = m->waiting = m->sending = m->setup_due = false;
}

static int send_msg(struct sv_metrics *m, enum handoff_type type, const void *payload,
		    size_t len, int fd)
{
	if (m->chan < 0)
		return -1;
	if (channel_out_send(&m->out, m->chan, type, m->token, payload, len, fd) < 0) {
		log_warn("cannot send %s to the metrics process; stopping it",
			 handoff_type_name(type));
		kill_it(m);
		return -1;
	}
	if (channel_out_pending(&m->out) && event_add(m->ev_chan_out, NULL) < 0)
		fatalx(EX_SOFTWARE, "cannot watch the metrics process's channel");
	return 0;
}

/*
 * Who to be, the socket and the log level.  Behind a queue (an answer the
 * process has not read yet) it waits for the queue to drain, so that a
 * process that does not read its channel never has more than one SETUP,
 * and one descriptor, waiting for it however many reloads come.
 */
static void send_setup(struct sv_metrics *m)
{
	const struct supervisor *sv = m->sv;
	struct ho_metrics_setup s = { .uid = sv->uid, .gid = sv->gid,
				      .log_level = (uint32_t)sv->conf.log_level };

	if (channel_out_pending(&m->out)) {
		m->setup_due = true;
		return;
	}
	m->setup_due = false;

	snprintf(s.listen, sizeof(s.listen), "%s", m->where);
	if (send_msg(m, HO_METRICS_SETUP, &s, sizeof(s), m->fd) == 0)
		m->level_sent = s.log_level;
}

/* The whole document, piece by piece, queued where the channel is full. */
static void answer(struct sv_metrics *m)
{
	static _Alignas(8) char piece[sizeof(struct ho_metrics_data) + METRICS_PIECE_MAX];
	struct strbuf sb = { 0 };
	uint32_t status = 0, offset = 0, total;

	m->waiting = false;
	event_del(m->ev_wait);
	sv_status_render(m->sv, STATUS_OPENMETRICS, &sb);
	if (sb.len > HO_METRICS_DOC_MAX) {
		log_warnx("metrics: the document would take %zu bytes, more than the %u allowed; "
			  "answering 500", sb.len, HO_METRICS_DOC_MAX);
		status = 500;
	}
	total = status ? 0 : (uint32_t)sb.len;
	clock_gettime(CLOCK_MONOTONIC, &m->answered);
	do {
		size_t len = metrics_doc_piece(sb.s, total, offset, status, piece);

		if (send_msg(m, HO_METRICS_DATA, piece, len, -1) < 0)
			break;
		offset += (uint32_t)metrics_doc_piece_bytes(len);
	} while (offset < total);
	sb_free(&sb);
	if (channel_out_pending(&m->out))
		m->sending = true;
	else
		m->in_flight = false;
}

/* The counters of every worker, fresh, then the answer. */
static void gather(struct sv_metrics *m)
{
	struct timeval tv = ms_tv(STATS_WAIT_MS);

	if (svs_request(m->sv)) {
		answer(m);
		return;
	}
	m->waiting = true;
	if (evtimer_add(m->ev_wait, &tv) < 0)
		fatalx(EX_SOFTWARE, "cannot time the metrics process's request");
}

static void on_wait(evutil_socket_t fd, short what, void *arg)
{
	struct sv_metrics *m = arg;

	(void)fd;
	(void)what;
	if (!m->in_flight || m->sending)
		return;
	if (m->waiting)
		answer(m);	/* the backstop: with the counters that have come */
	else
		gather(m);	/* the pace was kept */
}

static void take_request(struct sv_metrics *m)
{
	double since = ms_since(&m->answered);

	m->in_flight = true;
	if (since >= SVM_PACE_MS) {
		gather(m);
		return;
	}
	struct timeval tv = ms_tv((unsigned)(SVM_PACE_MS - since) + 1);

	if (evtimer_add(m->ev_wait, &tv) < 0)
		fatalx(EX_SOFTWARE, "cannot time the metrics process's request");
}

void sv_metrics_counted(struct supervisor *sv)
{
	struct sv_metrics *m = sv->metrics;

	if (m != NULL && m->in_flight && m->waiting && !m->sending && svs_complete(sv))
		answer(m);
}

/* Anything but a REQ, a REQ while one is in flight, a descriptor: it is ended. */
static void handle_message(struct sv_metrics *m)
{
	static struct channel_msg msg;	/* 64 KiB: off the stack */
	int rc = channel_recv_msg(m->chan, m->token, &msg);

	if (rc == -1 && errno == EAGAIN)
		return;
	if (rc == 1)
		channel_close_fds(msg.fds, msg.nfds);
	if (rc == 1 && !handoff_sent_by(msg.hdr.type, HO_FROM_METRICS)) {
		rc = -2;
		msg.error = HO_ETYPE;
	}
	if (rc == 0) {
		log_info("metrics process (pid %d) closed its channel", m->pid);
	} else if (rc == -1) {
		log_warn("metrics process (pid %d): bad message; stopping it", m->pid);
	} else if (rc == -2) {
		log_warnx("metrics process (pid %d): bad %s message: %s; stopping it", m->pid,
			  handoff_type_name(msg.hdr.type), handoff_strerror(msg.error));
	} else if (m->in_flight) {
		log_warnx("metrics process (pid %d): a second METRICS_REQ before the answer to "
			  "the first was sent; stopping it", m->pid);
		rc = -2;
	} else {
		take_request(m);
	}
	if (rc <= 0)
		kill_it(m);
}

static void on_channel(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	handle_message(arg);
}

static void on_channel_out(evutil_socket_t fd, short what, void *arg)
{
	struct sv_metrics *m = arg;
	int rc = channel_out_flush(&m->out, m->chan);

	(void)fd;
	(void)what;
	if (rc == 1) {
		event_del(m->ev_chan_out);
		if (m->sending)
			m->in_flight = m->sending = false;
		if (m->setup_due)
			send_setup(m);
	} else if (rc < 0) {
		log_warn("cannot write to the metrics process; stopping it");
		kill_it(m);
	}
}

static void start(struct sv_metrics *m)
{
	struct event_base *base = m->sv->base;
	struct spawned sp;

	if (spawn_child("metrics", m->where, -1, &sp) < 0) {
		log_warn("cannot start the metrics process");
		sv_metrics_exited(m->sv, -1, -1);
		return;
	}
	m->pid = sp.pid;
	m->chan = sp.chan;
	m->token = sp.token;
	clock_gettime(CLOCK_MONOTONIC, &m->started);
	evutil_make_socket_nonblocking(m->chan);
	m->ev_chan = event_new(base, m->chan, EV_READ | EV_PERSIST, on_channel, m);
	m->ev_chan_out = event_new(base, m->chan, EV_WRITE | EV_PERSIST, on_channel_out, m);
	if (m->ev_chan == NULL || m->ev_chan_out == NULL || event_add(m->ev_chan, NULL) < 0)
		fatalx(EX_SOFTWARE, "cannot watch the metrics process's channel");
	log_info("started metrics[%s] (pid %d)", m->where, m->pid);
	send_setup(m);
}

static void on_respawn(evutil_socket_t fd, short what, void *arg)
{
	struct sv_metrics *m = arg;

	(void)fd;
	(void)what;
	if (m->pid == 0 && m->fd >= 0 && !m->sv->stopping)
		start(m);
}

static struct sv_metrics *metrics_new(struct supervisor *sv)
{
	struct sv_metrics *m = calloc(1, sizeof(*m));

	if (m == NULL)
		fatal(EX_OSERR, "calloc");
	m->sv = sv;
	m->fd = m->next_fd = m->chan = -1;
	m->ev_respawn = evtimer_new(sv->base, on_respawn, m);
	m->ev_wait = evtimer_new(sv->base, on_wait, m);
	if (m->ev_respawn == NULL || m->ev_wait == NULL)
		fatalx(EX_OSERR, "cannot time the metrics process");
	return m;
}

int sv_metrics_prepare(struct supervisor *sv, const struct conf *next, struct diag *d)
{
	struct sv_metrics *m;
	char err[256];

	if (!conf_listen_set(&next->metrics_listen))
		return 0;
	if (sv->metrics == NULL)
		sv->metrics = metrics_new(sv);
	m = sv->metrics;
	if (m->next_fd >= 0)
		close(m->next_fd);
	m->next_fd = -1;
	if (m->fd >= 0 && conf_listen_same(&m->listen, &next->metrics_listen))
		return 0;
	m->next_fd = metrics_socket_open(&next->metrics_listen, err, sizeof(err));
	if (m->next_fd < 0) {
		diag_error(d, next->path, next->metrics_listen_line, "metrics-listen: %s", err);
		return EX_UNAVAILABLE;
	}
	m->next_listen = next->metrics_listen;
	return 0;
}

void sv_metrics_apply(struct supervisor *sv)
{
	struct sv_metrics *m = sv->metrics;
	bool moved = false;

	if (m == NULL)
		return;
	if (!conf_listen_set(&sv->conf.metrics_listen)) {
		if (m->fd >= 0)
			log_info("metrics: no metrics-listen any more; stopping metrics[%s]", m->where);
		sv_metrics_stop(sv);
		if (m->fd >= 0)
			close(m->fd);
		m->fd = -1;
		event_del(m->ev_respawn);
		return;
	}
	if (m->next_fd >= 0) {
		if (m->fd >= 0) {
			log_info("metrics: moving from %s", m->where);
			close(m->fd);
		}
		m->fd = m->next_fd;
		m->next_fd = -1;
		m->listen = m->next_listen;
		conf_listen_format(&m->listen, m->where, sizeof(m->where));
		log_info("metrics: listening on %s for GET /metrics", m->where);
		moved = true;
	}
	if (m->pid > 0 && m->chan >= 0 && (moved || m->level_sent != (uint32_t)sv->conf.log_level))
		send_setup(m);
	else if (m->pid == 0 && !evtimer_pending(m->ev_respawn, NULL))
		start(m);
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

bool sv_metrics_exited(struct supervisor *sv, pid_t pid, int status)
{
	struct sv_metrics *m = sv->metrics;
	char cause[96];

	if (m == NULL || (pid != -1 && (m->pid <= 0 || pid != m->pid)))
		return false;
	describe_status(status, cause, sizeof(cause));
	m->pid = 0;
	close_channel(m);
	if (sv->stopping || m->fd < 0) {
		log_info("metrics process %s", cause);
		return true;
	}
	if (m->backoff_ms == 0 || ms_since(&m->started) >= STABLE_AFTER_S * 1000.0)
		m->backoff_ms = BACKOFF_FIRST_MS;
	else
		m->backoff_ms = m->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
								   : m->backoff_ms * 2;
	m->restarts++;
	log_warnx("metrics process %s; restart %u in %u ms", cause, m->restarts, m->backoff_ms);
	struct timeval tv = ms_tv(m->backoff_ms);

	if (evtimer_add(m->ev_respawn, &tv) < 0)
		fatalx(EX_SOFTWARE, "cannot schedule a restart of the metrics process");
	return true;
}

void sv_metrics_stop(struct supervisor *sv)
{
	struct sv_metrics *m = sv->metrics;

	if (m == NULL)
		return;
	close_channel(m);	/* it exits at its end of file */
	event_del(m->ev_respawn);
}

bool sv_metrics_running(const struct supervisor *sv)
{
	return sv->metrics != NULL && sv->metrics->pid > 0;
}

void sv_metrics_kill(struct supervisor *sv)
{
	if (sv_metrics_running(sv)) {
		log_warnx("metrics process did not exit, killing it");
		kill(sv->metrics->pid, SIGKILL);
	}
}

void sv_metrics_free(struct supervisor *sv)
{
	struct sv_metrics *m = sv->metrics;

	if (m == NULL)
		return;
	close_channel(m);
	event_free(m->ev_respawn);
	event_free(m->ev_wait);
	if (m->fd >= 0)
		close(m->fd);
	if (m->next_fd >= 0)
		close(m->next_fd);
	free(m);
	sv->metrics = NULL;
}
