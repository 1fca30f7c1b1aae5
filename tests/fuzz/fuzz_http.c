/*
 * libFuzzer target: what a hostile HTTP client can send the metrics process,
 * and what a rule or interface name can make of the metrics.
 *
 * Input: one byte chooses.  Even: the rest is a request head, parsed as it
 * would arrive, whole and cut at every length up to 64 bytes; a complete
 * head must lie inside the bytes and name a path, an error must carry a
 * status the server answers with, and a prefix of a complete head must
 * never be an error.  Odd: the rest, cut into NUL-separated pieces, names
 * rules, inputs, outputs and the version; the metrics text must stay valid
 * (metrics_check.h), OpenMetrics when the first byte has bit 1 set, else
 * the 0.0.4 format.
 */
#include "config.h"

#include "lib/http_request.h"
#include "lib/status_render.h"
#include "lib/strbuf.h"
#include "../unit/metrics_check.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void request(const char *buf, size_t len)
{
	struct http_request req;
	enum http_parse_result rc = http_request_parse(buf, len, &req);

	if (rc == HTTP_PARSE_DONE &&
	    (req.head_len > len || (req.path[0] != '/' && req.path[0] != '*') ||
	     http_route(&req, "/metrics") < 200))
		abort();
	if (rc == HTTP_PARSE_ERROR && req.status != 400 && req.status != 414 &&
	    req.status != 431 && req.status != 505)
		abort();
	if (rc == HTTP_PARSE_DONE) {
		struct http_request part;

		for (size_t n = 0; n < req.head_len && n < 64; n++)
			if (http_request_parse(buf, n, &part) == HTTP_PARSE_ERROR)
				abort();
	}
}

/* The next NUL-terminated piece of the input, cut to cap. */
static const char *piece(const char **p, const char *end, char *out, size_t cap)
{
	size_t n = 0;

	while (*p < end && **p != '\0' && n + 1 < cap)
		out[n++] = *(*p)++;
	while (*p < end && **p != '\0')
		(*p)++;
	if (*p < end)
		(*p)++;
	out[n] = '\0';
	return out;
}

static void names(const char *p, const char *end, bool om)
{
	static struct st_rule rules[2];
	struct st_worker wk = { .state = "running" };
	char version[64];
	struct st_status st = { .version = version, .config = "fuzz.conf", .workers = &wk,
				.n_workers = 1, .rules = rules, .n_rules = 2 };
	struct strbuf sb = { 0 };
	char why[256];

	memset(rules, 0, sizeof(rules));
	piece(&p, end, version, sizeof(version));
	piece(&p, end, wk.input, sizeof(wk.input));
	for (int i = 0; i < 2; i++) {
		struct st_rule *r = &rules[i];

		piece(&p, end, r->name, sizeof(r->name));
		piece(&p, end, r->input, sizeof(r->input));
		piece(&p, end, r->path, sizeof(r->path));
		piece(&p, end, r->monitor, sizeof(r->monitor));
		r->n_outputs = 2;
		piece(&p, end, r->outputs[0].interface, sizeof(r->outputs[0].interface));
		piece(&p, end, r->outputs[0].group, sizeof(r->outputs[0].group));
		r->outputs[0].port = i ? 5000 : -1;
		r->outputs[1].udp = true;
		piece(&p, end, r->outputs[1].dest, sizeof(r->outputs[1].dest));
	}
	/* Two rules of one name would be one series twice: a configuration never has them, */
	if (strcmp(rules[0].name, rules[1].name) == 0)
		snprintf(rules[1].name, sizeof(rules[1].name), "%s", "other");
	if (strcmp(rules[0].name, "other") == 0)
		snprintf(rules[1].name, sizeof(rules[1].name), "%s", "another");
	/* nor an output interface "udp" (output = udp ADDR:PORT is a udp output). */
	for (int i = 0; i < 2; i++)
		if (strcmp(rules[i].outputs[0].interface, "udp") == 0)
			rules[i].outputs[0].interface[0] = '\0';
	status_render(&st, om ? STATUS_OPENMETRICS : STATUS_PROMETHEUS, &sb);
	if (!metrics_text_valid(sb.s, sb.len, om, why, sizeof(why))) {
		fprintf(stderr, "%s\n", why);
		abort();
	}
	sb_free(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] % 2 == 0)
		request((const char *)data + 1, size - 1);
	else
		names((const char *)data + 1, (const char *)data + size, data[0] & 2);
	return 0;
}
