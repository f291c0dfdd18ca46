/*
 * A network's private key in the reconciler's load
 * (warp_state_network_load, warp_state_netkey_resolve,
 * warp_state_netkey_checks_store, migrations/0014_network_key_checks.sql):
 * the sealed key is opened only where the device's public key is not
 * vouched for by a check root stored, and a check nobody but root could
 * have made for that network, sealed value and key is never believed.
 * Counts, not times.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "testdb.h"
#include "warp_state.h"

static struct warp_db	*db;

/* The network's sealed key and check as the load reads them. */
static int
load(const char *netname, struct warp_network *net,
    struct warp_state_netkey *nk)
{
	struct warp_state_peer	*peers = NULL;
	struct warp_err		 err;
	size_t			 n = 0;

	if (warp_network_get(db, netname, net, &err) == -1 ||
	    warp_state_network_load(db, net, 0, time(NULL), nk, &peers, &n,
	    &err) == -1) {
		printf("# load %s: %s\n", netname, err.msg);
		memset(nk, 0, sizeof(*nk));
		return (-1);
	}
	warp_state_peers_free(peers, n);
	return (0);
}

static int
store(struct warp_state_netkey *nk)
{
	const struct warp_state_netkey	*v[1] = { nk };
	struct warp_err			 err;

	if (warp_state_netkey_checks_store(db, v, 1, &err) == -1) {
		printf("# store: %s\n", err.msg);
		return (-1);
	}
	return (0);
}

/* The network's public key, as its device would show it. */
static void
pub_of(const struct warp_network *net, uint8_t pub[WARP_KEY_LEN])
{
	if (warp_key_from_base64(net->public_key, pub) == -1)
		memset(pub, 0, WARP_KEY_LEN);
}

static int
key_is(int64_t id, const uint8_t *key)
{
	struct warp_err	err;
	uint8_t		want[WARP_KEY_LEN];

	if (warp_network_private_key(db, id, want, &err) == -1)
		return (0);
	return (memcmp(want, key, WARP_KEY_LEN) == 0);
}

static long
checks(void)
{
	return (testdb_count(db, "SELECT count(*) FROM network_key_checks"));
}

