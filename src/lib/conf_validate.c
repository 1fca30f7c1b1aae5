#include "config.h"

#include "lib/conf_validate.h"

#include "lib/conf_udp.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static void check_required(const struct conf *c, const struct conf_rule *r,
			   struct diag *d)
{
	if (!r->key_line[KEY_INPUT])
		diag_error(d, c->path, r->line,
			   "rule '%s': missing required key 'input'", r->name);
	if (!r->key_line[KEY_GROUP])
		diag_error(d, c->path, r->line,
			   "rule '%s': missing required key 'group'", r->name);
	if (r->n_outputs == 0)
		diag_error(d, c->path, r->line,
			   "rule '%s': missing required key 'output'", r->name);
}

/* The destination port of what the output sends; 0 means "any port". */
static uint16_t output_port(const struct conf_rule *r, const struct conf_output *o)
{
	return o->port ? o->port : r->port;
}

/* Two prefixes overlap when one contains the other. */
static bool prefixes_overlap(const struct addr *x, unsigned xl, const struct addr *y,
			     unsigned yl)
{
	return xl <= yl ? addr_in_prefix(y, x, xl) : addr_in_prefix(x, y, yl);
}

/* The ports a rule matches; 0, 0 (any) is 1-65535. */
static void port_range(const struct conf_rule *r, unsigned *first, unsigned *last)
{
	*first = r->port ? r->port : 1;
	*last = r->port ? r->port_last : 65535;
}

/* The group (prefix) an output sends to: its own group, or the rule's. */
static void output_groups(const struct conf_rule *a, const struct conf_output *o,
			  const struct addr **g, unsigned *len)
{
	*g = conf_output_group(a, o);
	*len = addr_is_set(&o->group) ? addr_bits(&o->group) : a->group_len;
}

/* Can traffic sent by output o of rule a be matched by rule b? */
static bool output_feeds(const struct conf_rule *a, const struct conf_output *o,
			 const struct conf_rule *b)
{
	const struct addr *g;
	unsigned glen, first, last, b_first, b_last;

	if (o->kind == OUTPUT_UDP)
		return false;	/* unicast: no rule matches it */
	if (strcmp(o->ifname, b->input) != 0 || o->vlan != b->vlan)
		return false;
	output_groups(a, o, &g, &glen);
	if (!prefixes_overlap(g, glen, &b->group, b->group_len))
		return false;
	port_range(a, &first, &last);
	if (o->port)
		first = last = o->port;
	port_range(b, &b_first, &b_last);
	if (last < b_first || b_last < first)
		return false;
	/* The source address is kept, so a source-specific rule only sees its own. */
	if (addr_is_set(&a->source) && addr_is_set(&b->source) &&
	    !prefixes_overlap(&a->source, a->source_len, &b->source, b->source_len))
		return false;
	return true;
}

/* Does the rule's group (prefix) take in link-local groups (224.0.0.0/24, ff01::/16, ff02::/16)? */
static bool takes_link_local(const struct conf_rule *r)
{
	struct addr ll;

	if (addr_is_v4(&r->group)) {
		ll = addr_from_v4(htonl(0xe0000000u));
		return prefixes_overlap(&r->group, r->group_len, &ll, 24);
	}
	for (unsigned flags = 0; flags < 16; flags++)
		for (unsigned scope = 1; scope <= 2; scope++) {
			ll = (struct addr){ .b = { 0xff, (uint8_t)(flags << 4 | scope) } };
			if (prefixes_overlap(&r->group, r->group_len, &ll, 16))
				return true;
		}
	return false;
}

/*
 * Link-local protocols (mDNS, OSPF, ...) expect never to leave their
 * segment; only a decrementing TTL keeps a relayed copy from wandering on.
 */
static void check_ttl(const struct conf *c, const struct conf_rule *r, struct diag *d)
{
	char g[ADDR_STRLEN + 4];
	const char *how = r->ttl_mode == TTL_KEEP ? "ttl = keep" : "a fixed ttl";
	int line = r->key_line[KEY_TTL] ? r->key_line[KEY_TTL] : r->line;

	if (r->ttl_mode == TTL_DECREMENT || !addr_is_set(&r->group))
		return;
	addr_format(&r->group, g, sizeof(g));
	if (!conf_group_exact(r))
		snprintf(g + strlen(g), sizeof(g) - strlen(g), "/%u", r->group_len);
	if (takes_link_local(r) && !r->link_local) {
		diag_error(d, c->path, line,
			   "rule '%s': group %s takes in link-local groups (224.0.0.0/24, ff02::/16), and %s would relay them to other segments; set 'link-local = allow' to do so deliberately",
			   r->name, g, how);
		return;
	}
	diag_warn(d, c->path, line,
		  "rule '%s': with %s nothing ends a loop through another relay host (the loop check covers this host only; a decrementing TTL ends one)",
		  r->name, how);
}

