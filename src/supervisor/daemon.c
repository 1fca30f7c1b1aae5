#include "config.h"

#include "supervisor/daemon.h"

#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

/* After SIGTERM, how long the launcher lets a daemon that was never ready stop. */
#define DAEMON_STOP_GRACE_MS 10000

static int ready_fd = -1;

static struct {
	int fd;
	char *path;	/* absolute: the daemon runs in / */
	dev_t dev;
	ino_t ino;
} pidfile = { .fd = -1 };

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Waits until fd is readable or timeout_ms (-1: forever) pass.  Returns
 * 1 if readable (a byte or end of file), 0 on timeout.
 */
static int wait_readable(int fd, int64_t timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (;;) {
		int64_t left = timeout_ms < 0 ? -1 : deadline - now_ms();
		int n;

		if (timeout_ms >= 0 && left <= 0)
			return 0;
		n = poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return 1;	/* cannot wait: let the read decide */
	}
}

/* The launcher's exit status for a daemon that ended with this wait status. */
static int passed_on(pid_t pid, int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		fprintf(stderr, "mcrelay: the daemon (pid %ld) was killed by signal %d "
			"before it was ready\n", (long)pid, WTERMSIG(status));
	return EX_SOFTWARE;
}

/*
 * The daemon did not become ready in time.  A launcher that reports a
 * failure should leave nothing running behind it (a retry would find the
 * pidfile and the control socket taken), so the daemon is stopped: SIGTERM,
 * which makes it stop its workers and remove its files, then SIGKILL.
 */
static void stop_unready(pid_t pid, int rfd, unsigned timeout_s)
{
	int status;

	fprintf(stderr, "mcrelay: the daemon (pid %ld) was not ready within %u s: "
		"stopping it\n", (long)pid, timeout_s);
	kill(pid, SIGTERM);
	/* The end of the pipe comes when the daemon exits. */
	if (!wait_readable(rfd, DAEMON_STOP_GRACE_MS)) {
		fprintf(stderr, "mcrelay: the daemon (pid %ld) did not stop: killing it\n",
			(long)pid);
		kill(pid, SIGKILL);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	_exit(EX_TEMPFAIL);
}

_Noreturn static void launcher_wait(pid_t pid, int rfd, unsigned timeout_s)
{
	char c;
	int status;
	ssize_t n;

	if (!wait_readable(rfd, timeout_s ? (int64_t)timeout_s * 1000 : -1))
		stop_unready(pid, rfd, timeout_s);
	do
		n = read(rfd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1)
		_exit(EX_OK);
	/*
	 * End of file without the byte: the daemon exited before it was
	 * ready (only its exit closes the pipe unwritten).  Report how.
	 */
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			_exit(EX_SOFTWARE);
	}
	_exit(passed_on(pid, status));
}

int daemon_detach(unsigned timeout_s)
{
	int pipefd[2], fd;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(pipefd[1]);
		launcher_wait(pid, pipefd[0], timeout_s);
	}
	close(pipefd[0]);
	ready_fd = pipefd[1];
	if (setsid() < 0)
		return -1;
	if (chdir("/") < 0)
		return -1;
	fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		return -1;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
	return 0;
}

void daemon_ready(void)
{
	if (ready_fd >= 0) {
		if (write(ready_fd, "r", 1) != 1)
			log_debug("the starting process is gone");
		close(ready_fd);
		ready_fd = -1;
	}
}

/* Says who holds a locked pidfile, from what it contains. */
static void describe_holder(int fd, const char *path, char *err, size_t len)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	char *end;
	long pid;

	buf[n > 0 ? n : 0] = '\0';
	pid = strtol(buf, &end, 10);
	if (n > 0 && pid > 0 && (*end == '\n' || *end == '\0'))
		snprintf(err, len, "pidfile %s is locked by a running process (pid %ld): "
			 "is mcrelay already running?", path, pid);
	else
		snprintf(err, len, "pidfile %s is locked by a running process "
			 "(a daemon still starting?): is mcrelay already running?", path);
}

