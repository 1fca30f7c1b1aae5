#include "config.h"

#include "ctl_client.h"

#include <errno.h>
#include <poll.h>
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

static int connect_to(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* Reads until the daemon closes, within the deadline. */
static char *read_answer(int fd, size_t *len)
{
	size_t cap = 4096;
	char *buf = malloc(cap);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	*len = 0;
	while (buf != NULL) {
		if (poll(&pfd, 1, ANSWER_TIMEOUT_MS) <= 0) {
			errno = ETIMEDOUT;
			break;
		}
		if (*len + 1 == cap) {
			char *grown = cap < ANSWER_MAX ? realloc(buf, cap * 2) : NULL;

			if (grown == NULL)
				break;
			buf = grown;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + *len, cap - *len - 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (n == 0) {
			buf[*len] = '\0';
			return buf;
		}
		*len += (size_t)n;
	}
	free(buf);
	return NULL;
}

int ctl_request(const char *path, const char *request)
{
	int fd = connect_to(path);
	size_t len;
	char *answer, *body;
	int rc;

	if (fd < 0) {
		int e = errno;

		fprintf(stderr, "mcrelay: cannot reach the daemon at %s: %s\n", path,
			strerror(e));
		return e == EACCES || e == EPERM ? EX_NOPERM : EX_UNAVAILABLE;
	}
	char line[64];
	int n = snprintf(line, sizeof(line), "%s\n", request);

	/* A refusal may close the connection early: its answer is still worth reading. */
	if (send(fd, line, (size_t)n, MSG_NOSIGNAL) != n)
		fprintf(stderr, "mcrelay: %s: %s\n", path, strerror(errno));
	answer = read_answer(fd, &len);
	close(fd);
	if (answer == NULL) {
		fprintf(stderr, "mcrelay: no answer from the daemon at %s: %s\n", path,
			strerror(errno));
		return EX_UNAVAILABLE;
	}
	body = strchr(answer, '\n');
	body = body ? body + 1 : answer + len;
	if (strncmp(answer, "ok\n", 3) == 0) {
		fputs(body, stdout);
		rc = EX_OK;
	} else if (sscanf(answer, "error %d", &rc) == 1 && rc > 0 && rc < 256) {
		fputs(body, stderr);
	} else {
		fprintf(stderr, "mcrelay: unexpected answer from the daemon at %s\n", path);
		rc = EX_PROTOCOL;
	}
	free(answer);
	return rc;
}
