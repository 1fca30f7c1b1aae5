#include "config.h"

#include "supervisor/sv_egress.h"

#include "common/log.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

/*
 * A socket is opened when its interface is up and closed when the
 * interface goes away, goes down, changes its MTU (the ring's slots are
 * sized for it) or is no longer used; the worker keeps its own copy until
 * it adopts a configuration without it.
 */

struct sv_egress *svw_egress_find(const struct sv_worker *w, const char *ifname)
{
	for (size_t i = 0; i < w->n_egress; i++)
		if (strcmp(w->egress[i].info.name, ifname) == 0)
			return &w->egress[i];
	return NULL;
}

void svw_egress_close_all(struct sv_worker *w)
{
	for (size_t i = 0; i < w->n_egress; i++)
		close(w->egress[i].fd);
	free(w->egress);
	w->egress = NULL;
	w->n_egress = 0;
}

static bool used_by(const struct sv_worker *w, const char *ifname)
{
	const struct conf *c = &w->sv->conf;

	for (size_t i = 0; i < c->n_rules; i++) {
		if (!sv_rule_on(w, &c->rules[i]))
			continue;
		for (size_t k = 0; k < c->rules[i].n_outputs; k++)
			if (c->rules[i].outputs[k].kind == OUTPUT_IFACE &&
			    strcmp(c->rules[i].outputs[k].ifname, ifname) == 0)
				return true;
	}
	return false;
}

static void drop_stale(struct sv_worker *w)
{
	size_t k = 0;

	for (size_t i = 0; i < w->n_egress; i++) {
		struct sv_egress *e = &w->egress[i];
		struct iface_info now;
		bool used = used_by(w, e->info.name);
		bool same = psock_iface_lookup(e->info.name, &now) == 0 && now.up &&
			    now.ifindex == e->info.ifindex && now.mtu == e->info.mtu;

		if (used && same) {
			e->info = now;	/* the MAC may have changed */
			w->egress[k++] = *e;
			continue;
		}
		log_info("worker[%s]: output %s: closing its socket (%s)", w->name, e->info.name,
			 !used ? "no longer used" : "interface gone, down or with a new MTU");
		close(e->fd);
	}
	w->n_egress = k;
}

static void open_one(struct sv_worker *w, const char *ifname)
{
	static uint64_t serial;
	struct sv_egress e = { .fd = -1 };

	if (svw_egress_find(w, ifname) != NULL)
		return;
	if (psock_iface_lookup(ifname, &e.info) < 0 || !e.info.up)
		return;	/* pending */
	txring_params_for(e.info.mtu, (uint32_t)sysconf(_SC_PAGESIZE), &e.tx);
	e.fd = psock_open_egress(e.info.ifindex, &e.tx);
	if (e.fd < 0) {
		log_warn("worker[%s]: output %s: cannot open its socket", w->name, ifname);
		return;
	}
	e.serial = ++serial;
	struct sv_egress *grown = realloc(w->egress, (w->n_egress + 1) * sizeof(*grown));

	if (grown == NULL)
		fatal(EX_OSERR, "realloc");
	w->egress = grown;
	w->egress[w->n_egress++] = e;
	log_debug("worker[%s]: output %s is up (ifindex %d)", w->name, ifname, e.info.ifindex);
}

void svw_egress_sync(struct sv_worker *w)
{
	const struct conf *c = &w->sv->conf;

	drop_stale(w);
	for (size_t i = 0; i < c->n_rules; i++) {
		if (!sv_rule_on(w, &c->rules[i]))
			continue;
		for (size_t k = 0; k < c->rules[i].n_outputs; k++)
			if (c->rules[i].outputs[k].kind == OUTPUT_IFACE)
				open_one(w, c->rules[i].outputs[k].ifname);
	}
}
