/*
 * The deferred audit log: rows of views (a QR code, a config download)
 * queue in the database handle and are written together, in one
 * transaction, so that a view never waits for the write lock another
 * worker holds.  The queue is flushed every WARP_AUDIT_BATCH rows, when
 * its oldest row is a second old, before the audit log is read through
 * this handle and when the handle is closed.  A flush that fails (the lock
 * stayed busy) keeps every row for the next one, tried a second later:
 * none is dropped, and each keeps the time it was queued at.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "warp.h"
#include "warp_db_int.h"

struct warp_audit_row {
	int64_t		 at;
	char		*actor;
	char		*action;
	char		*object_type;
	char		*object;
};

struct warp_audit_q {
	struct warp_audit_row	*rows;
	size_t			 n;
	size_t			 cap;
	int64_t			 retry_at;	/* after a failed flush */
};

static void	warp_audit_rows_free(struct warp_audit_q *);

/* Queue one row; flushes when the batch is full or the oldest is due. */
int
warp_audit_defer(struct warp_db *db, const char *actor, const char *action,
    const char *object_type, const char *object)
{
	struct warp_audit_q	*q;
	struct warp_audit_row	*r;
	struct warp_err		 err;
	int64_t			 now = (int64_t)time(NULL);

	if (db->audit_q == NULL)
		db->audit_q = warp_xcalloc(1, sizeof(*db->audit_q));
	q = db->audit_q;
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : WARP_AUDIT_BATCH;
		if ((q->rows = realloc(q->rows, q->cap * sizeof(*q->rows))) ==
		    NULL)
			warp_fatal("out of memory");
	}
	r = &q->rows[q->n++];
	r->at = now;
	r->actor = warp_xstrdup(actor ? actor : "");
	r->action = warp_xstrdup(action);
	r->object_type = warp_xstrdup(object_type ? object_type : "");
	r->object = warp_xstrdup(object ? object : "");
	warp_err_clear(&err);
	/* A failed flush keeps the rows; the next one writes them. */
	(void)warp_audit_flush_due(db, now, &err);
	return (0);
}

size_t
warp_audit_queued(struct warp_db *db)
{
	return (db->audit_q != NULL ? db->audit_q->n : 0);
}

/* Flush when WARP_AUDIT_BATCH rows wait or the oldest is a second old. */
int
warp_audit_flush_due(struct warp_db *db, int64_t now, struct warp_err *err)
{
	struct warp_audit_q	*q = db->audit_q;

	if (q == NULL || q->n == 0 || now < q->retry_at)
		return (0);
	if (q->n < WARP_AUDIT_BATCH && now - q->rows[0].at < 1)
		return (0);
	if (warp_audit_flush(db, err) == -1) {
		/* Views do not queue up behind a busy lock: wait a second. */
		q->retry_at = now + 1;
		return (-1);
	}
	return (0);
}

static void
warp_audit_rows_free(struct warp_audit_q *q)
{
	size_t	i;

	for (i = 0; i < q->n; i++) {
		free(q->rows[i].actor);
		free(q->rows[i].action);
		free(q->rows[i].object_type);
		free(q->rows[i].object);
	}
	q->n = 0;
}

/*
 * Every queued row in one transaction of its own.  Inside a caller's
 * transaction nothing is written (its rollback would take the rows along):
 * they wait for the next flush.
 */
int
warp_audit_flush(struct warp_db *db, struct warp_err *err)
{
	struct warp_audit_q	*q = db->audit_q;
	sqlite3_stmt		*st = NULL;
	size_t			 i;
	int			 rc = SQLITE_DONE;

	if (q == NULL || q->n == 0 || db->txn_depth > 0)
		return (0);
	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_db_prepare(db, &st, "INSERT INTO audit_log (at, actor, "
	    "action, object_type, object) VALUES (?, ?, ?, ?, ?)", err) == -1)
		goto fail;
	for (i = 0; i < q->n && rc == SQLITE_DONE; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, q->rows[i].at);
		sqlite3_bind_text(st, 2, q->rows[i].actor, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, q->rows[i].action, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, q->rows[i].object_type, -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 5, q->rows[i].object, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		warp_db_sqlerr(db, err, "writing the audit log");
		goto fail;
	}
	if (warp_db_commit(db, err) == -1)
		return (-1);	/* commit rolled back: the rows stay */
	warp_audit_rows_free(q);
	return (0);
fail:
	warp_db_rollback(db);
	return (-1);
}

/*
 * At close (warp_db_close): a last flush, tried a few times (each waits
 * out the busy timeout); -1 if rows could still not be written.
 */
int
warp_audit_queue_close(struct warp_db *db)
{
	struct warp_err	err;
	int		i, rc = 0;

	if (db->audit_q == NULL)
		return (0);
	warp_err_clear(&err);
	for (i = 0; i < 3 && db->audit_q->n > 0; i++)
		rc = warp_audit_flush(db, &err);
	warp_audit_rows_free(db->audit_q);
	free(db->audit_q->rows);
	free(db->audit_q);
	db->audit_q = NULL;
	return (rc);
}
