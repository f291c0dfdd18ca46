/*
 * The reconciler's read of a network (warp_state_network_load: one query
 * of the columns a peer needs) and its preshared keys
 * (warp_state_peers_psk, warp_state_psk_checks_store,
 * migrations/0011_psk_checks.sql): a sealed key is opened only where
 * the kernel's key is not vouched for by a check root stored, and a
 * check nobody but root could have made for that row, value and key is
 * never believed.  Counts, not times.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "testdb.h"
#include "warp_state.h"

static struct warp_db	*db;

struct load {
	struct warp_state_peer	*peers;
	size_t			 n;
	size_t			 opened, vouched, failed;
};

static int
load(const char *netname, int peer_lans, struct load *l)
{
	struct warp_network	 net;
	struct warp_err		 err;
	struct warp_state_netkey nk;
	int			 rc;

	memset(l, 0, sizeof(*l));
	rc = warp_network_get(db, netname, &net, &err) == -1 ||
	    warp_state_network_load(db, &net, peer_lans, time(NULL), &nk,
	    &l->peers, &l->n, &err) == -1 ? -1 : 0;
	warp_state_netkey_free(&nk);
	if (rc == -1)
		printf("# load %s: %s\n", netname, err.msg);
	return (rc);
}

static void
settle(struct load *l)
{
	l->opened = warp_state_peers_psk(db, l->peers, l->n, &l->vouched,
	    &l->failed);
}

static struct warp_state_peer *
peer_of(struct load *l, int64_t id)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (l->peers[i].endpoint_id == id)
			return (&l->peers[i]);
	return (NULL);
}

static int
psk_is(int64_t id, const uint8_t *psk)
{
	struct warp_err	err;
	uint8_t		want[WARP_KEY_LEN];

	if (warp_endpoint_psk(db, id, want, &err) == -1)
		return (0);
	return (memcmp(want, psk, WARP_KEY_LEN) == 0);
}

static int
store(struct load *l)
{
	struct warp_err	err;

	if (warp_state_psk_checks_store(db, l->peers, l->n, &err) == -1) {
		printf("# store: %s\n", err.msg);
		return (-1);
	}
	return (0);
}

static void
drop(struct load *l)
{
	warp_state_peers_free(l->peers, l->n);
	l->peers = NULL;
}

/* Every active peer shown its own stored key as the kernel's. */
static void
kernel_has_own(struct load *l, uint8_t (*keys)[WARP_KEY_LEN])
{
	struct warp_err	err;
	size_t		i;

	for (i = 0; i < l->n; i++) {
		(void)warp_endpoint_psk(db, l->peers[i].endpoint_id, keys[i],
		    &err);
		l->peers[i].kernel_psk = keys[i];
	}
}

