#include "config.h"

#include "lib/metrics_doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t metrics_doc_piece(const char *doc, uint32_t total, uint32_t offset, uint32_t status,
			 void *out)
{
	struct ho_metrics_data h = { .total = status ? 0 : total,
				     .offset = status ? 0 : offset, .status = status };
	size_t n = status || offset >= total ? 0 : total - offset;

	if (n > METRICS_PIECE_MAX)
		n = METRICS_PIECE_MAX;
	memcpy(out, &h, sizeof(h));
	if (n)
		memcpy((char *)out + sizeof(h), doc + offset, n);
	return sizeof(h) + n;
}

size_t metrics_doc_piece_bytes(size_t payload_len)
{
	return payload_len - sizeof(struct ho_metrics_data);
}

void metrics_doc_free(struct metrics_doc *d)
{
	free(d->buf);
	memset(d, 0, sizeof(*d));
}

char *metrics_doc_release(struct metrics_doc *d)
{
	char *buf = d->buf;

	d->buf = NULL;
	metrics_doc_free(d);
	return buf;
}

int metrics_doc_take(struct metrics_doc *d, const void *payload, size_t len, char *err,
		     size_t errlen)
{
	struct ho_metrics_data h;
	size_t n = len - sizeof(h);

	memcpy(&h, payload, sizeof(h));
	if (!d->started) {
		if (h.offset != 0) {
			snprintf(err, errlen, "a document starts at offset %u", h.offset);
			return -1;
		}
		d->buf = malloc((size_t)h.total + 1);
		if (d->buf == NULL) {
			snprintf(err, errlen, "no memory for a document of %u bytes", h.total);
			return -1;
		}
		d->total = h.total;
		d->status = h.status;
		d->have = 0;
		d->started = true;
	} else if (h.total != d->total || h.offset != d->have || h.status != d->status) {
		snprintf(err, errlen, "a piece at offset %u of %u bytes (status %u) after %u of %u",
			 h.offset, h.total, h.status, d->have, d->total);
		return -1;
	}
	if (n > d->total - d->have || (n == 0 && d->have < d->total)) {
		snprintf(err, errlen, "a piece of %zu bytes at offset %u of %u", n, h.offset,
			 h.total);
		return -1;
	}
	memcpy(d->buf + d->have, (const char *)payload + sizeof(h), n);
	d->have += (uint32_t)n;
	if (d->have < d->total)
		return 0;
	d->buf[d->total] = '\0';
	return 1;
}
