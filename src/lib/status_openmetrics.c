#include "config.h"

#include "lib/status_openmetrics.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/*
 * Each family is written whole (its metadata, then every sample of it), as
 * both formats want; the names follow Prometheus's conventions: a counter
 * ends in _total, a unit is the name's last word.
 */
enum family_type { FAMILY_COUNTER, FAMILY_GAUGE, FAMILY_INFO };

struct family {
	const char *name;	/* without _total or _info */
	enum family_type type;
	const char *unit;	/* NULL: none */
	const char *help;	/* no backslash, double quote or line feed */
};

static const struct family
	F_UP = { "mcrelay_up", FAMILY_GAUGE, NULL,
		 "1: the daemon answered (these metrics come from it)" },
	F_BUILD = { "mcrelay_build", FAMILY_INFO, NULL, "The version of mcrelay running" },
	F_GENERATION = { "mcrelay_config_generation", FAMILY_GAUGE, NULL,
			 "The configuration running: 1 at start-up, one more at each successful reload" },
	F_RELOADS = { "mcrelay_config_reloads", FAMILY_COUNTER, NULL,
		      "Reloads since start-up (SIGHUP or mcrelay reload), by result" },
	F_LAST_RELOAD = { "mcrelay_config_last_reload_success_timestamp_seconds", FAMILY_GAUGE,
			  "seconds",
			  "When the configuration running was loaded (start-up or reload), in Unix time" },
	F_RULE_ACTIVE = { "mcrelay_rule_active", FAMILY_GAUGE, NULL,
			  "1: every worker of the rule's input runs it; 0: pending" },
	F_RULE_PACKETS = { "mcrelay_rule_packets", FAMILY_COUNTER, NULL,
			   "Packets the rule matched on its input" },
	F_RULE_BYTES = { "mcrelay_rule_bytes", FAMILY_COUNTER, "bytes",
			 "Bytes of the packets the rule matched (IP packets)" },
	F_RULE_LOST = { "mcrelay_rule_upstream_lost_packets", FAMILY_COUNTER, NULL,
			"Packets of the stream missing before they reached the input, as its monitor sees them" },
	F_OUT_ACTIVE = { "mcrelay_output_active", FAMILY_GAUGE, NULL,
			 "1: the output can send; 0: pending (interface absent or down, destination unreachable)" },
	F_OUT_PACKETS = { "mcrelay_output_packets", FAMILY_COUNTER, NULL,
			  "Packets the output sent" },
	F_OUT_BYTES = { "mcrelay_output_bytes", FAMILY_COUNTER, "bytes",
			"Bytes the output sent (IP packets, or a udp output's payloads)" },
	F_OUT_ERRORS = { "mcrelay_output_errors", FAMILY_COUNTER, NULL,
			 "Packets the output did not send, by reason: send_errors, too_big, egress_full" },
	F_WORKER_UP = { "mcrelay_worker_up", FAMILY_GAUGE, NULL,
			"1: the worker runs and answered for these counters" },
	F_WORKER_RESTARTS = { "mcrelay_worker_restarts", FAMILY_COUNTER, NULL,
			      "Times the worker was started again after it exited or was killed" },
	F_WORKER_PACKETS = { "mcrelay_worker_received_packets", FAMILY_COUNTER, NULL,
			     "Frames the worker took from its receive ring (this process only)" },
	F_WORKER_BYTES = { "mcrelay_worker_received_bytes", FAMILY_COUNTER, "bytes",
			   "Bytes of the frames the worker took (this process only)" },
	F_DROPS = { "mcrelay_dropped_packets", FAMILY_COUNTER, NULL,
		    "Frames the worker did not relay, by reason (this process only; "
		    "ring: the receive ring was full)" },
	F_KERNEL_RULES = { "mcrelay_input_kernel_path_rules", FAMILY_GAUGE, NULL,
			   "Rules of the input its kernel path (tc program) relays" },
	F_KERNEL_FRAMES = { "mcrelay_input_kernel_path_frames", FAMILY_COUNTER, NULL,
			    "Frames the input's kernel path saw, by result: handled (relayed there), "
			    "no_rule, packet_path, not_handleable (left to the workers)" },
	F_DEVICE_DROPS = { "mcrelay_output_device_dropped_packets", FAMILY_COUNTER, NULL,
			   "Frames the output interface's device dropped on transmit (tx_dropped; "
			   "the kernel path cannot see a full queue)" };

