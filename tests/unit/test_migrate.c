/*
 * The migration runner: a fresh database gets every step, an old one is
 * upgraded, a newer or foreign one is refused, and a failing step leaves
 * the previous version with nothing of the step applied.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "warp.h"
#include "warp_db_int.h"	/* the migration steps are private to the core */

static int
table_exists(sqlite3 *sql, const char *name)
{
	sqlite3_stmt	*st;
	int		 found;

	sqlite3_prepare_v2(sql, "SELECT 1 FROM sqlite_master WHERE name = ?",
	    -1, &st, NULL);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return (found);
}

static int
pragma(sqlite3 *sql, const char *p)
{
	sqlite3_stmt	*st;
	int		 v = -1;

	sqlite3_prepare_v2(sql, p, -1, &st, NULL);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return (v);
}

int
main(void)
{
	static const struct warp_migration steps[] = {
		{ 1, "0001_a", "CREATE TABLE a (x INTEGER);" },
		{ 2, "0002_b", "CREATE TABLE b (y INTEGER); INSERT INTO a "
		    "VALUES (1);" },
	};
	static const struct warp_migration broken[] = {
		{ 1, "0001_a", "CREATE TABLE a (x INTEGER);" },
		{ 2, "0002_b", "CREATE TABLE b (y INTEGER); INSERT INTO a "
		    "VALUES (1);" },
		{ 3, "0003_bad", "CREATE TABLE c (z INTEGER); INSERT INTO a "
		    "VALUES (2); THIS IS NOT SQL;" },
	};
	struct warp_err	 err;
	struct warp_db	*db;
	sqlite3		*sql;
	char		 dir[] = "/tmp/warp-migrate-XXXXXX", path[64], cmd[96];
	int		 v;

	/* Generic runner on an in-memory database. */
	sqlite3_open(":memory:", &sql);
	CHECK(warp_migrate(sql, steps, 1, &err) == 0 &&
	    pragma(sql, "PRAGMA user_version") == 1 &&
	    pragma(sql, "PRAGMA application_id") == WARP_APPLICATION_ID,
	    "fresh database gets step 1, user_version 1 and the application id");
	CHECK(warp_migrate(sql, steps, 2, &err) == 0 &&
	    pragma(sql, "PRAGMA user_version") == 2 && table_exists(sql, "b"),
	    "upgrade applies only the pending step 2");
	CHECK(warp_migrate(sql, steps, 2, &err) == 0 &&
	    pragma(sql, "PRAGMA user_version") == 2,
	    "running again is a no-op");
	CHECK(warp_migrate(sql, broken, 3, &err) == -1 &&
	    err.kind == WARP_ESYSTEM && strstr(err.msg, "0003_bad") != NULL &&
	    strstr(err.msg, "stays at version 2") != NULL,
	    "a failing step is reported by name (%s)", err.msg);
	CHECK(pragma(sql, "PRAGMA user_version") == 2 &&
	    !table_exists(sql, "c") &&
	    pragma(sql, "SELECT count(*) FROM a") == 1,
	    "the failed step left nothing behind and the version unchanged");
	CHECK(warp_migrate(sql, steps, 1, &err) == -1 &&
	    strstr(err.msg, "newer than this program") != NULL,
	    "a database newer than the program is refused");
	sqlite3_close(sql);

	sqlite3_open(":memory:", &sql);
	sqlite3_exec(sql, "PRAGMA application_id = 42", NULL, NULL, NULL);
	CHECK(warp_migrate(sql, steps, 2, &err) == -1 &&
	    strstr(err.msg, "not a WARP") != NULL,
	    "a foreign database (other application_id) is refused");
	sqlite3_close(sql);

	/* The real schema through warp_db_open. */
	if (mkdtemp(dir) == NULL)
		return (2);
	(void)snprintf(path, sizeof(path), "%s/warp.db", dir);
	CHECK(warp_db_open(&db, path, 0, &err) == -1 &&
	    strstr(err.msg, "does not exist") != NULL &&
	    strcmp(err.field, WARP_F_DB) == 0 && access(path, F_OK) == -1,
	    "opening a missing db without create fails and creates nothing");
	CHECK(warp_db_open(&db, path, WARP_DB_CREATE, &err) == 0,
	    "the real schema applies to a fresh database");
	v = pragma(db->sql, "PRAGMA user_version");
	CHECK(v == (int)warp_migrations_count, "user_version is %d, the "
	    "number of migrations", v);
	CHECK(pragma(db->sql, "PRAGMA foreign_keys") == 1,
	    "foreign keys are on");
	{
		sqlite3_stmt	*st;

		sqlite3_prepare_v2(db->sql, "PRAGMA journal_mode", -1, &st,
		    NULL);
		sqlite3_step(st);
		CHECK_STR((const char *)sqlite3_column_text(st, 0), "wal",
		    "journal mode is WAL");
		sqlite3_finalize(st);
	}
	CHECK(table_exists(db->sql, "networks") &&
	    table_exists(db->sql, "endpoint_configs") &&
	    table_exists(db->sql, "users") && table_exists(db->sql, "sessions") &&
	    table_exists(db->sql, "audit_log") &&
	    table_exists(db->sql, "server_config"),
	    "the DESIGN §3 tables exist");
	sqlite3_exec(db->sql, "PRAGMA user_version = 999", NULL, NULL, NULL);
	warp_db_close(db);
	CHECK(warp_db_open(&db, path, 0, &err) == -1 &&
	    strstr(err.msg, "newer") != NULL,
	    "warp_db_open refuses a newer database: %s", err.msg);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return (2);

	/* Where the master key lives (the workers write the db directory). */
	{
		char	*k;

		unsetenv("WARP_KEY");
		k = warp_db_key_path(WARP_DB_DEFAULT);
		CHECK_STR(k, "/var/lib/warp-keys/master.key",
		    "the default database's key is outside /var/lib/warp");
		free(k);
		k = warp_db_key_path("/srv/x/w.db");
		CHECK_STR(k, "/srv/x/w.db.key",
		    "another database's key is <db>.key without WARP_KEY");
		free(k);
		setenv("WARP_KEY", "/root/k", 1);
		k = warp_db_key_path(WARP_DB_DEFAULT);
		CHECK_STR(k, "/root/k", "WARP_KEY names the key of any database");
		free(k);
		unsetenv("WARP_KEY");
	}
	return (check_done());
}
