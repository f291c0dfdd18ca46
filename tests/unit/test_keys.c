/*
 * The keys a web worker holds (src/core/warp_keys.c): a worker's db handle
 * has the work key and the root public key, never the master key.  It
 * serves client configs and creates networks and endpoints, but cannot
 * open a gateway's private key; secrets sealed under the master key
 * itself (a db from before) are sealed again by root, once, and then
 * open for the worker too; config versions stay immutable otherwise.
 */
#include "check.h"
#include "testdb.h"

static struct warp_db	*root;

static int
first_byte(const char *sql)
{
	sqlite3_stmt	*st;
	int		 b = -1;

	if (sqlite3_prepare_v2(root->sql, sql, -1, &st, NULL) != SQLITE_OK)
		return (-1);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) > 0)
		b = ((const uint8_t *)sqlite3_column_blob(st, 0))[0];
	sqlite3_finalize(st);
	return (b);
}

static struct warp_db *
worker_open(void)
{
	struct warp_worker_keys	 wk;
	struct warp_db		*w;
	struct warp_err		 err;
	char			 path[300];

	(void)snprintf(path, sizeof(path), "%s/warp.db", testdb_dir);
	if (warp_db_open(&w, path, WARP_DB_NOKEY, &err) == -1) {
		printf("# worker open: %s\n", err.msg);
		exit(2);
	}
	if (warp_db_worker_keys(root, &wk))
		warp_db_set_worker_keys(w, &wk);
	sodium_memzero(&wk, sizeof(wk));
	return (w);
}

static int64_t
mknet(struct warp_db *db, const char *name)
{
	struct warp_network_spec	s;
	struct warp_err			err;
	int64_t				id = -1;

	warp_network_spec_init(&s);
	s.name = name;
	s.type = WARP_NET_SECURE_INTERNET;
	if (warp_network_create(db, &s, &id, &err) == -1)
		printf("# mknet %s: %s\n", name, err.msg);
	return (id);
}

/* The stored public key is the one the sealed private key gives. */
static int
net_key_matches(int64_t id, const char *name)
{
	struct warp_network	n;
	struct warp_err		err;
	uint8_t			priv[WARP_KEY_LEN], pub[WARP_KEY_LEN];
	char			b64[WARP_KEY_B64_LEN + 1];

	if (warp_network_private_key(root, id, priv, &err) == -1 ||
	    warp_network_get(root, name, &n, &err) == -1)
		return (0);
	warp_key_public(priv, pub);
	warp_key_to_base64(pub, b64);
	sodium_memzero(priv, sizeof(priv));
	return (strcmp(b64, n.public_key) == 0);
}

static void
test_worker(void)
{
	struct warp_db	*w;
	struct warp_err	 err;
	uint8_t		 priv[WARP_KEY_LEN];
	char		*text = NULL;
	int64_t		 n1, n2, e1, e2;

	n1 = mknet(root, "n1");
	e1 = testdb_mkep(root, "n1", "phone", WARP_EP_MOBILE, NULL);
	CHECK(first_byte("SELECT private_key FROM networks WHERE name = 'n1'")
	    == 0x03, "a gateway's private key is sealed to the root pair");
	CHECK(first_byte("SELECT private_key FROM endpoints") == 0x02 &&
	    first_byte("SELECT preshared_key FROM endpoints") == 0x02 &&
	    first_byte("SELECT content FROM endpoint_configs") == 0x02,
	    "endpoint keys and config text are sealed under the work key");

	w = worker_open();
	CHECK(w->has_master_key == 0 && w->has_worker_keys == 1,
	    "the worker's handle holds the worker keys, not the master key");
	CHECK(warp_config_current(w, e1, &text, NULL, &err) == 0 &&
	    text != NULL && strstr(text, "PrivateKey = ") != NULL,
	    "the worker renders and serves a client config");
	warp_config_free(text);
	CHECK(warp_network_private_key(w, n1, priv, &err) == -1 &&
	    strstr(err.msg, "only root") != NULL,
	    "the worker cannot open a gateway's private key (%s)", err.msg);
	n2 = mknet(w, "n2");
	e2 = testdb_mkep(w, "n2", "laptop", WARP_EP_MOBILE, NULL);
	CHECK(n2 > 0 && e2 > 0, "the worker creates a network and an endpoint");
	CHECK(net_key_matches(n2, "n2"), "root opens the key the worker sealed "
	    "and it matches the network's public key");
	warp_db_close(w);
}

