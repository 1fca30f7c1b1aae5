#include "config.h"

#include "supervisor/sv.h"

#include "common/log.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

struct sv_egress *sv_egress_find(const struct supervisor *sv, const char *ifname)
{
	for (size_t i = 0; i < sv->n_egress; i++)
		if (strcmp(sv->egress[i].info.name, ifname) == 0)
			return &sv->egress[i];
	return NULL;
}

void sv_egress_close_all(struct supervisor *sv)
{
	for (size_t i = 0; i < sv->n_egress; i++)
		close(sv->egress[i].fd);
	free(sv->egress);
	sv->egress = NULL;
	sv->n_egress = 0;
}

static bool output_configured(const struct conf *c, const char *ifname)
{
	for (size_t i = 0; i < c->n_rules; i++)
		for (size_t k = 0; k < c->rules[i].n_outputs; k++)
			if (strcmp(c->rules[i].outputs[k].ifname, ifname) == 0)
				return true;
	return false;
}

/* Closes egress sockets whose interface went away, went down, or is no longer used. */
static void egress_drop_stale(struct supervisor *sv)
{
	size_t k = 0;

	for (size_t i = 0; i < sv->n_egress; i++) {
		struct sv_egress *e = &sv->egress[i];
		struct iface_info now;
		bool keep = output_configured(&sv->conf, e->info.name) &&
			    psock_iface_lookup(e->info.name, &now) == 0 && now.up &&
			    now.ifindex == e->info.ifindex;

		if (keep) {
			e->info = now;	/* MAC and MTU may have changed */
			sv->egress[k++] = *e;
		} else {
			log_info("output %s: closing its socket (%s)", e->info.name,
				 output_configured(&sv->conf, e->info.name)
					 ? "interface gone or down" : "no longer used");
			close(e->fd);
		}
	}
	sv->n_egress = k;
}

static void egress_open(struct supervisor *sv, const char *ifname)
{
	struct sv_egress e = { .fd = -1 };

	if (sv_egress_find(sv, ifname) != NULL)
		return;
	if (psock_iface_lookup(ifname, &e.info) < 0 || !e.info.up)
		return;	/* pending */
	e.fd = psock_open_egress(e.info.ifindex);
	if (e.fd < 0) {
		log_warn("output %s: cannot open its socket", ifname);
		return;
	}
	struct sv_egress *grown = realloc(sv->egress, (sv->n_egress + 1) * sizeof(*grown));

	if (grown == NULL)
		fatal(EX_OSERR, "realloc");
	sv->egress = grown;
	sv->egress[sv->n_egress++] = e;
	log_info("output %s is up (ifindex %d)", ifname, e.info.ifindex);
}

/* Egress sockets for every configured output that is up; stale ones closed. */
void sv_egress_sync(struct supervisor *sv)
{
	egress_drop_stale(sv);
	for (size_t i = 0; i < sv->conf.n_rules; i++)
		for (size_t k = 0; k < sv->conf.rules[i].n_outputs; k++)
			if (sv->conf.rules[i].outputs[k].kind == OUTPUT_IFACE)
				egress_open(sv, sv->conf.rules[i].outputs[k].ifname);
}
