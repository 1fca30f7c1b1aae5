// SPDX-License-Identifier: ISC OR GPL-2.0-only
/*
 * kpath.bpf.c: mcrelay's kernel path, a tc program at an input's ingress.
 * It relays the frames of kernel-path rules itself and passes every
 * other frame on (TC_ACT_UNSPEC: the next tc filter or tcx program, if
 * the host has its own, then the stack and the worker).  The maps
 * describe all of the input's rules, so that the best rule is the one
 * the worker's rules.c would choose.  The jobs are in kernel/: parse.h,
 * match.h, rewrite.h, send.h (and monitor.h, for monitor = rtp); the maps
 * in maps.h; what userspace shares in lib/kpath_abi.h.
 */
#include "kernel/compat.h"
#include "kernel/maps.h"
#include "kernel/match.h"
#include "kernel/parse.h"
#include "kernel/send.h"

enum kp_total { KP_HANDLED, KP_NOT_HANDLEABLE, KP_NO_RULE, KP_PACKET_PATH };

static __always_inline void kp_count(enum kp_total what)
{
	__u32 zero = 0;
	struct kpath_totals *t = bpf_map_lookup_elem(&kpath_totals, &zero);

	if (!t)
		return;
	if (what == KP_HANDLED)
		t->handled++;
	else if (what == KP_NOT_HANDLEABLE)
		t->not_handleable++;
	else if (what == KP_NO_RULE)
		t->no_rule++;
	else
		t->packet_path++;
}

SEC("tc")
int kpath_ingress(struct __sk_buff *skb)
{
	struct kpkt p = {};
	struct kpath_match m;

	if (!kp_parse(skb, &p)) {
		kp_count(KP_NOT_HANDLEABLE);
		return TC_ACT_UNSPEC;
	}
	if (!kp_match(&p, &m)) {
		kp_count(KP_NO_RULE);
		return TC_ACT_UNSPEC;
	}
	if (m.flags & KPATH_MATCH_PACKET) {
		kp_count(KP_PACKET_PATH);
		return TC_ACT_UNSPEC;
	}
	kp_count(KP_HANDLED);
	return kp_relay(skb, &p, m.rule);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
