#include "config.h"

#include "metrics/metrics.h"

#include "common/channel.h"
#include "common/log.h"
#include "common/worker_env.h"
#include "lib/handoff.h"
#include "lib/metrics_doc.h"
#include "metrics/http_server.h"
#include "metrics/metrics_hooks.h"
#include "metrics/metrics_sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

/* What the epoll events carry besides connections (http_server.h). */
enum { TAG_CHANNEL = 1, TAG_SIGNAL, TAG_LISTEN };
/* Messages read from the channel at one wake-up, so that connections get their turn. */
#define CHANNEL_BATCH 64
/*
 * The supervisor answers every request within a few seconds (it waits at
 * most 1.5 s for the workers); one that has not in this long is taken for a
 * lost answer, and the process exits, to be started afresh.
 */
#define ANSWER_WAIT_MS 60000

struct metrics {
	uint64_t token;
	int epfd, signal_fd, listen_fd;
	struct ho_metrics_setup setup;
	bool dropped;
	bool asked;		/* a METRICS_REQ without its whole answer yet */
	uint64_t asked_at;	/* when, in milliseconds */
	struct metrics_doc doc;
	struct http_server *http;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void watch(struct metrics *m, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		fatal(EX_OSERR, "cannot watch descriptor %d", fd);
}

/* A new listening socket (the first, or a reload's): the old one is closed. */
static void take_listener(struct metrics *m, int fd)
{
	if (m->listen_fd >= 0)
		close(m->listen_fd);	/* and out of the epoll set with it */
	m->listen_fd = fd;
	watch(m, fd, TAG_LISTEN);
	log_info("serving GET /metrics on %s", m->setup.listen);
}

static void take_setup(struct metrics *m, const struct ho_metrics_setup *s, int fd)
{
	if (!m->dropped) {
		char summary[128], err[256];

		m->setup = *s;
		log_init("metrics", log_to_stderr(), (enum log_level)s->log_level);
		log_keep_connection();
		if (metrics_sandbox(s->uid, s->gid, m->signal_fd, summary, sizeof(summary), err,
				    sizeof(err)) < 0)
			fatalx(EX_NOPERM, "refusing to run: %s", err);
		m->dropped = true;
		log_info("running as uid %u gid %u, no capabilities, %s", s->uid, s->gid, summary);
	} else {
		/* Identity is fixed once dropped: a new user is for the next process. */
		snprintf(m->setup.listen, sizeof(m->setup.listen), "%s", s->listen);
		m->setup.log_level = s->log_level;
		log_set_level((enum log_level)s->log_level);
	}
	take_listener(m, fd);
}

static void ask(struct metrics *m)
{
	static _Alignas(8) char buf[sizeof(struct ho_header)];
	size_t n = handoff_encode(buf, sizeof(buf), HO_METRICS_REQ, m->token, NULL, 0);

	if (channel_send(WORKER_CHANNEL_FD, buf, n, -1) < 0)
		fatal(EX_OSERR, "cannot ask the supervisor for the metrics");
	m->asked = true;
	m->asked_at = now_ms();
}

static void take_data(struct metrics *m, const struct channel_msg *msg)
{
	char err[160];
	int rc;

	if (!m->asked)
		fatalx(EX_PROTOCOL, "METRICS_DATA that was not asked for");
	rc = metrics_doc_take(&m->doc, msg->payload, msg->hdr.length, err, sizeof(err));
	if (rc < 0)
		fatalx(EX_PROTOCOL, "bad METRICS_DATA: %s", err);
	if (rc == 0)
		return;
	uint32_t status = m->doc.status, total = m->doc.total;
	char *body = metrics_doc_release(&m->doc);

	m->asked = false;
	if (status != 0) {
		free(body);
		body = NULL;
	}
	http_server_serve(m->http, body, total, (int)status, now_ms());
}

/* Returns 1 for a message taken, 0 at the supervisor's end of file, -1 when none is there. */
static int handle_message(struct metrics *m)
{
	static struct channel_msg msg;	/* 64 KiB: off the stack */
	int rc = channel_recv_msg(WORKER_CHANNEL_FD, m->token, &msg);

	if (rc == 0)
		return 0;
	if (rc == -1 && (errno == EAGAIN || errno == EINTR))
		return -1;
	if (rc == -1)
		fatal(EX_PROTOCOL, "bad message from the supervisor");
	if (rc == -2)
		fatalx(EX_PROTOCOL, "bad %s message from the supervisor: %s",
		       handoff_type_name(msg.hdr.type), handoff_strerror(msg.error));
	switch (msg.hdr.type) {
	case HO_METRICS_SETUP:
		take_setup(m, msg.payload, msg.fds[0]);
		break;
	case HO_METRICS_DATA:
		take_data(m, &msg);
		break;
	default:
		channel_close_fds(msg.fds, msg.nfds);
		fatalx(EX_PROTOCOL, "unexpected %s message", handoff_type_name(msg.hdr.type));
	}
	return 1;
}

/* Returns false once it is time to exit. */
static bool on_signal(struct metrics *m)
{
	struct signalfd_siginfo si;

	if (read(m->signal_fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return true;
	if (si.ssi_signo == SIGUSR2) {
		metrics_hooks_attack(m->token, si.ssi_int);
		return true;
	}
	log_info("%s received, exiting", strsignal((int)si.ssi_signo));
	return false;
}

/*
 * SIGTERM and SIGINT (and the test hooks' SIGUSR2) are read from a
 * descriptor: a sandboxed process needs no system call to return from a
 * handler.
 */
static int open_signal_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	metrics_hooks_signals(&set);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void run(struct metrics *m)
{
	struct epoll_event evs[64];

	for (;;) {
		uint64_t now = now_ms();
		int timeout = http_server_expire(m->http, now);

		if (m->asked) {
			if (now - m->asked_at >= ANSWER_WAIT_MS)
				fatalx(EX_PROTOCOL, "the supervisor has not answered for %d s",
				       ANSWER_WAIT_MS / 1000);
			int left = (int)(m->asked_at + ANSWER_WAIT_MS - now);

			if (timeout < 0 || left < timeout)
				timeout = left;
		}
		int n = epoll_wait(m->epfd, evs, 64, timeout);

		if (n < 0 && errno != EINTR)
			fatal(EX_OSERR, "epoll_wait");
		for (int i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;

			if (tag == TAG_CHANNEL) {
				int rc = 1;

				for (int k = 0; k < CHANNEL_BATCH && rc == 1; k++)
					rc = handle_message(m);
				if (rc == 0) {
					log_info("supervisor closed the channel, exiting");
					return;
				}
			} else if (tag == TAG_SIGNAL) {
				if (!on_signal(m))
					return;
			} else if (tag == TAG_LISTEN) {
				http_server_accept(m->http, m->listen_fd, now_ms());
			} else {
				http_server_event(m->http, tag, evs[i].events, now_ms());
			}
		}
		if (!m->asked && http_server_waiting(m->http))
			ask(m);
	}
}

int metrics_main(void)
{
	struct metrics m = { .listen_fd = -1 };
	const char *logmode = getenv(WORKER_ENV_LOG);

	if (worker_env_check(&m.token) < 0) {
		fprintf(stderr, "mcrelay: 'metrics' is started by the supervisor only\n");
		return EX_USAGE;
	}
	/* Executed as /proc/self/exe, it would be "exe" in ps(1) and top(1). */
	prctl(PR_SET_NAME, "mcrelay-metrics", 0, 0, 0);
	log_init("metrics", logmode == NULL || strcmp(logmode, "syslog") != 0, LOG_LEVEL_INFO);
	m.epfd = epoll_create1(EPOLL_CLOEXEC);
	m.signal_fd = open_signal_fd();
	m.http = http_server_new(m.epfd);
	if (m.epfd < 0 || m.signal_fd < 0 || m.http == NULL ||
	    fcntl(WORKER_CHANNEL_FD, F_SETFL, O_NONBLOCK) < 0)
		fatal(EX_OSERR, "cannot set up the event loop");
	watch(&m, WORKER_CHANNEL_FD, TAG_CHANNEL);
	watch(&m, m.signal_fd, TAG_SIGNAL);
	/* Nothing to serve before the first SETUP, which drops the privileges. */
	while (!m.dropped) {
		struct epoll_event ev;
		int n = epoll_wait(m.epfd, &ev, 1, -1);

		if (n < 0 && errno != EINTR)
			fatal(EX_OSERR, "epoll_wait");
		if (n <= 0)
			continue;
		if (ev.data.u64 == TAG_SIGNAL && !on_signal(&m))
			return EX_OK;
		if (ev.data.u64 == TAG_CHANNEL && handle_message(&m) == 0)
			fatalx(EX_PROTOCOL, "supervisor closed the channel during set-up");
	}
	run(&m);
	http_server_free(m.http);
	metrics_doc_free(&m.doc);
	return EX_OK;
}
