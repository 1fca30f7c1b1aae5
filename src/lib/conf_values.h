#ifndef MCRELAY_CONF_VALUES_H
#define MCRELAY_CONF_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/conf_types.h"

/*
 * The grammar of the configuration's values: names, numbers, ports and
 * ranges, groups and prefixes, output targets, VLANs, TTLs, CPU lists.
 * Each function takes the text of one value and returns 0, or -1 with a
 * message for the user in err (the caller adds FILE:LINE).  Pure.
 */

#define CONF_IFNAME_RULES "(1-15 printable ASCII characters other than '/' and ':', not '.' or '..')"

/* Strips white space at both ends, in place. */
char *conf_trim(char *s);

bool conf_valid_rule_name(const char *s);
/* What the kernel takes (dev_valid_name), in printable ASCII. */
bool conf_valid_ifname(const char *s);
/* A user or group name as useradd and groupadd take them. */
bool conf_valid_account_name(const char *s);

/* A whole number in [min, max], times 1024 or 1048576 with a k or M suffix if units. */
int conf_parse_number(const char *s, bool units, uint32_t min, uint32_t max, uint32_t *out);
int conf_parse_port(const char *s, uint16_t *out);
/* "PORT" or "FIRST-LAST": *last = *first for one port. */
int conf_parse_port_range(const char *s, uint16_t *first, uint16_t *last, char *err,
			  size_t errlen);
int conf_parse_group(const char *s, struct addr *out, char *err, size_t errlen);
/* A group or a prefix of groups, wholly in multicast space, without host bits. */
int conf_parse_group_prefix(const char *s, struct addr *group, uint8_t *len, char *err,
			    size_t errlen);
/* A unicast source or prefix of sources; /0 is every source, as if none were given. */
int conf_parse_source_prefix(const char *s, struct addr *source, uint8_t *len, char *err,
			     size_t errlen);
/*
 * The target of an output: "GROUP", "GROUP:PORT", ":PORT", or for IPv6
 * "GROUP", "[GROUP]" or "[GROUP]:PORT", into o's group and port.
 */
int conf_parse_target(const char *target, struct conf_output *o, char *err, size_t errlen);
/* A VLAN ID as "vlan N" gives it: 1-4094 (0 means untagged, 4095 is reserved). */
int conf_parse_vid(const char *s, uint16_t *out, char *err, size_t errlen);
/* "decrement", "keep" or 1-255. */
int conf_parse_ttl(const char *s, enum ttl_mode *mode, uint8_t *ttl, char *err, size_t errlen);
/* "off", "rtp" or "mpegts". */
const char *conf_monitor_name(enum conf_monitor m);
int conf_parse_monitor(const char *s, enum conf_monitor *out, char *err, size_t errlen);
/* "auto", "kernel" or "packet". */
const char *conf_datapath_name(enum conf_datapath d);
int conf_parse_datapath(const char *s, enum conf_datapath *out);
/* "0,1", "2-3", "0-3,6": CPU numbers and ranges, separated by commas. */
int conf_parse_cpus(const char *s, struct conf_cpus *out);
/*
 * "IFNAME" followed by words (at most max of them go to words[], *n counts
 * them, max + 1 when there were more), with "vlan N" taken out of them into
 * *vid.  value is cut into words in place.  Returns the interface name, or
 * NULL with the reason in err (empty when there is no word at all).
 */
char *conf_split_vlan(char *value, uint16_t *vid, char **words, size_t max, size_t *n,
		      char *err, size_t errlen);

#endif
