#include "config.h"

#include "metrics/http_server.h"

#include "common/log.h"
#include "lib/http_request.h"
#include "lib/status_openmetrics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#define TEXT_TYPE "text/plain; charset=utf-8"
/* Connections taken at once, so that a flood of them does not starve the rest. */
#define ACCEPT_BATCH 64

/* One document, shared by the answers that send it. */
struct snapshot {
	unsigned refs;
	size_t len;
	char *body;
};

enum conn_state { CONN_FREE, CONN_READING, CONN_WAITING, CONN_WRITING, CONN_DRAINING };

struct conn {
	enum conn_state state;
	int fd;
	uint32_t gen;		/* which connection of this slot: stale events are ignored */
	uint64_t since;		/* when it was taken: the oldest makes room */
	uint64_t deadline;
	bool head_only;		/* HEAD */
	size_t in_len;
	char in[HTTP_HEAD_MAX];
	char head[256];		/* the answer's head */
	size_t head_len;
	struct snapshot *snap;	/* the document it sends, if any */
	const char *body;	/* snap->body, or text */
	size_t body_len;
	size_t sent;		/* of head and body */
	char text[192];		/* an error answer's body */
};

struct http_server {
	int epfd;
	size_t n;
	uint32_t gen;
	struct conn conns[HTTP_MAX_CONNS];
};

static void snapshot_put(struct snapshot *s)
{
	if (s != NULL && --s->refs == 0) {
		free(s->body);
		free(s);
	}
}

struct http_server *http_server_new(int epfd)
{
	struct http_server *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	h->epfd = epfd;
	for (size_t i = 0; i < HTTP_MAX_CONNS; i++)
		h->conns[i].fd = -1;
	return h;
}

static void conn_close(struct http_server *h, struct conn *c)
{
	if (c->state == CONN_FREE)
		return;
	close(c->fd);	/* and out of the epoll set with it */
	snapshot_put(c->snap);
	c->snap = NULL;
	c->fd = -1;
	c->state = CONN_FREE;
	h->n--;
}

void http_server_free(struct http_server *h)
{
	if (h == NULL)
		return;
	for (size_t i = 0; i < HTTP_MAX_CONNS; i++)
		conn_close(h, &h->conns[i]);
	free(h);
}

size_t http_server_conns(const struct http_server *h)
{
	return h->n;
}

static uint64_t tag_of(const struct http_server *h, const struct conn *c)
{
	return HTTP_TAG_CONN + (uint64_t)(c - h->conns) + ((uint64_t)c->gen << 32);
}

