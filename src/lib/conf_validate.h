#ifndef MCRELAY_CONF_VALIDATE_H
#define MCRELAY_CONF_VALIDATE_H

#include "lib/conf_types.h"
#include "lib/diag.h"

/* Checks that need the whole file: required keys, duplicates, loops. */
void conf_validate(const struct conf *conf, struct diag *d);

#endif
