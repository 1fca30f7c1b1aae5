#ifndef MCRELAY_STRBUF_H
#define MCRELAY_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

/* A growable string; aborts when memory runs out. */
struct strbuf {
	char *s;
	size_t len, cap;
};

void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Appends s as a JSON string literal, quotes included: control characters
 * (C0, DEL and C1) escaped, and each byte that is not part of valid UTF-8
 * written as U+FFFD, so that the result is valid JSON whatever s holds.
 */
void sb_json_string(struct strbuf *sb, const char *s);
/*
 * Appends len bytes of s with control characters and backslashes written
 * as \xNN, so that text from outside cannot drive a terminal.
 */
void sb_escaped(struct strbuf *sb, const char *s, size_t len);
/*
 * The same for a string into out (cap > 0 bytes, cut at a whole character,
 * always terminated), and backslashes kept if keep_backslash (text that may
 * hold escapes already, such as a log line quoting a diagnostic).  Returns out.
 */
const char *str_escaped(char *out, size_t cap, const char *s, bool keep_backslash);
/*
 * The length of the valid UTF-8 sequence at s (no overlong form, no
 * surrogate), or 0 when s does not start one.
 */
size_t str_utf8_length(const char *s);
void sb_free(struct strbuf *sb);

#endif
