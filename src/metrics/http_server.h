#ifndef MCRELAY_HTTP_SERVER_H
#define MCRELAY_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The metrics process's HTTP side: the connections taken on its listening
 * socket, each in one state (reading its request, waiting for the
 * document, writing the answer, draining before it is closed), all
 * non-blocking in one epoll instance, each with a deadline.  Any client
 * may be hostile: at most HTTP_MAX_CONNS connections (the oldest still
 * reading its request makes room for a new one, else the oldest), a
 * request head of at most HTTP_HEAD_MAX bytes, and no client can hold up
 * another.
 */
#define HTTP_MAX_CONNS 64
#define HTTP_READ_MS 5000	/* to send the request's head, from its connection */
#define HTTP_WAIT_MS 10000	/* for the document, then 503 */
#define HTTP_WRITE_MS 30000	/* to read the whole answer */
#define HTTP_DRAIN_MS 1000	/* to hang up once the answer is sent */

/* What the epoll events of the server's connections carry: >= HTTP_TAG_CONN. */
#define HTTP_TAG_CONN 16

struct http_server;

struct http_server *http_server_new(int epfd);
void http_server_free(struct http_server *h);

/* Takes the connections waiting on listen_fd (non-blocking). */
void http_server_accept(struct http_server *h, int listen_fd, uint64_t now_ms);
/* An event for the connection whose tag it carries. */
void http_server_event(struct http_server *h, uint64_t tag, uint32_t events, uint64_t now_ms);
/* Ends what is past its deadline; returns the milliseconds to the next one (-1: none). */
int http_server_expire(struct http_server *h, uint64_t now_ms);

/* Whether a request waits for a document. */
bool http_server_waiting(const struct http_server *h);
/*
 * The document came (body[0..len), taken over: freed once no answer uses
 * it), or could not be made (status: the HTTP status to answer, body
 * NULL): every request waiting gets it.
 */
void http_server_serve(struct http_server *h, char *body, size_t len, int status,
		       uint64_t now_ms);

size_t http_server_conns(const struct http_server *h);

#endif
