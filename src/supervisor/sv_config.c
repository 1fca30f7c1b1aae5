#include "config.h"

#include "supervisor/sv_config.h"

#include "supervisor/sv_egress.h"
#include "supervisor/sv_kpath.h"
#include "supervisor/sv_progress.h"
#include "supervisor/sv_udp.h"
#include "supervisor/sv_worker.h"

#include "lib/monitor_counts.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

_Static_assert((int)CONF_MONITOR_OFF == MONITOR_OFF && (int)CONF_MONITOR_RTP == MONITOR_RTP &&
	       (int)CONF_MONITOR_MPEGTS == MONITOR_MPEGTS, "monitor = sent as it is configured");

/* What a worker's egress slot is: an output interface's socket or a udp output's. */
struct slot {
	const struct sv_egress *e;
	const struct sv_udp *u;
};

static void put_iface(struct ho_socket *s, const struct iface_info *info)
{
	s->ifindex = info->ifindex;
	s->mtu = info->mtu;
	snprintf(s->ifname, sizeof(s->ifname), "%s", info->name);
	memcpy(s->mac, info->mac, 6);
}

static int send_ingress(struct sv_worker *w)
{
	struct ho_socket s = {
		.role = HO_ROLE_INGRESS,
		.ring_block_size = w->ring.block_size,
		.ring_blocks = w->ring.blocks,
		.ring_timeout_ms = w->ring.timeout_ms,
		.ring_mode = w->ring.mode,
		.ring_frame_size = w->ring.frame_size,
	};

	put_iface(&s, &w->info);
	return svw_send_msg(w, HO_SOCKET, &s, sizeof(s), w->ingress_fd);
}

static int send_egress(struct sv_worker *w, uint32_t slot, const struct sv_egress *e)
{
	struct ho_socket s = {
		.role = HO_ROLE_EGRESS, .slot = slot,
		.tx_frame_size = e->tx.frame_size, .tx_block_size = e->tx.block_size,
		.tx_blocks = e->tx.blocks, .tx_frames = e->tx.frames, .serial = e->serial,
	};

	put_iface(&s, &e->info);
	return svw_send_msg(w, HO_SOCKET, &s, sizeof(s), e->fd);
}

static int send_udp_socket(struct sv_worker *w, uint32_t slot, const struct sv_udp *u)
{
	struct ho_socket s = {
		.role = HO_ROLE_UDP, .slot = slot,
		.udp_family = u->dest.family, .udp_port = u->dest.port, .serial = u->serial,
	};

	memcpy(s.udp_addr, &u->dest.addr, sizeof(s.udp_addr));
	return svw_send_msg(w, HO_SOCKET, &s, sizeof(s), u->fd);
}

/* The egress slots of this worker: each socket once, in order of use. */
static uint32_t slot_of(struct slot *slots, size_t *n, struct slot s)
{
	for (size_t i = 0; i < *n; i++)
		if (slots[i].e == s.e && slots[i].u == s.u)
			return (uint32_t)i;
	slots[*n] = s;
	return (uint32_t)(*n)++;
}

/*
 * The rules of this worker.  An output without its socket (interface
 * absent or down, udp destination not reachable yet) is sent pending, so
 * that the worker keeps its counters.
 */
static size_t build_rules(struct sv_worker *w, struct ho_rule *rules,
			  struct slot *slots, size_t *n_slots)
{
	const struct conf *c = &w->sv->conf;
	size_t n_rules = 0;

	for (size_t i = 0; i < c->n_rules; i++) {
		const struct conf_rule *r = &c->rules[i];
		struct ho_rule *m = &rules[n_rules++];

		if (!sv_rule_on(w, r)) {
			n_rules--;
			continue;
		}
		memset(m, 0, sizeof(*m));
		snprintf(m->name, sizeof(m->name), "%s", r->name);
		memcpy(m->group, r->group.b, sizeof(m->group));
		memcpy(m->source, r->source.b, sizeof(m->source));
		m->port = r->port == r->port_last ? htons(r->port) : 0;
		m->port_lo = r->port;
		m->port_hi = r->port_last;
		m->group_len = r->group_len;
		m->source_len = addr_is_set(&r->source) ? r->source_len : 0;
		m->vlan = r->vlan;
		m->ttl_mode = (uint8_t)r->ttl_mode;
		m->ttl = r->ttl;
		m->monitor = (uint8_t)r->monitor;
		if (svk_rule_kernel(w->in, i))
			m->flags |= HO_RULE_KERNEL;
		for (size_t k = 0; k < r->n_outputs; k++) {
			const struct conf_output *co = &r->outputs[k];
			struct ho_output *o = &m->outputs[m->n_outputs++];
			struct slot sl = { 0 };

			if (co->kind == OUTPUT_UDP)
				sl.u = sv_udp_find(w->sv, &co->udp);
			else
				sl.e = svw_egress_find(w, co->ifname);
			if (sl.e || sl.u)
				o->slot = slot_of(slots, n_slots, sl);
			else
				o->flags = HO_OUT_PENDING;
			/* All zero: each packet keeps its own group (a prefix rule's output). */
			if (co->kind != OUTPUT_UDP && !conf_output_keeps_group(r, co))
				memcpy(o->group, conf_output_group(r, co)->b, sizeof(o->group));
			o->port = htons(co->port);
			o->conf_index = (uint8_t)k;
			o->vlan = co->vlan;
		}
	}
	return n_rules;
}

