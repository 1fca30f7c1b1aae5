#include "config.h"

#include "supervisor/kpath_probe.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Newer than Debian 12's <linux/bpf.h>. */
#define KP_BPF_TCX_INGRESS 46
#define KP_BPF_F_IPV6 (1ULL << 7)

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), \
						.off = (o), .imm = (i) })
#define MOV64_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV64_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define CALL(f) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int load_cls(const struct bpf_insn *insns, size_t n)
{
	return bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "mcrelay_probe", "Dual BSD/GPL", insns,
			     n, NULL);
}

enum kpath_attach kpath_probe(char *err, size_t errlen)
{
	const struct bpf_insn ok[] = { MOV64_IMM(0, 0), EXIT() };
	int prog = load_cls(ok, 2), link;

	if (prog < 0) {
		snprintf(err, errlen, "cannot load a tc program: %s", strerror(errno));
		return KPATH_ATTACH_NONE;
	}
	link = bpf_link_create(prog, 0, KP_BPF_TCX_INGRESS, NULL);
	if (link >= 0)
		close(link);	/* cannot happen: there is no interface 0 */
	close(prog);
	return link >= 0 || errno == ENODEV ? KPATH_ATTACH_TCX : KPATH_ATTACH_CLS_BPF;
}

const char *kpath_attach_name(enum kpath_attach a)
{
	switch (a) {
	case KPATH_ATTACH_TCX:
		return "tcx";
	case KPATH_ATTACH_CLS_BPF:
		return "cls_bpf";
	case KPATH_ATTACH_NONE:
		break;
	}
	return "none";
}

uint64_t kpath_probe_l4_v6_flags(void)
{
	static int known = -1;
	/* return bpf_l4_csum_replace(skb, 0, 0, 0, BPF_F_PSEUDO_HDR | BPF_F_IPV6) */
	const struct bpf_insn insns[] = {
		MOV64_IMM(2, 0), MOV64_IMM(3, 0), MOV64_IMM(4, 0),
		MOV64_IMM(5, (int)(BPF_F_PSEUDO_HDR | KP_BPF_F_IPV6)),
		CALL(BPF_FUNC_l4_csum_replace), EXIT(),
	};
	uint8_t frame[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame, .data_size_in = sizeof(frame),
		    .repeat = 1);
	int prog;

	if (known >= 0)
		return known ? KP_BPF_F_IPV6 : 0;
	known = 0;
	prog = load_cls(insns, sizeof(insns) / sizeof(insns[0]));
	if (prog < 0)
		return 0;
	if (bpf_prog_test_run_opts(prog, &run) == 0 && run.retval == 0)
		known = 1;
	close(prog);
	return known ? KP_BPF_F_IPV6 : 0;
}
