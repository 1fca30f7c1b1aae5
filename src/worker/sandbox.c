#include "config.h"

#include "worker/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_SECCOMP
#include <seccomp.h>
#endif
#ifdef MCRELAY_SANITIZERS
#include <sanitizer/lsan_interface.h>
#endif

#ifndef SECCOMP_MODE_FILTER
#define SECCOMP_MODE_FILTER 2
#endif

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

#ifdef MCRELAY_TEST_HOOKS
/*
 * Test builds only: SIGUSR2 makes the worker do what a taken-over worker
 * would, open a packet socket, so that the tests can see the filter kill it.
 * socket() is async-signal-safe.
 */
static void hook_forbidden_call(int sig)
{
	int fd = socket(AF_PACKET, SOCK_RAW, 0);

	(void)sig;
	if (fd >= 0)
		close(fd);
}
#endif

static int is_regular_file(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

static int set_limit(int resource, rlim_t value, const char *name, char *err,
		     size_t errlen)
{
	struct rlimit rl = { .rlim_cur = value, .rlim_max = value };

	if (setrlimit(resource, &rl) == 0)
		return 0;
	snprintf(err, errlen, "cannot set %s to %llu: %s", name, (unsigned long long)value,
		 strerror(errno));
	return -1;
}

/* Limits, dumpability, directory and signals: what needs no libseccomp. */
static int confine(char *err, size_t errlen)
{
	if (set_limit(RLIMIT_NOFILE, SANDBOX_MAX_FDS, "RLIMIT_NOFILE", err, errlen) < 0 ||
	    set_limit(RLIMIT_NPROC, 0, "RLIMIT_NPROC", err, errlen) < 0 ||
	    set_limit(RLIMIT_CORE, 0, "RLIMIT_CORE", err, errlen) < 0)
		return -1;
	/*
	 * A worker writes to no file but its log.  When that log is a regular
	 * file (a foreground supervisor with its output redirected to one), a
	 * zero limit would kill the worker at its first line; it is left then.
	 */
	if (!is_regular_file(STDOUT_FILENO) && !is_regular_file(STDERR_FILENO) &&
	    set_limit(RLIMIT_FSIZE, 0, "RLIMIT_FSIZE", err, errlen) < 0)
		return -1;
	/* No core, no ptrace by the same user, /proc/PID owned by root. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		snprintf(err, errlen, "cannot clear the dumpable flag: %s", strerror(errno));
		return -1;
	}
	if (chdir("/") < 0) {
		snprintf(err, errlen, "cannot change directory to /: %s", strerror(errno));
		return -1;
	}
	/* A supervisor that died is seen as EPIPE on the channel, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	/* localtime_r (log time stamps) reads /etc/localtime once: now, while it may. */
	tzset();
#ifdef MCRELAY_TEST_HOOKS
	signal(SIGUSR2, hook_forbidden_call);
#endif
	return 0;
}

#ifdef HAVE_SECCOMP
/*
 * What the worker's loop needs once it forwards, found with strace on
 * workers forwarding, answering status requests, adopting new
 * configurations, logging and exiting; see mcrelay(8).  Anything else
 * kills the process: the supervisor logs "killed by signal 31 (Bad system
 * call)" and starts a fresh worker.
 */
static const int allowed[] = {
	/* the event loop (epoll; poll for a packet ring) */
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl),
	SCMP_SYS(poll), SCMP_SYS(ppoll),
	/* packets in and out, the channel, libevent's signal socket pair */
	SCMP_SYS(recvmmsg), SCMP_SYS(sendmmsg), SCMP_SYS(recvmsg), SCMP_SYS(sendmsg),
	SCMP_SYS(recvfrom), SCMP_SYS(sendto), SCMP_SYS(read),
	/* the log: stderr, or the syslog socket opened before (send is sendto) */
	SCMP_SYS(write), SCMP_SYS(writev),
	/* sockets of a configuration replaced, and of a reload's leftovers */
	SCMP_SYS(close),
	/* counters: PACKET_STATISTICS, and socket checks; reading changes nothing */
	SCMP_SYS(getsockopt),
	/* time: mostly the vDSO, the system call where it is not mapped */
	SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
	/* memory: malloc, and a packet ring of a new ingress socket */
	SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(madvise), SCMP_SYS(mremap),
	SCMP_SYS(fstat),
	/* signals: libevent's handlers, return from them, abort() */
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(restart_syscall),
	/* the rest of libc */
	SCMP_SYS(futex), SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(getrandom),
	SCMP_SYS(sched_yield), SCMP_SYS(exit), SCMP_SYS(exit_group),
	/* glibc's qsort asks for the memory size before sorting a large array */
	SCMP_SYS(sysinfo),
};