/* join = GROUP: for a group prefix, groups inside it, each once. */
static void check_joins(const struct conf *c, struct diag *d)
{
	char g[ADDR_STRLEN];

	for (size_t i = 0; i < c->n_joins; i++) {
		const struct conf_join *j = &c->joins[i];
		const struct conf_rule *r = &c->rules[j->rule];

		addr_format(&j->group, g, sizeof(g));
		if (!addr_is_set(&r->group))
			continue;
		if (conf_group_exact(r)) {
			diag_error(d, c->path, j->line,
				   "rule '%s': join is for a group prefix; a rule for one group joins it already",
				   r->name);
		} else if (!addr_in_prefix(&j->group, &r->group, r->group_len)) {
			diag_error(d, c->path, j->line,
				   "rule '%s': join %s is outside the rule's group prefix", r->name, g);
		} else {
			for (size_t k = i; k-- > 0 && c->joins[k].rule == j->rule;)
				if (addr_eq(&c->joins[k].group, &j->group))
					diag_error(d, c->path, j->line,
						   "rule '%s': join %s given twice (first at line %d)",
						   r->name, g, c->joins[k].line);
		}
	}
}

static void check_udp_output(const struct conf *c, const struct conf_rule *r, size_t i,
			     struct diag *d)
{
	const struct conf_udp *u = &r->outputs[i].udp;
	char dest[CONF_UDP_STRLEN];

	conf_udp_format(u, dest, sizeof(dest));
	if (u->family != conf_rule_family(r))
		diag_error(d, c->path, r->outputs[i].line,
			   "rule '%s': output 'udp %s' is %s but the rule is %s: mixing families between a rule and its outputs is a config error",
			   r->name, dest, u->family == AF_INET6 ? "IPv6" : "IPv4",
			   conf_rule_family(r) == AF_INET6 ? "IPv6" : "IPv4");
	for (size_t j = 0; j < i; j++) {
		const struct conf_output *p = &r->outputs[j];

		if (p->kind == OUTPUT_UDP && conf_udp_same_dest(&p->udp, u))
			diag_error(d, c->path, r->outputs[i].line,
				   "rule '%s': duplicate output (same as line %d)", r->name,
				   p->line);
	}
}

static void check_outputs(const struct conf *c, const struct conf_rule *r,
			  struct diag *d)
{
	char addr[ADDR_STRLEN + 4];

	for (size_t i = 0; i < r->n_outputs; i++) {
		const struct conf_output *o = &r->outputs[i];

		if (o->kind == OUTPUT_UDP) {
			check_udp_output(c, r, i, d);
			continue;
		}
		if (addr_is_set(&o->group) && addr_family(&o->group) != addr_family(&r->group)) {
			diag_error(d, c->path, o->line,
				   "rule '%s': output group %s is %s but the rule's group is %s (a rule and its outputs are of one family)",
				   r->name, addr_format(&o->group, addr, sizeof(addr)),
				   addr_family(&o->group) == AF_INET6 ? "IPv6" : "IPv4",
				   addr_family(&r->group) == AF_INET6 ? "IPv6" : "IPv4");
			continue;
		}
		if (output_feeds(r, o, r)) {
			addr_format(conf_output_group(r, o), addr, sizeof(addr));
			if (conf_output_keeps_group(r, o))
				snprintf(addr + strlen(addr), sizeof(addr) - strlen(addr), "/%u",
					 r->group_len);
			diag_error(d, c->path, o->line,
				   "rule '%s': output '%s %s' sends the rule's own traffic back to its input (same interface, group and port)",
				   r->name, o->ifname, addr);
		}
		for (size_t j = 0; j < i; j++) {
			const struct conf_output *p = &r->outputs[j];

			if (p->kind == OUTPUT_IFACE && strcmp(o->ifname, p->ifname) == 0 &&
			    o->vlan == p->vlan &&
			    addr_eq(conf_output_group(r, o), conf_output_group(r, p)) &&
			    output_port(r, o) == output_port(r, p))
				diag_error(d, c->path, o->line,
					   "rule '%s': duplicate output (same as line %d)",
					   r->name, p->line);
		}
	}
}

static bool rule_complete(const struct conf_rule *r)
{
	return r->input[0] && addr_is_set(&r->group) && r->n_outputs;
}

