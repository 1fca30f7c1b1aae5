#include "config.h"

#include "lib/bpf.h"

#include <arpa/inet.h>
#include <string.h>

#define SNAPLEN 0x40000u
#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
/* Offsets from the Ethernet type, which X (0 or 4 with a tag) moves. */
#define OFF_V4_FRAG 20
#define OFF_V4_PROTO 23
#define OFF_V4_DST 30
#define OFF_V6_NEXT 20
#define OFF_V6_DST 38

/* Jumps go forward to labels placed later; each is patched when its label is. */
enum label { L_META, L_NO_META, L_FRAME_TAG, L_IP_TAGGED, L_IP_PLAIN, L_IP, L_V4, L_V6,
	     L_KERNEL4, L_KERNEL6, L_LENGTH, L_DROP, L_ACCEPT, L_COUNT };
/* A branch to "skip k instructions" (k >= 0), not to a label. */
#define SKIP(k) (-2 - (k))

struct builder {
	struct sock_filter *prog;
	size_t n;
	/* Per instruction: the labels its true and false branches go to, or -1. */
	int jt[BPF_MAX_INSNS], jf[BPF_MAX_INSNS];
	size_t at[L_COUNT];
	bool full;	/* an instruction did not fit */
};

static bool room(struct builder *b)
{
	if (b->n < BPF_MAX_INSNS)
		return true;
	b->full = true;
	return false;
}

static uint8_t branch(const struct builder *b, size_t i, int to)
{
	if (to <= SKIP(0))
		return (uint8_t)(SKIP(0) - to);
	return (uint8_t)(b->at[to] - i - 1);
}

static void stmt(struct builder *b, uint16_t code, uint32_t k)
{
	if (!room(b))
		return;
	b->jt[b->n] = b->jf[b->n] = -1;
	b->prog[b->n++] = (struct sock_filter)BPF_STMT(code, k);
}

/* A jump if A == k; a label of -1 is the next instruction. */
static void jeq(struct builder *b, uint32_t k, int jt, int jf)
{
	if (!room(b))
		return;
	b->jt[b->n] = jt;
	b->jf[b->n] = jf;
	b->prog[b->n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, 0, 0);
}

/* A jump if A > k. */
static void jgt(struct builder *b, uint32_t k, int jt, int jf)
{
	if (!room(b))
		return;
	b->jt[b->n] = jt;
	b->jf[b->n] = jf;
	b->prog[b->n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, k, 0, 0);
}

static void jump(struct builder *b, int to)
{
	if (!room(b))
		return;
	b->jt[b->n] = to;
	b->jf[b->n] = -1;
	b->prog[b->n++] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, 0);
}

static void place(struct builder *b, enum label l)
{
	b->at[l] = b->n;
}

static void patch(struct builder *b)
{
	for (size_t i = 0; i < b->n; i++) {
		if (b->prog[i].code == (BPF_JMP | BPF_JA)) {
			b->prog[i].k = (uint32_t)(b->at[b->jt[i]] - i - 1);
			continue;
		}
		if (b->jt[i] != -1)
			b->prog[i].jt = branch(b, i, b->jt[i]);
		if (b->jf[i] != -1)
			b->prog[i].jf = branch(b, i, b->jf[i]);
	}
}

/* A holds a TCI: on to l for a chosen VID, else drop. */
static void vid_check(struct builder *b, const struct bpf_match *m, enum label l)
{
	if (m->n_vids > BPF_MAX_LISTED_VIDS) {
		jump(b, l);
		return;
	}
	stmt(b, BPF_ALU | BPF_AND | BPF_K, 0x0fff);
	for (size_t k = 0; k < m->n_vids; k++)
		jeq(b, m->vids[k], l, k + 1 < m->n_vids ? -1 : L_DROP);
	if (m->n_vids == 0)
		jump(b, L_DROP);
}

static uint32_t word(const struct addr *a, int i)
{
	uint32_t w;

	memcpy(&w, a->b + 4 * i, 4);
	return ntohl(w);
}

static bool kernel_group(const struct bpf_match *m, const struct addr *g)
{
	for (size_t k = 0; k < m->n_kernel_groups; k++)
		if (addr_eq(&m->kernel_groups[k], g))
			return true;
	return false;
}

/* Where a listed group goes: accepted, or to the kernel path's check. */
static int group_target(const struct bpf_match *m, const struct addr *g)
{
	if (!kernel_group(m, g) && !(addr_is_v4(g) ? m->kernel_all_v4 : m->kernel_all_v6))
		return L_ACCEPT;
	return addr_is_v4(g) ? L_KERNEL4 : L_KERNEL6;
}

/* IPv4: UDP to a listed group, or to any group (224.0.0.0/4). */
static void ipv4_groups(struct builder *b, const struct bpf_match *m, bool list)
{
	stmt(b, BPF_LD | BPF_B | BPF_IND, OFF_V4_PROTO);
	jeq(b, IPPROTO_UDP, -1, L_DROP);
	stmt(b, BPF_LD | BPF_W | BPF_IND, OFF_V4_DST);
	if (!list) {
		stmt(b, BPF_ALU | BPF_AND | BPF_K, 0xf0000000u);
		jeq(b, 0xe0000000u, m->kernel_all_v4 ? L_KERNEL4 : L_ACCEPT, L_DROP);
		return;
	}
	for (size_t k = 0; k < m->n_groups; k++)
		if (addr_is_v4(&m->groups[k]))
			jeq(b, word(&m->groups[k], 3), group_target(m, &m->groups[k]), -1);
	jump(b, L_DROP);
}

