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
	if (sandbox_limits(SANDBOX_MAX_FDS, err, errlen) < 0)
		return -1;
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
