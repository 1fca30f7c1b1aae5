#include "config.h"

#include "supervisor/sv_reload.h"

#include "common/log.h"
#include "supervisor/conf_host.h"
#include "supervisor/notify.h"
#include "supervisor/sv_kpath.h"
#include "supervisor/sv_sync.h"

#include <sysexits.h>

int sv_load_config(const char *path, struct conf *c, struct sv_accounts *a, struct diag *d)
{
	int rc = conf_load(path, c, d);

	if (rc < 0)
		return rc == -2 ? EX_NOINPUT : EX_CONFIG;
	rc = conf_resolve_user(c, &a->uid, &a->gid, d);
	if (conf_resolve_control_group(c, rc == 0 ? a->gid : (gid_t)-1, &a->control_gid,
				       d) < 0 || rc < 0)
		return EX_NOUSER;
	conf_check_interfaces(c, d, false);
	return 0;
}

int sv_reload(struct supervisor *sv, struct diag *d)
{
	struct conf next;
	struct sv_accounts a;
	int rc;

	if (sv->stopping) {
		diag_error(d, sv->conf.path, 0, "not reloading: the daemon is stopping");
		return EX_TEMPFAIL;
	}
	log_info("reloading %s", sv->conf.path);
	notify_reloading();
	rc = sv_load_config(sv->conf.path, &next, &a, d);
	if (rc == 0) {
		size_t errors = d->errors;

		svk_check_conf(sv, &next, d);
		if (d->errors > errors)
			rc = EX_CONFIG;
	}
	for (size_t i = 0; i < d->n; i++)
		log_notice("%s", d->lines[i]);
	if (rc != 0) {
		log_warnx("reload failed: keeping the running configuration");
		conf_free(&next);
		notify_ready();
		return rc;
	}
	if (strcmp(next.control_socket, sv->conf.control_socket) != 0)
		log_warnx("control-socket changes take effect at the next start");
	if (a.control_gid != sv->control_gid)
		log_warnx("control-group changes take effect at the next start");
	conf_free(&sv->conf);
	sv->conf = next;
	sv->uid = a.uid;
	sv->gid = a.gid;
	log_set_level(sv->conf.log_level);
	sv->generation++;
	sv_sync(sv);
	log_info("reload applied: configuration %u, %zu rules", sv->generation,
		 sv->conf.n_rules);
	notify_ready();
	return 0;
}
