#include "config.h"

#include "netwatch.h"

#include "log.h"

#include <errno.h>
#include <event2/event.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

struct netwatch {
	int fd;
	struct event *ev;
	void (*changed)(void *);
	void *arg;
};

static bool relevant(const struct nlmsghdr *h)
{
	switch (h->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
	case RTM_NEWADDR:
	case RTM_DELADDR:
		return true;
	}
	return false;
}

static void on_netlink(evutil_socket_t fd, short what, void *arg)
{
	struct netwatch *nw = arg;
	_Alignas(struct nlmsghdr) char buf[16384];
	bool changed = false;

	(void)what;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

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
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n))
			if (relevant(h))
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
