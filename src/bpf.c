#include "config.h"

#include "bpf.h"

#include <arpa/inet.h>

#define SNAPLEN 0x40000u
#define ETH_P_IPV4 0x0800
#define ETH_P_8021Q 0x8100

/* Jumps go forward to labels placed later; each is patched when its label is. */
enum label { L_META, L_NO_META, L_FRAME_TAG, L_IP_TAGGED, L_IP_PLAIN, L_IP, L_DROP,
	     L_ACCEPT, L_COUNT };

struct builder {
	struct sock_filter *prog;
	size_t n;
	/* Per instruction: the labels its true and false branches go to, or -1. */
	int jt[BPF_MAX_INSNS], jf[BPF_MAX_INSNS];
	size_t at[L_COUNT];
};

static void stmt(struct builder *b, uint16_t code, uint32_t k)
{
	b->jt[b->n] = b->jf[b->n] = -1;
	b->prog[b->n++] = (struct sock_filter)BPF_STMT(code, k);
}

/* A jump if A == k; a label of -1 is the next instruction. */
static void jeq(struct builder *b, uint32_t k, int jt, int jf)
{
	b->jt[b->n] = jt;
	b->jf[b->n] = jf;
	b->prog[b->n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, 0, 0);
}

static void jump(struct builder *b, int to)
{
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
		if (b->jt[i] >= 0)
			b->prog[i].jt = (uint8_t)(b->at[b->jt[i]] - i - 1);
		if (b->jf[i] >= 0)
			b->prog[i].jf = (uint8_t)(b->at[b->jf[i]] - i - 1);
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

size_t bpf_build_filter(const struct bpf_match *m, struct sock_filter prog[BPF_MAX_INSNS])
{
	struct builder b = { .prog = prog };
	size_t listed = m->n_groups <= BPF_MAX_LISTED_GROUPS ? m->n_groups : 0;

	if (m->n_groups == 0 || (!m->untagged && m->n_vids == 0)) {
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
	/* A second tag (QinQ) leaves no IPv4 ethertype here: dropped. */
	stmt(&b, BPF_LD | BPF_H | BPF_IND, 12);
	jeq(&b, ETH_P_IPV4, -1, L_DROP);
	stmt(&b, BPF_LD | BPF_B | BPF_IND, 23);
	jeq(&b, IPPROTO_UDP, -1, L_DROP);
	stmt(&b, BPF_LD | BPF_W | BPF_IND, 30);
	if (listed) {
		for (size_t k = 0; k < listed; k++)
			jeq(&b, ntohl(m->groups[k]), L_ACCEPT, -1);
	} else {
		stmt(&b, BPF_ALU | BPF_AND | BPF_K, 0xf0000000u);
		jeq(&b, 0xe0000000u, L_ACCEPT, -1);
	}
	place(&b, L_DROP);
	stmt(&b, BPF_RET | BPF_K, 0);
	place(&b, L_ACCEPT);
	stmt(&b, BPF_RET | BPF_K, SNAPLEN);
	patch(&b);
	return b.n;
}
