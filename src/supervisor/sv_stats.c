#include "config.h"

#include "supervisor/sv_stats.h"

#include "supervisor/sv_worker.h"

bool svs_complete(const struct supervisor *sv)
{
	for (size_t i = 0; i < sv->n_workers; i++)
		if (sv->workers[i]->stats_pending && !sv->workers[i]->stats_silent)
			return false;
	return true;
}

bool svs_request(struct supervisor *sv)
{
	for (size_t i = 0; i < sv->n_workers; i++)
		if (sv->workers[i]->pid > 0)
			svw_request_stats(sv->workers[i]);
	return svs_complete(sv);
}
