#include "config.h"

#include "supervisor/sv_status.h"

#include "supervisor/sv_egress.h"
#include "supervisor/sv_input.h"
#include "supervisor/sv_kpath.h"
#include "supervisor/sv_progress.h"
#include "supervisor/sv_udp.h"

#include "lib/conf_udp.h"
#include "lib/conf_values.h"
#include "lib/stats_set.h"
#include "lib/status_format.h"

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

static void fmt_addr(const struct addr *a, char *buf, size_t len)
{
	addr_format(a, buf, len);
}

/* "239.1.0.0/16" for a prefix, the address alone for one address. */
static void fmt_prefix(const struct addr *a, unsigned plen, char *buf, size_t len)
{
	char s[ADDR_STRLEN];

	if (plen == addr_bits(a))
		addr_format(a, buf, len);
	else
		snprintf(buf, len, "%s/%u", addr_format(a, s, sizeof(s)), plen);
}

/* Listed workers are running or wanted (see sv_status_render). */
static const char *worker_state(const struct sv_worker *w)
{
	if (w->pid > 0)
		return w->progress.adopted ? "running" : "starting";
	return "restarting";
}

/* "seccomp,chroot,landlock:7": what confines a worker, as its ACK says. */
static void describe_sandbox(uint32_t flags, uint32_t abi, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", flags & HO_SANDBOX_SECCOMP ? "seccomp," : "",
		 flags & HO_SANDBOX_CHROOT ? "chroot," : "");
	if (flags & HO_SANDBOX_LANDLOCK) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, "landlock:%u", abi);
	} else if (buf[0]) {
		buf[strlen(buf) - 1] = '\0';	/* the last comma */
	}
}

static void fill_worker(struct st_worker *o, const struct sv_worker *w,
			const struct timespec *now)
{
	const struct ho_worker_stats *s = &w->stats.worker;

	snprintf(o->input, sizeof(o->input), "%s", w->input);
	o->index = w->index;
	o->pid = w->pid;
	o->state = worker_state(w);
	o->uptime = w->pid > 0 ? since(&w->started, now) : 0;
	o->restarts = w->restarts;
	o->answering = !w->stats_silent;
	o->counters_age = w->stats.valid ? since(&w->stats_taken, now) : -1;
	if (w->pid > 0 && w->stats.valid)
		stats_set_fill_worker(o, s);
	o->ring_drops = w->ring_drops;
	if (w->pid > 0 && w->progress.adopted)
		describe_sandbox(w->sandbox, w->landlock_abi, o->sandbox, sizeof(o->sandbox));
}

static void fill_output(struct st_output *o, const struct supervisor *sv,
			const struct conf_rule *r, size_t k)
{
	const struct conf_output *c = &r->outputs[k];
	uint16_t port = conf_output_port(r, c);

	if (c->kind == OUTPUT_UDP) {
		o->udp = true;
		conf_udp_format(&c->udp, o->dest, sizeof(o->dest));
		o->port = c->udp.port;
		o->active = sv_udp_find(sv, &c->udp) != NULL;
		return;
	}
	snprintf(o->interface, sizeof(o->interface), "%s", c->ifname);
	o->vlan = c->vlan;
	/* A prefix rule's output without a group sends each packet to its own. */
	if (conf_output_keeps_group(r, c))
		fmt_prefix(&r->group, r->group_len, o->group, sizeof(o->group));
	else
		fmt_addr(conf_output_group(r, c), o->group, sizeof(o->group));
	o->port = port ? port : -1;
	for (size_t i = 0; i < sv->n_workers && !o->active; i++)
		o->active = sv_rule_on(sv->workers[i], r) &&
			    svw_egress_find(sv->workers[i], c->ifname) != NULL;
}

/* Active: every worker of its input runs this very configuration, not an older one. */
static bool rule_active(const struct supervisor *sv, const struct conf_rule *r)
{
	const struct sv_input *in = svi_find(sv, r->input);
	bool any = false;

	if (in == NULL || !in->wanted)
		return false;
	for (size_t i = 0; i < sv->n_workers; i++) {
		const struct sv_worker *w = sv->workers[i];

		if (w->in != in || !w->wanted)
			continue;
		if (!svp_current(w))
			return false;
		any = true;
	}
	return any;
}

static bool input_configured(const struct supervisor *sv, const char *name)
{
	for (size_t i = 0; i < sv->conf.n_rules; i++)
		if (strcmp(sv->conf.rules[i].input, name) == 0)
			return true;
	return false;
}

