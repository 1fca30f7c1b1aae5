#include "config.h"

#include "common/worker_env.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int worker_env_check(uint64_t *token)
{
	const char *tok = getenv(WORKER_ENV_TOKEN);
	const char *ppid = getenv(WORKER_ENV_PARENT);
	int type;
	socklen_t len = sizeof(type);
	char *end;

	if (tok == NULL || ppid == NULL)
		return -1;
	if (getsockopt(WORKER_CHANNEL_FD, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    type != SOCK_SEQPACKET)
		return -1;
	if (strtol(ppid, &end, 10) != (long)getppid() || *end != '\0')
		return -1;
	errno = 0;
	*token = strtoull(tok, &end, 16);
	if (errno || *end != '\0' || *token == 0)
		return -1;
	unsetenv(WORKER_ENV_TOKEN);
	return 0;
}
