#include "config.h"

#include "lib/conf_lines.h"

#include "lib/conf_values.h"

#include <ctype.h>
#include <ini.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

struct reader {
	const char *file;
	struct diag *d;
	const struct conf_lines_ops *ops;
	void *arg;
	int line;
	const char *text;	/* what is left of it */
	char *buf;
	size_t bufsize;
};

/* Returns the length of the next raw line (without newline), or -1 at end. */
static ssize_t next_raw_line(struct reader *r)
{
	if (*r->text == '\0')
		return -1;
	const char *nl = strchr(r->text, '\n');
	size_t n = nl ? (size_t)(nl - r->text) : strlen(r->text);

	if (n + 1 > r->bufsize) {
		char *b = realloc(r->buf, n + 1);

		if (b == NULL)
			abort();
		r->buf = b;
		r->bufsize = n + 1;
	}
	memcpy(r->buf, r->text, n);
	r->buf[n] = '\0';
	r->text += nl ? n + 1 : n;
	while (n > 0 && r->buf[n - 1] == '\r')
		r->buf[--n] = '\0';
	return (ssize_t)n;
}

/*
 * Looks at one raw line before inih does.  Returns the text to hand to inih:
 * the line itself for "key = value", or an empty comment for section
 * headers (handed to the caller here) and for lines that are in error.
 */
static const char *lex_line(struct reader *r, char *raw)
{
	char *s = raw;

	if (r->line == 1 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
	    (unsigned char)s[2] == 0xBF)
		s += 3;
	s = conf_trim(s);
	if (*s == '\0' || *s == ';' || *s == '#')
		return ";";
	if (*s == '[') {
		char *end = strchr(s, ']');
		char *rest = end ? conf_trim(end + 1) : NULL;

		if (end == NULL || (*rest != '\0' && *rest != ';' && *rest != '#')) {
			diag_error(r->d, r->file, r->line, "syntax error: malformed section header");
			r->ops->section(r->arg, r->line, NULL);
			return ";";
		}
		*end = '\0';
		r->ops->section(r->arg, r->line, conf_trim(s + 1));
		return ";";
	}
	size_t key_len = strcspn(s, "=:");
	size_t comment = strcspn(s, ";");

	if (s[key_len] == '\0' || key_len > comment || key_len == 0 ||
	    isspace((unsigned char)s[0])) {
		diag_error(r->d, r->file, r->line, "syntax error: expected 'key = value'");
		return ";";
	}
	return s;
}

static char *read_line(char *str, int num, void *stream)
{
	struct reader *r = stream;
	ssize_t n = next_raw_line(r);

	if (n < 0)
		return NULL;
	r->line++;
	const char *text = lex_line(r, r->buf);

	if ((int)strlen(text) + 2 > num) {
		diag_error(r->d, r->file, r->line, "line too long (at most %d characters)",
			   num - 2);
		text = ";";
	}
	snprintf(str, (size_t)num, "%s\n", text);
	return str;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct reader *r = user;
	char buf[512];

	(void)section;
	snprintf(buf, sizeof(buf), "%s", value ? value : "");
	char *v = conf_trim(buf);

	if (*v == '\0')
		diag_error(r->d, r->file, r->line, "key '%s' has no value", name);
	else
		r->ops->key(r->arg, r->line, name, v);
	return 1;
}

int conf_lines_read(const char *file, const char *text, struct diag *d,
		    const struct conf_lines_ops *ops, void *arg)
{
	struct reader r = { .file = file, .d = d, .ops = ops, .arg = arg, .text = text };
	int rc = ini_parse_stream(read_line, &r, on_key, &r);

	free(r.buf);
	if (rc < 0) {
		diag_error(d, file, 0, "cannot parse: out of memory");
		return -1;
	}
	return 0;
}
