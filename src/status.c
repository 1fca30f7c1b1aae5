#include "config.h"

#include "status.h"

#include "status_format.h"
#include "supervisor.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double since(const struct timespec *t, const struct timespec *now)
{
	return (double)(now->tv_sec - t->tv_sec) + (double)(now->tv_nsec - t->tv_nsec) / 1e9;
}

static void fmt_addr(in_addr_t a, char *buf)
{
	struct in_addr in = { .s_addr = a };

	inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

/* Listed workers are running or wanted (see status_render). */
static const char *worker_state(const struct sv_worker *w)
{
	if (w->pid > 0)
		return w->acked_generation ? "running" : "starting";
	return "restarting";
}

static void fill_worker(struct st_worker *o, const struct sv_worker *w,
			const struct timespec *now)
{
	const struct ho_worker_stats *s = &w->stats.worker;

	snprintf(o->input, sizeof(o->input), "%s", w->input);
	o->pid = w->pid;
	o->state = worker_state(w);
	o->uptime = w->pid > 0 ? since(&w->started, now) : 0;
	o->restarts = w->restarts;
	if (w->pid > 0 && w->stats.valid) {
		o->rx_packets = s->rx_packets;
		o->rx_bytes = s->rx_bytes;
		o->no_match = s->no_match;
		o->malformed = s->malformed;
		o->not_udp = s->not_udp;
		o->fragments = s->fragments;
		o->ttl_expired = s->ttl_expired;
		o->send_errors = s->send_errors;
		o->too_big = s->too_big;
		o->ring_drops = s->ring_drops;
		o->egress_full = s->egress_full;
	}
}

static const struct ho_rule_stats *rule_stats(const struct sv_worker *w, const char *name)
{
	if (w == NULL || w->pid <= 0 || !w->stats.valid)
		return NULL;
	for (size_t i = 0; i < w->stats.n_rules; i++)
		if (strcmp(w->stats.rules[i].name, name) == 0)
			return &w->stats.rules[i];
	return NULL;
}

static void fill_output(struct st_output *o, const struct supervisor *sv,
			const struct conf_rule *r, size_t k, const struct ho_rule_stats *rs)
{
	const struct conf_output *c = &r->outputs[k];
	uint16_t port = c->port ? c->port : r->port;

	snprintf(o->interface, sizeof(o->interface), "%s", c->ifname);
	fmt_addr(conf_output_group(r, c), o->group);
	o->port = port ? port : -1;
	o->active = sv_egress_find(sv, c->ifname) != NULL;
	for (size_t i = 0; rs != NULL && i < rs->n_outputs; i++) {
		const struct ho_output_stats *s = &rs->outputs[i];

		if (s->conf_index != k)
			continue;
		o->packets = s->packets;
		o->bytes = s->bytes;
		o->send_errors = s->send_errors;
		o->too_big = s->too_big;
		o->egress_full = s->egress_full;
		o->pps = s->pps;
		o->bps = s->bps;
	}
}

static void fill_rule(struct st_rule *o, const struct supervisor *sv,
		      const struct conf_rule *r, uint64_t now_ns)
{
	const struct sv_worker *w = sv_find_worker(sv, r->input);
	const struct ho_rule_stats *rs = rule_stats(w, r->name);

	snprintf(o->name, sizeof(o->name), "%s", r->name);
	snprintf(o->input, sizeof(o->input), "%s", r->input);
	fmt_addr(r->group, o->group);
	o->port = r->port ? r->port : -1;
	if (r->source)
		fmt_addr(r->source, o->source);
	o->active = w != NULL && w->wanted;
	o->last_packet_age = -1;
	if (rs != NULL) {
		o->packets_in = rs->packets_in;
		o->bytes_in = rs->bytes_in;
		o->ttl_expired = rs->ttl_expired;
		o->pps = rs->pps;
		o->bps = rs->bps;
		if (rs->last_packet_ns && rs->last_packet_ns <= now_ns)
			o->last_packet_age = (double)(now_ns - rs->last_packet_ns) / 1e9;
	}
	o->n_outputs = r->n_outputs;
	for (size_t k = 0; k < r->n_outputs; k++)
		fill_output(&o->outputs[k], sv, r, k, rs);
}

void status_render(const struct supervisor *sv, bool json, struct strbuf *out)
{
	struct timespec now;
	struct st_status st = {
		.version = PACKAGE_VERSION,
		.config = sv->conf.path,
		.generation = sv->generation,
		.pid = (int)getpid(),
	};

	clock_gettime(CLOCK_MONOTONIC, &now);
	st.uptime = since(&sv->started, &now);
	st.workers = calloc(sv->n_workers + 1, sizeof(*st.workers));
	st.rules = calloc(sv->conf.n_rules + 1, sizeof(*st.rules));
	if (st.workers == NULL || st.rules == NULL)
		abort();
	/* A pending input has no worker; its rules say so. */
	for (size_t i = 0; i < sv->n_workers; i++)
		if (sv->workers[i]->pid > 0 || sv->workers[i]->wanted)
			fill_worker(&st.workers[st.n_workers++], sv->workers[i], &now);
	uint64_t now_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;

	for (size_t i = 0; i < sv->conf.n_rules; i++)
		fill_rule(&st.rules[st.n_rules++], sv, &sv->conf.rules[i], now_ns);
	if (json)
		status_format_json(&st, out);
	else
		status_format_text(&st, out);
	free(st.workers);
	free(st.rules);
}
