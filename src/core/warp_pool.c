/*
 * The pool of free overlay addresses of each network (table address_pool):
 * ranges [first, last] of free host addresses, so that taking the lowest
 * free address is one index seek and giving one back merges it with its
 * neighbours, at 50 endpoints as at 50,000.  A network's pool is built from
 * its endpoints on its first allocation and thrown away when its subnet
 * changes (then rebuilt the same way).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warp.h"
#include "warp_db_int.h"

static int	warp_pool_ready(struct warp_db *, int64_t, int *,
		    struct warp_err *);
static int	warp_pool_build(struct warp_db *, const struct warp_network *,
		    struct warp_err *);
static int	warp_pool_put(struct warp_db *, const char *, int64_t,
		    int64_t, int64_t, struct warp_err *);
static int	warp_pool_in_use(struct warp_db *, int64_t, uint32_t, int *,
		    struct warp_err *);
static int	warp_pool_cmp(const void *, const void *);

static int
warp_pool_ready(struct warp_db *db, int64_t network_id, int *ready,
    struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (warp_db_prepare(db, &st, "SELECT pool_ready FROM networks WHERE "
	    "id = ?", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, network_id);
	rc = sqlite3_step(st);
	*ready = rc == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "reading the address pool"));
	return (0);
}

/* One statement of three integers (?1 network, ?2, ?3) that returns none. */
static int
warp_pool_put(struct warp_db *db, const char *sql, int64_t network_id,
    int64_t a, int64_t b, struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (warp_db_prepare(db, &st, sql, err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, network_id);
	sqlite3_bind_int64(st, 2, a);
	sqlite3_bind_int64(st, 3, b);	/* ignored by two-parameter SQL */
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "updating the address pool"));
	return (0);
}

static int
warp_pool_cmp(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x < y ? -1 : x > y);
}

/*
 * Every host address of the subnet but the gateway's and those in use, as
 * ranges: one pass over the network's endpoints, once.
 */
static int
warp_pool_build(struct warp_db *db, const struct warp_network *n,
    struct warp_err *err)
{
	sqlite3_stmt	*st;
	uint32_t	*used, a;
	size_t		 nused = 0, cap = 64, i;
	int64_t		 lo, hi, next;
	struct warp_err	 ignore;
	int		 rc;

	used = warp_xcalloc(cap, sizeof(*used));
	used[nused++] = n->gateway_ip;
	if (warp_db_prepare(db, &st, "SELECT overlay_ip FROM endpoints WHERE "
	    "network_id = ?", err) == -1) {
		free(used);
		return (-1);
	}
	sqlite3_bind_int64(st, 1, n->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (warp_ip_parse((const char *)sqlite3_column_text(st, 0), &a,
		    &ignore) == -1 || !warp_cidr_contains(&n->subnet, a))
			continue;
		if (nused == cap) {
			cap *= 2;
			if ((used = realloc(used, cap * sizeof(*used))) == NULL)
				warp_fatal("out of memory");
		}
		used[nused++] = a;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(used);
		return (warp_db_sqlerr(db, err, "reading overlay addresses"));
	}
	qsort(used, nused, sizeof(*used), warp_pool_cmp);
	lo = (int64_t)n->subnet.addr + 1;
	hi = (int64_t)n->subnet.addr + (1LL << (32 - n->subnet.len)) - 2;
	rc = warp_pool_put(db, "DELETE FROM address_pool WHERE network_id = ?1",
	    n->id, 0, 0, err);
	for (i = 0, next = lo; rc == 0 && next <= hi; i++) {
		a = i < nused ? used[i] : (uint32_t)hi + 1;
		if ((int64_t)a < next)
			continue;	/* a duplicate, or below the hosts */
		if ((int64_t)a > next)
			rc = warp_pool_put(db, "INSERT INTO address_pool "
			    "(network_id, first, last) VALUES (?1, ?2, ?3)",
			    n->id, next, (int64_t)a - 1 > hi ? hi :
			    (int64_t)a - 1, err);
		next = (int64_t)a + 1;
	}
	free(used);
	if (rc == 0)
		rc = warp_pool_put(db, "UPDATE networks SET pool_ready = 1 "
		    "WHERE id = ?1", n->id, 0, 0, err);
	return (rc);
}

static int
warp_pool_in_use(struct warp_db *db, int64_t network_id, uint32_t ip,
    int *used, struct warp_err *err)
{
	sqlite3_stmt	*st;
	char		 buf[WARP_IP_STRLEN];
	int		 rc;

	warp_ip_format(ip, buf, sizeof(buf));
	if (warp_db_prepare(db, &st, "SELECT 1 FROM endpoints WHERE "
	    "network_id = ? AND overlay_ip = ?", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, network_id);
	sqlite3_bind_text(st, 2, buf, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	*used = rc == SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "checking an overlay address"));
	return (0);
}

