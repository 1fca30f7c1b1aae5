#include "config.h"

#include "supervisor.h"

#include "channel.h"
#include "handoff.h"
#include "log.h"
#include "spawn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 30000
#define STABLE_AFTER_S 60

struct sv_worker *svw_new(struct supervisor *sv, const char *input)
{
	struct sv_worker *w = calloc(1, sizeof(*w));

	if (w == NULL)
		fatal(71, "calloc");
	w->sv = sv;
	snprintf(w->input, sizeof(w->input), "%s", input);
	w->ingress_fd = -1;
	w->chan = -1;
	return w;
}

void svw_close_sockets(struct sv_worker *w)
{
	if (w->ingress_fd >= 0)
		close(w->ingress_fd);
	w->ingress_fd = -1;
	membership_close(&w->joins);
	w->sockets_generation = 0;
}

void svw_free(struct sv_worker *w)
{
	if (w->ev_chan)
		event_free(w->ev_chan);
	if (w->ev_respawn)
		event_free(w->ev_respawn);
	if (w->chan >= 0)
		close(w->chan);
	svw_close_sockets(w);
	free(w->stats.rules);
	free(w->stats.partial);
	free(w);
}

static bool rule_on(const struct sv_worker *w, const struct conf_rule *r)
{
	return strcmp(r->input, w->input) == 0;
}

/* An any-source join already covers a source-specific one for the same group. */
static bool covered_by_any_source(const struct conf *c, const struct conf_rule *r)
{
	for (size_t i = 0; i < c->n_rules; i++)
		if (strcmp(c->rules[i].input, r->input) == 0 &&
		    c->rules[i].group == r->group && c->rules[i].source == 0)
			return true;
	return false;
}

/*
 * Opens a fresh ingress socket if there is none, and (re)builds the group
 * memberships; on a running worker the filter of its socket is replaced.
 * New memberships are joined before the old ones are left, so groups that
 * stay are never left.
 */
int svw_open_sockets(struct sv_worker *w)
{
	const struct conf *c = &w->sv->conf;
	in_addr_t *groups = calloc(c->n_rules + 1, sizeof(*groups));
	struct membership_set joins = { 0 };
	size_t n = 0;
	char g[INET_ADDRSTRLEN];

	if (groups == NULL)
		return -1;
	if (iface_lookup(w->input, &w->info) < 0) {
		log_warn("interface %s", w->input);
		goto fail;
	}
	for (size_t i = 0; i < c->n_rules; i++) {
		const struct conf_rule *r = &c->rules[i];

		if (!rule_on(w, r))
			continue;
		groups[n++] = r->group;
		if (r->source && covered_by_any_source(c, r))
			continue;
		if (membership_join(&joins, w->info.ifindex, r->group, r->source) < 0) {
			inet_ntop(AF_INET, &r->group, g, sizeof(g));
			log_warn("rule %s: cannot join %s on %s", r->name, g, w->input);
			goto fail;
		}
	}
	if (w->ingress_fd < 0) {
		ring_params_resolve(&c->ring, w->info.mtu, (uint32_t)sysconf(_SC_PAGESIZE),
				    &w->ring);
		w->ingress_fd = psock_open_ingress(w->info.ifindex, groups, n, &w->ring);
		if (w->ingress_fd < 0) {
			log_warn("cannot open the ingress socket on %s", w->input);
			goto fail;
		}
	} else if (psock_set_filter(w->ingress_fd, groups, n) < 0) {
		log_warn("cannot update the filter on %s", w->input);
		goto fail;
	}
	membership_close(&w->joins);
	w->joins = joins;
	w->sockets_generation = w->sv->generation;
	free(groups);
	return 0;
fail:
	membership_close(&joins);
	free(groups);
	return -1;
}

static int send_msg(struct sv_worker *w, enum handoff_type type, const void *payload,
		    size_t len, int fd)
{
	if (channel_send_msg(w->chan, type, w->token, payload, len, fd) < 0) {
		log_warn("cannot send %s to worker[%s]", handoff_type_name(type), w->input);
		return -1;
	}
	return 0;
}

