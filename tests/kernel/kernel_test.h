/*
 * What the kernel path's tests against this kernel share: they need root
 * (CAP_BPF, CAP_NET_ADMIN), which under CI must be there.
 */
#ifndef MCRELAY_KERNEL_TEST_H
#define MCRELAY_KERNEL_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Returns 0 to go on, or the exit status: 77 (skip) without root, 1 under CI. */
static inline int kt_require_root(const char *name)
{
	const char *ci = getenv("CI");

	if (geteuid() == 0)
		return 0;
	if (ci && *ci) {
		printf("FAIL: %s needs root (CI is set, so this is not a skip)\n", name);
		return 1;
	}
	printf("SKIP: %s needs root\n", name);
	return 77;
}

#endif