/*
 * The lowest free host address.  Should the pool disagree with the
 * endpoints (a row written by hand), it is rebuilt once.
 */
int
warp_pool_take(struct warp_db *db, const struct warp_network *n,
    uint32_t *ip, struct warp_err *err)
{
	sqlite3_stmt	*st;
	int64_t		 first = 0, last = 0;
	int		 ready, rc, used, rebuilt = 0;

	if (warp_pool_ready(db, n->id, &ready, err) == -1 ||
	    (!ready && warp_pool_build(db, n, err) == -1))
		return (-1);
again:
	if (warp_db_prepare(db, &st, "SELECT first, last FROM address_pool "
	    "WHERE network_id = ? ORDER BY first LIMIT 1", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, n->id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		first = sqlite3_column_int64(st, 0);
		last = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE) {
		warp_err_set(err, WARP_ECONFLICT, "network '%s' is full: its "
		    "/%d holds %u endpoints besides the gateway", n->name,
		    n->subnet.len,
		    (1U << (32 - n->subnet.len)) - 3);
		return (warp_err_field(err, WARP_F_EXPECTED_USERS));
	}
	if (rc != SQLITE_ROW)
		return (warp_db_sqlerr(db, err, "reading the address pool"));
	if (warp_pool_put(db, first == last ? "DELETE FROM address_pool WHERE "
	    "network_id = ?1 AND first = ?2" : "UPDATE address_pool SET first "
	    "= first + 1 WHERE network_id = ?1 AND first = ?2", n->id, first,
	    0, err) == -1 ||
	    warp_pool_in_use(db, n->id, (uint32_t)first, &used, err) == -1)
		return (-1);
	if (used && !rebuilt) {
		rebuilt = 1;
		if (warp_pool_build(db, n, err) == -1)
			return (-1);
		goto again;
	}
	if (used)
		return (warp_err_system(err, "the address pool of network '%s' "
		    "hands out addresses in use", n->name));
	*ip = (uint32_t)first;
	return (0);
}

/* A deleted endpoint's address is free again, joined to its neighbours. */
int
warp_pool_give(struct warp_db *db, int64_t network_id, uint32_t ip,
    struct warp_err *err)
{
	sqlite3_stmt	*st;
	int64_t		 a = ip, pfirst = -1, plast = -1, nlast = -1;
	int		 ready, rc;

	if (warp_pool_ready(db, network_id, &ready, err) == -1)
		return (-1);
	if (!ready)
		return (0);	/* the build will see it free */
	if (warp_db_prepare(db, &st, "SELECT first, last FROM address_pool "
	    "WHERE network_id = ?1 AND first <= ?2 ORDER BY first DESC LIMIT 1",
	    err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, network_id);
	sqlite3_bind_int64(st, 2, a);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		pfirst = sqlite3_column_int64(st, 0);
		plast = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "reading the address pool"));
	if (pfirst != -1 && plast >= a)
		return (0);	/* already free */
	if (warp_db_prepare(db, &st, "SELECT last FROM address_pool WHERE "
	    "network_id = ? AND first = ?", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, network_id);
	sqlite3_bind_int64(st, 2, a + 1);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		nlast = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "reading the address pool"));
	if (nlast != -1 && warp_pool_put(db, "DELETE FROM address_pool WHERE "
	    "network_id = ?1 AND first = ?2", network_id, a + 1, 0, err) == -1)
		return (-1);
	if (pfirst != -1 && plast == a - 1)
		return (warp_pool_put(db, "UPDATE address_pool SET last = ?3 "
		    "WHERE network_id = ?1 AND first = ?2", network_id, pfirst,
		    nlast != -1 ? nlast : a, err));
	return (warp_pool_put(db, "INSERT INTO address_pool (network_id, "
	    "first, last) VALUES (?1, ?2, ?3)", network_id, a,
	    nlast != -1 ? nlast : a, err));
}

int
warp_pool_reset(struct warp_db *db, int64_t network_id, struct warp_err *err)
{
	if (warp_pool_put(db, "DELETE FROM address_pool WHERE network_id = ?1",
	    network_id, 0, 0, err) == -1)
		return (-1);
	return (warp_pool_put(db, "UPDATE networks SET pool_ready = 0 WHERE "
	    "id = ?1", network_id, 0, 0, err));
}
