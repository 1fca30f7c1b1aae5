#include "config.h"

#include "lib/conf.h"

#include "lib/conf_lines.h"
#include "lib/conf_listen.h"
#include "lib/conf_udp.h"
#include "lib/conf_validate.h"
#include "lib/conf_values.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/*
 * What the sections and keys of the configuration mean: [global], [input
 * NAME] and [rule NAME], each key once (or, for output and join, as often
 * as wanted).  The lines come from conf_lines.c, the values' grammar from
 * conf_values.c; everything is checked as a whole by conf_validate.c.
 */

enum section_kind { SECTION_NONE, SECTION_GLOBAL, SECTION_RULE, SECTION_INPUT, SECTION_BAD };

struct builder {
	const char *file;
	struct conf *conf;
	struct diag *d;
	int line;
	enum section_kind section;
	int global_line;
	char err[256];		/* what a value's parser said */
};

static void error(struct builder *b, const char *msg)
{
	diag_error(b->d, b->file, b->line, "%s", msg);
}

/* "KIND" or "KIND ARG": the argument (maybe empty), or NULL for another kind. */
static char *section_arg(char *name, const char *kind)
{
	size_t n = strlen(kind);

	if (strncmp(name, kind, n) != 0 || (name[n] != '\0' && !isspace((unsigned char)name[n])))
		return NULL;
	return conf_trim(name + n);
}

/* [input NAME]: workers and cpu-affinity for one input interface. */
static void begin_input(struct builder *b, const char *ifname)
{
	struct conf *c = b->conf;

	b->section = SECTION_BAD;
	if (!conf_valid_ifname(ifname)) {
		diag_error(b->d, b->file, b->line, "invalid interface name '%s' in [input] %s",
			   ifname, CONF_IFNAME_RULES);
		return;
	}
	const struct conf_input *dup = conf_input_find(c, ifname);

	if (dup != NULL) {
		diag_error(b->d, b->file, b->line,
			   "duplicate section [input %s] (first at line %d)", ifname, dup->line);
		return;
	}
	struct conf_input *grown = realloc(c->inputs, (c->n_inputs + 1) * sizeof(*grown));

	if (grown == NULL)
		abort();
	c->inputs = grown;
	struct conf_input *in = &c->inputs[c->n_inputs++];

	memset(in, 0, sizeof(*in));
	snprintf(in->name, sizeof(in->name), "%s", ifname);
	in->line = b->line;
	b->section = SECTION_INPUT;
}

/* [rule NAME]: a new rule, with the defaults. */
static void begin_rule(struct builder *b, const char *rname)
{
	struct conf *c = b->conf;

	b->section = SECTION_BAD;
	if (!conf_valid_rule_name(rname)) {
		diag_error(b->d, b->file, b->line,
			   "invalid rule name '%s' (1-%d letters, digits, '-', '_' or '.')", rname,
			   CONF_NAME_MAX - 1);
		return;
	}
	for (size_t i = 0; i < c->n_rules; i++) {
		if (strcmp(c->rules[i].name, rname) == 0) {
			diag_error(b->d, b->file, b->line,
				   "duplicate rule name '%s' (first defined at line %d)", rname,
				   c->rules[i].line);
			return;
		}
	}
	if (c->n_rules == c->cap_rules) {
		size_t cap = c->cap_rules ? c->cap_rules * 2 : 8;
		struct conf_rule *r = realloc(c->rules, cap * sizeof(*r));

		if (r == NULL)
			abort();
		c->rules = r;
		c->cap_rules = cap;
	}
	struct conf_rule *r = &c->rules[c->n_rules++];

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", rname);
	r->line = b->line;
	r->ttl_mode = TTL_DECREMENT;
	b->section = SECTION_RULE;
}

/* name NULL: a malformed header, already reported; its keys are ignored. */
static void on_section(void *arg, int line, char *name)
{
	struct builder *b = arg;
	char *rname;

	b->line = line;
	if (name == NULL) {
		b->section = SECTION_BAD;
	} else if (strcmp(name, "global") == 0) {
		if (b->global_line)
			diag_error(b->d, b->file, b->line,
				   "duplicate section [global] (first at line %d)", b->global_line);
		b->global_line = b->line;
		b->section = SECTION_GLOBAL;
	} else if ((rname = section_arg(name, "input")) != NULL) {
		begin_input(b, rname);
	} else if ((rname = section_arg(name, "rule")) != NULL) {
		begin_rule(b, rname);
	} else {
		diag_error(b->d, b->file, b->line,
			   "unknown section [%s] (expected [global], [input IFNAME] or [rule NAME])",
			   name);
		b->section = SECTION_BAD;
	}
}

