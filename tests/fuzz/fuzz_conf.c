/* libFuzzer target: any text as a configuration file, through parsing, validation and printing. */
#include "config.h"

#include "lib/conf.h"
#include "lib/diag.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct conf c;
	struct diag d = { 0 };
	FILE *sink;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	int rc = conf_parse_string("fuzz.conf", text, &c, &d);

	/* Valid means no error was reported, and the reverse. */
	if ((rc == 0) != (d.errors == 0))
		abort();
	sink = fopen("/dev/null", "w");
	if (sink != NULL) {
		if (rc == 0)
			conf_print(&c, sink);
		diag_print(&d, sink);
		fclose(sink);
	}
	conf_free(&c);
	diag_free(&d);
	free(text);
	return 0;
}