struct arg_rule {
	int syscall;
	uint32_t action;	/* 0: allow */
	unsigned n;
	struct scmp_arg_cmp cmp[2];
};

static int add_arg_rules(scmp_filter_ctx ctx)
{
	const scmp_datum_t self = (scmp_datum_t)getpid();
	const struct arg_rule rules[] = {
		/*
		 * Socket options: only those a packet ring needs.  Egress sockets
		 * are shared by the workers using an interface; nothing else may
		 * be changed on them (buffer sizes, bypassing the qdisc, fanout)
		 * nor on the ingress socket, whose filter is also locked.
		 */
		{ SCMP_SYS(setsockopt), 0, 2, { SCMP_A1(SCMP_CMP_EQ, SOL_PACKET),
						SCMP_A2(SCMP_CMP_EQ, PACKET_VERSION) } },
		{ SCMP_SYS(setsockopt), 0, 2, { SCMP_A1(SCMP_CMP_EQ, SOL_PACKET),
						SCMP_A2(SCMP_CMP_EQ, PACKET_RX_RING) } },
		{ SCMP_SYS(setsockopt), 0, 2, { SCMP_A1(SCMP_CMP_EQ, SOL_PACKET),
						SCMP_A2(SCMP_CMP_EQ, PACKET_RESERVE) } },
		/* Descriptor flags, but no F_DUPFD: no new descriptors. */
		{ SCMP_SYS(fcntl), 0, 1, { SCMP_A1(SCMP_CMP_EQ, F_GETFL) } },
		{ SCMP_SYS(fcntl), 0, 1, { SCMP_A1(SCMP_CMP_EQ, F_SETFL) } },
		{ SCMP_SYS(fcntl), 0, 1, { SCMP_A1(SCMP_CMP_EQ, F_GETFD) } },
		{ SCMP_SYS(fcntl), 0, 1, { SCMP_A1(SCMP_CMP_EQ, F_SETFD) } },
		/* Memory, never executable: no code can be brought in. */
		{ SCMP_SYS(mmap), 0, 1, { SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0) } },
		{ SCMP_SYS(mprotect), 0, 1, { SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0) } },
		/* glibc's fstat(fd) is newfstatat(fd, "", AT_EMPTY_PATH). */
		{ SCMP_SYS(newfstatat), 0, 1,
		  { SCMP_A3(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, AT_EMPTY_PATH) } },
		/* Signals to itself only (raise, abort). */
		{ SCMP_SYS(kill), 0, 1, { SCMP_A0(SCMP_CMP_EQ, self) } },
		{ SCMP_SYS(tgkill), 0, 1, { SCMP_A0(SCMP_CMP_EQ, self) } },
		/* The check right after loading the filter. */
		{ SCMP_SYS(prctl), 0, 1, { SCMP_A0(SCMP_CMP_EQ, PR_GET_SECCOMP) } },
		/*
		 * syslog(3) reopens its socket when the log daemon went away: that
		 * fails instead of killing the worker, and the line is lost, as it
		 * would be without a log daemon.  Any other socket() kills.
		 */
		{ SCMP_SYS(socket), SCMP_ACT_ERRNO(EACCES), 1,
		  { SCMP_A0(SCMP_CMP_EQ, AF_UNIX) } },
	};

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		uint32_t action = rules[i].action ? rules[i].action : SCMP_ACT_ALLOW;
		int rc = seccomp_rule_add_array(ctx, action, rules[i].syscall, rules[i].n,
						rules[i].cmp);

		if (rc < 0)
			return rc;
	}
	return 0;
}

static int sandbox_load_filter(char *err, size_t errlen)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int rc = -ENOMEM;

	if (ctx == NULL)
		goto fail;
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	for (size_t i = 0; rc == 0 && i < sizeof(allowed) / sizeof(allowed[0]); i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	if (rc == 0)
		rc = add_arg_rules(ctx);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc == 0)
		return 0;
fail:
	snprintf(err, errlen, "cannot install the system call filter: %s", strerror(-rc));
	return -1;
}
#endif

int sandbox_worker(char *err, size_t errlen)
{
#ifdef MCRELAY_SANITIZERS
	/*
	 * LeakSanitizer stops the world with a clone that ptraces the process,
	 * which RLIMIT_NPROC and the filter rightly forbid: sanitizer builds
	 * check the worker for leaks now, and not at exit.
	 */
	__lsan_do_leak_check();
#endif
	if (confine(err, errlen) < 0)
		return -1;
#ifdef HAVE_SECCOMP
	if (sandbox_load_filter(err, errlen) < 0)
		return -1;
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != SECCOMP_MODE_FILTER) {
		snprintf(err, errlen, "the system call filter is not in force");
		return -1;
	}
#endif
	return 0;
}
