#include "config.h"

#include "lib/status_format.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/*
 * A number with this many decimals, or null for one that JSON cannot
 * write (NaN, infinity): a sum of rates can overflow, whatever the
 * workers reported.
 */
static void json_real(struct strbuf *b, double v, int decimals)
{
	if (isfinite(v))
		sb_printf(b, "%.*f", decimals, v);
	else
		sb_printf(b, "null");
}

static void json_port(struct strbuf *b, int port)
{
	if (port < 0)
		sb_printf(b, "null");
	else
		sb_printf(b, "%d", port);
}

static void json_vlan(struct strbuf *b, unsigned vlan)
{
	if (vlan)
		sb_printf(b, ", \"vlan\": %u", vlan);
	else
		sb_printf(b, ", \"vlan\": null");
}

/*
 * Room for a name of the configuration with every byte escaped.  The
 * table escapes what it is given; the JSON escapes its own way.
 */
#define ESCAPED_NAME 260

/* "eth0", or "eth0 vlan 100": as the configuration says it, escaped. */
static const char *iface_vlan(const char *ifname, unsigned vlan, char buf[ESCAPED_NAME])
{
	char name[ESCAPED_NAME];

	str_escaped(name, sizeof(name), ifname, false);
	if (vlan)
		snprintf(buf, ESCAPED_NAME, "%.240s vlan %u", name, vlan);
	else
		snprintf(buf, ESCAPED_NAME, "%s", name);
	return buf;
}

static void json_output(struct strbuf *b, const struct st_output *o)
{
	if (o->udp) {
		sb_printf(b, "{\"type\": \"udp\", \"destination\": ");
		sb_json_string(b, o->dest);
		sb_printf(b, ", \"interface\": null, \"vlan\": null, \"group\": null, \"port\": ");
	} else {
		sb_printf(b, "{\"type\": \"multicast\", \"interface\": ");
		sb_json_string(b, o->interface);
		json_vlan(b, o->vlan);
		sb_printf(b, ", \"group\": ");
		sb_json_string(b, o->group);
		sb_printf(b, ", \"port\": ");
	}
	json_port(b, o->port);
	sb_printf(b, ", \"state\": \"%s\", \"packets_out\": %" PRIu64
		  ", \"bytes_out\": %" PRIu64 ", \"pps\": ",
		  o->active ? "active" : "pending", o->packets, o->bytes);
	json_real(b, o->pps, 1);
	sb_printf(b, ", \"bps\": ");
	json_real(b, o->bps, 1);
	sb_printf(b, ", \"send_errors\": %" PRIu64 ", \"too_big\": %" PRIu64
		  ", \"egress_full\": %" PRIu64 "}",
		  o->send_errors, o->too_big, o->egress_full);
}

/* Whether a rule's upstream loss is watched (its monitor counts mean something). */
static bool monitored(const struct st_rule *r)
{
	return strcmp(r->monitor, "rtp") == 0 || strcmp(r->monitor, "mpegts") == 0;
}

/* "monitor": "rtp", "upstream_lost": N, "upstream": {...}; null for both when off. */
static void json_monitor(struct strbuf *b, const struct st_rule *r)
{
	const struct monitor_counts *u = &r->upstream;

	sb_printf(b, ", \"monitor\": \"%s\", \"upstream_lost\": ",
		  monitored(r) ? r->monitor : "off");
	if (!monitored(r)) {
		sb_printf(b, "null, \"upstream\": null");
		return;
	}
	sb_printf(b, "%" PRIu64 ", \"upstream\": {\"missing\": %" PRIu64 ", \"filled\": %" PRIu64
		  ", \"errors\": %" PRIu64 ", \"reordered\": %" PRIu64 ", \"duplicates\": %" PRIu64
		  ", \"resyncs\": %" PRIu64 ", \"invalid\": %" PRIu64 ", \"sources\": %" PRIu64
		  ", \"evicted\": %" PRIu64 "}",
		  r->upstream_lost, u->missing, u->filled, u->errors, u->reordered, u->duplicates,
		  u->resyncs, u->invalid, u->sources, u->evicted);
}