static void
test_netkey(void)
{
	struct warp_network		 net, other;
	struct warp_state_netkey	 nk, nko;
	struct warp_err			 err;
	uint8_t				 pub[WARP_KEY_LEN], opub[WARP_KEY_LEN];
	uint8_t				 mac[WARP_SEAL_CHECK_LEN];
	int				 rc, changes;
	char				 sql[512];

	testdb_mknet(db, "nk", NULL, 20);
	testdb_mknet(db, "nk2", NULL, 20);
	(void)testdb_mkep(db, "nk", "a", WARP_EP_MOBILE, NULL);

	if (load("nk", &net, &nk) == -1)
		return;
	CHECK(!nk.key_ready && nk.nsealed > 0 && !nk.has_check &&
	    nk.network_id == net.id,
	    "the load reads the sealed key and opens nothing (%zu bytes)",
	    nk.nsealed);
	rc = warp_state_netkey_resolve(db, &net, &nk, NULL, &err);
	CHECK(rc == 0 && nk.key_ready && key_is(net.id, nk.key) &&
	    nk.check_new,
	    "no device yet: the key opened, with a new check to store");
	CHECK(store(&nk) == 0 && checks() == 1, "1 check stored");
	warp_state_netkey_free(&nk);

	/* The device shows the network's public key: nothing opened. */
	(void)load("nk", &net, &nk);
	pub_of(&net, pub);
	changes = sqlite3_total_changes(db->sql);
	rc = warp_state_netkey_resolve(db, &net, &nk, pub, &err);
	CHECK(rc == 1 && !nk.key_ready && !nk.check_new && store(&nk) == 0 &&
	    sqlite3_total_changes(db->sql) == changes,
	    "the device's public key vouched for: nothing opened, 0 rows "
	    "written (rc %d)", rc);
	warp_state_netkey_free(&nk);

	/* Another key in the device (set from outside): opened. */
	(void)load("nk", &net, &nk);
	memcpy(opub, pub, sizeof(opub));
	opub[0] ^= 0x55;
	rc = warp_state_netkey_resolve(db, &net, &nk, opub, &err);
	CHECK(rc == 0 && nk.key_ready && key_is(net.id, nk.key) &&
	    !nk.check_new,
	    "a device with another key: the stored key opened (to be set), "
	    "its check still good");
	warp_state_netkey_free(&nk);

	/* A check written by someone without the master key. */
	(void)sqlite3_exec(db->sql, "UPDATE network_key_checks SET mac = "
	    "randomblob(16)", NULL, NULL, NULL);
	(void)load("nk", &net, &nk);
	rc = warp_state_netkey_resolve(db, &net, &nk, pub, &err);
	CHECK(rc == 0 && nk.key_ready && nk.check_new,
	    "a random check is not believed: the key opened, a new check");
	(void)store(&nk);
	warp_state_netkey_free(&nk);

	/* Another network's check copied over: not believed either. */
	(void)load("nk2", &other, &nko);
	(void)warp_state_netkey_resolve(db, &other, &nko, NULL, &err);
	(void)store(&nko);
	warp_state_netkey_free(&nko);
	(void)snprintf(sql, sizeof(sql), "UPDATE network_key_checks SET mac "
	    "= (SELECT mac FROM network_key_checks WHERE network_id = %lld) "
	    "WHERE network_id = %lld", (long long)other.id, (long long)net.id);
	(void)sqlite3_exec(db->sql, sql, NULL, NULL, NULL);
	(void)load("nk", &net, &nk);
	rc = warp_state_netkey_resolve(db, &net, &nk, pub, &err);
	CHECK(rc == 0 && nk.key_ready && key_is(net.id, nk.key),
	    "a check copied from another network: the key opened");
	(void)store(&nk);
	warp_state_netkey_free(&nk);

	/* A preshared-key check of the same row and key is another kind. */
	(void)load("nk", &net, &nk);
	if (warp_seal_check(db, WARP_SEAL_PSK, net.id, nk.sealed, nk.nsealed,
	    pub, mac) == 0) {
		memcpy(nk.check, mac, sizeof(mac));
		nk.check_new = 1;
		(void)store(&nk);
	}
	warp_state_netkey_free(&nk);
	(void)load("nk", &net, &nk);
	rc = warp_state_netkey_resolve(db, &net, &nk, pub, &err);
	CHECK(rc == 0 && nk.key_ready && nk.check_new,
	    "a check of the preshared-key kind over the same value and key "
	    "is not believed: the key opened");
	(void)store(&nk);
	warp_state_netkey_free(&nk);

	/* The row's public key changed: the check cannot vouch for it. */
	(void)load("nk", &net, &nk);
	pub_of(&other, opub);
	(void)snprintf(sql, sizeof(sql), "UPDATE networks SET public_key = "
	    "'%s' WHERE id = %lld", other.public_key, (long long)net.id);
	(void)sqlite3_exec(db->sql, sql, NULL, NULL, NULL);
	warp_state_netkey_free(&nk);
	(void)load("nk", &net, &nk);
	rc = warp_state_netkey_resolve(db, &net, &nk, opub, &err);
	CHECK(rc == -1 && !nk.key_ready && strstr(err.msg, "not its private "
	    "key's") != NULL,
	    "a device showing a public key the row was changed to: opened, "
	    "and refused (%s)", rc == -1 ? err.msg : "accepted");
	warp_state_netkey_free(&nk);

	/* A sealed value that does not open. */
	(void)snprintf(sql, sizeof(sql), "UPDATE networks SET private_key = "
	    "x'03' || randomblob(96) WHERE id = %lld", (long long)other.id);
	(void)sqlite3_exec(db->sql, sql, NULL, NULL, NULL);
	(void)load("nk2", &other, &nko);
	pub_of(&other, opub);
	rc = warp_state_netkey_resolve(db, &other, &nko, opub, &err);
	CHECK(rc == -1 && !nko.key_ready,
	    "a damaged sealed key, its old check stored: not vouched for, "
	    "and refused (%s)", rc == -1 ? err.msg : "accepted");
	warp_state_netkey_free(&nko);

	/* Checks follow their networks. */
	(void)load("nk", &net, &nk);
	nk.check_new = 1;
	if (warp_network_delete(db, "nk", "test", &err) == -1)
		printf("# delete nk: %s\n", err.msg);
	CHECK(checks() == 1 && store(&nk) == 0 && checks() == 1,
	    "a deleted network's check goes with it, and is not stored "
	    "again by an apply that read it before");
	warp_state_netkey_free(&nk);
}

/* A worker's handle cannot open a network's key. */
static void
test_worker(void)
{
	struct warp_network		 net;
	struct warp_state_netkey	 nk;
	struct warp_err			 err;
	uint8_t				 mac[WARP_SEAL_CHECK_LEN];

	testdb_mknet(db, "w", NULL, 20);
	if (load("w", &net, &nk) == -1)
		return;
	db->has_master_key = 0;
	CHECK(warp_seal_check(db, WARP_SEAL_NETKEY, net.id, nk.sealed,
	    nk.nsealed, nk.sealed, mac) == -1 &&
	    warp_state_netkey_resolve(db, &net, &nk, NULL, &err) == -1,
	    "without the master key: no check made, the key not opened "
	    "(%s)", err.msg);
	db->has_master_key = 1;
	warp_state_netkey_free(&nk);
}

int
main(void)
{
	db = testdb_open();
	test_netkey();
	test_worker();
	testdb_close(db);
	return (check_done());
}
