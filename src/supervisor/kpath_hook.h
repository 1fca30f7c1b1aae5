#ifndef MCRELAY_KPATH_HOOK_H
#define MCRELAY_KPATH_HOOK_H

#include <stddef.h>

#include "supervisor/kpath_probe.h"

/* cls_bpf: the handle and priority of mcrelay's filter on every input. */
#define KPATH_TC_HANDLE 0x6d63
#define KPATH_TC_PRIORITY 0x6d63

/*
 * Where a kernel-path program runs: an input's ingress, through a tcx
 * link (it goes with the process: a supervisor that dies leaves nothing)
 * or a cls_bpf filter with mcrelay's fixed handle and priority (it stays:
 * the next start replaces it).  Replacing the program is atomic either
 * way: bpf_link_update, or a filter change with BPF_TC_F_REPLACE.
 */
struct kpath_hook {
	int ifindex;
	enum kpath_attach how;
	int link_fd;		/* tcx */
};

int kpath_hook_attach(struct kpath_hook *h, int ifindex, enum kpath_attach how, int prog_fd,
		      char *err, size_t errlen);
int kpath_hook_replace(struct kpath_hook *h, int prog_fd, char *err, size_t errlen);
void kpath_hook_detach(struct kpath_hook *h);

#endif