static const char *suffix(const struct family *f)
{
	return f->type == FAMILY_COUNTER ? "_total" : f->type == FAMILY_INFO ? "_info" : "";
}

static void family_head(struct strbuf *b, enum metrics_format fmt, const struct family *f)
{
	static const char *const om_type[] = { "counter", "gauge", "info" };

	if (fmt == METRICS_OPENMETRICS) {
		sb_printf(b, "# TYPE %s %s\n", f->name, om_type[f->type]);
		if (f->unit)
			sb_printf(b, "# UNIT %s %s\n", f->name, f->unit);
		sb_printf(b, "# HELP %s %s\n", f->name, f->help);
	} else {
		/* The samples' own name; an info is a gauge of value 1 there. */
		sb_printf(b, "# HELP %s%s %s\n", f->name, suffix(f), f->help);
		sb_printf(b, "# TYPE %s%s %s\n", f->name, suffix(f),
			  f->type == FAMILY_COUNTER ? "counter" : "gauge");
	}
}

void metrics_label_value(struct strbuf *b, const char *s)
{
	sb_printf(b, "\"");
	while (*s) {
		size_t n = str_utf8_length(s);

		if (*s == '\\' || *s == '"')
			sb_printf(b, "\\%c", *s);
		else if (*s == '\n')
			sb_printf(b, "\\n");
		else if (n == 0)
			sb_printf(b, "\xef\xbf\xbd");	/* not UTF-8: U+FFFD */
		else
			sb_printf(b, "%.*s", (int)n, s);
		s += n ? n : 1;
	}
	sb_printf(b, "\"");
}

/* A label set "{a="x",b="y"}", built pair by pair into a buffer used again. */
static void labels_reset(struct strbuf *l)
{
	l->len = 0;
	if (l->s)
		l->s[0] = '\0';
}

static void label(struct strbuf *l, const char *name, const char *value)
{
	if (l->len > 0)
		l->s[--l->len] = '\0';	/* the closing brace, put back after this pair */
	sb_printf(l, "%s%s=", l->len ? "," : "{", name);
	metrics_label_value(l, value);
	sb_printf(l, "}");
}

static void sample(struct strbuf *b, const struct family *f, const struct strbuf *l,
		   uint64_t v)
{
	sb_printf(b, "%s%s%s %" PRIu64 "\n", f->name, suffix(f), l->len ? l->s : "", v);
}

/* Both formats write these three as Go's strconv does. */
static void sample_real(struct strbuf *b, const struct family *f, const struct strbuf *l,
			double v)
{
	sb_printf(b, "%s%s%s ", f->name, suffix(f), l->len ? l->s : "");
	if (isnan(v))
		sb_printf(b, "NaN\n");
	else if (isinf(v))
		sb_printf(b, "%sInf\n", v > 0 ? "+" : "-");
	else
		sb_printf(b, "%.3f\n", v);
}

static void rule_labels(struct strbuf *l, const struct st_rule *r)
{
	labels_reset(l);
	label(l, "rule", r->name);
	label(l, "input", r->input);
	label(l, "path", r->path[0] ? r->path : "packet");
}

/*
 * output: the interface ("eth1", "eth1 vlan 200") or "udp"; destination:
 * where it sends ("239.2.2.2:6000", "239.2.2.2" keeping each packet's
 * port, "[ff3e::1]:6000", "10.0.0.5:7000").  A rule's outputs differ in
 * one or the other: the configuration refuses duplicates.
 */
