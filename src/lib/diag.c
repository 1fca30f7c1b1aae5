#include "config.h"

#include "lib/diag.h"

#include "lib/strbuf.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void diag_add(struct diag *d, const char *file, int line,
		     const char *kind, const char *fmt, va_list ap)
{
	char msg[512], *out;
	struct strbuf sb = { 0 };

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Messages quote the file's bytes: escape them before they reach a terminal. */
	sb_escaped(&sb, file, strlen(file));
	if (line > 0)
		sb_printf(&sb, ":%d", line);
	sb_printf(&sb, ": %s", kind);
	sb_escaped(&sb, msg, strlen(msg));
	out = sb.s;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		char **lines = realloc(d->lines, cap * sizeof(*lines));

		if (lines == NULL)
			abort();
		d->lines = lines;
		d->cap = cap;
	}
	d->lines[d->n++] = out;
}

void diag_error(struct diag *d, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(d, file, line, "", fmt, ap);
	va_end(ap);
	d->errors++;
}

void diag_warn(struct diag *d, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(d, file, line, "warning: ", fmt, ap);
	va_end(ap);
	d->warnings++;
}

void diag_print(const struct diag *d, FILE *fp)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(fp, "%s\n", d->lines[i]);
}

void diag_free(struct diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->lines[i]);
	free(d->lines);
	memset(d, 0, sizeof(*d));
}
