#ifndef MCRELAY_BPF_H
#define MCRELAY_BPF_H

#include <linux/filter.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BPF_MAX_INSNS 256
/* More groups or VLANs than this are not listed: the worker's lookup chooses. */
#define BPF_MAX_LISTED_GROUPS 200
#define BPF_MAX_LISTED_VIDS 16

/* What an input's rules receive. */
struct bpf_match {
	const in_addr_t *groups;
	size_t n_groups;
	bool untagged;		/* some rules take untagged frames */
	const uint16_t *vids;	/* the VLANs (1-4094) that rules take */
	size_t n_vids;
};

/*
 * Builds a classic BPF program that accepts IPv4 UDP frames addressed to
 * one of the groups, untagged only if m->untagged, and with one 802.1Q tag
 * only for the VIDs listed: the tag either in the metadata (receive
 * offload, SKF_AD_VLAN_TAG) or in the frame.  Everything else is dropped,
 * two tags (QinQ) included.  With too many groups to list it accepts every
 * IPv4 multicast destination, with too many VIDs any VID, and leaves the
 * choice to the rule lookup.  Returns the number of instructions in prog.
 */
size_t bpf_build_filter(const struct bpf_match *m, struct sock_filter prog[BPF_MAX_INSNS]);

#endif
