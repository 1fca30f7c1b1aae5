/*
 * A strict checker of metrics text for the tests and the fuzzers:
 * OpenMetrics 1.0 (as far as mcrelay writes it: counter, gauge and info
 * families, no timestamps or exemplars) or the Prometheus text format
 * 0.0.4.  Each family declared once, its samples together after its
 * metadata and named as its type wants (a counter's "_total", an info's
 * "_info" in OpenMetrics; the family's own name in 0.0.4), a UNIT that
 * is the name's last word, label names unique in a sample, label values
 * quoted with no escape but \\, \" and \n, every line valid UTF-8, no
 * series twice, values that are numbers, and "# EOF" last in
 * OpenMetrics only.  It says whether the text is valid, and the first
 * thing wrong, nothing more.  The real parsers (Python's
 * prometheus_client) read it in tests/integration/metrics.sh.
 */
#ifndef MCRELAY_METRICS_CHECK_H
#define MCRELAY_METRICS_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_CHECK_FAMILIES 64
#define METRICS_CHECK_SERIES 4096

struct metrics_check {
	bool om;
	char family[128], type[16];
	char seen[METRICS_CHECK_FAMILIES][128];
	size_t n_seen;
	char *series[METRICS_CHECK_SERIES];
	size_t n_series;
	char *why;
	size_t whylen;
	size_t line;
};

static inline bool mc_fail(struct metrics_check *c, const char *what, const char *text,
			   size_t n)
{
	snprintf(c->why, c->whylen, "line %zu: %s: '%.*s'", c->line, what,
		 (int)(n > 80 ? 80 : n), text);
	return false;
}

/* The length of the valid UTF-8 sequence at s[0..n), or 0. */
static inline size_t mc_utf8(const unsigned char *s, size_t n)
{
	size_t k = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] <= 0xdf ? 2
		 : s[0] >= 0xe0 && s[0] <= 0xef ? 3 : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
	unsigned char lo = 0x80, hi = 0xbf;

	if (k == 0 || k > n)
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	for (size_t i = 1; i < k; i++)
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xbf))
			return 0;
	return k;
}

static inline bool mc_name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	       (!first && c >= '0' && c <= '9');
}

/* A metric or label name at l[*i..n); colons only in metric names. */
static inline size_t mc_name(const char *l, size_t n, size_t *i, bool label)
{
	size_t start = *i;

	while (*i < n && mc_name_char(l[*i], *i == start) && !(label && l[*i] == ':'))
		(*i)++;
	return *i - start;
}

static inline bool mc_ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* "# TYPE name type", "# HELP name text", "# UNIT name unit". */
static inline bool mc_meta(struct metrics_check *c, const char *l, size_t n)
{
	char kw[8] = "", name[128] = "", rest[256] = "";
	size_t i = 2, k;

	if (n < 7 || l[1] != ' ')
		return mc_fail(c, "a comment that is no metadata", l, n);
	for (k = 0; i < n && l[i] != ' ' && k < sizeof(kw) - 1; i++)
		kw[k++] = l[i];
	if (i >= n || l[i++] != ' ')
		return mc_fail(c, "metadata without a name", l, n);
	size_t start = i, nl = mc_name(l, n, &i, false);

	if (nl == 0 || nl >= sizeof(name) || (i < n && l[i] != ' '))
		return mc_fail(c, "a bad metric name in metadata", l, n);
	memcpy(name, l + start, nl);
	if (i < n) {
		i++;
		snprintf(rest, sizeof(rest), "%.*s", (int)(n - i), l + i);
	}
	if (strcmp(kw, "TYPE") != 0 && strcmp(kw, "HELP") != 0 &&
	    !(c->om && strcmp(kw, "UNIT") == 0))
		return mc_fail(c, "unknown metadata", l, n);
	if (strcmp(name, c->family) != 0) {
		for (size_t s = 0; s < c->n_seen; s++)
			if (strcmp(c->seen[s], name) == 0)
				return mc_fail(c, "a family declared twice", l, n);
		if (c->n_seen == METRICS_CHECK_FAMILIES)
			return mc_fail(c, "too many families for the checker", l, n);
		snprintf(c->seen[c->n_seen++], sizeof(c->seen[0]), "%s", name);
		snprintf(c->family, sizeof(c->family), "%s", name);
		c->type[0] = '\0';
	}
	if (strcmp(kw, "TYPE") == 0) {
		if (c->type[0])
			return mc_fail(c, "a second TYPE", l, n);
		if (strcmp(rest, "counter") != 0 && strcmp(rest, "gauge") != 0 &&
		    !(c->om && strcmp(rest, "info") == 0))
			return mc_fail(c, "a type this format does not have", l, n);
		snprintf(c->type, sizeof(c->type), "%s", rest);
	} else if (strcmp(kw, "UNIT") == 0) {
		char suffix[260];

		snprintf(suffix, sizeof(suffix), "_%s", rest);
		if (rest[0] == '\0' || !mc_ends_with(name, suffix))
			return mc_fail(c, "a UNIT that does not end the name", l, n);
	} else if (strchr(rest, '"') != NULL && c->om) {
		for (const char *q = strchr(rest, '"'); q; q = strchr(q + 1, '"'))
			if (q == rest || q[-1] != '\\')
				return mc_fail(c, "an unescaped double quote in HELP", l, n);
	}
	return true;
}

