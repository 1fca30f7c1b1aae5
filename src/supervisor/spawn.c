#include "config.h"

#include "supervisor/spawn.h"

#include "common/log.h"
#include "common/worker_env.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>


static uint64_t new_token(void)
{
	uint64_t t = 0;

	while (t == 0)
		if (getrandom(&t, sizeof(t), 0) != sizeof(t))
			t = 0;
	return t;
}

static void child_exec(int chan, uint64_t token, const char *role, const char *name,
		       int cpu, pid_t parent)
{
	char tok[64], ppid[64], logto[32], proc[96], label[64], what[16];
	sigset_t none;
	/* ps(1) shows "mcrelay: worker eth0/1" or "mcrelay: metrics 127.0.0.1:9234". */
	char *const argv[] = { "mcrelay:", what, label, NULL };
	/* Only what the worker reads: nothing of the supervisor's environment. */
	char *const envp[] = { tok, ppid, logto, NULL };

	/* Signals: default dispositions and an empty mask, as a fresh process has. */
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Terminal signals (Ctrl-C) go to the supervisor, which stops its workers. */
	setpgid(0, 0);
	/*
	 * Pinned here, before the exec: afterwards the child's permitted set
	 * (its bounding set's, CAP_SYS_CHROOT included) is no longer within
	 * the supervisor's, which may then not change its affinity.  The
	 * affinity stays across exec.
	 */
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		if (cpu < CPU_SETSIZE)
			CPU_SET((unsigned)cpu, &set);
		if (cpu >= CPU_SETSIZE || sched_setaffinity(0, sizeof(set), &set) < 0)
			log_warn("%s[%s]: cannot pin it to CPU %d; it runs unpinned", role, name,
				 cpu);
		else
			log_debug("%s[%s] pinned to CPU %d", role, name, cpu);
	}
	if (chan != WORKER_CHANNEL_FD) {
		if (dup2(chan, WORKER_CHANNEL_FD) < 0)
			_exit(127);
	} else if (fcntl(chan, F_SETFD, 0) < 0) {
		_exit(127);
	}
	if (close_range(WORKER_CHANNEL_FD + 1, ~0U, 0) < 0) {
		for (int fd = WORKER_CHANNEL_FD + 1; fd < 65536; fd++)
			close(fd);
	}
	snprintf(tok, sizeof(tok), "%s=%016" PRIx64, WORKER_ENV_TOKEN, token);
	snprintf(ppid, sizeof(ppid), "%s=%ld", WORKER_ENV_PARENT, (long)parent);
	snprintf(logto, sizeof(logto), "%s=%s", WORKER_ENV_LOG,
		 log_to_stderr() ? "stderr" : "syslog");
	snprintf(proc, sizeof(proc), "%s[%s]", role, name);
	snprintf(what, sizeof(what), "%s", role);
	snprintf(label, sizeof(label), "%s", name);
	execve("/proc/self/exe", argv, envp);
	fprintf(stderr, "mcrelay: %s: cannot execute /proc/self/exe: %s\n", proc,
		strerror(errno));
	_exit(127);
}

int spawn_worker(const char *name, int cpu, struct spawned *out)
{
	return spawn_child("worker", name, cpu, out);
}

int spawn_child(const char *role, const char *name, int cpu, struct spawned *out)
{
	int sv[2];
	sigset_t all, old;
	pid_t parent = getpid();

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	out->token = new_token();
	/* No signal handler may run in the child between fork and exec. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	out->pid = fork();
	if (out->pid == 0) {
		close(sv[0]);
		child_exec(sv[1], out->token, role, name, cpu, parent);
	}
	int saved = errno;

	sigprocmask(SIG_SETMASK, &old, NULL);
	close(sv[1]);
	if (out->pid < 0) {
		close(sv[0]);
		errno = saved;
		return -1;
	}
	out->chan = sv[0];
	return 0;
}
