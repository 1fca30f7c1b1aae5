#ifndef MCRELAY_CONF_TYPES_H
#define MCRELAY_CONF_TYPES_H

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "ring.h"

/*
 * A parsed configuration: types and small inline helpers only, so that the
 * parser (conf.c), the validator (conf_validate.c) and their users depend
 * on it without depending on each other.
 */

#define CONF_NAME_MAX 64
#define CONF_USER_MAX 33
#define CONF_MAX_OUTPUTS 16
#define CONF_PATH_MAX 108	/* sun_path */
#define CONF_DEFAULT_CONTROL_SOCKET "/run/mcrelay/mcrelay.sock"

enum ttl_mode {
	TTL_DECREMENT = 0,
	TTL_KEEP,
	TTL_SET,
};

/* Addresses are in network byte order, ports in host byte order; 0 = unset. */
struct conf_output {
	char ifname[IF_NAMESIZE];
	in_addr_t group;	/* 0: keep the rule's group */
	uint16_t port;		/* 0: keep the packet's port */
	int line;
};

enum conf_rule_key {
	KEY_INPUT, KEY_GROUP, KEY_PORT, KEY_SOURCE, KEY_TTL, KEY_COUNT
};

struct conf_rule {
	char name[CONF_NAME_MAX];
	int line;			/* the [rule NAME] header */
	int key_line[KEY_COUNT];	/* where each single key was set, 0 if not */
	char input[IF_NAMESIZE];
	in_addr_t group;
	uint16_t port;			/* 0: any port */
	in_addr_t source;		/* 0: any source */
	enum ttl_mode ttl_mode;
	uint8_t ttl;			/* with TTL_SET */
	struct conf_output outputs[CONF_MAX_OUTPUTS];
	size_t n_outputs;
};

struct conf {
	char *path;
	char user[CONF_USER_MAX];
	int user_line;
	enum log_level log_level;
	int log_level_line;
	char control_socket[CONF_PATH_MAX];
	int control_socket_line;
	struct ring_params ring;	/* 0 in a field: derived from the input's MTU */
	int ring_block_size_line, ring_blocks_line, ring_timeout_line, ring_mode_line;
	struct conf_rule *rules;
	size_t n_rules, cap_rules;
};

static inline bool conf_is_multicast(in_addr_t a)
{
	return (ntohl(a) & 0xf0000000u) == 0xe0000000u;
}

/* Where an output sends: its own group, else the rule's. */
static inline in_addr_t conf_output_group(const struct conf_rule *r,
					  const struct conf_output *o)
{
	return o->group ? o->group : r->group;
}

#endif
