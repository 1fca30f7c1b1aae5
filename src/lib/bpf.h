#ifndef MCRELAY_BPF_H
#define MCRELAY_BPF_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

#define BPF_MAX_INSNS 256
/* More VLANs than this are not listed: the worker's lookup chooses. */
#define BPF_MAX_LISTED_VIDS 16

/* What an input's rules receive. */
struct bpf_match {
	const struct addr *groups;	/* IPv4 and IPv6 */
	size_t n_groups;
	bool any_v4, any_v6;	/* rules for a group prefix: every group of the family */
	bool untagged;		/* some rules take untagged frames */
	const uint16_t *vids;	/* the VLANs (1-4094) that rules take */
	size_t n_vids;
	/*
	 * Listed groups whose frames the kernel path relays, all of them that
	 * it can (lib/kpath_abi.h): of those only what it passes on is
	 * accepted, IPv4 fragments, IPv6 with a header before UDP, and frames
	 * longer than kernel_len_max (one GSO packet, longer than the MTU).
	 * Sorted as groups; each must be one of them.
	 */
	const struct addr *kernel_groups;
	size_t n_kernel_groups;
	/*
	 * Every group of the family is the kernel path's (no packet-path rule
	 * of the family at all): told apart also where groups are not listed.
	 */
	bool kernel_all_v4, kernel_all_v6;
	uint32_t kernel_len_max;
};

/*
 * Builds a classic BPF program that accepts IPv4 UDP frames and IPv6
 * frames addressed to one of the groups, untagged only if m->untagged, and
 * with one 802.1Q tag only for the VIDs listed: the tag either in the
 * metadata (receive offload, SKF_AD_VLAN_TAG) or in the frame.  Everything
 * else is dropped, two tags (QinQ) included.  IPv6 is matched on its
 * destination only: the extension headers in front of UDP are the
 * worker's to walk.  With too many groups of a family to list in
 * BPF_MAX_INSNS, or a prefix rule, it accepts every multicast destination
 * of that family; with too many VIDs any VID; the rule lookup chooses.
 * The kernel path's groups are told apart where every group is listed, or
 * the whole family is the kernel path's.
 * Returns the number of instructions in prog.
 */
size_t bpf_build_filter(const struct bpf_match *m, struct sock_filter prog[BPF_MAX_INSNS]);

#endif
