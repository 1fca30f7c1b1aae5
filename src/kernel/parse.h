#ifndef MCRELAY_KERNEL_PARSE_H
#define MCRELAY_KERNEL_PARSE_H

/*
 * Whether a frame is one the kernel path handles (the predicate is
 * written out in lib/kpath_abi.h; kpath_handles() in lib/kpath_plan.h is
 * its twin for the worker), and what the match and the rewrite need of
 * it.  Headers are read in place: the first KP_HDR_MAX bytes are made
 * linear first if they are not.
 */

#include "kernel/compat.h"

/* Ethernet, an 802.1Q tag, IPv4 with options, UDP. */
#define KP_HDR_MAX (14 + 4 + 60 + 8)

union kp_addr {
	__u8 b[16];
	__u32 w[4];
	__u64 d[2];
};

struct kpkt {
	union kp_addr group, source;	/* IPv4 as ::ffff:a.b.c.d */
	__u32 l3, l4;		/* offsets of the IP and UDP headers */
	__u32 ip_len;
	__u16 vlan;		/* VID; 0: untagged */
	__u16 tci;		/* the whole TCI of its tag; 0: untagged */
	__be16 dport;
	__u8 tag_in_frame;
	__u8 v6;
	__u8 ttl;
	__u8 group_mac[6];	/* the Ethernet address of group */
};

static __always_inline bool kp_vid_ok(__u16 tci)
{
	__u16 vid = tci & 0x0fff;

	return vid != 0 && vid != 0x0fff;
}

static __always_inline bool kp_is_tag(__be16 type)
{
	return type == bpf_htons(ETH_P_8021Q) || type == bpf_htons(ETH_P_8021AD);
}

/* Folds a 32-bit one's complement sum to 16 bits. */
static __always_inline __u16 kp_fold(__u64 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* The IPv4 header checksum over ihl bytes (20 in place, options copied out) is right. */
static __always_inline bool kp_ipv4_csum_ok(struct __sk_buff *skb, struct iphdr *ip, __u32 l3,
					    __u32 ihl)
{
	__u8 opt[40];
	__s64 sum = bpf_csum_diff(NULL, 0, (__be32 *)ip, 20, 0);
	__u32 optlen = ihl - 20;

	if (sum < 0)
		return false;
	if (optlen) {
		if (optlen > sizeof(opt) || bpf_skb_load_bytes(skb, l3 + 20, opt, optlen) < 0)
			return false;
		sum = bpf_csum_diff(NULL, 0, (__be32 *)opt, optlen, (__u32)sum);
		if (sum < 0)
			return false;
	}
	return kp_fold((__u64)sum) == 0xffff;
}

static __always_inline bool kp_parse_udp(void *data, void *end, struct kpkt *p, __u32 l4)
{
	struct udphdr *udp = data + l4;

	if ((void *)(udp + 1) > end)
		return false;
	if (bpf_ntohs(udp->len) != p->ip_len - (l4 - p->l3))
		return false;
	p->l4 = l4;
	p->dport = udp->dest;
	return true;
}

static __always_inline bool kp_parse_ipv4(struct __sk_buff *skb, void *data, void *end,
					  struct kpkt *p, __u32 l3)
{
	struct iphdr *ip = data + l3;
	__u32 ihl, ip_len;

	if ((void *)(ip + 1) > end)
		return false;
	if (ip->version != 4 || ip->ihl < 5 || ip->protocol != IPPROTO_UDP ||
	    (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET)))
		return false;
	ihl = ip->ihl * 4;
	ip_len = bpf_ntohs(ip->tot_len);
	if (ip_len < ihl + 8 || skb->len < l3 + ip_len)
		return false;
	if ((ip->daddr & bpf_htonl(0xf0000000)) != bpf_htonl(0xe0000000))
		return false;
	if (!kp_ipv4_csum_ok(skb, ip, l3, ihl))
		return false;
	p->l3 = l3;
	p->ip_len = ip_len;
	p->ttl = ip->ttl;
	p->group.w[2] = bpf_htonl(0xffff);
	p->group.w[3] = ip->daddr;
	p->source.w[2] = bpf_htonl(0xffff);
	p->source.w[3] = ip->saddr;
	p->group_mac[0] = 0x01;
	p->group_mac[1] = 0x00;
	p->group_mac[2] = 0x5e;
	p->group_mac[3] = p->group.b[13] & 0x7f;
	p->group_mac[4] = p->group.b[14];
	p->group_mac[5] = p->group.b[15];
	return kp_parse_udp(data, end, p, l3 + ihl);
}

