#ifndef MCRELAY_NETWATCH_H
#define MCRELAY_NETWATCH_H

struct event_base;
struct netwatch;

/*
 * Watches rtnetlink link and IPv4 address events and calls changed() after
 * each batch of them (also after an overrun, when events were lost).
 */
struct netwatch *netwatch_open(struct event_base *base, void (*changed)(void *),
			       void *arg);
void netwatch_close(struct netwatch *nw);

#endif
