#include "config.h"

#include "lib/conf.h"
#include "lib/conf_listen.h"
#include "lib/conf_udp.h"
#include "lib/conf_values.h"
#include "lib/strbuf.h"

#include <arpa/inet.h>
#include <string.h>

static void print_ttl(const struct conf_rule *r, FILE *fp)
{
	switch (r->ttl_mode) {
	case TTL_DECREMENT:
		fputs("decrement", fp);
		break;
	case TTL_KEEP:
		fputs("keep", fp);
		break;
	case TTL_SET:
		fprintf(fp, "set %u", r->ttl);
		break;
	}
}

/* "  -> udp 10.0.0.5:7000, ttl 5, source 10.0.0.1" */
static void print_udp(const struct conf_udp *u, FILE *fp)
{
	char dest[CONF_UDP_STRLEN], src[INET6_ADDRSTRLEN];

	fprintf(fp, "  -> udp %s, ttl ", conf_udp_format(u, dest, sizeof(dest)));
	if (u->ttl)
		fprintf(fp, "%u", u->ttl);
	else
		fputs("(kernel default)", fp);
	fprintf(fp, ", source %s\n",
		u->has_source ? conf_udp_format_addr(u->family, &u->source, src, sizeof(src))
			      : "(routing)");
}

static void print_workers(const char *what, const struct conf_workers *w, FILE *fp)
{
	fprintf(fp, "%s%sworkers ", what, *what ? ": " : "");
	if (!w->workers_line)
		fputs("(global)", fp);
	else if (w->workers == CONF_WORKERS_AUTO)
		fputs("auto", fp);
	else
		fprintf(fp, "%u", w->workers);
	fprintf(fp, ", %u CPUs for affinity", w->cpus.n);
	if (w->datapath_line)
		fprintf(fp, ", datapath %s", conf_datapath_name(w->datapath));
	fputc('\n', fp);
}

void conf_print(const struct conf *c, FILE *fp)
{
	char a[ADDR_STRLEN], b[ADDR_STRLEN], sock[4 * CONF_PATH_MAX];

	/* Names are checked when parsed; a path may hold any byte. */
	fprintf(fp, "global: user %s, log-level %s, control-socket %s, control-group %s\n",
		c->user, log_level_name(c->log_level),
		str_escaped(sock, sizeof(sock), c->control_socket, false), c->control_group);
	if (conf_listen_set(&c->metrics_listen)) {
		char listen[CONF_LISTEN_STRLEN];

		fprintf(fp, "metrics: GET /metrics on %s\n",
			conf_listen_format(&c->metrics_listen, listen, sizeof(listen)));
	}
	if (c->workers.workers_line || c->workers.datapath_line)
		print_workers("global", &c->workers, fp);
	for (size_t i = 0; i < c->n_inputs; i++) {
		fprintf(fp, "input %s (line %d): ", c->inputs[i].name, c->inputs[i].line);
		print_workers("", &c->inputs[i].w, fp);
	}
	for (size_t i = 0, j = 0; i < c->n_rules; i++) {
		const struct conf_rule *r = &c->rules[i];

		fprintf(fp, "rule %s (line %d): input %s", r->name, r->line, r->input);
		if (r->vlan)
			fprintf(fp, " vlan %u", r->vlan);
		fprintf(fp, ", group %s", addr_format(&r->group, a, sizeof(a)));
		if (!conf_group_exact(r))
			fprintf(fp, "/%u", r->group_len);
		fputs(", port ", fp);
		if (r->port == 0)
			fputs("any", fp);
		else if (r->port_last != r->port)
			fprintf(fp, "%u-%u", r->port, r->port_last);
		else
			fprintf(fp, "%u", r->port);
		fprintf(fp, ", source %s",
			addr_is_set(&r->source) ? addr_format(&r->source, b, sizeof(b)) : "any");
		if (addr_is_set(&r->source) && r->source_len != addr_bits(&r->source))
			fprintf(fp, "/%u", r->source_len);
		fputs(", ttl ", fp);
		print_ttl(r, fp);
		if (r->link_local)
			fputs(", link-local allowed", fp);
		if (r->monitor != CONF_MONITOR_OFF)
			fprintf(fp, ", monitor %s", conf_monitor_name(r->monitor));
		fputc('\n', fp);
		for (; j < c->n_joins && c->joins[j].rule <= i; j++)
			fprintf(fp, "  join %s\n", addr_format(&c->joins[j].group, a, sizeof(a)));
		for (size_t k = 0; k < r->n_outputs; k++) {
			const struct conf_output *o = &r->outputs[k];
			uint16_t port = conf_output_port(r, o);

			if (o->kind == OUTPUT_UDP) {
				print_udp(&o->udp, fp);
				continue;
			}
			fprintf(fp, "  -> %s", o->ifname);
			if (o->vlan)
				fprintf(fp, " vlan %u", o->vlan);
			if (conf_output_keeps_group(r, o))
				fprintf(fp, port ? " (same group), port %u\n" : " (same group and port)\n",
					port);
			else
				fprintf(fp, " %s%s\n",
					addr_format_port(conf_output_group(r, o), port, a, sizeof(a)),
					port ? "" : " (same port)");
		}
	}
}
