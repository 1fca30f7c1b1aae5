#ifndef MCRELAY_CONTROL_H
#define MCRELAY_CONTROL_H

#include <stddef.h>
#include <sys/types.h>

struct control;
struct supervisor;

/*
 * The control socket: a Unix stream socket, mode 0660, group gid.  A client
 * sends one line ("status", "status json" or "reload") and reads the answer
 * until the server closes: a first line "ok" or "error CODE" (CODE is the
 * sysexits(3) status the client should exit with), then the text.
 */
struct control *control_open(struct supervisor *sv, const char *path, gid_t gid,
			     char *err, size_t errlen);
void control_close(struct control *ctl);

/* The supervisor tells: every worker has answered STATS_REQ / acknowledged. */
void control_stats_ready(struct control *ctl);
void control_config_acked(struct control *ctl);

#endif