static void output_labels(struct strbuf *l, const struct st_rule *r, const struct st_output *o)
{
	char out[48], dest[sizeof(o->group) + 16];
	bool v6 = strchr(o->group, ':') != NULL;

	rule_labels(l, r);
	if (o->udp) {
		snprintf(out, sizeof(out), "udp");
		snprintf(dest, sizeof(dest), "%s", o->dest);
	} else {
		if (o->vlan)
			snprintf(out, sizeof(out), "%s vlan %u", o->interface, o->vlan);
		else
			snprintf(out, sizeof(out), "%s", o->interface);
		if (o->port < 0)
			snprintf(dest, sizeof(dest), "%s", o->group);
		else
			snprintf(dest, sizeof(dest), "%s%s%s:%d", v6 ? "[" : "", o->group,
				 v6 ? "]" : "", o->port);
	}
	label(l, "output", out);
	label(l, "destination", dest);
}

static void worker_labels(struct strbuf *l, const struct st_worker *w)
{
	char index[16];

	snprintf(index, sizeof(index), "%u", w->index);
	labels_reset(l);
	label(l, "input", w->input);
	label(l, "worker", index);
}

static void daemon_families(struct strbuf *b, enum metrics_format fmt,
			    const struct st_status *st, struct strbuf *l)
{
	family_head(b, fmt, &F_UP);
	labels_reset(l);
	sample(b, &F_UP, l, 1);
	family_head(b, fmt, &F_BUILD);
	label(l, "version", st->version ? st->version : "");
	sample(b, &F_BUILD, l, 1);
	labels_reset(l);
	family_head(b, fmt, &F_GENERATION);
	sample(b, &F_GENERATION, l, st->generation);
	family_head(b, fmt, &F_RELOADS);
	label(l, "result", "success");
	sample(b, &F_RELOADS, l, st->reloads_ok);
	labels_reset(l);
	label(l, "result", "failure");
	sample(b, &F_RELOADS, l, st->reloads_failed);
	labels_reset(l);
	family_head(b, fmt, &F_LAST_RELOAD);
	sample_real(b, &F_LAST_RELOAD, l, st->last_load_time);
}

static void rule_families(struct strbuf *b, enum metrics_format fmt,
			  const struct st_status *st, struct strbuf *l)
{
	const struct family *fams[] = { &F_RULE_ACTIVE, &F_RULE_PACKETS, &F_RULE_BYTES,
					&F_RULE_LOST };

	for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
		family_head(b, fmt, fams[f]);
		for (size_t i = 0; i < st->n_rules; i++) {
			const struct st_rule *r = &st->rules[i];

			rule_labels(l, r);
			if (fams[f] == &F_RULE_ACTIVE)
				sample(b, fams[f], l, r->active);
			else if (fams[f] == &F_RULE_PACKETS)
				sample(b, fams[f], l, r->packets_in);
			else if (fams[f] == &F_RULE_BYTES)
				sample(b, fams[f], l, r->bytes_in);
			else {
				label(l, "monitor", r->monitor[0] ? r->monitor : "off");
				sample(b, fams[f], l, r->upstream_lost);
			}
		}
	}
}

static void output_families(struct strbuf *b, enum metrics_format fmt,
			    const struct st_status *st, struct strbuf *l)
{
	const struct family *fams[] = { &F_OUT_ACTIVE, &F_OUT_PACKETS, &F_OUT_BYTES,
					&F_OUT_ERRORS };

	for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
		family_head(b, fmt, fams[f]);
		for (size_t i = 0; i < st->n_rules; i++) {
			const struct st_rule *r = &st->rules[i];

			for (size_t k = 0; k < r->n_outputs && k < 16; k++) {
				const struct st_output *o = &r->outputs[k];

				output_labels(l, r, o);
				if (fams[f] == &F_OUT_ACTIVE) {
					sample(b, fams[f], l, o->active);
				} else if (fams[f] == &F_OUT_PACKETS) {
					sample(b, fams[f], l, o->packets);
				} else if (fams[f] == &F_OUT_BYTES) {
					sample(b, fams[f], l, o->bytes);
				} else {
					size_t len = l->len;
					const struct { const char *reason; uint64_t v; } errs[] = {
						{ "send_errors", o->send_errors },
						{ "too_big", o->too_big },
						{ "egress_full", o->egress_full },
					};

					for (size_t e = 0; e < 3; e++) {
						l->len = len;
						l->s[len] = '\0';
						label(l, "reason", errs[e].reason);
						sample(b, fams[f], l, errs[e].v);
					}
				}
			}
		}
	}
}

