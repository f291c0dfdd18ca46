/*
 * Backup and restore of the whole appliance state: a consistent copy of
 * the database (sqlite's online backup, safe while warpd runs) and of the
 * master key beside it.  A restore checks that the copy is a WARP
 * database this program can read and that the key opens it before a
 * single byte of the live state changes.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "warp.h"
#include "warp_db_int.h"

static int	warp_backup_copy(sqlite3 *, sqlite3 *, struct warp_err *);
static int	warp_backup_write_key(const char *, const uint8_t *,
		    struct warp_err *);
static int	warp_backup_read_key(const char *, uint8_t *,
		    struct warp_err *);

static int
warp_backup_copy(sqlite3 *from, sqlite3 *to, struct warp_err *err)
{
	sqlite3_backup	*b;
	int		 rc;

	if ((b = sqlite3_backup_init(to, "main", from, "main")) == NULL)
		return (warp_err_system(err, "cannot start the copy: %s",
		    sqlite3_errmsg(to)));
	do {
		rc = sqlite3_backup_step(b, 256);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(50);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		return (warp_err_system(err, "copying the database failed: %s",
		    sqlite3_errstr(rc)));
	return (0);
}

static int
warp_backup_write_key(const char *path, const uint8_t *key,
    struct warp_err *err)
{
	return (warp_file_write_private(path, key, WARP_MASTER_KEY_LEN, err));
}

static int
warp_backup_read_key(const char *path, uint8_t *key, struct warp_err *err)
{
	int	fd;
	ssize_t	n;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return (warp_err_input(err, "cannot open the backup's key %s: "
		    "%s", path, strerror(errno)));
	n = read(fd, key, WARP_MASTER_KEY_LEN);
	close(fd);
	if (n != WARP_MASTER_KEY_LEN)
		return (warp_err_input(err, "%s is not a master key (%d bytes)",
		    path, WARP_MASTER_KEY_LEN));
	return (0);
}

/* Write <path> (the database) and <path>.key (the master key), 0600. */
int
warp_db_backup(struct warp_db *db, const char *path, struct warp_err *err)
{
	sqlite3	*to = NULL;
	char	*keypath;
	int	 fd, rc = -1;

	if (access(path, F_OK) == 0)
		return (warp_err_input(err, "%s exists; choose a new file name",
		    path));
	/* Create it 0600 first so the copy is never readable by others. */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1)
		return (warp_err_system(err, "cannot create %s: %s", path,
		    strerror(errno)));
	close(fd);
	keypath = warp_db_key_legacy_path(path);	/* FILE.key */
	if (sqlite3_open_v2(path, &to, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		warp_err_system(err, "cannot open %s", path);
		goto out;
	}
	warp_db_harden(to);
	if (warp_backup_copy(db->sql, to, err) == -1 ||
	    warp_backup_write_key(keypath, db->master_key, err) == -1)
		goto out;
	rc = 0;
out:
	if (to != NULL)
		sqlite3_close(to);
	if (rc == -1) {
		(void)unlink(path);
		(void)unlink(keypath);
	}
	free(keypath);
	return (rc);
}

/*
 * The backup's schema must be exactly what this program's own migrations
 * make at that version: no trigger, view, table or index of the file's
 * own is ever taken over into the live database (a worker, or whoever
 * handed over the file, could have added one for root to run).
 */
static int
backup_schema_check(sqlite3 *src, int version, const char *path,
    struct warp_err *err)
{
	static const char	q[] = "SELECT type, name, coalesce(sql, '') "
				    "FROM sqlite_schema WHERE name NOT LIKE "
				    "'sqlite_%' ORDER BY type, name";
	sqlite3		*ref = NULL;
	sqlite3_stmt	*a = NULL, *b = NULL;
	int		 ra, rb, rc = -1;

