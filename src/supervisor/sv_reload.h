#ifndef MCRELAY_SV_RELOAD_H
#define MCRELAY_SV_RELOAD_H

#include "lib/conf.h"
#include "lib/diag.h"
#include "supervisor/sv_types.h"

/* Who the configuration names: the workers' account and the control socket's group. */
struct sv_accounts {
	uid_t uid;
	gid_t gid;
	gid_t control_gid;
};

/*
 * Parses and checks a configuration completely; nothing running is touched.
 * Interfaces that do not exist yet are pending, not errors.  Returns 0 or
 * the sysexits(3) code that says what is wrong.
 */
int sv_load_config(const char *path, struct conf *c, struct sv_accounts *a, struct diag *d);

/*
 * A reload, asked by SIGHUP or the control socket: parse and check the file
 * beside the running configuration, and only if it is valid swap it in and
 * sync (sv_sync.c) the workers and sockets to it.  All or nothing: a bad
 * file changes nothing.  Returns 0 or a sysexits(3) code, diagnostics in d.
 */
int sv_reload(struct supervisor *sv, struct diag *d);

#endif
