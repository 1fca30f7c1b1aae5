#ifndef MCRELAY_SANDBOX_CORE_H
#define MCRELAY_SANDBOX_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

/*
 * What confines an unprivileged process of mcrelay (a worker, the metrics
 * process), piece by piece: each process puts them together with its own
 * limits and its own system call allow-list (worker/sandbox.c,
 * metrics/metrics_sandbox.c).
 */

/* An allow-list entry's argument checks, and the entry: data, not code. */
enum sandbox_cmp_op { SANDBOX_EQ = 1, SANDBOX_NE, SANDBOX_MASKED_EQ };

struct sandbox_cmp {
	uint8_t arg;		/* 0-5 */
	uint8_t op;		/* enum sandbox_cmp_op */
	bool signal_fd;		/* the value is the process's signal descriptor */
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

/*
 * Still root, before the privileges are dropped: makes an empty directory
 * the root and the working directory, and removes it, so that no path
 * resolves any more, not even to the directory itself by name.  Returns
 * 0, or -1 with a reason in err.
 */
int sandbox_chroot(char *err, size_t errlen);

/* setrlimit(2) of both limits to value; -1 with a reason in err. */
int sandbox_set_limit(int resource, rlim_t value, const char *name, char *err, size_t errlen);

/* Whether the log (standard output or error) is a regular file: RLIMIT_FSIZE must stay. */
bool sandbox_log_is_file(void);

/*
 * The limits of a confined process: max_fds descriptors, no process, no
 * core, no file written (unless its log is a file), not dumpable (no
 * ptrace by the same user, /proc/PID owned by root), SIGPIPE ignored (a
 * peer that went away is EPIPE, not a signal).  -1 with a reason in err.
 */
int sandbox_limits(rlim_t max_fds, char *err, size_t errlen);

/*
 * Every access Landlock can refuse, refused: no file can be opened or made,
 * no TCP port bound or connected, no abstract socket reached, no process
 * outside signalled.  Returns the ABI in force, 0 without Landlock (not in
 * the kernel, or disabled at boot), -1 with a reason in err.
 */
int sandbox_landlock(char *err, size_t errlen);

/*
 * Built with libseccomp: loads the allow-list (every other call kills the
 * process; signal_fd: the descriptor an entry may name) and checks that
 * it is in force.  Returns 1, 0 when not built with libseccomp, or -1
 * with a reason in err.
 */
int sandbox_seccomp(const struct sandbox_allow *list, size_t n, int signal_fd, char *err,
		    size_t errlen);

#endif
