#include "config.h"

#include "supervisor/sv_progress.h"

#include <stdio.h>

void svp_sent(struct sv_worker *w, uint32_t generation, size_t n_rules)
{
	struct sv_progress *p = &w->progress;

	p->sent = generation;
	p->stands_for = generation;
	p->in_flight = true;
	if (n_rules > p->max_rules)
		p->max_rules = n_rules;
}

void svp_unchanged(struct sv_worker *w, uint32_t generation)
{
	struct sv_progress *p = &w->progress;

	p->stands_for = generation;
	if (!p->in_flight && p->adopted)
		p->adopted = generation;
}

int svp_take_ack(struct sv_worker *w, const struct ho_ack *ack, char *err, size_t errlen)
{
	struct sv_progress *p = &w->progress;

	if (!p->in_flight || ack->generation != p->sent) {
		snprintf(err, errlen, "acknowledged configuration %u, but %s", ack->generation,
			 p->in_flight ? "that is not the one it was sent" : "none was outstanding");
		return -1;
	}
	p->in_flight = false;
	p->adopted = p->stands_for;
	return 0;
}

void svp_reset(struct sv_worker *w)
{
	w->progress = (struct sv_progress){ 0 };
}

bool svp_current(const struct sv_worker *w)
{
	return w->progress.adopted == w->sv->generation;
}

bool svp_all_adopted(const struct supervisor *sv)
{
	for (size_t i = 0; i < sv->n_workers; i++) {
		const struct sv_worker *w = sv->workers[i];

		if (w->wanted && !svp_current(w))
			return false;
	}
	return true;
}
