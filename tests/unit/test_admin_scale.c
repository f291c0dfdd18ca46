/*
 * Admin at scale (issue #11): the counts the dashboard and the lists show
 * agree with the rows after every kind of change (the counters the
 * triggers of migrations/0006 keep), the paging parameters (`?page=`,
 * `?after=&limit=`) are checked and cover every row once, and the
 * queries behind the dashboard, the network list, a network page and the
 * API lists do not grow with the endpoints: their sqlite VM steps and
 * full-scan steps are counted (sqlite3_trace_v2) at 1,000 and at 10,000
 * endpoints and must be the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "testdb.h"
#include "warp_state.h"
#include "warp_traffic.h"

static struct warp_db	*db;
static long
rows(const char *sql)
{
	return (testdb_count(db, sql));
}

static int64_t
mknet(const char *name, const char *subnet)
{
	return (testdb_mknet(db, name, subnet, 0));
}

static void
sql_exec(const char *sql)
{
	if (sqlite3_exec(db->sql, sql, NULL, NULL, NULL) != SQLITE_OK)
		printf("# sql: %s\n", sqlite3_errmsg(db->sql));
}

/*
 * Endpoints put in by SQL (fast; the triggers count them as they would
 * the core's inserts) from `from` up to `upto`, each pending as warpd
 * marks a change.
 */
static void
fill(int64_t net, uint32_t base, long from, long upto)
{
	char	sql[900];

	(void)snprintf(sql, sizeof(sql), "WITH RECURSIVE c(i) AS (SELECT %ld "
	    "UNION ALL SELECT i + 1 FROM c WHERE i + 1 < %ld) INSERT INTO "
	    "endpoints (network_id, name, kind, overlay_ip, public_key, "
	    "preshared_key) SELECT %lld, 'f' || i, 'mobile', ((%u + 2 + i) >> "
	    "24) || '.' || (((%u + 2 + i) >> 16) & 255) || '.' || (((%u + 2 + "
	    "i) >> 8) & 255) || '.' || ((%u + 2 + i) & 255), 'k%lld-' || i, "
	    "x'00' FROM c; UPDATE networks SET pool_ready = 0 WHERE id = %lld; "
	    "INSERT OR IGNORE INTO apply_status (object_type, object_id, "
	    "status) SELECT 'endpoint', id, 'pending' FROM endpoints",
	    from, upto, (long long)net, base, base, base, base,
	    (long long)net, (long long)net);
	sql_exec(sql);
}

/* The counters against the rows they count. */
static int
counts_agree(void)
{
	struct warp_stats	s;
	struct warp_err		err;

	struct warp_net_traffic	*tr;
	size_t			 n;
	int64_t			 peak;
	int			 t;
	char			 sql[160];

	if (warp_stats_get(db, 1000000, &s, &err) == -1 ||
	    warp_stats_traffic(db, 1, &tr, &n, &peak, &err) == -1)
		return (0);
	warp_stats_traffic_free(tr);
	for (t = 0; t < WARP_NET_NTYPES; t++) {
		(void)snprintf(sql, sizeof(sql), "SELECT count(*) FROM "
		    "networks WHERE type = '%s'",
		    warp_net_type_name((enum warp_net_type)t));
		if (s.by_type[t] != rows(sql))
			return (0);
	}
	return (peak == rows("SELECT coalesce(max(max(c.rx_bytes, "
	    "c.tx_bytes)), 0) FROM networks n JOIN network_counts c ON "
	    "c.network_id = n.id") &&
	    s.networks == rows("SELECT count(*) FROM networks") &&
	    s.endpoints == rows("SELECT count(*) FROM endpoints") &&
	    s.disabled == rows("SELECT count(*) FROM endpoints WHERE "
	    "enabled = 0") &&
	    s.pending == rows("SELECT count(*) FROM apply_status WHERE "
	    "status = 'pending'") &&
	    s.failed == rows("SELECT count(*) FROM apply_status WHERE "
	    "status = 'failed'") &&
	    s.rx_bytes == rows("SELECT coalesce(sum(s.rx_bytes), 0) FROM "
	    "endpoint_stats s JOIN endpoints e ON e.id = s.endpoint_id") &&
	    s.tx_bytes == rows("SELECT coalesce(sum(s.tx_bytes), 0) FROM "
	    "endpoint_stats s JOIN endpoints e ON e.id = s.endpoint_id") &&
	    rows("SELECT count(*) FROM networks n JOIN network_counts c ON "
	    "c.network_id = n.id WHERE c.endpoints = (SELECT count(*) FROM "
	    "endpoints e WHERE e.network_id = n.id)") ==
	    rows("SELECT count(*) FROM networks"));
}