/* A single-valued key: records where it is set, or reports that it already was. */
static bool claim_key(struct builder *b, const char *name, int *line)
{
	if (*line) {
		diag_error(b->d, b->file, b->line, "duplicate key '%s' (first set at line %d)", name,
			   *line);
		return false;
	}
	*line = b->line;
	return true;
}

static void add_output(struct builder *b, struct conf_rule *r, const struct conf_output *o)
{
	if (r->n_outputs == CONF_MAX_OUTPUTS) {
		diag_error(b->d, b->file, b->line, "rule '%s': too many outputs (at most %d)",
			   r->name, CONF_MAX_OUTPUTS);
		return;
	}
	r->outputs[r->n_outputs++] = *o;
}

/* "udp ADDR:PORT [ttl=N] [source=ADDR]": the words after "udp". */
static void udp_output(struct builder *b, struct conf_rule *r, char *words)
{
	struct conf_output o = { .line = b->line, .kind = OUTPUT_UDP };
	char *save = NULL, *dest = strtok_r(words, " \t", &save), *opt;

	if (dest == NULL) {
		error(b, "invalid output (expected 'udp ADDR:PORT [ttl=N] [source=ADDR]')");
		return;
	}
	if (conf_udp_parse_dest(dest, &o.udp, b->err, sizeof(b->err)) < 0) {
		error(b, b->err);
		return;
	}
	while ((opt = strtok_r(NULL, " \t", &save)) != NULL) {
		if (conf_udp_parse_option(opt, &o.udp, b->err, sizeof(b->err)) < 0) {
			error(b, b->err);
			return;
		}
	}
	add_output(b, r, &o);
}

/*
 * "IFNAME [vlan N] [TARGET]" (see conf_parse_target): the target is
 * optional, vlan may come before it; or "udp ADDR:PORT [ttl=N] [source=ADDR]".
 */
static void output_key(struct builder *b, struct conf_rule *r, char *value)
{
	struct conf_output o = { .line = b->line };
	char *target = NULL, *first = value + strspn(value, " \t");
	size_t n;

	/* So no interface called "udp" can be an output. */
	if (strncmp(first, "udp", 3) == 0 && (first[3] == '\0' || isspace((unsigned char)first[3]))) {
		udp_output(b, r, first + 3);
		return;
	}

	char *ifname = conf_split_vlan(value, &o.vlan, &target, 1, &n, b->err, sizeof(b->err));

	if (ifname == NULL || n > 1) {
		error(b, ifname == NULL && b->err[0]
				 ? b->err
				 : "invalid output (expected 'IFNAME [vlan N] [GROUP][:PORT]')");
		return;
	}
	snprintf(o.ifname, sizeof(o.ifname), "%s", ifname);
	if (target != NULL && conf_parse_target(target, &o, b->err, sizeof(b->err)) < 0) {
		error(b, b->err);
		return;
	}
	add_output(b, r, &o);
}

/* "IFNAME" or "IFNAME vlan N". */
static void input_value(struct builder *b, struct conf_rule *r, const char *value)
{
	char buf[512], *extra = NULL;
	size_t n;

	snprintf(buf, sizeof(buf), "%s", value);
	char *ifname = conf_split_vlan(buf, &r->vlan, &extra, 0, &n, b->err, sizeof(b->err));

	if (ifname == NULL || n > 0) {
		r->vlan = 0;
		if (ifname == NULL && b->err[0])
			error(b, b->err);
		else
			diag_error(b->d, b->file, b->line,
				   "invalid input '%s' (expected 'IFNAME [vlan N]')", value);
		return;
	}
	snprintf(r->input, sizeof(r->input), "%s", ifname);
}

static void join_key(struct builder *b, const char *value)
{
	struct conf *c = b->conf;
	struct conf_join j = { .rule = c->n_rules - 1, .line = b->line };
	struct conf_join *grown;

	if (addr_parse(value, &j.group) < 0 || !addr_is_multicast(&j.group)) {
		diag_error(b->d, b->file, b->line,
			   "join: '%s' is not a multicast group (IPv4 or IPv6)", value);
		return;
	}
	grown = realloc(c->joins, (c->n_joins + 1) * sizeof(*grown));
	if (grown == NULL)
		abort();
	c->joins = grown;
	c->joins[c->n_joins++] = j;
}

static const char *const rule_keys[KEY_COUNT] = {
	[KEY_INPUT] = "input", [KEY_GROUP] = "group", [KEY_PORT] = "port",
	[KEY_SOURCE] = "source", [KEY_TTL] = "ttl", [KEY_LINK_LOCAL] = "link-local",
	[KEY_MONITOR] = "monitor",
};