static uint64_t config_digest(const struct sv_worker *w, const struct ho_setup *setup,
			      const struct ho_rule *rules, size_t n_rules,
			      const struct slot *slots, size_t n_slots)
{
	uint64_t h = sv_fnv1a(0xcbf29ce484222325ULL, setup, sizeof(*setup));

	h = sv_fnv1a(h, &w->info.ifindex, sizeof(w->info.ifindex));
	for (size_t i = 0; i < n_slots; i++) {
		if (slots[i].e) {
			h = sv_fnv1a(h, &slots[i].e->info, sizeof(slots[i].e->info));
			h = sv_fnv1a(h, &slots[i].e->serial, sizeof(slots[i].e->serial));
		} else {
			h = sv_fnv1a(h, &slots[i].u->dest, sizeof(slots[i].u->dest));
			h = sv_fnv1a(h, &slots[i].u->serial, sizeof(slots[i].u->serial));
		}
	}
	return sv_fnv1a(h, rules, n_rules * sizeof(*rules));
}

int sv_config_send(struct sv_worker *w, bool force)
{
	struct supervisor *sv = w->sv;
	const struct conf *c = &sv->conf;
	size_t max = c->n_rules * CONF_MAX_OUTPUTS + 1, n_slots = 0, n_rules;
	struct slot *slots = calloc(max, sizeof(*slots));
	struct ho_rule *rules = calloc(c->n_rules + 1, sizeof(*rules));
	struct ho_setup setup = { .uid = sv->uid, .gid = sv->gid,
				  .log_level = (uint32_t)c->log_level };
	int rc = -1;

	if (slots == NULL || rules == NULL)
		goto out;
	/* A change of path under way: the worker hears once the kernel path has settled. */
	if (!force && w->ingress_sent && svk_defers(w->in)) {
		rc = 0;
		goto out;
	}
	snprintf(setup.input, sizeof(setup.input), "%s", w->input);
	setup.index = w->index;
	n_rules = build_rules(w, rules, slots, &n_slots);

	uint64_t digest = config_digest(w, &setup, rules, n_rules, slots, n_slots);

	if (!force && digest == w->config_digest) {
		svp_unchanged(w, sv->generation);
		rc = 0;
		goto out;
	}
	bool ingress = !w->ingress_sent;

	if (ingress)
		w->kpath_generation = 0;	/* a new process knows of no program */
	if (svw_send_msg(w, HO_SETUP, &setup, sizeof(setup), -1) < 0 ||
	    (ingress && send_ingress(w) < 0))
		goto out;
	for (size_t i = 0; i < n_slots; i++)
		if ((slots[i].e ? send_egress(w, (uint32_t)i, slots[i].e)
				: send_udp_socket(w, (uint32_t)i, slots[i].u)) < 0)
			goto out;
	for (size_t i = 0; i < n_rules; i++)
		if (svw_send_msg(w, HO_RULE, &rules[i], sizeof(rules[i]), -1) < 0)
			goto out;

	struct ho_commit commit = {
		.generation = sv->generation,
		.n_rules = (uint32_t)n_rules,
		.n_sockets = (uint32_t)n_slots + (ingress ? 1 : 0),
		.kpath_generation = svk_commit_generation(w, sv->generation),
	};

	rc = svw_send_msg(w, HO_COMMIT, &commit, sizeof(commit), -1);
	if (rc == 0) {
		w->ingress_sent = true;
		w->config_digest = digest;
		svp_sent(w, sv->generation, n_rules);
		svw_expect_ack(w);
	}
out:
	free(slots);
	free(rules);
	return rc;
}

