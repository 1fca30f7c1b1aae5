#ifndef MCRELAY_STATUS_OPENMETRICS_H
#define MCRELAY_STATUS_OPENMETRICS_H

#include "lib/status_format.h"
#include "lib/strbuf.h"

/*
 * The status snapshot as metrics (no I/O): what "status --openmetrics"
 * prints and the metrics process serves at GET /metrics, and what
 * "status --prometheus" writes for node_exporter's textfile collector,
 * whose parser reads the Prometheus text format 0.0.4 and refuses
 * OpenMetrics (an info type, a counter's TYPE line without "_total").
 *
 * Both carry the same samples with the same names and labels:
 *
 *   mcrelay_up, mcrelay_build_info{version}
 *   mcrelay_config_generation, mcrelay_config_reloads_total{result},
 *   mcrelay_config_last_reload_success_timestamp_seconds
 *   mcrelay_rule_{active,packets_total,bytes_total}{rule,input,path}
 *   mcrelay_rule_upstream_lost_packets_total{rule,input,path,monitor}
 *   mcrelay_output_{active,packets_total,bytes_total}
 *       {rule,input,path,output,destination}
 *   mcrelay_output_errors_total{rule,input,path,output,destination,reason}
 *   mcrelay_worker_{up,restarts_total,received_packets_total,
 *       received_bytes_total}{input,worker}
 *   mcrelay_dropped_packets_total{input,worker,reason}
 *
 * Label values are escaped as both formats want (backslash, double quote,
 * line feed), and a byte that is not valid UTF-8 becomes U+FFFD.
 */
enum metrics_format {
	METRICS_OPENMETRICS,	/* OpenMetrics 1.0: "# UNIT", an info type, "# EOF" */
	METRICS_PROMETHEUS,	/* text format 0.0.4 */
};

#define METRICS_OPENMETRICS_TYPE "application/openmetrics-text; version=1.0.0; charset=utf-8"
#define METRICS_PROMETHEUS_TYPE "text/plain; version=0.0.4; charset=utf-8"

void status_format_metrics(const struct st_status *st, enum metrics_format format,
			   struct strbuf *out);

/* Appends s as a label value between double quotes, escaped. */
void metrics_label_value(struct strbuf *out, const char *s);

#endif
