#include "config.h"

#include "lib/conf.h"
#include "lib/conf_udp.h"
#include "lib/conf_validate.h"
#include "lib/packet.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>

enum section_kind { SECTION_NONE, SECTION_GLOBAL, SECTION_RULE, SECTION_INPUT, SECTION_BAD };

/*
 * State shared by the line reader and the inih handler.  Debian's inih (r55)
 * does not give the handler a line number, so the reader counts lines, and
 * since it sees every raw line it also recognises section headers and lines
 * that are not "key = value", so that every syntax error gets reported.
 */
struct parse_state {
	const char *file;
	struct conf *conf;
	struct diag *d;
	int line;
	enum section_kind section;
	int global_line;
	const char *text;
	char *buf;
	size_t bufsize;
};

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Returns the length of the next raw line (without newline), or -1 at end. */
static ssize_t next_raw_line(struct parse_state *ps)
{
	if (*ps->text == '\0')
		return -1;
	const char *nl = strchr(ps->text, '\n');
	size_t n = nl ? (size_t)(nl - ps->text) : strlen(ps->text);

	if (n + 1 > ps->bufsize) {
		char *b = realloc(ps->buf, n + 1);

		if (b == NULL)
			abort();
		ps->buf = b;
		ps->bufsize = n + 1;
	}
	memcpy(ps->buf, ps->text, n);
	ps->buf[n] = '\0';
	ps->text += nl ? n + 1 : n;
	while (n > 0 && ps->buf[n - 1] == '\r')
		ps->buf[--n] = '\0';
	return (ssize_t)n;
}

static bool valid_rule_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CONF_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.", *s))
			return false;
	return true;
}

static bool valid_ifname(const char *s);
#define IFNAME_RULES "(1-15 printable ASCII characters other than '/' and ':', not '.' or '..')"
static int parse_number(const char *s, bool units, uint32_t min, uint32_t max,
			uint32_t *out);

/* "KIND" or "KIND ARG": the argument (maybe empty), or NULL for another kind. */
static char *section_arg(char *name, const char *kind)
{
	size_t n = strlen(kind);

	if (strncmp(name, kind, n) != 0 || (name[n] != '\0' && !isspace((unsigned char)name[n])))
		return NULL;
	return trim(name + n);
}

