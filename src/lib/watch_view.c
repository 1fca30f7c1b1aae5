#include "config.h"

#include "lib/watch_view.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

int watch_parse_interval(const char *s, unsigned *ms, char *err, size_t errlen)
{
	const char *p = s;
	unsigned long whole = 0, frac = 0;
	size_t digits = 0, decimals = 0;

	/* Digits only: no sign, space, exponent, hex or "inf" through strtod. */
	while (*p >= '0' && *p <= '9' && digits < 12) {
		whole = whole * 10 + (unsigned long)(*p++ - '0');
		digits++;
	}
	if (digits > 0 && *p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			if (++decimals > 3) {
				snprintf(err, errlen, "'%s' has more than three decimals", s);
				return -1;
			}
			frac = frac * 10 + (unsigned long)(*p++ - '0');
		}
		if (decimals == 0)
			digits = 0;	/* "1." */
	}
	if (digits == 0 || *p != '\0') {
		snprintf(err, errlen, "'%s' is not a number of seconds (e.g. 2 or 0.5)", s);
		return -1;
	}
	for (size_t i = decimals; i < 3; i++)
		frac *= 10;
	if (whole > WATCH_INTERVAL_MAX_MS / 1000 ||
	    whole * 1000 + frac < WATCH_INTERVAL_MIN_MS ||
	    whole * 1000 + frac > WATCH_INTERVAL_MAX_MS) {
		snprintf(err, errlen, "'%s' is not from 0.1 to 3600 seconds", s);
		return -1;
	}
	*ms = (unsigned)(whole * 1000 + frac);
	return 0;
}

const char *watch_interval_text(unsigned ms, char buf[16])
{
	if (ms % 1000 == 0)
		snprintf(buf, 16, "%us", ms / 1000);
	else if (ms % 100 == 0)
		snprintf(buf, 16, "%u.%us", ms / 1000, ms % 1000 / 100);
	else if (ms % 10 == 0)
		snprintf(buf, 16, "%u.%02us", ms / 1000, ms % 1000 / 10);
	else
		snprintf(buf, 16, "%u.%03us", ms / 1000, ms % 1000);
	return buf;
}

static const char *state_word(const struct watch_view *v, char *buf, size_t len)
{
	switch (v->state) {
	case WATCH_STARTING:
		return "asking";
	case WATCH_OK:
		return "answering";
	case WATCH_UNREACHABLE:
		snprintf(buf, len, "NOT REACHABLE since %s", v->since ? v->since : "?");
		return buf;
	case WATCH_NO_ANSWER:
		snprintf(buf, len, "NOT ANSWERING since %s", v->since ? v->since : "?");
		return buf;
	case WATCH_ERROR:
		return "ERROR";
	case WATCH_UNEXPECTED:
		return "UNEXPECTED ANSWER";
	}
	return "?";
}

void watch_header(const struct watch_view *v, struct strbuf *out)
{
	char every[16], word[64];

	sb_printf(out, "%s  every %s  daemon: %s%s", v->now ? v->now : "",
		  watch_interval_text(v->interval_ms, every), state_word(v, word, sizeof(word)),
		  v->terminal ? "  (q to quit)" : "");
}

/* Appends text, with a newline after it unless it ends with one. */
static void append_lines(struct strbuf *out, const char *text)
{
	size_t len = strlen(text);

	sb_printf(out, "%s%s", text, len == 0 || text[len - 1] != '\n' ? "\n" : "");
}

