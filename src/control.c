#include "config.h"

#include "control.h"

#include "log.h"
#include "strbuf.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

#define REQUEST_MAX 256
#define CLIENT_TIMEOUT_S 5
#define STATS_WAIT_MS 1000
#define ACK_WAIT_S 4

enum client_state { CL_READING, CL_WAIT_STATS, CL_WAIT_ACK, CL_WRITING };

struct client {
	struct control *ctl;
	struct bufferevent *bev;
	enum client_state state;
	int json;
	bool refused;		/* answered with a refusal once it has asked */
	char *note;		/* warnings to send with the answer */
	struct event *ev_wait;
	struct client *next;
};

struct control {
	struct event_base *base;
	const struct control_ops *ops;
	void *arg;
	uid_t uid;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct evconnlistener *listener;
	gid_t gid;
	struct client *clients;
};

static void client_free(struct client *c)
{
	struct client **pp = &c->ctl->clients;

	while (*pp != c)
		pp = &(*pp)->next;
	*pp = c->next;
	if (c->ev_wait)
		event_free(c->ev_wait);
	bufferevent_free(c->bev);
	free(c->note);
	free(c);
}

static void on_flushed(struct bufferevent *bev, void *arg)
{
	(void)bev;
	client_free(arg);
}

/* Sends the whole answer; the connection closes once it is written. */
static void client_reply(struct client *c, const char *status, const char *body)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	if (c->ev_wait)
		event_del(c->ev_wait);
	c->state = CL_WRITING;
	bufferevent_disable(c->bev, EV_READ);
	evbuffer_add_printf(out, "%s\n", status);
	if (body)
		evbuffer_add(out, body, strlen(body));
	bufferevent_setcb(c->bev, NULL, on_flushed, NULL, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	bufferevent_enable(c->bev, EV_WRITE);
}

static void reply_status(struct client *c)
{
	struct strbuf sb = { 0 };

	c->ctl->ops->render_status(c->ctl->arg, c->json, &sb);
	client_reply(c, "ok", sb.s);
	sb_free(&sb);
}

static void reply_reload(struct client *c, bool confirmed)
{
	struct strbuf sb = { 0 };

	sb_printf(&sb, "%sreload applied: ", c->note ? c->note : "");
	c->ctl->ops->describe_config(c->ctl->arg, &sb);
	sb_printf(&sb, "%s\n", confirmed ? "" : " (some workers have not confirmed it yet)");
	client_reply(c, "ok", sb.s);
	sb_free(&sb);
}

static void on_wait_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;

	(void)fd;
	(void)what;
	if (c->state == CL_WAIT_STATS)
		reply_status(c);	/* with what has arrived */
	else if (c->state == CL_WAIT_ACK)
		reply_reload(c, false);
}

static void client_wait(struct client *c, enum client_state state, long ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000 };

	c->state = state;
	if (c->ev_wait == NULL)
		c->ev_wait = evtimer_new(c->ctl->base, on_wait_timeout, c);
	if (c->ev_wait == NULL || evtimer_add(c->ev_wait, &tv) < 0)
		on_wait_timeout(-1, 0, c);
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
			client_wait(c, CL_WAIT_ACK, ACK_WAIT_S * 1000);
	}
	sb_free(&sb);
}

static void handle_request(struct client *c, const char *line)
{
	if (strcmp(line, "status") == 0 || strcmp(line, "status json") == 0) {
		c->json = strcmp(line, "status json") == 0;
		if (c->ctl->ops->request_stats(c->ctl->arg))
			reply_status(c);
		else
			client_wait(c, CL_WAIT_STATS, STATS_WAIT_MS);
	} else if (strcmp(line, "reload") == 0) {
		do_reload(c);
	} else {
		char msg[REQUEST_MAX + 64];

		snprintf(msg, sizeof(msg), "unknown request '%.*s'\n", REQUEST_MAX, line);
		client_reply(c, "error 64", msg);
	}
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len;
	char *line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF);

	if (line == NULL) {
		if (evbuffer_get_length(in) > REQUEST_MAX)
			client_reply(c, "error 64", "request too long\n");
		return;
	}
	if (c->state == CL_READING && c->refused)
		client_reply(c, "error 77",
			     "permission denied: not root and not in the workers' group\n");
	else if (c->state == CL_READING)
		handle_request(c, line);
	free(line);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		client_free(arg);
}

