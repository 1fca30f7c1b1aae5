#include "config.h"

#include "lib/conf_listen.h"
#include "lib/conf_values.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Why an address cannot be listened on, or NULL. */
static const char *unfit(const struct conf_listen *l)
{
	if (l->family == AF_INET6) {
		if (IN6_IS_ADDR_MULTICAST(&l->addr))
			return "a multicast address";
		if (IN6_IS_ADDR_LINKLOCAL(&l->addr))
			return "link-local: it needs an interface; use a global or unique local address, or ::";
		return NULL;
	}
	uint32_t v;

	memcpy(&v, &l->addr, 4);
	v = ntohl(v);
	if ((v & 0xf0000000u) == 0xe0000000u)
		return "a multicast address";
	if (v == 0xffffffffu)
		return "the broadcast address";
	return NULL;
}

int conf_listen_parse(const char *s, struct conf_listen *l, char *err, size_t errlen)
{
	char buf[CONF_LISTEN_STRLEN + 1];
	const char *addr = buf, *port, *why;
	char *colon;

	memset(l, 0, sizeof(*l));
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
		l->family = AF_INET6;
		if (strchr(addr, ':') == NULL || inet_pton(AF_INET6, addr, &l->addr) != 1)
			goto bad;
	} else {
		colon = strrchr(buf, ':');
		if (colon == NULL || strchr(buf, ':') != colon)
			goto bad;	/* an IPv6 address needs its brackets */
		*colon = '\0';
		port = colon + 1;
		l->family = AF_INET;
		if (inet_pton(AF_INET, addr, &l->addr) != 1)
			goto bad;
	}
	if (conf_parse_port(port, &l->port) < 0) {
		snprintf(err, errlen, "invalid port '%s' in metrics-listen '%s' (expected 1-65535)",
			 port, s);
		goto fail;
	}
	if ((why = unfit(l)) != NULL) {
		snprintf(err, errlen, "metrics-listen '%s' cannot be listened on: %s", s, why);
		goto fail;
	}
	return 0;
bad:
	snprintf(err, errlen,
		 "invalid metrics-listen '%s' (expected ADDR:PORT or [ADDR6]:PORT, e.g. "
		 "127.0.0.1:9234 or [::1]:9234)", s);
fail:
	memset(l, 0, sizeof(*l));
	return -1;
}

const char *conf_listen_format(const struct conf_listen *l, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!conf_listen_set(l)) {
		snprintf(buf, len, "(none)");
		return buf;
	}
	inet_ntop(l->family, &l->addr, a, sizeof(a));
	if (l->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, l->port);
	else
		snprintf(buf, len, "%s:%u", a, l->port);
	return buf;
}