void watch_text(const struct watch_view *v, struct strbuf *out)
{
	const char *sock = v->socket ? v->socket : "?";
	const char *detail = v->detail && v->detail[0] ? v->detail : "no reason given";
	char every[16];

	watch_header(v, out);
	sb_printf(out, "\n\n");
	watch_interval_text(v->interval_ms, every);
	switch (v->state) {
	case WATCH_STARTING:
		sb_printf(out, "asking the daemon at %s\n", sock);
		return;
	case WATCH_OK:
		append_lines(out, v->body ? v->body : "");
		return;
	case WATCH_UNREACHABLE:
		sb_printf(out, "cannot reach the daemon at %s: %s; trying again every %s\n",
			  sock, detail, every);
		break;
	case WATCH_NO_ANSWER:
		sb_printf(out, "no answer from the daemon at %s: %s; asking again every %s\n",
			  sock, detail, every);
		break;
	case WATCH_ERROR:
		sb_printf(out, "the daemon at %s refused the request:\n", sock);
		append_lines(out, detail);
		break;
	case WATCH_UNEXPECTED:
		sb_printf(out, "unexpected answer from the daemon at %s; asking again every %s\n",
			  sock, every);
		break;
	}
	/* A pipe has had the last table already; a terminal has just lost it. */
	if (v->terminal && v->body != NULL) {
		sb_printf(out, "\nthe last status, at %s:\n\n", v->body_time ? v->body_time : "?");
		append_lines(out, v->body);
	}
}

/* The length of the valid UTF-8 sequence at s[0..len) and its code point, or 0. */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t n = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] <= 0xdf ? 2
		 : s[0] >= 0xe0 && s[0] <= 0xef ? 3 : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
	unsigned char lo = 0x80, hi = 0xbf;
	uint32_t c;

	if (n == 0 || n > len)
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;	/* no surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	c = n == 1 ? s[0] : s[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xbf))
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	*cp = c;
	return n;
}

size_t watch_cut_line(struct strbuf *out, const char *s, size_t len, size_t cols)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t used = 0, i = 0;

	while (i < len) {
		uint32_t cp = 0;
		size_t n = utf8_decode(p + i, len - i, &cp), w;

		if (n == 1 && p[i] == '\t') {
			w = 8 - used % 8;
			if (used + w > cols)
				w = cols - used;
			sb_printf(out, "%*s", (int)w, "");
			used += w;
			if (used == cols)
				break;
			i++;
			continue;
		}
		if (n == 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
			/* One \xNN per byte of what is not a printable character. */
			size_t bytes = n ? n : 1;

			if (used + 4 * bytes > cols)
				break;
			for (size_t k = 0; k < bytes; k++)
				sb_printf(out, "\\x%02x", p[i + k]);
			used += 4 * bytes;
			i += bytes;
			continue;
		}
		w = cp >= 0x1100 ? 2 : 1;
		if (used + w > cols)
			break;
		sb_printf(out, "%.*s", (int)n, s + i);
		used += w;
		i += n;
	}
	return used;
}

/* The number of lines of text (a last line without a newline counts). */
static size_t count_lines(const char *text)
{
	size_t n = 0;

	for (const char *p = text; *p; p++)
		if (*p == '\n' || p[1] == '\0')
			n++;
	return n;
}

void watch_frame(const char *text, size_t rows, size_t cols, struct strbuf *out)
{
	size_t total = count_lines(text), drawn, shown;
	const char *p = text;
	char more[64];

	if (rows < 1)
		rows = 1;
	if (cols < 1)
		cols = 1;
	shown = total;
	if (total > rows)
		shown = rows >= 2 ? rows - 1 : 1;
	drawn = shown + (shown < total && rows >= 2);
	sb_printf(out, "\033[H");
	if (drawn == 0) {
		sb_printf(out, "\033[J");
		return;
	}
	for (size_t i = 0; i < drawn; i++) {
		size_t w;

		if (i < shown) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);

			w = watch_cut_line(out, p, len, cols);
			p += len + (nl != NULL);
		} else {
			snprintf(more, sizeof(more), "... %zu more lines", total - shown);
			w = watch_cut_line(out, more, strlen(more), cols);
		}
		if (w < cols)
			sb_printf(out, "\033[K");
		if (i + 1 < drawn)
			sb_printf(out, "\r\n");
	}
	if (drawn < rows)
		sb_printf(out, "\r\n\033[J");
}

void watch_plain(const char *text, struct strbuf *out)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		watch_cut_line(out, p, len, SIZE_MAX);
		sb_printf(out, "\n");
		p += len + (nl != NULL);
	}
	sb_printf(out, "\n");
}
