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
#include <time.h>
#include <unistd.h>

/* At most one line a minute about messages that did not come from the kernel. */
#define FOREIGN_LOG_INTERVAL_S 60

struct netwatch {
	int fd;
	struct event *ev;
	void (*changed)(void *);
	void *arg;
	bool routes;			/* route events watched too */
	unsigned long foreign;		/* messages ignored, in all */
	unsigned long foreign_unlogged;	/* of those, not yet in the log */
	time_t foreign_logged_at;	/* CLOCK_MONOTONIC seconds; 0: never */
};

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
	struct timespec now;

	nw->foreign++;
	nw->foreign_unlogged++;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (nw->foreign_logged_at != 0 &&
	    now.tv_sec - nw->foreign_logged_at < FOREIGN_LOG_INTERVAL_S)
		return;
	log_warnx("ignoring rtnetlink messages that did not come from the kernel: "
		  "%lu since the last report, %lu in all, the last from port ID %u",
		  nw->foreign_unlogged, nw->foreign, port);
	nw->foreign_unlogged = 0;
	nw->foreign_logged_at = now.tv_sec > 0 ? now.tv_sec : 1;
}

static void on_netlink(evutil_socket_t fd, short what, void *arg)
{
	struct netwatch *nw = arg;
	_Alignas(struct nlmsghdr) char buf[16384];
	bool changed = false;

	(void)what;
	for (;;) {
		struct sockaddr_nl from;
		socklen_t fromlen = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fromlen);

		if (n < 0) {
			if (errno == ENOBUFS) {
				log_warnx("interface events were lost: checking every interface");
				changed = true;
				continue;
			}
			if (errno != EAGAIN && errno != EINTR)
				log_warn("rtnetlink");
			break;
		}
		if (fromlen < sizeof(from) || from.nl_family != AF_NETLINK ||
		    from.nl_pid != 0) {
			foreign_message(nw, fromlen >= sizeof(from) ? from.nl_pid : 0);
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
	nw->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (nw->fd < 0 || bind(nw->fd, (struct sockaddr *)&snl, sizeof(snl)) < 0)
		goto fail;
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
