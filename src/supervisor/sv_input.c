#include "config.h"

#include "supervisor/sv_input.h"

#include "lib/bpf.h"
#include "supervisor/conf_host.h"
#include "supervisor/sv_kpath.h"
#include "common/log.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

struct sv_input *svi_new(struct supervisor *sv, const char *name)
{
	struct sv_input *in = calloc(1, sizeof(*in));

	if (in == NULL)
		fatal(EX_OSERR, "calloc");
	in->sv = sv;
	snprintf(in->name, sizeof(in->name), "%s", name);
	return in;
}

struct sv_input *svi_find(const struct supervisor *sv, const char *name)
{
	for (size_t i = 0; i < sv->n_inputs; i++)
		if (strcmp(sv->inputs[i]->name, name) == 0)
			return sv->inputs[i];
	return NULL;
}

void svi_close(struct sv_input *in)
{
	svk_close(in);
	psock_membership_close(&in->joins);
	in->joins_generation = 0;
}

void svi_free(struct sv_input *in)
{
	svi_close(in);
	svk_free(in);
	free(in->groups);
	free(in->vids);
	free(in->kernel_groups);
	free(in);
}

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

static int cmp_vid(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;

	return x < y ? -1 : x > y;
}

/* The VLANs in order, each once. */
static size_t sort_vids(uint16_t *vids, size_t n)
{
	size_t k = 0;

	qsort(vids, n, sizeof(*vids), cmp_vid);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || vids[k - 1] != vids[i])
			vids[k++] = vids[i];
	return k;
}

static uint64_t filter_digest(const struct bpf_match *m)
{
	struct sock_filter prog[BPF_MAX_INSNS];
	size_t len = bpf_build_filter(m, prog);

	return sv_fnv1a(0xcbf29ce484222325ULL, prog, len * sizeof(prog[0]));
}

struct join_pair {
	int ifindex;		/* the input, or its VLAN sub-interface */
	struct addr group, source;
	const struct conf_rule *rule;	/* for the message if the join fails */
};

/* By interface, group, then source; any-source (0) first within a group. */
static int cmp_join(const void *a, const void *b)
{
	const struct join_pair *x = a, *y = b;

	int c;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	if ((c = addr_cmp(&x->group, &y->group)) != 0)
		return c;
	return addr_cmp(&x->source, &y->source);
}

/*
 * Each (group, source) once; a source-specific join is left out where the
 * any-source join of its group covers it (both on one socket conflict).
 * Sorted, so that 10,000 rules take n log n, not n squared.
 */
static int join_all(struct membership_set *joins, struct join_pair *p, size_t n)
{
	char g[ADDR_STRLEN];
	bool any_source = false;	/* the current group's run started with (*,G) */

	qsort(p, n, sizeof(*p), cmp_join);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || !addr_eq(&p[i].group, &p[i - 1].group) ||
		    p[i].ifindex != p[i - 1].ifindex)
			any_source = !addr_is_set(&p[i].source);
		else if (any_source || addr_eq(&p[i].source, &p[i - 1].source))
			continue;
		if (psock_membership_join(joins, p[i].ifindex, &p[i].group, &p[i].source) < 0) {
			addr_format(&p[i].group, g, sizeof(g));
			log_warn("rule %s: cannot join %s on %s", p[i].rule->name, g,
				 p[i].rule->input);
			return -1;
		}
	}
	return 0;
}

/* VLANs whose memberships go through a sub-interface, and those that have none. */
struct vlan_joins {
	uint16_t vid[64];
	int ifindex[64];	/* 0: no sub-interface */
	size_t n;
};

/*
 * Where the memberships of a rule on VLAN vid of input are made: a tagged
 * join can only leave through the VLAN sub-interface, so there, or nowhere
 * (0) if there is none, which is said once per VLAN and update.
 */
