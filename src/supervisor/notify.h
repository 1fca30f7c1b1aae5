#ifndef MCRELAY_NOTIFY_H
#define MCRELAY_NOTIFY_H

/*
 * systemd readiness (sd_notify), only when NOTIFY_SOCKET is set and the
 * binary was built with libsystemd; otherwise these do nothing.
 */
void notify_ready(void);
void notify_reloading(void);
void notify_stopping(void);
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
