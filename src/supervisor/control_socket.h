#ifndef MCRELAY_CONTROL_SOCKET_H
#define MCRELAY_CONTROL_SOCKET_H

#include <stddef.h>
#include <sys/types.h>

#define CONTROL_PATH_MAX 108	/* sun_path */

/* Which file the daemon created, so that it removes that one only. */
struct control_socket_id {
	dev_t dev;
	ino_t ino;
};

/*
 * Creates the listening socket at path: mode 0660, owner root, group gid,
 * in a directory that must be root's and not writable by anyone else (it is
 * created 0755 if missing).  A stale socket is replaced, a live one is not.
 * Returns the descriptor (non-blocking) or -1 with a reason in err.
 */
int control_socket_open(const char *path, gid_t gid, struct control_socket_id *id,
			char *err, size_t errlen);

/* Removes path only if it is still the socket that control_socket_open made. */
void control_socket_remove(const char *path, const struct control_socket_id *id);

#endif