static void
test_counts(void)
{
	struct warp_state_status	 st[2];
	struct warp_err			 err;
	int64_t				 a, b;

	a = mknet("alpha", "10.60.0.0/24");
	b = mknet("beta", "10.61.0.0/24");
	CHECK(a > 0 && b > 0 && counts_agree(), "two empty networks: counts 0");
	testdb_mkep(db, "alpha", "a1", WARP_EP_MOBILE, NULL);
	testdb_mkep(db, "alpha", "a2", WARP_EP_MOBILE, NULL);
	testdb_mkep(db, "beta", "b1", WARP_EP_MOBILE, NULL);
	CHECK(warp_network_count_endpoints(db, a) == 2 &&
	    warp_network_count_endpoints(db, b) == 1 && counts_agree(),
	    "three endpoints made by the core: 2 and 1, totals agree");
	CHECK(warp_endpoint_set_enabled(db, "alpha/a1", 0, "test", &err) == 0 &&
	    counts_agree(), "a disabled endpoint counts as disabled");
	CHECK(warp_endpoint_set_enabled(db, "alpha/a1", 1, "test", &err) == 0 &&
	    counts_agree(), "enabled again");
	warp_endpoint_set_enabled(db, "alpha/a2", 0, "test", &err);
	sql_exec("INSERT INTO endpoint_stats (endpoint_id, last_handshake, "
	    "rx_bytes, tx_bytes) SELECT id, 999990, 1000 * id, 7 FROM "
	    "endpoints");
	CHECK(counts_agree(), "stored numbers of every endpoint: rx/tx sums "
	    "agree");
	sql_exec("UPDATE endpoint_stats SET rx_bytes = rx_bytes + 5, tx_bytes "
	    "= 0 WHERE endpoint_id = (SELECT min(id) FROM endpoints)");
	CHECK(counts_agree(), "one endpoint's numbers change: sums agree");
	CHECK(warp_endpoint_delete(db, "alpha/a2", "test", &err) == 0 &&
	    warp_network_count_endpoints(db, a) == 1 && counts_agree(),
	    "a disabled endpoint with numbers deleted: its count, disabled and "
	    "bytes leave with it");
	memset(st, 0, sizeof(st));
	st[0].type = "network";
	st[0].id = a;
	st[0].status = "failed";
	st[1].type = "network";
	st[1].id = b;
	st[1].status = "applied";
	CHECK(warp_apply_status_store(db, st, 2, &err) == 0 && counts_agree(),
	    "the reconciler stores failed and applied: pending and failed "
	    "agree");
	CHECK(warp_apply_status_store(db, st, 2, &err) == 0 && counts_agree(),
	    "the same statuses stored again: no double count");
	warp_db_read_begin(db);
	CHECK(!sqlite3_get_autocommit(db->sql) && warp_endpoint_set_enabled(db,
	    "alpha/a1", 0, "test", &err) == 0 && sqlite3_get_autocommit(
	    db->sql) && counts_agree(), "a write inside a page's read "
	    "transaction (warp_db_read_begin) ends it first and commits");
	warp_db_read_end(db);
	warp_endpoint_set_enabled(db, "alpha/a1", 1, "test", &err);
	CHECK(warp_network_delete(db, "beta", "test", &err) == 0 &&
	    counts_agree(), "a network deleted with its endpoints: totals "
	    "agree");
	CHECK(warp_network_delete(db, "alpha", "test", &err) == 0 &&
	    counts_agree() && rows("SELECT count(*) FROM network_counts") == 0,
	    "and the last: no counter row is left");
}

