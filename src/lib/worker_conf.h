#ifndef MCRELAY_WORKER_CONF_H
#define MCRELAY_WORKER_CONF_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/conf_types.h"
#include "lib/handoff.h"
#include "lib/ring_params.h"
#include "lib/rules.h"
#include "lib/txring.h"

/*
 * The receiving half of the configuration hand-off (sv_config.c sends it):
 * what arrives between two COMMITs, adopted whole or not at all.  Pure:
 * descriptors are only stored here; the worker closes them.  Errors are
 * returned with a reason in err, never fatal here.
 */
/*
 * Where outputs send, as the configuration says: an output interface's
 * packet socket (frames written into its transmit ring, laid out as tx
 * says), or a udp output's connected UDP socket (the payload alone).
 */
struct egress {
	int fd;
	int ifindex;
	unsigned mtu;
	uint8_t mac[6];
	char ifname[IF_NAMESIZE];
	bool udp;
	unsigned udp_overhead;	/* udp: IP and UDP header bytes the kernel adds */
	char label[64];		/* for the log: "eth1" or "udp 10.0.0.5:7000" */
	struct txring_params tx;
	uint64_t serial;	/* the supervisor's number for the socket */
};

/*
 * The ingress socket comes in a worker's first configuration only, which
 * the worker says with first.
 */
struct worker_conf {
	bool first;
	int ingress_fd;
	struct ring_params ring;	/* how the ingress socket's ring is laid out */
	unsigned ingress_mtu;		/* the input's MTU */
	struct egress *egress;
	unsigned n_egress;
	struct rule *rules;
	size_t n_rules, cap_rules;
	unsigned n_sockets;
};

/* Most egress sockets one configuration may bring. */
#define WORKER_CONF_MAX_EGRESS CONF_MAX_SOCKETS_PER_INPUT

void worker_conf_init(struct worker_conf *p);
/* Frees memory only; the caller closes ingress_fd and the egress fds first. */
void worker_conf_free(struct worker_conf *p);

int worker_conf_add_socket(struct worker_conf *p, const struct ho_socket *s, int fd,
			   char *err, size_t errlen);
int worker_conf_add_rule(struct worker_conf *p, const struct ho_rule *m, char *err,
			 size_t errlen);
/* Whether what arrived is what COMMIT announces, every output naming a socket. */
int worker_conf_complete(const struct worker_conf *p, const struct ho_commit *c,
			 char *err, size_t errlen);

/*
 * Keeps the counters of rules (by name) and of their outputs (by position
 * in the configured rule), and a rule's monitor if it watches the same way
 * (taken from old with its counts, and its streams unless the rule moved
 * between the kernel path and the workers).  Returns -1 if out of memory.
 */
int worker_conf_carry_counters(struct rule *now, size_t n, struct rule_table *old);

/*
 * Gives each monitored rule that has none yet a new monitor, placing
 * streams by secret (from getrandom()).  Returns -1 if out of memory.
 */
int worker_conf_new_monitors(struct rule *rules, size_t n, const uint64_t secret[2]);

#endif
