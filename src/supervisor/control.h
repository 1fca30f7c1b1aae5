#ifndef MCRELAY_CONTROL_H
#define MCRELAY_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lib/diag.h"
#include "lib/status_render.h"
#include "lib/strbuf.h"

struct control;
struct event_base;

/*
 * What the control socket asks of its owner.  Control never reads the
 * owner's state: it calls these, and the owner tells it when something
 * it waits for has happened (control_stats_ready, control_config_acked).
 */
struct control_ops {
	/* Reloads the configuration: a sysexits(3) code, diagnostics in d. */
	int (*reload)(void *arg, struct diag *d);
	/* Whether every worker has adopted the running configuration. */
	bool (*config_acked)(void *arg);
	/* Asks for fresh counters; true if every answer is in already. */
	bool (*request_stats)(void *arg);
	/* The status table, one JSON document or the metrics, from the counters at hand. */
	void (*render_status)(void *arg, enum status_form form, struct strbuf *out);
	/* Which configuration runs, e.g. "configuration 3, 12 rules". */
	void (*describe_config)(void *arg, struct strbuf *out);
};

struct control_limits {
	unsigned max_clients;	/* beyond it the oldest client yet to ask is dropped */
	unsigned deadline_ms;	/* to send a request, and again to read the answer */
	unsigned ack_wait_ms;	/* for the workers to adopt a reloaded configuration */
	size_t unread_max;	/* status answers held for slow readers, in all */
};

#define CONTROL_LIMITS_DEFAULT { .max_clients = 128, .deadline_ms = 5000, \
				 .ack_wait_ms = 10000, .unread_max = 64u << 20 }

/*
 * The control socket: a Unix stream socket, mode 0660, owner root, group
 * gid (see control_socket.h for where it may be).  Root and members of gid
 * may use it.  A client sends one line ("status", "status json",
 * "status openmetrics", "status prometheus" or "reload") and reads the
 * answer until the server closes: a first line "ok" or "error CODE" (CODE
 * is the sysexits(3) status the client should exit with), then the text.
 * A reload is "ok" only once every worker has adopted the new
 * configuration.  Nothing after the request line is read, and a status
 * answer that would take the answers not yet read past unread_max is
 * "error 75" (busy): a client's memory is bounded in every state.
 */
struct control *control_open(struct event_base *base, const char *path, gid_t gid,
			     const struct control_limits *limits,
			     const struct control_ops *ops, void *arg, char *err,
			     size_t errlen);
void control_close(struct control *ctl);
size_t control_clients(const struct control *ctl);

/* The owner tells: every worker has answered / adopted the configuration. */
void control_stats_ready(struct control *ctl);
void control_config_acked(struct control *ctl);

#endif
