/*
 * Helpers for unit tests that need a database: a fresh one in a temporary
 * directory, endpoints made the way a user would, and a fingerprint of every row of every table to prove that a
 * refused operation changed nothing.
 */
#ifndef TESTDB_H
#define TESTDB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "warp.h"
#include "warp_db_int.h"	/* tests of the core may look inside */

static char	testdb_dir[256];

static struct warp_db *
testdb_open(void)
{
	struct warp_db	*db;
	struct warp_err	 err;
	char		 path[300];

	(void)snprintf(testdb_dir, sizeof(testdb_dir), "/tmp/warp-unit-XXXXXX");
	if (mkdtemp(testdb_dir) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
	(void)snprintf(path, sizeof(path), "%s/warp.db", testdb_dir);
	if (warp_db_open(&db, path, WARP_DB_CREATE, &err) == -1 ||
	    warp_server_config_set(db, "public-host", "198.51.100.7",
	    &err) == -1) {
		fprintf(stderr, "testdb_open: %s\n", err.msg);
		exit(2);
	}
	return (db);
}

static void
testdb_close(struct warp_db *db)
{
	char	cmd[400];

	warp_db_close(db);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", testdb_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", testdb_dir);
}

/* An endpoint of a network (with one LAN subnet or none): its id, -1. */
static int64_t __attribute__((unused))
testdb_mkep(struct warp_db *db, const char *net, const char *name,
    enum warp_ep_kind kind, const char *lan)
{
	struct warp_endpoint_spec	s;
	struct warp_err			err;
	int64_t				id = -1;

	warp_endpoint_spec_init(&s);
	s.name = name;
	s.kind = kind;
	if (lan != NULL) {
		s.lans[0] = lan;
		s.nlans = 1;
	}
	if (warp_endpoint_create(db, net, &s, "test", &id, &err) == -1)
		printf("# mkep %s/%s: %s\n", net, name, err.msg);
	return (id);
}

/*
 * The sqlite VM steps and full-scan steps of every statement run on the
 * handle between testdb_steps_begin() and testdb_steps_end() (the
 * SQLITE_TRACE_PROFILE hook), and the statements run (testdb_stmts):
 * how the tests prove work "flat" by count.
 */
static long	testdb_vm_steps, testdb_scan_steps, testdb_stmts;

static int __attribute__((unused))
testdb_count_steps(unsigned type, void *arg, void *p, void *x)
{
	sqlite3_stmt	*st = p;

	(void)arg;
	(void)x;
	if (type == SQLITE_TRACE_PROFILE) {
		testdb_stmts++;
		testdb_vm_steps += sqlite3_stmt_status(st,
		    SQLITE_STMTSTATUS_VM_STEP, 1);
		testdb_scan_steps += sqlite3_stmt_status(st,
		    SQLITE_STMTSTATUS_FULLSCAN_STEP, 1);
	}
	return (0);
}

static void __attribute__((unused))
testdb_steps_begin(struct warp_db *db)
{
	sqlite3_stmt	*st = NULL;

	/* Statements the core keeps prepared count from zero again. */
	while ((st = sqlite3_next_stmt(db->sql, st)) != NULL) {
		(void)sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 1);
		(void)sqlite3_stmt_status(st, SQLITE_STMTSTATUS_FULLSCAN_STEP,
		    1);
	}
	testdb_vm_steps = testdb_scan_steps = testdb_stmts = 0;
	sqlite3_trace_v2(db->sql, SQLITE_TRACE_PROFILE, testdb_count_steps,
	    NULL);
}

static void __attribute__((unused))
testdb_steps_end(struct warp_db *db, long *steps, long *scans)
{
	sqlite3_trace_v2(db->sql, 0, NULL, NULL);
	*steps = testdb_vm_steps;
	*scans = testdb_scan_steps;
}

/* A Secure Internet network (subnet or expected users): its id, -1. */
static int64_t __attribute__((unused))
testdb_mknet(struct warp_db *db, const char *name, const char *subnet,
    long users)
{
	struct warp_network_spec	s;
	struct warp_err			err;
	int64_t				id = -1;

	warp_network_spec_init(&s);
	s.name = name;
	s.type = WARP_NET_SECURE_INTERNET;
	s.subnet = subnet;
	s.expected_users = users;
	s.actor = "test";
	if (warp_network_create(db, &s, &id, &err) == -1)
		printf("# mknet %s: %s\n", name, err.msg);
	return (id);
}

/* The one number a query answers (-1: it did not). */
static long __attribute__((unused))
testdb_count(struct warp_db *db, const char *sql)
{
	sqlite3_stmt	*st;
	long		 n = -1;

	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK)
		return (-1);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return (n);
}

/* BLAKE2b over every row of every table, in a stable order. */
static void __attribute__((unused))
testdb_fingerprint(struct warp_db *db, char out[65])
{
	crypto_generichash_state	 h;
	sqlite3_stmt			*tables, *rows;
	unsigned char			 digest[32];
	char				 sql[300];
	int				 i, n;

	crypto_generichash_init(&h, NULL, 0, sizeof(digest));
	if (sqlite3_prepare_v2(db->sql, "SELECT name FROM sqlite_master WHERE "
	    "type = 'table' ORDER BY name", -1, &tables, NULL) != SQLITE_OK)
		exit(2);
	while (sqlite3_step(tables) == SQLITE_ROW) {
		(void)snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\" ORDER BY "
		    "rowid", sqlite3_column_text(tables, 0));
		if (sqlite3_prepare_v2(db->sql, sql, -1, &rows, NULL) !=
		    SQLITE_OK) {
			/* WITHOUT ROWID tables have none: order by all. */
			(void)snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"",
			    sqlite3_column_text(tables, 0));
			if (sqlite3_prepare_v2(db->sql, sql, -1, &rows, NULL) !=
			    SQLITE_OK)
				exit(2);
		}
		crypto_generichash_update(&h, sqlite3_column_text(tables, 0),
		    (size_t)sqlite3_column_bytes(tables, 0));
		while (sqlite3_step(rows) == SQLITE_ROW) {
			n = sqlite3_column_count(rows);
			for (i = 0; i < n; i++) {
				crypto_generichash_update(&h,
				    sqlite3_column_blob(rows, i),
				    (size_t)sqlite3_column_bytes(rows, i));
				crypto_generichash_update(&h,
				    (const unsigned char *)"|", 1);
			}
		}
		sqlite3_finalize(rows);
	}
	sqlite3_finalize(tables);
	crypto_generichash_final(&h, digest, sizeof(digest));
	sodium_bin2hex(out, 65, digest, sizeof(digest));
}

#endif
