#include "config.h"

#include "supervisor/metrics_socket.h"

#include "lib/conf_listen.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define METRICS_BACKLOG 64

int metrics_socket_open(const struct conf_listen *l, char *err, size_t errlen)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t slen;
	char where[CONF_LISTEN_STRLEN];
	int fd, one = 1, e;

	conf_listen_format(l, where, sizeof(where));
	if (l->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(l->port);
		s6->sin6_addr = l->addr;
		slen = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(l->port);
		memcpy(&s4->sin_addr, &l->addr, 4);
		slen = sizeof(*s4);
	}
	fd = socket(l->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "cannot make a TCP socket for %s: %s", where, strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, slen) < 0 || listen(fd, METRICS_BACKLOG) < 0) {
		e = errno;
		close(fd);
		snprintf(err, errlen, "cannot listen on %s: %s%s", where, strerror(e),
			 e == EACCES && l->port < 1024
				 ? " (a port below 1024 is opened at start-up only: the running "
				   "daemon keeps no CAP_NET_BIND_SERVICE)"
				 : "");
		return -1;
	}
	return fd;
}
