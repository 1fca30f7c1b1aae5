#ifndef MCRELAY_BPF_H
#define MCRELAY_BPF_H

#include <linux/filter.h>
#include <stddef.h>

#include "addr.h"

#define BPF_MAX_INSNS 256

/*
 * Builds a classic BPF program that accepts IPv4 UDP frames and IPv6
 * frames (untagged or with one 802.1Q tag in the frame) addressed to one
 * of the groups, and drops everything else.  IPv6 is matched on its
 * destination only: the extension headers in front of UDP are the
 * worker's to walk.  With too many groups of a family to list, it accepts
 * every multicast destination of that family and leaves the choice to the
 * rule lookup.  Returns the number of instructions written to prog.
 */
size_t bpf_build_filter(const struct addr *groups, size_t n,
			struct sock_filter prog[BPF_MAX_INSNS]);

#endif
