/*
 * The reconciler's door to the database: the desired state of a network
 * (keys and peers, unsealed here), the apply status it records per
 * object, the numbers it observes per peer (endpoint_stats), and the
 * change journal the incremental apply reads (change_journal).  The
 * schema of these tables is known here and nowhere in src/kernel/.
 */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "warp.h"
#include "warp_db_int.h"
#include "warp_state.h"

_Static_assert(WARP_STATE_CHECK_LEN == WARP_SEAL_CHECK_LEN,
    "warp_state_peer.check holds a warp_seal_check");

static void	warp_state_peer_allowed(struct warp_state_peer *,
		    const struct warp_endpoint *, int);
static void	warp_state_peer_bad(void *, size_t, const char *);
static int	warp_state_network_read(struct warp_db *,
		    const struct warp_network *, int, int64_t,
		    struct warp_state_netkey *, struct warp_state_peer **,
		    size_t *, struct warp_err *);
static int	warp_state_netkey_read(struct warp_db *,
		    const struct warp_network *, struct warp_state_netkey *,
		    struct warp_err *);
static void	warp_state_peer_fill(struct warp_state_peer *,
		    const struct warp_endpoint *, int, int64_t);
static void	warp_state_peer_make(struct warp_db *, struct warp_state_peer *,
		    const struct warp_endpoint *, int, int64_t);
static int	warp_state_ep_id_cmp(const void *, const void *);
static int	warp_state_scan_row(sqlite3_stmt *, const struct warp_network *,
		    struct warp_endpoint *, struct warp_state_peer *);
static size_t	warp_state_count_hint(struct warp_db *, int64_t);
static int	warp_state_scan(struct warp_db *, const struct warp_network *,
		    struct warp_endpoint **, struct warp_state_peer **, size_t *,
		    struct warp_err *);
static int	warp_state_lans_read(struct warp_db *,
		    const struct warp_network *, struct warp_endpoint *, size_t,
		    struct warp_err *);
static int	warp_state_psk_open(struct warp_db *, struct warp_state_peer *,
		    struct warp_err *);
static int	warp_state_psk_seen(struct warp_db *,
		    const struct warp_state_peer *);
static int	warp_state_snapshot_begin(struct warp_db *, int *,
		    struct warp_err *);
static void	warp_state_snapshot_end(struct warp_db *, int, int);
static int	warp_state_endpoints_read(struct warp_db *,
		    const struct warp_network *, int, int64_t, const int64_t *,
		    size_t, struct warp_state_peer **, size_t *,
		    struct warp_err *);
static int	warp_state_key_check(const struct warp_network *,
		    const uint8_t [WARP_KEY_LEN], uint8_t [WARP_KEY_LEN],
		    struct warp_err *);
static int	warp_state_status_put(struct warp_db *,
		    const struct warp_state_status *, size_t, int,
		    struct warp_err *);
static int	warp_state_int64(struct warp_db *, const char *, int64_t *,
		    struct warp_err *);
static void	*warp_state_grow(void *, size_t, size_t *, size_t);

/* What a re-validation found wrong with a stored row, as its status says. */
#define WARP_STATE_BAD		"in the database: "
/* The sealing context of an endpoint's preshared key. */
#define WARP_STATE_PSK_COLUMN	"endpoints.preshared_key"
#define WARP_STATE_NETKEY_COLUMN "networks.private_key"
/* How much of the file the reconciler maps (256 MiB: 1,000,000 peers). */
#define WARP_STATE_MMAP		"268435456"
/* A first size of a network's arrays believed up to this many rows. */
#define WARP_STATE_HINT_MAX	1000000

static void
warp_state_peer_allowed(struct warp_state_peer *sp,
    const struct warp_endpoint *ep, int peer_lans)
{
	size_t	j;

	sp->allowed[0].addr = ep->overlay_ip;
	sp->allowed[0].len = 32;
	sp->nallowed = 1;
	if (!peer_lans || ep->kind == WARP_EP_MOBILE)
		return;
	for (j = 0; j < ep->nlans && j < WARP_MAX_LANS; j++) {
		sp->allowed[sp->nallowed] = ep->lans[j];
		sp->allowed[sp->nallowed].addr &=
		    warp_cidr_mask(ep->lans[j].len);
		sp->nallowed++;
	}
}

/* An endpoint whose row fails its check: failed, and no peer for it. */
static void
warp_state_peer_bad(void *arg, size_t i, const char *msg)
{
	struct warp_state_peer	*sp = &((struct warp_state_peer *)arg)[i];

	if (!sp->failed)
		(void)snprintf(sp->error, sizeof(sp->error), "%s%.*s",
		    WARP_STATE_BAD, (int)(sizeof(sp->error) -
		    sizeof(WARP_STATE_BAD)), msg);
	sp->failed = 1;
	sp->active = 0;
}

/*
 * The stored public key must be the private key's (configs carry it);
 * pub: the public key.
 */
static int
warp_state_key_check(const struct warp_network *net,
    const uint8_t priv[WARP_KEY_LEN], uint8_t pub[WARP_KEY_LEN],
    struct warp_err *err)
{
	uint8_t	have[WARP_KEY_LEN];
	int	same;

	if (warp_key_public(priv, pub) == -1 ||
	    warp_key_from_base64(net->public_key, have) == -1)
		return (warp_err_input(err, WARP_STATE_BAD "the network's keys "
		    "are not a WireGuard keypair"));
	same = sodium_memcmp(pub, have, WARP_KEY_LEN) == 0;
	if (!same)
		return (warp_err_input(err, WARP_STATE_BAD "the network's public "
		    "key is not its private key's"));
	return (0);
}

/*
 * One read transaction for the rows an apply reads: one consistent
 * snapshot, and sqlite takes its lock and checks the file once, not once
 * per endpoint's key (a WAL reader blocks no writer).  Inside a
 * transaction already (*began 0), that one is the snapshot.
 */
