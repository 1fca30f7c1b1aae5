#ifndef MCRELAY_DIAG_H
#define MCRELAY_DIAG_H

#include <stddef.h>
#include <stdio.h>

/*
 * A list of diagnostics, each formatted "FILE:LINE: message" (or
 * "FILE:LINE: warning: message"), collected so that every problem in a
 * file is reported, not only the first.
 */
struct diag {
	char **lines;
	size_t n, cap;
	size_t errors, warnings;
};

void diag_error(struct diag *d, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void diag_warn(struct diag *d, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void diag_print(const struct diag *d, FILE *fp);
void diag_free(struct diag *d);

#endif
