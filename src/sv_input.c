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
static bool covered_by_any_source(const struct conf *c, const struct conf_rule *r)
{
	for (size_t i = 0; i < c->n_rules; i++)
		if (strcmp(c->rules[i].input, r->input) == 0 &&
		    c->rules[i].group == r->group && c->rules[i].source == 0)
			return true;
	return false;
}

static int cmp_addr(const void *a, const void *b)
{
	in_addr_t x = *(const in_addr_t *)a, y = *(const in_addr_t *)b;

	return x < y ? -1 : x > y;
}

/* The groups in order, each once, so that the same set gives the same filter. */
static size_t sort_groups(in_addr_t *groups, size_t n)
{
	size_t k = 0;

	qsort(groups, n, sizeof(*groups), cmp_addr);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || groups[k - 1] != groups[i])
			groups[k++] = groups[i];
	return k;
}

static uint64_t filter_digest(const in_addr_t *groups, size_t n)
{
	struct sock_filter prog[BPF_MAX_INSNS];
	size_t len = bpf_build_filter(groups, n, prog);

	return sv_fnv1a(0xcbf29ce484222325ULL, prog, len * sizeof(prog[0]));
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
	in_addr_t *groups = calloc(c->n_rules + 1, sizeof(*groups));
	struct membership_set joins = { 0 };
	struct iface_info info;
	size_t n = 0;
	char g[INET_ADDRSTRLEN];

	if (groups == NULL)
		return -1;
	if (psock_iface_lookup(in->name, &info) < 0) {
		log_warn("interface %s", in->name);
		goto fail;
	}
	for (size_t i = 0; i < c->n_rules; i++) {
		const struct conf_rule *r = &c->rules[i];

		if (strcmp(r->input, in->name) != 0)
			continue;
		groups[n++] = r->group;
		if (r->source && covered_by_any_source(c, r))
			continue;
		if (psock_membership_join(&joins, info.ifindex, r->group, r->source) < 0) {
			inet_ntop(AF_INET, &r->group, g, sizeof(g));
			log_warn("rule %s: cannot join %s on %s", r->name, g, in->name);
			goto fail;
		}
	}
	psock_membership_close(&in->joins);
	in->joins = joins;
	in->info = info;
	free(in->groups);
	in->groups = groups;
	in->n_groups = sort_groups(groups, n);
	in->filter_digest = filter_digest(groups, in->n_groups);
	in->joins_generation = in->sv->generation;
	return 0;
fail:
	psock_membership_close(&joins);
	free(groups);
	return -1;
}