/* The kernel path's share of a rule's counters, and which path carries it. */
static void add_kernel(struct st_rule *o, const struct supervisor *sv,
		       const struct conf_rule *r, uint64_t now_ns)
{
	struct sv_input *in = svi_find(sv, r->input);
	size_t i = (size_t)(r - sv->conf.rules);
	struct svk_counts k;

	snprintf(o->path, sizeof(o->path), "packet");
	if (in == NULL)
		return;
	if (svk_rule_kernel(in, i))
		snprintf(o->path, sizeof(o->path), "kernel");
	snprintf(o->path_reason, sizeof(o->path_reason), "%s", svk_rule_reason(in, i));
	if (!svk_rule_counts(in, i, &k))
		return;
	o->packets_in += k.packets;
	o->bytes_in += k.bytes;
	o->ttl_expired += k.ttl_expired;
	o->pps += k.pps;
	o->bps += k.bps;
	if (r->monitor != CONF_MONITOR_OFF) {
		monitor_counts_add(&o->upstream, &k.monitor);
		o->upstream_lost = monitor_lost(&o->upstream);
	}
	if (k.last_ns && k.last_ns <= now_ns) {
		double age = (double)(now_ns - k.last_ns) / 1e9;

		if (o->last_packet_age < 0 || age < o->last_packet_age)
			o->last_packet_age = age;
	}
	for (size_t n = 0; n < o->n_outputs && n < KPATH_MAX_OUTPUTS; n++) {
		struct st_output *out = &o->outputs[n];

		out->packets += k.out_packets[n];
		out->bytes += k.out_bytes[n];
		out->too_big += k.out_too_big[n];
		out->send_errors += k.out_errors[n];
		out->pps += k.out_pps[n];
		out->bps += k.out_bps[n];
	}
}

/* A rule's counters are the sum over its input's workers, and the kernel path's. */
static void fill_rule(struct st_rule *o, const struct supervisor *sv,
		      const struct conf_rule *r, uint64_t now_ns)
{
	snprintf(o->name, sizeof(o->name), "%s", r->name);
	snprintf(o->input, sizeof(o->input), "%s", r->input);
	o->vlan = r->vlan;
	fmt_prefix(&r->group, r->group_len, o->group, sizeof(o->group));
	o->port = r->port ? r->port : -1;
	o->port_last = r->port ? r->port_last : -1;
	if (addr_is_set(&r->source))
		fmt_prefix(&r->source, r->source_len, o->source, sizeof(o->source));
	o->active = rule_active(sv, r);
	o->last_packet_age = -1;
	snprintf(o->monitor, sizeof(o->monitor), "%s", conf_monitor_name(r->monitor));
	o->n_outputs = r->n_outputs;
	for (size_t k = 0; k < r->n_outputs; k++)
		fill_output(&o->outputs[k], sv, r, k);
	for (size_t i = 0; i < sv->n_workers; i++) {
		const struct sv_worker *w = sv->workers[i];
		const struct ho_rule_stats *rs;

		if (w->pid <= 0 || strcmp(w->input, r->input) != 0)
			continue;
		if ((rs = stats_set_find(&w->stats, r->name)) != NULL)
			stats_set_add_rule(o, rs, now_ns);
	}
	add_kernel(o, sv, r, now_ns);
}

void sv_status_render(const struct supervisor *sv, enum status_form form, struct strbuf *out)
{
	struct timespec now;
	struct st_status st = {
		.version = PACKAGE_VERSION,
		.config = sv->conf.path,
		.generation = sv->generation,
		.pid = (int)getpid(),
		.reloads_ok = sv->reloads_ok,
		.reloads_failed = sv->reloads_failed,
		.last_load_time = (double)sv->loaded_at.tv_sec + (double)sv->loaded_at.tv_nsec / 1e9,
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
	size_t max_ifaces = sv->conf.n_rules * CONF_MAX_OUTPUTS + 1;

	st.inputs = calloc(sv->n_inputs + 1, sizeof(*st.inputs));
	st.ifaces = calloc(max_ifaces, sizeof(*st.ifaces));
	if (st.inputs == NULL || st.ifaces == NULL)
		abort();
	for (size_t i = 0; i < sv->n_inputs; i++) {
		if (!input_configured(sv, sv->inputs[i]->name))
			continue;
		svk_status(sv->inputs[i], &st.inputs[st.n_inputs++]);
		svk_output_ifaces(sv->inputs[i], st.ifaces, &st.n_ifaces, max_ifaces);
	}
	status_render(&st, form, out);
	free(st.workers);
	free(st.rules);
	free(st.inputs);
	free(st.ifaces);
}
