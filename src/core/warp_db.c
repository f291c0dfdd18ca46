/*
 * Database access: opening (WAL, foreign keys), the numbered schema steps
 * of migrations/, the master key file, transactions and the audit log,
 * and the small SQL helpers the other core files share (warp_db_int.h):
 * owner CIDR lists, sealed keys, marking a change pending.
 *
 * Schema steps follow freebsd/pkg: each runs in BEGIN IMMEDIATE ... PRAGMA
 * user_version = N; COMMIT, so a failing step leaves the previous version,
 * and a database newer than the program is refused.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "warp.h"
#include "warp_db_int.h"

static int	warp_db_load_key(struct warp_db *, int, int, struct warp_err *);
static int	warp_mkdir_parent(const char *, struct warp_err *);

const char *
warp_db_default_path(void)
{
	const char	*p;

	if ((p = getenv("WARP_DB")) != NULL && *p != '\0')
		return (p);
	return (WARP_DB_DEFAULT);
}

/*
 * Where the master key of the database at dbpath lives: WARP_KEY if set;
 * for the default database WARP_KEY_DEFAULT, a directory only root can
 * write (the database's own directory is the web workers'); otherwise
 * <db>.key (a development or test database: one user, no workers).
 */
char *
warp_db_key_path(const char *dbpath)
{
	const char	*k;

	if ((k = getenv("WARP_KEY")) != NULL && *k != '\0')
		return (warp_xstrdup(k));
	if (strcmp(dbpath, WARP_DB_DEFAULT) == 0)
		return (warp_xstrdup(WARP_KEY_DEFAULT));
	return (warp_db_key_legacy_path(dbpath));
}

/* Where the key used to live for every database: next to it. */
char *
warp_db_key_legacy_path(const char *dbpath)
{
	char	*p;

	if (asprintf(&p, "%s.key", dbpath) == -1)
		warp_fatal("out of memory");
	return (p);
}

int
warp_db_user_version(sqlite3 *sql, int *version)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(sql, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return (-1);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return (rc == SQLITE_ROW ? 0 : -1);
}

static int
warp_db_pragma_int(sqlite3 *sql, const char *pragma, int *value)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(sql, pragma, -1, &st, NULL) != SQLITE_OK)
		return (-1);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*value = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return (rc == SQLITE_ROW ? 0 : -1);
}

int
warp_migrate(sqlite3 *sql, const struct warp_migration *steps, size_t n,
    struct warp_err *err)
{
	int	 version, appid;
	size_t	 i;
	char	*errmsg, *stmt;

	if (warp_db_user_version(sql, &version) == -1 ||
	    warp_db_pragma_int(sql, "PRAGMA application_id", &appid) == -1)
		return (warp_err_system(err, "cannot read the schema version: "
		    "%s", sqlite3_errmsg(sql)));
	if (appid != 0 && appid != WARP_APPLICATION_ID)
		return (warp_err_input(err, "this is not a WARP gateway "
		    "database (application_id %d)", appid));
	if (appid == 0 && version != 0)
		return (warp_err_input(err, "this is not a WARP gateway "
		    "database (unknown schema version %d)", version));
	if (version < 0 || (size_t)version > n)
		return (warp_err_input(err, "the database has schema version %d, "
		    "newer than this program knows (%zu); upgrade WARP gateway "
		    "instead of downgrading the database", version, n));

	for (i = (size_t)version; i < n; i++) {
		if (steps[i].version != (int)i + 1)
			return (warp_err_system(err, "migration table out of "
			    "order at %s", steps[i].name));
		if (asprintf(&stmt, "BEGIN IMMEDIATE;\n%s\n"
		    "PRAGMA application_id = %d;\nPRAGMA user_version = %d;\n"
		    "COMMIT;", steps[i].sql, WARP_APPLICATION_ID,
		    steps[i].version) == -1)
			warp_fatal("out of memory");
		errmsg = NULL;
		if (sqlite3_exec(sql, stmt, NULL, NULL, &errmsg) != SQLITE_OK) {
			(void)sqlite3_exec(sql, "ROLLBACK", NULL, NULL, NULL);
			warp_err_system(err, "schema step %s failed: %s; the "
			    "database stays at version %d", steps[i].name,
			    errmsg ? errmsg : "?", (int)i);
			sqlite3_free(errmsg);
			free(stmt);
			return (-1);
		}
		free(stmt);
	}
	return (0);
}

