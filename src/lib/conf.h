#ifndef MCRELAY_CONF_H
#define MCRELAY_CONF_H

#include <stdio.h>

#include "lib/conf_types.h"
#include "lib/diag.h"

/*
 * Parses and validates everything that does not depend on this host; name
 * is what diagnostics call the text.  Returns 0, or -1 for an invalid file.
 */
int conf_parse_string(const char *name, const char *text, struct conf *conf,
		      struct diag *d);
/* An empty configuration with the defaults. */
void conf_init(struct conf *conf, const char *path);
void conf_free(struct conf *conf);

/*
 * Reads and parses a file (conf_host.c: it touches the file system).
 * Returns 0, -1 for an invalid file, -2 for one that cannot be read.
 */
int conf_load(const char *path, struct conf *conf, struct diag *d);

void conf_print(const struct conf *conf, FILE *fp);

#endif