/* Only a regular file with one name, owned by us, is ours to truncate. */
static int check_pidfile(const struct stat *st, const char *path, char *err, size_t len)
{
	if (!S_ISREG(st->st_mode))
		snprintf(err, len, "pidfile %s is not a regular file: refusing it", path);
	else if (st->st_nlink != 1)
		snprintf(err, len, "pidfile %s has %ju hard links: refusing it", path,
			 (uintmax_t)st->st_nlink);
	else if (st->st_uid != geteuid())
		snprintf(err, len, "pidfile %s belongs to user ID %ju, not to us: "
			 "refusing it", path, (uintmax_t)st->st_uid);
	else
		return 0;
	return -1;
}

/* The path made absolute, for the daemon, which changes to / when it detaches. */
static char *absolute(const char *path)
{
	char cwd[4096];
	char *abs;

	if (path[0] == '/')
		return strdup(path);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return NULL;
	if (asprintf(&abs, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, path) < 0)
		return NULL;
	return abs;
}

int pidfile_open(const char *path, char *err, size_t len)
{
	struct stat st;
	char *abs = absolute(path);
	int fd = -1, rc = EX_CANTCREAT;

	if (abs == NULL) {
		snprintf(err, len, "pidfile %s: %s", path, strerror(errno));
		return EX_OSERR;
	}
	/* O_NONBLOCK: a FIFO or a device named here must not hang the open. */
	fd = open(abs, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0644);
	if (fd < 0) {
		if (errno == ELOOP)
			snprintf(err, len, "pidfile %s is a symbolic link: refusing to "
				 "follow it", path);
		else
			snprintf(err, len, "cannot open the pidfile %s: %s", path,
				 strerror(errno));
		goto fail;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(err, len, "pidfile %s: %s", path, strerror(errno));
		goto fail;
	}
	if (check_pidfile(&st, path, err, len) < 0)
		goto fail;
	/*
	 * flock(2), not fcntl(2): the lock belongs to the open file
	 * description, so the daemon keeps it across daemon_detach()'s fork.
	 */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK) {
			describe_holder(fd, path, err, len);
			rc = EX_UNAVAILABLE;
		} else {
			snprintf(err, len, "cannot lock the pidfile %s: %s", path,
				 strerror(errno));
		}
		goto fail;
	}
	/* A stale pid, left by a daemon that is gone, must not be read as ours. */
	if (ftruncate(fd, 0) < 0) {
		snprintf(err, len, "cannot truncate the pidfile %s: %s", path,
			 strerror(errno));
		goto fail;
	}
	pidfile.fd = fd;
	pidfile.path = abs;
	pidfile.dev = st.st_dev;
	pidfile.ino = st.st_ino;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(abs);
	return rc;
}

int pidfile_write(void)
{
	char buf[32];
	int n;

	if (pidfile.fd < 0)
		return 0;
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(pidfile.fd, 0) < 0 || pwrite(pidfile.fd, buf, (size_t)n, 0) != n)
		return -1;
	return 0;
}

void pidfile_remove(void)
{
	struct stat st;

	if (pidfile.fd < 0)
		return;
	/* The path may have been replaced meanwhile: remove only our file. */
	if (lstat(pidfile.path, &st) < 0) {
		if (errno != ENOENT)
			log_warn("cannot check the pidfile %s", pidfile.path);
	} else if (st.st_dev != pidfile.dev || st.st_ino != pidfile.ino) {
		log_warnx("%s is no longer the pidfile this daemon locked: leaving it",
			  pidfile.path);
	} else if (unlink(pidfile.path) < 0 && errno != ENOENT) {
		log_warn("cannot remove %s", pidfile.path);
	}
	close(pidfile.fd);
	pidfile.fd = -1;
	free(pidfile.path);
	pidfile.path = NULL;
}