static void json_rule(struct strbuf *b, const struct st_rule *r)
{
	sb_printf(b, "{\"name\": ");
	sb_json_string(b, r->name);
	sb_printf(b, ", \"input\": ");
	sb_json_string(b, r->input);
	json_vlan(b, r->vlan);
	sb_printf(b, ", \"group\": ");
	sb_json_string(b, r->group);
	sb_printf(b, ", \"port\": ");
	json_port(b, r->port);
	sb_printf(b, ", \"port_last\": ");
	json_port(b, r->port_last);
	sb_printf(b, ", \"source\": ");
	if (r->source[0])
		sb_json_string(b, r->source);
	else
		sb_printf(b, "null");
	sb_printf(b, ", \"state\": \"%s\", \"packets_in\": %" PRIu64
		  ", \"bytes_in\": %" PRIu64 ", \"pps\": ",
		  r->active ? "active" : "pending", r->packets_in, r->bytes_in);
	json_real(b, r->pps, 1);
	sb_printf(b, ", \"bps\": ");
	json_real(b, r->bps, 1);
	sb_printf(b, ", \"ttl_expired\": %" PRIu64 ", \"last_packet_age_s\": ",
		  r->ttl_expired);
	if (r->last_packet_age < 0)
		sb_printf(b, "null");
	else
		json_real(b, r->last_packet_age, 3);
	sb_printf(b, ", \"path\": ");
	sb_json_string(b, r->path[0] ? r->path : "packet");
	sb_printf(b, ", \"path_reason\": ");
	if (r->path_reason[0])
		sb_json_string(b, r->path_reason);
	else
		sb_printf(b, "null");
	json_monitor(b, r);
	sb_printf(b, ", \"outputs\": [");
	for (size_t k = 0; k < r->n_outputs; k++) {
		sb_printf(b, "%s", k ? ", " : "");
		json_output(b, &r->outputs[k]);
	}
	sb_printf(b, "]}");
}

static void json_worker(struct strbuf *b, const struct st_worker *w)
{
	sb_printf(b, "{\"input\": ");
	sb_json_string(b, w->input);
	sb_printf(b, ", \"index\": %u, \"pid\": %d, \"state\": \"%s\", \"uptime_s\": ",
		  w->index, w->pid, w->state);
	json_real(b, w->uptime, 1);
	sb_printf(b, ", \"answering\": %s, \"counters_age_s\": ", w->answering ? "true" : "false");
	if (w->counters_age < 0)
		sb_printf(b, "null");
	else
		json_real(b, w->counters_age, 1);
	sb_printf(b, ", \"restarts\": %u"
		  ", \"rx_packets\": %" PRIu64 ", \"rx_bytes\": %" PRIu64
		  ", \"drops\": {\"no_match\": %" PRIu64 ", \"malformed\": %" PRIu64
		  ", \"not_udp\": %" PRIu64 ", \"fragments\": %" PRIu64
		  ", \"ttl_expired\": %" PRIu64 ", \"vlan\": %" PRIu64
		  ", \"send_errors\": %" PRIu64
		  ", \"too_big\": %" PRIu64 ", \"ring\": %" PRIu64
		  ", \"egress_full\": %" PRIu64 ", \"ipv6_ext\": %" PRIu64 "}"
		  ", \"kernel_path\": %" PRIu64 ", \"sandbox\": ",
		  w->restarts, w->rx_packets, w->rx_bytes,
		  w->no_match, w->malformed, w->not_udp, w->fragments, w->ttl_expired, w->vlan,
		  w->send_errors, w->too_big, w->ring_drops, w->egress_full, w->ipv6_ext,
		  w->kernel_path);
	if (w->sandbox[0])
		sb_json_string(b, w->sandbox);
	else
		sb_printf(b, "null");
	sb_printf(b, "}");
}