/* IPv6: a listed group, four words each, or any group (ff00::/8). */
static void ipv6_groups(struct builder *b, const struct bpf_match *m, bool list)
{
	if (!list) {
		stmt(b, BPF_LD | BPF_B | BPF_IND, OFF_V6_DST);
		jeq(b, 0xff, m->kernel_all_v6 ? L_KERNEL6 : L_ACCEPT, L_DROP);
		return;
	}
	for (size_t k = 0; k < m->n_groups; k++) {
		if (addr_is_v4(&m->groups[k]))
			continue;
		/* A mismatch skips the rest of this group's loads and compares. */
		for (int i = 0; i < 4; i++) {
			stmt(b, BPF_LD | BPF_W | BPF_IND, OFF_V6_DST + 4 * (uint32_t)i);
			jeq(b, word(&m->groups[k], i), i == 3 ? group_target(m, &m->groups[k]) : -1,
			    SKIP(2 * (3 - i)));
		}
	}
	jump(b, L_DROP);
}

static size_t build(const struct bpf_match *m, struct sock_filter prog[BPF_MAX_INSNS],
		    bool list4, bool list6)
{
	struct builder b = { .prog = prog };
	bool v4 = m->any_v4, v6 = m->any_v6;

	bool kernel4 = false, kernel6 = false;

	for (size_t k = 0; k < m->n_groups; k++)
		addr_is_v4(&m->groups[k]) ? (v4 = true) : (v6 = true);
	for (size_t k = 0; k < m->n_kernel_groups; k++)
		addr_is_v4(&m->kernel_groups[k]) ? (kernel4 = list4 && !m->any_v4)
						 : (kernel6 = list6 && !m->any_v6);
	kernel4 = kernel4 || m->kernel_all_v4;
	kernel6 = kernel6 || m->kernel_all_v6;
	if (!(v4 || v6) || (!m->untagged && m->n_vids == 0)) {
		prog[0] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
		return 1;
	}
	/* A tag that offload (or the kernel's receive path) took out of the frame. */
	stmt(&b, BPF_LD | BPF_B | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT));
	jeq(&b, 0, L_NO_META, L_META);
	place(&b, L_META);
	if (m->n_vids) {
		/* An 802.1ad tag outside: QinQ, never relayed. */
		stmt(&b, BPF_LD | BPF_W | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_VLAN_TPID));
		jeq(&b, ETH_P_8021Q, -1, L_DROP);
		stmt(&b, BPF_LD | BPF_W | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_VLAN_TAG));
		vid_check(&b, m, L_IP_PLAIN);
	} else {
		jump(&b, L_DROP);
	}
	/* No tag outside the frame: one in it, or none. */
	place(&b, L_NO_META);
	stmt(&b, BPF_LD | BPF_H | BPF_ABS, 12);
	jeq(&b, ETH_P_8021Q, L_FRAME_TAG, m->untagged ? L_IP_PLAIN : L_DROP);
	place(&b, L_FRAME_TAG);
	stmt(&b, BPF_LD | BPF_H | BPF_ABS, 14);
	vid_check(&b, m, L_IP_TAGGED);
	/* X: where the headers after the Ethernet header start, 0 or 4 bytes later. */
	place(&b, L_IP_TAGGED);
	stmt(&b, BPF_LDX | BPF_IMM, 4);
	jump(&b, L_IP);
	place(&b, L_IP_PLAIN);
	stmt(&b, BPF_LDX | BPF_IMM, 0);
	place(&b, L_IP);
	/* A second tag (QinQ) leaves no IP ethertype here: dropped. */
	stmt(&b, BPF_LD | BPF_H | BPF_IND, 12);
	jeq(&b, ETH_P_IPV4, v4 ? L_V4 : L_DROP, -1);
	jeq(&b, ETH_P_IPV6, v6 ? L_V6 : L_DROP, L_DROP);
	place(&b, L_V4);
	if (v4)
		ipv4_groups(&b, m, list4 && !m->any_v4);
	place(&b, L_V6);
	if (v6)
		ipv6_groups(&b, m, list6 && !m->any_v6);
	/* The kernel path's groups: what its program passes on, the worker's. */
	place(&b, L_KERNEL4);
	if (kernel4) {
		stmt(&b, BPF_LD | BPF_H | BPF_IND, OFF_V4_FRAG);
		stmt(&b, BPF_ALU | BPF_AND | BPF_K, 0x3fff);
		jeq(&b, 0, L_LENGTH, L_ACCEPT);
	}
	place(&b, L_KERNEL6);
	if (kernel6) {
		stmt(&b, BPF_LD | BPF_B | BPF_IND, OFF_V6_NEXT);
		jeq(&b, IPPROTO_UDP, L_LENGTH, L_ACCEPT);
	}
	place(&b, L_LENGTH);
	if (kernel4 || kernel6) {
		stmt(&b, BPF_LD | BPF_W | BPF_LEN, 0);
		jgt(&b, m->kernel_len_max, L_ACCEPT, L_DROP);
	}
	place(&b, L_DROP);
	stmt(&b, BPF_RET | BPF_K, 0);
	place(&b, L_ACCEPT);
	stmt(&b, BPF_RET | BPF_K, SNAPLEN);
	if (b.full)
		return 0;
	patch(&b);
	return b.n;
}

/* Every group listed if they fit, else IPv6 then IPv4 accepted by family. */
size_t bpf_build_filter(const struct bpf_match *m, struct sock_filter prog[BPF_MAX_INSNS])
{
	size_t n = build(m, prog, true, true);

	if (n == 0)
		n = build(m, prog, true, false);
	if (n == 0)
		n = build(m, prog, false, false);
	return n;
}
