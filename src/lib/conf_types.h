#ifndef MCRELAY_CONF_TYPES_H
#define MCRELAY_CONF_TYPES_H

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/addr.h"
#include "lib/log_level.h"
#include "lib/ring_params.h"

/*
 * A parsed configuration: types and small inline helpers only, so that the
 * parser (conf.c), the validator (conf_validate.c) and their users depend
 * on it without depending on each other.
 */

#define CONF_NAME_MAX 64
#define CONF_USER_MAX 33	/* a user or group name and its NUL */
#define CONF_MAX_OUTPUTS 16
#define CONF_PATH_MAX 108	/* sun_path */
#define CONF_DEFAULT_CONTROL_SOCKET "/run/mcrelay/mcrelay.sock"
#define CONF_DEFAULT_CONTROL_GROUP "mcrelay"
#define CONF_WORKERS_AUTO 0	/* workers = auto: one per online CPU */
#define CONF_WORKERS_MAX 64	/* per input */
#define CONF_WORKERS_AUTO_MAX 16	/* what auto gives at most */
#define CONF_CPUS_MAX 1024	/* CPU numbers 0 to 1023 in cpu-affinity */
/* Sockets a worker sends through: output interfaces and udp destinations of one input. */
#define CONF_MAX_SOCKETS_PER_INPUT 4096

enum ttl_mode {
	TTL_DECREMENT = 0,
	TTL_KEEP,
	TTL_SET,
};

enum conf_output_kind {
	OUTPUT_IFACE = 0,	/* multicast out of an interface, Ethernet header and all */
	OUTPUT_UDP,		/* the payload, through a kernel UDP socket (routed) */
};

/*
 * Where a udp output sends: a unicast address and port.  An IPv4 address
 * is in the first 4 bytes of addr (and source), the rest zero, so that two
 * destinations compare with memcmp.
 */
struct conf_udp {
	sa_family_t family;	/* AF_INET or AF_INET6 */
	uint16_t port;		/* host order */
	struct in6_addr addr;
	bool has_source;
	struct in6_addr source;	/* bound with port 0: the kernel picks the port */
	uint8_t ttl;		/* 0: the kernel's default */
};

/* Ports in host byte order; 0 or an unset address: not set. */
struct conf_output {
	char ifname[IF_NAMESIZE];	/* "" for a udp output */
	struct addr group;	/* unset: keep the rule's group */
	uint16_t port;		/* 0: keep the packet's port */
	uint16_t vlan;		/* VID to send tagged with; 0: untagged */
	int line;
	enum conf_output_kind kind;
	struct conf_udp udp;	/* kind OUTPUT_UDP */
};

enum conf_rule_key {
	KEY_INPUT, KEY_GROUP, KEY_PORT, KEY_SOURCE, KEY_TTL, KEY_LINK_LOCAL, KEY_MONITOR, KEY_COUNT
};

/* Upstream loss watched in a rule's streams (lib/monitor.h): monitor = off | rtp | mpegts. */
enum conf_monitor { CONF_MONITOR_OFF = 0, CONF_MONITOR_RTP, CONF_MONITOR_MPEGTS };

struct conf_rule {
	char name[CONF_NAME_MAX];
	int line;			/* the [rule NAME] header */
	int key_line[KEY_COUNT];	/* where each single key was set, 0 if not */
	char input[IF_NAMESIZE];
	uint16_t vlan;			/* VID received on (input = IFNAME vlan N); 0: untagged */
	struct addr group;		/* IPv4 or IPv6: the rule's family */
	uint8_t group_len;		/* prefix length; addr_bits(group): one group */
	uint16_t port, port_last;	/* a range; 0, 0: any port */
	struct addr source;		/* unset: any source */
	uint8_t source_len;		/* prefix length of source; 0 without one */
	bool link_local;		/* link-local = allow */
	enum conf_monitor monitor;
	enum ttl_mode ttl_mode;
	uint8_t ttl;			/* with TTL_SET */
	struct conf_output outputs[CONF_MAX_OUTPUTS];
	size_t n_outputs;
};

/* A cpu-affinity list: the CPUs as a set; workers take them in ascending order. */
struct conf_cpus {
	uint64_t bits[CONF_CPUS_MAX / 64];
	unsigned n;		/* 0: no affinity */
};

/* How an input's packets are relayed: datapath = auto | kernel | packet. */
enum conf_datapath {
	CONF_DATAPATH_AUTO = 0,	/* the kernel path where this kernel can load it, else packet */
	CONF_DATAPATH_KERNEL,	/* the kernel path, or an error where the kernel cannot */
	CONF_DATAPATH_PACKET,	/* the workers alone */
};

/* What [global] sets for every input and an [input NAME] for one: how many
 * processes serve it, on which CPUs, by which path; line 0: not set. */
