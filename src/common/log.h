#ifndef MCRELAY_LOG_H
#define MCRELAY_LOG_H

#include <stdarg.h>
#include <stdbool.h>

#include "lib/log_level.h"


/* Process name is shown in every line, e.g. "supervisor" or "worker[eth0]". */
void log_init(const char *procname, bool to_stderr, enum log_level level);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
bool log_to_stderr(void);
/*
 * For a process about to be sandboxed: from now on the log's socket is
 * never opened again, and fatal errors end the process with _exit(2), past
 * the exit handlers of libc and the sanitizers, which would need system
 * calls it is no longer allowed.
 */
void log_keep_connection(void);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
void fatalx(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

#define log_debug_enabled() (log_get_level() >= LOG_LEVEL_DEBUG)

#endif
