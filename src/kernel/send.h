#ifndef MCRELAY_KERNEL_SEND_H
#define MCRELAY_KERNEL_SEND_H

/*
 * A frame to a kernel-path rule's outputs, in order, as forward.c sends
 * it: the rule counts it in (and its monitor, if it has one, examines
 * it: kernel/monitor.h), the TTL policy may drop it, pending outputs
 * are skipped, one that it does not fit is counted too big.  Each output
 * sent but the last goes out as a clone (bpf_clone_redirect) once the
 * next one to send is known; the last is the frame itself, redirected
 * when the program returns.
 */

#include "kernel/maps.h"
#include "kernel/monitor.h"
#include "kernel/parse.h"
#include "kernel/rewrite.h"

/* include/linux/netdevice.h: dev_queue_xmit dropped it. */
#define KP_NET_XMIT_DROP 1

/* The TTL to send with, or -1 to drop: pkt_ttl_apply. */
static __always_inline int kp_ttl_apply(__u8 mode, __u8 value, __u8 ttl)
{
	if (mode == KPATH_TTL_DECREMENT)
		return ttl <= 1 ? -1 : ttl - 1;
	if (mode == KPATH_TTL_KEEP)
		return ttl == 0 ? -1 : ttl;
	return value;
}

static __always_inline struct kpath_output_counters *kp_out_counters(__u32 slot, __u32 k)
{
	__u32 key = slot * KPATH_MAX_OUTPUTS + k;

	return bpf_map_lookup_elem(&kpath_output_counters, &key);
}

static __always_inline void kp_count_sent(struct kpath_output_counters *c, __u32 ip_len)
{
	if (c) {
		c->packets++;
		c->bytes += ip_len;
	}
}

static __always_inline int kp_relay(struct __sk_buff *skb, const struct kpkt *p, __u32 index)
{
	const struct kpath_rule *r = bpf_map_lookup_elem(&kpath_rules, &index);
	struct kpath_output_counters *sent = NULL;
	struct kpath_rule_counters *rc;
	struct kp_state st;
	__u32 sent_ifindex = 0;
	bool have_sent = false;
	int ttl;

	if (!r)
		return TC_ACT_SHOT;	/* maps out of step: never filled so */
	rc = bpf_map_lookup_elem(&kpath_rule_counters, &r->slot);
	if (rc) {
		rc->packets_in++;
		rc->bytes_in += p->ip_len;
		rc->last_packet_ns = bpf_ktime_get_ns();
		if (r->monitor == KPATH_MONITOR_RTP)
			kp_monitor_rtp(skb, p, r->slot, &rc->monitor);
	}
	ttl = kp_ttl_apply(r->ttl_mode, r->ttl, p->ttl);
	if (ttl < 0) {
		if (rc)
			rc->ttl_expired++;
		return TC_ACT_SHOT;
	}
	/* Bytes after the IP packet (Ethernet padding, a trailer) are not relayed: forward.c sends none. */
	if (skb->len > p->l3 + p->ip_len && bpf_skb_change_tail(skb, p->l3 + p->ip_len, 0) < 0)
		return TC_ACT_SHOT;
	kp_state_init(&st, p);
	for (__u32 k = 0; k < KPATH_MAX_OUTPUTS; k++) {
		const struct kpath_output *o;
		struct kpath_output out;
		struct kpath_output_counters *c;
		__u32 oi = r->first_out + k;

		if (k >= r->n_out)
			break;
		o = bpf_map_lookup_elem(&kpath_outputs, &oi);
		if (!o)
			break;
		if (o->flags & KPATH_OUT_PENDING)
			continue;
		c = kp_out_counters(r->slot, k);
		if (p->ip_len > o->mtu) {
			if (c)
				c->too_big++;
			continue;
		}
		if (have_sent) {
			long rc_xmit = bpf_clone_redirect(skb, sent_ifindex, 0);

			/* dev_queue_xmit's NET_XMIT_CN queued the clone (net_xmit_eval). */
			if (rc_xmit < 0 || rc_xmit == KP_NET_XMIT_DROP) {
				if (sent)
					sent->errors++;
			} else {
				kp_count_sent(sent, p->ip_len);
			}
		}
		/* A global function may write its arguments: a copy, not the read-only map value. */
		out = *o;
		if (kp_rewrite(skb, p, &st, &out, (__u32)ttl) < 0) {
			if (c)
				c->errors++;
			return TC_ACT_SHOT;
		}
		have_sent = true;
		sent = c;
		sent_ifindex = o->ifindex;
	}
	if (!have_sent)
		return TC_ACT_SHOT;
	kp_count_sent(sent, p->ip_len);
	return bpf_redirect(sent_ifindex, 0);
}

#endif
