#include "config.h"

#include "lib/addr.h"

#include <arpa/inet.h>
#include <stdio.h>

int addr_cmp(const struct addr *x, const struct addr *y)
{
	return memcmp(x, y, sizeof(*x));
}

/* The first n bits of x and y (as 128-bit strings) are equal. */
static bool first_bits_equal(const uint8_t *x, const uint8_t *y, unsigned n)
{
	unsigned bytes = n / 8, rest = n % 8;

	if (memcmp(x, y, bytes) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));

	return (x[bytes] & mask) == (y[bytes] & mask);
}

bool addr_in_prefix(const struct addr *a, const struct addr *net, unsigned len)
{
	if (addr_is_v4(a) != addr_is_v4(net))
		return false;
	return first_bits_equal(a->b, net->b, addr_is_v4(net) ? 96 + len : len);
}

bool addr_has_host_bits(const struct addr *a, unsigned len)
{
	unsigned from = addr_is_v4(a) ? 96 + len : len;

	for (unsigned i = from; i < 128; i++)
		if (a->b[i / 8] >> (7 - i % 8) & 1)
			return true;
	return false;
}

struct addr addr_network(const struct addr *a, unsigned len)
{
	struct addr n = *a;

	for (unsigned i = addr_is_v4(a) ? 96 + len : len; i < 128; i++)
		n.b[i / 8] &= (uint8_t)~(1u << (7 - i % 8));
	return n;
}

bool addr_is_multicast(const struct addr *a)
{
	if (addr_is_v4(a))
		return (a->b[12] & 0xf0) == 0xe0;
	return a->b[0] == 0xff;
}

bool addr_is_unicast(const struct addr *a)
{
	if (!addr_is_set(a) || addr_is_multicast(a))
		return false;
	if (addr_is_v4(a))
		return addr_v4(a) != htonl(INADDR_ANY) && addr_v4(a) != htonl(INADDR_BROADCAST);
	return true;
}

bool addr_is_link_local_group(const struct addr *a)
{
	if (addr_is_v4(a))
		return a->b[12] == 224 && a->b[13] == 0 && a->b[14] == 0;
	/* ff01 (interface-local) and ff02 (link-local) whatever the flags. */
	return a->b[0] == 0xff && (a->b[1] & 0x0f) <= 0x02;
}

int addr_parse(const char *s, struct addr *out)
{
	struct in_addr v4;
	struct in6_addr v6;

	if (inet_pton(AF_INET, s, &v4) == 1) {
		*out = addr_from_v4(v4.s_addr);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &v6) == 1) {
		/* A mapped address would read as IPv4: not a valid IPv6 group or source. */
		*out = addr_from_v6(&v6);
		if (addr_is_v4(out) || !addr_is_set(out))
			return -1;
		return 0;
	}
	return -1;
}

const char *addr_format(const struct addr *a, char *buf, size_t len)
{
	if (!addr_is_set(a))
		snprintf(buf, len, "*");
	else if (addr_is_v4(a))
		inet_ntop(AF_INET, a->b + 12, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, a->b, buf, (socklen_t)len);
	return buf;
}

const char *addr_format_port(const struct addr *a, uint16_t port, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN];

	addr_format(a, s, sizeof(s));
	if (port == 0)
		snprintf(buf, len, "%s", s);
	else if (addr_family(a) == AF_INET6)
		snprintf(buf, len, "[%s]:%u", s, port);
	else
		snprintf(buf, len, "%s:%u", s, port);
	return buf;
}

void addr_multicast_mac(const struct addr *group, uint8_t mac[6])
{
	if (addr_is_v4(group)) {
		mac[0] = 0x01;
		mac[1] = 0x00;
		mac[2] = 0x5e;
		mac[3] = group->b[13] & 0x7f;
		mac[4] = group->b[14];
		mac[5] = group->b[15];
		return;
	}
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, group->b + 12, 4);
}
