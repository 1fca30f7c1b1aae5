/*
 * A strict JSON checker (RFC 8259) for the tests and the fuzzers: one value
 * and nothing after it but white space; numbers in JSON's own grammar (so
 * no nan, inf, or a bare "."), strings without raw control characters,
 * with valid escapes and valid UTF-8.  It says whether text is JSON, and
 * where it stops being, nothing more.
 */
#ifndef MCRELAY_JSON_CHECK_H
#define MCRELAY_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define JSON_CHECK_MAX_DEPTH 64

struct json_check {
	const unsigned char *p, *end;
	int depth;
};

static inline void json_check_ws(struct json_check *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static inline bool json_check_digits(struct json_check *j)
{
	const unsigned char *start = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > start;
}

static inline bool json_check_number(struct json_check *j)
{
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (!json_check_digits(j))
		return false;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (!json_check_digits(j))
			return false;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!json_check_digits(j))
			return false;
	}
	return true;
}

/* The length of the UTF-8 sequence at p (RFC 3629: no overlong form, no surrogate), or 0. */
static inline size_t json_check_utf8(const unsigned char *p, const unsigned char *end)
{
	size_t n = p[0] < 0x80 ? 1 : p[0] >= 0xc2 && p[0] <= 0xdf ? 2
		 : p[0] >= 0xe0 && p[0] <= 0xef ? 3 : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : 0;
	unsigned char lo = 0x80, hi = 0xbf;

	if (n == 0 || (size_t)(end - p) < n)
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	for (size_t i = 1; i < n; i++) {
		if (p[i] < (i == 1 ? lo : 0x80) || p[i] > (i == 1 ? hi : 0xbf))
			return 0;
	}
	return n;
}

static inline bool json_check_string(struct json_check *j)
{
	j->p++;	/* the opening quote */
	while (j->p < j->end) {
		unsigned char c = *j->p;
		size_t n;

		if (c == '"') {
			j->p++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c == '\\') {
			if (++j->p >= j->end)
				return false;
			if (*j->p == 'u') {
				for (int i = 0; i < 4; i++) {
					if (++j->p >= j->end || !strchr("0123456789abcdefABCDEF", *j->p) ||
					    *j->p == '\0')
						return false;
				}
			} else if (*j->p == '\0' || !strchr("\"\\/bfnrt", *j->p)) {
				return false;
			}
			j->p++;
			continue;
		}
		if ((n = json_check_utf8(j->p, j->end)) == 0)
			return false;
		j->p += n;
	}
	return false;
}

static inline bool json_check_value(struct json_check *j);

/* An object (close '}') or an array (close ']'): members, or values, between commas. */
static inline bool json_check_container(struct json_check *j, char close)
{
	if (++j->depth > JSON_CHECK_MAX_DEPTH)
		return false;
	j->p++;
	json_check_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return true;
	}
	for (;;) {
		json_check_ws(j);
		if (close == '}') {
			if (j->p >= j->end || *j->p != '"' || !json_check_string(j))
				return false;
			json_check_ws(j);
			if (j->p >= j->end || *j->p++ != ':')
				return false;
		}
		if (!json_check_value(j))
			return false;
		json_check_ws(j);
		if (j->p >= j->end)
			return false;
		if (*j->p == close) {
			j->p++;
			j->depth--;
			return true;
		}
		if (*j->p++ != ',')
			return false;
	}
}

static inline bool json_check_literal(struct json_check *j, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
		return false;
	j->p += n;
	return true;
}

static inline bool json_check_value(struct json_check *j)
{
	json_check_ws(j);
	if (j->p >= j->end)
		return false;
	switch (*j->p) {
	case '{':
		return json_check_container(j, '}');
	case '[':
		return json_check_container(j, ']');
	case '"':
		return json_check_string(j);
	case 't':
		return json_check_literal(j, "true");
	case 'f':
		return json_check_literal(j, "false");
	case 'n':
		return json_check_literal(j, "null");
	default:
		return json_check_number(j);
	}
}

/* True if text[0..len) is one JSON value; else *where is the offset where it stops being one. */
static inline bool json_valid(const char *text, size_t len, size_t *where)
{
	struct json_check j = { (const unsigned char *)text, (const unsigned char *)text + len, 0 };
	bool ok = json_check_value(&j);

	json_check_ws(&j);
	ok = ok && j.p == j.end;
	if (where)
		*where = (size_t)(j.p - (const unsigned char *)text);
	return ok;
}

#endif
