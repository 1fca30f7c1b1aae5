#include "config.h"

#include "supervisor/control.h"

#include "supervisor/control_socket.h"
#include "common/log.h"
#include "lib/strbuf.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define REQUEST_MAX 256
/* What is read from a client at most: a request line of REQUEST_MAX bytes and its newline. */
#define CLIENT_INPUT_MAX (REQUEST_MAX + 1)
/*
 * A backstop: the owner ends the wait for stats itself (the supervisor
 * gives each worker one second, then stops waiting for it), so this fires
 * only for an owner that never says control_stats_ready.
 */
#define STATS_WAIT_MS 1500
#define REFUSED_LOG_EVERY_S 10

enum client_state { CL_READING, CL_WAIT_STATS, CL_WAIT_ACK, CL_WRITING };

struct client {
	struct control *ctl;
	struct bufferevent *bev;
	enum client_state state;
	enum status_form form;
	bool refused;		/* answered with a refusal once it has asked */
	char *note;		/* warnings to send with the answer */
	struct event *ev_deadline;
	struct event *ev_hangup;	/* once it is no longer read: it left */
	struct client *prev, *next;	/* oldest first */
};

struct control {
	struct event_base *base;
	const struct control_ops *ops;
	void *arg;
	struct control_limits limits;
	char path[CONTROL_PATH_MAX];
	struct control_socket_id id;
	struct evconnlistener *listener;
	gid_t gid;
	struct client *head, *tail;
	size_t n_clients;
	struct event *ev_resume;	/* accepting again after EMFILE */
	time_t refused_logged;
	unsigned long refused_quiet;	/* refusals not logged since */
};

static void client_free(struct client *c)
{
	struct control *ctl = c->ctl;

	if (c->prev)
		c->prev->next = c->next;
	else
		ctl->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		ctl->tail = c->prev;
	ctl->n_clients--;
	if (c->ev_deadline)
		event_free(c->ev_deadline);
	if (c->ev_hangup)
		event_free(c->ev_hangup);
	bufferevent_free(c->bev);
	free(c->note);
	free(c);
}

static void reply_status(struct client *c);
static void reply_reload(struct client *c, bool confirmed);

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;

	(void)fd;
	(void)what;
	switch (c->state) {
	case CL_WAIT_STATS:
		reply_status(c);	/* with what has arrived */
		break;
	case CL_WAIT_ACK:
		reply_reload(c, false);
		break;
	case CL_READING:
	case CL_WRITING:
		client_free(c);	/* too slow to ask, or to read the answer */
		break;
	}
}

/* Every state ends at a fixed time, however the client trickles its bytes. */
static void client_deadline(struct client *c, enum client_state state, unsigned ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000 };

	c->state = state;
	if (evtimer_add(c->ev_deadline, &tv) < 0)
		log_warnx("control: cannot arm a client's deadline");
}

static void on_flushed(struct bufferevent *bev, void *arg)
{
	(void)bev;
	client_free(arg);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		client_free(arg);
}

static void on_hangup(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	client_free(arg);	/* as at the end of file when it was read */
}

/*
 * A client is not read after its request, so its end of file is not seen:
 * its hang-up (EPOLLRDHUP) is, where the event loop can tell, and the
 * client is freed at once instead of when its answer fails.
 */
static void watch_hangup(struct client *c)
{
	struct event_base *base = c->ctl->base;

	if (!(event_base_get_features(base) & EV_FEATURE_EARLY_CLOSE))
		return;
	c->ev_hangup = event_new(base, bufferevent_getfd(c->bev), EV_CLOSED, on_hangup, c);
	if (c->ev_hangup == NULL || event_add(c->ev_hangup, NULL) < 0)
		log_warnx("control: cannot watch a client for its hang-up");
}

/* Sends the whole answer; the connection closes once it is written or fails. */
static void client_reply(struct client *c, const char *status, const char *body)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	client_deadline(c, CL_WRITING, c->ctl->limits.deadline_ms);
	bufferevent_disable(c->bev, EV_READ);
	evbuffer_add_printf(out, "%s\n", status);
	if (body)
		evbuffer_add(out, body, strlen(body));
	bufferevent_setcb(c->bev, NULL, on_flushed, on_event, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	bufferevent_enable(c->bev, EV_WRITE);
}

/* Answers waiting for their clients to read them, in all: the kernel took the rest. */
static size_t unread_answers(const struct control *ctl)
{
	size_t n = 0;

	for (const struct client *c = ctl->head; c != NULL; c = c->next)
		if (c->state == CL_WRITING)
			n += evbuffer_get_length(bufferevent_get_output(c->bev));
	return n;
}

