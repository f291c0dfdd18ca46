/*
 * Private to src/core and src/kernel: the database handle and the helpers
 * that speak SQL.  Nothing in src/web or cli/ includes this file; they see
 * struct warp_db only as an opaque handle (warp.h), so the schema is known
 * in one room.
 */
#ifndef WARP_DB_INT_H
#define WARP_DB_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>
#include <sqlite3.h>

#include "warp.h"

#define WARP_DB_CACHED	64	/* statements kept prepared per handle */

struct warp_db {
	sqlite3		*sql;
	char		*path;
	uint8_t		 master_key[WARP_MASTER_KEY_LEN];
	int		 has_master_key;	/* root: every secret */
	struct warp_worker_keys worker_keys;	/* a web worker's (warp_keys.c) */
	int		 has_worker_keys;
	/* root: the work key and root pair derived from master_key once (a
	 * scalar multiplication), not per sealed value: root_sk is valid
	 * with has_derived_keys */
	struct warp_worker_keys derived_keys;
	uint8_t		 root_sk[crypto_box_SECRETKEYBYTES];
	int		 has_derived_keys;
	/* root: the keys of warp_seal_check, by kind, each derived once
	 * (has_check_key: a bit per kind) */
	uint8_t		 check_key[2][crypto_shorthash_siphashx24_KEYBYTES];
	int		 has_check_key;
	int		 txn_depth;	/* nested warp_db_begin() calls */
	int		 reads_mapped;	/* PRAGMA mmap_size set (warp_state.c) */
	int		 read_txn;	/* warp_db_read_begin() */
	int		 track_pending;	/* changes mark apply_status pending */
	sqlite3_stmt	*dv_stmt;	/* PRAGMA data_version (warp_db_epoch) */
	struct warp_audit_q *audit_q;	/* deferred audit rows (warp_audit.c) */
	struct {
		char		*sql;
		sqlite3_stmt	*st;
		int		 busy;
	}		 cached[WARP_DB_CACHED];	/* warp_db_prepare_cached */
};

struct warp_migration {
	int		 version;
	const char	*name;
	const char	*sql;
};

extern const struct warp_migration	warp_migrations[];
extern const size_t			warp_migrations_count;

int	warp_db_exec(struct warp_db *, const char *, struct warp_err *);
int	warp_db_prepare(struct warp_db *, sqlite3_stmt **, const char *,
	    struct warp_err *);
int	warp_db_prepare_cached(struct warp_db *, sqlite3_stmt **, const char *,
	    struct warp_err *);
void	warp_db_release(struct warp_db *, sqlite3_stmt *);
int	warp_db_sqlerr(struct warp_db *, struct warp_err *, const char *);
/* Defensive settings on a connection (SQLITE_DBCONFIG_DEFENSIVE, ...). */
void	warp_db_harden(sqlite3 *);
/*
 * warp_keys.c: a root-only check that a sealed key opens to key: a
 * preshared key, or the public key of a network's private key.
 */
#define WARP_SEAL_CHECK_LEN	crypto_shorthash_siphashx24_BYTES
enum warp_seal_kind {
	WARP_SEAL_PSK = 0,	/* endpoints.preshared_key: the key itself */
	WARP_SEAL_NETKEY = 1	/* networks.private_key: its public key */
};
int	warp_seal_check(struct warp_db *, enum warp_seal_kind, int64_t,
	    const uint8_t *, size_t, const uint8_t [WARP_KEY_LEN],
	    uint8_t [WARP_SEAL_CHECK_LEN]);
int	warp_db_user_version(sqlite3 *, int *);
int	warp_migrate(sqlite3 *, const struct warp_migration *, size_t,
	    struct warp_err *);

/* An owner's CIDR list (LAN subnets, resource subnets). */
int	warp_db_replace_cidrs(struct warp_db *, const char *, const char *,
	    int64_t, const struct warp_cidr *, size_t, struct warp_err *);
int	warp_db_load_cidrs(struct warp_db *, const char *, const char *,
	    int64_t, struct warp_cidr *, size_t, size_t *, struct warp_err *);

/* A sealed key column of one row: unsealed into out. */
int	warp_db_sealed_key(struct warp_db *, const char *, int64_t,
	    const char *, uint8_t [WARP_KEY_LEN], struct warp_err *);

/* Inside the caller's transaction: the object waits for the reconciler. */
int	warp_db_mark_pending(struct warp_db *, const char *, int64_t,
	    struct warp_err *);

/*
 * The free overlay addresses of a network (warp_pool.c), inside the
 * caller's transaction: take the lowest, give one back, forget them all
 * (the subnet changed; rebuilt on the next take).
 */
int	warp_pool_take(struct warp_db *, const struct warp_network *,
	    uint32_t *, struct warp_err *);
int	warp_pool_give(struct warp_db *, int64_t, uint32_t, struct warp_err *);
int	warp_pool_reset(struct warp_db *, int64_t, struct warp_err *);

/* The last flush of the deferred audit rows (warp_audit.c). */
int	warp_audit_queue_close(struct warp_db *);
#endif
