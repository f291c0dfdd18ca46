/*
 * The deferred audit log (warp_audit.c): rows wait in the handle and are
 * written in one transaction per batch, when the oldest is due, before a
 * read and at close; while another connection holds the write lock the
 * rows stay queued and none is lost; a caller's rollback does not take
 * them along.  Every row is counted by its object name, exactly once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "testdb.h"

static struct warp_db	*db;

static long
rows(const char *where)
{
	char	sql[300];

	(void)snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit_log "
	    "WHERE action = 'config.qr' AND %s", where);
	return (testdb_count(db, sql));
}

static void
defer_range(int from, int to)
{
	char	obj[32];
	int	i;

	for (i = from; i < to; i++) {
		(void)snprintf(obj, sizeof(obj), "o%d", i);
		warp_audit_defer(db, "web:test", "config.qr", "endpoint", obj);
	}
}

/* Each of o<from>..o<to - 1> exactly once. */
static int
each_once(int from, int to)
{
	sqlite3_stmt	*st;
	int		 ok = 0;

	if (sqlite3_prepare_v2(db->sql, "SELECT count(*), count(DISTINCT "
	    "object), min(CAST(substr(object, 2) AS INTEGER)), "
	    "max(CAST(substr(object, 2) AS INTEGER)) FROM audit_log WHERE "
	    "action = 'config.qr'", -1, &st, NULL) != SQLITE_OK)
		return (0);
	if (sqlite3_step(st) == SQLITE_ROW)
		ok = sqlite3_column_int(st, 0) == to - from &&
		    sqlite3_column_int(st, 1) == to - from &&
		    sqlite3_column_int(st, 2) == from &&
		    sqlite3_column_int(st, 3) == to - 1;
	sqlite3_finalize(st);
	return (ok);
}

int
main(void)
{
	struct warp_err		 err;
	struct warp_audit_filter f;
	struct warp_audit_entry	*v;
	sqlite3			*other;
	char			 path[300];
	size_t			 nv;
	int64_t			 now;

	db = testdb_open();
	(void)snprintf(path, sizeof(path), "%s/warp.db", testdb_dir);

	defer_range(0, 10);
	CHECK(rows("1") == 0 && warp_audit_queued(db) == 10,
	    "10 rows of views wait in the handle (none written yet)");
	CHECK(warp_audit_flush_due(db, (int64_t)time(NULL) - 5, &err) == 0 &&
	    warp_audit_queued(db) == 10, "not due before their second is up");
	now = (int64_t)time(NULL);
	CHECK(warp_audit_flush_due(db, now + 2, &err) == 0 &&
	    warp_audit_queued(db) == 0 && each_once(0, 10),
	    "a second later they are written, each once");
	defer_range(10, 10 + WARP_AUDIT_BATCH - 1);
	CHECK(warp_audit_queued(db) == WARP_AUDIT_BATCH - 1,
	    "%d rows wait", WARP_AUDIT_BATCH - 1);
	defer_range(10 + WARP_AUDIT_BATCH - 1, 10 + WARP_AUDIT_BATCH);
	CHECK(warp_audit_queued(db) == 0 && each_once(0, 10 + WARP_AUDIT_BATCH),
	    "the %dth row writes the batch in one go", WARP_AUDIT_BATCH);

	/* Another connection holds the write lock. */
	sqlite3_busy_timeout(db->sql, 20);
	CHECK(sqlite3_open(path, &other) == SQLITE_OK &&
	    sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL) ==
	    SQLITE_OK, "another connection takes the write lock");
	defer_range(74, 74 + 300);
	CHECK(warp_audit_queued(db) == 300 && rows("1") == 74,
	    "300 views while it is held: no view failed, all 300 wait (the "
	    "flush found the lock busy and waits a second before it tries "
	    "again)");
	CHECK(warp_audit_flush(db, &err) == -1 && warp_audit_queued(db) == 300,
	    "a flush that cannot write keeps every row: %s", err.msg);
	sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(other);
	sqlite3_busy_timeout(db->sql, 5000);
	CHECK(warp_audit_flush_due(db, (int64_t)time(NULL) + 2, &err) == 0 &&
	    each_once(0, 374), "lock released: the next due flush writes all "
	    "300, none lost, none twice");
	defer_range(374, 375);
	CHECK(warp_audit_flush(db, &err) == 0 && each_once(0, 375),
	    "and the next row after them");

	/* Inside a caller's transaction that rolls back. */
	CHECK(warp_db_begin(db, &err) == 0, "a caller's transaction");
	defer_range(375, 375 + 100);
	CHECK(warp_audit_queued(db) == 100, "rows deferred inside it wait "
	    "for it to end");
	warp_db_rollback(db);
	CHECK(warp_audit_flush(db, &err) == 0 && each_once(0, 475),
	    "its rollback did not take them along: all written after");

	/* Reading the audit log through the handle sees its own rows. */
	defer_range(475, 478);
	memset(&f, 0, sizeof(f));
	f.limit = 10;
	CHECK(warp_audit_list(db, &f, &v, &nv, &err) == 0 && nv == 10 &&
	    strcmp(v[0].object, "o477") == 0,
	    "the audit list flushes first: the newest row is o477 (%s)",
	    nv > 0 ? v[0].object : "none");
	warp_audit_list_free(v);

	/* At close. */
	defer_range(478, 490);
	CHECK(warp_audit_queued(db) == 12, "12 rows wait at exit");
	warp_db_close(db);
	if (warp_db_open(&db, path, 0, &err) == -1) {
		printf("not ok - reopen: %s\n", err.msg);
		return (1);
	}
	CHECK(each_once(0, 490), "closing the handle wrote them: 490 rows, "
	    "each exactly once");
	(void)testdb_fingerprint;
	testdb_close(db);
	return (check_done());
}
