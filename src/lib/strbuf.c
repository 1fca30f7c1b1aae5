#include "config.h"

#include "lib/strbuf.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sb_reserve(struct strbuf *sb, size_t more)
{
	if (sb->len + more + 1 <= sb->cap)
		return;
	size_t cap = sb->cap ? sb->cap : 256;

	while (cap < sb->len + more + 1)
		cap *= 2;
	char *s = realloc(sb->s, cap);

	if (s == NULL)
		abort();
	sb->s = s;
	sb->cap = cap;
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	sb_reserve(sb, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(sb->s + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

static size_t utf8_length(const unsigned char *s)
{
	size_t n = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] <= 0xdf ? 2
		 : s[0] >= 0xe0 && s[0] <= 0xef ? 3 : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	/* A NUL ends the string before a sequence it cuts short: no read past it. */
	for (size_t i = 1; i < n; i++)
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xbf))
			return 0;
	return n;
}

size_t str_utf8_length(const char *s)
{
	return utf8_length((const unsigned char *)s);
}

void sb_json_string(struct strbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	sb_printf(sb, "\"");
	while (*p) {
		size_t n = utf8_length(p);

		if (*p == '"' || *p == '\\')
			sb_printf(sb, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			sb_printf(sb, "\\u%04x", *p);
		else if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)
			sb_printf(sb, "\\u%04x", p[1]);	/* C1 controls, U+0080-U+009F */
		else if (n == 0)
			sb_printf(sb, "\\ufffd");	/* not UTF-8: the replacement character */
		else
			sb_printf(sb, "%.*s", (int)n, (const char *)p);
		p += n ? n : 1;
	}
	sb_printf(sb, "\"");
}

static bool escaped_byte(unsigned char c, bool keep_backslash)
{
	return c < 0x20 || c == 0x7f || (c == '\\' && !keep_backslash);
}

void sb_escaped(struct strbuf *sb, const char *s, size_t len)
{
	/* Room for the worst case, \xNN for every byte, so the loop writes in place. */
	sb_reserve(sb, len * 4);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (escaped_byte(c, false)) {
			snprintf(sb->s + sb->len, 5, "\\x%02x", c);
			sb->len += 4;
		} else {
			sb->s[sb->len++] = (char)c;
		}
	}
	sb->s[sb->len] = '\0';
}

const char *str_escaped(char *out, size_t cap, const char *s, bool keep_backslash)
{
	size_t len = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		size_t n = escaped_byte(c, keep_backslash) ? 4 : 1;

		if (len + n >= cap)
			break;	/* cut at a whole character */
		if (n == 4)
			snprintf(out + len, 5, "\\x%02x", c);
		else
			out[len] = (char)c;
		len += n;
	}
	if (cap > 0)
		out[len] = '\0';
	return out;
}

void sb_free(struct strbuf *sb)
{
	free(sb->s);
	memset(sb, 0, sizeof(*sb));
}
