#ifndef MCRELAY_KERNEL_MONITOR_H
#define MCRELAY_KERNEL_MONITOR_H

/*
 * monitor = rtp on the kernel path: lib/monitor_rtp.c's sequence-number
 * state machine, decision for decision (the constants below are its
 * MONITOR_RTP_*; tests/kernel/test_kpath_monitor.c runs both on the same
 * packets and requires the same counts).  A stream is known by the rule's
 * counter slot, its source address and port, its group and port and its
 * SSRC (struct kpath_rtp_key); its state lives in an LRU hash shared by
 * the input's rules (KPATH_RTP_STREAMS), so that a flood of made-up
 * streams only evicts (uncounted: the map does not say).  The counts go to
 * the rule's per-CPU counters.  The map goes from instance to instance
 * (supervisor/kpath.c), less the streams of rules that were not followed
 * here both before and after.
 *
 * A stream's state is read and written without a lock: two CPUs handling
 * packets of one stream at the same moment (not the case when the NIC or
 * RPS steers a flow to one CPU) can miscount by a packet.  The kernel
 * path never sees a fragment, so every packet it relays is examined.
 */

#include "kernel/maps.h"
#include "kernel/parse.h"

#define KP_RTP_MAX_DROPOUT 3000
#define KP_RTP_MAX_MISORDER 100
#define KP_RTP_WINDOW 64
#define KP_RTP_NO_BAD 0x10000

struct kp_rtp_state {
	__u64 recv;	/* bit i: number max - i arrived */
	__u64 miss;	/* bit i: number max - i counted missing and not arrived since */
	__u32 bad;	/* the number that would confirm a jump, or KP_RTP_NO_BAD */
	__u16 max;	/* the newest number */
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, KPATH_RTP_STREAMS);
	__type(key, struct kpath_rtp_key);
	__type(value, struct kp_rtp_state);
} kpath_rtp_streams SEC(".maps");

static __always_inline void kp_rtp_ahead(struct kp_rtp_state *s, __u16 seq, __u32 d,
					 struct kpath_monitor_counters *c)
{
	if (d > 1) {
		c->errors++;
		c->missing += d - 1;
	}
	if (d < KP_RTP_WINDOW) {
		s->recv = s->recv << d | 1;
		s->miss = s->miss << d | ((1ULL << (d - 1)) - 1) << 1;
	} else {
		s->recv = 1;
		s->miss = ~1ULL;
	}
	s->max = seq;
	s->bad = KP_RTP_NO_BAD;
}

static __always_inline void kp_rtp_behind(struct kp_rtp_state *s, __u32 back,
					  struct kpath_monitor_counters *c)
{
	__u64 bit;

	if (back >= KP_RTP_WINDOW) {
		c->reordered++;
		return;
	}
	bit = 1ULL << back;
	if (s->recv & bit) {
		c->duplicates++;
		return;
	}
	s->recv |= bit;
	c->reordered++;
	if (s->miss & bit) {
		s->miss &= ~bit;
		c->filled++;
	}
}

/* The packet's RTP header (after the UDP one at p->l4), counted in c; skb unchanged. */
static __always_inline void kp_monitor_rtp(struct __sk_buff *skb, const struct kpkt *p,
					   __u32 slot, struct kpath_monitor_counters *c)
{
	struct kpath_rtp_key k = {};
	struct kp_rtp_state *s;
	__u8 h[8 + 12];
	__u16 seq;
	__u32 d;

	if (p->ip_len - (p->l4 - p->l3) < sizeof(h) ||
	    bpf_skb_load_bytes(skb, p->l4, h, sizeof(h)) < 0 || h[8] >> 6 != 2) {
		c->invalid++;
		return;
	}
	if (h[9] >= 192 && h[9] <= 223)
		return;	/* RTCP on the port (RFC 5761): not counted */
	seq = (__u16)(h[10] << 8 | h[11]);
	__builtin_memcpy(k.source, p->source.b, 16);
	__builtin_memcpy(k.group, p->group.b, 16);
	__builtin_memcpy(&k.sport, h, 2);
	k.dport = p->dport;
	k.ssrc = (__u32)h[16] << 24 | (__u32)h[17] << 16 | (__u32)h[18] << 8 | h[19];
	k.slot = slot;
	s = bpf_map_lookup_elem(&kpath_rtp_streams, &k);
	if (!s) {
		struct kp_rtp_state init = { .recv = 1, .bad = KP_RTP_NO_BAD, .max = seq };

		if (bpf_map_update_elem(&kpath_rtp_streams, &k, &init, BPF_ANY) == 0)
			c->sources++;
		return;
	}
	d = (__u16)(seq - s->max);
	if (d == 0) {
		c->duplicates++;
	} else if (d < KP_RTP_MAX_DROPOUT) {
		kp_rtp_ahead(s, seq, d, c);
	} else if (d >= 65536 - KP_RTP_MAX_MISORDER) {
		kp_rtp_behind(s, 65536 - d, c);
	} else if (seq == s->bad) {
		/* Two in a row far from the stream: it restarted; its predecessor came too. */
		s->recv = 3;
		s->miss = 0;
		s->max = seq;
		s->bad = KP_RTP_NO_BAD;
		c->resyncs++;
	} else {
		s->bad = (__u16)(seq + 1);
	}
}

#endif
