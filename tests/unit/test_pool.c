/*
 * Overlay address allocation (warp_pool.c): the lowest free address is
 * reused after deletes, a full subnet refuses with the database unchanged,
 * bulk add is all or nothing, and the work of one allocation does not grow
 * with the network: the sqlite VM steps and full-scan steps of creating one
 * endpoint are counted (sqlite3_trace_v2 profile hook) at 5,000 and at
 * 50,000 endpoints in the network.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "testdb.h"

static struct warp_db	*db;

static int64_t
mknet(const char *name, const char *subnet, long users)
{
	return (testdb_mknet(db, name, subnet, users));
}

static uint32_t
ep_ip(const char *ref)
{
	struct warp_endpoint	e;
	struct warp_err		err;

	if (warp_endpoint_get(db, ref, &e, &err) == -1)
		return (0);
	return (e.overlay_ip);
}

static long
count_rows(const char *sql)
{
	return (testdb_count(db, sql));
}

static void
test_reuse(void)
{
	struct warp_network	n;
	struct warp_err		err;
	char			name[32];
	int			i, ok = 1;

	CHECK(mknet("reuse", "10.50.0.0/24", 0) > 0, "a /24 network");
	warp_network_get(db, "reuse", &n, &err);
	for (i = 0; i < 10; i++) {
		(void)snprintf(name, sizeof(name), "e%d", i);
		if (testdb_mkep(db, "reuse", name, WARP_EP_MOBILE, NULL) < 0)
			ok = 0;
		(void)snprintf(name, sizeof(name), "reuse/e%d", i);
		if (ep_ip(name) != n.subnet.addr + 2 + (uint32_t)i)
			ok = 0;
	}
	CHECK(ok, "ten endpoints take .2 to .11 in order");
	CHECK(warp_endpoint_delete(db, "reuse/e7", "test", &err) == 0 &&
	    warp_endpoint_delete(db, "reuse/e3", "test", &err) == 0 &&
	    warp_endpoint_delete(db, "reuse/e4", "test", &err) == 0,
	    "delete .9, .5 and .6");
	testdb_mkep(db, "reuse", "a", WARP_EP_MOBILE, NULL);
	testdb_mkep(db, "reuse", "b", WARP_EP_MOBILE, NULL);
	testdb_mkep(db, "reuse", "c", WARP_EP_MOBILE, NULL);
	testdb_mkep(db, "reuse", "d", WARP_EP_MOBILE, NULL);
	CHECK(ep_ip("reuse/a") == n.subnet.addr + 5 &&
	    ep_ip("reuse/b") == n.subnet.addr + 6 &&
	    ep_ip("reuse/c") == n.subnet.addr + 9 &&
	    ep_ip("reuse/d") == n.subnet.addr + 12,
	    "new endpoints reuse the lowest free addresses (.5 .6 .9), then .12");
	/* Freed neighbours merge back into one range. */
	warp_endpoint_delete(db, "reuse/a", "test", &err);
	warp_endpoint_delete(db, "reuse/c", "test", &err);
	warp_endpoint_delete(db, "reuse/b", "test", &err);
	CHECK(count_rows("SELECT count(*) FROM address_pool p JOIN networks n "
	    "ON n.id = p.network_id WHERE n.name = 'reuse'") == 3,
	    "freed .5 and .6 merge: the pool is .5-.6, .9, .13-.254");
	testdb_mkep(db, "reuse", "f", WARP_EP_MOBILE, NULL);
	CHECK(ep_ip("reuse/f") == n.subnet.addr + 5, "and .5 is handed out "
	    "first again");
}

/* The pool is built from the endpoints on first use (an upgraded db). */
static void
test_rebuild(void)
{
	struct warp_network	n;
	struct warp_err		err;

	warp_network_get(db, "reuse", &n, &err);
	CHECK(sqlite3_exec(db->sql, "UPDATE networks SET pool_ready = 0 WHERE "
	    "name = 'reuse'; DELETE FROM address_pool", NULL, NULL,
	    NULL) == SQLITE_OK, "the pool thrown away, as after an upgrade");
	testdb_mkep(db, "reuse", "g", WARP_EP_MOBILE, NULL);
	CHECK(ep_ip("reuse/g") == n.subnet.addr + 6, "rebuilt from the "
	    "endpoints: the lowest free address (.6) again");
	/* A pool that would hand out a used address rebuilds itself. */
	CHECK(sqlite3_exec(db->sql, "DELETE FROM address_pool WHERE network_id "
	    "= (SELECT id FROM networks WHERE name = 'reuse'); INSERT INTO "
	    "address_pool SELECT id, 171048962, 171049214 FROM networks WHERE "
	    "name = 'reuse'", NULL, NULL, NULL) == SQLITE_OK,
	    "the pool damaged by hand: .2-.254 all 'free'");
	testdb_mkep(db, "reuse", "h", WARP_EP_MOBILE, NULL);
	CHECK(ep_ip("reuse/h") == n.subnet.addr + 9, "the next endpoint still "
	    "gets the lowest really free address (.9)");
}

