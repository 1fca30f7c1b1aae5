#include "config.h"

#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void diag_add(struct diag *d, const char *file, int line,
		     const char *kind, const char *fmt, va_list ap)
{
	char msg[512], *out;
	int n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (line > 0)
		n = asprintf(&out, "%s:%d: %s%s", file, line, kind, msg);
	else
		n = asprintf(&out, "%s: %s%s", file, kind, msg);
	if (n < 0)
		abort();
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
