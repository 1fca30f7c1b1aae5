#ifndef MCRELAY_HTTP_REQUEST_H
#define MCRELAY_HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The HTTP/1.x that the metrics process speaks, as pure functions: the
 * head of a request (request line and header lines, up to the empty
 * line) parsed from whatever bytes a client has sent so far, where it
 * goes, and the head of the answer.  Any client may be hostile: the head
 * is bounded, every byte is checked, and nothing is read past the buffer.
 */

/* The most a request's head may take, empty line included. */
#define HTTP_HEAD_MAX 8192
/* The longest request target (path and query). */
#define HTTP_TARGET_MAX 1024

enum http_method { HTTP_GET, HTTP_HEAD, HTTP_OTHER };

struct http_request {
	enum http_method method;
	char method_name[16];	/* as sent, cut to fit: for the log */
	char path[HTTP_TARGET_MAX + 1];	/* the target's path, without its query */
	unsigned minor;		/* HTTP/1.minor */
	size_t head_len;	/* bytes of the head, its empty line included */
	int status;		/* an error: the status to answer (400, 414, 431, 505) */
	const char *error;	/* and why, for the answer's body */
};

enum http_parse_result {
	HTTP_PARSE_INCOMPLETE,	/* nothing wrong so far: read more */
	HTTP_PARSE_DONE,	/* a whole, valid head: req is filled */
	HTTP_PARSE_ERROR,	/* req->status and req->error say what to answer */
};

/*
 * Parses the head at buf[0..len).  Empty lines before the request line are
 * skipped; lines may end in CRLF or LF alone.  A byte that no valid head
 * holds ends the parse at once, before the head is complete (a TLS hello,
 * binary junk); a head longer than HTTP_HEAD_MAX is an error (431).
 */
enum http_parse_result http_request_parse(const char *buf, size_t len,
					  struct http_request *req);

/* What a valid request gets: 200 for GET or HEAD of path, 404 elsewhere, 405 for other methods. */
int http_route(const struct http_request *req, const char *path);

/* "OK", "Not Found", ...; "Error" for a status not listed. */
const char *http_reason(int status);

/*
 * Writes the head of an answer into buf: status line, Content-Type,
 * Content-Length, "Connection: close", "Allow: GET, HEAD" for 405, and
 * the empty line.  Returns its length, or 0 if it does not fit in cap.
 */
size_t http_response_head(char *buf, size_t cap, int status, const char *content_type,
			  size_t content_length);

#endif