static const char *family_name(const struct addr *a)
{
	return addr_family(a) == AF_INET6 ? "IPv6" : "IPv4";
}

/* A source of the other family than the group can never match. */
static void check_family(const struct conf *c, const struct conf_rule *r, struct diag *d)
{
	char g[ADDR_STRLEN], src[ADDR_STRLEN];

	if (addr_is_set(&r->group) && addr_is_set(&r->source) &&
	    addr_family(&r->group) != addr_family(&r->source))
		diag_error(d, c->path, r->key_line[KEY_SOURCE],
			   "rule '%s': source %s is %s but group %s is %s",
			   r->name, addr_format(&r->source, src, sizeof(src)),
			   family_name(&r->source), addr_format(&r->group, g, sizeof(g)),
			   family_name(&r->group));
}

/* Rules sorted by what they match, so that equal matches are neighbours. */
struct match_ref {
	const struct conf_rule *r;
	size_t i;
};

static int match_cmp(const struct conf_rule *x, const struct conf_rule *y)
{
	int c = strcmp(x->input, y->input);

	if (c)
		return c;
	if (x->vlan != y->vlan)
		return x->vlan < y->vlan ? -1 : 1;
	if ((c = addr_cmp(&x->group, &y->group)) != 0)
		return c;
	if (x->group_len != y->group_len)
		return x->group_len < y->group_len ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	if (x->port_last != y->port_last)
		return x->port_last < y->port_last ? -1 : 1;
	if ((c = addr_cmp(&x->source, &y->source)) != 0)
		return c;
	return x->source_len < y->source_len ? -1 : x->source_len > y->source_len;
}

static int by_match(const void *a, const void *b)
{
	const struct match_ref *x = a, *y = b;
	int c = match_cmp(x->r, y->r);

	return c ? c : (x->i < y->i ? -1 : x->i > y->i);
}

static int by_index(const void *a, const void *b)
{
	const size_t *x = a, *y = b;

	return x[0] != y[0] ? (x[0] < y[0] ? -1 : 1) : (x[1] < y[1] ? -1 : x[1] > y[1]);
}

/*
 * Pairs (later, earlier) of complete rules with the same match, in rule
 * order: sorting makes this n log n, where comparing every pair would take
 * seconds with 10,000 rules.
 */
static size_t *same_match_pairs(const struct conf *c, size_t *n_pairs)
{
	struct match_ref *refs = calloc(c->n_rules + 1, sizeof(*refs));
	size_t *pairs = NULL, n = 0, cap = 0, k = 0;

	if (refs == NULL)
		abort();
	for (size_t i = 0; i < c->n_rules; i++)
		if (rule_complete(&c->rules[i]))
			refs[k++] = (struct match_ref){ &c->rules[i], i };
	qsort(refs, k, sizeof(*refs), by_match);
	for (size_t a = 0, b; a < k; a = b) {
		for (b = a + 1; b < k && match_cmp(refs[a].r, refs[b].r) == 0; b++)
			for (size_t e = a; e < b; e++) {
				if (n == cap) {
					cap = cap ? cap * 2 : 16;
					pairs = realloc(pairs, cap * 2 * sizeof(*pairs));
					if (pairs == NULL)
						abort();
				}
				pairs[2 * n] = refs[b].i;
				pairs[2 * n + 1] = refs[e].i;
				n++;
			}
	}
	free(refs);
	if (n)
		qsort(pairs, n, 2 * sizeof(*pairs), by_index);
	*n_pairs = n;
	return pairs;
}



enum { WHITE, GREY, BLACK };

struct loop_search {
	const struct conf *c;
	struct diag *d;
	int *color;
	size_t *stack;
	size_t depth;
	struct match_ref *by_input;	/* complete rules for one group, by (input, group) */
	size_t n_by_input;
	size_t *prefixes;		/* complete rules for a group prefix */
	size_t n_prefixes;
};

static void report_loop(struct loop_search *s, size_t closing)
{
	char path[1024];
	size_t start = 0, len = 0;

	while (s->stack[start] != closing)
		start++;
	for (size_t k = start; k < s->depth && len < sizeof(path); k++)
		len += (size_t)snprintf(path + len, sizeof(path) - len, "%s -> ",
					s->c->rules[s->stack[k]].name);
	if (len < sizeof(path))
		snprintf(path + len, sizeof(path) - len, "%s",
			 s->c->rules[closing].name);
	const struct conf_rule *last = &s->c->rules[s->stack[s->depth - 1]];

	if (s->depth - start == 2)
		diag_error(s->d, s->c->path, last->line,
			   "rules '%s' and '%s' feed each other in a loop (%s)",
			   s->c->rules[closing].name, last->name, path);
	else
		diag_error(s->d, s->c->path, last->line,
			   "rules feed each other in a loop (%s)", path);
}

