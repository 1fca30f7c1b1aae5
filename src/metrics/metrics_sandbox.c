#include "config.h"

#include "metrics/metrics_sandbox.h"

#include "common/privdrop.h"
#include "common/sandbox_core.h"
#include "metrics/metrics_allow.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

int metrics_sandbox(uid_t uid, gid_t gid, int signal_fd, char *summary, size_t summary_len,
		    char *err, size_t errlen)
{
	int abi, seccomp;
	char landlock[48] = "no Landlock (not in this kernel)";

	if (sandbox_chroot(err, errlen) < 0 || privdrop_worker(uid, gid, err, errlen) < 0)
		return -1;
	if (sandbox_limits(METRICS_MAX_FDS, err, errlen) < 0)
		return -1;
	if ((abi = sandbox_landlock(err, errlen)) < 0)
		return -1;
	if ((seccomp = sandbox_seccomp(metrics_allow, metrics_allow_n, signal_fd, err,
				       errlen)) < 0)
		return -1;
	if (abi > 0)
		snprintf(landlock, sizeof(landlock), "Landlock ABI %d", abi);
	snprintf(summary, summary_len, "an empty root, %s, %s",
		 seccomp ? "seccomp" : "no seccomp (not built with it)", landlock);
	return 0;
}