static __always_inline bool kp_parse_ipv6(struct __sk_buff *skb, void *data, void *end,
					  struct kpkt *p, __u32 l3)
{
	struct ipv6hdr *ip6 = data + l3;
	__u32 payload;

	if ((void *)(ip6 + 1) > end)
		return false;
	if (ip6->version != 6 || ip6->nexthdr != IPPROTO_UDP || ip6->daddr.s6_addr[0] != 0xff)
		return false;
	payload = bpf_ntohs(ip6->payload_len);
	if (payload < 8 || skb->len < l3 + 40 + payload)
		return false;
	__builtin_memcpy(p->group.b, ip6->daddr.s6_addr, 16);
	__builtin_memcpy(p->source.b, ip6->saddr.s6_addr, 16);
	if (p->source.d[0] == 0 && p->source.w[2] == bpf_htonl(0xffff))
		return false;	/* ::ffff:a.b.c.d */
	p->l3 = l3;
	p->ip_len = 40 + payload;
	p->v6 = 1;
	p->ttl = ip6->hop_limit;
	p->group_mac[0] = 0x33;
	p->group_mac[1] = 0x33;
	__builtin_memcpy(p->group_mac + 2, p->group.b + 12, 4);
	return kp_parse_udp(data, end, p, l3 + 40);
}

/* True if the kernel path handles the frame; p is then complete. */
static __always_inline bool kp_parse(struct __sk_buff *skb, struct kpkt *p)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth;
	__be16 type;

	if (skb->gso_size)
		return false;
	if (data + KP_HDR_MAX > end && end - data < skb->len) {
		if (bpf_skb_pull_data(skb, skb->len < KP_HDR_MAX ? skb->len : KP_HDR_MAX) < 0)
			return false;
		data = (void *)(long)skb->data;
		end = (void *)(long)skb->data_end;
	}
	eth = data;
	if ((void *)(eth + 1) > end)
		return false;
	type = eth->h_proto;
	if (skb->vlan_present) {
		if (skb->vlan_proto != bpf_htons(ETH_P_8021Q) || kp_is_tag(type) ||
		    !kp_vid_ok((__u16)skb->vlan_tci))
			return false;
		p->tci = (__u16)skb->vlan_tci;
	} else if (type == bpf_htons(ETH_P_8021Q)) {
		struct vlan_hdr *tag = (void *)(eth + 1);

		if ((void *)(tag + 1) > end)
			return false;
		p->tci = bpf_ntohs(tag->h_vlan_TCI);
		type = tag->h_vlan_encapsulated_proto;
		if (kp_is_tag(type) || !kp_vid_ok(p->tci))
			return false;
		p->tag_in_frame = 1;
	} else if (type == bpf_htons(ETH_P_8021AD)) {
		return false;
	}
	p->vlan = p->tci & 0x0fff;
	if (type == bpf_htons(ETH_P_IP))
		return p->tag_in_frame ? kp_parse_ipv4(skb, data, end, p, 18)
				       : kp_parse_ipv4(skb, data, end, p, 14);
	if (type == bpf_htons(ETH_P_IPV6))
		return p->tag_in_frame ? kp_parse_ipv6(skb, data, end, p, 18)
				       : kp_parse_ipv6(skb, data, end, p, 14);
	return false;
}

#endif
