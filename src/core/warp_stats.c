/*
 * What the edges show beside the desired state: the counts of the
 * dashboard and of the status document, traffic per network, the stored
 * apply status of an object, what is not applied yet, and the audit log.
 * Read-only; the reconciler writes these tables (src/kernel), the core's
 * mutators mark objects pending (warp_db_mark_pending).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "warp.h"
#include "warp_db_int.h"
#include "warp_kernel.h"	/* struct warp_kernel_status: types only */

static int	warp_stats_int(struct warp_db *, const char *, int64_t,
		    int64_t *, struct warp_err *);
static void	warp_stats_apply_copy(struct warp_db *, const char *, int64_t,
		    char *, size_t, char *, size_t);

/* One number from a query with at most one integer parameter. */
static int
warp_stats_int(struct warp_db *db, const char *sql, int64_t arg, int64_t *v,
    struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	*v = 0;
	if (warp_db_prepare_cached(db, &st, sql, err) == -1)
		return (-1);
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, arg);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	warp_db_release(db, st);
	if (rc != SQLITE_ROW)
		return (warp_db_sqlerr(db, err, "counting"));
	return (0);
}

/*
 * The counts the dashboard and the status document show.  "Online" is a
 * handshake within WARP_ONLINE_SECS; "expired" counts enabled endpoints
 * past their expiry (disabled ones count as disabled).  Totals come from
 * the counters the schema's triggers keep (appliance_counts,
 * network_type_counts, apply_counts: migrations/0006 and 0010), so none
 * of them reads a row per network or per endpoint; online and expired
 * are index ranges of the endpoints that are so.
 */
int
warp_stats_get(struct warp_db *db, int64_t now, struct warp_stats *s,
    struct warp_err *err)
{
	static const struct {
		size_t		 off;
		const char	*sql;
		int		 arg;	/* 0: none, 1: now - online, 2: now */
	} q[] = {
		{ offsetof(struct warp_stats, networks),
		    "SELECT count(*) FROM networks", 0 },
		{ offsetof(struct warp_stats, online),
		    "SELECT count(*) FROM endpoint_stats s JOIN endpoints e ON "
		    "e.id = s.endpoint_id WHERE e.enabled = 1 AND "
		    "s.last_handshake >= ?", 1 },
		{ offsetof(struct warp_stats, expired),
		    "SELECT count(*) FROM endpoints WHERE enabled = 1 AND "
		    "expires_at IS NOT NULL AND expires_at > 0 AND "
		    "expires_at <= ?", 2 },
		{ offsetof(struct warp_stats, pending),
		    "SELECT coalesce(sum(n), 0) FROM apply_counts WHERE "
		    "status = 'pending'", 0 },
		{ offsetof(struct warp_stats, failed),
		    "SELECT coalesce(sum(n), 0) FROM apply_counts WHERE "
		    "status = 'failed'", 0 },
	};
	sqlite3_stmt	*st;
	size_t		 i;
	int64_t		 arg;
	int		 t, rc;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		arg = q[i].arg == 1 ? now - WARP_ONLINE_SECS : now;
		if (warp_stats_int(db, q[i].sql, arg,
		    (int64_t *)(void *)((char *)s + q[i].off), err) == -1)
			return (-1);
	}
	if (warp_db_prepare_cached(db, &st, "SELECT endpoints, disabled, "
	    "rx_bytes, tx_bytes FROM appliance_counts WHERE id = 1",
	    err) == -1)
		return (-1);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		s->endpoints = sqlite3_column_int64(st, 0);
		s->disabled = sqlite3_column_int64(st, 1);
		s->rx_bytes = sqlite3_column_int64(st, 2);
		s->tx_bytes = sqlite3_column_int64(st, 3);
	}
	warp_db_release(db, st);
	if (rc != SQLITE_ROW)
		return (warp_db_sqlerr(db, err, "reading the totals"));
	if (warp_db_prepare_cached(db, &st, "SELECT type, n FROM "
	    "network_type_counts", err) == -1)
		return (-1);
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (t = 0; t < WARP_NET_NTYPES; t++)
			if (strcmp((const char *)sqlite3_column_text(st, 0),
			    warp_net_type_name((enum warp_net_type)t)) == 0)
				s->by_type[t] = sqlite3_column_int64(st, 1);
	}
	warp_db_release(db, st);
	return (0);
}

/*
 * The endpoint count, the default rates and the stored apply status of
 * networks v[0..n): for a list's page (in id order) one statement over
 * their id range, not four per network.  f[i] is v[i]'s (zeros and
 * "" where no row is stored).
 */
