#ifndef MCRELAY_STATUS_RENDER_H
#define MCRELAY_STATUS_RENDER_H

#include "lib/status_format.h"
#include "lib/strbuf.h"

/* What "status" prints: the table, one JSON document, or the metrics. */
enum status_form {
	STATUS_TEXT,
	STATUS_JSON,
	STATUS_OPENMETRICS,	/* OpenMetrics 1.0 text, ending in "# EOF" */
	STATUS_PROMETHEUS,	/* Prometheus text format 0.0.4 (node_exporter's textfile collector) */
};

/* The snapshot in that form (status_format.h, status_openmetrics.h). */
void status_render(const struct st_status *st, enum status_form form, struct strbuf *out);

#endif
