#include "config.h"

#include "bpf.h"

#include <arpa/inet.h>

#define SNAPLEN 0x40000u
/* Leaves room for the header, the group list and the two returns. */
#define MAX_LISTED_GROUPS 200

size_t bpf_build_filter(const in_addr_t *groups, size_t n,
			struct sock_filter prog[BPF_MAX_INSNS])
{
	size_t i = 0, drop, accept;
	size_t listed = n <= MAX_LISTED_GROUPS ? n : 0;

	if (n == 0) {
		prog[0] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
		return 1;
	}

	/* The two returns are the last instructions: drop, then accept. */
	drop = 9 + (listed ? listed : 2);
	accept = drop + 1;
#define JUMP(to, from) ((uint8_t)((to) - (from) - 1))
	prog[i++] = (struct sock_filter)BPF_STMT(BPF_LDX | BPF_IMM, 0);
	prog[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12);
	prog[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x8100, 0, 2);
	i++;
	prog[i++] = (struct sock_filter)BPF_STMT(BPF_LDX | BPF_IMM, 4);
	prog[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_H | BPF_IND, 12);
	prog[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0800, 0,
					       JUMP(drop, i));
	i++;
	prog[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_IND, 23);
	prog[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 17, 0,
					       JUMP(drop, i));
	i++;
	prog[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_IND, 30);
	if (listed) {
		for (size_t k = 0; k < listed; k++, i++)
			prog[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
							       ntohl(groups[k]),
							       JUMP(accept, i), 0);
	} else {
		prog[i++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K,
							 0xf0000000u);
		prog[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
						       0xe0000000u, JUMP(accept, i), 0);
		i++;
	}
#undef JUMP
	prog[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	prog[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SNAPLEN);
	return i;
}