static void
warp_state_map(struct warp_db *db)
{
	struct warp_err	e2;

	if (!db->reads_mapped && db->has_master_key) {
		/*
		 * The reconciler reads most of the file: mapped, a page is
		 * a memory read, not a pread(2) each (1,300 of them for a
		 * dry run of 10,000 peers; costly where system calls are,
		 * as under emulation).  Root's handle only: no worker's
		 * seccomp filter to satisfy.  Best effort.
		 */
		(void)warp_db_exec(db, "PRAGMA mmap_size = " WARP_STATE_MMAP,
		    &e2);
		db->reads_mapped = 1;
	}
}

/* The whole load of a full apply in one snapshot (warp_state.h). */
void
warp_state_read_begin(struct warp_db *db)
{
	warp_state_map(db);
	warp_db_read_begin(db);
}

void
warp_state_read_end(struct warp_db *db)
{
	warp_db_read_end(db);
}

static int
warp_state_snapshot_begin(struct warp_db *db, int *began, struct warp_err *err)
{
	*began = 0;
	warp_state_map(db);
	if (db->txn_depth > 0 || db->read_txn)
		return (0);
	if (warp_db_exec(db, "BEGIN DEFERRED", err) == -1)
		return (-1);
	db->txn_depth++;	/* a nested begin is a savepoint */
	*began = 1;
	return (0);
}

static void
warp_state_snapshot_end(struct warp_db *db, int began, int rc)
{
	struct warp_err	e2;

	if (!began)
		return;
	db->txn_depth--;
	(void)warp_db_exec(db, rc == -1 ? "ROLLBACK" : "COMMIT", &e2);
}

int
warp_state_network_load(struct warp_db *db, const struct warp_network *net,
    int peer_lans, int64_t now, struct warp_state_netkey *nk,
    struct warp_state_peer **out, size_t *nout, struct warp_err *err)
{
	int	began, rc;

	*out = NULL;
	*nout = 0;
	if (warp_state_snapshot_begin(db, &began, err) == -1)
		return (-1);
	rc = warp_state_network_read(db, net, peer_lans, now, nk, out, nout,
	    err);
	warp_state_snapshot_end(db, began, rc);
	return (rc);
}

int
warp_state_endpoints_load(struct warp_db *db, const struct warp_network *net,
    int peer_lans, int64_t now, const int64_t *ids, size_t nids,
    struct warp_state_peer **out, size_t *nout, struct warp_err *err)
{
	int	began, rc;

	*out = NULL;
	*nout = 0;
	if (warp_state_snapshot_begin(db, &began, err) == -1)
		return (-1);
	rc = warp_state_endpoints_read(db, net, peer_lans, now, ids, nids,
	    out, nout, err);
	warp_state_snapshot_end(db, began, rc);
	return (rc);
}

/* One endpoint's peer: public key, allowed IPs, whether it is wanted. */
static void
warp_state_peer_fill(struct warp_state_peer *sp, const struct warp_endpoint *ep,
    int peer_lans, int64_t now)
{
	sp->endpoint_id = ep->id;
	(void)snprintf(sp->name, sizeof(sp->name), "%s", ep->name);
	sp->active = warp_endpoint_is_active(ep, now);
	if (warp_key_from_base64(ep->public_key, sp->public_key) == -1) {
		sp->failed = 1;
		(void)snprintf(sp->error, sizeof(sp->error),
		    "invalid public key in the database");
		sp->active = 0;
	}
	warp_state_peer_allowed(sp, ep, peer_lans);
}

/* The same with its preshared key read now (the incremental apply). */
static void
warp_state_peer_make(struct warp_db *db, struct warp_state_peer *sp,
    const struct warp_endpoint *ep, int peer_lans, int64_t now)
{
	struct warp_err	e2;

	warp_state_peer_fill(sp, ep, peer_lans, now);
	if (sp->failed)
		return;
	if (warp_endpoint_psk(db, ep->id, sp->psk, &e2) == -1) {
		sp->failed = 1;
		sp->hold = 1;
		(void)snprintf(sp->error, sizeof(sp->error), "%.*s",
		    (int)sizeof(sp->error) - 1, e2.msg);
		return;
	}
	sp->psk_ready = 1;
}

static int
warp_state_ep_id_cmp(const void *key, const void *elem)
{
	int64_t	id = *(const int64_t *)key;
	int64_t	other = ((const struct warp_endpoint *)elem)->id;

	return (id < other ? -1 : id > other);
}

/* One row of the scan: the endpoint, and its sealed key and check. */
static int
warp_state_scan_row(sqlite3_stmt *st, const struct warp_network *net,
    struct warp_endpoint *e, struct warp_state_peer *sp)
{
	struct warp_err	 ignore;
	const void	*blob;
	int		 len;

	memset(e, 0, sizeof(*e));
	memset(sp, 0, sizeof(*sp));
	e->id = sqlite3_column_int64(st, 0);
	e->network_id = net->id;
	(void)snprintf(e->network_name, sizeof(e->network_name), "%s",
	    net->name);
	(void)snprintf(e->name, sizeof(e->name), "%s",
	    sqlite3_column_text(st, 1));
	/* As the endpoint list: a row it cannot parse is no endpoint. */
	if (warp_ep_kind_parse((const char *)sqlite3_column_text(st, 2),
	    &e->kind, &ignore) == -1 ||
	    warp_ip_parse((const char *)sqlite3_column_text(st, 3),
	    &e->overlay_ip, &ignore) == -1)
		return (-1);
	(void)snprintf(e->public_key, sizeof(e->public_key), "%s",
	    sqlite3_column_text(st, 4));
	e->enabled = sqlite3_column_int(st, 5);
	e->expires_at = sqlite3_column_int64(st, 6);
	blob = sqlite3_column_blob(st, 7);
	len = sqlite3_column_bytes(st, 7);
	if (blob != NULL && len > 0 && (size_t)len <= sizeof(sp->sealed)) {
		memcpy(sp->sealed, blob, (size_t)len);
		sp->nsealed = (size_t)len;
	}
	blob = sqlite3_column_blob(st, 8);
	if (blob != NULL && sqlite3_column_bytes(st, 8) ==
	    (int)sizeof(sp->check)) {
		memcpy(sp->check, blob, sizeof(sp->check));
		sp->has_check = 1;
	}
	return (0);
}