static int send_socket(struct sv_worker *w, uint32_t role, uint32_t slot,
		       const struct iface_info *info, int fd)
{
	struct ho_socket s = {
		.role = role, .slot = slot, .ifindex = info->ifindex, .mtu = info->mtu,
	};

	snprintf(s.ifname, sizeof(s.ifname), "%s", info->name);
	memcpy(s.mac, info->mac, 6);
	if (role == HO_ROLE_INGRESS) {
		s.ring_block_size = w->ring.block_size;
		s.ring_blocks = w->ring.blocks;
		s.ring_timeout_ms = w->ring.timeout_ms;
	}
	return send_msg(w, HO_SOCKET, &s, sizeof(s), fd);
}

/* The egress slots of this worker: each output interface once, in order of use. */
static int slot_of(struct sv_egress **slots, size_t *n, struct sv_egress *e)
{
	for (size_t i = 0; i < *n; i++)
		if (slots[i] == e)
			return (int)i;
	slots[*n] = e;
	return (int)(*n)++;
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The rules of this worker, with the outputs whose interfaces are up. */
static size_t build_rules(struct sv_worker *w, struct ho_rule *rules,
			  struct sv_egress **slots, size_t *n_slots)
{
	const struct conf *c = &w->sv->conf;
	size_t n_rules = 0;

	for (size_t i = 0; i < c->n_rules; i++) {
		const struct conf_rule *r = &c->rules[i];
		struct ho_rule *m = &rules[n_rules++];

		if (!rule_on(w, r)) {
			n_rules--;
			continue;
		}
		memset(m, 0, sizeof(*m));
		snprintf(m->name, sizeof(m->name), "%s", r->name);
		m->group = r->group;
		m->source = r->source;
		m->port = htons(r->port);
		m->ttl_mode = (uint8_t)r->ttl_mode;
		m->ttl = r->ttl;
		for (size_t k = 0; k < r->n_outputs; k++) {
			struct sv_egress *e = sv_egress_find(w->sv, r->outputs[k].ifname);
			struct ho_output *o = &m->outputs[m->n_outputs];

			if (e == NULL)
				continue;	/* pending: interface absent or down */
			o->slot = (uint32_t)slot_of(slots, n_slots, e);
			o->group = conf_output_group(r, &r->outputs[k]);
			o->port = htons(r->outputs[k].port);
			o->conf_index = (uint8_t)k;
			m->n_outputs++;
		}
	}
	return n_rules;
}

static uint64_t config_digest(const struct sv_worker *w, const struct ho_setup *setup,
			      const struct ho_rule *rules, size_t n_rules,
			      struct sv_egress *const *slots, size_t n_slots)
{
	uint64_t h = fnv1a(0xcbf29ce484222325ULL, setup, sizeof(*setup));

	h = fnv1a(h, &w->info.ifindex, sizeof(w->info.ifindex));
	for (size_t i = 0; i < n_slots; i++)
		h = fnv1a(h, &slots[i]->info, sizeof(slots[i]->info));
	return fnv1a(h, rules, n_rules * sizeof(*rules));
}

/*
 * Sends the worker its whole configuration, unless it already has exactly
 * this one (force: always, for a new process).  The worker swaps to it
 * between two batches of packets; its ingress socket, and the packets
 * queued on it, stay the same.
 */
int svw_send_config(struct sv_worker *w, bool force)
{
	struct supervisor *sv = w->sv;
	const struct conf *c = &sv->conf;
	size_t max = c->n_rules * CONF_MAX_OUTPUTS + 1, n_slots = 0, n_rules;
	struct sv_egress **slots = calloc(max, sizeof(*slots));
	struct ho_rule *rules = calloc(c->n_rules + 1, sizeof(*rules));
	struct ho_setup setup = { .uid = sv->uid, .gid = sv->gid,
				  .log_level = (uint32_t)c->log_level };
	int rc = -1;

	if (slots == NULL || rules == NULL)
		goto out;
	snprintf(setup.input, sizeof(setup.input), "%s", w->input);
	n_rules = build_rules(w, rules, slots, &n_slots);

	uint64_t digest = config_digest(w, &setup, rules, n_rules, slots, n_slots);

	if (!force && digest == w->config_digest) {
		if (w->acked_generation)
			w->acked_generation = sv->generation;
		rc = 0;
		goto out;
	}
	if (send_msg(w, HO_SETUP, &setup, sizeof(setup), -1) < 0 ||
	    send_socket(w, HO_ROLE_INGRESS, 0, &w->info, w->ingress_fd) < 0)
		goto out;
	for (size_t i = 0; i < n_slots; i++)
		if (send_socket(w, HO_ROLE_EGRESS, (uint32_t)i, &slots[i]->info,
				slots[i]->fd) < 0)
			goto out;
	for (size_t i = 0; i < n_rules; i++)
		if (send_msg(w, HO_RULE, &rules[i], sizeof(rules[i]), -1) < 0)
			goto out;

	struct ho_commit commit = {
		.generation = sv->generation,
		.n_rules = (uint32_t)n_rules,
		.n_sockets = (uint32_t)n_slots + 1,
	};

	rc = send_msg(w, HO_COMMIT, &commit, sizeof(commit), -1);
	if (rc == 0)
		w->config_digest = digest;
out:
	free(slots);
	free(rules);
	return rc;
}

int svw_request_stats(struct sv_worker *w)
{
	if (w->chan < 0 || w->acked_generation == 0)
		return -1;
	if (send_msg(w, HO_STATS_REQ, NULL, 0, -1) < 0)
		return -1;
	w->stats_pending++;
	return 0;
}

/* Assembles a worker's counters, which may come in several messages. */
static void take_stats(struct sv_worker *w, const void *payload)
{
	const struct ho_worker_stats *ws = payload;
	const struct ho_rule_stats *rs = (const struct ho_rule_stats *)(ws + 1);
	struct sv_stats *st = &w->stats;

	if (ws->first_rule == 0) {
		free(st->partial);
		st->partial = calloc(ws->total_rules + 1, sizeof(*rs));
		st->n_partial = 0;
		if (st->partial == NULL)
			fatal(71, "calloc");
	}
	if (st->partial == NULL || ws->first_rule != st->n_partial)
		return;	/* out of step: wait for the next complete set */
	memcpy(st->partial + st->n_partial, rs, ws->n_rules * sizeof(*rs));
	st->n_partial += ws->n_rules;
	if (st->n_partial < ws->total_rules)
		return;
	free(st->rules);
	st->rules = st->partial;
	st->n_rules = st->n_partial;
	st->partial = NULL;
	st->n_partial = 0;
	st->worker = *ws;
	st->valid = true;
	if (w->stats_pending > 0 && --w->stats_pending == 0)
		sv_worker_stats_done(w->sv);
}

static void handle_message(struct sv_worker *w)
{
	static struct channel_msg m;	/* 64 KiB: off the stack */
	int rc = channel_recv_msg(w->chan, w->token, &m);

	if (rc == -1 && errno == EAGAIN)
		return;
	if (rc == 1)
		channel_close_fds(m.fds, m.nfds);	/* a worker sends none */
	if (rc == 1 && m.hdr.type != HO_ACK && m.hdr.type != HO_STATS) {
		rc = -2;
		m.error = HO_ETYPE;
	}
	if (rc <= 0) {
		/* The worker is gone or broken; SIGCHLD does the rest. */
		if (rc == -1)
			log_warn("worker[%s]: bad message", w->input);
		else if (rc == -2)
			log_warnx("worker[%s]: bad %s message: %s; stopping it", w->input,
				  handoff_type_name(m.hdr.type), handoff_strerror(m.error));
		event_del(w->ev_chan);
		if (w->pid > 0)
			kill(w->pid, SIGKILL);
		return;
	}
	if (m.hdr.type == HO_ACK) {
		const struct ho_ack *ack = m.payload;

		w->acked_generation = ack->generation;
		log_debug("worker[%s] (pid %d) adopted configuration %u: %u rules, %u sockets",
			  w->input, ack->pid, ack->generation, ack->n_rules, ack->n_sockets);
		sv_check_acked(w->sv);
	} else {
		take_stats(w, m.payload);
	}
}

static void on_channel(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	handle_message(arg);
}

int svw_start(struct sv_worker *w)
{
	struct spawned sp;

	if ((w->ingress_fd < 0 || w->sockets_generation != w->sv->generation) &&
	    svw_open_sockets(w) < 0)
		return -1;
	if (spawn_worker(w->input, &sp) < 0) {
		log_warn("cannot start worker[%s]", w->input);
		return -1;
	}
	w->pid = sp.pid;
	w->chan = sp.chan;
	w->token = sp.token;
	w->acked_generation = 0;
	w->stats.valid = false;
	clock_gettime(CLOCK_MONOTONIC, &w->started);
	if (svw_send_config(w, true) < 0) {
		kill(w->pid, SIGKILL);
		return 0;	/* reaped and retried like any other failure */
	}
	evutil_make_socket_nonblocking(w->chan);
	w->ev_chan = event_new(w->sv->base, w->chan, EV_READ | EV_PERSIST, on_channel, w);
	if (w->ev_chan == NULL || event_add(w->ev_chan, NULL) < 0)
		fatalx(70, "cannot watch the channel of worker[%s]", w->input);
	log_info("started worker[%s] (pid %d)", w->input, w->pid);
	return 0;
}

void svw_stop(struct sv_worker *w)
{
	/* End of file on its channel makes a worker exit. */
	if (w->ev_chan) {
		event_free(w->ev_chan);
		w->ev_chan = NULL;
	}
	if (w->chan >= 0) {
		close(w->chan);
		w->chan = -1;
	}
	if (w->ev_respawn)
		event_del(w->ev_respawn);
	if (w->stats_pending) {
		w->stats_pending = 0;
		sv_worker_stats_done(w->sv);
	}
}

static void on_respawn(evutil_socket_t fd, short what, void *arg)
{
	struct sv_worker *w = arg;

	(void)fd;
	(void)what;
	if (w->sv->stopping || !w->wanted)
		return;
	if (svw_start(w) < 0)
		svw_exited(w, -1);
}

static void describe_status(int status, char *buf, size_t len)
{
	if (status < 0)
		snprintf(buf, len, "failed to start");
	else if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "stopped (status 0x%x)", status);
}

