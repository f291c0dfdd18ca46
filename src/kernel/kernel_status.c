/*
 * Status of every network and endpoint: the stored apply status plus what
 * the kernel says right now (device present and up, listen port; per
 * peer the latest handshake, bytes and the address it was last seen at).
 * Read-only towards the kernel; the numbers are kept in endpoint_stats.
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
#include "warp_traffic.h"

static void	warp_kst_apply_status(struct warp_db *, const char *, int64_t,
		    char *, size_t, char *, size_t);
static void	warp_kst_store(struct warp_db *, const struct warp_kernel_status *);
static void	warp_kst_stored(struct warp_db *, struct warp_kernel_peer_status *);
static int	warp_kst_read(struct warp_db *, const char *, int,
		    struct warp_kernel_status *, struct warp_err *);

static void
warp_kst_apply_status(struct warp_db *db, const char *type, int64_t id,
    char *status, size_t slen, char *error, size_t elen)
{
	sqlite3_stmt	*st;
	struct warp_err	 err;
	const char	*s;

	status[0] = '\0';
	error[0] = '\0';
	if (warp_db_prepare(db, &st, "SELECT status, error FROM apply_status "
	    "WHERE object_type = ? AND object_id = ?", &err) == -1)
		return;
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		if ((s = (const char *)sqlite3_column_text(st, 0)) != NULL)
			(void)snprintf(status, slen, "%s", s);
		if ((s = (const char *)sqlite3_column_text(st, 1)) != NULL)
			(void)snprintf(error, elen, "%s", s);
	}
	sqlite3_finalize(st);
}

static void
warp_kst_store(struct warp_db *db, const struct warp_kernel_status *st)
{
	sqlite3_stmt	*s;
	struct warp_err	 err;
	size_t		 i;

	if (warp_db_begin(db, &err) == -1)
		return;
	if (warp_db_prepare(db, &s, "INSERT INTO endpoint_stats "
	    "(endpoint_id, last_handshake, rx_bytes, tx_bytes, "
	    "remote_endpoint, updated_at) VALUES (?, ?, ?, ?, ?, unixepoch()) "
	    "ON CONFLICT (endpoint_id) DO UPDATE SET "
	    "last_handshake = excluded.last_handshake, "
	    "rx_bytes = excluded.rx_bytes, tx_bytes = excluded.tx_bytes, "
	    "remote_endpoint = excluded.remote_endpoint, "
	    "updated_at = excluded.updated_at", &err) == -1) {
		warp_db_rollback(db);
		return;
	}
	for (i = 0; i < st->npeers; i++) {
		if (!st->peers[i].present)
			continue;
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, st->peers[i].endpoint_id);
		sqlite3_bind_int64(s, 2, st->peers[i].last_handshake);
		sqlite3_bind_int64(s, 3, (sqlite3_int64)st->peers[i].rx_bytes);
		sqlite3_bind_int64(s, 4, (sqlite3_int64)st->peers[i].tx_bytes);
		sqlite3_bind_text(s, 5, st->peers[i].remote, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE) {
			sqlite3_finalize(s);
			warp_db_rollback(db);
			return;
		}
	}
	sqlite3_finalize(s);
	if (warp_db_commit(db, &err) == -1)
		warp_db_rollback(db);
}

/* Last numbers the privileged side stored (for unprivileged readers). */
static void
warp_kst_stored(struct warp_db *db, struct warp_kernel_peer_status *ps)
{
	sqlite3_stmt	*st;
	struct warp_err	 err;
	const char	*s;

	if (warp_db_prepare(db, &st, "SELECT last_handshake, rx_bytes, "
	    "tx_bytes, remote_endpoint FROM endpoint_stats WHERE "
	    "endpoint_id = ?", &err) == -1)
		return;
	sqlite3_bind_int64(st, 1, ps->endpoint_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		ps->last_handshake = sqlite3_column_int64(st, 0);
		ps->rx_bytes = (uint64_t)sqlite3_column_int64(st, 1);
		ps->tx_bytes = (uint64_t)sqlite3_column_int64(st, 2);
		if ((s = (const char *)sqlite3_column_text(st, 3)) != NULL)
			(void)snprintf(ps->remote, sizeof(ps->remote), "%s", s);
	}
	sqlite3_finalize(st);
}

int
warp_kernel_status(struct warp_db *db, const char *netns,
    struct warp_kernel_status *st, struct warp_err *err)
{
	return (warp_kst_read(db, netns, 1, st, err));
}

