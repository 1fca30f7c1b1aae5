#include "config.h"

#include "ctl_client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define ANSWER_TIMEOUT_MS 10000
#define ANSWER_MAX (16 * 1024 * 1024)
/* How often a full listen queue (EAGAIN) is tried again. */
#define CONNECT_RETRY_MS 50

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int remaining(int64_t deadline)
{
	int64_t left = deadline - now_ms();

	return left < 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int)left;
}

/*
 * Waits until fd has events, stop_fd is readable (1) or the deadline
 * passes (0); > 1 when fd is ready.  Returns -1 on a poll error.
 */
static int wait_for(int fd, short events, int stop_fd, int64_t deadline)
{
	struct pollfd pfd[2] = {
		{ .fd = fd, .events = events },
		{ .fd = stop_fd, .events = POLLIN },
	};

	for (;;) {
		int n = poll(pfd, stop_fd >= 0 ? 2 : 1, remaining(deadline));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (stop_fd >= 0 && pfd[1].revents)
			return 1;
		if (n == 0)
			return 0;
		return 2;
	}
}

/*
 * A connection to the socket.  With a stop_fd the socket does not block:
 * a full listen queue is tried again until the deadline, watching stop_fd
 * (-1 with errno EINTR when it became readable).
 */
static int connect_to(const char *path, int stop_fd, int64_t deadline)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, saved;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (stop_fd >= 0 ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		return -1;
	while (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		saved = errno;
		if (saved == EAGAIN && stop_fd >= 0 && remaining(deadline) > 0) {
			int w = wait_for(-1, 0, stop_fd, now_ms() + CONNECT_RETRY_MS);

			if (w == 1)
				saved = EINTR;
			else if (w == 0)
				continue;
		}
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* Reads until the daemon closes, within the deadline (NULL and errno on failure). */
static char *read_answer(int fd, int stop_fd, int64_t deadline, size_t *len)
{
	size_t cap = 4096;
	char *buf = malloc(cap);

	*len = 0;
	while (buf != NULL) {
		int w = wait_for(fd, POLLIN, stop_fd, deadline);

		if (w <= 1) {
			errno = w == 1 ? EINTR : w == 0 ? ETIMEDOUT : errno;
			break;
		}
		if (*len + 1 == cap) {
			char *grown = cap < ANSWER_MAX ? realloc(buf, cap * 2) : NULL;

			if (grown == NULL) {
				errno = EMSGSIZE;
				break;
			}
			buf = grown;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + *len, cap - *len - 1);

		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			break;
		if (n == 0) {
			buf[*len] = '\0';
			return buf;
		}
		*len += (size_t)n;
	}
	int saved = errno;

	free(buf);
	errno = saved;
	return NULL;
}

/* "ok\nBODY" or "error N\nMESSAGE"; anything else is unexpected. */
static void parse_answer(char *answer, size_t len, struct ctl_answer *a)
{
	char *body = strchr(answer, '\n');
	int code;

	body = body ? body + 1 : answer + len;
	if (strncmp(answer, "ok\n", 3) == 0) {
		a->result = CTL_OK;
	} else if (sscanf(answer, "error %d", &code) == 1 && code > 0 && code < 256) {
		a->result = CTL_ERROR;
		a->code = code;
	} else {
		a->result = CTL_UNEXPECTED;
		return;
	}
	memmove(answer, body, len - (size_t)(body - answer) + 1);
	a->text = answer;
}

void ctl_ask(const char *path, const char *request, int stop_fd, int timeout_ms,
	     struct ctl_answer *a)
{
	int64_t deadline = now_ms() + timeout_ms;
	char line[64], *answer;
	size_t len;
	int fd, n;

	*a = (struct ctl_answer){ .result = CTL_UNREACHABLE };
	fd = connect_to(path, stop_fd, deadline);
	if (fd < 0) {
		a->err = errno;
		a->result = errno == EINTR ? CTL_INTERRUPTED
			  : errno == EACCES || errno == EPERM ? CTL_REFUSED : CTL_UNREACHABLE;
		return;
	}
	n = snprintf(line, sizeof(line), "%s\n", request);
	/*
	 * A refusal may close the connection early: its answer is still worth
	 * reading.  The line is far below a socket buffer: it is sent whole.
	 */
	if (send(fd, line, (size_t)n, MSG_NOSIGNAL) != n && stop_fd < 0)
		fprintf(stderr, "mcrelay: %s: %s\n", path, strerror(errno));
	answer = read_answer(fd, stop_fd, deadline, &len);
	a->err = errno;
	close(fd);
	if (answer == NULL) {
		a->result = a->err == EINTR ? CTL_INTERRUPTED : CTL_NO_ANSWER;
		return;
	}
	parse_answer(answer, len, a);
	if (a->text == NULL)
		free(answer);
}

int ctl_request(const char *path, const char *request)
{
	struct ctl_answer a;
	int rc = EX_PROTOCOL;

	ctl_ask(path, request, -1, ANSWER_TIMEOUT_MS, &a);
	switch (a.result) {
	case CTL_OK:
		fputs(a.text, stdout);
		rc = EX_OK;
		break;
	case CTL_ERROR:
		fputs(a.text, stderr);
		rc = a.code;
		break;
	case CTL_UNREACHABLE:
	case CTL_REFUSED:
	case CTL_INTERRUPTED:
		fprintf(stderr, "mcrelay: cannot reach the daemon at %s: %s\n", path,
			strerror(a.err));
		rc = a.result == CTL_REFUSED ? EX_NOPERM : EX_UNAVAILABLE;
		break;
	case CTL_NO_ANSWER:
		fprintf(stderr, "mcrelay: no answer from the daemon at %s: %s\n", path,
			strerror(a.err));
		rc = EX_UNAVAILABLE;
		break;
	case CTL_UNEXPECTED:
		fprintf(stderr, "mcrelay: unexpected answer from the daemon at %s\n", path);
		rc = EX_PROTOCOL;
		break;
	}
	free(a.text);
	return rc;
}
