#include "config.h"

#include "lib/worker_conf.h"

#include "lib/conf_udp.h"
#include "lib/monitor.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void worker_conf_init(struct worker_conf *p)
{
	memset(p, 0, sizeof(*p));
	p->ingress_fd = -1;
}

void worker_conf_free(struct worker_conf *p)
{
	free(p->egress);
	for (size_t i = 0; p->rules != NULL && i < p->n_rules; i++)
		monitor_free(p->rules[i].monitor);
	free(p->rules);
	worker_conf_init(p);
}

static int add_egress(struct worker_conf *p, const struct ho_socket *s, int fd,
		      char *err, size_t errlen)
{
	struct egress *e;

	if (s->slot != p->n_egress || s->slot >= WORKER_CONF_MAX_EGRESS) {
		snprintf(err, errlen, "egress socket slot %u out of order", s->slot);
		return -1;
	}
	e = realloc(p->egress, (p->n_egress + 1) * sizeof(*e));
	if (e == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->egress = e;
	e = &p->egress[p->n_egress++];
	memset(e, 0, sizeof(*e));
	e->fd = fd;
	e->serial = s->serial;
	e->ifindex = s->ifindex;
	e->mtu = s->mtu;
	memcpy(e->mac, s->mac, 6);
	snprintf(e->ifname, sizeof(e->ifname), "%s", s->ifname);
	if (s->role == HO_ROLE_UDP) {
		struct conf_udp u = { .family = s->udp_family, .port = s->udp_port };
		char dest[CONF_UDP_STRLEN];

		memcpy(&u.addr, s->udp_addr, sizeof(u.addr));
		e->udp = true;
		e->udp_overhead = (s->udp_family == AF_INET6 ? 40 : 20) + 8;
		snprintf(e->label, sizeof(e->label), "udp %s",
			 conf_udp_format(&u, dest, sizeof(dest)));
		return 0;
	}
	snprintf(e->label, sizeof(e->label), "%s", s->ifname);
	e->tx = (struct txring_params){ .frame_size = s->tx_frame_size,
					.block_size = s->tx_block_size,
					.blocks = s->tx_blocks, .frames = s->tx_frames };
	return 0;
}

int worker_conf_add_socket(struct worker_conf *p, const struct ho_socket *s, int fd,
			   char *err, size_t errlen)
{
	if (s->role == HO_ROLE_INGRESS) {
		if (!p->first || p->ingress_fd >= 0) {
			snprintf(err, errlen, "an ingress socket %s",
				 p->first ? "twice" : "after the first configuration");
			return -1;
		}
		p->ingress_fd = fd;
		p->ring = (struct ring_params){ .block_size = s->ring_block_size,
						.blocks = s->ring_blocks,
						.timeout_ms = s->ring_timeout_ms,
						.mode = s->ring_mode,
						.frame_size = s->ring_frame_size };
		p->ingress_mtu = s->mtu;
	} else if (add_egress(p, s, fd, err, errlen) < 0) {
		return -1;
	}
	p->n_sockets++;
	return 0;
}

/* The group is multicast, and the source and every multicast output are of its family. */
static bool rule_families_agree(const struct ho_rule *m)
{
	struct addr group = addr_from_v6(m->group), source = addr_from_v6(m->source);
	int family = addr_family(&group);

	if (!addr_is_multicast(&group) ||
	    (addr_is_set(&source) && addr_family(&source) != family))
		return false;
	for (unsigned i = 0; i < m->n_outputs; i++) {
		struct addr g = addr_from_v6(m->outputs[i].group);

		if (!addr_is_set(&g))
			continue;	/* each packet's own group, or a udp output's socket */
		if (!addr_is_multicast(&g) || addr_family(&g) != family)
			return false;
	}
	return true;
}

/* Prefixes within their family, no bits beyond them, and a port or range that agree. */
static bool rule_match_valid(const struct ho_rule *m)
{
	struct addr group = addr_from_v6(m->group), source = addr_from_v6(m->source);

	if (m->group_len > addr_bits(&group) || addr_has_host_bits(&group, m->group_len))
		return false;
	if (addr_is_set(&source) ? (m->source_len == 0 || m->source_len > addr_bits(&source) ||
				    addr_has_host_bits(&source, m->source_len))
				 : m->source_len != 0)
		return false;
	if (m->port_lo > m->port_hi || (m->port_lo == 0) != (m->port_hi == 0))
		return false;
	return m->port == (m->port_lo == m->port_hi ? htons(m->port_lo) : 0);
}

int worker_conf_add_rule(struct worker_conf *p, const struct ho_rule *m, char *err,
			 size_t errlen)
{
	struct rule *r;

	if (m->n_outputs > RULE_MAX_OUTPUTS) {
		snprintf(err, errlen, "rule %.64s has %u outputs", m->name, m->n_outputs);
		return -1;
	}
	if (!rule_match_valid(m)) {
		snprintf(err, errlen, "rule %.64s has an invalid prefix or port range", m->name);
		return -1;
	}
	if (!rule_families_agree(m)) {
		snprintf(err, errlen, "rule %.64s mixes address families or has no group",
			 m->name);
		return -1;
	}
	if (p->n_rules == p->cap_rules) {
		size_t cap = p->cap_rules ? p->cap_rules * 2 : 16;

		r = realloc(p->rules, cap * sizeof(*r));
		if (r == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		p->rules = r;
		p->cap_rules = cap;
	}
	r = &p->rules[p->n_rules++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", m->name);
	r->group = addr_from_v6(m->group);
	r->source = addr_from_v6(m->source);
	r->port = m->port;
	r->port_lo = m->port_lo;
	r->port_hi = m->port_hi;
	r->kernel = (m->flags & HO_RULE_KERNEL) != 0;
	r->group_len = m->group_len;
	r->source_len = m->source_len;
	r->vlan = m->vlan;
	r->ttl_mode = (enum pkt_ttl_mode)m->ttl_mode;
	r->ttl = m->ttl;
	r->monitor_mode = m->monitor;
	/* The outputs to send to first, the pending ones after them. */
	for (int pending = 0; pending <= 1; pending++) {
		for (unsigned i = 0; i < m->n_outputs; i++) {
			const struct ho_output *mo = &m->outputs[i];
			struct rule_output *o = &r->out[r->n_all];

			if (!(mo->flags & HO_OUT_PENDING) != !pending)
				continue;
			o->egress = pending ? 0 : mo->slot;
			o->group = addr_from_v6(mo->group);
			o->port = mo->port;
			o->conf_index = mo->conf_index;
			o->vlan = mo->vlan;
			addr_multicast_mac(&o->group, o->dst_mac);
			r->n_all++;
		}
		if (!pending)
			r->n_out = r->n_all;
	}
	return 0;
}

int worker_conf_complete(const struct worker_conf *p, const struct ho_commit *c,
			 char *err, size_t errlen)
{
	if ((p->first && p->ingress_fd < 0) || c->n_rules != p->n_rules ||
	    c->n_sockets != p->n_sockets) {
		snprintf(err, errlen, "incomplete configuration: %zu rules, %u sockets",
			 p->n_rules, p->n_sockets);
		return -1;
	}
	for (size_t i = 0; i < p->n_rules; i++) {
		for (unsigned k = 0; k < p->rules[i].n_out; k++) {
			if (p->rules[i].out[k].egress >= p->n_egress) {
				snprintf(err, errlen, "rule %s names a missing egress socket",
					 p->rules[i].name);
				return -1;
			}
		}
	}
	return 0;
}

static void carry_output(struct rule_output *now, const struct rule *old)
{
	for (unsigned k = 0; k < old->n_all; k++) {
		const struct rule_output *o = &old->out[k];

		if (o->conf_index != now->conf_index)
			continue;
		now->packets = o->packets;
		now->bytes = o->bytes;
		now->send_errors = o->send_errors;
		now->too_big = o->too_big;
		now->egress_full = o->egress_full;
		now->rate_packets = o->rate_packets;
		now->rate_bytes = o->rate_bytes;
		now->pps = o->pps;
		now->bps = o->bps;
	}
}

static int by_name(const void *a, const void *b)
{
	const struct rule *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static void carry_rule(struct rule *now, struct rule *o)
{
	now->packets_in = o->packets_in;
	now->bytes_in = o->bytes_in;
	now->ttl_expired = o->ttl_expired;
	now->last_packet_ns = o->last_packet_ns;
	now->rate_packets = o->rate_packets;
	now->rate_bytes = o->rate_bytes;
	now->pps = o->pps;
	now->bps = o->bps;
	for (unsigned k = 0; k < now->n_all; k++)
		carry_output(&now->out[k], o);
	/*
	 * A monitor that goes on watching the same way keeps its streams and
	 * counts.  If its rule moves between the kernel path and the workers,
	 * it keeps its counts but forgets its streams, which went on without it.
	 */
	if (now->monitor == NULL && o->monitor != NULL &&
	    monitor_get_mode(o->monitor) == now->monitor_mode) {
		now->monitor = o->monitor;
		o->monitor = NULL;
		if (now->kernel != o->kernel)
			monitor_forget(now->monitor);
	}
}

/* Sorted by name, so that 10,000 rules carry over in n log n, not n squared. */
int worker_conf_carry_counters(struct rule *now, size_t n, struct rule_table *old)
{
	struct rule **sorted = malloc((old->n + 1) * sizeof(*sorted));

	if (sorted == NULL)
		return -1;
	for (size_t j = 0; j < old->n; j++)
		sorted[j] = &old->rules[j];
	qsort(sorted, old->n, sizeof(*sorted), by_name);
	for (size_t i = 0; i < n; i++) {
		const struct rule *key = &now[i];
		struct rule **hit = bsearch(&key, sorted, old->n, sizeof(*sorted), by_name);

		if (hit != NULL)
			carry_rule(&now[i], *hit);
	}
	free(sorted);
	return 0;
}

int worker_conf_new_monitors(struct rule *rules, size_t n, const uint64_t secret[2])
{
	for (size_t i = 0; i < n; i++) {
		if (rules[i].monitor_mode == MONITOR_OFF || rules[i].monitor != NULL)
			continue;
		rules[i].monitor = monitor_new((enum monitor_mode)rules[i].monitor_mode, secret);
		if (rules[i].monitor == NULL)
			return -1;
	}
	return 0;
}
