// SPDX-License-Identifier: GPL-2.0
/*
 * xskfwd.bpf.c: the XDP half of the AF_XDP forwarding experiment.
 *
 * IPv4 UDP frames (first fragments or whole datagrams) for the configured
 * group:port go to the AF_XDP socket of their receive queue (XSKMAP); every
 * other frame, and any frame whose queue has no socket, goes on to the stack
 * (XDP_PASS).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "xskfwd.h"

/* Set by the loader before the program is loaded (read-only after). */
const volatile struct xskfwd_cfg cfg = { 0 };

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

SEC("xdp")
int xskfwd(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct udphdr *udp;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->version != 4 || ip->ihl < 5 ||
	    ip->protocol != IPPROTO_UDP || ip->daddr != cfg.group)
		return XDP_PASS;
	/* later fragments carry no UDP header: leave them to the stack */
	if (ip->frag_off & bpf_htons(0x1fff))
		return XDP_PASS;
	udp = (void *)ip + ip->ihl * 4;
	if ((void *)(udp + 1) > end || udp->dest != cfg.port)
		return XDP_PASS;
	return bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