/*
 * How many endpoints network id has, as the page counts keep them
 * (migrations/0008_endpoint_blocks.sql): only a first size for the
 * arrays, which still grow past it (a worker could write any number).
 */
static size_t
warp_state_count_hint(struct warp_db *db, int64_t id)
{
	sqlite3_stmt	*st;
	struct warp_err	 e2;
	int64_t		 n = 0;

	if (warp_db_prepare_cached(db, &st, "SELECT coalesce(sum(endpoints), "
	    "0) FROM endpoint_blocks WHERE network_id = ?", &e2) == -1)
		return (0);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	warp_db_release(db, st);
	return (n > 0 && n <= WARP_STATE_HINT_MAX ? (size_t)n : 0);
}

/*
 * A network's endpoints with the columns a peer needs, in one query (the
 * endpoint list reads every column, with two subqueries a row, and one
 * query a row each for the LANs and the preshared key), sorted by id,
 * each with its sealed preshared key and its check beside it.
 */
static int
warp_state_scan(struct warp_db *db, const struct warp_network *net,
    struct warp_endpoint **eout, struct warp_state_peer **pout, size_t *nout,
    struct warp_err *err)
{
	sqlite3_stmt		*st;
	struct warp_endpoint	*eps = NULL;
	struct warp_state_peer	*peers = NULL;
	size_t			 n = 0, ecap = 0, pcap = 0;
	int			 rc;

	if (warp_db_prepare_cached(db, &st, "SELECT e.id, e.name, e.kind, "
	    "e.overlay_ip, e.public_key, e.enabled, coalesce(e.expires_at, 0), "
	    "e.preshared_key, c.mac FROM endpoints e LEFT JOIN "
	    "endpoint_psk_checks c ON c.endpoint_id = e.id "
	    "WHERE e.network_id = ? ORDER BY e.id", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, net->id);
	/* Sized once (10,000 rows of peers are 7 MB to copy as they grow). */
	if ((ecap = pcap = warp_state_count_hint(db, net->id)) > 0) {
		eps = warp_xcalloc(ecap, sizeof(*eps));
		peers = warp_xcalloc(pcap, sizeof(*peers));
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		eps = warp_state_grow(eps, n, &ecap, sizeof(*eps));
		peers = warp_state_grow(peers, n, &pcap, sizeof(*peers));
		if (warp_state_scan_row(st, net, &eps[n], &peers[n]) == 0)
			n++;
	}
	warp_db_release(db, st);
	if (rc != SQLITE_DONE) {
		free(eps);
		free(peers);
		return (warp_db_sqlerr(db, err, "listing endpoints"));
	}
	if (peers == NULL)
		peers = warp_xcalloc(1, sizeof(*peers));
	*eout = eps;
	*pout = peers;
	*nout = n;
	return (0);
}

/*
 * The LAN subnets of a network's endpoints (eps sorted by id), one query
 * for the network; at most WARP_MAX_LANS each, unparsable rows skipped
 * (as the endpoint's own load does; warp_endpoints_revalidate judges the
 * rows as stored).
 */
static int
warp_state_lans_read(struct warp_db *db, const struct warp_network *net,
    struct warp_endpoint *eps, size_t n, struct warp_err *err)
{
	sqlite3_stmt		*st;
	struct warp_endpoint	*e;
	struct warp_err		 ignore;
	int64_t			 id;
	int			 rc;

	if (warp_db_prepare_cached(db, &st, "SELECT l.endpoint_id, l.cidr "
	    "FROM endpoint_lans l JOIN endpoints e ON e.id = l.endpoint_id "
	    "WHERE e.network_id = ? ORDER BY l.endpoint_id, l.rowid",
	    err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, net->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		if ((e = bsearch(&id, eps, n, sizeof(*eps),
		    warp_state_ep_id_cmp)) == NULL || e->nlans >= WARP_MAX_LANS)
			continue;
		if (warp_cidr_parse((const char *)sqlite3_column_text(st, 1),
		    &e->lans[e->nlans], &ignore) == 0)
			e->nlans++;
	}
	warp_db_release(db, st);
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "reading subnets"));
	return (0);
}

/*
 * The network's sealed private key and its check, not opened: a value
 * that cannot be a sealed key is left empty (nsealed 0), and opening it
 * says why (warp_state_netkey_resolve).
 */
static int
warp_state_netkey_read(struct warp_db *db, const struct warp_network *net,
    struct warp_state_netkey *nk, struct warp_err *err)
{
	sqlite3_stmt	*st;
	const void	*v;
	int		 len;

	memset(nk, 0, sizeof(*nk));
	nk->network_id = net->id;
	/* Once per network in the reconciler's load: kept prepared. */
	if (warp_db_prepare_cached(db, &st, "SELECT n.private_key, c.mac "
	    "FROM networks n LEFT JOIN network_key_checks c ON "
	    "c.network_id = n.id WHERE n.id = ?1", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, net->id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		warp_db_release(db, st);
		return (warp_err_set(err, WARP_ENOTFOUND, "no network with id "
		    "%lld", (long long)net->id));
	}
	v = sqlite3_column_blob(st, 0);
	len = sqlite3_column_bytes(st, 0);
	if (v != NULL && len > 0 && (size_t)len <= sizeof(nk->sealed)) {
		memcpy(nk->sealed, v, (size_t)len);
		nk->nsealed = (size_t)len;
	}
	v = sqlite3_column_blob(st, 1);
	if (v != NULL && sqlite3_column_bytes(st, 1) == WARP_STATE_CHECK_LEN) {
		memcpy(nk->check, v, WARP_STATE_CHECK_LEN);
		nk->has_check = 1;
	}
	warp_db_release(db, st);
	return (0);
}

static int
warp_state_network_read(struct warp_db *db, const struct warp_network *net,
    int peer_lans, int64_t now, struct warp_state_netkey *nk,
    struct warp_state_peer **out, size_t *nout, struct warp_err *err)
{
	struct warp_endpoint	*eps = NULL;
	struct warp_state_peer	*peers = NULL;
	size_t			 neps = 0, i;

