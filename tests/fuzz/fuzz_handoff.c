/* libFuzzer target: any bytes as a message on the supervisor-worker channel. */
#include "config.h"

#include "handoff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_Alignas(8) static char buf[HANDOFF_MAX_MSG];
	struct ho_header h;
	const void *payload = NULL;
	uint64_t token = 0x0123456789abcdefULL;

	if (size < 1 || size - 1 > sizeof(buf))
		return 0;
	memcpy(buf, data + 1, size - 1);
	enum handoff_error e = handoff_decode(buf, size - 1, token, data[0] % 3, &h, &payload);

	if (e == HO_OK) {
		/* An accepted message lies within what arrived and has its type's fd count. */
		if ((const char *)payload + h.length > buf + size - 1 ||
		    handoff_fd_count(h.type) != (unsigned)(data[0] % 3))
			abort();
	}
	(void)handoff_strerror(e);
	(void)handoff_type_name(h.type);
	return 0;
}
