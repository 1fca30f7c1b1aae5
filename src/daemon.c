#include "config.h"

#include "daemon.h"

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

static int ready_fd = -1;

int daemon_detach(void)
{
	int pipefd[2], fd;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		char c;
		int status;

		close(pipefd[1]);
		if (read(pipefd[0], &c, 1) == 1)
			_exit(EX_OK);
		/* The daemon died before it was ready: report how. */
		if (waitpid(pid, &status, WNOHANG) == pid && WIFEXITED(status))
			_exit(WEXITSTATUS(status));
		_exit(EX_SOFTWARE);
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

int pidfile_write(const char *path)
{
	char buf[32];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int n;

	if (fd < 0)
		return -1;
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	return close(fd);
}

void pidfile_remove(const char *path)
{
	if (path != NULL && unlink(path) < 0 && errno != ENOENT)
		log_warn("cannot remove %s", path);
}