/* Seal a value the old way: under the master key itself (0x01). */
static int
legacy_update(const char *table, const char *column, const char *ctx,
    int64_t id, const uint8_t *plain, size_t len)
{
	sqlite3_stmt		*st;
	uint8_t			 blob[1 + 24 + 4096 + 16];
	unsigned long long	 clen;
	char			 sql[160];
	int			 rc;

	if (len > 4096)
		return (-1);
	blob[0] = 0x01;
	randombytes_buf(blob + 1, 24);
	crypto_aead_xchacha20poly1305_ietf_encrypt(blob + 25, &clen, plain, len,
	    (const uint8_t *)ctx, strlen(ctx), NULL, blob + 1, root->master_key);
	(void)snprintf(sql, sizeof(sql), "UPDATE %s SET %s = ? WHERE id = ?",
	    table, column);
	if (sqlite3_prepare_v2(root->sql, sql, -1, &st, NULL) != SQLITE_OK)
		return (-1);
	sqlite3_bind_blob(st, 1, blob, (int)(25 + clen), SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return (rc);
}

static const char *
migration_sql(const char *name)
{
	size_t	i;

	for (i = 0; i < warp_migrations_count; i++)
		if (strcmp(warp_migrations[i].name, name) == 0)
			return (warp_migrations[i].sql);
	return (NULL);
}

static void
test_legacy(void)
{
	struct warp_db	*w;
	struct warp_err	 err;
	uint8_t		 priv[WARP_KEY_LEN], psk[WARP_KEY_LEN];
	char		*text = NULL, *before = NULL, fp0[65], fp1[65];
	const char	*trig;
	size_t		 n = 99;
	int64_t		 e1 = 1, n1 = 1, cfg;
	int		 ok = 1;

	/* Old blobs of the network, the endpoint and its config version. */
	if (warp_config_current(root, e1, &before, NULL, &err) == -1 ||
	    warp_network_private_key(root, n1, priv, &err) == -1 ||
	    warp_endpoint_psk(root, e1, psk, &err) == -1) {
		CHECK(0, "reading the secrets to seal the old way: %s", err.msg);
		return;
	}
	cfg = testdb_count(root, "SELECT max(id) FROM endpoint_configs WHERE "
	    "endpoint_id = 1");
	ok &= sqlite3_exec(root->sql, "DROP TRIGGER endpoint_configs_immutable",
	    NULL, NULL, NULL) == SQLITE_OK;
	ok &= legacy_update("networks", "private_key", "networks.private_key",
	    n1, priv, sizeof(priv)) == 0;
	ok &= legacy_update("endpoints", "preshared_key",
	    "endpoints.preshared_key", e1, psk, sizeof(psk)) == 0;
	ok &= legacy_update("endpoint_configs", "content",
	    "endpoint_configs.content", cfg, (const uint8_t *)before,
	    strlen(before)) == 0;
	/* The trigger as the migration makes it (its DROP needs one). */
	trig = migration_sql("0007_reseal");
	ok &= trig != NULL && sqlite3_exec(root->sql, "CREATE TRIGGER "
	    "endpoint_configs_immutable AFTER INSERT ON endpoint_configs "
	    "BEGIN SELECT 1; END", NULL, NULL, NULL) == SQLITE_OK &&
	    sqlite3_exec(root->sql, trig, NULL, NULL, NULL) == SQLITE_OK;
	CHECK(ok && first_byte("SELECT content FROM endpoint_configs WHERE "
	    "endpoint_id = 1 ORDER BY id DESC") == 0x01,
	    "a db sealed the old way (under the master key)");

	w = worker_open();
	CHECK(warp_config_current(w, e1, &text, NULL, &err) == -1 &&
	    strstr(err.msg, "restart warpd") != NULL,
	    "the worker cannot open an old blob and says why (%s)", err.msg);
	testdb_fingerprint(root, fp0);
	CHECK(warp_db_reseal(w, &n, &err) == -1 && n == 0 &&
	    (testdb_fingerprint(root, fp1), strcmp(fp0, fp1) == 0),
	    "a worker cannot seal again (no master key); nothing changed");
	CHECK(warp_db_reseal(root, &n, &err) == 0 && n == 3,
	    "root seals the 3 old blobs again (%zu)", n);
	CHECK(warp_db_reseal(root, &n, &err) == 0 && n == 0,
	    "a second pass finds none (%zu)", n);
	CHECK(warp_config_current(w, e1, &text, NULL, &err) == 0 &&
	    strcmp(text, before) == 0, "the worker now serves the same config");
	CHECK(net_key_matches(n1, "n1"),
	    "the gateway's key, sealed again, is the same key");
	CHECK(sqlite3_exec(root->sql, "UPDATE endpoint_configs SET reason = "
	    "'forged' WHERE id = 1", NULL, NULL, NULL) != SQLITE_OK &&
	    sqlite3_exec(root->sql, "UPDATE endpoint_configs SET content = "
	    "x'0100' WHERE id = 1", NULL, NULL, NULL) != SQLITE_OK,
	    "config versions stay immutable but for sealing again");
	warp_config_free(text);
	warp_config_free(before);
	sodium_memzero(priv, sizeof(priv));
	sodium_memzero(psk, sizeof(psk));
	warp_db_close(w);
}

int
main(void)
{
	if (sodium_init() == -1)
		return (2);
	root = testdb_open();
	test_worker();
	test_legacy();
	testdb_close(root);
	return (check_done());
}