/* Members of the workers' group, their user and root may talk to the daemon. */
static bool peer_allowed(const struct control *ctl, int fd, char *who, size_t len)
{
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	char path[64], line[512];
	bool ok = false;
	FILE *fp;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0)
		return false;
	snprintf(who, len, "pid %d uid %u gid %u", cred.pid, cred.uid, cred.gid);
	if (cred.uid == 0 || cred.uid == ctl->uid || cred.gid == ctl->gid)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/status", cred.pid);
	fp = fopen(path, "re");
	while (fp != NULL && !ok && fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "Groups:", 7) != 0)
			continue;
		for (char *tok = strtok(line + 7, " \t\n"); tok; tok = strtok(NULL, " \t\n"))
			if (strtoul(tok, NULL, 10) == ctl->gid)
				ok = true;
	}
	if (fp)
		fclose(fp);
	return ok;
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
		      int socklen, void *arg)
{
	struct control *ctl = arg;
	struct client *c = calloc(1, sizeof(*c));
	struct timeval timeout = { .tv_sec = CLIENT_TIMEOUT_S };
	char who[96];

	(void)l;
	(void)sa;
	(void)socklen;
	if (c == NULL) {
		close(fd);
		return;
	}
	c->ctl = ctl;
	c->bev = bufferevent_socket_new(ctl->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c);
		return;
	}
	c->next = ctl->clients;
	ctl->clients = c;
	bufferevent_set_timeouts(c->bev, &timeout, &timeout);
	if (!peer_allowed(ctl, fd, who, sizeof(who))) {
		/* Answered after its request, so that the client reads the refusal. */
		log_warnx("control: refused a client (%s): not root, not the workers' user or group",
			  who);
		c->refused = true;
	}
	bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
	bufferevent_enable(c->bev, EV_READ);
}

static int make_parent(const char *path)
{
	char copy[sizeof(((struct sockaddr_un *)0)->sun_path)];

	snprintf(copy, sizeof(copy), "%s", path);
	char *dir = dirname(copy);

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* A socket left by a daemon that died is removed; a live one is not taken over. */
static int claim_path(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "exists and is not a socket");
		return -1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		close(fd);
		snprintf(err, errlen, "another mcrelay is listening there");
		return -1;
	}
	if (fd >= 0)
		close(fd);
	return unlink(path);
}

struct control *control_open(struct event_base *base, const char *path, uid_t uid,
			     gid_t gid, const struct control_ops *ops, void *arg, char *err,
			     size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct control *ctl = calloc(1, sizeof(*ctl));
	int fd = -1;

	snprintf(err, errlen, "%s", "out of memory");
	if (ctl == NULL)
		return NULL;
	ctl->base = base;
	ctl->ops = ops;
	ctl->arg = arg;
	ctl->uid = uid;
	ctl->gid = gid;
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	err[0] = '\0';
	if (make_parent(path) < 0 || claim_path(path, err, errlen) < 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "%s", strerror(errno));
		goto fail;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    chmod(path, 0660) < 0 || chown(path, 0, gid) < 0 || listen(fd, 64) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		goto fail;
	}
	ctl->listener = evconnlistener_new(base, on_accept, ctl,
					   LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (ctl->listener == NULL)
		goto fail;
	return ctl;
fail:
	if (fd >= 0)
		close(fd);
	free(ctl);
	return NULL;
}

void control_close(struct control *ctl)
{
	while (ctl->clients)
		client_free(ctl->clients);
	evconnlistener_free(ctl->listener);
	unlink(ctl->path);
	free(ctl);
}

void control_stats_ready(struct control *ctl)
{
	struct client *c = ctl->clients, *next;

	for (; c != NULL; c = next) {
		next = c->next;
		if (c->state == CL_WAIT_STATS)
			reply_status(c);
	}
}

void control_config_acked(struct control *ctl)
{
	struct client *c = ctl->clients, *next;

	for (; c != NULL; c = next) {
		next = c->next;
		if (c->state == CL_WAIT_ACK)
			reply_reload(c, true);
	}
}
