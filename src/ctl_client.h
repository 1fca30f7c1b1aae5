#ifndef MCRELAY_CTL_CLIENT_H
#define MCRELAY_CTL_CLIENT_H

/*
 * Sends one request to the daemon's control socket and prints the answer:
 * to stdout when it succeeded, to stderr when not.  Returns the exit status:
 * 0, the daemon's error code, EX_UNAVAILABLE when it cannot be reached,
 * EX_NOPERM when access is refused.
 */
int ctl_request(const char *socket_path, const char *request);

#endif
