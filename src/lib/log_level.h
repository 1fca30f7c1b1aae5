#ifndef MCRELAY_LOG_LEVEL_H
#define MCRELAY_LOG_LEVEL_H

/* Log levels and their names in the configuration (log-level = ...). */
enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_NOTICE,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

int log_level_parse(const char *s, enum log_level *out);
const char *log_level_name(enum log_level level);

#endif