static void
test_params(void)
{
	struct warp_page	pg;
	struct warp_err		err;
	int64_t			page, pages;
	static const char	*bad[] = { "0", "-1", "abc", "1e3", "2x", "",
	    " 1", "+1", "5", "99999999999999999999" };
	size_t			i;
	int			ok = 1;

	CHECK(warp_page_number(NULL, 0, 50, &pg, &page, &pages, &err) == 0 &&
	    page == 1 && pages == 1 && pg.offset == 0 && pg.limit == 50,
	    "no ?page= of an empty list: page 1 of 1");
	CHECK(warp_page_number("1", 0, 50, &pg, &page, &pages, &err) == 0,
	    "page=1 of an empty list is fine");
	CHECK(warp_page_number("4", 200, 50, &pg, &page, &pages, &err) == 0 &&
	    page == 4 && pages == 4 && pg.offset == 150,
	    "page=4 of 200 rows: the last page, offset 150");
	CHECK(warp_page_number("3", 101, 50, &pg, &page, &pages, &err) == 0 &&
	    pages == 3 && pg.offset == 100, "101 rows make 3 pages");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		warp_err_clear(&err);
		if (warp_page_number(bad[i], 200, 50, &pg, &page, &pages,
		    &err) != -1 || err.kind != WARP_EINPUT ||
		    strcmp(err.msg, "page must be a whole number from 1 to "
		    "4") != 0) {
			printf("# page=%s: %s\n", bad[i], err.msg);
			ok = 0;
		}
	}
	CHECK(ok, "page=0, -1, abc, 1e3, 2x, empty, blank, +1, past the last "
	    "and a huge number: bad input, \"page must be a whole number from "
	    "1 to 4\"");
	CHECK(warp_page_keyset(NULL, NULL, 100, 1000, &pg, &err) == 0 &&
	    pg.after == 0 && pg.limit == 100 && pg.offset == 0,
	    "no ?after= nor ?limit=: from the first, 100 rows");
	CHECK(warp_page_keyset("12345", "1000", 100, 1000, &pg, &err) == 0 &&
	    pg.after == 12345 && pg.limit == 1000, "after=12345&limit=1000");
	CHECK(warp_page_keyset("x", NULL, 100, 1000, &pg, &err) == -1 &&
	    err.kind == WARP_EINPUT && strstr(err.msg, "after must be") !=
	    NULL, "after=x: %s", err.msg);
	CHECK(warp_page_keyset("-5", NULL, 100, 1000, &pg, &err) == -1,
	    "after=-5 refused");
	CHECK(warp_page_keyset(NULL, "0", 100, 1000, &pg, &err) == -1 &&
	    strcmp(err.msg, "limit must be a whole number from 1 to 1000") == 0,
	    "limit=0: %s", err.msg);
	CHECK(warp_page_keyset(NULL, "1001", 100, 1000, &pg, &err) == -1,
	    "limit=1001 refused");
}

/* Every endpoint of the network once, in order, by pages of `limit`. */
static int
walk_keyset(int64_t net, int limit, long want)
{
	struct warp_page	 pg = { 0, 0, 0 };
	struct warp_endpoint	*eps;
	struct warp_err		 err;
	size_t			 n, i;
	long			 seen = 0;
	int64_t			 last = 0;

	pg.limit = limit;
	for (;;) {
		if (warp_endpoint_list_page(db, net, &pg, &eps, &n, &err) == -1)
			return (0);
		for (i = 0; i < n; i++) {
			if (eps[i].id <= last || eps[i].network_id != net)
				n = 0;
			last = eps[i].id;
		}
		seen += (long)n;
		warp_endpoint_list_free(eps);
		if (n < (size_t)limit)
			break;
		pg.after = last;
	}
	return (seen == want);
}

static void
test_lists(int64_t big, int64_t other)
{
	struct warp_page		 pg = { 0, 0, 0 };
	struct warp_network		*nets;
	struct warp_endpoint		*eps;
	struct warp_endpoint_stats	*st;
	struct warp_err			 err;
	size_t				 n;
	long				 first;

	CHECK(walk_keyset(big, 100, 1000) && walk_keyset(big, 333, 1000) &&
	    walk_keyset(other, 100, 10), "the API's pages (after=&limit=) "
	    "give every endpoint of a network once, in id order, and none "
	    "of another network");
	first = rows("SELECT min(id) FROM endpoints WHERE network_id = "
	    "(SELECT id FROM networks WHERE name = 'big')");
	CHECK(warp_endpoint_page(db, big, 100, 50, &eps, &st, &n, &err) == 0 &&
	    n == 50 && eps[0].id == first + 100 && eps[49].id == first + 149,
	    "page 3 of a network page: the 101st to the 150th endpoint");
	warp_endpoint_page_free(eps, st);
	CHECK(warp_endpoint_page(db, big, 1000, 50, &eps, &st, &n, &err) == 0 &&
	    n == 0, "past the end: no row");
	warp_endpoint_page_free(eps, st);
	pg.limit = 1;
	CHECK(warp_network_list_page(db, &pg, &nets, &n, &err) == 0 && n == 1 &&
	    nets[0].id == big, "networks, one a page: the first");
	warp_network_list_free(nets);
	pg.after = big;
	CHECK(warp_network_list_page(db, &pg, &nets, &n, &err) == 0 && n == 1 &&
	    nets[0].id == other, "after it: the second");
	warp_network_list_free(nets);
	pg.after = 0;
	pg.offset = 1;
	pg.limit = 50;
	CHECK(warp_network_list_page(db, &pg, &nets, &n, &err) == 0 && n == 1 &&
	    nets[0].id == other, "offset 1 (a ?page=): the second");
	warp_network_list_free(nets);
}

