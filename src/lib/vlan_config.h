#ifndef MCRELAY_VLAN_CONFIG_H
#define MCRELAY_VLAN_CONFIG_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * The kernel's list of VLAN sub-interfaces, /proc/net/vlan/config: a
 * two-line header, then "NAME | VID | PARENT" per line.  Finds the
 * sub-interface of parent with VLAN vid in text; true and its name in out
 * if there is one.
 */
bool vlan_config_find(const char *text, const char *parent, uint16_t vid,
		      char out[IF_NAMESIZE]);

#endif
