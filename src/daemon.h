#ifndef MCRELAY_DAEMON_H
#define MCRELAY_DAEMON_H

/*
 * Detaches from the terminal.  The original process stays until the
 * daemon calls daemon_ready() (exits 0) or exits itself (its status is
 * passed on), so that "mcrelay supervisor" fails visibly when start-up does.
 */
int daemon_detach(void);
void daemon_ready(void);

int pidfile_write(const char *path);
void pidfile_remove(const char *path);

#endif
