/* HTTP/1.x request heads as hostile clients send them, routes, and the heads of answers. */
#include "config.h"

#include "lib/http_request.h"
#include "unit.h"

#include <string.h>

static enum http_parse_result parse(const char *s, struct http_request *req)
{
	return http_request_parse(s, strlen(s), req);
}

static void expect_ok_at(int line, const char *s, enum http_method method, const char *path,
			 unsigned minor)
{
	struct http_request req;
	enum http_parse_result rc = parse(s, &req);

	CHECK(rc == HTTP_PARSE_DONE && req.method == method && strcmp(req.path, path) == 0 &&
		      req.minor == minor && req.head_len == strlen(s),
	      "case at line %d: rc %d (%d %s), method %d, path '%s', minor %u, head %zu of %zu",
	      line, rc, req.status, req.error ? req.error : "", req.method, req.path, req.minor,
	      req.head_len, strlen(s));
}

static void expect_error_at(int line, const char *s, size_t len, int status)
{
	struct http_request req;
	enum http_parse_result rc = http_request_parse(s, len, &req);

	CHECK(rc == HTTP_PARSE_ERROR && req.status == status && req.error != NULL,
	      "case at line %d: rc %d, status %d (expected %d)", line, rc, req.status, status);
}

#define EXPECT_OK(s, m, p, minor) expect_ok_at(__LINE__, s, m, p, minor)
#define EXPECT_ERROR(s, status) expect_error_at(__LINE__, s, strlen(s), status)
#define EXPECT_ERROR_N(s, n, status) expect_error_at(__LINE__, s, n, status)

static void test_valid(void)
{
	EXPECT_OK("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9234\r\nUser-Agent: "
		  "Prometheus/2.45.0\r\nAccept: application/openmetrics-text;version=1.0.0,"
		  "text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\nAccept-Encoding: gzip\r\n"
		  "X-Prometheus-Scrape-Timeout-Seconds: 10\r\n\r\n", HTTP_GET, "/metrics", 1);
	EXPECT_OK("GET /metrics HTTP/1.0\r\n\r\n", HTTP_GET, "/metrics", 0);
	EXPECT_OK("GET /metrics HTTP/1.1\n\n", HTTP_GET, "/metrics", 1);
	EXPECT_OK("\r\n\r\nGET /metrics HTTP/1.1\r\n\r\n", HTTP_GET, "/metrics", 1);
	EXPECT_OK("HEAD /metrics?x=1&y HTTP/1.1\r\n\r\n", HTTP_HEAD, "/metrics", 1);
	EXPECT_OK("GET /metrics#frag HTTP/1.1\r\n\r\n", HTTP_GET, "/metrics", 1);
	EXPECT_OK("GET http://relay:9234/metrics?a HTTP/1.1\r\n\r\n", HTTP_GET, "/metrics", 1);
	EXPECT_OK("GET HTTP://relay HTTP/1.1\r\n\r\n", HTTP_GET, "/", 1);
	EXPECT_OK("POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\n", HTTP_OTHER, "/metrics", 1);
	EXPECT_OK("OPTIONS * HTTP/1.1\r\n\r\n", HTTP_OTHER, "*", 1);
	EXPECT_OK("GET / HTTP/1.1\r\nX-Empty:\r\nX-Obs: caf\xc3\xa9 \t ok\r\n\r\n", HTTP_GET, "/", 1);
	EXPECT_OK("get /metrics HTTP/1.1\r\n\r\n", HTTP_OTHER, "/metrics", 1);	/* case matters */

	/* What follows the head (a body, a pipelined request) is not the head's. */
	struct http_request req;
	const char *two = "GET /metrics HTTP/1.1\r\n\r\nGET /x HTTP/1.1\r\n\r\n";

	CHECK(parse(two, &req) == HTTP_PARSE_DONE && req.head_len == 25,
	      "head of two requests: %zu", req.head_len);
	CHECK(strcmp(req.method_name, "GET") == 0, "method name '%s'", req.method_name);
	CHECK(parse("VERYLONGMETHODNAMEINDEED /metrics HTTP/1.1\r\n\r\n", &req) ==
			      HTTP_PARSE_DONE &&
		      strcmp(req.method_name, "VERYLONGMETHODN") == 0,
	      "long method name cut to '%s'", req.method_name);
}