/* The reads behind the dashboard, the lists and the pages, once each. */
static void
admin_reads(int64_t big, int64_t after)
{
	struct warp_stats		 s;
	struct warp_apply_status	*probs;
	struct warp_net_traffic		*tr;
	struct warp_network		*nets;
	struct warp_endpoint		*eps;
	struct warp_endpoint_stats	*st;
	struct warp_page		 pg = { 0, 0, 101 };
	struct warp_err			 err;
	size_t				 n;
	int64_t				 max;
	long				 total;

	(void)warp_stats_get(db, 1000000, &s, &err);
	if (warp_apply_status_problems(db, 20, NULL, &probs, &n, &err) == 0)
		warp_apply_status_list_free(probs);
	if (warp_stats_traffic(db, 50, &tr, &n, &max, &err) == 0)
		warp_stats_traffic_free(tr);
	(void)warp_network_count(db, &total, &err);
	if (warp_network_list_page(db, &pg, &nets, &n, &err) == 0)
		warp_network_list_free(nets);
	(void)warp_network_count_endpoints(db, big);
	if (warp_endpoint_page(db, big, 0, 50, &eps, &st, &n, &err) == 0)
		warp_endpoint_page_free(eps, st);
	if (warp_endpoint_list_page(db, big, &pg, &eps, &n, &err) == 0)
		warp_endpoint_list_free(eps);
	pg.after = after;
	if (warp_endpoint_list_page(db, big, &pg, &eps, &n, &err) == 0)
		warp_endpoint_list_free(eps);
}

static void
measure(int64_t big, int64_t after, long *st, long *sc)
{
	admin_reads(big, after);	/* warm: prepared, pages cached */
	testdb_steps_begin(db);
	admin_reads(big, after);
	testdb_steps_end(db, st, sc);
}

/* VM steps of one network page at `offset` (warmed first); its first id. */
static long
page_steps(int64_t net, int64_t offset, int64_t *first_id)
{
	struct warp_endpoint		*eps;
	struct warp_endpoint_stats	*st;
	struct warp_err			 err;
	size_t				 n;
	long				 steps, scans;
	int				 k;

	*first_id = 0;
	for (k = 0; k < 2; k++) {
		if (k == 1)
			testdb_steps_begin(db);
		if (warp_endpoint_page(db, net, offset, 50, &eps, &st, &n,
		    &err) == -1)
			return (-1);
		if (k == 1)
			testdb_steps_end(db, &steps, &scans);
		*first_id = n > 0 ? eps[0].id : 0;
		warp_endpoint_page_free(eps, st);
	}
	return (steps);
}

/* The id at a row offset of the big network, by OFFSET: the reference. */
static int64_t
nth_id(long offset)
{
	char	sql[200];

	(void)snprintf(sql, sizeof(sql), "SELECT id FROM endpoints WHERE "
	    "network_id = (SELECT id FROM networks WHERE name = 'big') ORDER "
	    "BY id LIMIT 1 OFFSET %ld", offset);
	return (rows(sql));
}

/*
 * A deep network page (?page=N) does not step over the rows before it
 * (endpoint_blocks, migrations/0008): page 200 of 10,000 costs less than
 * twice page 1 (it cost eleven times as much with OFFSET), and gives the
 * rows OFFSET gives, also after a delete before them.
 */
static void
test_deep_page(int64_t big)
{
	long	s1, s2, s100, s200;
	int64_t	id1, id2, id100, id200;
	char	sql[160];

	s1 = page_steps(big, 0, &id1);
	s2 = page_steps(big, 50, &id2);
	s100 = page_steps(big, 99 * 50, &id100);
	s200 = page_steps(big, 199 * 50, &id200);
	printf("# network page 1: %ld VM steps, page 2: %ld, page 100: %ld, "
	    "page 200: %ld\n", s1, s2, s100, s200);
	CHECK(id1 == nth_id(0) && id2 == nth_id(50) && id100 ==
	    nth_id(4950) && id200 == nth_id(9950), "pages 1, 2, 100 and 200 "
	    "start at the row OFFSET gives");
	CHECK(s1 > 0 && s200 < 2 * s1 && s100 < 2 * s1, "VM steps of pages "
	    "100 and 200 of a network of 10,000 (%ld, %ld) under twice those "
	    "of page 1 (%ld): no offset skipped over the rows before",
	    s100, s200, s1);
	(void)snprintf(sql, sizeof(sql), "DELETE FROM endpoints WHERE id = "
	    "%lld", (long long)(id1 + 10));
	sql_exec(sql);
	(void)page_steps(big, 100, &id2);
	(void)page_steps(big, 199 * 50, &id200);
	CHECK(id2 == nth_id(100) && id200 == nth_id(9950) &&
	    rows("SELECT count(*) FROM endpoint_blocks b WHERE endpoints != "
	    "(SELECT count(*) FROM endpoints e WHERE e.network_id = "
	    "b.network_id AND e.id >> 8 = b.block)") == 0 && rows("SELECT "
	    "sum(endpoints) FROM endpoint_blocks") == rows("SELECT count(*) "
	    "FROM endpoints"), "one endpoint deleted before them: pages 3 "
	    "and 200 still start where OFFSET does, the block counts agree "
	    "with the rows");
	sql_exec("DELETE FROM endpoints WHERE network_id = (SELECT id FROM "
	    "networks WHERE name = 'other')");
	CHECK(rows("SELECT count(*) FROM endpoint_blocks WHERE network_id = "
	    "(SELECT id FROM networks WHERE name = 'other')") == 0,
	    "a network emptied: no block row left");
}

