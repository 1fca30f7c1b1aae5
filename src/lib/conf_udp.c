#include "config.h"

#include "lib/conf_udp.h"
#include "lib/conf_values.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An address of either family; the family is IPv6 exactly when it has a colon. */
static int parse_addr(const char *s, sa_family_t *family, struct in6_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (strchr(s, ':') != NULL) {
		*family = AF_INET6;
		return inet_pton(AF_INET6, s, a) == 1 ? 0 : -1;
	}
	*family = AF_INET;
	return inet_pton(AF_INET, s, a) == 1 ? 0 : -1;
}

bool conf_udp_unicast(sa_family_t family, const struct in6_addr *a)
{
	static const struct in6_addr any6;

	if (family == AF_INET6)
		return !IN6_IS_ADDR_MULTICAST(a) && memcmp(a, &any6, sizeof(*a)) != 0;
	uint32_t v;

	memcpy(&v, a, 4);
	v = ntohl(v);
	return v != 0 && v != 0xffffffffu && (v & 0xf0000000u) != 0xe0000000u;
}

int conf_udp_parse_dest(const char *s, struct conf_udp *u, char *err, size_t errlen)
{
	char buf[CONF_UDP_STRLEN + 1];
	const char *addr = buf, *port;
	char *colon;

	if (strlen(s) >= sizeof(buf))
		goto bad;
	snprintf(buf, sizeof(buf), "%s", s);
	if (buf[0] == '[') {
		char *close = strchr(buf, ']');

		if (close == NULL || close[1] != ':')
			goto bad;
		*close = '\0';
		addr = buf + 1;
		port = close + 2;
		if (strchr(addr, ':') == NULL)
			goto bad;	/* brackets are for IPv6 */
	} else {
		colon = strrchr(buf, ':');
		if (colon == NULL || strchr(buf, ':') != colon)
			goto bad;	/* an IPv6 address needs its brackets */
		*colon = '\0';
		port = colon + 1;
	}
	if (conf_parse_port(port, &u->port) < 0) {
		snprintf(err, errlen, "invalid port '%s' in '%s' (expected 1-65535)", port, s);
		return -1;
	}
	if (parse_addr(addr, &u->family, &u->addr) < 0)
		goto bad;
	if (!conf_udp_unicast(u->family, &u->addr)) {
		snprintf(err, errlen,
			 "'%s' is not a unicast address (a udp output sends to one host)", addr);
		return -1;
	}
	return 0;
bad:
	snprintf(err, errlen, "invalid udp destination '%s' (expected ADDR:PORT or [ADDR6]:PORT)",
		 s);
	return -1;
}

int conf_udp_parse_option(const char *s, struct conf_udp *u, char *err, size_t errlen)
{
	if (strncmp(s, "ttl=", 4) == 0) {
		const char *v = s + 4;
		char *end;
		unsigned long n;

		errno = 0;
		n = strtoul(v, &end, 10);
		if (!isdigit((unsigned char)*v) || errno || *end || n < 1 || n > 255) {
			snprintf(err, errlen, "invalid '%s' (expected ttl=1-255)", s);
			return -1;
		}
		if (u->ttl) {
			snprintf(err, errlen, "'ttl=' given twice");
			return -1;
		}
		u->ttl = (uint8_t)n;
		return 0;
	}
	if (strncmp(s, "source=", 7) == 0) {
		sa_family_t family;

		if (u->has_source) {
			snprintf(err, errlen, "'source=' given twice");
			return -1;
		}
		if (parse_addr(s + 7, &family, &u->source) < 0 ||
		    !conf_udp_unicast(family, &u->source)) {
			snprintf(err, errlen, "invalid '%s' (expected source=ADDR, a unicast address)",
				 s);
			return -1;
		}
		if (family != u->family) {
			snprintf(err, errlen, "'%s' is not of the destination's address family", s);
			return -1;
		}
		u->has_source = true;
		return 0;
	}
	snprintf(err, errlen, "unknown option '%s' (expected ttl=N or source=ADDR)", s);
	return -1;
}

const char *conf_udp_format_addr(sa_family_t family, const struct in6_addr *a, char *buf,
				 size_t len)
{
	if (inet_ntop(family, a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

const char *conf_udp_format(const struct conf_udp *u, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	conf_udp_format_addr(u->family, &u->addr, a, sizeof(a));
	if (u->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, u->port);
	else
		snprintf(buf, len, "%s:%u", a, u->port);
	return buf;
}

int conf_udp_cmp(const struct conf_udp *a, const struct conf_udp *b)
{
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if ((c = memcmp(&a->addr, &b->addr, sizeof(a->addr))) != 0)
		return c;
	if (a->has_source != b->has_source)
		return a->has_source ? 1 : -1;
	if ((c = memcmp(&a->source, &b->source, sizeof(a->source))) != 0)
		return c;
	return a->ttl < b->ttl ? -1 : a->ttl > b->ttl;
}
