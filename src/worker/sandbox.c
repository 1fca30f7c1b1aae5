#include "config.h"

#include "worker/sandbox.h"

#include "lib/handoff.h"
#include "worker/sandbox_allow.h"
#include "worker/test_hooks.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

const char *sandbox_features(void)
{
	return ""
#ifdef HAVE_SECCOMP
	       "seccomp"
#endif
#if defined(HAVE_SECCOMP) && defined(MCRELAY_TEST_HOOKS)
	       " "
#endif
#ifdef MCRELAY_TEST_HOOKS
	       "test-hooks"
#endif
		;
}

/* Limits, dumpability and signals: what needs no libseccomp. */
static int confine(char *err, size_t errlen)
{
	if (sandbox_set_limit(RLIMIT_NOFILE, SANDBOX_MAX_FDS, "RLIMIT_NOFILE", err, errlen) < 0 ||
	    sandbox_set_limit(RLIMIT_NPROC, 0, "RLIMIT_NPROC", err, errlen) < 0 ||
	    sandbox_set_limit(RLIMIT_CORE, 0, "RLIMIT_CORE", err, errlen) < 0)
		return -1;
	/*
	 * A worker writes to no file but its log.  When that log is a regular
	 * file (a foreground supervisor with its output redirected to one), a
	 * zero limit would kill the worker at its first line; it is left then.
	 */
	if (!sandbox_log_is_file() &&
	    sandbox_set_limit(RLIMIT_FSIZE, 0, "RLIMIT_FSIZE", err, errlen) < 0)
		return -1;
	/* No core, no ptrace by the same user, /proc/PID owned by root. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		snprintf(err, errlen, "cannot clear the dumpable flag: %s", strerror(errno));
		return -1;
	}
	/* A supervisor that died is seen as EPIPE on the channel, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	test_hooks_install();
	return 0;
}

int sandbox_worker(struct sandbox_report *rep, int signal_fd, char *err, size_t errlen)
{
	int abi;

	memset(rep, 0, sizeof(*rep));
	if (confine(err, errlen) < 0)
		return -1;
	rep->flags = HO_SANDBOX_CHROOT;
	if ((abi = sandbox_landlock(err, errlen)) < 0)
		return -1;
	if (abi > 0) {
		rep->flags |= HO_SANDBOX_LANDLOCK;
		rep->landlock_abi = (uint32_t)abi;
	}
	int seccomp = sandbox_seccomp(sandbox_allow, sandbox_allow_n, signal_fd, err, errlen);

	if (seccomp < 0)
		return -1;
	if (seccomp > 0)
		rep->flags |= HO_SANDBOX_SECCOMP;
	char landlock[48] = "no Landlock (not in this kernel)";

	if (abi > 0)
		snprintf(landlock, sizeof(landlock), "Landlock ABI %d", abi);
	snprintf(rep->summary, sizeof(rep->summary), "an empty root, %s, %s",
		 rep->flags & HO_SANDBOX_SECCOMP ? "seccomp" : "no seccomp (not built with it)",
		 landlock);
	return 0;
}