static void
test_flat(void)
{
	struct warp_network	n, o;
	struct warp_err		err;
	long			s1, f1, s10, f10;
	int64_t			big, other, first;

	big = mknet("big", "10.70.0.0/16");
	other = mknet("other", "10.71.0.0/24");
	CHECK(big > 0 && other > 0 && warp_network_get(db, "big", &n,
	    &err) == 0 && warp_network_get(db, "other", &o, &err) == 0,
	    "a /16 network and a /24");
	fill(big, n.subnet.addr, 0, 1000);
	fill(other, o.subnet.addr, 0, 10);
	/* The same few online, expired and failed at both sizes. */
	sql_exec("INSERT INTO endpoint_stats (endpoint_id, last_handshake, "
	    "rx_bytes, tx_bytes) SELECT id, 999990, 10, 20 FROM endpoints "
	    "ORDER BY id LIMIT 10; UPDATE endpoints SET expires_at = 5 WHERE "
	    "id IN (SELECT id FROM endpoints ORDER BY id LIMIT 5); UPDATE "
	    "apply_status SET status = 'failed', error = 'x' WHERE object_id "
	    "IN (SELECT id FROM endpoints ORDER BY id LIMIT 3)");
	CHECK(counts_agree(), "1,010 endpoints put in by SQL: the counters "
	    "agree with the rows");
	test_lists(big, other);
	first = rows("SELECT min(id) FROM endpoints");
	measure(big, first + 500, &s1, &f1);
	fill(big, n.subnet.addr, 1000, 10000);
	CHECK(rows("SELECT count(*) FROM endpoints WHERE network_id = "
	    "(SELECT id FROM networks WHERE name = 'big')") == 10000 &&
	    rows("SELECT count(*) FROM apply_status WHERE status = "
	    "'pending'") == 10007 && counts_agree(), "10,000 endpoints in the "
	    "network, 10,007 pending: the counters agree");
	measure(big, first + 500, &s10, &f10);
	printf("# dashboard + lists + pages: %ld VM steps (%ld full-scan) at "
	    "1k endpoints, %ld (%ld) at 10k\n", s1, f1, s10, f10);
	CHECK(s1 > 0 && s10 == s1, "VM steps of the dashboard, the network "
	    "list, a network page and the API pages the same at 10,000 "
	    "endpoints (%ld) as at 1,000 (%ld)", s10, s1);
	CHECK(f10 == f1, "full-scan steps the same (%ld, %ld): only the 2 "
	    "networks are scanned", f10, f1);
	test_deep_page(big);
}

/*
 * The full apply's status rows are merged with the stored ones in key
 * order: storing the same rows again changes no row (a no-op apply of
 * 10,000 peers wrote 10,000 upserts and pruned through a NOT IN), a
 * changed status is one change, a new object one insert, a row of an
 * object that is gone is dropped, one of an object this apply did not
 * name but that still exists is kept.
 */
