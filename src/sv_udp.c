#include "config.h"

#include "sv.h"

#include "conf_udp.h"
#include "log.h"
#include "netwatch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

/*
 * The sockets of udp outputs.  A destination that cannot be connected to
 * when it is configured (no route yet, or its source address is not on
 * this host yet) leaves the output pending, as an absent interface does,
 * and is tried again at every sync; meanwhile route events are watched
 * too.  Once connected, a socket stays: a route that goes away later makes
 * its sends fail, and those failures are counted on the output.
 */

const struct sv_udp *sv_udp_find(const struct supervisor *sv, const struct conf_udp *u)
{
	for (size_t i = 0; i < sv->n_udp; i++)
		if (sv->udp[i].fd >= 0 && conf_udp_same(&sv->udp[i].dest, u))
			return &sv->udp[i];
	return NULL;
}

void sv_udp_close_all(struct supervisor *sv)
{
	for (size_t i = 0; i < sv->n_udp; i++)
		if (sv->udp[i].fd >= 0)
			close(sv->udp[i].fd);
	free(sv->udp);
	sv->udp = NULL;
	sv->n_udp = 0;
}

static bool udp_configured(const struct conf *c, const struct conf_udp *u)
{
	for (size_t i = 0; i < c->n_rules; i++)
		for (size_t k = 0; k < c->rules[i].n_outputs; k++)
			if (c->rules[i].outputs[k].kind == OUTPUT_UDP &&
			    conf_udp_same(&c->rules[i].outputs[k].udp, u))
				return true;
	return false;
}

static void udp_drop_unused(struct supervisor *sv)
{
	char dest[CONF_UDP_STRLEN];
	size_t k = 0;

	for (size_t i = 0; i < sv->n_udp; i++) {
		struct sv_udp *s = &sv->udp[i];

		if (udp_configured(&sv->conf, &s->dest)) {
			sv->udp[k++] = *s;
			continue;
		}
		if (s->fd >= 0) {
			log_info("output udp %s: closing its socket (no longer used)",
				 conf_udp_format(&s->dest, dest, sizeof(dest)));
			close(s->fd);
		}
	}
	sv->n_udp = k;
}

static struct sv_udp *udp_entry(struct supervisor *sv, const struct conf_udp *u)
{
	for (size_t i = 0; i < sv->n_udp; i++)
		if (conf_udp_same(&sv->udp[i].dest, u))
			return &sv->udp[i];

	struct sv_udp *grown = realloc(sv->udp, (sv->n_udp + 1) * sizeof(*grown));

	if (grown == NULL)
		fatal(EX_OSERR, "realloc");
	sv->udp = grown;
	sv->udp[sv->n_udp] = (struct sv_udp){ .dest = *u, .fd = -1 };
	return &sv->udp[sv->n_udp++];
}

/* Returns true if it is still pending. */
static bool udp_try_open(struct sv_udp *s)
{
	char dest[CONF_UDP_STRLEN];

	if (s->fd >= 0)
		return false;
	conf_udp_format(&s->dest, dest, sizeof(dest));
	s->fd = psock_open_udp(&s->dest);
	if (s->fd < 0) {
		if (errno != s->last_error)
			log_warnx("output udp %s is pending: %s; tried again when routes, "
				  "addresses or interfaces change", dest, strerror(errno));
		s->last_error = errno;
		return true;
	}
	log_info("output udp %s is up", dest);
	s->last_error = 0;
	return false;
}

/* A socket for every configured udp output that can be connected; unused ones closed. */
void sv_udp_sync(struct supervisor *sv)
{
	bool pending = false;

	udp_drop_unused(sv);
	for (size_t i = 0; i < sv->conf.n_rules; i++)
		for (size_t k = 0; k < sv->conf.rules[i].n_outputs; k++) {
			const struct conf_output *o = &sv->conf.rules[i].outputs[k];

			if (o->kind == OUTPUT_UDP && udp_try_open(udp_entry(sv, &o->udp)))
				pending = true;
		}
	if (sv->netwatch && netwatch_watch_routes(sv->netwatch, pending) < 0)
		log_warn("cannot %s watching route events", pending ? "start" : "stop");
}
