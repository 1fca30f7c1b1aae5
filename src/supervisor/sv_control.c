#include "config.h"

#include "supervisor/sv_control.h"

#include "supervisor/control.h"
#include "supervisor/sv_progress.h"
#include "supervisor/sv_reload.h"
#include "supervisor/sv_stats.h"
#include "supervisor/sv_status.h"

static int op_reload(void *arg, struct diag *d)
{
	return sv_reload(arg, d);
}

static bool op_config_acked(void *arg)
{
	return svp_all_adopted(arg);
}

static bool op_request_stats(void *arg)
{
	return svs_request(arg);
}

static void op_render_status(void *arg, enum status_form form, struct strbuf *out)
{
	sv_status_render(arg, form, out);
}

static void op_describe_config(void *arg, struct strbuf *out)
{
	const struct supervisor *sv = arg;

	sb_printf(out, "configuration %u, %zu rules", sv->generation, sv->conf.n_rules);
	for (size_t i = 0; i < sv->n_workers; i++) {
		const struct sv_worker *w = sv->workers[i];

		if (!w->wanted || svp_current(w))
			continue;
		sb_printf(out, "; worker[%s] has not adopted it yet (%s)", w->name,
			  w->progress.adopted ? "it still runs an older configuration"
					      : "it is starting or restarting");
	}
}

static const struct control_ops sv_control_ops = {
	.reload = op_reload,
	.config_acked = op_config_acked,
	.request_stats = op_request_stats,
	.render_status = op_render_status,
	.describe_config = op_describe_config,
};

struct control *sv_control_open(struct supervisor *sv, char *err, size_t errlen)
{
	static const struct control_limits limits = CONTROL_LIMITS_DEFAULT;

	return control_open(sv->base, sv->conf.control_socket, sv->control_gid, &limits,
			    &sv_control_ops, sv, err, errlen);
}