void status_format_json(const struct st_status *st, struct strbuf *b)
{
	sb_printf(b, "{\"version\": ");
	sb_json_string(b, st->version);
	sb_printf(b, ", \"config\": ");
	sb_json_string(b, st->config);
	sb_printf(b, ", \"generation\": %u, \"pid\": %d, \"uptime_s\": ", st->generation,
		  st->pid);
	json_real(b, st->uptime, 1);
	sb_printf(b, ",\n \"workers\": [");
	for (size_t i = 0; i < st->n_workers; i++) {
		sb_printf(b, "%s\n  ", i ? "," : "");
		json_worker(b, &st->workers[i]);
	}
	sb_printf(b, "],\n \"rules\": [");
	for (size_t i = 0; i < st->n_rules; i++) {
		sb_printf(b, "%s\n  ", i ? "," : "");
		json_rule(b, &st->rules[i]);
	}
	sb_printf(b, "],\n \"inputs\": [");
	for (size_t i = 0; i < st->n_inputs; i++) {
		const struct st_input *in = &st->inputs[i];

		sb_printf(b, "%s\n  {\"name\": ", i ? "," : "");
		sb_json_string(b, in->name);
		sb_printf(b, ", \"datapath\": \"%s\", \"kernel_path\": \"%s\", \"attach\": ",
			  in->datapath, in->kernel);
		if (in->attach)
			sb_printf(b, "\"%s\"", in->attach);
		else
			sb_printf(b, "null");
		sb_printf(b, ", \"program_id\": %u, \"rules\": %zu, \"kernel_rules\": %zu, "
			  "\"reason\": ", in->program_id, in->rules, in->kernel_rules);
		if (in->reason[0])
			sb_json_string(b, in->reason);
		else
			sb_printf(b, "null");
		if (in->counted)
			sb_printf(b, ", \"kernel\": {\"handled\": %" PRIu64
				  ", \"not_handleable\": %" PRIu64 ", \"no_rule\": %" PRIu64
				  ", \"packet_path\": %" PRIu64 "}}", in->handled,
				  in->not_handleable, in->no_rule, in->packet_path);
		else
			sb_printf(b, ", \"kernel\": null}");
	}
	sb_printf(b, "],\n \"output_interfaces\": [");
	for (size_t i = 0; i < st->n_ifaces; i++) {
		sb_printf(b, "%s\n  {\"name\": ", i ? "," : "");
		sb_json_string(b, st->ifaces[i].name);
		sb_printf(b, ", \"tx_dropped\": %" PRIu64 "}", st->ifaces[i].tx_dropped);
	}
	sb_printf(b, "]}\n");
}