struct conf_workers {
	unsigned workers;	/* CONF_WORKERS_AUTO or 1 to CONF_WORKERS_MAX */
	int workers_line;
	struct conf_cpus cpus;
	int cpus_line;
	enum conf_datapath datapath;
	int datapath_line;
};

/* An [input NAME] section: overrides [global]'s workers, cpu-affinity and datapath. */
struct conf_input {
	char name[IF_NAMESIZE];
	int line;
	struct conf_workers w;
};

/* Where a TCP service listens: metrics-listen = ADDR:PORT or [ADDR6]:PORT. */
struct conf_listen {
	sa_family_t family;	/* AF_INET or AF_INET6; 0: not set */
	uint16_t port;		/* host order */
	struct in6_addr addr;	/* AF_INET: the first 4 bytes, the rest zero */
};

/* A join = GROUP of a rule with a group prefix. */
struct conf_join {
	size_t rule;		/* index into rules */
	struct addr group;
	int line;
};

struct conf {
	char *path;
	char user[CONF_USER_MAX];
	int user_line;
	char control_group[CONF_USER_MAX];	/* may use the control socket */
	int control_group_line;
	enum log_level log_level;
	int log_level_line;
	char control_socket[CONF_PATH_MAX];
	int control_socket_line;
	struct ring_params ring;	/* 0 in a field: derived from the input's MTU */
	int ring_block_size_line, ring_blocks_line, ring_timeout_line, ring_mode_line;
	struct conf_workers workers;	/* [global]: workers = 1 unless set */
	struct conf_listen metrics_listen;	/* GET /metrics served there; family 0: not */
	int metrics_listen_line;
	struct conf_rule *rules;
	size_t n_rules, cap_rules;
	struct conf_join *joins;	/* in rule order */
	size_t n_joins;
	struct conf_input *inputs;
	size_t n_inputs;
};

/* Where an output sends: its own group, else the rule's. */
static inline const struct addr *conf_output_group(const struct conf_rule *r,
						   const struct conf_output *o)
{
	return addr_is_set(&o->group) ? &o->group : &r->group;
}

/* The address family of what a rule matches: its group's. */
static inline sa_family_t conf_rule_family(const struct conf_rule *r)
{
	return (sa_family_t)addr_family(&r->group);
}

/* One group, not a prefix. */
static inline bool conf_group_exact(const struct conf_rule *r)
{
	return r->group_len == addr_bits(&r->group);
}

/* A group prefix, a port range or a source prefix: not for the hash lookup. */
static inline bool conf_rule_wide(const struct conf_rule *r)
{
	return !conf_group_exact(r) || r->port != r->port_last ||
	       (addr_is_set(&r->source) && r->source_len != addr_bits(&r->source));
}

/* An output of a prefix rule without a group of its own: each packet keeps its group. */
static inline bool conf_output_keeps_group(const struct conf_rule *r, const struct conf_output *o)
{
	return !addr_is_set(&o->group) && !conf_group_exact(r);
}

/* The port an output sends to: its own, else the rule's one port; 0: each packet's own. */
static inline uint16_t conf_output_port(const struct conf_rule *r, const struct conf_output *o)
{
	if (o->port)
		return o->port;
	return r->port == r->port_last ? r->port : 0;
}

/* The [input NAME] section of an input, or NULL. */
static inline const struct conf_input *conf_input_find(const struct conf *c,
							const char *name)
{
	for (size_t i = 0; i < c->n_inputs; i++)
		if (strcmp(c->inputs[i].name, name) == 0)
			return &c->inputs[i];
	return NULL;
}

/* The workers setting of an input: its own where its section sets it, else [global]'s. */
static inline unsigned conf_input_workers(const struct conf *c, const char *name)
{
	const struct conf_input *in = conf_input_find(c, name);

	return in && in->w.workers_line ? in->w.workers : c->workers.workers;
}

static inline const struct conf_cpus *conf_input_cpus(const struct conf *c, const char *name)
{
	const struct conf_input *in = conf_input_find(c, name);

	return in && in->w.cpus_line ? &in->w.cpus : &c->workers.cpus;
}

static inline enum conf_datapath conf_input_datapath(const struct conf *c, const char *name)
{
	const struct conf_input *in = conf_input_find(c, name);

	return in && in->w.datapath_line ? in->w.datapath : c->workers.datapath;
}

/* The k-th CPU of the list (round robin), or -1 for none. */
static inline int conf_cpus_pick(const struct conf_cpus *cpus, unsigned k)
{
	unsigned want;

	if (cpus->n == 0)
		return -1;
	want = k % cpus->n;
	for (int cpu = 0; cpu < CONF_CPUS_MAX; cpu++)
		if ((cpus->bits[cpu / 64] >> (cpu % 64) & 1) && want-- == 0)
			return cpu;
	return -1;
}

#endif
