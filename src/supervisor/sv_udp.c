#include "config.h"

#include "supervisor/sv_udp.h"

#include "lib/conf_udp.h"
#include "common/log.h"
#include "supervisor/netwatch.h"

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

static int by_dest(const void *a, const void *b)
{
	return conf_udp_cmp(&((const struct sv_udp *)a)->dest, &((const struct sv_udp *)b)->dest);
}

/* sv->udp is kept sorted by destination (sv_udp_sync), for thousands of them. */
const struct sv_udp *sv_udp_find(const struct supervisor *sv, const struct conf_udp *u)
{
	struct sv_udp key = { .dest = *u };
	const struct sv_udp *s = sv->n_udp ? bsearch(&key, sv->udp, sv->n_udp, sizeof(*sv->udp),
						      by_dest)
					   : NULL;

	return s != NULL && s->fd >= 0 ? s : NULL;
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

static int by_conf_udp(const void *a, const void *b)
{
	return conf_udp_cmp(*(const struct conf_udp *const *)a, *(const struct conf_udp *const *)b);
}

/* The udp outputs of the configuration, sorted, each socket once. */
static const struct conf_udp **wanted(const struct conf *c, size_t *n)
{
	const struct conf_udp **w = NULL;
	size_t cap = 0, k = 0;

	*n = 0;
	for (size_t i = 0; i < c->n_rules; i++)
		for (size_t o = 0; o < c->rules[i].n_outputs; o++) {
			if (c->rules[i].outputs[o].kind != OUTPUT_UDP)
				continue;
			if (*n == cap) {
				cap = cap ? cap * 2 : 16;
				w = realloc(w, cap * sizeof(*w));
				if (w == NULL)
					fatal(EX_OSERR, "realloc");
			}
			w[(*n)++] = &c->rules[i].outputs[o].udp;
		}
	if (*n == 0)
		return w;
	qsort(w, *n, sizeof(*w), by_conf_udp);
	for (size_t i = 0; i < *n; i++)
		if (k == 0 || conf_udp_cmp(w[k - 1], w[i]) != 0)
			w[k++] = w[i];
	*n = k;
	return w;
}

/*
 * The sockets the configuration wants, in order: those already open kept,
 * new ones pending (fd -1), those no longer used closed.  A merge of two
 * sorted lists, so thousands of udp outputs cost n log n.
 */
static void udp_merge(struct supervisor *sv)
{
	char dest[CONF_UDP_STRLEN];
	size_t n_want, i = 0, j = 0, k = 0;
	const struct conf_udp **want = wanted(&sv->conf, &n_want);
	struct sv_udp *now = calloc(n_want + 1, sizeof(*now));

	if (now == NULL)
		fatal(EX_OSERR, "calloc");
	if (sv->n_udp)
		qsort(sv->udp, sv->n_udp, sizeof(*sv->udp), by_dest);
	while (i < sv->n_udp || j < n_want) {
		int c = i == sv->n_udp ? 1 : j == n_want ? -1 : conf_udp_cmp(&sv->udp[i].dest, want[j]);

		if (c < 0) {
			if (sv->udp[i].fd >= 0) {
				log_info("output udp %s: closing its socket (no longer used)",
					 conf_udp_format(&sv->udp[i].dest, dest, sizeof(dest)));
				close(sv->udp[i].fd);
			}
			i++;
		} else if (c > 0) {
			now[k++] = (struct sv_udp){ .dest = *want[j++], .fd = -1 };
		} else {
			now[k++] = sv->udp[i++];
			j++;
		}
	}
	free(want);
	free(sv->udp);
	sv->udp = now;
	sv->n_udp = k;
}

/* Returns true if it is still pending. */
static bool udp_try_open(struct sv_udp *s)
{
	static uint64_t serial;
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
	s->serial = ++serial;
	s->last_error = 0;
	return false;
}

/* A socket for every configured udp output that can be connected; unused ones closed. */
void sv_udp_sync(struct supervisor *sv)
{
	bool pending = false;

	udp_merge(sv);
	for (size_t i = 0; i < sv->n_udp; i++)
		if (udp_try_open(&sv->udp[i]))
			pending = true;
	if (sv->netwatch && netwatch_watch_routes(sv->netwatch, pending) < 0)
		log_warn("cannot %s watching route events", pending ? "start" : "stop");
}