static int vlan_join_ifindex(struct vlan_joins *v, const char *input, uint16_t vid)
{
	char subif[IF_NAMESIZE];
	int ifindex = 0;

	for (size_t i = 0; i < v->n; i++)
		if (v->vid[i] == vid)
			return v->ifindex[i];
	if (conf_vlan_subif(input, vid, subif))
		ifindex = (int)if_nametoindex(subif);
	if (ifindex == 0)
		log_warnx("no membership can be made for VLAN %u on %s (no VLAN sub-interface of %s with id %u): the stream must be flooded or forwarded statically",
			  vid, input, input, vid);
	else
		log_info("input %s vlan %u: memberships through %s", input, vid, subif);
	if (v->n < sizeof(v->vid) / sizeof(v->vid[0])) {
		v->vid[v->n] = vid;
		v->ifindex[v->n++] = ifindex;
	}
	return ifindex;
}

void svi_set_kernel_groups(struct sv_input *in, struct addr *groups, size_t n,
			   const bool all[2], unsigned mtu)
{
	free(in->kernel_groups);
	in->kernel_groups = groups;
	in->n_kernel_groups = n;
	in->match.kernel_groups = groups;
	in->match.n_kernel_groups = n;
	in->match.kernel_all_v4 = all[0];
	in->match.kernel_all_v6 = all[1];
	/* A frame longer than the MTU with a tag allows came as one GSO packet. */
	in->match.kernel_len_max = mtu + 18;
	in->filter_digest = filter_digest(&in->match);
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
	uint16_t *vids = calloc(c->n_rules + 1, sizeof(*vids));
	struct join_pair *joins_wanted = calloc(c->n_rules + c->n_joins + 1,
						sizeof(*joins_wanted));
	struct membership_set joins = { 0 };
	struct vlan_joins vlans = { .n = 0 };
	struct bpf_match match = { .groups = groups, .vids = vids };
	struct iface_info info;
	size_t n = 0, n_joins = 0, j = 0;

	if (groups == NULL || vids == NULL || joins_wanted == NULL) {
		free(groups);
		free(vids);
		free(joins_wanted);
		return -1;
	}
	if (psock_iface_lookup(in->name, &info) < 0) {
		log_warn("interface %s", in->name);
		goto fail;
	}
	for (size_t i = 0; i < c->n_rules; i++) {
		const struct conf_rule *r = &c->rules[i];

		int ifindex = info.ifindex;

		for (; j < c->n_joins && c->joins[j].rule < i; j++)
			;
		if (strcmp(r->input, in->name) != 0)
			continue;
		if (conf_group_exact(r))
			groups[n++] = r->group;
		else if (addr_is_v4(&r->group))
			match.any_v4 = true;
		else
			match.any_v6 = true;
		if (r->vlan)
			vids[match.n_vids++] = r->vlan;
		else
			match.untagged = true;
		if (r->vlan && (ifindex = vlan_join_ifindex(&vlans, in->name, r->vlan)) == 0)
			continue;	/* relayed all the same, if the stream arrives */
		/* A source prefix cannot be joined source-specific: any source. */
		struct addr source = r->source_len == addr_bits(&r->source) ? r->source
									    : (struct addr){ 0 };

		if (conf_group_exact(r))
			joins_wanted[n_joins++] = (struct join_pair){ ifindex, r->group, source, r };
		/* A prefix cannot be joined: its join = groups are. */
		for (; j < c->n_joins && c->joins[j].rule == i; j++)
			joins_wanted[n_joins++] =
				(struct join_pair){ ifindex, c->joins[j].group, source, r };
	}
	if (join_all(&joins, joins_wanted, n_joins) < 0)
		goto fail;
	psock_membership_close(&in->joins);
	in->joins = joins;
	in->info = info;
	free(in->groups);
	free(in->vids);
	match.n_groups = sort_groups(groups, n);
	match.n_vids = sort_vids(vids, match.n_vids);
	in->groups = groups;
	in->vids = vids;
	match.kernel_groups = in->kernel_groups;
	match.n_kernel_groups = in->n_kernel_groups;
	match.kernel_all_v4 = in->match.kernel_all_v4;
	match.kernel_all_v6 = in->match.kernel_all_v6;
	match.kernel_len_max = in->match.kernel_len_max;
	in->match = match;
	in->filter_digest = filter_digest(&match);
	in->joins_generation = in->sv->generation;
	free(joins_wanted);
	return 0;
fail:
	psock_membership_close(&joins);
	free(groups);
	free(vids);
	free(joins_wanted);
	return -1;
}
