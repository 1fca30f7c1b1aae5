#include "config.h"

#include "lib/log_level.h"

#include <string.h>

/* Log level names, shared by the configuration parser and the logger. */
static const char *const level_names[] = {
	"error", "warning", "notice", "info", "debug",
};

int log_level_parse(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

const char *log_level_name(enum log_level level)
{
	return level_names[level];
}
