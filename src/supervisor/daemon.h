#ifndef MCRELAY_DAEMON_H
#define MCRELAY_DAEMON_H

#include <stddef.h>

/* How long "mcrelay supervisor" waits for the daemon it starts, by default. */
#define DAEMON_READY_TIMEOUT_S 60

/*
 * Detaches from the terminal.  The original process stays until the
 * daemon calls daemon_ready() (exits 0) or exits itself (its status is
 * passed on), so that "mcrelay supervisor" fails visibly when start-up
 * does.  If the daemon is not ready within timeout_s seconds, the original
 * process stops it (SIGTERM, then SIGKILL) and exits EX_TEMPFAIL.
 */
int daemon_detach(unsigned timeout_s);
void daemon_ready(void);

/*
 * The pidfile is opened and locked before the daemon detaches, and the
 * descriptor is held (close-on-exec) until it exits: a file locked by a
 * running process is refused, a stale one is taken over.  pidfile_open()
 * returns 0 or a sysexits(3) code, with the reason in err.
 * pidfile_write() writes the process ID of the caller; pidfile_remove()
 * unlinks the file only if the path still names the file this process
 * locked.
 */
int pidfile_open(const char *path, char *err, size_t len);
int pidfile_write(void);
void pidfile_remove(void);

#endif
