#include "config.h"

#include "common/sandbox_core.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

/*
 * Where an empty directory can be made for a moment: /tmp first (private
 * to the service under systemd's PrivateTmp=), then the others.
 */
static const char *const scratch_dirs[] = { "/tmp", "/var/tmp", "/dev/shm", "/run" };

static int chroot_in(const char *parent_path, char *err, size_t errlen)
{
	char dir[64];
	int parent = open(parent_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int rc = -1;

	snprintf(dir, sizeof(dir), "%s/mcrelay-root.XXXXXX", parent_path);
	if (parent < 0 || mkdtemp(dir) == NULL) {
		snprintf(err, errlen, "cannot make an empty directory in %s: %s", parent_path,
			 strerror(errno));
		goto out;
	}
	if (chdir(dir) < 0 || chroot(".") < 0) {
		snprintf(err, errlen, "cannot change the root to %s: %s", dir, strerror(errno));
		rmdir(dir);
		goto out;
	}
	/* Linux removes a directory that is a root or working directory. */
	if (unlinkat(parent, strrchr(dir, '/') + 1, AT_REMOVEDIR) < 0 || chdir("/") < 0) {
		snprintf(err, errlen, "cannot remove the empty root %s: %s", dir, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (parent >= 0)
		close(parent);
	return rc;
}

#ifdef MCRELAY_SANITIZERS
static bool being_traced(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	const char *t;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	t = strstr(buf, "TracerPid:");
	return t != NULL && strtol(t + 10, NULL, 10) != 0;
}
#endif

int sandbox_chroot(char *err, size_t errlen)
{
	char why[160] = "";

#ifdef MCRELAY_SANITIZERS
	/*
	 * LeakSanitizer stops the world with a clone that ptraces the process
	 * and reads /proc, which the empty root, RLIMIT_NPROC and the filter
	 * rightly forbid: sanitizer builds check the worker for leaks now, and
	 * not at exit.  Not under a tracer either (tests/integration/syscalls.sh):
	 * LeakSanitizer refuses to run there.
	 */
	if (!being_traced())
		__lsan_do_leak_check();
#endif
	/* localtime_r (log time stamps) reads /etc/localtime once: now, while it can. */
	tzset();
	for (size_t i = 0; i < sizeof(scratch_dirs) / sizeof(scratch_dirs[0]); i++) {
		if (chroot_in(scratch_dirs[i], err, errlen) == 0)
			return 0;
		if (i == 0)
			snprintf(why, sizeof(why), "%s", err);
	}
	snprintf(err, errlen, "%s (and no other directory would do)", why);
	return -1;
}

static bool is_regular_file(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

bool sandbox_log_is_file(void)
{
	return is_regular_file(STDOUT_FILENO) || is_regular_file(STDERR_FILENO);
}

int sandbox_set_limit(int resource, rlim_t value, const char *name, char *err, size_t errlen)
{
	struct rlimit rl = { .rlim_cur = value, .rlim_max = value };

	if (setrlimit(resource, &rl) == 0)
		return 0;
	snprintf(err, errlen, "cannot set %s to %llu: %s", name, (unsigned long long)value,
		 strerror(errno));
	return -1;
}

int sandbox_limits(rlim_t max_fds, char *err, size_t errlen)
{
	if (sandbox_set_limit(RLIMIT_NOFILE, max_fds, "RLIMIT_NOFILE", err, errlen) < 0 ||
	    sandbox_set_limit(RLIMIT_NPROC, 0, "RLIMIT_NPROC", err, errlen) < 0 ||
	    sandbox_set_limit(RLIMIT_CORE, 0, "RLIMIT_CORE", err, errlen) < 0)
		return -1;
	/*
	 * Such a process writes to no file but its log.  When that log is a
	 * regular file (a foreground supervisor with its output redirected to
	 * one), a zero limit would kill it at its first line; it is left then.
	 */
	if (!sandbox_log_is_file() &&
	    sandbox_set_limit(RLIMIT_FSIZE, 0, "RLIMIT_FSIZE", err, errlen) < 0)
		return -1;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		snprintf(err, errlen, "cannot clear the dumpable flag: %s", strerror(errno));
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* Landlock's access rights, as its ABI versions added them (landlock(7)). */
#define LL_FS_V1 ((1ull << 13) - 1)		/* execute ... make_sym */
#define LL_FS_REFER (1ull << 13)		/* ABI 2 */
#define LL_FS_TRUNCATE (1ull << 14)		/* ABI 3 */
#define LL_FS_IOCTL_DEV (1ull << 15)		/* ABI 5 */
#define LL_NET_BIND_TCP (1ull << 0)		/* ABI 4 */
#define LL_NET_CONNECT_TCP (1ull << 1)
#define LL_SCOPE_ABSTRACT_UNIX (1ull << 0)	/* ABI 6 */
#define LL_SCOPE_SIGNAL (1ull << 1)

/* struct landlock_ruleset_attr as of ABI 6; older kernels take a prefix of it. */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

int sandbox_landlock(char *err, size_t errlen)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	struct ll_ruleset_attr attr = { .handled_access_fs = LL_FS_V1 };
	size_t size = sizeof(attr.handled_access_fs);
	int fd;

	if (abi < 0 && (errno == ENOSYS || errno == EOPNOTSUPP))
		return 0;
	if (abi < 0) {
		snprintf(err, errlen, "cannot ask for Landlock's ABI: %s", strerror(errno));
		return -1;
	}
	if (abi >= 2)
		attr.handled_access_fs |= LL_FS_REFER;
	if (abi >= 3)
		attr.handled_access_fs |= LL_FS_TRUNCATE;
	if (abi >= 4) {
		attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
		size = offsetof(struct ll_ruleset_attr, scoped);
	}
	if (abi >= 5)
		attr.handled_access_fs |= LL_FS_IOCTL_DEV;
	if (abi >= 6) {
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
		size = sizeof(attr);
	}
	fd = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (fd < 0 || syscall(SYS_landlock_restrict_self, fd, 0) < 0) {
		snprintf(err, errlen, "cannot restrict itself with Landlock (ABI %ld): %s", abi,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return (int)abi;
}

#ifdef HAVE_SECCOMP
static const enum scmp_compare scmp_op[] = {
	[SANDBOX_EQ] = SCMP_CMP_EQ,
	[SANDBOX_NE] = SCMP_CMP_NE,
	[SANDBOX_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

static int add_rule(scmp_filter_ctx ctx, const struct sandbox_allow *a, int signal_fd)
{
	struct scmp_arg_cmp cmp[2];
	int nr = seccomp_syscall_resolve_name(a->name);

	if (nr == __NR_SCMP_ERROR)
		return -EINVAL;
	for (unsigned i = 0; i < a->n_cmp; i++) {
		const struct sandbox_cmp *c = &a->cmp[i];

		uint64_t value = c->signal_fd ? (uint64_t)signal_fd : c->value;

		cmp[i] = (struct scmp_arg_cmp){ .arg = c->arg, .op = scmp_op[c->op],
						.datum_a = c->op == SANDBOX_MASKED_EQ ? c->mask : value,
						.datum_b = c->op == SANDBOX_MASKED_EQ ? value : 0 };
	}
	return seccomp_rule_add_array(ctx, a->error ? SCMP_ACT_ERRNO((uint32_t)a->error)
						    : SCMP_ACT_ALLOW,
				      nr, a->n_cmp, cmp);
}

static int load_filter(const struct sandbox_allow *list, size_t n, int signal_fd, char *err,
		       size_t errlen)
{
#ifdef MCRELAY_SECCOMP_TRAP
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);	/* debugging: strace names the call */
#else
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
#endif
	int rc = -ENOMEM;
	size_t i = 0;

	if (ctx == NULL)
		goto fail;
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	for (; rc == 0 && i < n; i++)
		rc = add_rule(ctx, &list[i], signal_fd);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc == 0)
		return 0;
fail:
	snprintf(err, errlen, "cannot install the system call filter%s%s: %s",
		 i ? " at " : "", i ? list[i - 1].name : "", strerror(-rc));
	return -1;
}
#endif

int sandbox_seccomp(const struct sandbox_allow *list, size_t n, int signal_fd, char *err,
		    size_t errlen)
{
#ifdef HAVE_SECCOMP
	if (load_filter(list, n, signal_fd, err, errlen) < 0)
		return -1;
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != SECCOMP_MODE_FILTER) {
		snprintf(err, errlen, "the system call filter is not in force");
		return -1;
	}
	return 1;
#else
	(void)list;
	(void)n;
	(void)signal_fd;
	(void)err;
	(void)errlen;
	return 0;
#endif
}