static void schedule_respawn(struct sv_worker *w, const char *cause)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (w->backoff_ms == 0 || now.tv_sec - w->started.tv_sec >= STABLE_AFTER_S)
		w->backoff_ms = BACKOFF_FIRST_MS;
	else
		w->backoff_ms = w->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
								   : w->backoff_ms * 2;
	w->restarts++;
	log_warnx("worker[%s] %s; restart %u in %u ms", w->input, cause, w->restarts,
		  w->backoff_ms);
	if (w->ev_respawn == NULL)
		w->ev_respawn = evtimer_new(w->sv->base, on_respawn, w);
	struct timeval tv = { .tv_sec = w->backoff_ms / 1000,
			      .tv_usec = (w->backoff_ms % 1000) * 1000 };

	if (w->ev_respawn == NULL || evtimer_add(w->ev_respawn, &tv) < 0)
		fatalx(70, "cannot schedule a restart of worker[%s]", w->input);
}

/* Called when the worker process is gone (status < 0: could not be started). */
void svw_exited(struct sv_worker *w, int status)
{
	char cause[96];

	describe_status(status, cause, sizeof(cause));
	w->pid = 0;
	w->acked_generation = 0;
	w->config_digest = 0;
	svw_stop(w);
	/* A replacement gets fresh sockets. */
	svw_close_sockets(w);
	if (w->sv->stopping || !w->wanted) {
		log_info("worker[%s] %s", w->input, cause);
		return;
	}
	if (w->replace) {
		w->replace = false;
		log_info("worker[%s] %s; replacing it for the new interface", w->input,
			 cause);
		if (svw_start(w) == 0)
			return;
	}
	schedule_respawn(w, cause);
}
