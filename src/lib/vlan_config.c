#include "config.h"

#include "lib/vlan_config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The next '|'-separated field of a line, trimmed, into out; NULL at the line's end. */
static const char *field(const char *s, const char *end, char *out, size_t cap)
{
	const char *bar;
	size_t n;

	if (s == NULL || s >= end)
		return NULL;
	bar = memchr(s, '|', (size_t)(end - s));
	if (bar == NULL)
		bar = end;
	while (s < bar && isspace((unsigned char)*s))
		s++;
	n = (size_t)(bar - s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, s, n);
	out[n] = '\0';
	return bar < end ? bar + 1 : end;
}

bool vlan_config_find(const char *text, const char *parent, uint16_t vid,
		      char out[IF_NAMESIZE])
{
	for (const char *line = text; line != NULL && *line != '\0';) {
		const char *end = strchr(line, '\n');
		char name[IF_NAMESIZE], id[16], link[IF_NAMESIZE], *tail;
		const char *s;

		if (end == NULL)
			end = line + strlen(line);
		s = field(line, end, name, sizeof(name));
		s = field(s, end, id, sizeof(id));
		if (field(s, end, link, sizeof(link)) != NULL && name[0] && isdigit((unsigned char)id[0]) &&
		    strtoul(id, &tail, 10) == vid && *tail == '\0' && strcmp(link, parent) == 0) {
			snprintf(out, IF_NAMESIZE, "%s", name);
			return true;
		}
		line = *end ? end + 1 : NULL;
	}
	return false;
}