	if (warp_state_netkey_read(db, net, nk, err) == -1 ||
	    warp_state_scan(db, net, &eps, &peers, &neps, err) == -1)
		return (-1);
	if (peer_lans && warp_state_lans_read(db, net, eps, neps, err) == -1)
		goto fail;
	for (i = 0; i < neps; i++)
		warp_state_peer_fill(&peers[i], &eps[i], peer_lans, now);
	if (warp_endpoints_revalidate(db, net, eps, neps, warp_state_peer_bad,
	    peers, err) == -1)
		goto fail;
	free(eps);
	*out = peers;
	*nout = neps;
	return (0);
fail:
	free(eps);
	warp_state_peers_free(peers, neps);
	return (-1);
}

/*
 * The named endpoints' rows, one get each: O(endpoints named), not the
 * network's size.  1 (err says why) where the whole network's load is
 * the one that can judge them.
 */
static int
warp_state_endpoints_read(struct warp_db *db, const struct warp_network *net,
    int peer_lans, int64_t now, const int64_t *ids, size_t nids,
    struct warp_state_peer **out, size_t *nout, struct warp_err *err)
{
	struct warp_endpoint	*eps;
	struct warp_state_peer	*peers;
	struct warp_err		 e2;
	size_t			 n = 0, i;
	int			 ret = 1;

	eps = warp_xcalloc(nids + 1, sizeof(*eps));
	peers = warp_xcalloc(nids + 1, sizeof(*peers));
	for (i = 0; i < nids; i++) {
		if (warp_endpoint_get_id(db, ids[i], &eps[n], &e2) == -1) {
			if (e2.kind == WARP_ENOTFOUND)
				continue;	/* deleted: no peer */
			warp_err_system(err, "endpoint %lld: %s",
			    (long long)ids[i], e2.msg);
			goto out;
		}
		if (eps[n].network_id != net->id) {
			warp_err_system(err, "endpoint %s is in another "
			    "network now", eps[n].name);
			goto out;
		}
		if (eps[n].nlans > 0) {
			warp_err_system(err, "endpoint %s has LAN subnets",
			    eps[n].name);
			goto out;
		}
		warp_state_peer_make(db, &peers[n], &eps[n], peer_lans, now);
		n++;
	}
	warp_endpoints_revalidate_rows(net, eps, n, warp_state_peer_bad,
	    peers);
	*out = peers;
	*nout = n;
	peers = NULL;
	ret = 0;
out:
	warp_state_peers_free(peers, nids + 1);
	free(eps);
	return (ret);
}

/* A sealed key of column opened into key (the column is the context). */
static int
warp_state_key_open(struct warp_db *db, const char *column,
    const uint8_t *sealed, size_t nsealed, uint8_t key[WARP_KEY_LEN],
    struct warp_err *err)
{
	uint8_t	*plain = NULL;
	size_t	 len = 0;

	if (warp_unseal(db, column, nsealed > 0 ? sealed : NULL, nsealed,
	    &plain, &len, err) == -1)
		return (-1);
	if (len != WARP_KEY_LEN) {
		warp_secret_free(plain, len + 1);
		return (warp_err_system(err, "a stored key (%s) is damaged",
		    column));
	}
	memcpy(key, plain, WARP_KEY_LEN);
	warp_secret_free(plain, len + 1);
	return (0);
}

/* The stored preshared key opened. */
static int
warp_state_psk_open(struct warp_db *db, struct warp_state_peer *sp,
    struct warp_err *err)
{
	if (warp_state_key_open(db, WARP_STATE_PSK_COLUMN, sp->sealed,
	    sp->nsealed, sp->psk, err) == -1)
		return (-1);
	sp->psk_ready = 1;
	return (0);
}

/* Does the stored check say the sealed value opens to the kernel's key? */
static int
warp_state_psk_seen(struct warp_db *db, const struct warp_state_peer *sp)
{
	uint8_t	mac[WARP_SEAL_CHECK_LEN];
	int	same;

	if (sp->kernel_psk == NULL || !sp->has_check || sp->nsealed == 0 ||
	    warp_seal_check(db, WARP_SEAL_PSK, sp->endpoint_id, sp->sealed,
	    sp->nsealed, sp->kernel_psk, mac) == -1)
		return (0);
	same = sodium_memcmp(mac, sp->check, sizeof(mac)) == 0;
	sodium_memzero(mac, sizeof(mac));
	return (same);
}

size_t
warp_state_peers_psk(struct warp_db *db, struct warp_state_peer *peers,
    size_t n, size_t *nvouched, size_t *nfailed)
{
	struct warp_state_peer	*sp;
	struct warp_err		 e2;
	uint8_t			 mac[WARP_SEAL_CHECK_LEN];
	size_t			 i, opened = 0;

	*nvouched = *nfailed = 0;
	for (i = 0; i < n; i++) {
		sp = &peers[i];
		if (sp->psk_ready || !sp->active || sp->failed)
			continue;
		if (warp_state_psk_seen(db, sp)) {
			memcpy(sp->psk, sp->kernel_psk, WARP_KEY_LEN);
			sp->psk_ready = 1;
			(*nvouched)++;
			continue;
		}
		opened++;
		if (warp_state_psk_open(db, sp, &e2) == -1) {
			sp->failed = 1;
			sp->hold = 1;
			(void)snprintf(sp->error, sizeof(sp->error), "%.*s",
			    (int)sizeof(sp->error) - 1, e2.msg);
			(*nfailed)++;
			continue;
		}
		if (warp_seal_check(db, WARP_SEAL_PSK, sp->endpoint_id,
		    sp->sealed, sp->nsealed, sp->psk, mac) == 0 &&
		    (!sp->has_check ||
		    sodium_memcmp(mac, sp->check, sizeof(mac)) != 0)) {
			memcpy(sp->check, mac, sizeof(mac));
			sp->has_check = 1;
			sp->check_new = 1;
		}
	}
	sodium_memzero(mac, sizeof(mac));
	return (opened);
}

/* One check to store: the row's id and its mac. */
struct warp_state_check_row {
	int64_t		 id;
	const uint8_t	*mac;
};

/*
 * Store n checks by sql (?1 the id, ?2 the mac: a row whose object is
 * gone is skipped by the statement) in one transaction; nothing to do,
 * no transaction.
 */
static int
warp_state_checks_put(struct warp_db *db, const char *sql, const char *what,
    const struct warp_state_check_row *rows, size_t n, struct warp_err *err)
{
	sqlite3_stmt	*st = NULL;
	size_t		 i;

	if (n == 0)
		return (0);
	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_db_prepare(db, &st, sql, err) == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, rows[i].id);
		sqlite3_bind_blob(st, 2, rows[i].mac, WARP_STATE_CHECK_LEN,
		    SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			warp_db_sqlerr(db, err, what);
			goto fail;
		}
	}
	sqlite3_finalize(st);
	return (warp_db_commit(db, err));