static void
test_status_merge(void)
{
	struct warp_state_status	 st[6];
	struct warp_err			 err;
	int64_t				 n1, e1, e2, e3;
	int				 before;

	n1 = mknet("merge", "10.62.0.0/24");
	e1 = testdb_mkep(db, "merge", "m1", WARP_EP_MOBILE, NULL);
	e2 = testdb_mkep(db, "merge", "m2", WARP_EP_MOBILE, NULL);
	e3 = testdb_mkep(db, "merge", "m3", WARP_EP_MOBILE, NULL);
	memset(st, 0, sizeof(st));
	st[0].type = "firewall";
	st[0].status = "applied";
	st[1].type = "network";
	st[1].id = n1;
	st[1].status = "applied";
	st[2].type = "endpoint";
	st[2].id = e3;
	st[2].status = "applied";
	st[3].type = "endpoint";
	st[3].id = e1;
	st[3].status = "applied";
	st[4].type = "endpoint";
	st[4].id = e2;
	st[4].status = "failed";
	(void)snprintf(st[4].error, sizeof(st[4].error), "peer refused");
	CHECK(warp_apply_status_store(db, st, 5, &err) == 0 &&
	    rows("SELECT count(*) FROM apply_status WHERE object_type = "
	    "'endpoint' AND object_id IN (SELECT id FROM endpoints WHERE "
	    "network_id = (SELECT id FROM networks WHERE name = 'merge')) AND "
	    "status != 'pending'") == 3 && counts_agree(),
	    "a full apply's rows, out of key order, are stored");
	before = sqlite3_total_changes(db->sql);
	CHECK(warp_apply_status_store(db, st, 5, &err) == 0 &&
	    sqlite3_total_changes(db->sql) == before,
	    "the same rows stored again change no row (%d changes)",
	    sqlite3_total_changes(db->sql) - before);
	st[4].status = "applied";
	st[4].error[0] = '\0';
	before = sqlite3_total_changes(db->sql);
	CHECK(warp_apply_status_store(db, st, 5, &err) == 0 &&
	    rows("SELECT count(*) FROM apply_status WHERE object_type = "
	    "'endpoint' AND status = 'failed' AND object_id IN (SELECT id "
	    "FROM endpoints WHERE name = 'm2')") == 0 && counts_agree() &&
	    sqlite3_total_changes(db->sql) - before <= 3,
	    "one status changed is stored (%d row changes, counters "
	    "included)", sqlite3_total_changes(db->sql) - before);
	sql_exec("DELETE FROM endpoints WHERE name = 'm3'");
	sql_exec("INSERT OR REPLACE INTO apply_status (object_type, "
	    "object_id, status) VALUES ('endpoint', 999999, 'applied')");
	CHECK(warp_apply_status_store(db, &st[3], 2, &err) == 0 &&
	    rows("SELECT count(*) FROM apply_status WHERE object_type = "
	    "'endpoint' AND object_id = 999999") == 0 &&
	    rows("SELECT count(*) FROM apply_status WHERE object_type IN "
	    "('firewall', 'network') AND object_id IN (0, (SELECT id FROM "
	    "networks WHERE name = 'merge'))") == 2 && counts_agree(),
	    "rows of objects that are gone are dropped; the firewall's and "
	    "the network's, not named this time, are kept");
	(void)e3;
}

/*
 * The dashboard's counts (warp_stats_get) and its traffic bars' scale
 * read the same rows with 2 networks as with 122 (appliance_counts,
 * network_type_counts, network_counts_peak: migrations/0010): they
 * summed and grouped a row per network.
 */
static void
test_flat_networks(void)
{
	struct warp_stats	 s;
	struct warp_net_traffic	*tr;
	struct warp_err		 err;
	size_t			 n;
	int64_t			 peak;
	long			 st[2], sc[2], stmts[2];
	char			 name[32], subnet[32];
	int			 k, i;

	(void)warp_server_config_set(db, "port-pool", "51820-51999", &err);
	mknet("flat-a", "10.80.0.0/24");
	mknet("flat-b", "10.81.0.0/24");
	sql_exec("UPDATE networks SET type = 'l3vpn' WHERE name = 'flat-b'");
	for (k = 0; k < 2; k++) {
		if (k == 1)
			for (i = 0; i < 120; i++) {
				(void)snprintf(name, sizeof(name), "flat%d", i);
				(void)snprintf(subnet, sizeof(subnet),
				    "10.%d.%d.0/24", 90 + i / 100, i % 100);
				mknet(name, subnet);
			}
		/* warm (prepared), then counted */
		(void)warp_stats_get(db, 1000000, &s, &err);
		testdb_steps_begin(db);
		(void)warp_stats_get(db, 1000000, &s, &err);
		if (warp_stats_traffic(db, 0, &tr, &n, &peak, &err) == 0)
			warp_stats_traffic_free(tr);
		testdb_steps_end(db, &st[k], &sc[k]);
		stmts[k] = testdb_stmts;
	}
	printf("# dashboard counts: %ld VM steps (%ld full-scan, %ld "
	    "statements) with 2 networks, %ld (%ld, %ld) with 122\n", st[0],
	    sc[0], stmts[0], st[1], sc[1], stmts[1]);
	CHECK(counts_agree() && s.networks == 122 &&
	    s.by_type[WARP_NET_L3VPN] == 1 &&
	    s.by_type[WARP_NET_SECURE_INTERNET] == 121, "122 networks, one "
	    "changed to l3vpn: the type counts agree");
	CHECK(st[0] > 0 && st[1] == st[0] && sc[1] == sc[0] && stmts[1] ==
	    stmts[0], "the counts and the bars' scale: the same VM steps "
	    "(%ld), full-scan steps (%ld: the type counts) and statements "
	    "(%ld) with 122 networks as with 2", st[1], sc[1], stmts[1]);
	for (i = 0; i < 120; i++) {
		(void)snprintf(name, sizeof(name), "flat%d", i);
		(void)warp_network_delete(db, name, "test", &err);
	}
	(void)warp_network_delete(db, "flat-a", "test", &err);
	(void)warp_network_delete(db, "flat-b", "test", &err);
	CHECK(counts_agree() && rows("SELECT coalesce(sum(n), 0) FROM "
	    "network_type_counts") == 0, "all deleted again: every type "
	    "count 0");
}

