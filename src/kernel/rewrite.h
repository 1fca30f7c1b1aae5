#ifndef MCRELAY_KERNEL_REWRITE_H
#define MCRELAY_KERNEL_REWRITE_H

/*
 * One output's rewrite, as pkt_rewrite_headers (lib/packet.c) writes it:
 * the 802.1Q tag, both Ethernet addresses, TTL or hop limit, destination
 * address and port, with the IPv4 header checksum and the UDP checksum
 * updated incrementally.  The rewrite starts from the frame as the last
 * output left it (kp_state): only what differs is written.
 *
 * The UDP checksum: BPF_F_MARK_MANGLED_0 leaves a zero one (none, for
 * IPv4; relayed as it came, for IPv6) alone and writes a result of zero
 * as 0xffff; a checksum the sender's offload left partial holds the
 * pseudo-header sum, which the helpers update for the address and not
 * for the port, as pkt_rewrite_headers does.  skb->csum (CHECKSUM_COMPLETE)
 * is kept right for the receiver of a veth: IPv4's header changes cancel
 * out in it, the pseudo-header change is the helper's, and IPv6's hop
 * limit, which no checksum covers, is added by hand.
 */

#include "kernel/maps.h"
#include "kernel/parse.h"

/* What bpf_csum_update returns for an skb without CHECKSUM_COMPLETE. */
#define KP_CSUM_ENOTSUPP 524

/* The frame as it is now. */
struct kp_state {
	union kp_addr daddr;
	__u32 l3, l4;
	__u16 tci;		/* 0: untagged */
	__be16 dport;
	__u8 tag_in_frame;
	__u8 ttl;
};

static __always_inline void kp_state_init(struct kp_state *st, const struct kpkt *p)
{
	st->daddr = p->group;
	st->l3 = p->l3;
	st->l4 = p->l4;
	st->tci = p->tci;
	st->dport = p->dport;
	st->tag_in_frame = p->tag_in_frame;
	st->ttl = p->ttl;
}

/* Adds a change the checksums do not see to skb->csum (only CHECKSUM_COMPLETE has one). */
static __always_inline int kp_csum_update(struct __sk_buff *skb, __s64 diff)
{
	__s64 rc;

	if (diff < 0)
		return -1;
	rc = bpf_csum_update(skb, (__u32)diff);
	return rc < 0 && rc != -KP_CSUM_ENOTSUPP ? -1 : 0;
}

/* One 802.1Q tag with the VID wanted (PCP 0), or none. */
static __always_inline int kp_set_tag(struct __sk_buff *skb, struct kp_state *st, __u16 vid)
{
	if (st->tci == vid)
		return 0;
	if (st->tci) {
		if (bpf_skb_vlan_pop(skb) < 0)
			return -1;
		if (st->tag_in_frame) {
			st->l3 -= 4;
			st->l4 -= 4;
			st->tag_in_frame = 0;
		}
	}
	st->tci = 0;
	if (vid) {
		if (bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), vid) < 0)
			return -1;
		st->tci = vid;
	}
	return 0;
}

static __always_inline int kp_set_ttl(struct __sk_buff *skb, const struct kpkt *p,
				      struct kp_state *st, __u8 ttl)
{
	if (st->ttl == ttl)
		return 0;
	if (!p->v6) {
		/* TTL shares a 16-bit word with the protocol. */
		__be16 from = bpf_htons((__u16)st->ttl << 8 | IPPROTO_UDP);
		__be16 to = bpf_htons((__u16)ttl << 8 | IPPROTO_UDP);

		if (bpf_skb_store_bytes(skb, st->l3 + offsetof(struct iphdr, ttl), &ttl, 1, 0) < 0 ||
		    bpf_l3_csum_replace(skb, st->l3 + offsetof(struct iphdr, check), from, to, 2) < 0)
			return -1;
	} else {
		/* Bytes 4-7: payload length, next header, hop limit. */
		__u8 from[4] = { 0, 0, IPPROTO_UDP, st->ttl }, to[4] = { 0, 0, IPPROTO_UDP, ttl };

		if (bpf_skb_store_bytes(skb, st->l3 + offsetof(struct ipv6hdr, hop_limit), &ttl, 1,
					0) < 0 ||
		    kp_csum_update(skb, bpf_csum_diff((__be32 *)from, 4, (__be32 *)to, 4, 0)) < 0)
			return -1;
	}
	st->ttl = ttl;
	return 0;
}