fail:
	if (st != NULL)
		sqlite3_finalize(st);
	warp_db_rollback(db);
	return (-1);
}

int
warp_state_psk_checks_store(struct warp_db *db,
    const struct warp_state_peer *peers, size_t n, struct warp_err *err)
{
	struct warp_state_check_row	*rows;
	size_t				 i, m = 0;
	int				 ret;

	for (i = 0; i < n && !peers[i].check_new; i++)
		;
	if (i == n)
		return (0);
	rows = warp_xcalloc(n - i, sizeof(*rows));
	for (; i < n; i++) {
		if (!peers[i].check_new)
			continue;
		rows[m].id = peers[i].endpoint_id;
		rows[m++].mac = peers[i].check;
	}
	ret = warp_state_checks_put(db, "INSERT OR REPLACE INTO "
	    "endpoint_psk_checks (endpoint_id, mac) SELECT id, ?2 FROM "
	    "endpoints WHERE id = ?1", "storing preshared key checks", rows,
	    m, err);
	free(rows);
	return (ret);
}

/* Does the stored check say the sealed key opens to kernel_pub's? */
static int
warp_state_netkey_seen(struct warp_db *db, const struct warp_network *net,
    const struct warp_state_netkey *nk, const uint8_t *kernel_pub)
{
	uint8_t	have[WARP_KEY_LEN], mac[WARP_SEAL_CHECK_LEN];
	int	same;

	if (kernel_pub == NULL || !nk->has_check || nk->nsealed == 0 ||
	    warp_key_from_base64(net->public_key, have) == -1 ||
	    sodium_memcmp(have, kernel_pub, WARP_KEY_LEN) != 0 ||
	    warp_seal_check(db, WARP_SEAL_NETKEY, nk->network_id, nk->sealed,
	    nk->nsealed, kernel_pub, mac) == -1)
		return (0);
	same = sodium_memcmp(mac, nk->check, sizeof(mac)) == 0;
	sodium_memzero(mac, sizeof(mac));
	return (same);
}

int
warp_state_netkey_resolve(struct warp_db *db, const struct warp_network *net,
    struct warp_state_netkey *nk, const uint8_t *kernel_pub,
    struct warp_err *err)
{
	uint8_t	pub[WARP_KEY_LEN], mac[WARP_SEAL_CHECK_LEN];

	if (nk->key_ready)
		return (0);
	if (warp_state_netkey_seen(db, net, nk, kernel_pub))
		return (1);
	if (warp_state_key_open(db, WARP_STATE_NETKEY_COLUMN, nk->sealed,
	    nk->nsealed, nk->key, err) == -1)
		return (-1);
	if (warp_state_key_check(net, nk->key, pub, err) == -1) {
		sodium_memzero(nk->key, sizeof(nk->key));
		return (-1);
	}
	nk->key_ready = 1;
	if (warp_seal_check(db, WARP_SEAL_NETKEY, nk->network_id, nk->sealed,
	    nk->nsealed, pub, mac) == 0 && (!nk->has_check ||
	    sodium_memcmp(mac, nk->check, sizeof(mac)) != 0)) {
		memcpy(nk->check, mac, sizeof(mac));
		nk->has_check = 1;
		nk->check_new = 1;
	}
	sodium_memzero(mac, sizeof(mac));
	return (0);
}

int
warp_state_netkey_checks_store(struct warp_db *db,
    const struct warp_state_netkey *const *keys, size_t n,
    struct warp_err *err)
{
	struct warp_state_check_row	*rows;
	size_t				 i, m = 0;
	int				 ret;

	rows = warp_xcalloc(n + 1, sizeof(*rows));
	for (i = 0; i < n; i++) {
		if (!keys[i]->check_new)
			continue;
		rows[m].id = keys[i]->network_id;
		rows[m++].mac = keys[i]->check;
	}
	ret = warp_state_checks_put(db, "INSERT OR REPLACE INTO "
	    "network_key_checks (network_id, mac) SELECT id, ?2 FROM "
	    "networks WHERE id = ?1", "storing network key checks", rows, m,
	    err);
	free(rows);
	return (ret);
}

