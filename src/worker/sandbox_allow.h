#ifndef MCRELAY_SANDBOX_ALLOW_H
#define MCRELAY_SANDBOX_ALLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The system calls a sandboxed worker makes, and nothing else: its
 * seccomp allow-list, as data, so that tests/integration/syscalls.sh can
 * compare it with what workers are seen to call, both ways.
 */

enum sandbox_cmp_op { SANDBOX_EQ = 1, SANDBOX_NE, SANDBOX_MASKED_EQ };

struct sandbox_cmp {
	uint8_t arg;		/* 0-5 */
	uint8_t op;		/* enum sandbox_cmp_op */
	bool signal_fd;		/* the value is the worker's signal descriptor */
	uint64_t value;
	uint64_t mask;		/* SANDBOX_MASKED_EQ: (arg & mask) == value */
};

struct sandbox_allow {
	const char *name;	/* as libseccomp names it */
	const char *why;
	uint8_t n_cmp;		/* all must hold */
	struct sandbox_cmp cmp[2];
	int error;		/* 0: allowed; else refused with this errno */
	bool vdso;		/* served by the vDSO where it is mapped: seldom seen */
	bool test_only;		/* in test builds only, for the test hooks */
	bool sanitizers_only;	/* in sanitizer builds only, for their run-time */
	bool libc_malloc;	/* for libc's allocator, which sanitizer builds replace */
};

extern const struct sandbox_allow sandbox_allow[];
extern const size_t sandbox_allow_n;

#endif