/*
 * A page of networks and what the lists show beside each (endpoints,
 * default rates, apply status, resource subnets) come in a fixed number
 * of statements however long the page (warp_network_list_page,
 * warp_network_facts: one range each), and agree with the one-network
 * reads they replace.
 */
static long	facts_res, facts_failed, facts_rates, facts_eps;

static int
facts_agree(const struct warp_network *v, const struct warp_network_facts *f,
    size_t n)
{
	struct warp_network		one;
	struct warp_apply_status	a;
	struct warp_err			err;
	uint64_t			down, up;
	size_t				i, k;

	for (i = 0; i < n; i++) {
		if (warp_network_get_id(db, v[i].id, &one, &err) == -1 ||
		    warp_traffic_defaults(db, v[i].id, &down, &up, &err) == -1)
			return (0);
		warp_apply_status_get(db, "network", v[i].id, &a);
		if (f[i].id != v[i].id || f[i].endpoints !=
		    warp_network_count_endpoints(db, v[i].id) ||
		    f[i].down_bps != down || f[i].up_bps != up ||
		    strcmp(f[i].apply_status, a.status) ||
		    strcmp(f[i].apply_error, a.error) ||
		    one.nresources != v[i].nresources)
			return (0);
		facts_res += (long)v[i].nresources;
		facts_failed += !strcmp(f[i].apply_status, "failed");
		facts_rates += f[i].down_bps > 0;
		facts_eps += f[i].endpoints;
		for (k = 0; k < one.nresources; k++)
			if (memcmp(&one.resources[k], &v[i].resources[k],
			    sizeof(one.resources[k])) != 0)
				return (0);
	}
	return (1);
}

static void
test_list_facts(void)
{
	struct warp_page		 pg = { 0, 0, 0 };
	struct warp_network		*v;
	struct warp_network_facts	 f[40];
	struct warp_err			 err;
	size_t				 n;
	long				 st, sc, stmts[2];
	char				 name[32], subnet[32];
	int				 i, k;

	(void)warp_server_config_set(db, "port-pool", "51820-51999", &err);
	for (i = 0; i < 30; i++) {
		(void)snprintf(name, sizeof(name), "lf%d", i);
		(void)snprintf(subnet, sizeof(subnet), "10.%d.0.0/24", 120 + i);
		mknet(name, subnet);
	}
	testdb_mkep(db, "lf3", "e1", WARP_EP_MOBILE, NULL);
	testdb_mkep(db, "lf3", "e2", WARP_EP_MOBILE, NULL);
	testdb_mkep(db, "lf7", "e1", WARP_EP_MOBILE, NULL);
	sql_exec("INSERT INTO network_resources (network_id, cidr) SELECT id, "
	    "'10.250.' || (id % 200) || '.0/24' FROM networks WHERE name LIKE "
	    "'lf%' AND id % 3 = 0; INSERT INTO network_resources (network_id, "
	    "cidr) SELECT id, '10.249.' || (id % 200) || '.0/24' FROM networks "
	    "WHERE name LIKE 'lf%' AND id % 3 = 0; "
	    "INSERT INTO network_traffic (network_id, default_down_bps, "
	    "default_up_bps) SELECT id, id * 1000, id FROM networks WHERE "
	    "name LIKE 'lf%' AND id % 4 = 0; "
	    "INSERT OR REPLACE INTO apply_status (object_type, object_id, "
	    "status, error) SELECT 'network', id, CASE WHEN id % 2 = 0 THEN "
	    "'failed' ELSE 'applied' END, CASE WHEN id % 2 = 0 THEN 'no \"' "
	    "|| id || '\"' ELSE '' END FROM networks WHERE name LIKE 'lf%' "
	    "AND id % 5 != 0");
	for (k = 0; k < 2; k++) {
		pg.limit = k == 0 ? 3 : 30;
		/* warm (prepared), then counted */
		if (warp_network_list_page(db, &pg, &v, &n, &err) == 0)
			warp_network_list_free(v);
		testdb_steps_begin(db);
		if (warp_network_list_page(db, &pg, &v, &n, &err) == -1 ||
		    warp_network_facts(db, v, n, f, &err) == -1)
			n = 0;
		testdb_steps_end(db, &st, &sc);
		stmts[k] = testdb_stmts;
		CHECK(n == (size_t)pg.limit && facts_agree(v, f, n), "a page "
		    "of %zu networks: endpoints, rates, apply status and "
		    "resource subnets as the one-network reads give them", n);
		if (n > 0)
			warp_network_list_free(v);
	}
	printf("# a page of 3 networks and its facts: %ld statements, of 30: "
	    "%ld\n", stmts[0], stmts[1]);
	CHECK(facts_res > 0 && facts_failed > 0 && facts_rates > 0 &&
	    facts_eps == 3, "the pages had resource subnets (%ld), "
	    "failed networks (%ld), rates (%ld) and endpoints (%ld)",
	    facts_res, facts_failed, facts_rates, facts_eps);
	CHECK(stmts[0] == 3 && stmts[1] == 3, "3 statements for a page of 3 "
	    "networks and for one of 30 (%ld, %ld): the row, the resources, "
	    "the facts", stmts[0], stmts[1]);
	pg.limit = 0;
	pg.after = 0;
	for (i = 0; i < 30; i++) {
		(void)snprintf(name, sizeof(name), "lf%d", i);
		(void)warp_network_delete(db, name, "test", &err);
	}
	CHECK(rows("SELECT count(*) FROM networks WHERE name LIKE 'lf%'") == 0,
	    "and deleted again");
}

