#ifndef MCRELAY_CTL_CLIENT_H
#define MCRELAY_CTL_CLIENT_H

/*
 * Sends one request to the daemon's control socket and prints the answer:
 * to stdout when it succeeded, to stderr when not.  Returns the exit status:
 * 0, the daemon's error code, EX_UNAVAILABLE when it cannot be reached,
 * EX_NOPERM when access is refused.
 */
int ctl_request(const char *socket_path, const char *request);

/* What one request gave. */
enum ctl_result {
	CTL_OK,			/* "ok": text is the answer's body */
	CTL_ERROR,		/* "error N": code is N, text the daemon's message */
	CTL_UNREACHABLE,	/* no connection: err says why */
	CTL_REFUSED,		/* no access to the socket (EACCES, EPERM) */
	CTL_NO_ANSWER,		/* no whole answer in time, or a read error: err */
	CTL_UNEXPECTED,		/* an answer that is neither */
	CTL_INTERRUPTED,	/* stop_fd became readable first */
};

struct ctl_answer {
	enum ctl_result result;
	int code;		/* CTL_ERROR: the daemon's exit code */
	int err;		/* errno of CTL_UNREACHABLE, CTL_REFUSED, CTL_NO_ANSWER */
	char *text;		/* CTL_OK, CTL_ERROR: malloc'd, NUL-terminated; else NULL */
};

/*
 * Sends request and reads the answer within timeout_ms, giving up as soon
 * as stop_fd (if >= 0) is readable, which it does not read.  The caller
 * frees a->text.
 */
void ctl_ask(const char *socket_path, const char *request, int stop_fd, int timeout_ms,
	     struct ctl_answer *a);

/*
 * `status --watch`: the status table every interval_ms, drawn in place on
 * a terminal or written plainly to a pipe or file, until SIGINT, SIGTERM,
 * SIGHUP or 'q'.  Returns the exit status (see mcrelay(8)).
 */
int ctl_watch(const char *socket_path, unsigned interval_ms);

#endif
