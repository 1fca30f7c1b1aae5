#ifndef MCRELAY_CONF_HOST_H
#define MCRELAY_CONF_HOST_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/conf.h"
#include "lib/diag.h"

/* The parts of configuration handling that look at this host. */

/* Largest configuration file read (10,000 rules take about 2 MiB). */
#define CONF_FILE_MAX (16 * 1024 * 1024)

/* conf_load (declared in conf.h) reads only a regular file of at most this size. */

/* Warnings (for "check" elsewhere) unless strict. */
void conf_check_interfaces(const struct conf *conf, struct diag *d, bool strict);
/* The user and the control group: warnings only, for "check". */
void conf_check_accounts(const struct conf *conf, struct diag *d);

/*
 * The VLAN sub-interface of parent with VLAN vid (from /proc/net/vlan/config),
 * through which a membership for that VLAN can be made: true and its name in
 * out if there is one.
 */
bool conf_vlan_subif(const char *parent, uint16_t vid, char out[IF_NAMESIZE]);

/* The workers' user: it must exist and be neither uid 0 nor gid 0. */
int conf_resolve_user(const struct conf *conf, uid_t *uid, gid_t *gid, struct diag *d);

/*
 * The group of the control socket (control-group): it must exist.  A
 * warning if it is the workers' primary group.
 */
int conf_resolve_control_group(const struct conf *conf, gid_t workers_gid, gid_t *gid,
			       struct diag *d);

#endif