/* The labels at l[*i] == '{', through '}'. */
static inline bool mc_labels(struct metrics_check *c, const char *l, size_t n, size_t *i)
{
	char names[32][64];
	size_t n_names = 0;

	(*i)++;
	while (*i < n && l[*i] != '}') {
		size_t start = *i, nl = mc_name(l, n, i, true);

		if (nl == 0 || nl >= 64 || *i + 1 >= n || l[*i] != '=' || l[*i + 1] != '"')
			return mc_fail(c, "a bad label", l, n);
		for (size_t k = 0; k < n_names; k++)
			if (strlen(names[k]) == nl && memcmp(names[k], l + start, nl) == 0)
				return mc_fail(c, "a label given twice", l, n);
		if (n_names == 32)
			return mc_fail(c, "too many labels for the checker", l, n);
		memcpy(names[n_names], l + start, nl);
		names[n_names++][nl] = '\0';
		for (*i += 2; *i < n && l[*i] != '"'; (*i)++)
			if (l[*i] == '\\' && (*i + 1 >= n || !strchr("\\\"n", l[++*i])))
				return mc_fail(c, "a bad escape in a label value", l, n);
		if (*i >= n)
			return mc_fail(c, "a label value not closed", l, n);
		(*i)++;
		if (*i < n && l[*i] == ',')
			(*i)++;
		else if (*i < n && l[*i] != '}')
			return mc_fail(c, "labels not separated by a comma", l, n);
	}
	if (*i >= n)
		return mc_fail(c, "labels not closed", l, n);
	(*i)++;
	return true;
}

static inline bool mc_sample(struct metrics_check *c, const char *l, size_t n)
{
	size_t i = 0, nl = mc_name(l, n, &i, false);
	char name[160], suffix[16] = "";

	if (nl == 0 || nl >= sizeof(name))
		return mc_fail(c, "a bad metric name", l, n);
	memcpy(name, l, nl);
	name[nl] = '\0';
	if (c->type[0] == '\0')
		return mc_fail(c, "a sample before its family's TYPE", l, n);
	if (c->om && strcmp(c->type, "counter") == 0)
		snprintf(suffix, sizeof(suffix), "_total");
	else if (c->om && strcmp(c->type, "info") == 0)
		snprintf(suffix, sizeof(suffix), "_info");
	if (strncmp(name, c->family, strlen(c->family)) != 0 ||
	    strcmp(name + strlen(c->family), suffix) != 0)
		return mc_fail(c, "a sample that is not of the family declared last", l, n);
	if (i < n && l[i] == '{' && !mc_labels(c, l, n, &i))
		return false;
	if (i >= n || l[i] != ' ')
		return mc_fail(c, "no value", l, n);
	char value[64], *end;

	if (n - i - 1 == 0 || n - i - 1 >= sizeof(value))
		return mc_fail(c, "a bad value", l, n);
	memcpy(value, l + i + 1, n - i - 1);
	value[n - i - 1] = '\0';
	if (strcmp(value, "NaN") != 0 && strcmp(value, "+Inf") != 0 &&
	    strcmp(value, "-Inf") != 0 && (strtod(value, &end), *end != '\0' || value[0] == ' '))
		return mc_fail(c, "a value that is no number", l, n);
	if (c->n_series == METRICS_CHECK_SERIES)
		return true;	/* no more room to look for duplicates */
	for (size_t s = 0; s < c->n_series; s++)
		if (strlen(c->series[s]) == i && memcmp(c->series[s], l, i) == 0)
			return mc_fail(c, "a series twice", l, n);
	c->series[c->n_series] = malloc(i + 1);
	if (c->series[c->n_series] == NULL)
		abort();
	memcpy(c->series[c->n_series], l, i);
	c->series[c->n_series++][i] = '\0';
	return true;
}

static inline bool mc_text(struct metrics_check *c, const char *s, size_t len)
{
	size_t pos = 0;
	bool eof = false;

	if (len == 0 || s[len - 1] != '\n')
		return mc_fail(c, "not ended by a line feed", s, 0);
	while (pos < len) {
		const char *l = s + pos, *nl = memchr(l, '\n', len - pos);
		size_t n = (size_t)(nl - l);

		c->line++;
		pos += n + 1;
		for (size_t k = 0; k < n;) {
			size_t u = mc_utf8((const unsigned char *)l + k, n - k);

			if (u == 0 || l[k] == '\0')
				return mc_fail(c, "not UTF-8", l, n);
			k += u;
		}
		if (eof)
			return mc_fail(c, "a line after # EOF", l, n);
		if (c->om && n == 5 && memcmp(l, "# EOF", 5) == 0)
			eof = true;
		else if (n > 0 && l[0] == '#') {
			if (!mc_meta(c, l, n))
				return false;
		} else if (!mc_sample(c, l, n)) {
			return false;
		}
	}
	if (c->om && !eof)
		return mc_fail(c, "no # EOF at the end", s, 0);
	return true;
}

/*
 * Whether s[0..len) is valid metrics text, OpenMetrics (om) or Prometheus
 * 0.0.4; if not, why says where (whylen bytes).
 */
static inline bool metrics_text_valid(const char *s, size_t len, bool om, char *why,
				      size_t whylen)
{
	static struct metrics_check c;
	bool ok;

	memset(&c, 0, sizeof(c));
	c.om = om;
	c.why = why;
	c.whylen = whylen;
	ok = mc_text(&c, s, len);
	for (size_t i = 0; i < c.n_series; i++)
		free(c.series[i]);
	return ok;
}

#endif
