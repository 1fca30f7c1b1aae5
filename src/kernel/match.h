#ifndef MCRELAY_KERNEL_MATCH_H
#define MCRELAY_KERNEL_MATCH_H

/*
 * The best rule for a packet, exactly as rules.c's rule_table_lookup
 * finds it: the exact rules by hash, most specific kind first and only
 * kinds that occur; then the wide rules, most specific first, only while
 * they could beat what the hash found (spec below its spec: stop).
 */

#include "kernel/maps.h"
#include "kernel/parse.h"

static __always_inline const struct kpath_match *kp_probe(struct kpath_exact_key *key,
							  const struct kpkt *p, bool port,
							  bool source)
{
	key->port = port ? p->dport : 0;
	if (source)
		__builtin_memcpy(key->source, p->source.b, sizeof(key->source));
	else
		__builtin_memset(key->source, 0, sizeof(key->source));
	return bpf_map_lookup_elem(&kpath_exact, key);
}

static __always_inline bool kp_wide_matches(const struct kpath_wide *w, const struct kpkt *p,
					    __u16 port)
{
	if (w->vlan != p->vlan)
		return false;
	if (w->port_lo && (port < w->port_lo || port > w->port_hi))
		return false;
	return (p->group.d[0] & w->group_mask[0]) == w->group[0] &&
	       (p->group.d[1] & w->group_mask[1]) == w->group[1] &&
	       (p->source.d[0] & w->source_mask[0]) == w->source[0] &&
	       (p->source.d[1] & w->source_mask[1]) == w->source[1];
}

/* True and the rule in *best if one matches. */
static __always_inline bool kp_match(const struct kpkt *p, struct kpath_match *best)
{
	struct kpath_exact_key key = {};
	const struct kpath_match *m = NULL;
	__u32 kinds = kpath_config.kinds, n_wide = kpath_config.n_wide;
	__u16 port = bpf_ntohs(p->dport);
	__u64 spec;

	__builtin_memcpy(key.group, p->group.b, sizeof(key.group));
	key.vlan = p->vlan;
	if (kinds & KPATH_KIND_PORT_SRC)
		m = kp_probe(&key, p, true, true);
	if (!m && (kinds & KPATH_KIND_PORT))
		m = kp_probe(&key, p, true, false);
	if (!m && (kinds & KPATH_KIND_SRC))
		m = kp_probe(&key, p, false, true);
	if (!m && (kinds & KPATH_KIND_ANY))
		m = kp_probe(&key, p, false, false);
	if (m)
		*best = *m;
	spec = m ? m->spec : 0;
	for (__u32 i = 0; i < KPATH_MAX_WIDE; i++) {
		const struct kpath_wide *w;

		if (i >= n_wide)
			break;
		w = bpf_map_lookup_elem(&kpath_wide, &i);
		if (!w || w->m.spec < spec)
			break;	/* nor can any after it beat the hash's */
		if (kp_wide_matches(w, p, port)) {
			*best = w->m;
			return true;
		}
	}
	return m != NULL;
}

#endif