static void reply_status(struct client *c)
{
	struct strbuf sb = { 0 };
	char status[32];

	c->ctl->ops->render_status(c->ctl->arg, c->form, &sb);
	if (unread_answers(c->ctl) + sb.len > c->ctl->limits.unread_max) {
		snprintf(status, sizeof(status), "error %d", EX_TEMPFAIL);
		client_reply(c, status, "busy: other clients have not read their answers yet; "
			     "try again\n");
	} else {
		client_reply(c, "ok", sb.s ? sb.s : "");
	}
	sb_free(&sb);
}

/* Success only once every worker has adopted the configuration. */
static void reply_reload(struct client *c, bool confirmed)
{
	struct strbuf sb = { 0 };
	char status[32];

	sb_printf(&sb, "%s", c->note ? c->note : "");
	if (confirmed) {
		sb_printf(&sb, "reload applied: ");
		c->ctl->ops->describe_config(c->ctl->arg, &sb);
		sb_printf(&sb, "\n");
		client_reply(c, "ok", sb.s);
	} else {
		sb_printf(&sb, "reload not confirmed: ");
		c->ctl->ops->describe_config(c->ctl->arg, &sb);
		sb_printf(&sb, "\n");
		snprintf(status, sizeof(status), "error %d", EX_TEMPFAIL);
		client_reply(c, status, sb.s);
	}
	sb_free(&sb);
}

static void do_reload(struct client *c)
{
	struct diag d = { 0 };
	struct strbuf sb = { 0 };
	char status[32];
	int rc = c->ctl->ops->reload(c->ctl->arg, &d);

	for (size_t i = 0; i < d.n; i++)
		sb_printf(&sb, "%s\n", d.lines[i]);
	diag_free(&d);
	if (rc != 0) {
		sb_printf(&sb, "reload failed: keeping the running configuration\n");
		snprintf(status, sizeof(status), "error %d", rc);
		client_reply(c, status, sb.s);
	} else {
		c->note = sb.s;	/* warnings, e.g. interfaces that are absent */
		sb.s = NULL;
		if (c->ctl->ops->config_acked(c->ctl->arg))
			reply_reload(c, true);
		else
			client_deadline(c, CL_WAIT_ACK, c->ctl->limits.ack_wait_ms);
	}
	sb_free(&sb);
}

/* "status", "status json", ...: the form asked for, or -1. */
static int status_request(const char *line)
{
	static const struct { const char *line; enum status_form form; } forms[] = {
		{ "status", STATUS_TEXT }, { "status json", STATUS_JSON },
		{ "status openmetrics", STATUS_OPENMETRICS },
		{ "status prometheus", STATUS_PROMETHEUS },
	};

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		if (strcmp(line, forms[i].line) == 0)
			return (int)forms[i].form;
	return -1;
}

static void handle_request(struct client *c, const char *line, size_t len)
{
	int form = status_request(line);

	if (form >= 0) {
		c->form = (enum status_form)form;
		if (c->ctl->ops->request_stats(c->ctl->arg))
			reply_status(c);
		else
			client_deadline(c, CL_WAIT_STATS, STATS_WAIT_MS);
	} else if (strcmp(line, "reload") == 0) {
		do_reload(c);
	} else {
		struct strbuf sb = { 0 };

		sb_printf(&sb, "unknown request '");
		sb_escaped(&sb, line, len);
		sb_printf(&sb, "'\n");
		client_reply(c, "error 64", sb.s);
		sb_free(&sb);
	}
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len;
	char *line;

	if (c->state != CL_READING)
		return;
	line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF);
	if (line == NULL) {
		if (evbuffer_get_length(in) > REQUEST_MAX)
			client_reply(c, "error 64", "request too long\n");
		return;
	}
	/*
	 * One request per connection: whatever the client sends after it stays
	 * in the kernel's socket buffer, however long the answer takes.  A
	 * client that leaves meanwhile is still noticed, by its hang-up.
	 */
	bufferevent_disable(bev, EV_READ);
	evbuffer_drain(in, evbuffer_get_length(in));
	watch_hangup(c);
	if (c->refused)
		client_reply(c, "error 77",
			     "permission denied: not root and not in the control group\n");
	else if (len > REQUEST_MAX)
		client_reply(c, "error 64", "request too long\n");
	else
		handle_request(c, line, len);
	free(line);
}

/* Root and the members of the control group, primary or supplementary. */
static bool peer_allowed(const struct control *ctl, int fd, char *who, size_t len)
{
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	gid_t groups[256];
	socklen_t glen = sizeof(groups);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
		snprintf(who, len, "unknown peer");
		return false;
	}
	snprintf(who, len, "pid %d uid %u gid %u", cred.pid, cred.uid, cred.gid);
	if (cred.uid == 0 || cred.gid == ctl->gid)
		return true;
	/* The groups as they were at connect(), unlike /proc, which may be another process by now. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) < 0)
		return false;
	for (size_t i = 0; i < glen / sizeof(gid_t); i++)
		if (groups[i] == ctl->gid)
			return true;
	return false;
}

static void log_refused(struct control *ctl, const char *who)
{
	time_t now = time(NULL);

	if (now - ctl->refused_logged < REFUSED_LOG_EVERY_S) {
		ctl->refused_quiet++;
		return;
	}
	if (ctl->refused_quiet)
		log_warnx("control: refused a client (%s): not root and not in the control "
			  "group (and %lu more since the last such message)",
			  who, ctl->refused_quiet);
	else
		log_warnx("control: refused a client (%s): not root and not in the control "
			  "group", who);
	ctl->refused_logged = now;
	ctl->refused_quiet = 0;
}

/*
 * At the limit, the oldest client that has not yet asked anything makes
 * room: idle connections cannot lock out an operator.
 */