/*
 * An API page of endpoints and their LAN subnets: two statements however
 * long the page (the LANs of the page in one range, joined to the
 * network's endpoints), the LANs of each as the one-endpoint read gives
 * them, in their own order, none of another network's whose ids lie
 * between.
 */
static void
test_list_lans(void)
{
	struct warp_page	 pg = { 0, 0, 0 };
	struct warp_endpoint	*v, one;
	struct warp_err		 err;
	size_t			 n, i, k, same, lans;
	long			 st, sc, stmts[2];
	int64_t			 la;
	char			 name[32];

	la = mknet("la", "10.150.0.0/24");
	mknet("lb", "10.151.0.0/24");
	for (i = 0; i < 40; i++) {
		(void)snprintf(name, sizeof(name), "e%zu", i);
		testdb_mkep(db, i % 2 ? "lb" : "la", name, WARP_EP_MOBILE,
		    NULL);
	}
	sql_exec("INSERT INTO endpoint_lans (endpoint_id, cidr) SELECT id, "
	    "'192.168.' || (id % 200) || '.0/24' FROM endpoints WHERE id % 3 "
	    "!= 0; INSERT INTO endpoint_lans (endpoint_id, cidr) SELECT id, "
	    "'172.20.' || (id % 200) || '.0/24' FROM endpoints WHERE id % 3 "
	    "= 1");
	for (k = 0; k < 2; k++) {
		pg.limit = k == 0 ? 3 : 20;
		/* warm (prepared), then counted */
		if (warp_endpoint_list_page(db, la, &pg, &v, &n, &err) == 0)
			warp_endpoint_list_free(v);
		testdb_steps_begin(db);
		if (warp_endpoint_list_page(db, la, &pg, &v, &n, &err) == -1)
			n = 0;
		testdb_steps_end(db, &st, &sc);
		stmts[k] = testdb_stmts;
		same = lans = 0;
		for (i = 0; i < n; i++) {
			lans += v[i].nlans;
			if (warp_endpoint_get_id(db, v[i].id, &one,
			    &err) == 0 && one.nlans == v[i].nlans && one.network_id ==
			    v[i].network_id && memcmp(one.lans, v[i].lans,
			    one.nlans * sizeof(one.lans[0])) == 0)
				same++;
		}
		CHECK(n == (size_t)pg.limit && same == n && lans > 0,
		    "a page of %zu endpoints of one network: %zu LAN subnets, "
		    "each endpoint's as the one-endpoint read gives them", n,
		    lans);
		if (n > 0)
			warp_endpoint_list_free(v);
	}
	CHECK(stmts[0] == 2 && stmts[1] == 2, "2 statements for a page of 3 "
	    "and of 20 endpoints (%ld, %ld): the rows and their LANs",
	    stmts[0], stmts[1]);
	(void)warp_network_delete(db, "la", "test", &err);
	(void)warp_network_delete(db, "lb", "test", &err);
}

int
main(void)
{
	db = testdb_open();
	test_counts();
	test_flat_networks();
	test_list_facts();
	test_list_lans();
	test_params();
	test_flat();
	test_status_merge();
	testdb_close(db);
	return (check_done());
}
