#include "config.h"

#include "lib/status_render.h"

#include "lib/status_openmetrics.h"

void status_render(const struct st_status *st, enum status_form form, struct strbuf *out)
{
	switch (form) {
	case STATUS_TEXT:
		status_format_text(st, out);
		break;
	case STATUS_JSON:
		status_format_json(st, out);
		break;
	case STATUS_OPENMETRICS:
		status_format_metrics(st, METRICS_OPENMETRICS, out);
		break;
	case STATUS_PROMETHEUS:
		status_format_metrics(st, METRICS_PROMETHEUS, out);
		break;
	}
}