/* [input NAME]: workers and cpu-affinity for one input interface. */
static void begin_input(struct parse_state *ps, const char *ifname)
{
	struct conf *c = ps->conf;

	ps->section = SECTION_BAD;
	if (!valid_ifname(ifname)) {
		diag_error(ps->d, ps->file, ps->line, "invalid interface name '%s' in [input] %s",
			   ifname, IFNAME_RULES);
		return;
	}
	const struct conf_input *dup = conf_input_find(c, ifname);

	if (dup != NULL) {
		diag_error(ps->d, ps->file, ps->line,
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
	in->line = ps->line;
	ps->section = SECTION_INPUT;
}

static void begin_section(struct parse_state *ps, char *name)
{
	struct conf *c = ps->conf;
	char *arg;

	name = trim(name);
	if (strcmp(name, "global") == 0) {
		if (ps->global_line)
			diag_error(ps->d, ps->file, ps->line,
				   "duplicate section [global] (first at line %d)",
				   ps->global_line);
		ps->global_line = ps->line;
		ps->section = SECTION_GLOBAL;
		return;
	}
	if ((arg = section_arg(name, "input")) != NULL) {
		begin_input(ps, arg);
		return;
	}
	if ((arg = section_arg(name, "rule")) == NULL) {
		diag_error(ps->d, ps->file, ps->line,
			   "unknown section [%s] (expected [global], [input IFNAME] or [rule NAME])",
			   name);
		ps->section = SECTION_BAD;
		return;
	}
	char *rname = arg;

	ps->section = SECTION_BAD;
	if (!valid_rule_name(rname)) {
		diag_error(ps->d, ps->file, ps->line,
			   "invalid rule name '%s' (1-%d letters, digits, '-', '_' or '.')",
			   rname, CONF_NAME_MAX - 1);
		return;
	}
	for (size_t i = 0; i < c->n_rules; i++) {
		if (strcmp(c->rules[i].name, rname) == 0) {
			diag_error(ps->d, ps->file, ps->line,
				   "duplicate rule name '%s' (first defined at line %d)",
				   rname, c->rules[i].line);
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
	r->line = ps->line;
	r->ttl_mode = TTL_DECREMENT;
	ps->section = SECTION_RULE;
}

/*
 * Looks at one raw line before inih does.  Returns the text to hand to inih:
 * the line itself for "key = value", or an empty comment for section
 * headers (handled here) and for lines that are in error.
 */
static const char *lex_line(struct parse_state *ps, char *raw)
{
	char *s = raw;

	if (ps->line == 1 && (unsigned char)s[0] == 0xEF &&
	    (unsigned char)s[1] == 0xBB && (unsigned char)s[2] == 0xBF)
		s += 3;
	s = trim(s);
	if (*s == '\0' || *s == ';' || *s == '#')
		return ";";
	if (*s == '[') {
		char *end = strchr(s, ']');
		char *rest = end ? trim(end + 1) : NULL;

		if (end == NULL || (*rest != '\0' && *rest != ';' && *rest != '#')) {
			diag_error(ps->d, ps->file, ps->line,
				   "syntax error: malformed section header");
			ps->section = SECTION_BAD;
			return ";";
		}
		*end = '\0';
		begin_section(ps, s + 1);
		return ";";
	}
	size_t key_len = strcspn(s, "=:");
	size_t comment = strcspn(s, ";");

	if (s[key_len] == '\0' || key_len > comment || key_len == 0 ||
	    isspace((unsigned char)s[0])) {
		diag_error(ps->d, ps->file, ps->line,
			   "syntax error: expected 'key = value'");
		return ";";
	}
	return s;
}

static char *conf_reader(char *str, int num, void *stream)
{
	struct parse_state *ps = stream;
	ssize_t n = next_raw_line(ps);

	if (n < 0)
		return NULL;
	ps->line++;
	const char *text = lex_line(ps, ps->buf);

	if ((int)strlen(text) + 2 > num) {
		diag_error(ps->d, ps->file, ps->line,
			   "line too long (at most %d characters)", num - 2);
		text = ";";
	}
	snprintf(str, (size_t)num, "%s\n", text);
	return str;
}

static int parse_port(const char *s, uint16_t *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end != '\0' || v < 1 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/*
 * What the kernel takes (dev_valid_name: not empty, shorter than
 * IF_NAMESIZE, not "." or "..", no '/', ':' or white space), in printable
 * ASCII only, so that a name is as safe in a log or a table as the rest.
 */
static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IF_NAMESIZE || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0)
		return false;
	for (; *s; s++)
		if (*s < '!' || *s > '~' || *s == '/' || *s == ':')
			return false;
	return true;
}

static int parse_group(struct parse_state *ps, const char *s, struct addr *out)
{
	if (addr_parse(s, out) < 0 || !addr_is_multicast(out)) {
		*out = (struct addr){ 0 };
		diag_error(ps->d, ps->file, ps->line,
			   "'%s' is not a multicast group (IPv4 224.0.0.0/4 or IPv6 ff00::/8)", s);
		return -1;
	}
	return 0;
}

/* "ADDR" or "ADDR/LEN"; *len is the family's full length without "/LEN". */
static int parse_prefix(const char *s, struct addr *a, uint8_t *len)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long n;

	if (strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	if (addr_parse(buf, a) < 0)
		return -1;
	*len = (uint8_t)addr_bits(a);
	if (slash == NULL)
		return 0;
	errno = 0;
	n = strtoul(slash + 1, &end, 10);
	if (!isdigit((unsigned char)slash[1]) || errno || *end || n > addr_bits(a))
		return -1;
	*len = (uint8_t)n;
	return 0;
}

/* A group prefix lies wholly in multicast space: at least 224.0.0.0/4 or ff00::/8. */
static int parse_group_prefix(struct parse_state *ps, const char *s, struct conf_rule *r)
{
	char text[ADDR_STRLEN];

	if (parse_prefix(s, &r->group, &r->group_len) < 0 || !addr_is_multicast(&r->group) ||
	    r->group_len < (addr_is_v4(&r->group) ? 4 : 8)) {
		r->group = (struct addr){ 0 };
		diag_error(ps->d, ps->file, ps->line,
			   "'%s' is not a multicast group or prefix (within IPv4 224.0.0.0/4 or IPv6 ff00::/8)",
			   s);
		return -1;
	}
	if (addr_has_host_bits(&r->group, r->group_len)) {
		struct addr net = addr_network(&r->group, r->group_len);

		diag_error(ps->d, ps->file, ps->line,
			   "group prefix '%s' has bits set beyond its length %u (the network is %s/%u)",
			   s, r->group_len, addr_format(&net, text, sizeof(text)), r->group_len);
		return -1;
	}
	return 0;
}

static int parse_source_prefix(struct parse_state *ps, const char *s, struct conf_rule *r)
{
	char text[ADDR_STRLEN];

	if (parse_prefix(s, &r->source, &r->source_len) < 0 || addr_is_multicast(&r->source) ||
	    (r->source_len == addr_bits(&r->source) && !addr_is_unicast(&r->source))) {
		r->source = (struct addr){ 0 };
		r->source_len = 0;
		diag_error(ps->d, ps->file, ps->line,
			   "invalid source '%s' (expected a unicast IPv4 or IPv6 address or prefix)",
			   s);
		return -1;
	}
	if (addr_has_host_bits(&r->source, r->source_len)) {
		struct addr net = addr_network(&r->source, r->source_len);

		diag_error(ps->d, ps->file, ps->line,
			   "source prefix '%s' has bits set beyond its length %u (the network is %s/%u)",
			   s, r->source_len, addr_format(&net, text, sizeof(text)), r->source_len);
		return -1;
	}
	if (r->source_len == 0) {
		/* /0 is every source: the same as no source key. */
		r->source = (struct addr){ 0 };
	}
	return 0;
}

static int bad_port(struct parse_state *ps, const char *s)
{
	diag_error(ps->d, ps->file, ps->line,
		   "invalid port '%s' (expected 1-65535)", s);
	return -1;
}

/*
 * The target of an output: "GROUP", "GROUP:PORT", ":PORT", or for IPv6
 * "GROUP", "[GROUP]" or "[GROUP]:PORT".  Returns -1 after reporting.
 */
static int parse_target(struct parse_state *ps, char *target, struct conf_output *o)
{
	char given[INET6_ADDRSTRLEN + 16];
	char *group = target, *port = NULL;

	snprintf(given, sizeof(given), "%s", target);
	if (*target == '[') {
		char *close = strchr(target, ']');

		if (close == NULL || close == target + 1 ||
		    (close[1] != '\0' && close[1] != ':')) {
			diag_error(ps->d, ps->file, ps->line,
				   "invalid output target '%s' (expected [GROUP] or [GROUP]:PORT)",
				   given);
			return -1;
		}
		group = target + 1;
		*close = '\0';
		if (close[1] == ':')
			port = close + 2;
	} else if (strchr(target, ':') != strrchr(target, ':')) {
		/* More than one colon: an IPv6 group without a port. */
	} else if ((port = strchr(target, ':')) != NULL) {
		*port++ = '\0';
	}
	if (port != NULL && parse_port(port, &o->port) < 0)
		return bad_port(ps, port);
	if (*group != '\0' && parse_group(ps, group, &o->group) < 0)
		return -1;
	if (*group == '\0' && port == NULL) {
		diag_error(ps->d, ps->file, ps->line, "invalid output target '%s'", given);
		return -1;
	}
	return 0;
}

static void add_output(struct parse_state *ps, struct conf_rule *r,
		       const struct conf_output *o)
{
	if (r->n_outputs == CONF_MAX_OUTPUTS) {
		diag_error(ps->d, ps->file, ps->line,
			   "rule '%s': too many outputs (at most %d)", r->name,
			   CONF_MAX_OUTPUTS);
		return;
	}
	r->outputs[r->n_outputs++] = *o;
}

/* "udp ADDR:PORT [ttl=N] [source=ADDR]", the "udp" already read. */
static void parse_udp_output(struct parse_state *ps, struct conf_rule *r)
{
	struct conf_output o = { .line = ps->line, .kind = OUTPUT_UDP };
	char *dest = strtok(NULL, " \t"), *opt;
	char err[160];

	if (dest == NULL) {
		diag_error(ps->d, ps->file, ps->line,
			   "invalid output (expected 'udp ADDR:PORT [ttl=N] [source=ADDR]')");
		return;
	}
	if (conf_udp_parse_dest(dest, &o.udp, err, sizeof(err)) < 0) {
		diag_error(ps->d, ps->file, ps->line, "%s", err);
		return;
	}
	while ((opt = strtok(NULL, " \t")) != NULL) {
		if (conf_udp_parse_option(opt, &o.udp, err, sizeof(err)) < 0) {
			diag_error(ps->d, ps->file, ps->line, "%s", err);
			return;
		}
	}
	add_output(ps, r, &o);
}

/* A VLAN ID as "vlan N" gives it: 1-4094 (0 means untagged, 4095 is reserved). */
static int parse_vid(struct parse_state *ps, const char *s, uint16_t *out)
{
	uint32_t v;

	if (s == NULL || parse_number(s, false, 1, PKT_VID_MAX, &v) < 0) {
		diag_error(ps->d, ps->file, ps->line,
			   "invalid VLAN ID '%s' (expected 'vlan N' with N from 1 to %d)",
			   s ? s : "", PKT_VID_MAX);
		return -1;
	}
	*out = (uint16_t)v;
	return 0;
}

/*
 * "IFNAME" followed by the words of words[] (NULL-terminated, at most max),
 * with "vlan N" taken out of them into *vid.  Returns the interface name,
 * or NULL after reporting why.
 */
static char *split_vlan(struct parse_state *ps, char *value, uint16_t *vid, char **words,
			size_t max, size_t *n)
{
	char *ifname = strtok(value, " \t"), *w;

	*n = 0;
	*vid = 0;
	if (ifname == NULL)
		return NULL;
	if (!valid_ifname(ifname)) {
		diag_error(ps->d, ps->file, ps->line, "invalid interface name '%s' %s", ifname,
			   IFNAME_RULES);
		return NULL;
	}
	while ((w = strtok(NULL, " \t")) != NULL) {
		if (strcmp(w, "vlan") == 0) {
			if (*vid) {
				diag_error(ps->d, ps->file, ps->line,
					   "duplicate 'vlan' for interface %s", ifname);
				return NULL;
			}
			if (parse_vid(ps, strtok(NULL, " \t"), vid) < 0)
				return NULL;
		} else if (*n == max) {
			*n = max + 1;
			return ifname;
		} else {
			words[(*n)++] = w;
		}
	}
	return ifname;
}

/*
 * "IFNAME [vlan N] [TARGET]" (see parse_target): the target is optional,
 * vlan may come before it; or "udp ADDR:PORT [ttl=N] [source=ADDR]".
 */
static void parse_output(struct parse_state *ps, struct conf_rule *r, char *value)
{
	struct conf_output o = { .line = ps->line };
	char *target = NULL, *first = value + strspn(value, " \t");
	size_t n;
	size_t errors = ps->d->errors;

	/* So no interface called "udp" can be an output. */
	if (strncmp(first, "udp", 3) == 0 && (first[3] == '\0' || isspace((unsigned char)first[3]))) {
		strtok(value, " \t");
		parse_udp_output(ps, r);
		return;
	}

	char *ifname = split_vlan(ps, value, &o.vlan, &target, 1, &n);

	if (ifname == NULL || n > 1) {
		if (ps->d->errors == errors)
			diag_error(ps->d, ps->file, ps->line,
				   "invalid output (expected 'IFNAME [vlan N] [GROUP][:PORT]')");
		return;
	}
	snprintf(o.ifname, sizeof(o.ifname), "%s", ifname);
	if (target != NULL && parse_target(ps, target, &o) < 0)
		return;
	add_output(ps, r, &o);
}

/* "PORT" or "FIRST-LAST". */
static int parse_port_range(struct parse_state *ps, struct conf_rule *r, char *v)
{
	char *dash = strchr(v, '-');

	if (dash != NULL)
		*dash = '\0';
	if (parse_port(v, &r->port) < 0 ||
	    (dash != NULL && parse_port(dash + 1, &r->port_last) < 0)) {
		if (dash != NULL)
			*dash = '-';
		r->port = r->port_last = 0;
		diag_error(ps->d, ps->file, ps->line,
			   "invalid port '%s' (expected 1-65535, or a range FIRST-LAST)", v);
		return -1;
	}
	if (dash == NULL)
		r->port_last = r->port;
	if (r->port_last < r->port) {
		diag_error(ps->d, ps->file, ps->line,
			   "invalid port range '%u-%u' (the first port is above the last)",
			   r->port, r->port_last);
		r->port = r->port_last = 0;
		return -1;
	}
	return 0;
}

static int parse_ttl(struct parse_state *ps, struct conf_rule *r, const char *v)
{
	char *end;
	unsigned long n;

	if (strcmp(v, "decrement") == 0) {
		r->ttl_mode = TTL_DECREMENT;
		return 0;
	}
	if (strcmp(v, "keep") == 0) {
		r->ttl_mode = TTL_KEEP;
		return 0;
	}
	errno = 0;
	n = strtoul(v, &end, 10);
	if (!isdigit((unsigned char)*v) || errno || *end || n < 1 || n > 255) {
		diag_error(ps->d, ps->file, ps->line,
			   "invalid ttl '%s' (expected decrement, keep or 1-255)", v);
		return -1;
	}
	r->ttl_mode = TTL_SET;
	r->ttl = (uint8_t)n;
	return 0;
}

/* A single-valued key: records where it is set, or reports that it already was. */
static bool claim_key(struct parse_state *ps, const char *name, int *line)
{
	if (*line) {
		diag_error(ps->d, ps->file, ps->line,
			   "duplicate key '%s' (first set at line %d)", name, *line);
		return false;
	}
	*line = ps->line;
	return true;
}

/* "IFNAME" or "IFNAME vlan N". */
static void parse_input(struct parse_state *ps, struct conf_rule *r, char *value)
{
	char buf[512], *extra = NULL;
	size_t n;
	size_t errors = ps->d->errors;

	snprintf(buf, sizeof(buf), "%s", value);
	char *ifname = split_vlan(ps, buf, &r->vlan, &extra, 0, &n);

	if (ifname == NULL || n > 0) {
		r->vlan = 0;
		if (ps->d->errors == errors)
			diag_error(ps->d, ps->file, ps->line,
				   "invalid input '%s' (expected 'IFNAME [vlan N]')", value);
		return;
	}
	snprintf(r->input, sizeof(r->input), "%s", ifname);
}

static const char *const rule_keys[KEY_COUNT] = {
	[KEY_INPUT] = "input", [KEY_GROUP] = "group", [KEY_PORT] = "port",
	[KEY_SOURCE] = "source", [KEY_TTL] = "ttl", [KEY_LINK_LOCAL] = "link-local",
};

static void parse_join(struct parse_state *ps, char *value)
{
	struct conf *c = ps->conf;
	struct conf_join j = { .rule = c->n_rules - 1, .line = ps->line };
	struct conf_join *grown;

	if (addr_parse(value, &j.group) < 0 || !addr_is_multicast(&j.group)) {
		diag_error(ps->d, ps->file, ps->line,
			   "join: '%s' is not a multicast group (IPv4 or IPv6)", value);
		return;
	}
	grown = realloc(c->joins, (c->n_joins + 1) * sizeof(*grown));
	if (grown == NULL)
		abort();
	c->joins = grown;
	c->joins[c->n_joins++] = j;
}

static void rule_key(struct parse_state *ps, const char *name, char *value)
{
	struct conf_rule *r = &ps->conf->rules[ps->conf->n_rules - 1];
	int key = -1;

	if (strcmp(name, "output") == 0) {
		parse_output(ps, r, value);
		return;
	}
	if (strcmp(name, "join") == 0) {
		parse_join(ps, value);
		return;
	}
	for (int i = 0; i < KEY_COUNT; i++)
		if (strcmp(name, rule_keys[i]) == 0)
			key = i;
	if (key < 0) {
		diag_error(ps->d, ps->file, ps->line,
			   "unknown key '%s' in [rule %s]", name, r->name);
		return;
	}
	if (!claim_key(ps, name, &r->key_line[key]))
		return;
	switch (key) {
	case KEY_INPUT:
		parse_input(ps, r, value);
		break;
	case KEY_GROUP:
		parse_group_prefix(ps, value, r);
		break;
	case KEY_PORT:
		parse_port_range(ps, r, value);
		break;
	case KEY_SOURCE:
		parse_source_prefix(ps, value, r);
		break;
	case KEY_LINK_LOCAL:
		if (strcmp(value, "allow") == 0)
			r->link_local = true;
		else if (strcmp(value, "deny") != 0)
			diag_error(ps->d, ps->file, ps->line,
				   "invalid link-local '%s' (expected allow or deny)", value);
		break;
	case KEY_TTL:
		parse_ttl(ps, r, value);
		break;
	}
}

/* A user or group name as useradd and groupadd take them. */
static bool valid_account_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CONF_USER_MAX || *s == '-')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.$", *s))
			return false;
	return true;
}

/* A whole number in [min, max], times 1024 or 1048576 with a k or M suffix if units. */
static int parse_number(const char *s, bool units, uint32_t min, uint32_t max,
			uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (units && (*end == 'k' || *end == 'K') && end[1] == '\0') {
		v *= 1024;
		end++;
	} else if (units && (*end == 'm' || *end == 'M') && end[1] == '\0') {
		v *= 1024 * 1024;
		end++;
	}
	if (errno || *end != '\0' || v < min || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* The receive ring's keys; returns false for a key that is not one of them. */
static bool ring_key(struct parse_state *ps, const char *name, const char *value)
{
	struct conf *c = ps->conf;

	if (strcmp(name, "ring-block-size") == 0) {
		if (!claim_key(ps, name, &c->ring_block_size_line))
			return true;
		if (parse_number(value, true, RING_BLOCK_SIZE_MIN, RING_BLOCK_SIZE_MAX,
				 &c->ring.block_size) < 0 ||
		    c->ring.block_size % RING_PAGE != 0)
			diag_error(ps->d, ps->file, ps->line,
				   "invalid ring-block-size '%s' (a multiple of 4k from 4k to 64M)",
				   value);
	} else if (strcmp(name, "ring-blocks") == 0) {
		if (!claim_key(ps, name, &c->ring_blocks_line))
			return true;
		if (parse_number(value, false, RING_BLOCKS_MIN, RING_BLOCKS_MAX,
				 &c->ring.blocks) < 0)
			diag_error(ps->d, ps->file, ps->line,
				   "invalid ring-blocks '%s' (expected %u-%u)", value,
				   RING_BLOCKS_MIN, RING_BLOCKS_MAX);
	} else if (strcmp(name, "ring-mode") == 0) {
		if (!claim_key(ps, name, &c->ring_mode_line))
			return true;
		if (strcmp(value, "frames") == 0)
			c->ring.mode = RING_FRAMES;
		else if (strcmp(value, "blocks") == 0)
			c->ring.mode = RING_BLOCKS;
		else
			diag_error(ps->d, ps->file, ps->line,
				   "invalid ring-mode '%s' (expected frames or blocks)", value);
	} else if (strcmp(name, "ring-block-timeout") == 0) {
		if (!claim_key(ps, name, &c->ring_timeout_line))
			return true;
		if (parse_number(value, false, 1, RING_TIMEOUT_MAX_MS, &c->ring.timeout_ms) < 0)
			diag_error(ps->d, ps->file, ps->line,
				   "invalid ring-block-timeout '%s' (milliseconds, 1-%u)", value,
				   RING_TIMEOUT_MAX_MS);
	} else {
		return false;
	}
	return true;
}

/* "0,1", "2-3", "0-3,6": CPU numbers and ranges, separated by commas. */
static int parse_cpus(char *value, struct conf_cpus *out)
{
	memset(out, 0, sizeof(*out));
	for (char *item; (item = strsep(&value, ",")) != NULL;) {
		char *dash = strchr(item = trim(item), '-');
		uint32_t lo, hi;

		if (dash != NULL)
			*dash = '\0';
		if (parse_number(trim(item), false, 0, CONF_CPUS_MAX - 1, &lo) < 0)
			return -1;
		hi = lo;
		if (dash != NULL &&
		    (parse_number(trim(dash + 1), false, 0, CONF_CPUS_MAX - 1, &hi) < 0 || hi < lo))
			return -1;
		for (uint32_t cpu = lo; cpu <= hi; cpu++) {
			if (!(out->bits[cpu / 64] >> (cpu % 64) & 1))
				out->n++;
			out->bits[cpu / 64] |= 1ULL << (cpu % 64);
		}
	}
	return out->n ? 0 : -1;
}

/* The keys of [global] and of [input NAME]; returns false for another key. */
static bool workers_key(struct parse_state *ps, struct conf_workers *w, const char *name,
			const char *value)
{
	char buf[512];

	if (strcmp(name, "workers") == 0) {
		if (!claim_key(ps, name, &w->workers_line))
			return true;
		if (strcmp(value, "auto") == 0)
			w->workers = CONF_WORKERS_AUTO;
		else if (parse_number(value, false, 1, CONF_WORKERS_MAX, &w->workers) < 0)
			diag_error(ps->d, ps->file, ps->line,
				   "invalid workers '%s' (expected auto or 1-%d)", value,
				   CONF_WORKERS_MAX);
	} else if (strcmp(name, "cpu-affinity") == 0) {
		if (!claim_key(ps, name, &w->cpus_line))
			return true;
		snprintf(buf, sizeof(buf), "%s", value);
		if (parse_cpus(buf, &w->cpus) < 0)
			diag_error(ps->d, ps->file, ps->line,
				   "invalid cpu-affinity '%s' (CPU numbers 0-%d and ranges, e.g. 0,2-3)",
				   value, CONF_CPUS_MAX - 1);
	} else {
		return false;
	}
	return true;
}

static void input_key(struct parse_state *ps, const char *name, const char *value)
{
	struct conf_input *in = &ps->conf->inputs[ps->conf->n_inputs - 1];

	if (!workers_key(ps, &in->w, name, value))
		diag_error(ps->d, ps->file, ps->line, "unknown key '%s' in [input %s]", name,
			   in->name);
}

static void global_key(struct parse_state *ps, const char *name, const char *value)
{
	struct conf *c = ps->conf;

	if (ring_key(ps, name, value) || workers_key(ps, &c->workers, name, value))
		return;
	if (strcmp(name, "user") == 0) {
		if (!claim_key(ps, name, &c->user_line))
			return;
		if (!valid_account_name(value))
			diag_error(ps->d, ps->file, ps->line,
				   "invalid user name '%s'", value);
		else
			snprintf(c->user, sizeof(c->user), "%s", value);
	} else if (strcmp(name, "control-group") == 0) {
		if (!claim_key(ps, name, &c->control_group_line))
			return;
		if (!valid_account_name(value))
			diag_error(ps->d, ps->file, ps->line,
				   "invalid control-group '%s' (a group name)", value);
		else
			snprintf(c->control_group, sizeof(c->control_group), "%s", value);
	} else if (strcmp(name, "log-level") == 0) {
		if (!claim_key(ps, name, &c->log_level_line))
			return;
		if (log_level_parse(value, &c->log_level) < 0)
			diag_error(ps->d, ps->file, ps->line,
				   "invalid log-level '%s' (expected error, warning, notice, info or debug)",
				   value);
	} else if (strcmp(name, "control-socket") == 0) {
		if (!claim_key(ps, name, &c->control_socket_line))
			return;
		if (value[0] != '/' || strlen(value) >= sizeof(c->control_socket))
			diag_error(ps->d, ps->file, ps->line,
				   "invalid control-socket '%s' (an absolute path of at most %zu characters)",
				   value, sizeof(c->control_socket) - 1);
		else
			snprintf(c->control_socket, sizeof(c->control_socket), "%s", value);
	} else {
		diag_error(ps->d, ps->file, ps->line,
			   "unknown key '%s' in [global]", name);
	}
}

static int conf_handler(void *user, const char *section, const char *name,
			const char *value)
{
	struct parse_state *ps = user;
	char buf[512];

	(void)section;
	snprintf(buf, sizeof(buf), "%s", value ? value : "");
	char *v = trim(buf);

	if (*v == '\0') {
		diag_error(ps->d, ps->file, ps->line, "key '%s' has no value", name);
		return 1;
	}
	switch (ps->section) {
	case SECTION_NONE:
		diag_error(ps->d, ps->file, ps->line,
			   "key '%s' outside a section", name);
		break;
	case SECTION_GLOBAL:
		global_key(ps, name, v);
		break;
	case SECTION_RULE:
		rule_key(ps, name, v);
		break;
	case SECTION_INPUT:
		input_key(ps, name, v);
		break;
	case SECTION_BAD:
		break;	/* the section header was already reported */
	}
	return 1;
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

static int conf_parse(struct parse_state *ps)
{
	int rc = ini_parse_stream(conf_reader, ps, conf_handler, ps);

	free(ps->buf);
	if (rc < 0) {
		diag_error(ps->d, ps->file, 0, "cannot parse: out of memory");
		return -1;
	}
	conf_validate(ps->conf, ps->d);
	return ps->d->errors ? -1 : 0;
}

int conf_parse_string(const char *name, const char *text, struct conf *conf,
		      struct diag *d)
{
	struct parse_state ps = { .file = name, .conf = conf, .d = d, .text = text };

	conf_init(conf, name);
	ps.file = conf->path;
	return conf_parse(&ps);
}

void conf_free(struct conf *conf)
{
	free(conf->path);
	free(conf->rules);
	free(conf->inputs);
	free(conf->joins);
	memset(conf, 0, sizeof(*conf));
}