static __always_inline int kp_set_daddr(struct __sk_buff *skb, const struct kpkt *p,
					struct kp_state *st, const union kp_addr *to)
{
	__u32 check = st->l4 + offsetof(struct udphdr, check);

	if (st->daddr.d[0] == to->d[0] && st->daddr.d[1] == to->d[1])
		return 0;
	if (!p->v6) {
		__be32 from4 = st->daddr.w[3], to4 = to->w[3];

		if (bpf_skb_store_bytes(skb, st->l3 + offsetof(struct iphdr, daddr), &to4, 4, 0) < 0 ||
		    bpf_l3_csum_replace(skb, st->l3 + offsetof(struct iphdr, check), from4, to4, 4) < 0 ||
		    bpf_l4_csum_replace(skb, check, from4, to4,
					BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0 | 4) < 0)
			return -1;
	} else {
		__s64 diff = bpf_csum_diff((__be32 *)st->daddr.b, 16, (__be32 *)to->b, 16, 0);
		__u64 v6 = kpath_config.l4_v6_flags;

		if (diff < 0 ||
		    bpf_skb_store_bytes(skb, st->l3 + offsetof(struct ipv6hdr, daddr), to->b, 16,
					0) < 0 ||
		    bpf_l4_csum_replace(skb, check, 0, (__u32)diff,
					BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0 | v6) < 0)
			return -1;
		/* Without BPF_F_IPV6 the helper took the change out of skb->csum: put it back. */
		if (!v6 && kp_csum_update(skb, diff) < 0)
			return -1;
	}
	st->daddr = *to;
	return 0;
}

static __always_inline int kp_set_dport(struct __sk_buff *skb, struct kp_state *st, __be16 to)
{
	if (st->dport == to)
		return 0;
	if (bpf_skb_store_bytes(skb, st->l4 + offsetof(struct udphdr, dest), &to, 2, 0) < 0 ||
	    bpf_l4_csum_replace(skb, st->l4 + offsetof(struct udphdr, check), st->dport, to,
				BPF_F_MARK_MANGLED_0 | 2) < 0)
		return -1;
	st->dport = to;
	return 0;
}

/*
 * Rewrites the frame for output o; -1 if a helper failed (the frame is
 * then half done).  A global function: the verifier checks it once, not
 * once for each of the 16 outputs.
 */
__attribute__((noinline)) int kp_rewrite(struct __sk_buff *skb, const struct kpkt *p,
					 struct kp_state *st, const struct kpath_output *o,
					 __u32 ttl)
{
	bool keep;
	__u8 macs[12];
	union kp_addr to;

	if (!skb || !p || !st || !o)
		return -1;
	keep = o->flags & KPATH_OUT_KEEP_GROUP;

	if (kp_set_tag(skb, st, o->vlan) < 0)
		return -1;
	__builtin_memcpy(macs, keep ? p->group_mac : o->dst_mac, 6);
	__builtin_memcpy(macs + 6, o->src_mac, 6);
	if (bpf_skb_store_bytes(skb, 0, macs, sizeof(macs), 0) < 0)
		return -1;
	if (kp_set_ttl(skb, p, st, (__u8)ttl) < 0)
		return -1;
	if (keep)
		to = p->group;
	else
		__builtin_memcpy(to.b, o->group, sizeof(to.b));
	if (kp_set_daddr(skb, p, st, &to) < 0)
		return -1;
	return kp_set_dport(skb, st, o->port ? o->port : p->dport);
}

#endif