	if (sqlite3_open_v2(":memory:", &ref, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK ||
	    warp_migrate(ref, warp_migrations, (size_t)version, err) == -1) {
		if (err->msg[0] == '\0')
			warp_err_system(err, "cannot build the reference schema");
		goto out;
	}
	if (sqlite3_prepare_v2(src, q, -1, &a, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ref, q, -1, &b, NULL) != SQLITE_OK) {
		warp_err_input(err, "backup %s is damaged", path);
		goto out;
	}
	for (;;) {
		ra = sqlite3_step(a);
		rb = sqlite3_step(b);
		if (ra == SQLITE_DONE && rb == SQLITE_DONE)
			break;
		if (ra != SQLITE_ROW || rb != SQLITE_ROW ||
		    strcmp((const char *)sqlite3_column_text(a, 0),
		    (const char *)sqlite3_column_text(b, 0)) ||
		    strcmp((const char *)sqlite3_column_text(a, 1),
		    (const char *)sqlite3_column_text(b, 1)) ||
		    strcmp((const char *)sqlite3_column_text(a, 2),
		    (const char *)sqlite3_column_text(b, 2))) {
			warp_err_input(err, "backup %s has a schema of its own "
			    "(%s '%s' is not what WARP gateway makes at "
			    "version %d); refusing to restore it", path,
			    ra == SQLITE_ROW ? (const char *)
			    sqlite3_column_text(a, 0) : "object",
			    ra == SQLITE_ROW ? (const char *)
			    sqlite3_column_text(a, 1) : (rb == SQLITE_ROW ?
			    (const char *)sqlite3_column_text(b, 1) : "?"),
			    version);
			goto out;
		}
	}
	rc = 0;
out:
	sqlite3_finalize(a);
	sqlite3_finalize(b);
	if (ref != NULL)
		sqlite3_close(ref);
	return (rc);
}

/*
 * Replace the live state with the backup at <path> (key <keypath>, default
 * <path>.key).  The backup is checked first: a WARP database, not newer
 * than this program, whose sealed keys open with the given master key.
 * Older backups are brought up to date by the migrations after the copy.
 */
int
warp_db_restore(struct warp_db *db, const char *path, const char *keypath,
    struct warp_err *err)
{
	struct warp_db	 src;
	sqlite3_stmt	*st;
	uint8_t		 key[WARP_MASTER_KEY_LEN], *plain = NULL;
	size_t		 plen, nsealed;
	char		*kp = NULL, *livekey = NULL, *tmpkey = NULL;
	int		 version = 0, appid = 0, rc = -1;

	memset(&src, 0, sizeof(src));
	kp = keypath != NULL ? warp_xstrdup(keypath) :
	    warp_db_key_legacy_path(path);
	if (warp_backup_read_key(kp, key, err) == -1)
		goto out;
	if (sqlite3_open_v2(path, &src.sql, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		warp_err_input(err, "cannot open the backup %s", path);
		goto out;
	}
	warp_db_harden(src.sql);
	if (sqlite3_prepare_v2(src.sql, "PRAGMA application_id", -1, &st,
	    NULL) != SQLITE_OK) {
		warp_err_input(err, "%s is not a database", path);
		goto out;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		appid = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (appid != WARP_APPLICATION_ID ||
	    warp_db_user_version(src.sql, &version) == -1) {
		warp_err_input(err, "%s is not a WARP gateway backup", path);
		goto out;
	}
	if (version < 1 || (size_t)version > warp_migrations_count) {
		warp_err_input(err, "backup %s has schema version %d; this "
		    "program reads up to %zu", path, version,
		    warp_migrations_count);
		goto out;
	}
	if (backup_schema_check(src.sql, version, path, err) == -1)
		goto out;
	/* The key must open what it is meant to open. */
	memcpy(src.master_key, key, sizeof(key));
	src.has_master_key = 1;
	src.has_derived_keys = 0;
	src.has_check_key = 0;
	if (sqlite3_prepare_v2(src.sql, "SELECT private_key FROM networks "
	    "LIMIT 1", -1, &st, NULL) != SQLITE_OK) {
		warp_err_input(err, "backup %s is damaged", path);
		goto out;
	}
	if (sqlite3_step(st) == SQLITE_ROW &&
	    warp_unseal(&src, "networks.private_key",
	    sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
	    &plain, &plen, err) == -1) {
		sqlite3_finalize(st);
		warp_err_input(err, "the key %s does not open backup %s", kp,
		    path);
		goto out;
	}
	sqlite3_finalize(st);
	warp_secret_free(plain, plain != NULL ? plen + 1 : 0);

	/*
	 * The new key goes to a temporary file first; the data copy is one
	 * transaction (unchanged if it fails); only then does the key file
	 * take the new key, by rename.
	 */
	livekey = warp_db_key_path(db->path);
	if (asprintf(&tmpkey, "%s.restore", livekey) == -1)
		warp_fatal("out of memory");
	(void)unlink(tmpkey);
	if (warp_backup_write_key(tmpkey, key, err) == -1)
		goto out;
	if (warp_backup_copy(src.sql, db->sql, err) == -1) {
		(void)unlink(tmpkey);
		goto out;
	}
	if (rename(tmpkey, livekey) == -1) {
		warp_err_system(err, "the data was restored but the key could "
		    "not be installed: copy %s to %s by hand (%s)", kp, livekey,
		    strerror(errno));
		goto out;
	}
	memcpy(db->master_key, key, sizeof(key));
	db->has_master_key = 1;
	db->has_derived_keys = 0;
	db->has_check_key = 0;
	if (warp_migrate(db->sql, warp_migrations, warp_migrations_count,
	    err) == -1)
		goto out;
	/* A backup from before the workers' own key: seal it again now. */
	if (warp_db_reseal(db, &nsealed, err) == -1)
		goto out;
	rc = 0;
out:
	if (src.sql != NULL)
		sqlite3_close(src.sql);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(src.master_key, sizeof(src.master_key));
	sodium_memzero(&src.derived_keys, sizeof(src.derived_keys));
	sodium_memzero(src.root_sk, sizeof(src.root_sk));
	free(kp);
	free(livekey);
	free(tmpkey);
	return (rc);
}