/* A single-valued key of a rule: -1 after reporting. */
static int rule_value(struct builder *b, struct conf_rule *r, int key, const char *value)
{
	switch (key) {
	case KEY_INPUT:
		input_value(b, r, value);
		return 0;
	case KEY_GROUP:
		return conf_parse_group_prefix(value, &r->group, &r->group_len, b->err,
					       sizeof(b->err));
	case KEY_PORT:
		return conf_parse_port_range(value, &r->port, &r->port_last, b->err,
					     sizeof(b->err));
	case KEY_SOURCE:
		return conf_parse_source_prefix(value, &r->source, &r->source_len, b->err,
						sizeof(b->err));
	case KEY_TTL:
		return conf_parse_ttl(value, &r->ttl_mode, &r->ttl, b->err, sizeof(b->err));
	case KEY_LINK_LOCAL:
		if (strcmp(value, "allow") == 0)
			r->link_local = true;
		else if (strcmp(value, "deny") != 0)
			diag_error(b->d, b->file, b->line,
				   "invalid link-local '%s' (expected allow or deny)", value);
		return 0;
	case KEY_MONITOR:
		return conf_parse_monitor(value, &r->monitor, b->err, sizeof(b->err));
	}
	return 0;
}

static void rule_key(struct builder *b, const char *name, char *value)
{
	struct conf_rule *r = &b->conf->rules[b->conf->n_rules - 1];
	int key = -1;

	if (strcmp(name, "output") == 0) {
		output_key(b, r, value);
		return;
	}
	if (strcmp(name, "join") == 0) {
		join_key(b, value);
		return;
	}
	for (int i = 0; i < KEY_COUNT; i++)
		if (strcmp(name, rule_keys[i]) == 0)
			key = i;
	if (key < 0) {
		diag_error(b->d, b->file, b->line, "unknown key '%s' in [rule %s]", name, r->name);
		return;
	}
	if (claim_key(b, name, &r->key_line[key]) && rule_value(b, r, key, value) < 0)
		error(b, b->err);
}

/* The receive ring's keys; returns false for a key that is not one of them. */
static bool ring_key(struct builder *b, const char *name, const char *value)
{
	struct conf *c = b->conf;

	if (strcmp(name, "ring-block-size") == 0) {
		if (!claim_key(b, name, &c->ring_block_size_line))
			return true;
		if (conf_parse_number(value, true, RING_BLOCK_SIZE_MIN, RING_BLOCK_SIZE_MAX,
				      &c->ring.block_size) < 0 ||
		    c->ring.block_size % RING_PAGE != 0)
			diag_error(b->d, b->file, b->line,
				   "invalid ring-block-size '%s' (a multiple of 4k from 4k to 64M)",
				   value);
	} else if (strcmp(name, "ring-blocks") == 0) {
		if (!claim_key(b, name, &c->ring_blocks_line))
			return true;
		if (conf_parse_number(value, false, RING_BLOCKS_MIN, RING_BLOCKS_MAX,
				      &c->ring.blocks) < 0)
			diag_error(b->d, b->file, b->line, "invalid ring-blocks '%s' (expected %u-%u)",
				   value, RING_BLOCKS_MIN, RING_BLOCKS_MAX);
	} else if (strcmp(name, "ring-mode") == 0) {
		if (!claim_key(b, name, &c->ring_mode_line))
			return true;
		if (strcmp(value, "frames") == 0)
			c->ring.mode = RING_FRAMES;
		else if (strcmp(value, "blocks") == 0)
			c->ring.mode = RING_BLOCKS;
		else
			diag_error(b->d, b->file, b->line,
				   "invalid ring-mode '%s' (expected frames or blocks)", value);
	} else if (strcmp(name, "ring-block-timeout") == 0) {
		if (!claim_key(b, name, &c->ring_timeout_line))
			return true;
		if (conf_parse_number(value, false, 1, RING_TIMEOUT_MAX_MS, &c->ring.timeout_ms) < 0)
			diag_error(b->d, b->file, b->line,
				   "invalid ring-block-timeout '%s' (milliseconds, 1-%u)", value,
				   RING_TIMEOUT_MAX_MS);
	} else {
		return false;
	}
	return true;
}

/* The keys of [global] that an [input NAME] may set again; false for another key. */
static bool workers_key(struct builder *b, struct conf_workers *w, const char *name,
			const char *value)
{
	if (strcmp(name, "workers") == 0) {
		if (!claim_key(b, name, &w->workers_line))
			return true;
		if (strcmp(value, "auto") == 0)
			w->workers = CONF_WORKERS_AUTO;
		else if (conf_parse_number(value, false, 1, CONF_WORKERS_MAX, &w->workers) < 0)
			diag_error(b->d, b->file, b->line,
				   "invalid workers '%s' (expected auto or 1-%d)", value,
				   CONF_WORKERS_MAX);
	} else if (strcmp(name, "datapath") == 0) {
		if (!claim_key(b, name, &w->datapath_line))
			return true;
		if (conf_parse_datapath(value, &w->datapath) < 0)
			diag_error(b->d, b->file, b->line,
				   "invalid datapath '%s' (expected auto, kernel or packet)", value);
	} else if (strcmp(name, "cpu-affinity") == 0) {
		if (!claim_key(b, name, &w->cpus_line))
			return true;
		if (conf_parse_cpus(value, &w->cpus) < 0)
			diag_error(b->d, b->file, b->line,
				   "invalid cpu-affinity '%s' (CPU numbers 0-%d and ranges, e.g. 0,2-3)",
				   value, CONF_CPUS_MAX - 1);
	} else {
		return false;
	}
	return true;
}

