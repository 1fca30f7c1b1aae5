#ifndef MCRELAY_CONF_UDP_H
#define MCRELAY_CONF_UDP_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/conf_types.h"

/*
 * The destination of a udp output: "ADDR:PORT" or "[ADDR6]:PORT", with
 * its options "ttl=N" and "source=ADDR".  Pure: no I/O.
 */

/* Longest text conf_udp_format writes, with its NUL. */
#define CONF_UDP_STRLEN (INET6_ADDRSTRLEN + 8)

/* Parses "ADDR:PORT" or "[ADDR6]:PORT" into u's family, addr and port; -1 with a reason. */
int conf_udp_parse_dest(const char *s, struct conf_udp *u, char *err, size_t errlen);
/* Parses one option, "ttl=N" or "source=ADDR"; -1 with a reason in err. */
int conf_udp_parse_option(const char *s, struct conf_udp *u, char *err, size_t errlen);

/* A unicast address: not multicast, broadcast (IPv4) or unspecified. */
bool conf_udp_unicast(sa_family_t family, const struct in6_addr *a);

/* "10.0.0.5:7000" or "[2001:db8::5]:7000"; returns buf. */
const char *conf_udp_format(const struct conf_udp *u, char *buf, size_t len);
/* An address alone, of either family; returns buf. */
const char *conf_udp_format_addr(sa_family_t family, const struct in6_addr *a, char *buf,
				 size_t len);

/* The same destination: family, address and port. */
static inline bool conf_udp_same_dest(const struct conf_udp *a, const struct conf_udp *b)
{
	return a->family == b->family && a->port == b->port &&
	       memcmp(&a->addr, &b->addr, sizeof(a->addr)) == 0;
}

/* An order over sockets (destination, source, TTL): 0 exactly when conf_udp_same. */
int conf_udp_cmp(const struct conf_udp *a, const struct conf_udp *b);

/* The same socket: the destination, the source and the TTL. */
static inline bool conf_udp_same(const struct conf_udp *a, const struct conf_udp *b)
{
	return conf_udp_same_dest(a, b) && a->has_source == b->has_source &&
	       memcmp(&a->source, &b->source, sizeof(a->source)) == 0 && a->ttl == b->ttl;
}

#endif