/* Every prefix of a valid head is incomplete, never an error. */
static void test_prefixes(void)
{
	static const char *const heads[] = {
		"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
		"\r\nHEAD http://h/metrics?q HTTP/1.0\nA: b\n\n",
	};
	struct http_request req;

	for (size_t h = 0; h < sizeof(heads) / sizeof(heads[0]); h++) {
		size_t len = strlen(heads[h]);

		for (size_t n = 0; n < len; n++) {
			enum http_parse_result rc = http_request_parse(heads[h], n, &req);

			CHECK(rc == HTTP_PARSE_INCOMPLETE, "head %zu cut at %zu: rc %d (%s)", h, n, rc,
			      req.error ? req.error : "");
		}
		CHECK(http_request_parse(heads[h], len, &req) == HTTP_PARSE_DONE, "head %zu whole",
		      h);
	}
}

static void test_malformed(void)
{
	char big[HTTP_HEAD_MAX + 64];

	EXPECT_ERROR("GET /metrics HTTP/2.0\r\n\r\n", 505);
	EXPECT_ERROR("GET /metrics HTTP/0.9\r\n\r\n", 505);
	EXPECT_ERROR("GET /metrics HTTP/1.1 x\r\n\r\n", 400);
	EXPECT_ERROR("GET /metrics HTTP/1.10\r\n\r\n", 400);
	EXPECT_ERROR("GET /metrics HTTP/1\r\n\r\n", 400);
	EXPECT_ERROR("GET /metrics http/1.1\r\n\r\n", 400);
	EXPECT_ERROR("GET  /metrics HTTP/1.1\r\n\r\n", 400);
	EXPECT_ERROR("GET /metrics  HTTP/1.1\r\n\r\n", 400);
	EXPECT_ERROR(" GET /metrics HTTP/1.1\r\n\r\n", 400);
	EXPECT_ERROR("GET /metrics\r\n\r\n", 400);	/* HTTP/0.9 */
	EXPECT_ERROR("GET\r\n\r\n", 400);
	EXPECT_ERROR("GET metrics HTTP/1.1\r\n\r\n", 400);
	EXPECT_ERROR("GET ftp://x/metrics HTTP/1.1\r\n\r\n", 400);
	EXPECT_ERROR("G(T /metrics HTTP/1.1\r\n\r\n", 400);
	EXPECT_ERROR("GET /metrics HTTP/1.1\r\nHost : x\r\n\r\n", 400);
	EXPECT_ERROR("GET /metrics HTTP/1.1\r\nHost\r\n\r\n", 400);
	EXPECT_ERROR("GET /metrics HTTP/1.1\r\n: x\r\n\r\n", 400);
	EXPECT_ERROR("GET /metrics HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400);
	EXPECT_ERROR("GET /metrics HTTP/1.1\r\nHost: a\x01" "b\r\n\r\n", 400);
	EXPECT_ERROR("GET /metrics HTTP/1.1\r\nHost: a\x7f" "b\r\n\r\n", 400);
	EXPECT_ERROR("GET /metrics HTTP/1.1\rHost: x\r\n\r\n", 400);	/* a lone CR */
	EXPECT_ERROR("GET /met\x80rics HTTP/1.1\r\n\r\n", 400);
	EXPECT_ERROR_N("GET /metrics HTTP/1.1\r\nHost: a\0b\r\n\r\n", 37, 400);
	EXPECT_ERROR_N("GET /\0 HTTP/1.1\r\n\r\n", 19, 400);
	/* Junk is refused at once, before its line or head ends. */
	EXPECT_ERROR("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400);	/* a TLS hello */
	EXPECT_ERROR("\x80", 400);
	EXPECT_ERROR_N("\0", 1, 400);
	EXPECT_ERROR("GET /metrics HTTP/1.1\r\nHost: \x02", 400);
	EXPECT_ERROR("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505);	/* HTTP/2's preface */

	/* A target too long; a head too large, however it is made. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	memcpy(big + 5 + HTTP_TARGET_MAX, " HTTP/1.1\r\n\r\n", 14);
	EXPECT_ERROR_N(big, 5 + HTTP_TARGET_MAX + 13, 414);
	memcpy(big + 4 + HTTP_TARGET_MAX, " HTTP/1.1\r\n\r\n", 14);
	{
		struct http_request req;

		CHECK(http_request_parse(big, 4 + HTTP_TARGET_MAX + 13, &req) == HTTP_PARSE_DONE,
		      "a target of %d bytes refused", HTTP_TARGET_MAX);
	}
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 26);
	EXPECT_ERROR_N(big, HTTP_HEAD_MAX, 431);
	EXPECT_ERROR_N(big, sizeof(big), 431);
	for (size_t i = 23; i + 5 < sizeof(big); i += 5)
		memcpy(big + i, "X:a\r\n", 5);
	EXPECT_ERROR_N(big, sizeof(big), 431);
	memset(big, '\n', sizeof(big));
	EXPECT_ERROR_N(big, sizeof(big), 431);	/* empty lines without end */
}

static void test_route(void)
{
	struct http_request req;

	parse("GET /metrics HTTP/1.1\r\n\r\n", &req);
	CHECK(http_route(&req, "/metrics") == 200, "GET /metrics");
	parse("HEAD /metrics HTTP/1.1\r\n\r\n", &req);
	CHECK(http_route(&req, "/metrics") == 200, "HEAD /metrics");
	parse("POST /metrics HTTP/1.1\r\n\r\n", &req);
	CHECK(http_route(&req, "/metrics") == 405, "POST /metrics");
	parse("DELETE /metrics/ HTTP/1.1\r\n\r\n", &req);
	CHECK(http_route(&req, "/metrics") == 404, "DELETE /metrics/");
	parse("GET / HTTP/1.1\r\n\r\n", &req);
	CHECK(http_route(&req, "/metrics") == 404, "GET /");
	parse("GET /metricsx HTTP/1.1\r\n\r\n", &req);
	CHECK(http_route(&req, "/metrics") == 404, "GET /metricsx");
	parse("OPTIONS * HTTP/1.1\r\n\r\n", &req);
	CHECK(http_route(&req, "/metrics") == 404, "OPTIONS *");
}

static void test_response(void)
{
	char buf[512];
	size_t n = http_response_head(buf, sizeof(buf), 200, "text/plain", 1234);

	CHECK(n > 0 && strcmp(buf, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
				   "Content-Length: 1234\r\nConnection: close\r\n\r\n") == 0,
	      "200: '%s'", buf);
	n = http_response_head(buf, sizeof(buf), 405, "text/plain", 0);
	CHECK(n > 0 && strstr(buf, "HTTP/1.1 405 Method Not Allowed\r\n") == buf &&
		      strstr(buf, "\r\nAllow: GET, HEAD\r\n\r\n") != NULL,
	      "405: '%s'", buf);
	n = http_response_head(buf, 20, 200, "text/plain", 1);
	CHECK(n == 0, "a head that does not fit: %zu", n);
	CHECK(strcmp(http_reason(431), "Request Header Fields Too Large") == 0 &&
		      strcmp(http_reason(418), "Error") == 0, "reasons");
}

/* Random bytes, and random changes to a valid head: never a crash, answers that make sense. */
static void test_random(void)
{
	static const char valid[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
	uint64_t rng = unit_seed(0x4854545021ULL);
	char buf[256];
	struct http_request req;

	for (int i = 0; i < 200000; i++) {
		size_t len = unit_rand_below(&rng, sizeof(buf));

		if (i % 2) {
			for (size_t k = 0; k < len; k++)
				buf[k] = (char)unit_rand(&rng);
		} else {
			len = sizeof(valid) - 1;
			memcpy(buf, valid, len);
			for (int k = unit_rand_below(&rng, 3); k >= 0; k--)
				buf[unit_rand_below(&rng, (uint32_t)len)] = (char)unit_rand(&rng);
		}
		enum http_parse_result rc = http_request_parse(buf, len, &req);

		if (rc == HTTP_PARSE_DONE && !CHECK(req.head_len <= len && req.path[0] != '\0' &&
						    (req.path[0] == '/' || req.path[0] == '*'),
						    "random case %d: head %zu path '%s'", i,
						    req.head_len, req.path))
			break;
		if (rc == HTTP_PARSE_ERROR &&
		    !CHECK(req.status == 400 || req.status == 414 || req.status == 431 ||
				   req.status == 505,
			   "random case %d: status %d", i, req.status))
			break;
	}
}

int main(void)
{
	unit_deadline(60);
	test_valid();
	test_prefixes();
	test_malformed();
	test_route();
	test_response();
	test_random();
	return unit_summary("test_http");
}
