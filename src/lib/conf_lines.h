#ifndef MCRELAY_CONF_LINES_H
#define MCRELAY_CONF_LINES_H

#include "lib/diag.h"

/*
 * The configuration's lines, read through inih: every line numbered, so
 * that every message can say FILE:LINE (Debian's inih r55 gives its handler
 * no line number), section headers and lines that are not "key = value"
 * recognised here, so that every syntax error is reported.  What the
 * sections and keys mean is the caller's (conf.c).
 */
struct conf_lines_ops {
	/* "[NAME]" at line, NAME trimmed. */
	void (*section)(void *arg, int line, char *name);
	/* "key = value" at line, value trimmed and not empty. */
	void (*key)(void *arg, int line, const char *name, char *value);
};

/* Reads text; syntax errors go to d as FILE:LINE.  -1 only when out of memory. */
int conf_lines_read(const char *file, const char *text, struct diag *d,
		    const struct conf_lines_ops *ops, void *arg);

#endif
