#ifndef MCRELAY_NETWATCH_H
#define MCRELAY_NETWATCH_H

#include <stdbool.h>

struct event_base;
struct netwatch;

/*
 * Watches rtnetlink link and IPv4 address events and calls changed() after
 * each batch of them; also when events were lost (the socket's buffer
 * overran, or a message was truncated), so that the owner looks at every
 * interface again.
 */
struct netwatch *netwatch_open(struct event_base *base, void (*changed)(void *),
			       void *arg);
void netwatch_close(struct netwatch *nw);

/*
 * While on, new routes and IPv6 address events count as changes too:
 * what a pending udp output waits for.  Off by default, so that a router's
 * routing churn costs nothing while no output waits.
 */
int netwatch_watch_routes(struct netwatch *nw, bool on);

#endif