static void conn_watch(struct http_server *h, struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag_of(h, c) };

	if (epoll_ctl(h->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		fatal(EX_OSERR, "epoll_ctl");
}

/* Once the whole answer is out: no more to say, and the client's last bytes are let in. */
static void conn_drain(struct http_server *h, struct conn *c, uint64_t now)
{
	snapshot_put(c->snap);
	c->snap = NULL;
	if (shutdown(c->fd, SHUT_WR) < 0) {
		conn_close(h, c);
		return;
	}
	c->state = CONN_DRAINING;
	c->deadline = now + HTTP_DRAIN_MS;
	conn_watch(h, c, EPOLLIN);
}

/* Writes what the socket takes; the rest when it is writable again. */
static void conn_write(struct http_server *h, struct conn *c, uint64_t now)
{
	size_t total = c->head_len + (c->head_only ? 0 : c->body_len);

	while (c->sent < total) {
		const char *p = c->sent < c->head_len ? c->head + c->sent
						      : c->body + (c->sent - c->head_len);
		size_t n = c->sent < c->head_len ? c->head_len - c->sent : total - c->sent;
		ssize_t k = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (k <= 0) {
			conn_close(h, c);	/* gone */
			return;
		}
		c->sent += (size_t)k;
	}
	conn_drain(h, c, now);
}

static void conn_answer(struct http_server *h, struct conn *c, int status, const char *type,
			const char *body, size_t len, uint64_t now)
{
	c->head_len = http_response_head(c->head, sizeof(c->head), status, type, len);
	c->body = body;
	c->body_len = len;
	c->sent = 0;
	c->state = CONN_WRITING;
	c->deadline = now + HTTP_WRITE_MS;
	conn_watch(h, c, EPOLLOUT);
	conn_write(h, c, now);
}

static void conn_error(struct http_server *h, struct conn *c, int status, const char *why,
		       uint64_t now)
{
	int n = snprintf(c->text, sizeof(c->text), "%d %s: %s\n", status, http_reason(status),
			 why);

	log_debug("http: answering %d (%s)", status, why);
	conn_answer(h, c, status, TEXT_TYPE, c->text,
		    n < 0 ? 0 : (size_t)n < sizeof(c->text) ? (size_t)n : sizeof(c->text) - 1,
		    now);
}

static void conn_request(struct http_server *h, struct conn *c, const struct http_request *req,
			 uint64_t now)
{
	int status = http_route(req, "/metrics");

	c->head_only = req->method == HTTP_HEAD;
	if (status == 404) {
		conn_error(h, c, 404, "only /metrics is served here", now);
	} else if (status == 405) {
		conn_error(h, c, 405, "only GET and HEAD are served here", now);
	} else {
		log_debug("http: %s /metrics, waiting for the document", req->method_name);
		c->state = CONN_WAITING;
		c->deadline = now + HTTP_WAIT_MS;
		conn_watch(h, c, 0);	/* nothing is read after the request */
	}
}

static void conn_read(struct http_server *h, struct conn *c, uint64_t now)
{
	struct http_request req;
	ssize_t k;

	if (c->state == CONN_DRAINING) {
		char sink[4096];

		do
			k = recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT);
		while (k > 0);
		if (k == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
			conn_close(h, c);
		return;
	}
	k = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
	if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (k <= 0) {
		conn_close(h, c);	/* it left before asking */
		return;
	}
	c->in_len += (size_t)k;
	switch (http_request_parse(c->in, c->in_len, &req)) {
	case HTTP_PARSE_INCOMPLETE:
		break;
	case HTTP_PARSE_ERROR:
		conn_error(h, c, req.status, req.error, now);
		break;
	case HTTP_PARSE_DONE:
		conn_request(h, c, &req, now);
		break;
	}
}

void http_server_event(struct http_server *h, uint64_t tag, uint32_t events, uint64_t now)
{
	uint64_t slot = (tag & 0xffffffffu) - HTTP_TAG_CONN;
	struct conn *c;

	if (slot >= HTTP_MAX_CONNS)
		return;
	c = &h->conns[slot];
	if (c->state == CONN_FREE || c->gen != (uint32_t)(tag >> 32))
		return;	/* closed since, and maybe taken again */
	switch (c->state) {
	case CONN_READING:
	case CONN_DRAINING:
		conn_read(h, c, now);
		break;
	case CONN_WRITING:
		conn_write(h, c, now);
		break;
	case CONN_WAITING:
		if (events & (EPOLLERR | EPOLLHUP))
			conn_close(h, c);
		break;
	case CONN_FREE:
		break;
	}
}

/* The oldest connection still reading its request, else the oldest. */
static void make_room(struct http_server *h)
{
	struct conn *oldest = NULL, *oldest_reading = NULL;

	for (size_t i = 0; i < HTTP_MAX_CONNS; i++) {
		struct conn *c = &h->conns[i];

		if (c->state == CONN_FREE)
			continue;
		if (oldest == NULL || c->since < oldest->since)
			oldest = c;
		if (c->state == CONN_READING &&
		    (oldest_reading == NULL || c->since < oldest_reading->since))
			oldest_reading = c;
	}
	if (oldest_reading != NULL)
		oldest = oldest_reading;
	if (oldest != NULL) {
		log_debug("http: %d connections: closing the oldest %s to take a new one",
			  HTTP_MAX_CONNS, oldest == oldest_reading ? "still reading its request"
								: "connection");
		conn_close(h, oldest);
	}
}

static void take(struct http_server *h, int fd, uint64_t now)
{
	struct conn *c = NULL;
	struct epoll_event ev = { .events = EPOLLIN };

	for (size_t i = 0; i < HTTP_MAX_CONNS && c == NULL; i++)
		if (h->conns[i].state == CONN_FREE)
			c = &h->conns[i];
	if (c == NULL) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->gen = ++h->gen;
	c->since = now;
	c->deadline = now + HTTP_READ_MS;
	c->in_len = 0;
	c->snap = NULL;
	c->head_only = false;
	c->state = CONN_READING;
	h->n++;
	ev.data.u64 = tag_of(h, c);
	if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		log_warn("http: cannot watch a connection");
		conn_close(h, c);
	}
}

void http_server_accept(struct http_server *h, int listen_fd, uint64_t now)
{
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		/* Room is made once a connection is there: METRICS_MAX_FDS has one to spare. */
		int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			if (h->n >= HTTP_MAX_CONNS)
				make_room(h);
			take(h, fd, now);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			log_warn("http: cannot take a connection");
		return;
	}
}

int http_server_expire(struct http_server *h, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	for (size_t i = 0; i < HTTP_MAX_CONNS; i++) {
		struct conn *c = &h->conns[i];

		if (c->state != CONN_FREE && c->deadline <= now) {
			if (c->state == CONN_WAITING)
				conn_error(h, c, 503, "the daemon did not answer in time", now);
			else
				conn_close(h, c);	/* too slow to ask, to read, or to hang up */
		}
		if (c->state != CONN_FREE && c->deadline < next)
			next = c->deadline;
	}
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : next - now > 60000 ? 60000 : (int)(next - now);
}

bool http_server_waiting(const struct http_server *h)
{
	for (size_t i = 0; i < HTTP_MAX_CONNS; i++)
		if (h->conns[i].state == CONN_WAITING)
			return true;
	return false;
}

void http_server_serve(struct http_server *h, char *body, size_t len, int status,
		       uint64_t now)
{
	struct snapshot *s = NULL;

	if (body != NULL && (s = malloc(sizeof(*s))) == NULL) {
		free(body);
		status = 500;
	}
	if (s != NULL)
		*s = (struct snapshot){ .refs = 1, .len = len, .body = body };
	for (size_t i = 0; i < HTTP_MAX_CONNS; i++) {
		struct conn *c = &h->conns[i];

		if (c->state != CONN_WAITING)
			continue;
		if (s == NULL) {
			conn_error(h, c, status ? status : 500, "the daemon could not make the document",
				   now);
			continue;
		}
		s->refs++;
		c->snap = s;
		log_debug("http: answering 200, %zu bytes", len);
		conn_answer(h, c, 200, METRICS_OPENMETRICS_TYPE, s->body, s->len, now);
	}
	snapshot_put(s);	/* the reference it was made with */
}