static void
test_full(void)
{
	struct warp_endpoint_spec	s;
	struct warp_err			err;
	char				before[65], after[65];
	long				failed, rows;
	int				rc;

	CHECK(mknet("small", "10.51.0.0/29", 0) > 0 &&
	    testdb_mkep(db, "small", "s1", WARP_EP_MOBILE, NULL) > 0,
	    "a /29 network");
	warp_endpoint_spec_init(&s);
	s.kind = WARP_EP_MOBILE;
	testdb_fingerprint(db, before);
	rows = count_rows("SELECT count(*) FROM endpoints");
	rc = warp_endpoint_create_bulk(db, "small", "b-{n}", 0, 5, &s, "test",
	    NULL, &failed, &err);
	testdb_fingerprint(db, after);
	CHECK(rc == -1 && failed == 5 && strstr(err.msg, "is full") != NULL,
	    "bulk add of 5 to a /29 with 4 free refused at the 5th: %s",
	    err.msg);
	CHECK(strcmp(before, after) == 0 &&
	    count_rows("SELECT count(*) FROM endpoints") == rows,
	    "all or nothing: every row of every table unchanged");
	CHECK(warp_endpoint_create_bulk(db, "small", "b-{n}", 0, 4, &s, "test",
	    NULL, &failed, &err) == 0, "4 fit");
	testdb_fingerprint(db, before);
	s.name = "one-more";
	CHECK(warp_endpoint_create(db, "small", &s, "test", NULL, &err) == -1 &&
	    strstr(err.msg, "is full") != NULL && strcmp(err.field,
	    WARP_F_EXPECTED_USERS) == 0, "the full subnet refuses one more: %s",
	    err.msg);
	testdb_fingerprint(db, after);
	CHECK(strcmp(before, after) == 0, "the refusal wrote nothing");
}

/* Endpoints put in by SQL (fast) up to `upto`, addresses .2 upward. */
static void
fill(int64_t net, uint32_t base, long from, long upto)
{
	char	sql[700];

	(void)snprintf(sql, sizeof(sql), "WITH RECURSIVE c(i) AS (SELECT %ld "
	    "UNION ALL SELECT i + 1 FROM c WHERE i + 1 < %ld) INSERT INTO "
	    "endpoints (network_id, name, kind, overlay_ip, public_key, "
	    "preshared_key) SELECT %lld, 'f' || i, 'mobile', ((%u + 2 + i) >> "
	    "24) || '.' || (((%u + 2 + i) >> 16) & 255) || '.' || (((%u + 2 + "
	    "i) >> 8) & 255) || '.' || ((%u + 2 + i) & 255), 'k' || i, x'00' "
	    "FROM c; UPDATE networks SET pool_ready = 0 WHERE id = %lld",
	    from, upto, (long long)net, base, base, base, base,
	    (long long)net);
	if (sqlite3_exec(db->sql, sql, NULL, NULL, NULL) != SQLITE_OK)
		printf("# fill: %s\n", sqlite3_errmsg(db->sql));
}

/* Steps of creating one endpoint (after a first one built the pool). */
static void
measure(const char *tag, long *st, long *sc)
{
	char	name[32];

	(void)snprintf(name, sizeof(name), "warm-%s", tag);
	testdb_mkep(db, "big", name, WARP_EP_MOBILE, NULL);
	(void)snprintf(name, sizeof(name), "m-%s", tag);
	testdb_steps_begin(db);
	testdb_mkep(db, "big", name, WARP_EP_MOBILE, NULL);
	testdb_steps_end(db, st, sc);
}

static void
test_flat(void)
{
	struct warp_network	n;
	struct warp_err		err;
	long			s5, f5, s50, f50;
	int64_t			id;

	id = mknet("big", NULL, 60000);
	CHECK(id > 0 && warp_network_get(db, "big", &n, &err) == 0 &&
	    n.subnet.len == 16, "a /16 network for 60,000 users");
	fill(id, n.subnet.addr, 0, 5000);
	measure("5k", &s5, &f5);
	fill(id, n.subnet.addr, 5002, 50002);
	measure("50k", &s50, &f50);
	CHECK(count_rows("SELECT count(*) FROM endpoints WHERE network_id = "
	    "(SELECT id FROM networks WHERE name = 'big')") == 50004,
	    "the network holds 50,004 endpoints");
	CHECK(ep_ip("big/m-50k") == n.subnet.addr + 2 + 50003, "the last one "
	    "took the next address");
	printf("# one endpoint create: %ld VM steps (%ld full-scan steps) at "
	    "5k, %ld (%ld) at 50k\n", s5, f5, s50, f50);
	CHECK(s50 <= s5 + s5 / 10 && s5 > 0, "VM steps of one create at 50k "
	    "(%ld) within 10 %% of those at 5k (%ld)", s50, s5);
	CHECK(f50 == f5, "full-scan steps the same at 50k (%ld) as at 5k (%ld)",
	    f50, f5);
}

int
main(void)
{
	db = testdb_open();
	test_reuse();
	test_rebuild();
	test_full();
	test_flat();
	testdb_close(db);
	return (check_done());
}