static int
warp_mkdir_parent(const char *path, struct warp_err *err)
{
	char	*copy, *dir;
	int	 rc = 0;

	copy = warp_xstrdup(path);
	dir = dirname(copy);
	if (mkdir(dir, 0750) == -1 && errno != EEXIST)
		rc = warp_err_system(err, "cannot create directory %s: %s", dir,
		    strerror(errno));
	free(copy);
	return (rc);
}

/*
 * A key file we opened: a regular file of ours, not writable or readable
 * by others (0640 allowed), exactly the key's length.
 */
static int
warp_db_read_key(int fd, const char *path, uint8_t key[WARP_MASTER_KEY_LEN],
    struct warp_err *err)
{
	struct stat	 st;
	ssize_t		 n;

	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		return (warp_err_system(err, "master key %s is not a regular "
		    "file", path));
	/* Planted by someone else? */
	if (st.st_uid != geteuid())
		return (warp_err_system(err, "master key %s is owned by uid %u, "
		    "not by us (uid %u); refusing it", path,
		    (unsigned)st.st_uid, (unsigned)geteuid()));
	if (st.st_mode & (S_IROTH | S_IWOTH | S_IWGRP))
		return (warp_err_system(err, "master key %s is accessible to "
		    "others (mode %o); chmod 600 it", path, st.st_mode & 0777));
	n = read(fd, key, WARP_MASTER_KEY_LEN);
	if (n != WARP_MASTER_KEY_LEN)
		return (warp_err_system(err, "master key %s is damaged (%zd "
		    "bytes)", path, n));
	return (0);
}

/* A new key file, 0600, in a directory made 0700 if it is missing. */
static int
warp_db_write_key(const char *path, const uint8_t key[WARP_MASTER_KEY_LEN],
    struct warp_err *err)
{
	char	*copy;
	int	 fd, rc = 0;

	copy = warp_xstrdup(path);
	if (mkdir(dirname(copy), 0700) == -1 && errno != EEXIST)
		rc = warp_err_system(err, "cannot create the directory of the "
		    "master key %s: %s", path, strerror(errno));
	free(copy);
	if (rc == -1)
		return (-1);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1 || write(fd, key, WARP_MASTER_KEY_LEN) !=
	    WARP_MASTER_KEY_LEN || fsync(fd) == -1) {
		rc = warp_err_system(err, "cannot write the master key %s: %s",
		    path, strerror(errno));
		if (fd != -1)
			(void)unlink(path);
	}
	if (fd != -1)
		close(fd);
	return (rc);
}

/*
 * An install from before the key left the database directory: its key is
 * still <db>.key.  Move it (once: afterwards the old place is never read,
 * whatever appears there).  1 moved, 0 nothing there, -1 error.
 */
