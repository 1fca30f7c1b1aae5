#ifndef MCRELAY_SUPERVISOR_H
#define MCRELAY_SUPERVISOR_H

#include <stdbool.h>

/*
 * The daemon: parses the configuration, opens the privileged sockets,
 * starts and watches the workers, serves the control socket.  Returns a
 * sysexits(3) code.  Everything else of the supervisor is private (sv.h).
 */
int supervisor_main(const char *conf_path, bool foreground, const char *pidfile,
		    unsigned ready_timeout_s);

#endif