void
warp_state_netkey_free(struct warp_state_netkey *nk)
{
	explicit_bzero(nk, sizeof(*nk));
}

void
warp_state_peers_free(struct warp_state_peer *peers, size_t n)
{
	if (peers == NULL)
		return;
	explicit_bzero(peers, n * sizeof(*peers));
	free(peers);
}

int
warp_apply_status_store(struct warp_db *db,
    const struct warp_state_status *rows, size_t n, struct warp_err *err)
{
	return (warp_state_status_put(db, rows, n, 1, err));
}

int
warp_apply_status_store_some(struct warp_db *db,
    const struct warp_state_status *rows, size_t n, struct warp_err *err)
{
	return (warp_state_status_put(db, rows, n, 0, err));
}

/* Order of apply status rows: by type, then id (the table's key). */
static int
warp_state_status_cmp(const void *a, const void *b)
{
	const struct warp_state_status	*x = *(const struct warp_state_status *const *)a;
	const struct warp_state_status	*y = *(const struct warp_state_status *const *)b;
	int				 c;

	if ((c = strcmp(x->type, y->type)) != 0)
		return (c);
	return (x->id < y->id ? -1 : x->id > y->id);
}

/* One row: inserted, or updated when its status or error differs. */
static int
warp_state_status_upsert(struct warp_db *db, sqlite3_stmt **st,
    const struct warp_state_status *row, struct warp_err *err)
{
	if (*st == NULL && warp_db_prepare(db, st, "INSERT INTO apply_status "
	    "(object_type, object_id, status, error, updated_at) "
	    "VALUES (?, ?, ?, ?, unixepoch()) "
	    "ON CONFLICT (object_type, object_id) DO UPDATE SET "
	    "status = excluded.status, error = excluded.error, "
	    "updated_at = excluded.updated_at "
	    "WHERE status != excluded.status OR error != excluded.error",
	    err) == -1)
		return (-1);
	sqlite3_reset(*st);
	sqlite3_bind_text(*st, 1, row->type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(*st, 2, row->id);
	sqlite3_bind_text(*st, 3, row->status, -1, SQLITE_STATIC);
	sqlite3_bind_text(*st, 4, row->error, -1, SQLITE_STATIC);
	if (sqlite3_step(*st) != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "storing apply status"));
	return (0);
}

/* A stored row no row of this apply names: dropped if its object is gone. */
static int
warp_state_status_prune(struct warp_db *db, sqlite3_stmt **st,
    const char *type, int64_t id, struct warp_err *err)
{
	if (strcmp(type, "network") != 0 && strcmp(type, "endpoint") != 0)
		return (0);
	if (*st == NULL && warp_db_prepare(db, st, "DELETE FROM apply_status "
	    "WHERE object_type = ?1 AND object_id = ?2 AND NOT EXISTS "
	    "(SELECT 1 FROM networks WHERE ?1 = 'network' AND id = ?2) AND "
	    "NOT EXISTS (SELECT 1 FROM endpoints WHERE ?1 = 'endpoint' AND "
	    "id = ?2)", err) == -1)
		return (-1);
	sqlite3_reset(*st);
	sqlite3_bind_text(*st, 1, type, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(*st, 2, id);
	if (sqlite3_step(*st) != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "dropping old apply status"));
	return (0);
}

/*
 * The whole apply's rows against the stored ones, in key order: one scan
 * of the table, and a write only where a status or an error changed, a
 * row is new, or a row's object is gone.  A no-op apply of 10,000 peers
 * writes nothing (it used to try 10,000 upserts and prune through a
 * NOT IN of every endpoint).
 */
static int
warp_state_status_merge(struct warp_db *db,
    const struct warp_state_status *rows, size_t n, struct warp_err *err)
{
	const struct warp_state_status	**ord, *kp;
	struct warp_state_status	 key;
	sqlite3_stmt			*sc = NULL, *up = NULL, *dl = NULL;
	const char			*type, *status, *error;
	size_t				 i = 0;
	int				 rc = -1, c, step;

	ord = warp_xcalloc(n + 1, sizeof(*ord));
	for (i = 0; i < n; i++)
		ord[i] = &rows[i];
	qsort(ord, n, sizeof(*ord), warp_state_status_cmp);
	if (warp_db_prepare(db, &sc, "SELECT object_type, object_id, status, "
	    "error FROM apply_status ORDER BY object_type, object_id",
	    err) == -1)
		goto out;
	i = 0;
	step = sqlite3_step(sc);
	while (step == SQLITE_ROW || i < n) {
		c = -1;		/* no stored row left: ours is new */
		if (step == SQLITE_ROW) {
			type = (const char *)sqlite3_column_text(sc, 0);
			key.type = type != NULL ? type : "";
			key.id = sqlite3_column_int64(sc, 1);
			kp = &key;
			c = i < n ? warp_state_status_cmp(&ord[i], &kp) : 1;
		}
		if (c < 0) {
			if (warp_state_status_upsert(db, &up, ord[i++],
			    err) == -1)
				goto out;
			continue;
		}
		if (c > 0) {
			if (warp_state_status_prune(db, &dl, key.type, key.id,
			    err) == -1)
				goto out;
		} else {
			status = (const char *)sqlite3_column_text(sc, 2);
			error = (const char *)sqlite3_column_text(sc, 3);
			if ((status == NULL || strcmp(status,
			    ord[i]->status) != 0 || strcmp(error != NULL ?
			    error : "", ord[i]->error) != 0) &&
			    warp_state_status_upsert(db, &up, ord[i],
			    err) == -1)
				goto out;
			i++;
		}
		step = sqlite3_step(sc);
	}
	if (step != SQLITE_DONE && step != SQLITE_ROW) {
		warp_db_sqlerr(db, err, "reading apply status");
		goto out;
	}
	rc = 0;
out:
	if (sc != NULL)
		sqlite3_finalize(sc);
	if (up != NULL)
		sqlite3_finalize(up);
	if (dl != NULL)
		sqlite3_finalize(dl);
	free(ord);
	return (rc);
}

