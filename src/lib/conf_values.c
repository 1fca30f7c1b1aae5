#include "config.h"

#include "lib/conf_values.h"

#include "lib/packet.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *conf_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

bool conf_valid_rule_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CONF_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.", *s))
			return false;
	return true;
}

/*
 * What the kernel takes (dev_valid_name: not empty, shorter than
 * IF_NAMESIZE, not "." or "..", no '/', ':' or white space), in printable
 * ASCII only, so that a name is as safe in a log or a table as the rest.
 */
bool conf_valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IF_NAMESIZE || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (; *s; s++)
		if (*s < '!' || *s > '~' || *s == '/' || *s == ':')
			return false;
	return true;
}

bool conf_valid_account_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CONF_USER_MAX || *s == '-')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.$", *s))
			return false;
	return true;
}

int conf_parse_number(const char *s, bool units, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v, unit = 1;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (units && (*end == 'k' || *end == 'K') && end[1] == '\0') {
		unit = 1024;
		end++;
	} else if (units && (*end == 'm' || *end == 'M') && end[1] == '\0') {
		unit = 1024 * 1024;
		end++;
	}
	/* Checked before multiplying: 18014398509481988k must not wrap to 4096. */
	if (errno || *end != '\0' || v > max / unit)
		return -1;
	v *= unit;
	if (v < min)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int conf_parse_port(const char *s, uint16_t *out)
{
	uint32_t v;

	if (conf_parse_number(s, false, 1, 65535, &v) < 0)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int conf_parse_port_range(const char *s, uint16_t *first, uint16_t *last, char *err,
			  size_t errlen)
{
	char buf[32];
	char *dash;

	snprintf(buf, sizeof(buf), "%s", s);
	dash = strchr(buf, '-');
	if (dash != NULL)
		*dash = '\0';
	if (strlen(s) >= sizeof(buf) || conf_parse_port(buf, first) < 0 ||
	    (dash != NULL && conf_parse_port(dash + 1, last) < 0)) {
		*first = *last = 0;
		snprintf(err, errlen, "invalid port '%s' (expected 1-65535, or a range FIRST-LAST)",
			 s);
		return -1;
	}
	if (dash == NULL)
		*last = *first;
	if (*last < *first) {
		snprintf(err, errlen,
			 "invalid port range '%u-%u' (the first port is above the last)", *first,
			 *last);
		*first = *last = 0;
		return -1;
	}
	return 0;
}

int conf_parse_group(const char *s, struct addr *out, char *err, size_t errlen)
{
	if (addr_parse(s, out) < 0 || !addr_is_multicast(out)) {
		*out = (struct addr){ 0 };
		snprintf(err, errlen,
			 "'%s' is not a multicast group (IPv4 224.0.0.0/4 or IPv6 ff00::/8)", s);
		return -1;
	}
	return 0;
}

/* "ADDR" or "ADDR/LEN"; *len is the family's full length without "/LEN". */
static int parse_prefix(const char *s, struct addr *a, uint8_t *len)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long n;

	if (strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	if (addr_parse(buf, a) < 0)
		return -1;
	*len = (uint8_t)addr_bits(a);
	if (slash == NULL)
		return 0;
	errno = 0;
	n = strtoul(slash + 1, &end, 10);
	if (!isdigit((unsigned char)slash[1]) || errno || *end || n > addr_bits(a))
		return -1;
	*len = (uint8_t)n;
	return 0;
}

/* What a prefix with host bits should have been: "the network is N/LEN". */
static void host_bits(const char *what, const char *s, const struct addr *a, uint8_t len,
		      char *err, size_t errlen)
{
	char text[ADDR_STRLEN];
	struct addr net = addr_network(a, len);

	snprintf(err, errlen, "%s prefix '%s' has bits set beyond its length %u (the network is %s/%u)",
		 what, s, len, addr_format(&net, text, sizeof(text)), len);
}

int conf_parse_group_prefix(const char *s, struct addr *group, uint8_t *len, char *err,
			    size_t errlen)
{
	if (parse_prefix(s, group, len) < 0 || !addr_is_multicast(group) ||
	    *len < (addr_is_v4(group) ? 4 : 8)) {
		*group = (struct addr){ 0 };
		snprintf(err, errlen,
			 "'%s' is not a multicast group or prefix (within IPv4 224.0.0.0/4 or IPv6 ff00::/8)",
			 s);
		return -1;
	}
	if (addr_has_host_bits(group, *len)) {
		host_bits("group", s, group, *len, err, errlen);
		return -1;
	}
	return 0;
}

int conf_parse_source_prefix(const char *s, struct addr *source, uint8_t *len, char *err,
			     size_t errlen)
{
	if (parse_prefix(s, source, len) < 0 || addr_is_multicast(source) ||
	    (*len == addr_bits(source) && !addr_is_unicast(source))) {
		*source = (struct addr){ 0 };
		*len = 0;
		snprintf(err, errlen,
			 "invalid source '%s' (expected a unicast IPv4 or IPv6 address or prefix)", s);
		return -1;
	}
	if (addr_has_host_bits(source, *len)) {
		host_bits("source", s, source, *len, err, errlen);
		return -1;
	}
	if (*len == 0)
		*source = (struct addr){ 0 };
	return 0;
}

int conf_parse_target(const char *target, struct conf_output *o, char *err, size_t errlen)
{
	char buf[INET6_ADDRSTRLEN + 16];
	char *group = buf, *port = NULL;

	if (strlen(target) >= sizeof(buf)) {
		snprintf(err, errlen, "invalid output target '%.40s...'", target);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", target);
	if (*buf == '[') {
		char *close = strchr(buf, ']');

		if (close == NULL || close == buf + 1 || (close[1] != '\0' && close[1] != ':')) {
			snprintf(err, errlen,
				 "invalid output target '%s' (expected [GROUP] or [GROUP]:PORT)",
				 target);
			return -1;
		}
		group = buf + 1;
		*close = '\0';
		if (close[1] == ':')
			port = close + 2;
	} else if (strchr(buf, ':') != strrchr(buf, ':')) {
		/* More than one colon: an IPv6 group without a port. */
	} else if ((port = strchr(buf, ':')) != NULL) {
		*port++ = '\0';
	}
	if (port != NULL && conf_parse_port(port, &o->port) < 0) {
		snprintf(err, errlen, "invalid port '%s' (expected 1-65535)", port);
		return -1;
	}
	if (*group != '\0' && conf_parse_group(group, &o->group, err, errlen) < 0)
		return -1;
	if (*group == '\0' && port == NULL) {
		snprintf(err, errlen, "invalid output target '%s'", target);
		return -1;
	}
	return 0;
}

int conf_parse_vid(const char *s, uint16_t *out, char *err, size_t errlen)
{
	uint32_t v;

	if (s == NULL || conf_parse_number(s, false, 1, PKT_VID_MAX, &v) < 0) {
		snprintf(err, errlen, "invalid VLAN ID '%s' (expected 'vlan N' with N from 1 to %d)",
			 s ? s : "", PKT_VID_MAX);
		return -1;
	}
	*out = (uint16_t)v;
	return 0;
}

int conf_parse_ttl(const char *s, enum ttl_mode *mode, uint8_t *ttl, char *err, size_t errlen)
{
	uint32_t n;

	if (strcmp(s, "decrement") == 0) {
		*mode = TTL_DECREMENT;
		return 0;
	}
	if (strcmp(s, "keep") == 0) {
		*mode = TTL_KEEP;
		return 0;
	}
	if (conf_parse_number(s, false, 1, 255, &n) < 0) {
		snprintf(err, errlen, "invalid ttl '%s' (expected decrement, keep or 1-255)", s);
		return -1;
	}
	*mode = TTL_SET;
	*ttl = (uint8_t)n;
	return 0;
}

int conf_parse_cpus(const char *s, struct conf_cpus *out)
{
	char buf[512];
	char *value = buf;

	memset(out, 0, sizeof(*out));
	if (strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	for (char *item; (item = strsep(&value, ",")) != NULL;) {
		char *dash = strchr(item = conf_trim(item), '-');
		uint32_t lo, hi;

		if (dash != NULL)
			*dash = '\0';
		if (conf_parse_number(conf_trim(item), false, 0, CONF_CPUS_MAX - 1, &lo) < 0)
			return -1;
		hi = lo;
		if (dash != NULL &&
		    (conf_parse_number(conf_trim(dash + 1), false, 0, CONF_CPUS_MAX - 1, &hi) < 0 ||
		     hi < lo))
			return -1;
		for (uint32_t cpu = lo; cpu <= hi; cpu++) {
			if (!(out->bits[cpu / 64] >> (cpu % 64) & 1))
				out->n++;
			out->bits[cpu / 64] |= 1ULL << (cpu % 64);
		}
	}
	return out->n ? 0 : -1;
}

char *conf_split_vlan(char *value, uint16_t *vid, char **words, size_t max, size_t *n,
		      char *err, size_t errlen)
{
	char *save = NULL, *ifname = strtok_r(value, " \t", &save), *w;

	*n = 0;
	*vid = 0;
	*err = '\0';
	if (ifname == NULL)
		return NULL;
	if (!conf_valid_ifname(ifname)) {
		snprintf(err, errlen, "invalid interface name '%s' %s", ifname, CONF_IFNAME_RULES);
		return NULL;
	}
	while ((w = strtok_r(NULL, " \t", &save)) != NULL) {
		if (strcmp(w, "vlan") == 0) {
			if (*vid) {
				snprintf(err, errlen, "duplicate 'vlan' for interface %s", ifname);
				return NULL;
			}
			if (conf_parse_vid(strtok_r(NULL, " \t", &save), vid, err, errlen) < 0)
				return NULL;
		} else if (*n == max) {
			*n = max + 1;
			return ifname;
		} else {
			words[(*n)++] = w;
		}
	}
	return ifname;
}

static const char *const datapath_names[] = {
	[CONF_DATAPATH_AUTO] = "auto",
	[CONF_DATAPATH_KERNEL] = "kernel",
	[CONF_DATAPATH_PACKET] = "packet",
};

const char *conf_datapath_name(enum conf_datapath d)
{
	return (size_t)d < sizeof(datapath_names) / sizeof(datapath_names[0]) ? datapath_names[d]
									       : "?";
}

int conf_parse_datapath(const char *s, enum conf_datapath *out)
{
	for (size_t i = 0; i < sizeof(datapath_names) / sizeof(datapath_names[0]); i++) {
		if (strcmp(s, datapath_names[i]) == 0) {
			*out = (enum conf_datapath)i;
			return 0;
		}
	}
	return -1;
}

static const char *const monitor_names[] = {
	[CONF_MONITOR_OFF] = "off",
	[CONF_MONITOR_RTP] = "rtp",
	[CONF_MONITOR_MPEGTS] = "mpegts",
};

const char *conf_monitor_name(enum conf_monitor m)
{
	size_t n = sizeof(monitor_names) / sizeof(monitor_names[0]);

	return (size_t)m < n ? monitor_names[m] : "?";
}

int conf_parse_monitor(const char *s, enum conf_monitor *out, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(monitor_names) / sizeof(monitor_names[0]); i++) {
		if (strcmp(s, monitor_names[i]) == 0) {
			*out = (enum conf_monitor)i;
			return 0;
		}
	}
	snprintf(err, errlen, "invalid monitor '%s' (expected rtp, mpegts or off)", s);
	return -1;
}