static void
test_checks(void)
{
	struct load	 l;
	struct warp_err	 err;
	uint8_t		 keys[8][WARP_KEY_LEN], other[WARP_KEY_LEN];
	int64_t		 ep[4];
	size_t		 i;
	int		 ready, changes;
	char		 sql[256];

	testdb_mknet(db, "psk", NULL, 20);
	ep[0] = testdb_mkep(db, "psk", "a", WARP_EP_MOBILE, NULL);
	ep[1] = testdb_mkep(db, "psk", "b", WARP_EP_MOBILE, NULL);
	ep[2] = testdb_mkep(db, "psk", "c", WARP_EP_MOBILE, NULL);
	ep[3] = testdb_mkep(db, "psk", "d", WARP_EP_MOBILE, NULL);
	if (warp_endpoint_set_enabled(db, "psk/d", 0, "test", &err) == -1)
		printf("# disable d: %s\n", err.msg);

	if (load("psk", 0, &l) == -1)
		return;
	for (i = 0, ready = 0; i < l.n; i++)
		ready += l.peers[i].psk_ready;
	CHECK(l.n == 4 && ready == 0, "the load reads 4 peers and opens no "
	    "preshared key (%zu, %d ready)", l.n, ready);
	settle(&l);
	CHECK(l.opened == 3 && l.vouched == 0 && l.failed == 0,
	    "no checks stored yet: the 3 active peers' keys opened, the "
	    "disabled one's not (%zu opened, %zu vouched)", l.opened,
	    l.vouched);
	CHECK(psk_is(ep[0], peer_of(&l, ep[0])->psk) &&
	    psk_is(ep[2], peer_of(&l, ep[2])->psk) &&
	    peer_of(&l, ep[0])->check_new && !peer_of(&l, ep[3])->psk_ready,
	    "each opened key is the endpoint's, with a new check to store");
	CHECK(store(&l) == 0 && testdb_count(db, "SELECT count(*) FROM "
	    "endpoint_psk_checks") == 3, "3 checks stored");
	drop(&l);

	/* The kernel has every key: none opened, nothing written. */
	(void)load("psk", 0, &l);
	kernel_has_own(&l, keys);
	settle(&l);
	changes = sqlite3_total_changes(db->sql);
	CHECK(l.opened == 0 && l.vouched == 3 && store(&l) == 0 &&
	    sqlite3_total_changes(db->sql) == changes,
	    "the kernel's keys vouched for: 0 opened, 3 taken, 0 rows "
	    "written (%zu opened)", l.opened);
	CHECK(psk_is(ep[1], peer_of(&l, ep[1])->psk),
	    "a vouched key is the stored one");
	drop(&l);

	/* A key changed from outside: that one is opened, the row's wins. */
	(void)load("psk", 0, &l);
	kernel_has_own(&l, keys);
	memcpy(other, keys[1], sizeof(other));
	other[0] ^= 0x55;
	peer_of(&l, ep[1])->kernel_psk = other;
	settle(&l);
	CHECK(l.opened == 1 && l.vouched == 2 &&
	    psk_is(ep[1], peer_of(&l, ep[1])->psk) &&
	    memcmp(peer_of(&l, ep[1])->psk, other, WARP_KEY_LEN) != 0 &&
	    !peer_of(&l, ep[1])->check_new,
	    "a preshared key changed in the kernel: 1 opened, the stored "
	    "key is what the peer gets, its check still good");
	drop(&l);

	/* A re-keyed endpoint: a new sealed value, its old check stale. */
	if (warp_endpoint_rotate_keys(db, "psk/c", NULL, "test", &err) == -1)
		printf("# rotate c: %s\n", err.msg);
	(void)load("psk", 0, &l);
	for (i = 0; i < l.n; i++)
		l.peers[i].kernel_psk = keys[i];	/* c's old key */
	settle(&l);
	CHECK(l.opened == 1 && peer_of(&l, ep[2])->check_new &&
	    psk_is(ep[2], peer_of(&l, ep[2])->psk) &&
	    memcmp(peer_of(&l, ep[2])->psk, keys[2], WARP_KEY_LEN) != 0,
	    "a re-keyed endpoint: its new key opened (1), a new check");
	(void)store(&l);
	drop(&l);

	/* Checks written by someone without the key are not believed. */
	(void)sqlite3_exec(db->sql, "UPDATE endpoint_psk_checks SET mac = "
	    "randomblob(16) WHERE endpoint_id = (SELECT id FROM endpoints "
	    "WHERE name = 'a')", NULL, NULL, NULL);
	(void)snprintf(sql, sizeof(sql), "UPDATE endpoint_psk_checks SET mac "
	    "= (SELECT mac FROM endpoint_psk_checks WHERE endpoint_id = %lld) "
	    "WHERE endpoint_id = %lld", (long long)ep[0], (long long)ep[1]);
	(void)sqlite3_exec(db->sql, sql, NULL, NULL, NULL);
	(void)load("psk", 0, &l);
	kernel_has_own(&l, keys);
	/* b shown a's key, with a's (random) check copied over */
	peer_of(&l, ep[1])->kernel_psk = keys[0];
	settle(&l);
	CHECK(l.opened == 2 && psk_is(ep[0], peer_of(&l, ep[0])->psk) &&
	    psk_is(ep[1], peer_of(&l, ep[1])->psk) &&
	    memcmp(peer_of(&l, ep[1])->psk, keys[0], WARP_KEY_LEN) != 0,
	    "a random check and one copied from another endpoint: both "
	    "keys opened (2), each peer gets its own stored key");
	drop(&l);

	/* A sealed value that does not open: failed, and it holds. */
	(void)snprintf(sql, sizeof(sql), "UPDATE endpoints SET preshared_key "
	    "= x'02' || randomblob(72) WHERE id = %lld", (long long)ep[0]);
	(void)sqlite3_exec(db->sql, sql, NULL, NULL, NULL);
	(void)load("psk", 0, &l);
	kernel_has_own(&l, keys);
	peer_of(&l, ep[0])->kernel_psk = keys[0];
	settle(&l);
	CHECK(l.failed == 1 && peer_of(&l, ep[0])->failed &&
	    peer_of(&l, ep[0])->hold && !peer_of(&l, ep[0])->psk_ready,
	    "a damaged sealed key: failed and holding (%zu failed: %s)",
	    l.failed, peer_of(&l, ep[0])->error);
	drop(&l);
}

/* The one-query load: LAN subnets of routed peers, re-validated rows. */
static void
test_load(void)
{
	struct warp_network_spec	 s;
	struct warp_err			 err;
	struct load			 l;
	struct warp_state_peer		*sp;
	int64_t				 id = -1, cpe, bad;

	warp_network_spec_init(&s);
	s.name = "l3";
	s.type = WARP_NET_L3VPN;
	s.expected_users = 10;
	s.actor = "test";
	if (warp_network_create(db, &s, &id, &err) == -1)
		printf("# mknet l3: %s\n", err.msg);
	cpe = testdb_mkep(db, "l3", "site", WARP_EP_CPE, "192.168.50.0/24");
	(void)testdb_mkep(db, "l3", "phone", WARP_EP_MOBILE, NULL);
	bad = testdb_mkep(db, "l3", "bad", WARP_EP_MOBILE, NULL);
	(void)sqlite3_exec(db->sql, "UPDATE endpoints SET name = 'no such "
	    "name!' WHERE name = 'bad'", NULL, NULL, NULL);
	if (load("l3", 1, &l) == -1)
		return;
	sp = peer_of(&l, cpe);
	CHECK(l.n == 3 && sp != NULL && sp->nallowed == 2 &&
	    sp->allowed[1].len == 24 && sp->active,
	    "a routed site's peer: its overlay /32 and its LAN /24 (%zu)",
	    sp != NULL ? sp->nallowed : 0);
	sp = peer_of(&l, bad);
	CHECK(sp != NULL && sp->failed && !sp->active && !sp->hold,
	    "a row that fails the edge's validators: failed, no peer "
	    "(%s)", sp != NULL ? sp->error : "none");
	settle(&l);
	CHECK(l.opened == 2 && l.failed == 0,
	    "only the valid active peers' keys opened (%zu)", l.opened);
	drop(&l);
	if (load("l3", 0, &l) == 0) {
		sp = peer_of(&l, cpe);
		CHECK(sp != NULL && sp->nallowed == 1,
		    "without peer LANs: the /32 only");
		drop(&l);
	}
}

int
main(void)
{
	db = testdb_open();
	test_checks();
	test_load();
	testdb_close(db);
	return (check_done());
}
