#ifndef MCRELAY_METRICS_SOCKET_H
#define MCRELAY_METRICS_SOCKET_H

#include <stddef.h>

#include "lib/conf_types.h"

/*
 * The metrics process's listening TCP socket, which the supervisor opens
 * (before it drops CAP_NET_BIND_SERVICE at start-up) and keeps, so that a
 * metrics process started again takes the same socket and no connection
 * waiting in its backlog is lost.  Non-blocking, close-on-exec,
 * SO_REUSEADDR.  Returns the descriptor, or -1 with a reason in err.
 */
int metrics_socket_open(const struct conf_listen *l, char *err, size_t errlen);

#endif
