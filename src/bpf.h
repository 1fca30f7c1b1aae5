#ifndef MCRELAY_BPF_H
#define MCRELAY_BPF_H

#include <linux/filter.h>
#include <netinet/in.h>
#include <stddef.h>

#define BPF_MAX_INSNS 256

/*
 * Builds a classic BPF program that accepts IPv4 UDP frames (untagged or
 * with one 802.1Q tag in the frame) addressed to one of the groups, and
 * drops everything else.  With too many groups to list it accepts every
 * IPv4 multicast destination and leaves the choice to the rule lookup.
 * Returns the number of instructions written to prog.
 */
size_t bpf_build_filter(const in_addr_t *groups, size_t n,
			struct sock_filter prog[BPF_MAX_INSNS]);

#endif
