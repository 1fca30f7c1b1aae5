#ifndef MCRELAY_METRICS_DOC_H
#define MCRELAY_METRICS_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/handoff.h"

/*
 * The metrics document on its way from the supervisor to the metrics
 * process, in METRICS_DATA pieces (handoff.h): both halves, pure.
 */

/* The most bytes of the document one piece carries. */
#define METRICS_PIECE_MAX \
	(HANDOFF_MAX_MSG - sizeof(struct ho_header) - sizeof(struct ho_metrics_data))

/*
 * The supervisor's half: the payload of the piece of doc[0..total) that
 * starts at offset, into out (at least sizeof(struct ho_metrics_data) +
 * METRICS_PIECE_MAX bytes).  status != 0 (an HTTP status) sends no
 * document, only that it could not be made.  Returns the payload's length;
 * the next piece starts at offset plus what it carried.
 */
size_t metrics_doc_piece(const char *doc, uint32_t total, uint32_t offset, uint32_t status,
			 void *out);
/* How many bytes of the document the piece whose payload is p carries. */
size_t metrics_doc_piece_bytes(size_t payload_len);

/* The metrics process's half: a document being put together. */
struct metrics_doc {
	char *buf;		/* total bytes and a NUL */
	uint32_t total, have;
	uint32_t status;	/* of a complete one: 0, or the HTTP status to answer */
	bool started;
};

/*
 * Takes one METRICS_DATA payload (already checked by handoff_decode): it
 * must start where the last one ended, with the same total.  Returns 1
 * when the document is complete (d->buf, d->total; d->status), 0 when
 * more is to come, -1 with a reason in err.
 */
int metrics_doc_take(struct metrics_doc *d, const void *payload, size_t len, char *err,
		     size_t errlen);
/* Hands the complete document's buffer to the caller (free(3) it) and starts afresh. */
char *metrics_doc_release(struct metrics_doc *d);
void metrics_doc_free(struct metrics_doc *d);

#endif