static void input_key(struct builder *b, const char *name, const char *value)
{
	struct conf_input *in = &b->conf->inputs[b->conf->n_inputs - 1];

	if (!workers_key(b, &in->w, name, value))
		diag_error(b->d, b->file, b->line, "unknown key '%s' in [input %s]", name,
			   in->name);
}

static void global_key(struct builder *b, const char *name, const char *value)
{
	struct conf *c = b->conf;

	if (ring_key(b, name, value) || workers_key(b, &c->workers, name, value))
		return;
	if (strcmp(name, "user") == 0) {
		if (!claim_key(b, name, &c->user_line))
			return;
		if (!conf_valid_account_name(value))
			diag_error(b->d, b->file, b->line, "invalid user name '%s'", value);
		else
			snprintf(c->user, sizeof(c->user), "%s", value);
	} else if (strcmp(name, "control-group") == 0) {
		if (!claim_key(b, name, &c->control_group_line))
			return;
		if (!conf_valid_account_name(value))
			diag_error(b->d, b->file, b->line,
				   "invalid control-group '%s' (a group name)", value);
		else
			snprintf(c->control_group, sizeof(c->control_group), "%s", value);
	} else if (strcmp(name, "log-level") == 0) {
		if (!claim_key(b, name, &c->log_level_line))
			return;
		if (log_level_parse(value, &c->log_level) < 0)
			diag_error(b->d, b->file, b->line,
				   "invalid log-level '%s' (expected error, warning, notice, info or debug)",
				   value);
	} else if (strcmp(name, "control-socket") == 0) {
		if (!claim_key(b, name, &c->control_socket_line))
			return;
		if (value[0] != '/' || strlen(value) >= sizeof(c->control_socket))
			diag_error(b->d, b->file, b->line,
				   "invalid control-socket '%s' (an absolute path of at most %zu characters)",
				   value, sizeof(c->control_socket) - 1);
		else
			snprintf(c->control_socket, sizeof(c->control_socket), "%s", value);
	} else if (strcmp(name, "metrics-listen") == 0) {
		if (!claim_key(b, name, &c->metrics_listen_line))
			return;
		if (conf_listen_parse(value, &c->metrics_listen, b->err, sizeof(b->err)) < 0)
			error(b, b->err);
	} else {
		diag_error(b->d, b->file, b->line, "unknown key '%s' in [global]", name);
	}
}

static void on_key(void *arg, int line, const char *name, char *value)
{
	struct builder *b = arg;

	b->line = line;
	switch (b->section) {
	case SECTION_NONE:
		diag_error(b->d, b->file, b->line, "key '%s' outside a section", name);
		break;
	case SECTION_GLOBAL:
		global_key(b, name, value);
		break;
	case SECTION_RULE:
		rule_key(b, name, value);
		break;
	case SECTION_INPUT:
		input_key(b, name, value);
		break;
	case SECTION_BAD:
		break;	/* the section header was already reported */
	}
}

void conf_init(struct conf *c, const char *path)
{
	memset(c, 0, sizeof(*c));
	c->path = strdup(path);
	if (c->path == NULL)
		abort();
	snprintf(c->user, sizeof(c->user), "mcrelay");
	snprintf(c->control_group, sizeof(c->control_group), "%s", CONF_DEFAULT_CONTROL_GROUP);
	snprintf(c->control_socket, sizeof(c->control_socket), "%s",
		 CONF_DEFAULT_CONTROL_SOCKET);
	c->log_level = LOG_LEVEL_INFO;
	c->workers.workers = 1;
}

int conf_parse_string(const char *name, const char *text, struct conf *conf,
		      struct diag *d)
{
	static const struct conf_lines_ops ops = { .section = on_section, .key = on_key };
	struct builder b = { .conf = conf, .d = d };

	conf_init(conf, name);
	b.file = conf->path;
	if (conf_lines_read(b.file, text, d, &ops, &b) < 0)
		return -1;
	conf_validate(conf, d);
	return d->errors ? -1 : 0;
}

void conf_free(struct conf *conf)
{
	free(conf->path);
	free(conf->rules);
	free(conf->inputs);
	free(conf->joins);
	memset(conf, 0, sizeof(*conf));
}
