#ifndef MCRELAY_CONF_LISTEN_H
#define MCRELAY_CONF_LISTEN_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/conf_types.h"

/*
 * metrics-listen: where the metrics process answers GET /metrics, as
 * "ADDR:PORT" (IPv4) or "[ADDR6]:PORT".  Pure: no I/O.
 */

/* Longest text conf_listen_format writes, with its NUL. */
#define CONF_LISTEN_STRLEN (INET6_ADDRSTRLEN + 8)

/*
 * Parses s into l: a numeric address (any of this host's, 0.0.0.0 or ::
 * for all of them; not multicast, broadcast or IPv6 link-local, which
 * would need an interface) and a port 1-65535.  -1 with a reason in err.
 */
int conf_listen_parse(const char *s, struct conf_listen *l, char *err, size_t errlen);

/* "127.0.0.1:9234" or "[::1]:9234"; returns buf. */
const char *conf_listen_format(const struct conf_listen *l, char *buf, size_t len);

static inline bool conf_listen_set(const struct conf_listen *l)
{
	return l->family != 0;
}

static inline bool conf_listen_same(const struct conf_listen *a, const struct conf_listen *b)
{
	return a->family == b->family && a->port == b->port &&
	       memcmp(&a->addr, &b->addr, sizeof(a->addr)) == 0;
}

#endif