static int by_input_group(const void *a, const void *b)
{
	const struct match_ref *x = a, *y = b;
	int c = strcmp(x->r->input, y->r->input);

	if (c)
		return c;
	if ((c = addr_cmp(&x->r->group, &y->r->group)) != 0)
		return c;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int by_size(const void *a, const void *b)
{
	const size_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

static void add_fed(size_t **out, size_t *n, size_t *cap, size_t i)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*out = realloc(*out, *cap * sizeof(**out));
		if (*out == NULL)
			abort();
	}
	(*out)[(*n)++] = i;
}

/*
 * The rules that v's outputs feed, ascending and once each.  Rules for one
 * group are found by (input, group): a group, or the run of groups in a
 * prefix, lies together in that order; rules for a group prefix are few,
 * and each is tried.
 */
static size_t *fed_by(const struct loop_search *s, size_t v, size_t *n)
{
	const struct conf_rule *a = &s->c->rules[v];
	size_t *out = NULL, cap = 0;

	*n = 0;
	for (size_t k = 0; k < a->n_outputs; k++) {
		const struct conf_output *o = &a->outputs[k];
		const struct addr *g;
		unsigned glen;
		struct conf_rule key_rule = { 0 };
		struct match_ref key = { &key_rule, 0 };
		size_t lo = 0, hi = s->n_by_input;

		output_groups(a, o, &g, &glen);
		key_rule.group = *g;
		snprintf(key_rule.input, sizeof(key_rule.input), "%s", o->ifname);
		while (lo < hi) {	/* the first (input, group) not below the key */
			size_t mid = (lo + hi) / 2;

			if (by_input_group(&s->by_input[mid], &key) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < s->n_by_input && strcmp(s->by_input[lo].r->input, o->ifname) == 0 &&
		       addr_in_prefix(&s->by_input[lo].r->group, g, glen); lo++) {
			if (s->by_input[lo].i != v && output_feeds(a, o, s->by_input[lo].r))
				add_fed(&out, n, &cap, s->by_input[lo].i);
		}
		for (size_t p = 0; p < s->n_prefixes; p++) {
			size_t w = s->prefixes[p];

			if (w != v && output_feeds(a, o, &s->c->rules[w]))
				add_fed(&out, n, &cap, w);
		}
	}
	if (*n > 1)
		qsort(out, *n, sizeof(*out), by_size);
	return out;
}

static void visit(struct loop_search *s, size_t v)
{
	size_t n, *fed = fed_by(s, v, &n);

	s->color[v] = GREY;
	s->stack[s->depth++] = v;
	for (size_t k = 0; k < n; k++) {
		size_t w = fed[k];

		if (k > 0 && fed[k - 1] == w)
			continue;
		if (s->color[w] == GREY)
			report_loop(s, w);
		else if (s->color[w] == WHITE)
			visit(s, w);
	}
	free(fed);
	s->depth--;
	s->color[v] = BLACK;
}

/* A depth-first search over "rule a's output is rule b's input"; a back edge is a loop. */
static void check_loops(const struct conf *c, struct diag *d)
{
	struct loop_search s = { .c = c, .d = d };

	if (c->n_rules == 0)
		return;
	s.color = calloc(c->n_rules, sizeof(*s.color));
	s.stack = calloc(c->n_rules, sizeof(*s.stack));
	s.by_input = calloc(c->n_rules, sizeof(*s.by_input));
	s.prefixes = calloc(c->n_rules, sizeof(*s.prefixes));
	if (s.color == NULL || s.stack == NULL || s.by_input == NULL || s.prefixes == NULL)
		abort();
	for (size_t i = 0; i < c->n_rules; i++) {
		if (!rule_complete(&c->rules[i]))
			continue;
		if (conf_group_exact(&c->rules[i]))
			s.by_input[s.n_by_input++] = (struct match_ref){ &c->rules[i], i };
		else
			s.prefixes[s.n_prefixes++] = i;
	}
	qsort(s.by_input, s.n_by_input, sizeof(*s.by_input), by_input_group);
	for (size_t v = 0; v < c->n_rules; v++)
		if (s.color[v] == WHITE && rule_complete(&c->rules[v]))
			visit(&s, v);
	free(s.color);
	free(s.stack);
	free(s.by_input);
	free(s.prefixes);
}

/* One socket a worker sends through: an output interface, or a udp socket. */
struct sock_ref {
	const char *input;
	const struct conf_output *o;
	int line;		/* of the rule */
};

static int by_input_socket(const void *a, const void *b)
{
	const struct sock_ref *x = a, *y = b;
	int c = strcmp(x->input, y->input);

	if (c)
		return c;
	if (x->o->kind != y->o->kind)
		return x->o->kind < y->o->kind ? -1 : 1;
	if (x->o->kind == OUTPUT_UDP)
		return conf_udp_cmp(&x->o->udp, &y->o->udp);
	return strcmp(x->o->ifname, y->o->ifname);
}

/*
 * A worker holds one socket per output interface and per udp destination
 * of its input's rules, and takes at most CONF_MAX_SOCKETS_PER_INPUT.
 */
static void check_sockets(const struct conf *c, struct diag *d)
{
	struct sock_ref *refs;
	size_t n = 0;

	for (size_t i = 0; i < c->n_rules; i++)
		n += c->rules[i].n_outputs;
	if (n <= CONF_MAX_SOCKETS_PER_INPUT)
		return;
	refs = calloc(n, sizeof(*refs));
	if (refs == NULL)
		abort();
	n = 0;
	for (size_t i = 0; i < c->n_rules; i++)
		for (size_t k = 0; k < c->rules[i].n_outputs; k++)
			refs[n++] = (struct sock_ref){ c->rules[i].input, &c->rules[i].outputs[k],
						       c->rules[i].line };
	qsort(refs, n, sizeof(*refs), by_input_socket);
	for (size_t a = 0, b; a < n; a = b) {
		size_t distinct = 1;
		int first_line = refs[a].line;

		for (b = a + 1; b < n && strcmp(refs[b].input, refs[a].input) == 0; b++) {
			distinct += by_input_socket(&refs[b - 1], &refs[b]) != 0;
			if (refs[b].line < first_line)
				first_line = refs[b].line;
		}
		if (distinct > CONF_MAX_SOCKETS_PER_INPUT)
			diag_error(d, c->path, first_line,
				   "input %s: its rules send through %zu sockets (output interfaces and udp destinations), at most %d per input",
				   refs[a].input, distinct, CONF_MAX_SOCKETS_PER_INPUT);
	}
	free(refs);
}

/* The ring's size, where both its keys are set; the later key's line gets the error. */
static void check_ring(const struct conf *c, struct diag *d)
{
	uint64_t bytes = (uint64_t)c->ring.block_size * c->ring.blocks;

	if (c->ring.block_size && c->ring.blocks && bytes > RING_BYTES_MAX)
		diag_error(d, c->path,
			   c->ring_blocks_line > c->ring_block_size_line ? c->ring_blocks_line
									 : c->ring_block_size_line,
			   "the receive ring would take %llu MiB (ring-blocks times ring-block-size, at most %u MiB)",
			   (unsigned long long)(bytes >> 20), RING_BYTES_MAX >> 20);
}

/* An [input NAME] section for an interface that no rule reads from is a mistake. */
static void check_inputs(const struct conf *c, struct diag *d)
{
	for (size_t i = 0; i < c->n_inputs; i++) {
		bool used = false;

		for (size_t j = 0; j < c->n_rules; j++)
			if (strcmp(c->rules[j].input, c->inputs[i].name) == 0)
				used = true;
		if (!used)
			diag_error(d, c->path, c->inputs[i].line,
				   "[input %s]: no rule has input %s", c->inputs[i].name,
				   c->inputs[i].name);
	}
}

void conf_validate(const struct conf *c, struct diag *d)
{
	check_ring(c, d);
	check_inputs(c, d);
	size_t n_pairs, k = 0;
	size_t *pairs = same_match_pairs(c, &n_pairs);

	for (size_t i = 0; i < c->n_rules; i++) {
		const struct conf_rule *r = &c->rules[i];

		check_required(c, r, d);
		check_family(c, r, d);
		check_ttl(c, r, d);
		if (rule_complete(r))
			check_outputs(c, r, d);
		for (; k < n_pairs && pairs[2 * k] == i; k++) {
			const struct conf_rule *q = &c->rules[pairs[2 * k + 1]];

			diag_error(d, c->path, r->line,
				   "rule '%s' matches exactly what rule '%s' (line %d) matches",
				   r->name, q->name, q->line);
		}
	}
	free(pairs);
	check_joins(c, d);
	check_sockets(c, d);
	check_loops(c, d);
	if (c->n_rules == 0)
		diag_warn(d, c->path, 0, "no rules: nothing will be forwarded");
}