int
warp_kernel_status_stored(struct warp_db *db, struct warp_kernel_status *st,
    struct warp_err *err)
{
	return (warp_kst_read(db, NULL, 0, st, err));
}

static int
warp_kst_read(struct warp_db *db, const char *netns, int kernel,
    struct warp_kernel_status *st, struct warp_err *err)
{
	struct warp_server_config	 cfg;
	struct warp_network		*nets = NULL;
	struct warp_endpoint		*eps = NULL;
	struct warp_kernel_net_status	*ns;
	struct warp_kernel_peer_status	*ps;
	struct warp_wgnl		*wg = NULL;
	struct warp_wgdev		 dev;
	const struct warp_wgpeer	*p;
	struct nl_sock			*sk = NULL;
	struct rtnl_link		*l;
	struct warp_err			 e2;
	uint8_t				 key[WARP_KEY_LEN];
	const char			*nsname;
	size_t				 nnets = 0, neps = 0, i, j;
	int				 saved = -1, ret = -1, have_dev;
	int64_t				 now = time(NULL);

	memset(st, 0, sizeof(*st));
	if (warp_server_config_get(db, &cfg, err) == -1)
		return (-1);
	nsname = netns != NULL ? netns : cfg.netns;
	(void)snprintf(st->netns, sizeof(st->netns), "%s", nsname);
	if (warp_network_list(db, &nets, &nnets, err) == -1 ||
	    warp_endpoint_list(db, 0, &eps, &neps, err) == -1)
		goto out;
	st->nets = warp_xcalloc(nnets + 1, sizeof(*st->nets));
	st->peers = warp_xcalloc(neps + 1, sizeof(*st->peers));
	st->nnets = nnets;
	st->npeers = neps;

	for (i = 0; i < nnets; i++) {
		ns = &st->nets[i];
		warp_network_ifnames(&nets[i]);
		ns->id = nets[i].id;
		(void)snprintf(ns->name, sizeof(ns->name), "%s", nets[i].name);
		(void)snprintf(ns->type, sizeof(ns->type), "%s",
		    warp_net_type_name(nets[i].type));
		(void)snprintf(ns->if_wg, sizeof(ns->if_wg), "%s",
		    nets[i].if_wg);
		(void)snprintf(ns->if_vrf, sizeof(ns->if_vrf), "%s",
		    nets[i].if_vrf);
		ns->enabled = nets[i].enabled;
		warp_kst_apply_status(db, "network", ns->id, ns->apply_status,
		    sizeof(ns->apply_status), ns->apply_error,
		    sizeof(ns->apply_error));
	}
	for (i = 0; i < neps; i++) {
		ps = &st->peers[i];
		ps->endpoint_id = eps[i].id;
		ps->network_id = eps[i].network_id;
		(void)snprintf(ps->network, sizeof(ps->network), "%s",
		    eps[i].network_name);
		(void)snprintf(ps->name, sizeof(ps->name), "%s", eps[i].name);
		(void)snprintf(ps->public_key, sizeof(ps->public_key), "%s",
		    eps[i].public_key);
		ps->active = warp_endpoint_is_active(&eps[i], now);
		warp_kst_apply_status(db, "endpoint", ps->endpoint_id,
		    ps->apply_status, sizeof(ps->apply_status),
		    ps->apply_error, sizeof(ps->apply_error));
		if (!kernel)
			warp_kst_stored(db, ps);
	}
	if (!kernel) {
		ret = 0;
		goto out;
	}

	/* The kernel side; a missing namespace just means nothing is there. */
	if (warp_netns_enter(nsname, 0, &saved, &e2) == -1) {
		ret = 0;
		goto out;
	}
	st->kernel_read = 1;
	if ((sk = nl_socket_alloc()) == NULL)
		warp_fatal("nl_socket_alloc");
	if (nl_connect(sk, NETLINK_ROUTE) < 0) {
		nl_socket_free(sk);
		sk = NULL;
	}
	if (warp_wgnl_open(&wg, &e2) == -1)
		wg = NULL;
	for (i = 0; i < nnets; i++) {
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
		for (j = 0; j < neps && have_dev; j++) {
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
	warp_kst_store(db, st);
	warp_traffic_sample_status(db, st);	/* quotas, history */
	ret = 0;
out:
	if (ret == -1)
		warp_kernel_status_free(st);
	warp_wgnl_close(wg);
	if (sk != NULL)
		nl_socket_free(sk);
	warp_netns_leave(saved);
	warp_network_list_free(nets);
	warp_endpoint_list_free(eps);
	return (ret);
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
