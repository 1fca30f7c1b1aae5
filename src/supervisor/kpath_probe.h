#ifndef MCRELAY_KPATH_PROBE_H
#define MCRELAY_KPATH_PROBE_H

#include <stddef.h>
#include <stdint.h>

/* What this kernel offers the kernel path (supervisor/kpath.h). */

enum kpath_attach {
	KPATH_ATTACH_NONE = 0,
	KPATH_ATTACH_TCX,	/* a tcx link (6.6+): goes with the process */
	KPATH_ATTACH_CLS_BPF,	/* clsact and a direct-action cls_bpf filter of mcrelay's */
};

/*
 * How the program can be attached: TCX, else CLS_BPF, else NONE with the
 * reason in err.  Loads a tiny program and asks for a tcx link on no
 * interface (ENODEV: tcx exists); touches no interface.
 */
enum kpath_attach kpath_probe(char *err, size_t errlen);
const char *kpath_attach_name(enum kpath_attach a);

/*
 * BPF_F_IPV6 if bpf_l4_csum_replace takes it (6.16+: the pseudo-header
 * change of an IPv6 address is then kept out of skb->csum), else 0.
 * Asked of the kernel once with a test run, then remembered.
 */
uint64_t kpath_probe_l4_v6_flags(void);

#endif
