#ifndef MCRELAY_METRICS_SANDBOX_H
#define MCRELAY_METRICS_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>

/*
 * The most descriptors the metrics process holds: its connections, the
 * listening socket (two while one replaces the other), the channel, the
 * epoll instance, the signalfd, the log, standard input, output and error.
 */
#define METRICS_MAX_FDS 128

/*
 * Drops the metrics process's privileges for good, still root when
 * called: an empty removed root, the user uid:gid with no capability and
 * no_new_privs (privdrop.c), resource limits (descriptors, no process, no
 * core, no file growth unless its log is a file), not dumpable, Landlock,
 * then its seccomp allow-list (metrics_allow.c; signal_fd: the one
 * descriptor it may read(2)).  Returns 0 with what is in force described
 * in summary, or -1 with a reason in err.
 */
int metrics_sandbox(uid_t uid, gid_t gid, int signal_fd, char *summary, size_t summary_len,
		    char *err, size_t errlen);

#endif