static int
warp_db_move_key(const char *dbpath, const char *path, struct warp_err *err)
{
	uint8_t		 key[WARP_MASTER_KEY_LEN];
	char		*old;
	int		 fd, rc = 0;

	old = warp_db_key_legacy_path(dbpath);
	if (strcmp(old, path) == 0 ||
	    (fd = open(old, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		if (strcmp(old, path) != 0 && errno != ENOENT)
			rc = warp_err_system(err, "cannot open the old master "
			    "key %s: %s", old, strerror(errno));
		free(old);
		return (rc);
	}
	if (warp_db_read_key(fd, old, key, err) == -1 ||
	    warp_db_write_key(path, key, err) == -1)
		rc = -1;
	else if (unlink(old) == -1)
		rc = warp_err_system(err, "the master key was copied to %s but "
		    "its old copy %s could not be removed: %s; remove it", path,
		    old, strerror(errno));
	else
		rc = 1;
	close(fd);
	sodium_memzero(key, sizeof(key));
	free(old);
	return (rc);
}

/*
 * The master key: 32 random bytes in warp_db_key_path(), mode 0600 (0640
 * allowed; never world-readable), owned by whoever opens the database.
 */
static int
warp_db_load_key(struct warp_db *db, int create, int fresh,
    struct warp_err *err)
{
	char		*path;
	int		 fd, rc = -1;

	path = warp_db_key_path(db->path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1 &&
	    errno == ENOENT) {
		if (warp_db_move_key(db->path, path, err) == -1)
			goto out;
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd == -1) {
		if (errno != ENOENT || !create) {
			warp_err_system(err, "cannot open the master key %s: %s%s",
			    path, strerror(errno), errno == ENOENT ?
			    " (restore it from your backup; without it the "
			    "stored keys cannot be decrypted)" : "");
			goto out;
		}
		if (!fresh) {
			warp_err_system(err, "the master key %s is missing but "
			    "the database exists; restore the key from your "
			    "backup", path);
			goto out;
		}
		randombytes_buf(db->master_key, sizeof(db->master_key));
		if (warp_db_write_key(path, db->master_key, err) == -1)
			goto out;
		db->has_master_key = 1;
		db->has_derived_keys = 0;
		db->has_check_key = 0;
		rc = 0;
		goto out;
	}
	if (warp_db_read_key(fd, path, db->master_key, err) == -1)
		goto out;
	db->has_master_key = 1;
	db->has_derived_keys = 0;
	db->has_check_key = 0;
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	free(path);
	return (rc);
}

/*
 * Every connection: SQLite's defensive mode (no writable_schema, no
 * writes to shadow tables) and no functions with side effects called from
 * the schema (triggers, views, defaults) of a file someone else can write.
 */
void
warp_db_harden(sqlite3 *sql)
{
	(void)sqlite3_db_config(sql, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	(void)sqlite3_db_config(sql, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	/* Deleted or overwritten secrets (retired keys) are zeroed on disk. */
	(void)sqlite3_exec(sql, "PRAGMA trusted_schema = OFF; "
	    "PRAGMA secure_delete = ON", NULL, NULL, NULL);
}

/*
 * The database and its side files live in a directory the web workers
 * may write: a symlink there must never make root open (and sqlite
 * truncate or chown) something else.
 */
static int
warp_db_nofollow(const char *path, struct warp_err *err)
{
	const char	*suffix[] = { "", "-wal", "-shm", "-journal", NULL };
	char		 side[PATH_MAX];
	struct stat	 st;
	int		 i;

	for (i = 0; suffix[i] != NULL; i++) {
		(void)snprintf(side, sizeof(side), "%s%s", path, suffix[i]);
		if (lstat(side, &st) == -1)
			continue;
		if (!S_ISREG(st.st_mode))
			return (warp_err_system(err, "%s is not a regular file "
			    "(a symlink?); refusing to open the database", side));
	}
	return (0);
}

int
warp_db_open(struct warp_db **out, const char *path, int flags,
    struct warp_err *err)
{
	struct warp_db	*db;
	struct stat	 st;
	int		 fresh, oflags;

	if (sodium_init() == -1)
		return (warp_err_system(err, "libsodium failed to initialise"));
	if (path == NULL)
		path = warp_db_default_path();
	fresh = stat(path, &st) == -1;
	if (fresh && !(flags & WARP_DB_CREATE)) {
		warp_err_input(err, "database %s does not exist", path);
		return (warp_err_field(err, WARP_F_DB));
	}
	if (fresh && warp_mkdir_parent(path, err) == -1)
		return (-1);

	if (warp_db_nofollow(path, err) == -1)
		return (-1);

	db = warp_xcalloc(1, sizeof(*db));
	db->path = warp_xstrdup(path);
	/*
	 * A handle is used by the one thread of its process (Kore's task
	 * threads only hash passwords): sqlite's own mutex around every
	 * call was a tenth of a JSON list's instructions.
	 */
	oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
	    SQLITE_OPEN_NOFOLLOW;
	if (flags & WARP_DB_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &db->sql, oflags, NULL) != SQLITE_OK) {
		warp_err_system(err, "cannot open database %s: %s", path,
		    db->sql ? sqlite3_errmsg(db->sql) : "out of memory");
		goto fail;
	}
	warp_db_harden(db->sql);
	if (fresh)
		(void)chmod(path, 0640);
	sqlite3_busy_timeout(db->sql, 5000);
	if (sqlite3_exec(db->sql, "PRAGMA journal_mode = WAL; "
	    "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
	    NULL, NULL, NULL) != SQLITE_OK) {
		warp_err_system(err, "cannot configure database %s: %s", path,
		    sqlite3_errmsg(db->sql));
		goto fail;
	}
	if (warp_migrate(db->sql, warp_migrations, warp_migrations_count,
	    err) == -1)
		goto fail;
	if (!(flags & WARP_DB_NOKEY) &&
	    warp_db_load_key(db, flags & WARP_DB_CREATE, fresh, err) == -1)
		goto fail;
	*out = db;
	return (0);
fail:
	warp_db_close(db);
	if (fresh) {
		/* A failed first open leaves nothing behind. */
		char	*p;

		(void)unlink(path);
		if (asprintf(&p, "%s-wal", path) != -1) {
			(void)unlink(p);
			free(p);
		}
		if (asprintf(&p, "%s-shm", path) != -1) {
			(void)unlink(p);
			free(p);
		}
	}
	return (-1);
}

void
warp_db_close(struct warp_db *db)
{
	size_t	i;

	if (db == NULL)
		return;
	if (db->sql != NULL)
		(void)warp_audit_queue_close(db);
	if (db->dv_stmt != NULL)
		sqlite3_finalize(db->dv_stmt);
	for (i = 0; i < WARP_DB_CACHED; i++) {
		if (db->cached[i].st != NULL)
			sqlite3_finalize(db->cached[i].st);
		free(db->cached[i].sql);
	}
	if (db->sql != NULL)
		sqlite3_close_v2(db->sql);
	sodium_memzero(db->master_key, sizeof(db->master_key));
	sodium_memzero(&db->worker_keys, sizeof(db->worker_keys));
	sodium_memzero(&db->derived_keys, sizeof(db->derived_keys));
	sodium_memzero(db->root_sk, sizeof(db->root_sk));
	sodium_memzero(db->check_key, sizeof(db->check_key));
	free(db->path);
	free(db);
}

int
warp_db_sqlerr(struct warp_db *db, struct warp_err *err, const char *what)
{
	return (warp_err_system(err, "database error while %s: %s", what,
	    sqlite3_errmsg(db->sql)));
}

int
warp_db_exec(struct warp_db *db, const char *sql, struct warp_err *err)
{
	if (sqlite3_exec(db->sql, sql, NULL, NULL, NULL) != SQLITE_OK)
		return (warp_db_sqlerr(db, err, sql));
	return (0);
}

/*
 * Transactions nest: the outermost warp_db_begin() is BEGIN IMMEDIATE, inner
 * ones are savepoints, so a core function can be called on its own (one
 * transaction) or from inside another (all or nothing together).
 */
int
warp_db_begin(struct warp_db *db, struct warp_err *err)
{
	char	sql[64];

	if (db->txn_depth == 0)
		warp_db_read_end(db);
	if (db->txn_depth == 0)
		(void)snprintf(sql, sizeof(sql), "BEGIN IMMEDIATE");
	else
		(void)snprintf(sql, sizeof(sql), "SAVEPOINT warp%d",
		    db->txn_depth);
	if (warp_db_exec(db, sql, err) == -1)
		return (-1);
	db->txn_depth++;
	return (0);
}

int
warp_db_commit(struct warp_db *db, struct warp_err *err)
{
	char	sql[64];

	if (db->txn_depth <= 0)
		return (warp_err_system(err, "commit without a transaction"));
	if (db->txn_depth == 1)
		(void)snprintf(sql, sizeof(sql), "COMMIT");
	else
		(void)snprintf(sql, sizeof(sql), "RELEASE warp%d",
		    db->txn_depth - 1);
	if (warp_db_exec(db, sql, err) == -1) {
		warp_db_rollback(db);
		return (-1);
	}
	db->txn_depth--;
	return (0);
}

void
warp_db_rollback(struct warp_db *db)
{
	char	sql[80];

	if (db->txn_depth <= 0)
		return;
	if (db->txn_depth == 1)
		(void)snprintf(sql, sizeof(sql), "ROLLBACK");
	else
		(void)snprintf(sql, sizeof(sql), "ROLLBACK TO warp%d; "
		    "RELEASE warp%d", db->txn_depth - 1, db->txn_depth - 1);
	(void)sqlite3_exec(db->sql, sql, NULL, NULL, NULL);
	db->txn_depth--;
}

/*
 * One read transaction around the reads of one page or API answer: one
 * snapshot, and one WAL read lock taken instead of one per statement (a
 * list of 100 networks ran 500 statements, each its own transaction).
 * Only reads may run inside; warp_db_begin() ends it before it writes.
 */
void
warp_db_read_begin(struct warp_db *db)
{
	if (db->txn_depth > 0 || db->read_txn ||
	    !sqlite3_get_autocommit(db->sql))
		return;
	if (sqlite3_exec(db->sql, "BEGIN DEFERRED", NULL, NULL, NULL) ==
	    SQLITE_OK)
		db->read_txn = 1;
}

void
warp_db_read_end(struct warp_db *db)
{
	if (!db->read_txn)
		return;
	db->read_txn = 0;
	if (sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		(void)sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
}

int
warp_db_prepare(struct warp_db *db, sqlite3_stmt **st, const char *sql,
    struct warp_err *err)
{
	if (sqlite3_prepare_v2(db->sql, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return (warp_db_sqlerr(db, err, "preparing a statement"));
	}
	return (0);
}

/*
 * A statement the lists run once per row (a network's count, apply
 * status, rates and subnets; an endpoint's LANs and numbers), prepared
 * once per handle: at 100 rows a page, preparing them again each time
 * cost more than the rows.  Give it back with warp_db_release(), which
 * resets it, so no read snapshot outlives the call.  A statement in use
 * (or a full cache) is prepared as usual and finalized on release.
 */
int
warp_db_prepare_cached(struct warp_db *db, sqlite3_stmt **st,
    const char *sql, struct warp_err *err)
{
	size_t	i, slot = WARP_DB_CACHED;

	for (i = 0; i < WARP_DB_CACHED; i++) {
		if (db->cached[i].sql == NULL) {
			if (slot == WARP_DB_CACHED)
				slot = i;
			continue;
		}
		if (strcmp(db->cached[i].sql, sql) != 0)
			continue;
		if (db->cached[i].busy)
			return (warp_db_prepare(db, st, sql, err));
		db->cached[i].busy = 1;
		*st = db->cached[i].st;
		return (0);
	}
	if (warp_db_prepare(db, st, sql, err) == -1)
		return (-1);
	if (slot < WARP_DB_CACHED) {
		db->cached[slot].sql = warp_xstrdup(sql);
		db->cached[slot].st = *st;
		db->cached[slot].busy = 1;
	}
	return (0);
}

void
warp_db_release(struct warp_db *db, sqlite3_stmt *st)
{
	size_t	i;

	if (st == NULL)
		return;
	for (i = 0; i < WARP_DB_CACHED; i++) {
		if (db->cached[i].st == st && db->cached[i].busy) {
			(void)sqlite3_reset(st);
			(void)sqlite3_clear_bindings(st);
			db->cached[i].busy = 0;
			return;
		}
	}
	sqlite3_finalize(st);
}

/*
 * Replace the CIDR list of one owner: `table` has columns (owner_col,
 * cidr).  The names are constants of the core, never input.
 */
int
warp_db_replace_cidrs(struct warp_db *db, const char *table,
    const char *owner_col, int64_t owner, const struct warp_cidr *v, size_t n,
    struct warp_err *err)
{
	sqlite3_stmt	*st;
	char		 sql[160], buf[WARP_CIDR_STRLEN];
	size_t		 i;
	int		 rc;

	(void)snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE %s = ?", table,
	    owner_col);
	if (warp_db_prepare(db, &st, sql, err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, owner);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "replacing subnets"));
	(void)snprintf(sql, sizeof(sql), "INSERT INTO %s (%s, cidr) VALUES "
	    "(?, ?)", table, owner_col);
	for (i = 0; i < n; i++) {
		if (warp_db_prepare(db, &st, sql, err) == -1)
			return (-1);
		warp_cidr_format(&v[i], buf, sizeof(buf));
		sqlite3_bind_int64(st, 1, owner);
		sqlite3_bind_text(st, 2, buf, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return (warp_db_sqlerr(db, err, "storing a subnet"));
	}
	return (0);
}

int
warp_audit(struct warp_db *db, const char *actor, const char *action,
    const char *object_type, const char *object, struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (warp_db_prepare(db, &st, "INSERT INTO audit_log (actor, action, "
	    "object_type, object) VALUES (?, ?, ?, ?)", err) == -1)
		return (-1);
	sqlite3_bind_text(st, 1, actor ? actor : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, action, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, object_type ? object_type : "", -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, object ? object : "", -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "writing the audit log"));
	return (0);
}

/* The schema version (PRAGMA user_version): -1 when the db does not answer. */
int
warp_db_schema_version(struct warp_db *db, int *version)
{
	if (db == NULL || db->sql == NULL)
		return (-1);
	return (warp_db_user_version(db->sql, version));
}

/*
 * Two numbers that move whenever the database changes: PRAGMA
 * data_version (another connection committed) and this connection's
 * total changes.  -1 when unknown; a cache keyed on them is then dropped.
 */
void
warp_db_epoch(struct warp_db *db, int64_t *dv, int64_t *changes)
{
	struct warp_err	err;

	*dv = -1;
	*changes = -1;
	if (db->dv_stmt == NULL && warp_db_prepare(db, &db->dv_stmt,
	    "PRAGMA data_version", &err) == -1)
		return;
	if (sqlite3_step(db->dv_stmt) == SQLITE_ROW)
		*dv = sqlite3_column_int64(db->dv_stmt, 0);
	sqlite3_reset(db->dv_stmt);
	*changes = sqlite3_total_changes64(db->sql);
}

/* Copy the master key out (warpd hands it to its workers): 0 if none. */
int
warp_db_master_key(struct warp_db *db, uint8_t key[WARP_MASTER_KEY_LEN])
{
	if (!db->has_master_key)
		return (0);
	memcpy(key, db->master_key, WARP_MASTER_KEY_LEN);
	return (1);
}

void
warp_db_set_master_key(struct warp_db *db,
    const uint8_t key[WARP_MASTER_KEY_LEN])
{
	memcpy(db->master_key, key, WARP_MASTER_KEY_LEN);
	db->has_master_key = 1;
	db->has_derived_keys = 0;
	db->has_check_key = 0;
}

/*
 * A web worker's keys (warp_keys.c): what it needs of the master key and
 * no more.  0 if the master key is not loaded.
 */
int
warp_db_worker_keys(struct warp_db *db, struct warp_worker_keys *wk)
{
	if (!db->has_master_key)
		return (0);
	warp_keys_worker_derive(db->master_key, wk);
	return (1);
}

void
warp_db_set_worker_keys(struct warp_db *db, const struct warp_worker_keys *wk)
{
	db->worker_keys = *wk;
	db->has_worker_keys = 1;
}

/* A sealed column and the context it was sealed with. */
static const struct {
	const char	*table;
	const char	*column;
	const char	*context;
} warp_sealed_columns[] = {
	{ "networks", "private_key", "networks.private_key" },
	{ "endpoints", "private_key", "endpoints.private_key" },
	{ "endpoints", "preshared_key", "endpoints.preshared_key" },
	{ "endpoint_configs", "content", "endpoint_configs.content" },
	{ "endpoint_configs", "private_key", "endpoints.private_key" },
	{ "endpoint_configs", "preshared_key", "endpoints.preshared_key" },
};

/* One column's legacy blobs, sealed again (inside the caller's txn). */
static int
warp_db_reseal_column(struct warp_db *db, size_t c, size_t *count,
    struct warp_err *err)
{
	sqlite3_stmt	*sel = NULL, *upd = NULL;
	uint8_t		*plain = NULL, *sealed = NULL;
	size_t		 plen = 0, slen = 0;
	char		 sql[192];
	int		 rc = -1, step;

	(void)snprintf(sql, sizeof(sql), "SELECT id, %s FROM %s WHERE "
	    "substr(%s, 1, 1) = x'01'", warp_sealed_columns[c].column,
	    warp_sealed_columns[c].table, warp_sealed_columns[c].column);
	if (warp_db_prepare(db, &sel, sql, err) == -1)
		return (-1);
	(void)snprintf(sql, sizeof(sql), "UPDATE %s SET %s = ?1 WHERE id = ?2",
	    warp_sealed_columns[c].table, warp_sealed_columns[c].column);
	if (warp_db_prepare(db, &upd, sql, err) == -1)
		goto out;
	while ((step = sqlite3_step(sel)) == SQLITE_ROW) {
		if (warp_unseal(db, warp_sealed_columns[c].context,
		    sqlite3_column_blob(sel, 1),
		    (size_t)sqlite3_column_bytes(sel, 1), &plain, &plen,
		    err) == -1 ||
		    warp_seal(db, warp_sealed_columns[c].context, plain, plen,
		    &sealed, &slen, err) == -1)
			goto out;
		warp_secret_free(plain, plen + 1);
		plain = NULL;
		sqlite3_bind_blob(upd, 1, sealed, (int)slen, SQLITE_STATIC);
		sqlite3_bind_int64(upd, 2, sqlite3_column_int64(sel, 0));
		step = sqlite3_step(upd);
		sqlite3_reset(upd);
		free(sealed);
		sealed = NULL;
		if (step != SQLITE_DONE) {
			warp_db_sqlerr(db, err, "sealing a secret again");
			goto out;
		}
		(*count)++;
	}
	if (step != SQLITE_DONE) {
		warp_db_sqlerr(db, err, "reading the sealed secrets");
		goto out;
	}
	rc = 0;
out:
	warp_secret_free(plain, plain != NULL ? plen + 1 : 0);
	free(sealed);
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	return (rc);
}

/*
 * Secrets sealed under the master key itself (before the workers got
 * their own key) are sealed again under the derived keys, in one
 * transaction.  Root only (it needs the master key); *count gets how many.
 */
int
warp_db_reseal(struct warp_db *db, size_t *count, struct warp_err *err)
{
	size_t	c;

	*count = 0;
	if (!db->has_master_key)
		return (warp_err_system(err, "the master key is not loaded"));
	if (warp_db_begin(db, err) == -1)
		return (-1);
	for (c = 0; c < sizeof(warp_sealed_columns) /
	    sizeof(warp_sealed_columns[0]); c++) {
		if (warp_db_reseal_column(db, c, count, err) == -1) {
			warp_db_rollback(db);
			*count = 0;
			return (-1);
		}
	}
	return (warp_db_commit(db, err));
}

/*
 * With tracking on, every change the core makes to a network, endpoint or
 * the server settings also marks that object pending in the same
 * transaction (warpd, whose dashboard shows what waits for the
 * reconciler).  warpctl leaves it off: its user runs `warpctl apply`.
 */
void
warp_db_track_pending(struct warp_db *db, int on)
{
	db->track_pending = on;
}

int
warp_db_mark_pending(struct warp_db *db, const char *type, int64_t id,
    struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (!db->track_pending)
		return (0);
	if (warp_db_prepare(db, &st, "INSERT INTO apply_status (object_type, "
	    "object_id, status, error, updated_at) VALUES (?, ?, 'pending', "
	    "'', unixepoch()) ON CONFLICT (object_type, object_id) DO UPDATE "
	    "SET status = 'pending', error = '', updated_at = unixepoch()",
	    err) == -1)
		return (-1);
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "marking a change pending"));
	return (0);
}

/*
 * Load the CIDR list of one owner (at most max; unparsable rows are
 * skipped).  Table and column names are constants of the core.
 */
int
warp_db_load_cidrs(struct warp_db *db, const char *table,
    const char *owner_col, int64_t owner, struct warp_cidr *v, size_t max,
    size_t *n, struct warp_err *err)
{
	sqlite3_stmt	*st;
	struct warp_err	 ignore;
	char		 sql[160];
	int		 rc;

	*n = 0;
	(void)snprintf(sql, sizeof(sql), "SELECT cidr FROM %s WHERE %s = ? "
	    "ORDER BY rowid", table, owner_col);
	if (warp_db_prepare_cached(db, &st, sql, err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, owner);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		if (warp_cidr_parse((const char *)sqlite3_column_text(st, 0),
		    &v[*n], &ignore) == 0)
			(*n)++;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		(void)warp_db_sqlerr(db, err, "reading subnets");
	warp_db_release(db, st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return (-1);
	return (0);
}

/*
 * One sealed 32-byte key of row `id` of `table` (the sealing context is
 * "table.column", as it was sealed).
 */
int
warp_db_sealed_key(struct warp_db *db, const char *table, int64_t id,
    const char *column, uint8_t key[WARP_KEY_LEN], struct warp_err *err)
{
	sqlite3_stmt	*st;
	uint8_t		*plain = NULL;
	size_t		 len = 0;
	char		 sql[160], ctx[96];
	int		 rc;

	(void)snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE id = ?",
	    column, table);
	(void)snprintf(ctx, sizeof(ctx), "%s.%s", table, column);
	/* Once per endpoint in the reconciler's load: kept prepared. */
	if (warp_db_prepare_cached(db, &st, sql, err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		warp_db_release(db, st);
		/* "networks" -> "network", "endpoints" -> "endpoint" */
		return (warp_err_set(err, WARP_ENOTFOUND, "no %.*s with id "
		    "%lld", (int)strlen(table) - 1, table, (long long)id));
	}
	rc = warp_unseal(db, ctx, sqlite3_column_blob(st, 0),
	    (size_t)sqlite3_column_bytes(st, 0), &plain, &len, err);
	warp_db_release(db, st);
	if (rc == -1)
		return (-1);
	if (len != WARP_KEY_LEN) {
		warp_secret_free(plain, len + 1);
		return (warp_err_system(err, "a stored key (%s) is damaged",
		    ctx));
	}
	memcpy(key, plain, WARP_KEY_LEN);
	warp_secret_free(plain, len + 1);
	return (0);
}