/* 1234567 -> "1.23M"; keeps columns narrow.  "-" for what is not a number. */
static const char *human(double v, char buf[16])
{
	static const char units[] = " kMGTP";
	int u = 0;

	if (!isfinite(v)) {
		snprintf(buf, 16, "-");
		return buf;
	}
	while (v >= 1000 && u < 5) {
		v /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(buf, 16, "%.0f", v);
	else
		snprintf(buf, 16, "%.*f%c", v < 10 ? 2 : v < 100 ? 1 : 0, v, units[u]);
	return buf;
}

static const char *duration(double s, char buf[24])
{
	/* Converting what does not fit a long would be undefined. */
	if (!isfinite(s) || s < 0 || s >= 1e15) {
		snprintf(buf, 24, "-");
		return buf;
	}
	long t = (long)s;

	if (t < 60)
		snprintf(buf, 24, "%lds", t);
	else if (t < 3600)
		snprintf(buf, 24, "%ldm%02lds", t / 60, t % 60);
	else if (t < 86400)
		snprintf(buf, 24, "%ldh%02ldm", t / 3600, t / 60 % 60);
	else
		snprintf(buf, 24, "%ldd%02ldh", t / 86400, t / 3600 % 24);
	return buf;
}

/* An IPv6 address takes brackets before ":PORT". */
static const char *bracket_open(const char *a)
{
	return strchr(a, ':') ? "[" : "";
}

static const char *bracket_close(const char *a)
{
	return strchr(a, ':') ? "]" : "";
}

/* "s" unless there is one. */
static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

/*
 * "upstream rtp: 3 lost (4 missing, 1 filled late) in 2 gaps; 5 late, 0
 * duplicates, 1 restart, 0 not RTP; 2 streams": what the monitor saw.
 */
static void text_monitor(struct strbuf *b, const struct st_rule *r)
{
	const struct monitor_counts *u = &r->upstream;
	bool rtp = strcmp(r->monitor, "rtp") == 0;

	sb_printf(b, "%-16s upstream %s: %" PRIu64 " %slost", "", rtp ? "rtp" : "mpegts",
		  r->upstream_lost, rtp ? "" : "TS packets ");
	if (u->filled)
		sb_printf(b, " (%" PRIu64 " missing, %" PRIu64 " filled late)", u->missing,
			  u->filled);
	sb_printf(b, " in %" PRIu64 " %s%s; ", u->errors, rtp ? "gap" : "CC error",
		  plural(u->errors));
	if (rtp)
		sb_printf(b, "%" PRIu64 " late, ", u->reordered);
	sb_printf(b, "%" PRIu64 " duplicate%s, %" PRIu64 " %s%s, %" PRIu64 " not %s; %" PRIu64
		  " stream%s", u->duplicates, plural(u->duplicates), u->resyncs,
		  rtp ? "restart" : "discontinuit", rtp ? plural(u->resyncs)
							: u->resyncs == 1 ? "y" : "ies",
		  u->invalid, rtp ? "RTP" : "TS", u->sources - u->evicted,
		  plural(u->sources - u->evicted));
	if (u->evicted)
		sb_printf(b, " (%" PRIu64 " forgotten for room)", u->evicted);
	sb_printf(b, "\n");
}

static void text_rule(struct strbuf *b, const struct st_rule *r)
{
	char match[160], port[24] = "*", p[16], by[16], pps[16], bps[16], last[32], age[24];
	char iface[ESCAPED_NAME], name[ESCAPED_NAME];

	if (r->port >= 0 && r->port_last > r->port)
		snprintf(port, sizeof(port), "%d-%d", r->port, r->port_last);
	else if (r->port >= 0)
		snprintf(port, sizeof(port), "%d", r->port);
	snprintf(match, sizeof(match), "%s%s%s:%s%s%s", bracket_open(r->group), r->group,
		 bracket_close(r->group), port, r->source[0] ? " from " : "", r->source);
	if (r->last_packet_age < 0)
		snprintf(last, sizeof(last), "never");
	else
		snprintf(last, sizeof(last), "%s ago", duration(r->last_packet_age, age));
	sb_printf(b, "%-16s %-8s %-8s %-6s %-30s %8s %8s %8s %8s  %s\n",
		  str_escaped(name, sizeof(name), r->name, false),
		  iface_vlan(r->input, r->vlan, iface), r->active ? "active" : "pending",
		  r->path[0] ? r->path : "packet", match,
		  human((double)r->packets_in, p), human((double)r->bytes_in, by),
		  human(r->pps, pps), human(r->bps, bps), last);
	if (r->ttl_expired)
		sb_printf(b, "%-16s %" PRIu64 " dropped: TTL expired\n", "", r->ttl_expired);
	if (monitored(r))
		text_monitor(b, r);
	for (size_t k = 0; k < r->n_outputs; k++) {
		const struct st_output *o = &r->outputs[k];
		char dest[80], oport[12] = "*";

		if (o->port >= 0)
			snprintf(oport, sizeof(oport), "%d", o->port);
		if (o->udp)
			snprintf(dest, sizeof(dest), "-> %s", o->dest);
		else
			snprintf(dest, sizeof(dest), "-> %s%s%s:%s", bracket_open(o->group),
				 o->group, bracket_close(o->group), oport);
		sb_printf(b, "  %-14s %-8s %-8s %-6s %-30s %8s %8s %8s %8s", "",
			  o->udp ? "udp" : iface_vlan(o->interface, o->vlan, iface),
			  o->active ? "active" : "pending", "", dest,
			  human((double)o->packets, p), human((double)o->bytes, by),
			  human(o->pps, pps), human(o->bps, bps));
		if (o->send_errors || o->too_big || o->egress_full)
			sb_printf(b, "  %" PRIu64 " send errors, %" PRIu64 " too big, %" PRIu64
				  " queue full", o->send_errors, o->too_big, o->egress_full);
		sb_printf(b, "\n");
	}
}

/* Each input's data path, and what the kernel path's output devices dropped. */
static void text_inputs(const struct st_status *st, struct strbuf *b)
{
	char name[ESCAPED_NAME];

	if (st->n_inputs)
		sb_printf(b, "\n%-8s %-8s  %s\n", "INPUT", "DATAPATH", "KERNEL PATH");
	for (size_t i = 0; i < st->n_inputs; i++) {
		const struct st_input *in = &st->inputs[i];

		sb_printf(b, "%-8s %-8s  %s", str_escaped(name, sizeof(name), in->name, false),
			  in->datapath, in->kernel);
		if (in->attach)
			sb_printf(b, " (%s, program %u)", in->attach, in->program_id);
		sb_printf(b, ": %zu of %zu rules", in->kernel_rules, in->rules);
		if (in->counted)
			sb_printf(b, "; %" PRIu64 " frames relayed in the kernel, %" PRIu64
				  " matched no rule", in->handled, in->no_rule);
		if (in->reason[0])
			sb_printf(b, "; %s", in->reason);
		sb_printf(b, "\n");
	}
	for (size_t i = 0; i < st->n_ifaces; i++)
		sb_printf(b, "output %s: %" PRIu64 " frames dropped by the device\n",
			  str_escaped(name, sizeof(name), st->ifaces[i].name, false),
			  st->ifaces[i].tx_dropped);
}

/* As in the log: "eth0" for an input's first worker, "eth0/1" for the next. */
static void worker_name(const struct st_worker *w, char buf[ESCAPED_NAME])
{
	char input[ESCAPED_NAME];

	str_escaped(input, sizeof(input), w->input, false);
	if (w->index == 0)
		snprintf(buf, ESCAPED_NAME, "%s", input);
	else
		snprintf(buf, ESCAPED_NAME, "%.240s/%u", input, w->index);
}

void status_format_text(const struct st_status *st, struct strbuf *b)
{
	char up[24], config[4 * 4096 + 1];

	sb_printf(b, "mcrelay %s, pid %d, up %s, configuration %u (%s)\n\n", st->version,
		  st->pid, duration(st->uptime, up), st->generation,
		  str_escaped(config, sizeof(config), st->config, false));
	sb_printf(b, "%-16s %-8s %-8s %-6s %-30s %8s %8s %8s %8s  %s\n", "RULE", "IFACE",
		  "STATE", "PATH", "MATCH / OUTPUT", "PACKETS", "BYTES", "PKT/S", "BIT/S", "LAST PACKET");
	for (size_t i = 0; i < st->n_rules; i++)
		text_rule(b, &st->rules[i]);
	sb_printf(b, "\n%-8s %-8s %-10s %-8s %8s %8s %8s %8s %8s %8s %8s %8s %8s  %s\n", "WORKER",
		  "PID", "STATE", "UPTIME", "RESTARTS", "RX", "NOMATCH", "MALFORM", "VLAN",
		  "TTLEXP", "SENDERR", "QFULL", "RINGDROP", "SANDBOX");
	for (size_t i = 0; i < st->n_workers; i++) {
		const struct st_worker *w = &st->workers[i];
		char rx[16], name[ESCAPED_NAME];

		worker_name(w, name);
		sb_printf(b, "%-8s %-8d %-10s %-8s %8u %8s %8" PRIu64 " %8" PRIu64 " %8" PRIu64
			  " %8" PRIu64 " %8" PRIu64 " %8" PRIu64 " %8" PRIu64 "  %s\n",
			  name, w->pid, w->answering ? w->state : "no answer",
			  w->pid ? duration(w->uptime, up) : "-",
			  w->restarts, human((double)w->rx_packets, rx), w->no_match,
			  w->malformed + w->not_udp + w->fragments + w->ipv6_ext,
			  w->vlan, w->ttl_expired,
			  w->send_errors + w->too_big, w->egress_full, w->ring_drops,
			  w->sandbox[0] ? w->sandbox : "-");
	}
	for (size_t i = 0; i < st->n_workers; i++) {
		const struct st_worker *w = &st->workers[i];
		char name[ESCAPED_NAME], age[24];

		if (w->answering)
			continue;
		worker_name(w, name);
		if (w->counters_age < 0)
			sb_printf(b, "\nworker %s (pid %d) did not answer, and has sent no "
				  "counters yet\n", name, w->pid);
		else
			sb_printf(b, "\nworker %s (pid %d) did not answer: its counters, and its "
				  "share of the rules', are %s old\n", name, w->pid,
				  duration(w->counters_age, age));
	}
	text_inputs(st, b);
}
