#include "config.h"

#include "supervisor/conf_host.h"

#include "lib/vlan_config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The whole file, NUL-terminated; a device, a FIFO or a huge file is refused. */
static char *read_file(const char *path, struct diag *d, size_t *lenp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	ssize_t n;

	if (fd < 0) {
		diag_error(d, path, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		diag_error(d, path, 0, "not a regular file");
		goto fail;
	}
	if (st.st_size > CONF_FILE_MAX)
		goto too_big;
	text = malloc(CONF_FILE_MAX + 1);
	if (text == NULL) {
		diag_error(d, path, 0, "out of memory");
		goto fail;
	}
	/* The size may change while reading: read until end of file, bounded. */
	while ((n = read(fd, text + len, CONF_FILE_MAX + 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			diag_error(d, path, 0, "read error: %s", strerror(errno));
			goto fail;
		}
		len += (size_t)n;
		if (len > CONF_FILE_MAX)
			goto too_big;
	}
	text[len] = '\0';
	close(fd);
	*lenp = len;
	return text;
too_big:
	diag_error(d, path, 0, "larger than %d bytes", CONF_FILE_MAX);
fail:
	free(text);
	close(fd);
	return NULL;
}

static int first_nul_line(const char *text, size_t len)
{
	const char *nul = memchr(text, '\0', len);
	int line = 1;

	if (nul == NULL)
		return 0;
	for (const char *p = text; p < nul; p++)
		line += *p == '\n';
	return line;
}

int conf_load(const char *path, struct conf *conf, struct diag *d)
{
	size_t len;
	char *text = read_file(path, d, &len);
	int rc, nul_line;

	if (text == NULL) {
		conf_init(conf, path);
		return -2;
	}
	/* A NUL would end the text early and hide what follows it. */
	nul_line = first_nul_line(text, len);
	rc = conf_parse_string(path, text, conf, d);
	if (nul_line > 0) {
		diag_error(d, path, nul_line, "NUL byte in the file");
		rc = -1;
	}
	free(text);
	return rc;
}

static void check_ifname(const struct conf *c, const char *ifname, int line,
			 struct diag *d, bool strict)
{
	if (if_nametoindex(ifname) != 0)
		return;
	if (strict)
		diag_error(d, c->path, line, "interface '%s' does not exist", ifname);
	else
		diag_warn(d, c->path, line,
			  "interface '%s' does not exist on this host", ifname);
}

bool conf_vlan_subif(const char *parent, uint16_t vid, char out[IF_NAMESIZE])
{
	/* A line per sub-interface: enough for thousands. */
	static char text[256 * 1024];
	FILE *fp = fopen("/proc/net/vlan/config", "re");
	size_t len;

	if (fp == NULL)
		return false;	/* no 802.1Q support loaded: no sub-interface */
	len = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	text[len] = '\0';
	return vlan_config_find(text, parent, vid, out);
}

/*
 * Group memberships for a VLAN can only be sent tagged through a VLAN
 * sub-interface: where there is none, say so once per input and VLAN.
 */
static void check_vlan_joins(const struct conf *c, struct diag *d)
{
	struct { const char *input; uint16_t vid; } said[64];
	size_t n_said = 0;
	char subif[IF_NAMESIZE];

	for (size_t i = 0; i < c->n_rules; i++) {
		const struct conf_rule *r = &c->rules[i];
		bool done = false;

		if (r->vlan == 0 || if_nametoindex(r->input) == 0)
			continue;
		for (size_t k = 0; k < n_said && !done; k++)
			done = said[k].vid == r->vlan && strcmp(said[k].input, r->input) == 0;
		if (done)
			continue;
		if (n_said < sizeof(said) / sizeof(said[0]))
			said[n_said++] = (typeof(said[0])){ r->input, r->vlan };
		if (!conf_vlan_subif(r->input, r->vlan, subif))
			diag_warn(d, c->path, r->key_line[KEY_INPUT],
				  "no membership can be made for VLAN %u on %s (no VLAN sub-interface of %s with id %u): the stream must be flooded or forwarded statically",
				  r->vlan, r->input, r->input, r->vlan);
	}
}

/* Where the control group is named, or 0 for the default (then the message says so). */
static const char *group_origin(const struct conf *c)
{
	return c->control_group_line ? "" : " (the default)";
}

/* Members of the workers' primary group are let in: say so, it is easy to miss. */
static void check_groups_differ(const struct conf *c, gid_t workers_gid, gid_t control_gid,
				struct diag *d)
{
	if (workers_gid == control_gid)
		diag_warn(d, c->path, c->control_group_line,
			  "control-group '%s'%s is also the primary group of user '%s': "
			  "the workers' account may use the control socket",
			  c->control_group, group_origin(c), c->user);
}

void conf_check_accounts(const struct conf *c, struct diag *d)
{
	struct passwd *pw = getpwnam(c->user);
	bool user_known = pw != NULL;
	gid_t workers_gid = user_known ? pw->pw_gid : 0;
	struct group *gr;

	if (!user_known)
		diag_warn(d, c->path, c->user_line,
			  "user '%s' does not exist on this host", c->user);
	if ((gr = getgrnam(c->control_group)) == NULL)
		diag_warn(d, c->path, c->control_group_line,
			  "control-group '%s'%s does not exist on this host", c->control_group,
			  group_origin(c));
	else if (user_known)
		check_groups_differ(c, workers_gid, gr->gr_gid, d);
}

void conf_check_interfaces(const struct conf *c, struct diag *d, bool strict)
{
	for (size_t i = 0; i < c->n_rules; i++) {
		const struct conf_rule *r = &c->rules[i];

		check_ifname(c, r->input, r->key_line[KEY_INPUT], d, strict);
		for (size_t j = 0; j < r->n_outputs; j++)
			if (r->outputs[j].kind == OUTPUT_IFACE)
				check_ifname(c, r->outputs[j].ifname, r->outputs[j].line, d,
					     strict);
	}
	check_vlan_joins(c, d);
}

int conf_resolve_user(const struct conf *c, uid_t *uid, gid_t *gid, struct diag *d)
{
	struct passwd *pw = getpwnam(c->user);

	if (pw == NULL) {
		diag_error(d, c->path, c->user_line, "user '%s' does not exist", c->user);
		return -1;
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		diag_error(d, c->path, c->user_line,
			   "user '%s' has uid or gid 0: workers never run as root", c->user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int conf_resolve_control_group(const struct conf *c, gid_t workers_gid, gid_t *gid,
			       struct diag *d)
{
	struct group *gr = getgrnam(c->control_group);

	if (gr == NULL) {
		diag_error(d, c->path, c->control_group_line,
			   "control-group '%s'%s does not exist: create it (systemd-sysusers "
			   "with mcrelay's sysusers.d file, or groupadd --system %s) or name "
			   "another group in [global]", c->control_group, group_origin(c),
			   c->control_group);
		return -1;
	}
	check_groups_differ(c, workers_gid, gr->gr_gid, d);
	*gid = gr->gr_gid;
	return 0;
}
