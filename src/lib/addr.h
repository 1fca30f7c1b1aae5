#ifndef MCRELAY_ADDR_H
#define MCRELAY_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * An IPv4 or IPv6 address.  IPv4 is held as ::ffff:a.b.c.d, so that one
 * type, one comparison and one hash serve both families; all zero (::) is
 * "unset", which no group or source can be.  Network byte order.
 */
struct addr {
	uint8_t b[16];
};

/* Room for any address as text, with brackets and a port: "[...]:65535". */
#define ADDR_STRLEN (INET6_ADDRSTRLEN + 8)

static inline bool addr_is_set(const struct addr *a)
{
	static const struct addr zero;

	return memcmp(a, &zero, sizeof(*a)) != 0;
}

static inline bool addr_is_v4(const struct addr *a)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(a->b, mapped, sizeof(mapped)) == 0;
}

/* AF_INET, AF_INET6, or AF_UNSPEC for an unset address. */
static inline int addr_family(const struct addr *a)
{
	if (!addr_is_set(a))
		return AF_UNSPEC;
	return addr_is_v4(a) ? AF_INET : AF_INET6;
}

static inline bool addr_eq(const struct addr *x, const struct addr *y)
{
	return memcmp(x, y, sizeof(*x)) == 0;
}

static inline struct addr addr_from_v4(in_addr_t v4)
{
	struct addr a = { .b = { [10] = 0xff, [11] = 0xff } };

	memcpy(a.b + 12, &v4, 4);
	return a;
}

static inline in_addr_t addr_v4(const struct addr *a)
{
	in_addr_t v4;

	memcpy(&v4, a->b + 12, 4);
	return v4;
}

static inline struct addr addr_from_v6(const void *v6)
{
	struct addr a;

	memcpy(a.b, v6, 16);
	return a;
}

/* Bits in an address of a's family: 32 or 128. */
static inline unsigned addr_bits(const struct addr *a)
{
	return addr_is_v4(a) ? 32 : 128;
}

int addr_cmp(const struct addr *x, const struct addr *y);
/*
 * Whether a lies in net/len, len counted in net's family (0-32 for IPv4,
 * 0-128 for IPv6); an address of the other family never does.
 */
bool addr_in_prefix(const struct addr *a, const struct addr *net, unsigned len);
/* Whether a has bits set beyond the first len (of its family). */
bool addr_has_host_bits(const struct addr *a, unsigned len);
/* a with the bits beyond the first len (of its family) cleared. */
struct addr addr_network(const struct addr *a, unsigned len);
bool addr_is_multicast(const struct addr *a);
/* Unicast: neither multicast, unspecified, nor (IPv4) limited broadcast. */
bool addr_is_unicast(const struct addr *a);
/* 224.0.0.0/24, ff02::/16 (or ff01::/16): link-local multicast, never routed. */
bool addr_is_link_local_group(const struct addr *a);
/* Either family's text form ("239.1.1.1", "ff3e::1"); -1 if neither. */
int addr_parse(const char *s, struct addr *out);
/* Text form; "*" for an unset address.  buf holds at least ADDR_STRLEN. */
const char *addr_format(const struct addr *a, char *buf, size_t len);
/* "239.1.1.1:5000" or "[ff3e::1]:5000"; port in host order, 0: no port. */
const char *addr_format_port(const struct addr *a, uint16_t port, char *buf, size_t len);
/* The Ethernet destination of a group: 01:00:5e:... or 33:33:... */
void addr_multicast_mac(const struct addr *group, uint8_t mac[6]);

#endif
