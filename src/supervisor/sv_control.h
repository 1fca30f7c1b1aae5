#ifndef MCRELAY_SV_CONTROL_H
#define MCRELAY_SV_CONTROL_H

#include <stddef.h>

#include "supervisor/sv_types.h"

/* Opens the control socket with the supervisor's control_ops (control.h). */
struct control *sv_control_open(struct supervisor *sv, char *err, size_t errlen);

#endif