int
warp_network_facts(struct warp_db *db, const struct warp_network *v,
    size_t n, struct warp_network_facts *f, struct warp_err *err)
{
	sqlite3_stmt	*st;
	const char	*s;
	size_t		 i;
	int64_t		 id;
	int		 rc;

	memset(f, 0, n * sizeof(*f));
	for (i = 0; i < n; i++)
		f[i].id = v[i].id;
	if (n == 0)
		return (0);
	for (i = 1; i < n; i++) {
		if (v[i].id > v[i - 1].id)
			continue;
		/* Not in id order: one range each. */
		for (i = 0; i < n; i++)
			if (warp_network_facts(db, &v[i], 1, &f[i], err) == -1)
				return (-1);
		return (0);
	}
	if (warp_db_prepare_cached(db, &st, "SELECT n.id, "
	    "coalesce(c.endpoints, 0), coalesce(t.default_down_bps, 0), "
	    "coalesce(t.default_up_bps, 0), a.status, a.error FROM networks n "
	    "LEFT JOIN network_counts c ON c.network_id = n.id "
	    "LEFT JOIN network_traffic t ON t.network_id = n.id "
	    "LEFT JOIN apply_status a ON a.object_type = 'network' AND "
	    "a.object_id = n.id WHERE n.id BETWEEN ?1 AND ?2 ORDER BY n.id",
	    err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, v[0].id);
	sqlite3_bind_int64(st, 2, v[n - 1].id);
	i = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		while (i < n && f[i].id < id)
			i++;
		if (i == n)
			break;
		if (f[i].id != id)
			continue;	/* a network of the range not listed */
		f[i].endpoints = (long)sqlite3_column_int64(st, 1);
		f[i].down_bps = (uint64_t)sqlite3_column_int64(st, 2);
		f[i].up_bps = (uint64_t)sqlite3_column_int64(st, 3);
		if ((s = (const char *)sqlite3_column_text(st, 4)) != NULL)
			(void)warp_strlcpy(f[i].apply_status, s,
			    sizeof(f[i].apply_status));
		if ((s = (const char *)sqlite3_column_text(st, 5)) != NULL)
			(void)warp_strlcpy(f[i].apply_error, s,
			    sizeof(f[i].apply_error));
	}
	warp_db_release(db, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "reading networks' counts"));
	return (0);
}

/* Stored apply status of one object; empty strings when none is stored. */
void
warp_apply_status_get(struct warp_db *db, const char *type, int64_t id,
    struct warp_apply_status *a)
{
	sqlite3_stmt	*st;
	struct warp_err	 err;
	const char	*s;

	memset(a, 0, sizeof(*a));
	(void)snprintf(a->object_type, sizeof(a->object_type), "%s", type);
	a->object_id = id;
	if (warp_db_prepare_cached(db, &st, "SELECT status, error, updated_at "
	    "FROM apply_status WHERE object_type = ? AND object_id = ?",
	    &err) == -1)
		return;
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		if ((s = (const char *)sqlite3_column_text(st, 0)) != NULL)
			(void)snprintf(a->status, sizeof(a->status), "%s", s);
		if ((s = (const char *)sqlite3_column_text(st, 1)) != NULL)
			(void)snprintf(a->error, sizeof(a->error), "%s", s);
		a->updated_at = sqlite3_column_int64(st, 2);
	}
	warp_db_release(db, st);
}

/* The most recent objects that are pending or failed. */
int
warp_apply_status_problems(struct warp_db *db, int limit, const char *except,
    struct warp_apply_status **out, size_t *count, struct warp_err *err)
{
	sqlite3_stmt		*st;
	struct warp_apply_status *a;
	const char		*s;
	size_t			 n = 0;