static int
warp_state_status_put(struct warp_db *db,
    const struct warp_state_status *rows, size_t n, int prune,
    struct warp_err *err)
{
	sqlite3_stmt	*st = NULL;
	size_t		 i;

	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (prune) {
		if (warp_state_status_merge(db, rows, n, err) == -1)
			goto out;
	} else {
		for (i = 0; i < n; i++)
			if (warp_state_status_upsert(db, &st, &rows[i],
			    err) == -1)
				goto out;
	}
	if (st != NULL)
		sqlite3_finalize(st);
	st = NULL;
	if (warp_db_commit(db, err) == -1)
		goto out;
	return (0);
out:
	if (st != NULL)
		sqlite3_finalize(st);
	warp_db_rollback(db);
	return (-1);
}

int
warp_state_stats_store(struct warp_db *db,
    const struct warp_state_stats *rows, size_t n, struct warp_err *err)
{
	sqlite3_stmt	*s;
	size_t		 i;

	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_db_prepare(db, &s, "INSERT INTO endpoint_stats "
	    "(endpoint_id, last_handshake, rx_bytes, tx_bytes, "
	    "remote_endpoint, updated_at) VALUES (?, ?, ?, ?, ?, unixepoch()) "
	    "ON CONFLICT (endpoint_id) DO UPDATE SET "
	    "last_handshake = excluded.last_handshake, "
	    "rx_bytes = excluded.rx_bytes, tx_bytes = excluded.tx_bytes, "
	    "remote_endpoint = excluded.remote_endpoint, "
	    "updated_at = excluded.updated_at", err) == -1) {
		warp_db_rollback(db);
		return (-1);
	}
	for (i = 0; i < n; i++) {
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, rows[i].endpoint_id);
		sqlite3_bind_int64(s, 2, rows[i].last_handshake);
		sqlite3_bind_int64(s, 3, (sqlite3_int64)rows[i].rx_bytes);
		sqlite3_bind_int64(s, 4, (sqlite3_int64)rows[i].tx_bytes);
		sqlite3_bind_text(s, 5, rows[i].remote, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE) {
			warp_db_sqlerr(db, err, "storing endpoint stats");
			sqlite3_finalize(s);
			warp_db_rollback(db);
			return (-1);
		}
	}
	sqlite3_finalize(s);
	if (warp_db_commit(db, err) == -1) {
		warp_db_rollback(db);
		return (-1);
	}
	return (0);
}

