#include "config.h"

#include "bpf.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#define SNAPLEN 0x40000u
#define TYPE_IPV4 0x0800
#define TYPE_IPV6 0x86dd
/* Offsets from the Ethernet type, which X (0 or 4 with a tag) moves. */
#define OFF_V4_PROTO 23
#define OFF_V4_DST 30
#define OFF_V6_DST 38
#define V6_GROUP_INSNS 8	/* four loads and four compares */

/* Jump targets resolved once the program is laid out. */
enum label { L_NONE = -1, L_NEXT = -2, L_DROP = -3, L_ACCEPT = -4, L_V4 = -5, L_V6 = -6 };

struct emitter {
	struct sock_filter *prog;
	size_t n;
	int jt[BPF_MAX_INSNS], jf[BPF_MAX_INSNS];	/* labels, or L_NEXT to fall through */
	size_t v4_start, v6_start;
};

static void stmt(struct emitter *e, uint16_t code, uint32_t k)
{
	e->jt[e->n] = e->jf[e->n] = L_NONE;
	e->prog[e->n++] = (struct sock_filter)BPF_STMT(code, k);
}

static void jeq(struct emitter *e, uint32_t k, int jt, int jf)
{
	e->jt[e->n] = jt;
	e->jf[e->n] = jf;
	e->prog[e->n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, 0, 0);
}

static uint8_t offset_to(const struct emitter *e, size_t from, int label, size_t drop)
{
	size_t to;

	switch (label) {
	case L_DROP:
		to = drop;
		break;
	case L_ACCEPT:
		to = drop + 1;
		break;
	case L_V4:
		to = e->v4_start;
		break;
	case L_V6:
		to = e->v6_start;
		break;
	default:
		/* A non-negative label skips that many instructions. */
		to = from + 1 + (label >= 0 ? (size_t)label : 0);
		break;
	}
	return (uint8_t)(to - from - 1);
}

static uint32_t word(const struct addr *a, int i)
{
	uint32_t w;

	memcpy(&w, a->b + 4 * i, 4);
	return ntohl(w);
}

static void emit_v4(struct emitter *e, const struct addr *groups, size_t n, bool listed)
{
	stmt(e, BPF_LD | BPF_B | BPF_IND, OFF_V4_PROTO);
	jeq(e, IPPROTO_UDP, L_NEXT, L_DROP);
	stmt(e, BPF_LD | BPF_W | BPF_IND, OFF_V4_DST);
	if (!listed) {
		stmt(e, BPF_ALU | BPF_AND | BPF_K, 0xf0000000u);
		jeq(e, 0xe0000000u, L_ACCEPT, L_DROP);
		return;
	}
	for (size_t k = 0; k < n; k++)
		if (addr_is_v4(&groups[k]))
			jeq(e, word(&groups[k], 3), L_ACCEPT, L_NEXT);
	stmt(e, BPF_RET | BPF_K, 0);
}

static void emit_v6(struct emitter *e, const struct addr *groups, size_t n, bool listed)
{
	if (!listed) {
		stmt(e, BPF_LD | BPF_B | BPF_IND, OFF_V6_DST);
		jeq(e, 0xff, L_ACCEPT, L_DROP);
		return;
	}
	for (size_t k = 0; k < n; k++) {
		if (addr_is_v4(&groups[k]))
			continue;
		/* A mismatch skips the rest of this group's loads and compares. */
		for (int i = 0; i < 4; i++) {
			stmt(e, BPF_LD | BPF_W | BPF_IND, OFF_V6_DST + 4 * i);
			jeq(e, word(&groups[k], i), i == 3 ? L_ACCEPT : L_NEXT, 2 * (3 - i));
		}
	}
	stmt(e, BPF_RET | BPF_K, 0);
}

size_t bpf_build_filter(const struct addr *groups, size_t n,
			struct sock_filter prog[BPF_MAX_INSNS])
{
	struct emitter e = { .prog = prog };
	size_t n4 = 0, n6 = 0, drop;
	bool list4, list6;

	for (size_t k = 0; k < n; k++)
		addr_is_v4(&groups[k]) ? n4++ : n6++;
	if (n == 0) {
		prog[0] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
		return 1;
	}
	/* 7 to find the family, 4 per family besides its groups, 2 returns. */
	list6 = 7 + 4 + n4 + 4 + V6_GROUP_INSNS * n6 + 2 <= BPF_MAX_INSNS;
	list4 = 7 + 4 + n4 + 4 + (list6 ? V6_GROUP_INSNS * n6 : 2) + 2 <= BPF_MAX_INSNS;

	stmt(&e, BPF_LDX | BPF_IMM, 0);
	stmt(&e, BPF_LD | BPF_H | BPF_ABS, 12);
	jeq(&e, 0x8100, L_NEXT, 1);
	stmt(&e, BPF_LDX | BPF_IMM, 4);
	stmt(&e, BPF_LD | BPF_H | BPF_IND, 12);
	jeq(&e, TYPE_IPV4, n4 ? L_V4 : L_DROP, L_NEXT);
	jeq(&e, TYPE_IPV6, n6 ? L_V6 : L_DROP, L_DROP);
	e.v4_start = e.n;
	if (n4)
		emit_v4(&e, groups, n, list4);
	e.v6_start = e.n;
	if (n6)
		emit_v6(&e, groups, n, list6);
	drop = e.n;
	stmt(&e, BPF_RET | BPF_K, 0);
	stmt(&e, BPF_RET | BPF_K, SNAPLEN);
	for (size_t i = 0; i < e.n; i++) {
		if (e.jt[i] == L_NONE)
			continue;
		prog[i].jt = offset_to(&e, i, e.jt[i], drop);
		prog[i].jf = offset_to(&e, i, e.jf[i], drop);
	}
	return e.n;
}
