#include "config.h"

#include "lib/http_request.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* RFC 9110 token characters: methods and field names. */
static bool tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* A request target's characters: visible ASCII. */
static bool target_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

/* A field value's: visible, space, tab, and obs-text (bytes from 0x80). */
static bool value_char(unsigned char c)
{
	return c == ' ' || c == '\t' || (c > 0x20 && c != 0x7f);
}

static enum http_parse_result fail(struct http_request *req, int status, const char *why)
{
	req->status = status;
	req->error = why;
	return HTTP_PARSE_ERROR;
}

/*
 * The next line of buf[*pos..len): its length without its end, and *pos
 * moved past the end.  Returns false for a line not yet ended.  A CR must
 * be followed by LF; a lone CR (or CR and then anything else) sets *bad.
 */
static bool next_line(const char *buf, size_t len, size_t *pos, size_t *line_len, bool *bad)
{
	for (size_t i = *pos; i < len; i++) {
		if (buf[i] == '\n') {
			*line_len = i - *pos;
			*pos = i + 1;
			return true;
		}
		if (buf[i] == '\r') {
			if (i + 1 == len)
				return false;
			if (buf[i + 1] != '\n') {
				*bad = true;
				return false;
			}
			*line_len = i - *pos;
			*pos = i + 2;
			return true;
		}
	}
	return false;
}

/* "/metrics?x" -> "/metrics"; "http://host:9234/metrics" -> "/metrics"; "*" kept. */
static bool take_path(const char *t, size_t n, struct http_request *req)
{
	size_t start = 0, end;

	if (n >= 7 && strncasecmp(t, "http://", 7) == 0) {
		start = 7;
		while (start < n && t[start] != '/' && t[start] != '?')
			start++;
		if (start == n || t[start] == '?') {
			snprintf(req->path, sizeof(req->path), "/");
			return true;
		}
	} else if (!(n == 1 && t[0] == '*') && t[0] != '/') {
		return false;
	}
	for (end = start; end < n && t[end] != '?' && t[end] != '#'; end++)
		;
	memcpy(req->path, t + start, end - start);
	req->path[end - start] = '\0';
	return true;
}

static enum http_parse_result request_line(const char *l, size_t n, struct http_request *req)
{
	size_t m = 0, t0, t1;

	while (m < n && tchar((unsigned char)l[m]))
		m++;
	if (m == 0 || m == n || l[m] != ' ')
		return fail(req, 400, "malformed request line");
	snprintf(req->method_name, sizeof(req->method_name), "%.*s", (int)m, l);
	req->method = m == 3 && memcmp(l, "GET", 3) == 0	? HTTP_GET
		      : m == 4 && memcmp(l, "HEAD", 4) == 0 ? HTTP_HEAD
							    : HTTP_OTHER;
	t0 = t1 = m + 1;
	while (t1 < n && target_char((unsigned char)l[t1]))
		t1++;
	if (t1 == t0 || t1 == n || l[t1] != ' ')
		return fail(req, 400, "malformed request target");
	if (t1 - t0 > HTTP_TARGET_MAX)
		return fail(req, 414, "request target too long");
	if (!take_path(l + t0, t1 - t0, req))
		return fail(req, 400, "request target is not a path");
	const char *v = l + t1 + 1;
	size_t vn = n - t1 - 1;

	if (vn != 8 || memcmp(v, "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9' || v[6] != '.' ||
	    v[7] < '0' || v[7] > '9')
		return fail(req, 400, "malformed HTTP version");
	if (v[5] != '1')
		return fail(req, 505, "only HTTP/1.0 and HTTP/1.1 are served");
	req->minor = (unsigned)(v[7] - '0');
	return HTTP_PARSE_DONE;
}

static enum http_parse_result header_line(const char *l, size_t n, struct http_request *req)
{
	size_t m = 0;

	if (l[0] == ' ' || l[0] == '\t')
		return fail(req, 400, "folded header line");
	while (m < n && tchar((unsigned char)l[m]))
		m++;
	if (m == 0 || m == n || l[m] != ':')
		return fail(req, 400, "malformed header line");
	for (size_t i = m + 1; i < n; i++)
		if (!value_char((unsigned char)l[i]))
			return fail(req, 400, "control character in a header value");
	return HTTP_PARSE_DONE;
}

/*
 * What has come of a line not yet ended: could it still become a valid
 * one?  Binary junk is refused at its first byte, not after 8 KiB.
 */
static enum http_parse_result partial_line(const char *l, size_t n, bool first,
					   struct http_request *req)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)l[i];

		if (c == '\r')
			continue;	/* its LF has not come yet */
		if (first ? !(tchar(c) || c == ' ' || target_char(c)) : !value_char(c))
			return fail(req, 400, first ? "malformed request line"
						    : "control character in a header line");
	}
	return HTTP_PARSE_INCOMPLETE;
}

enum http_parse_result http_request_parse(const char *buf, size_t len, struct http_request *req)
{
	size_t pos = 0, line_len, start;
	bool first = true, bad = false;
	enum http_parse_result rc;

	memset(req, 0, sizeof(*req));
	req->method = HTTP_OTHER;
	for (;;) {
		start = pos;
		if (start >= HTTP_HEAD_MAX)
			return fail(req, 431, "request head too large");
		if (!next_line(buf, len < HTTP_HEAD_MAX ? len : HTTP_HEAD_MAX, &pos, &line_len,
			       &bad)) {
			if (bad)
				return fail(req, 400, "CR without LF");
			if (len >= HTTP_HEAD_MAX)
				return fail(req, 431, "request head too large");
			return partial_line(buf + start, len - start, first, req);
		}
		if (memchr(buf + start, '\0', line_len) != NULL)
			return fail(req, 400, "NUL byte in the request");
		if (line_len == 0) {
			if (first)
				continue;	/* empty lines before the request line */
			req->head_len = pos;
			return HTTP_PARSE_DONE;
		}
		rc = first ? request_line(buf + start, line_len, req)
			   : header_line(buf + start, line_len, req);
		if (rc != HTTP_PARSE_DONE)
			return rc;
		first = false;
	}
}

int http_route(const struct http_request *req, const char *path)
{
	if (strcmp(req->path, path) != 0)
		return 404;
	return req->method == HTTP_OTHER ? 405 : 200;
}

const char *http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 414:
		return "URI Too Long";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	}
	return "Error";
}

size_t http_response_head(char *buf, size_t cap, int status, const char *content_type,
			  size_t content_length)
{
	int n = snprintf(buf, cap,
			 "HTTP/1.1 %d %s\r\n"
			 "Content-Type: %s\r\n"
			 "Content-Length: %zu\r\n"
			 "Connection: close\r\n"
			 "%s"
			 "\r\n",
			 status, http_reason(status), content_type, content_length,
			 status == 405 ? "Allow: GET, HEAD\r\n" : "");

	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}
