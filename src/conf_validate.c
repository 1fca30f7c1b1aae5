#include "config.h"

#include "conf_validate.h"

#include <arpa/inet.h>
#include <stdlib.h>
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

/* Can traffic sent by output o of rule a be matched by rule b? */
static bool output_feeds(const struct conf_rule *a, const struct conf_output *o,
			 const struct conf_rule *b)
{
	uint16_t port = output_port(a, o);

	if (strcmp(o->ifname, b->input) != 0)
		return false;
	if (conf_output_group(a, o) != b->group)
		return false;
	if (b->port && port && port != b->port)
		return false;
	/* The source address is kept, so a source-specific rule only sees its own. */
	if (a->source && b->source && a->source != b->source)
		return false;
	return true;
}

static void check_outputs(const struct conf *c, const struct conf_rule *r,
			  struct diag *d)
{
	char addr[INET_ADDRSTRLEN];

	for (size_t i = 0; i < r->n_outputs; i++) {
		const struct conf_output *o = &r->outputs[i];

		if (output_feeds(r, o, r)) {
			struct in_addr g = { .s_addr = conf_output_group(r, o) };

			inet_ntop(AF_INET, &g, addr, sizeof(addr));
			diag_error(d, c->path, o->line,
				   "rule '%s': output '%s %s' sends the rule's own traffic back to its input (same interface, group and port)",
				   r->name, o->ifname, addr);
		}
		for (size_t j = 0; j < i; j++) {
			const struct conf_output *p = &r->outputs[j];

			if (strcmp(o->ifname, p->ifname) == 0 &&
			    conf_output_group(r, o) == conf_output_group(r, p) &&
			    output_port(r, o) == output_port(r, p))
				diag_error(d, c->path, o->line,
					   "rule '%s': duplicate output (same as line %d)",
					   r->name, p->line);
		}
	}
}

static void check_same_match(const struct conf *c, size_t i, struct diag *d)
{
	const struct conf_rule *r = &c->rules[i];

	for (size_t j = 0; j < i; j++) {
		const struct conf_rule *q = &c->rules[j];

		if (strcmp(r->input, q->input) == 0 && r->group == q->group &&
		    r->port == q->port && r->source == q->source)
			diag_error(d, c->path, r->line,
				   "rule '%s' matches exactly what rule '%s' (line %d) matches",
				   r->name, q->name, q->line);
	}
}

static bool rule_complete(const struct conf_rule *r)
{
	return r->input[0] && r->group && r->n_outputs;
}

static bool rule_feeds(const struct conf_rule *a, const struct conf_rule *b)
{
	if (!rule_complete(a) || !rule_complete(b))
		return false;
	for (size_t i = 0; i < a->n_outputs; i++)
		if (output_feeds(a, &a->outputs[i], b))
			return true;
	return false;
}

enum { WHITE, GREY, BLACK };

struct loop_search {
	const struct conf *c;
	struct diag *d;
	int *color;
	size_t *stack;
	size_t depth;
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

static void visit(struct loop_search *s, size_t v)
{
	s->color[v] = GREY;
	s->stack[s->depth++] = v;
	for (size_t w = 0; w < s->c->n_rules; w++) {
		if (w == v || !rule_feeds(&s->c->rules[v], &s->c->rules[w]))
			continue;
		if (s->color[w] == GREY)
			report_loop(s, w);
		else if (s->color[w] == WHITE)
			visit(s, w);
	}
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
	if (s.color == NULL || s.stack == NULL)
		abort();
	for (size_t v = 0; v < c->n_rules; v++)
		if (s.color[v] == WHITE)
			visit(&s, v);
	free(s.color);
	free(s.stack);
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
	for (size_t i = 0; i < c->n_rules; i++) {
		const struct conf_rule *r = &c->rules[i];

		check_required(c, r, d);
		if (rule_complete(r)) {
			check_outputs(c, r, d);
			check_same_match(c, i, d);
		}
	}
	check_loops(c, d);
	if (c->n_rules == 0)
		diag_warn(d, c->path, 0, "no rules: nothing will be forwarded");
}