int
warp_state_apply_lock(struct warp_db *db)
{
	char	path[PATH_MAX];
	int	fd;

	if (db->path == NULL) {
		errno = EINVAL;
		return (-1);
	}
	if (snprintf(path, sizeof(path), "%s.apply-lock", db->path) >=
	    (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1)
		return (-1);
	if (flock(fd, LOCK_EX) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

const char *
warp_state_db_name(struct warp_db *db)
{
	return (db->path != NULL ? db->path : "db");
}

/* Room for one more of n rows of size each in v (*cap of them now). */
static void *
warp_state_grow(void *v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return (v);
	*cap = *cap ? *cap * 2 : 16;
	if ((v = reallocarray(v, *cap, size)) == NULL)
		warp_fatal("reallocarray");
	return (v);
}

/* One integer from a query of one row (0 when it returns none). */
static int
warp_state_int64(struct warp_db *db, const char *sql, int64_t *out,
    struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	*out = 0;
	if (warp_db_prepare(db, &st, sql, err) == -1)
		return (-1);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "reading the change journal"));
	return (0);
}

/* A row of a traffic table's trigger (0005_change_journal.sql). */
#define WARP_JOURNAL_TRAFFIC_ROW \
	"(endpoint_id IS NULL AND network_id IS NOT NULL AND " \
	"what GLOB '* traffic')"

/*
 * The newest sequence first: a change committed after it has a larger
 * one and waits for the next read.  A row's network_id is whatever a
 * writer put there; the reconciler looks the network up itself.
 */
int
warp_state_journal_read(struct warp_db *db, int64_t *applied, int64_t *upto,
    struct warp_state_change **out, size_t *nout, struct warp_err *err)
{
	struct warp_state_change	*rows = NULL;
	sqlite3_stmt			*st;
	size_t				 n = 0, cap = 0;
	int				 rc;

	if (out != NULL) {
		*out = NULL;
		*nout = 0;
	}
	/* An empty journal (trimmed): nothing after what was applied. */
	if (warp_state_int64(db, "SELECT COALESCE((SELECT MAX(seq) FROM "
	    "change_journal), (SELECT seq FROM journal_applied WHERE id = 1), "
	    "0)", upto, err) == -1 ||
	    warp_state_int64(db, "SELECT seq FROM journal_applied WHERE id = 1",
	    applied, err) == -1)
		return (-1);
	if (out == NULL || *applied >= *upto)
		return (0);
	/*
	 * The traffic tables' rows (0005) are shared, name no endpoint and
	 * say "traffic"; the endpoint rows say so in their own column (0013).
	 */
	if (warp_db_prepare(db, &st, "SELECT COALESCE(network_id, 0), "
	    "MAX(shared != 0 AND NOT " WARP_JOURNAL_TRAFFIC_ROW "), "
	    "MIN(endpoint_id IS NOT NULL), MAX(traffic != 0 OR "
	    WARP_JOURNAL_TRAFFIC_ROW ") FROM change_journal WHERE seq > ?1 "
	    "AND seq <= ?2 GROUP BY COALESCE(network_id, 0) ORDER BY 1",
	    err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, *applied);
	sqlite3_bind_int64(st, 2, *upto);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rows = warp_state_grow(rows, n, &cap, sizeof(*rows));
		rows[n].network_id = sqlite3_column_int64(st, 0);
		if (rows[n].network_id < 0)
			rows[n].network_id = 0;
		rows[n].shared = sqlite3_column_int(st, 1) != 0;
		rows[n].by_endpoint = sqlite3_column_int(st, 2) != 0;
		rows[n++].traffic = sqlite3_column_int(st, 3) != 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(rows);
		return (warp_db_sqlerr(db, err, "reading the change journal"));
	}
	*out = rows;
	*nout = n;
	return (0);
}

/*
 * A key a writer put there that is no WireGuard key is no key, an
 * address that is no IPv4 address none: the periodic full apply removes
 * whatever peer or port it would have named.
 */
int
warp_state_journal_endpoints(struct warp_db *db, int64_t applied,
    int64_t upto, int64_t network_id, struct warp_state_epchange **out,
    size_t *nout, struct warp_err *err)
{
	struct warp_state_epchange	*rows = NULL;
	struct warp_err			 e2;
	sqlite3_stmt			*st;
	const char			*key, *ip;
	size_t				 n = 0, cap = 0;
	int				 rc;

	*out = NULL;
	*nout = 0;
	if (warp_db_prepare(db, &st, "SELECT endpoint_id, old_public_key, "
	    "old_overlay_ip FROM change_journal WHERE seq > ?1 AND "
	    "seq <= ?2 AND network_id = ?3 AND endpoint_id IS NOT NULL "
	    "GROUP BY endpoint_id, old_public_key, old_overlay_ip "
	    "ORDER BY endpoint_id", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, applied);
	sqlite3_bind_int64(st, 2, upto);
	sqlite3_bind_int64(st, 3, network_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rows = warp_state_grow(rows, n, &cap, sizeof(*rows));
		memset(&rows[n], 0, sizeof(rows[n]));
		rows[n].endpoint_id = sqlite3_column_int64(st, 0);
		key = (const char *)sqlite3_column_text(st, 1);
		rows[n].has_old = key != NULL &&
		    warp_key_from_base64(key, rows[n].old_key) == 0;
		ip = (const char *)sqlite3_column_text(st, 2);
		if (ip == NULL || warp_ip_parse(ip, &rows[n].old_overlay,
		    &e2) == -1)
			rows[n].old_overlay = 0;
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(rows);
		return (warp_db_sqlerr(db, err, "reading the change journal"));
	}
	*out = rows;
	*nout = n;
	return (0);
}

static int
warp_state_id_cmp(const void *a, const void *b)
{
	const int64_t	*x = a, *y = b;

	return (*x < *y ? -1 : *x > *y);
}

/*
 * An endpoint row names its endpoint in endpoint_id (0009); a row of an
 * endpoint's own limits (0005) in its text, "endpoint N traffic".  Any
 * other row -- a network's defaults ("network traffic"), or one no
 * trigger writes -- names none, and the whole network's limits may
 * differ: 1.  A forged N names an endpoint that is looked at for
 * nothing, or one of another network, which the load refuses.
 */
int
warp_state_journal_traffic_ids(struct warp_db *db, int64_t applied,
    int64_t upto, int64_t network_id, int64_t **out, size_t *nout,
    struct warp_err *err)
{
	sqlite3_stmt	*st;
	int64_t		*ids = NULL;
	const char	*what;
	long long	 id;
	size_t		 n = 0, cap = 0, i, j;
	int		 rc, end, ret = 0;

	*out = NULL;
	*nout = 0;
	if (warp_db_prepare(db, &st, "SELECT endpoint_id, what FROM "
	    "change_journal WHERE seq > ?1 AND seq <= ?2 AND network_id = ?3",
	    err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, applied);
	sqlite3_bind_int64(st, 2, upto);
	sqlite3_bind_int64(st, 3, network_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			id = sqlite3_column_int64(st, 0);
		else {
			what = (const char *)sqlite3_column_text(st, 1);
			end = 0;
			if (what == NULL || sscanf(what, "endpoint %lld "
			    "traffic%n", &id, &end) != 1 || end == 0 ||
			    what[end] != '\0' || id <= 0) {
				ret = 1;
				break;
			}
		}
		ids = warp_state_grow(ids, n, &cap, sizeof(*ids));
		ids[n++] = (int64_t)id;
	}
	sqlite3_finalize(st);
	if (ret == 0 && rc != SQLITE_DONE) {
		free(ids);
		return (warp_db_sqlerr(db, err, "reading the change journal"));
	}
	if (ret == 1) {
		free(ids);
		return (1);
	}
	if (n > 0)
		qsort(ids, n, sizeof(*ids), warp_state_id_cmp);
	for (i = j = 0; i < n; i++)
		if (j == 0 || ids[j - 1] != ids[i])
			ids[j++] = ids[i];
	*out = ids;
	*nout = j;
	return (0);
}

int
warp_state_journal_applied(struct warp_db *db, int64_t seq,
    struct warp_err *err)
{
	sqlite3_stmt	*st = NULL;

	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_db_prepare(db, &st, "INSERT INTO journal_applied (id, seq) "
	    "VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq",
	    err) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, seq);
	if (sqlite3_step(st) != SQLITE_DONE) {
		warp_db_sqlerr(db, err, "recording the applied change");
		goto out;
	}
	sqlite3_finalize(st);
	if (warp_db_prepare(db, &st, "DELETE FROM change_journal WHERE "
	    "seq <= ?1", err) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, seq);
	if (sqlite3_step(st) != SQLITE_DONE) {
		warp_db_sqlerr(db, err, "trimming the change journal");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (warp_db_commit(db, err) == -1)
		goto out;
	return (0);
out:
	if (st != NULL)
		sqlite3_finalize(st);
	warp_db_rollback(db);
	return (-1);
}