static void worker_drops(struct strbuf *b, const struct st_worker *w, struct strbuf *l)
{
	/* The reasons as status --json names its drops. */
	const struct { const char *reason; uint64_t v; } drops[] = {
		{ "no_match", w->no_match }, { "malformed", w->malformed },
		{ "not_udp", w->not_udp }, { "fragments", w->fragments },
		{ "ttl_expired", w->ttl_expired }, { "vlan", w->vlan },
		{ "ipv6_ext", w->ipv6_ext }, { "ring", w->ring_drops },
		{ "send_errors", w->send_errors }, { "too_big", w->too_big },
		{ "egress_full", w->egress_full },
	};

	for (size_t d = 0; d < sizeof(drops) / sizeof(drops[0]); d++) {
		worker_labels(l, w);
		label(l, "reason", drops[d].reason);
		sample(b, &F_DROPS, l, drops[d].v);
	}
}

static void worker_families(struct strbuf *b, enum metrics_format fmt,
			    const struct st_status *st, struct strbuf *l)
{
	const struct family *fams[] = { &F_WORKER_UP, &F_WORKER_RESTARTS, &F_WORKER_PACKETS,
					&F_WORKER_BYTES, &F_DROPS };

	for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
		family_head(b, fmt, fams[f]);
		for (size_t i = 0; i < st->n_workers; i++) {
			const struct st_worker *w = &st->workers[i];

			worker_labels(l, w);
			if (fams[f] == &F_WORKER_UP)
				sample(b, fams[f], l, w->pid > 0 && w->answering);
			else if (fams[f] == &F_WORKER_RESTARTS)
				sample(b, fams[f], l, w->restarts);
			else if (fams[f] == &F_WORKER_PACKETS)
				sample(b, fams[f], l, w->rx_packets);
			else if (fams[f] == &F_WORKER_BYTES)
				sample(b, fams[f], l, w->rx_bytes);
			else
				worker_drops(b, w, l);
		}
	}
}

/* Each input's kernel path, and the drops of the devices it sends on. */
static void input_families(struct strbuf *b, enum metrics_format fmt,
			   const struct st_status *st, struct strbuf *l)
{
	family_head(b, fmt, &F_KERNEL_RULES);
	for (size_t i = 0; i < st->n_inputs; i++) {
		labels_reset(l);
		label(l, "input", st->inputs[i].name);
		sample(b, &F_KERNEL_RULES, l, st->inputs[i].kernel_rules);
	}
	family_head(b, fmt, &F_KERNEL_FRAMES);
	for (size_t i = 0; i < st->n_inputs; i++) {
		const struct st_input *in = &st->inputs[i];
		const struct { const char *result; uint64_t v; } r[] = {
			{ "handled", in->handled }, { "no_rule", in->no_rule },
			{ "packet_path", in->packet_path }, { "not_handleable", in->not_handleable },
		};

		for (size_t k = 0; in->counted && k < sizeof(r) / sizeof(r[0]); k++) {
			labels_reset(l);
			label(l, "input", in->name);
			label(l, "result", r[k].result);
			sample(b, &F_KERNEL_FRAMES, l, r[k].v);
		}
	}
	family_head(b, fmt, &F_DEVICE_DROPS);
	for (size_t i = 0; i < st->n_ifaces; i++) {
		labels_reset(l);
		label(l, "interface", st->ifaces[i].name);
		sample(b, &F_DEVICE_DROPS, l, st->ifaces[i].tx_dropped);
	}
}

void status_format_metrics(const struct st_status *st, enum metrics_format fmt,
			   struct strbuf *b)
{
	struct strbuf l = { 0 };

	daemon_families(b, fmt, st, &l);
	rule_families(b, fmt, st, &l);
	output_families(b, fmt, st, &l);
	worker_families(b, fmt, st, &l);
	input_families(b, fmt, st, &l);
	if (fmt == METRICS_OPENMETRICS)
		sb_printf(b, "# EOF\n");
	sb_free(&l);
}
