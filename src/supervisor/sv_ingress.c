#include "config.h"

#include "supervisor/sv_ingress.h"

#include "common/log.h"
#include "common/ring_socket.h"

#include <unistd.h>

static void resolve_ring(const struct sv_worker *w, const struct iface_info *info,
			 struct ring_params *ring)
{
	ring_params_resolve(&w->sv->conf.ring, info->mtu, (uint32_t)sysconf(_SC_PAGESIZE), ring);
}

bool svw_ingress_fits(const struct sv_worker *w, const struct iface_info *info)
{
	struct ring_params ring;

	resolve_ring(w, info, &ring);
	return w->ingress_fd >= 0 && w->info.ifindex == info->ifindex &&
	       memcmp(&ring, &w->ring, sizeof(ring)) == 0;
}

/* The fanout group of the input's sockets on this interface (w's own old one included). */
static int input_fanout_id(const struct sv_worker *w, int ifindex)
{
	const struct supervisor *sv = w->sv;

	for (size_t i = 0; i < sv->n_workers; i++) {
		const struct sv_worker *o = sv->workers[i];

		if (o->in == w->in && o->ingress_fd >= 0 && o->fanout_id >= 0 &&
		    o->info.ifindex == ifindex)
			return o->fanout_id;
	}
	return -1;
}

/*
 * Puts a new ingress socket of w into its input's fanout group, creating
 * the group when the input has several workers and none yet.  A new group
 * takes in the sockets of the input's other workers that stay as they
 * are (a worker added to an input that had one).  Returns the group's id,
 * -1 for none, -2 on failure.
 */
static int join_fanout(struct sv_worker *w, int fd, int ifindex)
{
	struct supervisor *sv = w->sv;
	int id = input_fanout_id(w, ifindex);
	bool fresh = id < 0;

	if (fresh && w->in->n_workers <= 1)
		return -1;
	if (psock_fanout_join(fd, &id) < 0) {
		log_warn("cannot put the ingress socket of worker[%s] in a fanout group", w->name);
		return -2;
	}
	for (size_t i = 0; fresh && i < sv->n_workers; i++) {
		struct sv_worker *o = sv->workers[i];

		if (o == w || o->in != w->in || o->ingress_fd < 0 || o->fanout_id >= 0 ||
		    o->info.ifindex != ifindex || o->filter_digest != w->in->filter_digest)
			continue;
		if (psock_fanout_join(o->ingress_fd, &id) == 0)
			o->fanout_id = id;
		else
			log_warn("cannot put the ingress socket of worker[%s] in fanout group %d",
				 o->name, id);
	}
	return id;
}

/* Other groups change the filter in place: the frames of groups that stay are never missed. */
static int refilter(struct sv_worker *w)
{
	if (w->in->filter_digest == w->filter_digest)
		return 0;
	if (psock_set_filter(w->ingress_fd, &w->in->match) < 0) {
		log_warn("cannot change the filter of worker[%s]'s ingress socket", w->name);
		return -1;
	}
	w->filter_digest = w->in->filter_digest;
	return 0;
}

int svw_ingress_update(struct sv_worker *w, const struct iface_info *info)
{
	struct ring_params ring;
	int fd, id;

	if (svw_ingress_fits(w, info))
		return refilter(w);
	if (w->ingress_fd >= 0 && w->ingress_sent)
		return -1;	/* mapped by a process: replacing it is the sync's decision */
	resolve_ring(w, info, &ring);
	fd = psock_open_ingress(info->ifindex, &w->in->match, &ring);
	if (fd < 0) {
		log_warn("cannot open the ingress socket on %s", w->input);
		return -1;
	}
	if ((id = join_fanout(w, fd, info->ifindex)) == -2) {
		close(fd);
		return -1;
	}
	svw_ingress_close(w);
	w->ingress_fd = fd;
	w->fanout_id = id;
	w->ring = ring;
	w->info = *info;
	w->filter_digest = w->in->filter_digest;
	if (id >= 0)
		log_debug("worker[%s]: ingress socket in fanout group %d", w->name, id);
	return 0;
}

void svw_ingress_count_drops(struct sv_worker *w)
{
	if (w->ingress_fd >= 0)
		w->ring_drops += psock_ring_drops(w->ingress_fd);
}

void svw_ingress_close(struct sv_worker *w)
{
	svw_ingress_count_drops(w);
	if (w->ingress_fd >= 0)
		close(w->ingress_fd);
	w->ingress_fd = -1;
	w->ingress_sent = false;
	w->fanout_id = -1;
}
