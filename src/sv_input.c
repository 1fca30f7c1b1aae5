#include "config.h"

#include "sv.h"

#include "bpf.h"
#include "log.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

/*
 * An input interface's share of the work: its group memberships and the
 * filter that its workers' ingress sockets carry.  A worker restarting
 * touches neither: only a new configuration, or the interface going away,
 * does.
 */

struct sv_input *svi_new(struct supervisor *sv, const char *name)
{
	struct sv_input *in = calloc(1, sizeof(*in));

	if (in == NULL)
		fatal(EX_OSERR, "calloc");
	in->sv = sv;
	snprintf(in->name, sizeof(in->name), "%s", name);
	return in;
}

/* Leaves the groups; the next svi_update joins them again. */
void svi_close(struct sv_input *in)
{
	psock_membership_close(&in->joins);
	in->joins_generation = 0;
}

void svi_free(struct sv_input *in)
{
	svi_close(in);
	free(in->groups);
	free(in);
}

/* The memberships are for this configuration and this interface. */
bool svi_current(const struct sv_input *in, int ifindex)
{
	return in->joins_generation == in->sv->generation && in->info.ifindex == ifindex;
}

/* An any-source join already covers a source-specific one for the same group. */
static int cmp_addr(const void *a, const void *b)
{
	return addr_cmp(a, b);
}

/* The groups in order, each once, so that the same set gives the same filter. */
static size_t sort_groups(struct addr *groups, size_t n)
{
	size_t k = 0;

	qsort(groups, n, sizeof(*groups), cmp_addr);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || !addr_eq(&groups[k - 1], &groups[i]))
			groups[k++] = groups[i];
	return k;
}

static uint64_t filter_digest(const struct addr *groups, size_t n)
{
	struct sock_filter prog[BPF_MAX_INSNS];
	size_t len = bpf_build_filter(groups, n, prog);

	return sv_fnv1a(0xcbf29ce484222325ULL, prog, len * sizeof(prog[0]));
}

struct join_pair {
	struct addr group, source;
	const struct conf_rule *rule;	/* for the message if the join fails */
};

/* By group, then source; any-source (0) first within a group. */
static int cmp_join(const void *a, const void *b)
{
	const struct join_pair *x = a, *y = b;

	int c = addr_cmp(&x->group, &y->group);

	return c ? c : addr_cmp(&x->source, &y->source);
}

/*
 * Each (group, source) once; a source-specific join is left out where the
 * any-source join of its group covers it (both on one socket conflict).
 * Sorted, so that 10,000 rules take n log n, not n squared.
 */
static int join_all(struct membership_set *joins, int ifindex, struct join_pair *p,
		    size_t n, const char *ifname)
{
	char g[ADDR_STRLEN];
	bool any_source = false;	/* the current group's run started with (*,G) */

	qsort(p, n, sizeof(*p), cmp_join);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || !addr_eq(&p[i].group, &p[i - 1].group))
			any_source = !addr_is_set(&p[i].source);
		else if (any_source || addr_eq(&p[i].source, &p[i - 1].source))
			continue;
		if (psock_membership_join(joins, ifindex, &p[i].group, &p[i].source) < 0) {
			addr_format(&p[i].group, g, sizeof(g));
			log_warn("rule %s: cannot join %s on %s", p[i].rule->name, g, ifname);
			return -1;
		}
	}
	return 0;
}

/*
 * Joins the groups of the input's rules on the interface as it is now, and
 * works out the filter its ingress sockets need.  New memberships are
 * joined before the old ones are left, so groups that stay are never left;
 * on failure the previous memberships and filter stay.
 */
int svi_update(struct sv_input *in)
{
	const struct conf *c = &in->sv->conf;
	struct addr *groups = calloc(c->n_rules + 1, sizeof(*groups));
	struct join_pair *joins_wanted = calloc(c->n_rules + 1, sizeof(*joins_wanted));
	struct membership_set joins = { 0 };
	struct iface_info info;
	size_t n = 0;

	if (groups == NULL || joins_wanted == NULL) {
		free(groups);
		free(joins_wanted);
		return -1;
	}
	if (psock_iface_lookup(in->name, &info) < 0) {
		log_warn("interface %s", in->name);
		goto fail;
	}
	for (size_t i = 0; i < c->n_rules; i++) {
		const struct conf_rule *r = &c->rules[i];

		if (strcmp(r->input, in->name) != 0)
			continue;
		groups[n] = r->group;
		joins_wanted[n++] = (struct join_pair){ r->group, r->source, r };
	}
	if (join_all(&joins, info.ifindex, joins_wanted, n, in->name) < 0)
		goto fail;
	psock_membership_close(&in->joins);
	in->joins = joins;
	in->info = info;
	free(in->groups);
	in->groups = groups;
	in->n_groups = sort_groups(groups, n);
	in->filter_digest = filter_digest(groups, in->n_groups);
	in->joins_generation = in->sv->generation;
	free(joins_wanted);
	return 0;
fail:
	psock_membership_close(&joins);
	free(groups);
	free(joins_wanted);
	return -1;
}
