/*
 * libFuzzer target: any bytes as messages on the supervisor-worker channel,
 * and past decoding, what the supervisor does with STATS from a possibly
 * hostile worker: assembling sets (stats_set_take) and rendering them in
 * status (stats_set_add_rule, status_format_json and _text), where the JSON
 * must be valid (json_check.h: no nan or inf, no raw control character,
 * valid UTF-8) whatever the worker sent; and what the metrics process does
 * with METRICS_DATA pieces (metrics_doc_take), which must stay inside the
 * document they announce.
 *
 * Input: one byte (fd count, modulo 3), then messages, each preceded by its
 * length in two bytes (little-endian).  A single message without a length
 * prefix is what older seeds hold: the rest of the input is then one message.
 */
#include "config.h"

#include "lib/handoff.h"
#include "lib/metrics_doc.h"
#include "lib/stats_set.h"
#include "lib/status_format.h"
#include "lib/strbuf.h"
#include "../unit/json_check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RULES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void render(const struct stats_set *st)
{
	static struct st_rule rules[MAX_RULES];
	struct st_worker wk = { .input = "r0", .state = "running" };
	struct st_status status = { .version = "fuzz", .config = "fuzz.conf",
				    .workers = &wk, .n_workers = 1, .rules = rules };
	struct strbuf sb = { 0 };

	stats_set_fill_worker(&wk, &st->worker);
	for (size_t i = 0; i < st->n_rules && i < MAX_RULES; i++) {
		memset(&rules[i], 0, sizeof(rules[i]));
		snprintf(rules[i].name, sizeof(rules[i].name), "%s", st->rules[i].name);
		rules[i].n_outputs = 16;
		rules[i].last_packet_age = -1;
		/* Monitored or not: a rule's upstream counts are rendered only when it is. */
		snprintf(rules[i].monitor, sizeof(rules[i].monitor), "%s",
			 i % 3 == 0 ? "off" : i % 3 == 1 ? "rtp" : "mpegts");
		stats_set_add_rule(&rules[i], &st->rules[i], 1000000000ULL);
		status.n_rules = i + 1;
	}
	status_format_json(&status, &sb);
	if (!json_valid(sb.s, sb.len, NULL))
		abort();
	sb_free(&sb);
	status_format_text(&status, &sb);
	sb_free(&sb);
}

static void one_message(struct stats_set *st, struct metrics_doc *doc, const uint8_t *msg,
			size_t len, unsigned nfds)
{
	_Alignas(8) static char buf[HANDOFF_MAX_MSG];
	struct ho_header h;
	const void *payload = NULL;
	uint64_t token = 0x0123456789abcdefULL;
	char err[160];

	if (len > sizeof(buf))
		return;
	memcpy(buf, msg, len);
	enum handoff_error e = handoff_decode(buf, len, token, nfds, &h, &payload);

	if (e == HO_OK) {
		/* An accepted message lies within what arrived and has its type's fd count. */
		if ((const char *)payload + h.length > buf + len ||
		    handoff_fd_count(h.type) != nfds)
			abort();
		if (h.type == HO_STATS &&
		    stats_set_take(st, payload, h.length, MAX_RULES, err, sizeof(err)) == 1) {
			if (st->n_rules > MAX_RULES)
				abort();
			render(st);
		}
		/* The metrics process's half: pieces in any order never overrun the document. */
		if (h.type == HO_METRICS_DATA) {
			int rc = metrics_doc_take(doc, payload, h.length, err, sizeof(err));

			if (rc == 1 && (doc->have != doc->total || doc->buf[doc->total] != '\0'))
				abort();
			if (rc < 0)
				metrics_doc_free(doc);
			else if (rc == 1)
				free(metrics_doc_release(doc));
		}
	}
	(void)handoff_strerror(e);
	(void)handoff_type_name(h.type);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stats_set st = { 0 };
	struct metrics_doc doc = { 0 };
	unsigned nfds;

	if (size < 1)
		return 0;
	nfds = data[0] % 3;
	data++;
	size--;
	if (size >= sizeof(struct ho_header) && data[0] == HANDOFF_VERSION && data[1] == 0) {
		one_message(&st, &doc, data, size, nfds);	/* starts with a version: one message */
	} else {
		while (size >= 2) {
			size_t len = (size_t)data[0] | (size_t)data[1] << 8;

			data += 2;
			size -= 2;
			if (len > size)
				len = size;
			one_message(&st, &doc, data, len, nfds);
			data += len;
			size -= len;
		}
	}
	stats_set_free(&st);
	metrics_doc_free(&doc);
	return 0;
}