	*out = warp_xcalloc((size_t)limit + 1, sizeof(**out));
	*count = 0;
	/* Each status walks its own index range newest first and stops
	 * at the limit (apply_status_recent); the two are merged. */
	if (warp_db_prepare_cached(db, &st,
	    "SELECT * FROM (SELECT object_type, "
	    "object_id, status, error, updated_at FROM apply_status WHERE "
	    "status = 'pending' AND (?2 IS NULL OR "
	    "instr(coalesce(error, ''), ?2) = 0) ORDER BY updated_at DESC "
	    "LIMIT ?1) UNION ALL SELECT * FROM (SELECT object_type, "
	    "object_id, status, error, updated_at FROM apply_status WHERE "
	    "status = 'failed' AND (?2 IS NULL OR "
	    "instr(coalesce(error, ''), ?2) = 0) ORDER BY updated_at DESC "
	    "LIMIT ?1) ORDER BY 5 DESC LIMIT ?1", err) == -1) {
		free(*out);
		*out = NULL;
		return (-1);
	}
	sqlite3_bind_int(st, 1, limit);
	if (except != NULL)
		sqlite3_bind_text(st, 2, except, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW && n < (size_t)limit) {
		a = &(*out)[n++];
		if ((s = (const char *)sqlite3_column_text(st, 0)) != NULL)
			(void)snprintf(a->object_type, sizeof(a->object_type),
			    "%s", s);
		a->object_id = sqlite3_column_int64(st, 1);
		if ((s = (const char *)sqlite3_column_text(st, 2)) != NULL)
			(void)snprintf(a->status, sizeof(a->status), "%s", s);
		if ((s = (const char *)sqlite3_column_text(st, 3)) != NULL)
			(void)snprintf(a->error, sizeof(a->error), "%s", s);
		a->updated_at = sqlite3_column_int64(st, 4);
	}
	warp_db_release(db, st);
	*count = n;
	return (0);
}

/*
 * Traffic per network (the first `limit` by name) and, in *max, the
 * largest rx or tx sum of any network (the scale of the dashboard bars),
 * from the per-network sums the triggers keep (network_counts; the
 * largest is the last entry of its index network_counts_peak).
 */
int
warp_stats_traffic(struct warp_db *db, int limit,
    struct warp_net_traffic **out, size_t *count, int64_t *max,
    struct warp_err *err)
{
	sqlite3_stmt		*st;
	struct warp_net_traffic	*t;
	const char		*s;
	size_t			 n = 0;

	*out = NULL;
	*count = 0;
	if (warp_stats_int(db, "SELECT coalesce(max(max(rx_bytes, tx_bytes)), "
	    "0) FROM network_counts", 0, max, err) == -1)
		return (-1);
	if (warp_db_prepare_cached(db, &st, "SELECT n.id, n.name, "
	    "coalesce(c.rx_bytes, 0), coalesce(c.tx_bytes, 0) FROM "
	    "networks n LEFT JOIN network_counts c ON c.network_id = n.id "
	    "ORDER BY n.name LIMIT ?", err) == -1)
		return (-1);
	sqlite3_bind_int(st, 1, limit);
	*out = warp_xcalloc((size_t)limit + 1, sizeof(**out));
	while (sqlite3_step(st) == SQLITE_ROW && n < (size_t)limit) {
		t = &(*out)[n++];
		t->id = sqlite3_column_int64(st, 0);
		if ((s = (const char *)sqlite3_column_text(st, 1)) != NULL)
			(void)snprintf(t->name, sizeof(t->name), "%s", s);
		t->rx_bytes = sqlite3_column_int64(st, 2);
		t->tx_bytes = sqlite3_column_int64(st, 3);
	}
	warp_db_release(db, st);
	*count = n;
	return (0);
}

/*
 * The audit log, newest first: entries with id < f->before (0: any),
 * at in [since, until] (0: open), by an actor ("web:NAME" matches NAME)
 * and about an object (substring), at most f->limit.  Free with
 * warp_audit_list_free().
 */
int
warp_audit_list(struct warp_db *db, const struct warp_audit_filter *f,
    struct warp_audit_entry **out, size_t *count, struct warp_err *err)
{
	sqlite3_stmt		*st;
	struct warp_audit_entry	*a;
	size_t			 n = 0;
	struct warp_err		 ignore;

	/* This handle's own deferred rows first (a failed flush: later). */
	(void)warp_audit_flush(db, &ignore);
	*out = warp_xcalloc((size_t)f->limit + 1, sizeof(**out));
	*count = 0;
	if (warp_db_prepare_cached(db, &st, "SELECT id, at, actor, action, "
	    "object_type, object, detail FROM audit_log WHERE "
	    "(?1 = '' OR actor = ?1 OR actor LIKE '%:' || ?1) AND "
	    "(?2 = '' OR object = ?2 OR object LIKE '%' || ?2 || '%') AND "
	    "at >= ?3 AND at <= ?4 AND id < ?5 ORDER BY id DESC LIMIT ?6",
	    err) == -1) {
		free(*out);
		*out = NULL;
		return (-1);
	}
	sqlite3_bind_text(st, 1, f->user ? f->user : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->object ? f->object : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, f->since);
	sqlite3_bind_int64(st, 4, f->until > 0 ? f->until : INT64_MAX);
	sqlite3_bind_int64(st, 5, f->before > 0 ? f->before : INT64_MAX);
	sqlite3_bind_int(st, 6, f->limit);
	while (sqlite3_step(st) == SQLITE_ROW && n < (size_t)f->limit) {
		a = &(*out)[n++];
		a->id = sqlite3_column_int64(st, 0);
		a->at = sqlite3_column_int64(st, 1);
		(void)snprintf(a->actor, sizeof(a->actor), "%s",
		    sqlite3_column_text(st, 2));
		(void)snprintf(a->action, sizeof(a->action), "%s",
		    sqlite3_column_text(st, 3));
		(void)snprintf(a->object_type, sizeof(a->object_type), "%s",
		    sqlite3_column_text(st, 4));
		(void)snprintf(a->object, sizeof(a->object), "%s",
		    sqlite3_column_text(st, 5));
		(void)snprintf(a->detail, sizeof(a->detail), "%s",
		    sqlite3_column_text(st, 6));
	}
	warp_db_release(db, st);
	*count = n;
	return (0);
}

