#include "config.h"

#include "supervisor/netwatch.h"

#include "common/log.h"

#include <errno.h>
#include <event2/event.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* At most one line a minute about messages that did not come from the kernel. */
#define FOREIGN_LOG_INTERVAL_S 60
/* The same for events lost, each of which still makes a full sync. */
#define LOST_LOG_INTERVAL_S 60
/* Where a message is read: the kernel's messages about a link fit in far less. */
#define READ_MAX 16384

/* How often something happened, and when it was last logged. */
struct log_limit {
	unsigned long count;		/* in all */
	unsigned long unlogged;		/* of those, not yet in the log */
	time_t logged_at;		/* CLOCK_MONOTONIC seconds; 0: never */
};

struct netwatch {
	int fd;
	struct event *ev;
	void (*changed)(void *);
	void *arg;
	bool routes;			/* route events watched too */
	size_t read_len;		/* bytes of a message read: READ_MAX but in tests */
	struct log_limit foreign;	/* messages ignored: not from the kernel */
	struct log_limit lost;		/* events lost: overrun or truncated */
};

/* Counts one occurrence; true if it should be logged now (then with lim->unlogged). */
static bool log_limit_due(struct log_limit *lim, time_t interval_s)
{
	struct timespec now;

	lim->count++;
	lim->unlogged++;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (lim->logged_at != 0 && now.tv_sec - lim->logged_at < interval_s)
		return false;
	lim->logged_at = now.tv_sec > 0 ? now.tv_sec : 1;
	return true;
}

static bool relevant(const struct netwatch *nw, const struct nlmsghdr *h)
{
	switch (h->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
	case RTM_NEWADDR:
	case RTM_DELADDR:
		return true;
	case RTM_NEWROUTE:
		return nw->routes;
	}
	return false;
}

/*
 * A process with CAP_NET_ADMIN can send rtnetlink messages to our socket,
 * to its multicast groups or to its port ID directly, and make us sync as
 * often as it likes.  Only the kernel (port ID 0) speaks for the
 * interfaces; the others are counted and logged, rate-limited.
 */
static void foreign_message(struct netwatch *nw, uint32_t port)
{
	if (!log_limit_due(&nw->foreign, FOREIGN_LOG_INTERVAL_S))
		return;
	log_warnx("ignoring rtnetlink messages that did not come from the kernel: "
		  "%lu since the last report, %lu in all, the last from port ID %u",
		  nw->foreign.unlogged, nw->foreign.count, port);
	nw->foreign.unlogged = 0;
}

/*
 * Events were lost: the socket's buffer overran (ENOBUFS), or a message did
 * not fit where it was read (MSG_TRUNC).  What they said is unknown, so
 * every interface is looked at again: the caller makes a full sync.
 */
static void events_lost(struct netwatch *nw, const char *why)
{
	if (!log_limit_due(&nw->lost, LOST_LOG_INTERVAL_S))
		return;
	log_warnx("interface events were lost (%s): checking every interface; "
		  "%lu losses since the last report, %lu in all",
		  why, nw->lost.unlogged, nw->lost.count);
	nw->lost.unlogged = 0;
}

static void on_netlink(evutil_socket_t fd, short what, void *arg)
{
	struct netwatch *nw = arg;
	_Alignas(struct nlmsghdr) char buf[READ_MAX];
	bool changed = false;

	(void)what;
	for (;;) {
		struct sockaddr_nl from;
		struct iovec iov = { .iov_base = buf, .iov_len = nw->read_len };
		struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof(from),
				      .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == ENOBUFS) {
				events_lost(nw, "the receive buffer overran");
				changed = true;
				continue;
			}
			if (errno != EAGAIN && errno != EINTR)
				log_warn("rtnetlink");
			break;
		}
		if (msg.msg_namelen < sizeof(from) || from.nl_family != AF_NETLINK ||
		    from.nl_pid != 0) {
			foreign_message(nw, msg.msg_namelen >= sizeof(from) ? from.nl_pid : 0);
			continue;
		}
		if (msg.msg_flags & MSG_TRUNC) {
			events_lost(nw, "a message was truncated");
			changed = true;
			continue;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n))
			if (relevant(nw, h))
				changed = true;
	}
	if (changed)
		nw->changed(nw->arg);
}

#ifdef MCRELAY_TEST_HOOKS
/*
 * Test builds only, so that the tests can lose events on purpose:
 * MCRELAY_TEST_NETLINK_READ=N reads each message into N bytes (messages
 * are truncated), MCRELAY_TEST_NETLINK_RCVBUF=N asks for a socket receive
 * buffer of N bytes (it overruns).
 */
static void hook_small_buffers(struct netwatch *nw)
{
	const char *read_len = getenv("MCRELAY_TEST_NETLINK_READ");
	const char *rcvbuf = getenv("MCRELAY_TEST_NETLINK_RCVBUF");

	if (read_len != NULL && atoi(read_len) > 0 && atoi(read_len) <= READ_MAX)
		nw->read_len = (size_t)atoi(read_len);
	if (rcvbuf != NULL && atoi(rcvbuf) > 0) {
		int n = atoi(rcvbuf);

		if (setsockopt(nw->fd, SOL_SOCKET, SO_RCVBUF, &n, sizeof(n)) < 0)
			log_warn("test hook: SO_RCVBUF");
	}
	if (read_len != NULL || rcvbuf != NULL)
		log_warnx("test hook: rtnetlink messages read into %zu bytes, receive buffer %s",
			  nw->read_len, rcvbuf ? rcvbuf : "as is");
}
#endif

struct netwatch *netwatch_open(struct event_base *base, void (*changed)(void *),
			       void *arg)
{
	struct sockaddr_nl snl = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR,
	};
	struct netwatch *nw = calloc(1, sizeof(*nw));

	if (nw == NULL)
		return NULL;
	nw->changed = changed;
	nw->arg = arg;
	nw->read_len = READ_MAX;
	nw->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (nw->fd < 0 || bind(nw->fd, (struct sockaddr *)&snl, sizeof(snl)) < 0)
		goto fail;
#ifdef MCRELAY_TEST_HOOKS
	hook_small_buffers(nw);
#endif
	nw->ev = event_new(base, nw->fd, EV_READ | EV_PERSIST, on_netlink, nw);
	if (nw->ev == NULL || event_add(nw->ev, NULL) < 0)
		goto fail;
	return nw;
fail:
	netwatch_close(nw);
	return NULL;
}

void netwatch_close(struct netwatch *nw)
{
	if (nw->ev)
		event_free(nw->ev);
	if (nw->fd >= 0)
		close(nw->fd);
	free(nw);
}

int netwatch_watch_routes(struct netwatch *nw, bool on)
{
	static const int groups[] = { RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE,
				      RTNLGRP_IPV6_IFADDR };
	int opt = on ? NETLINK_ADD_MEMBERSHIP : NETLINK_DROP_MEMBERSHIP;

	if (nw->routes == on)
		return 0;
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (setsockopt(nw->fd, SOL_NETLINK, opt, &groups[i], sizeof(groups[i])) < 0)
			return -1;
	nw->routes = on;
	return 0;
}