static bool make_room(struct control *ctl)
{
	if (ctl->n_clients < ctl->limits.max_clients)
		return true;
	for (struct client *c = ctl->head; c != NULL; c = c->next) {
		if (c->state == CL_READING) {
			client_free(c);
			return true;
		}
	}
	return false;
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
		      int socklen, void *arg)
{
	struct control *ctl = arg;
	struct client *c;
	char who[96];

	(void)l;
	(void)sa;
	(void)socklen;
	if (!make_room(ctl) || (c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->ctl = ctl;
	c->bev = bufferevent_socket_new(ctl->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->ev_deadline = evtimer_new(ctl->base, on_deadline, c);
	if (c->bev == NULL || c->ev_deadline == NULL) {
		if (c->bev)
			bufferevent_free(c->bev);
		else
			close(fd);
		if (c->ev_deadline)
			event_free(c->ev_deadline);
		free(c);
		return;
	}
	c->prev = ctl->tail;
	if (ctl->tail)
		ctl->tail->next = c;
	else
		ctl->head = c;
	ctl->tail = c;
	ctl->n_clients++;
	if (!peer_allowed(ctl, fd, who, sizeof(who))) {
		/* Answered after its request, so that the client reads the refusal. */
		log_refused(ctl, who);
		c->refused = true;
	}
	client_deadline(c, CL_READING, ctl->limits.deadline_ms);
	bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
	/* Reading stops at the limit, so no client holds more than that before its line either. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, CLIENT_INPUT_MAX);
	bufferevent_enable(c->bev, EV_READ);
}

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct control *ctl = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(ctl->listener);
}

/* Out of descriptors (EMFILE): pause accepting for a moment instead of spinning. */
static void on_accept_error(struct evconnlistener *l, void *arg)
{
	struct control *ctl = arg;
	struct timeval pause = { .tv_usec = 200000 };

	log_warnx("control: cannot accept a client: %s", strerror(errno));
	evconnlistener_disable(l);
	if (evtimer_add(ctl->ev_resume, &pause) < 0)
		evconnlistener_enable(l);
}

struct control *control_open(struct event_base *base, const char *path, gid_t gid,
			     const struct control_limits *limits,
			     const struct control_ops *ops, void *arg, char *err,
			     size_t errlen)
{
	struct control *ctl = calloc(1, sizeof(*ctl));
	int fd;

	snprintf(err, errlen, "out of memory");
	if (ctl == NULL)
		return NULL;
	ctl->base = base;
	ctl->ops = ops;
	ctl->arg = arg;
	ctl->gid = gid;
	ctl->limits = *limits;
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	fd = control_socket_open(path, gid, &ctl->id, err, errlen);
	if (fd < 0) {
		free(ctl);
		return NULL;
	}
	ctl->listener = evconnlistener_new(base, on_accept, ctl,
					   LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (ctl->listener == NULL) {
		snprintf(err, errlen, "cannot watch the socket");
		close(fd);
		control_socket_remove(path, &ctl->id);
		free(ctl);
		return NULL;
	}
	ctl->ev_resume = evtimer_new(base, on_resume, ctl);
	if (ctl->ev_resume == NULL) {
		snprintf(err, errlen, "out of memory");
		control_close(ctl);
		return NULL;
	}
	evconnlistener_set_error_cb(ctl->listener, on_accept_error);
	return ctl;
}

void control_close(struct control *ctl)
{
	while (ctl->head)
		client_free(ctl->head);
	evconnlistener_free(ctl->listener);
	if (ctl->ev_resume)
		event_free(ctl->ev_resume);
	control_socket_remove(ctl->path, &ctl->id);
	free(ctl);
}

size_t control_clients(const struct control *ctl)
{
	return ctl->n_clients;
}

void control_stats_ready(struct control *ctl)
{
	struct client *c = ctl->head, *next;

	for (; c != NULL; c = next) {
		next = c->next;
		if (c->state == CL_WAIT_STATS)
			reply_status(c);
	}
}

void control_config_acked(struct control *ctl)
{
	struct client *c = ctl->head, *next;

	for (; c != NULL; c = next) {
		next = c->next;
		if (c->state == CL_WAIT_ACK)
			reply_reload(c, true);
	}
}