static void
warp_stats_apply_copy(struct warp_db *db, const char *type, int64_t id,
    char *status, size_t slen, char *error, size_t elen)
{
	struct warp_apply_status	a;

	warp_apply_status_get(db, type, id, &a);
	(void)snprintf(status, slen, "%s", a.status);
	/* The kernel status keeps a shorter message: cut, not overflowed. */
	(void)snprintf(error, elen, "%.*s", (int)elen - 1, a.error);
}

/*
 * The status document from the database alone: every network and
 * endpoint with its stored apply status and the numbers the reconciler
 * stored last (kernel_read 0).  What the unprivileged workers show, and
 * `warpctl status --stored`.  Free with warp_kernel_status_free().
 */
int
warp_status_stored(struct warp_db *db, struct warp_kernel_status *st,
    struct warp_err *err)
{
	struct warp_server_config	 cfg;
	struct warp_network		*nets = NULL;
	struct warp_endpoint		*eps = NULL;
	struct warp_kernel_net_status	*ns;
	struct warp_kernel_peer_status	*ps;
	struct warp_endpoint_stats	 es;
	size_t				 nnets, neps, i;
	int64_t				 now = time(NULL);

	memset(st, 0, sizeof(*st));
	if (warp_server_config_get(db, &cfg, err) == -1)
		return (-1);
	(void)snprintf(st->netns, sizeof(st->netns), "%s", cfg.netns);
	if (warp_network_list(db, &nets, &nnets, err) == -1)
		return (-1);
	if (warp_endpoint_list(db, 0, &eps, &neps, err) == -1) {
		warp_network_list_free(nets);
		return (-1);
	}
	st->nets = warp_xcalloc(nnets + 1, sizeof(*st->nets));
	st->peers = warp_xcalloc(neps + 1, sizeof(*st->peers));
	st->nnets = nnets;
	st->npeers = neps;
	for (i = 0; i < nnets; i++) {
		ns = &st->nets[i];
		ns->id = nets[i].id;
		(void)snprintf(ns->name, sizeof(ns->name), "%s", nets[i].name);
		(void)snprintf(ns->type, sizeof(ns->type), "%s",
		    warp_net_type_name(nets[i].type));
		(void)snprintf(ns->if_wg, sizeof(ns->if_wg), "%s",
		    nets[i].if_wg);
		(void)snprintf(ns->if_vrf, sizeof(ns->if_vrf), "%s",
		    nets[i].if_vrf);
		ns->enabled = nets[i].enabled;
		warp_stats_apply_copy(db, "network", ns->id, ns->apply_status,
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
		warp_stats_apply_copy(db, "endpoint", ps->endpoint_id,
		    ps->apply_status, sizeof(ps->apply_status),
		    ps->apply_error, sizeof(ps->apply_error));
		if (warp_endpoint_stats_get(db, ps->endpoint_id, &es,
		    err) == 0) {
			ps->last_handshake = es.last_handshake;
			ps->rx_bytes = (uint64_t)es.rx_bytes;
			ps->tx_bytes = (uint64_t)es.tx_bytes;
			(void)snprintf(ps->remote, sizeof(ps->remote), "%s",
			    es.remote);
		}
	}
	warp_network_list_free(nets);
	warp_endpoint_list_free(eps);
	return (0);
}

void
warp_audit_list_free(struct warp_audit_entry *v)
{
	free(v);
}

void
warp_apply_status_list_free(struct warp_apply_status *v)
{
	free(v);
}

void
warp_stats_traffic_free(struct warp_net_traffic *v)
{
	free(v);
}
