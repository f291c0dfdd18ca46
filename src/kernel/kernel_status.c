/*
 * Status of every network and endpoint: the stored apply status plus what
 * the kernel says right now (device present and up, listen port; per
 * peer the latest handshake, bytes and the address it was last seen at).
 * Read-only towards the kernel; the numbers are kept in endpoint_stats
 * (through warp_state.h: this room knows no SQL).
 */
#include <sys/socket.h>

#include <linux/if.h>

#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "warp.h"
#include "warp_kernel.h"
#include "warp_kernel_int.h"
#include "warp_state.h"
#include "warp_traffic.h"

static void	warp_kst_store(struct warp_db *, const struct warp_kernel_status *);
static void	warp_kst_clear(struct warp_kernel_status *);
static void	warp_kst_kernel(struct warp_kernel_status *);

/* What the kernel said about the peers it has, kept in endpoint_stats. */
static void
warp_kst_store(struct warp_db *db, const struct warp_kernel_status *st)
{
	struct warp_state_stats	*rows;
	struct warp_err		 err;
	size_t			 i, n = 0;

	rows = warp_xcalloc(st->npeers + 1, sizeof(*rows));
	for (i = 0; i < st->npeers; i++) {
		if (!st->peers[i].present)
			continue;
		rows[n].endpoint_id = st->peers[i].endpoint_id;
		rows[n].last_handshake = st->peers[i].last_handshake;
		rows[n].rx_bytes = st->peers[i].rx_bytes;
		rows[n].tx_bytes = st->peers[i].tx_bytes;
		(void)snprintf(rows[n].remote, sizeof(rows[n].remote), "%s",
		    st->peers[i].remote);
		n++;
	}
	(void)warp_state_stats_store(db, rows, n, &err);
	free(rows);
}

/*
 * The stored part comes from the core (warp_status_stored); what it says
 * about the peers is the last sample, and only the kernel's own figures
 * are shown here: a peer the kernel does not have shows none.
 */
static void
warp_kst_clear(struct warp_kernel_status *st)
{
	size_t	i;

	for (i = 0; i < st->npeers; i++) {
		st->peers[i].last_handshake = 0;
		st->peers[i].rx_bytes = st->peers[i].tx_bytes = 0;
		st->peers[i].remote[0] = '\0';
	}
}

/* The kernel side, in the namespace the caller entered. */
static void
warp_kst_kernel(struct warp_kernel_status *st)
{
	struct warp_kernel_net_status	*ns;
	struct warp_kernel_peer_status	*ps;
	struct warp_wgnl		*wg = NULL;
	struct warp_wgdev		 dev;
	const struct warp_wgpeer	*p;
	struct nl_sock			*sk;
	struct rtnl_link		*l;
	struct warp_err			 e2;
	uint8_t				 key[WARP_KEY_LEN];
	size_t				 i, j;
	int				 have_dev;

	if ((sk = nl_socket_alloc()) == NULL)
		warp_fatal("nl_socket_alloc");
	if (nl_connect(sk, NETLINK_ROUTE) < 0) {
		nl_socket_free(sk);
		sk = NULL;
	}
	if (warp_wgnl_open(&wg, &e2) == -1)
		wg = NULL;
	for (i = 0; i < st->nnets; i++) {
		ns = &st->nets[i];
		if (sk != NULL && rtnl_link_get_kernel(sk, 0, ns->if_wg,
		    &l) == 0) {
			ns->present = 1;
			ns->up = (rtnl_link_get_flags(l) & IFF_UP) != 0;
			rtnl_link_put(l);
		}
		have_dev = 0;
		if (ns->present && wg != NULL &&
		    warp_wgnl_get(wg, ns->if_wg, &dev, &e2) == 0) {
			have_dev = 1;
			ns->listen_port = dev.listen_port;
		}
		for (j = 0; j < st->npeers && have_dev; j++) {
			ps = &st->peers[j];
			if (ps->network_id != ns->id ||
			    warp_key_from_base64(ps->public_key, key) == -1 ||
			    (p = warp_wgnl_find(&dev, key)) == NULL)
				continue;
			ps->present = 1;
			ps->last_handshake = p->last_handshake;
			ps->rx_bytes = p->rx_bytes;
			ps->tx_bytes = p->tx_bytes;
			(void)snprintf(ps->remote, sizeof(ps->remote), "%s",
			    p->remote);
		}
		if (have_dev)
			warp_wgnl_dev_free(&dev);
	}
	warp_wgnl_close(wg);
	if (sk != NULL)
		nl_socket_free(sk);
}

int
warp_kernel_status(struct warp_db *db, const char *netns,
    struct warp_kernel_status *st, struct warp_err *err)
{
	struct warp_err	 e2;
	int		 saved = -1;

	if (warp_status_stored(db, st, err) == -1)
		return (-1);
	warp_kst_clear(st);
	if (netns != NULL)
		(void)snprintf(st->netns, sizeof(st->netns), "%s", netns);
	/* A missing namespace just means nothing is there. */
	if (warp_netns_enter(st->netns, 0, &saved, &e2) == -1)
		return (0);
	st->kernel_read = 1;
	warp_kst_kernel(st);
	warp_kst_store(db, st);
	warp_traffic_sample_status(db, st);	/* quotas, history */
	warp_netns_leave(saved);
	return (0);
}

void
warp_kernel_status_free(struct warp_kernel_status *st)
{
	free(st->nets);
	free(st->peers);
	st->nets = NULL;
	st->peers = NULL;
	st->nnets = st->npeers = 0;
}
