/*
 * The change journal of the incremental apply (migrations/
 * 0005_change_journal.sql, warp_state_journal_read/_applied): which
 * change of the desired state makes which journal row -- an endpoint
 * created, disabled, re-keyed or deleted is its network's peers only; a
 * LAN, a rate, a network or a server setting is shared (the full apply)
 * -- that what the kernel does not realise journals nothing, and that
 * recording an applied sequence advances it and trims the journal.
 * Each endpoint trigger names its endpoint and the key its peer had
 * (0009_journal_endpoint.sql), read back per network by
 * warp_state_journal_endpoints; other rows name none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "testdb.h"
#include "warp_state.h"
#include "warp_traffic.h"

static struct warp_db	*db;

static int64_t
mknet(const char *name, enum warp_net_type type)
{
	struct warp_network_spec	s;
	struct warp_err			err;
	int64_t				id = -1;

	warp_network_spec_init(&s);
	s.name = name;
	s.type = type;
	s.expected_users = 20;
	s.actor = "test";
	if (warp_network_create(db, &s, &id, &err) == -1)
		printf("# mknet %s: %s\n", name, err.msg);
	return (id);
}

/*
 * What the journal says since the last applied sequence, as
 * "id:shared id:shared ..." (id 0: appliance-wide; a "t" after shared
 * when the network's rates or quotas may differ, 0013); then, if apply
 * is set, record it as applied.
 */
static const char *
journal(int apply)
{
	static char			 buf[256];
	struct warp_state_change	*chg;
	struct warp_err			 err;
	int64_t				 applied, upto;
	size_t				 n, i, len;

	buf[0] = '\0';
	if (warp_state_journal_read(db, &applied, &upto, &chg, &n,
	    &err) == -1) {
		printf("# journal: %s\n", err.msg);
		return ("error");
	}
	for (i = 0; i < n; i++) {
		len = strlen(buf);
		(void)snprintf(buf + len, sizeof(buf) - len, "%s%lld:%d%s",
		    i > 0 ? " " : "", (long long)chg[i].network_id,
		    chg[i].shared, chg[i].traffic ? "t" : "");
	}
	free(chg);
	if (apply && warp_state_journal_applied(db, upto, &err) == -1) {
		printf("# applied: %s\n", err.msg);
		return ("error");
	}
	return (buf);
}

/*
 * The endpoints journaled for network net since the last applied
 * sequence, as "id:old-key-or-- ..." (the key in base64).
 */
static const char *
epjournal(int64_t net)
{
	static char			 buf[512];
	struct warp_state_epchange	*ep;
	struct warp_err			 err;
	int64_t				 applied, upto;
	size_t				 n, i, len;
	char				 b64[WARP_KEY_B64_LEN + 1];

	buf[0] = '\0';
	if (warp_state_journal_read(db, &applied, &upto, NULL, NULL,
	    &err) == -1 || warp_state_journal_endpoints(db, applied, upto, net,
	    &ep, &n, &err) == -1) {
		printf("# epjournal: %s\n", err.msg);
		return ("error");
	}
	for (i = 0; i < n; i++) {
		if (ep[i].has_old)
			warp_key_to_base64(ep[i].old_key, b64);
		len = strlen(buf);
		(void)snprintf(buf + len, sizeof(buf) - len, "%s%lld:%s",
		    i > 0 ? " " : "", (long long)ep[i].endpoint_id,
		    ep[i].has_old ? b64 : "-");
	}
	free(ep);
	return (buf);
}

/* One column of an endpoint's row, as text. */
static void
epcol(const char *col, int64_t id, char *out, size_t len)
{
	sqlite3_stmt	*st;
	char		 sql[128];

	out[0] = '\0';
	(void)snprintf(sql, sizeof(sql), "SELECT %s FROM endpoints WHERE "
	    "id = ?", col);
	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		(void)snprintf(out, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* Does every journaled row of the first network read name its endpoint? */
static int
by_endpoint(void)
{
	struct warp_state_change	*chg;
	struct warp_err			 err;
	int64_t				 applied, upto;
	size_t				 n;
	int				 r;

	if (warp_state_journal_read(db, &applied, &upto, &chg, &n,
	    &err) == -1 || n == 0)
		return (-1);
	r = chg[0].by_endpoint;
	free(chg);
	return (r);
}

/*
 * The endpoints network net's journal names for its limits, as
 * "id id ..." (sorted, each once), or "whole" when a row names none.
 */
static const char *
tcjournal(int64_t net)
{
	static char	 buf[256];
	struct warp_err	 err;
	int64_t		 applied, upto, *ids;
	size_t		 n, i, len;
	int		 rc;

	buf[0] = '\0';
	if (warp_state_journal_read(db, &applied, &upto, NULL, NULL,
	    &err) == -1 || (rc = warp_state_journal_traffic_ids(db, applied,
	    upto, net, &ids, &n, &err)) == -1) {
		printf("# tcjournal: %s\n", err.msg);
		return ("error");
	}
	if (rc == 1)
		return ("whole");
	for (i = 0; i < n; i++) {
		len = strlen(buf);
		(void)snprintf(buf + len, sizeof(buf) - len, "%s%lld",
		    i > 0 ? " " : "", (long long)ids[i]);
	}
	free(ids);
	return (buf);
}

static int64_t
applied_seq(void)
{
	return (testdb_count(db, "SELECT seq FROM journal_applied"));
}

int
main(void)
{
	struct warp_err	 err;
	int64_t		 si, l3, a, b;
	char		 fp[65];
	int64_t		 seq;
	char		 want[64], key[WARP_KEY_B64_LEN + 1], ewant[160];

	if (sodium_init() == -1)
		return (2);
	db = testdb_open();

	CHECK_STR(journal(1), "0:1", "a server setting is an appliance-wide, "
	    "shared change");
	CHECK(testdb_count(db, "SELECT COUNT(*) FROM change_journal") == 0,
	    "recording it applied trims the journal");
	seq = applied_seq();
	CHECK(seq > 0, "the applied sequence advanced (%lld)", (long long)seq);
	CHECK_STR(journal(1), "", "nothing journaled after it");
	CHECK(applied_seq() == seq, "an empty journal keeps the applied "
	    "sequence where it was");

	si = mknet("si", WARP_NET_SECURE_INTERNET);
	l3 = mknet("l3", WARP_NET_L3VPN);
	(void)snprintf(want, sizeof(want), "%lld:1 %lld:1", (long long)si,
	    (long long)l3);
	CHECK_STR(journal(1), want, "creating two networks: both shared, one "
	    "row each, in id order");

	a = testdb_mkep(db, "si", "a", WARP_EP_MOBILE, NULL);
	(void)snprintf(want, sizeof(want), "%lld:0", (long long)si);
	CHECK_STR(journal(0), want, "an endpoint created: its network's peers "
	    "only (endpoint %lld)", (long long)a);
	CHECK(testdb_count(db, "SELECT COUNT(*) FROM change_journal WHERE "
	    "seq > (SELECT seq FROM journal_applied)") == 1,
	    "... in one journal row (address bookkeeping journals nothing)");
	(void)snprintf(ewant, sizeof(ewant), "%lld:-", (long long)a);
	CHECK_STR(epjournal(si), ewant, "... which names the endpoint created, "
	    "with no old key");
	CHECK(by_endpoint() == 1, "... so every row of its network names an "
	    "endpoint (the per-endpoint path)");
	(void)journal(1);

	epcol("public_key", a, key, sizeof(key));
	CHECK(warp_endpoint_set_enabled(db, "si/a", 0, "test", &err) == 0,
	    "disable si/a");
	(void)snprintf(ewant, sizeof(ewant), "%lld:%s", (long long)a, key);
	CHECK_STR(epjournal(si), ewant, "a disable names the endpoint and the "
	    "key its peer has");
	CHECK_STR(journal(1), want, "an endpoint disabled: its network's peers "
	    "only");
	CHECK(warp_endpoint_rotate_keys(db, "si/a", NULL, "test", &err) == 0,
	    "rotate si/a's keys");
	CHECK_STR(epjournal(si), ewant, "a re-key names the endpoint and its "
	    "OLD public key");
	epcol("public_key", a, fp, sizeof(fp));
	CHECK(strcmp(fp, key) != 0, "... which is not its key now");
	CHECK_STR(journal(1), want, "an endpoint re-keyed: its network's peers "
	    "only");
	b = testdb_mkep(db, "si", "b", WARP_EP_MOBILE, NULL);
	(void)journal(1);
	epcol("public_key", b, key, sizeof(key));
	CHECK(b > 0 && warp_endpoint_delete(db, "si/b", "test", &err) == 0,
	    "delete si/b");
	(void)snprintf(ewant, sizeof(ewant), "%lld:%s", (long long)b, key);
	CHECK_STR(epjournal(si), ewant, "a delete names the endpoint gone and "
	    "its public key");
	CHECK_STR(journal(1), want, "an endpoint deleted: its network's peers "
	    "only");

	sqlite3_exec(db->sql, "UPDATE endpoints SET name = 'a2', updated_at = 1 "
	    "WHERE name = 'a'; UPDATE networks SET pool_ready = 0, "
	    "description = 'x'", NULL, NULL, NULL);
	CHECK_STR(journal(1), "", "a rename, a description and the address "
	    "pool's state journal nothing (no kernel object changes)");
	sqlite3_exec(db->sql, "UPDATE endpoints SET name = 'a' WHERE name = "
	    "'a2'", NULL, NULL, NULL);

	CHECK(warp_traffic_set_rate(db, "si/a", "10mbit", NULL, "test",
	    &err) == 0, "give si/a a rate limit");
	(void)snprintf(want, sizeof(want), "%lld:0t", (long long)si);
	CHECK(by_endpoint() == 0, "a rate's row names no endpoint (the "
	    "traffic rooms reconcile the whole network)");
	CHECK_STR(epjournal(si), "", "... and lists none");
	(void)snprintf(ewant, sizeof(ewant), "%lld", (long long)a);
	CHECK_STR(tcjournal(si), ewant, "... but its text names si/a, whose "
	    "limits alone changed (the per-endpoint traffic path)");
	CHECK_STR(journal(1), want, "a rate: its network's peers and traffic "
	    "limits, not shared");
	{
		int64_t	c = testdb_mkep(db, "si", "c", WARP_EP_MOBILE, NULL);

		CHECK(c > 0 && warp_traffic_set_rate(db, "si/c", "1mbit",
		    NULL, "test", &err) == 0 && warp_traffic_set_rate(db,
		    "si/a", "20mbit", NULL, "test", &err) == 0,
		    "create si/c with a rate, change si/a's");
		(void)snprintf(ewant, sizeof(ewant), "%lld %lld",
		    (long long)a, (long long)c);
		CHECK_STR(tcjournal(si), ewant, "an endpoint's row and two "
		    "rows of limits: both endpoints, sorted, each once");
		CHECK_STR(tcjournal(l3), "", "another network's journal names "
		    "none of them");
		CHECK(warp_traffic_set_defaults(db, si, "5mbit", NULL, "test",
		    &err) == 0, "give si a default rate");
		CHECK_STR(tcjournal(si), "whole", "a network's default limits: "
		    "every endpoint of it may differ");
		(void)journal(1);
		sqlite3_exec(db->sql, "INSERT INTO change_journal (network_id, "
		    "shared, what) VALUES (1, 1, 'endpoint 7 traffic x')",
		    NULL, NULL, NULL);
		CHECK_STR(tcjournal(1), "whole", "a row no trigger writes "
		    "('endpoint 7 traffic x') names no endpoint: the whole "
		    "network");
		(void)journal(1);
		CHECK(warp_traffic_set_defaults(db, si, "none", NULL, "test",
		    &err) == 0 && warp_traffic_set_rate(db, "si/c", "none",
		    NULL, "test", &err) == 0 &&
		    warp_endpoint_delete(db, "si/c", "test", &err) == 0,
		    "si's default rate and si/c removed");
		(void)journal(1);
	}
	sqlite3_exec(db->sql, "UPDATE endpoint_traffic SET used_bytes = 99, "
	    "period_start = 5", NULL, NULL, NULL);
	CHECK_STR(journal(1), "", "traffic counters moving journal nothing");
	CHECK(warp_endpoint_set_enabled(db, "si/a", 1, "test", &err) == 0,
	    "enable si/a");
	CHECK_STR(journal(1), want, "enabling an endpoint that has a rate: "
	    "traffic, not shared");
	{
		int64_t	q = testdb_mkep(db, "si", "q", WARP_EP_MOBILE, NULL);

		(void)journal(1);
		CHECK(q > 0 && warp_traffic_set_quota(db, "si/q", "3M", NULL,
		    "test", &err) == 0, "give si/q a quota");
		CHECK_STR(journal(1), want, "a quota: traffic, not shared");
		CHECK(warp_endpoint_delete(db, "si/q", "test", &err) == 0,
		    "delete si/q");
		(void)snprintf(ewant, sizeof(ewant), "%lld:", (long long)q);
		CHECK(strncmp(epjournal(si), ewant, strlen(ewant)) == 0,
		    "a deleted endpoint with a quota is named (its quota "
		    "object is its network's to remove)");
		CHECK_STR(journal(1), want, "an endpoint with a quota deleted: "
		    "traffic, not shared");
	}

	(void)testdb_mkep(db, "l3", "site", WARP_EP_CPE, "192.168.40.0/24");
	(void)snprintf(want, sizeof(want), "%lld:1", (long long)l3);
	CHECK_STR(journal(1), want, "a site with a LAN: shared (routes, "
	    "firewall sets)");
	CHECK(warp_traffic_set_quota(db, "l3/site", "5M", NULL, "test",
	    &err) == 0, "give l3/site a quota");
	(void)snprintf(want, sizeof(want), "%lld:0t", (long long)l3);
	CHECK_STR(journal(1), want, "a site's quota: traffic, not shared "
	    "(its LANs' elements are the quota's)");
	CHECK(warp_endpoint_set_enabled(db, "l3/site", 0, "test", &err) == 0,
	    "disable l3/site");
	(void)snprintf(want, sizeof(want), "%lld:1t", (long long)l3);
	CHECK_STR(journal(1), want, "disabling a site with LANs and a quota: "
	    "shared (its LAN routes) and traffic");
	CHECK(warp_endpoint_set_enabled(db, "l3/site", 1, "test", &err) == 0,
	    "enable l3/site");
	(void)journal(1);
	(void)testdb_mkep(db, "l3", "phone", WARP_EP_MOBILE, NULL);
	(void)snprintf(want, sizeof(want), "%lld:0", (long long)l3);
	CHECK_STR(journal(1), want, "a mobile endpoint in an L3VPN: that "
	    "network's peers only");

	CHECK(warp_network_set_enabled(db, "l3", 0, "test", &err) == 0,
	    "suspend l3");
	(void)snprintf(want, sizeof(want), "%lld:1", (long long)l3);
	CHECK_STR(journal(1), want, "a network suspended: shared");
	CHECK(warp_endpoint_delete(db, "l3/site", "test", &err) == 0,
	    "delete l3/site");
	(void)snprintf(want, sizeof(want), "%lld:1t", (long long)l3);
	CHECK_STR(journal(1), want, "a site with a LAN (and a quota) deleted: "
	    "its network, shared (not appliance-wide)");
	(void)testdb_mkep(db, "l3", "site", WARP_EP_CPE, "192.168.40.0/24");
	(void)journal(1);

	{
		struct warp_network	 n3, nsi;
		struct warp_state_peer	*p = NULL;
		size_t			 np = 0;
		int64_t			 ids[3];
		int			 rc;

		ids[0] = a;
		ids[1] = b;	/* deleted */
		ids[2] = testdb_count(db, "SELECT id FROM endpoints WHERE "
		    "name = 'site'");
		rc = warp_network_get(db, "si", &nsi, &err) == 0 ?
		    warp_state_endpoints_load(db, &nsi, 0, 0, ids, 2, &p, &np,
		    &err) : -1;
		CHECK(rc == 0 && np == 1 && p[0].endpoint_id == a &&
		    p[0].active && p[0].nallowed == 1, "the peers of named "
		    "endpoints: a deleted one has none, a live one its own");
		warp_state_peers_free(p, np);
		rc = warp_network_get(db, "l3", &n3, &err) == 0 ?
		    warp_state_endpoints_load(db, &n3, 1, 0, &ids[2], 1, &p,
		    &np, &err) : -1;
		CHECK(rc == 1 && strstr(err.msg, "LAN") != NULL, "a site with "
		    "LANs is left to the whole network's load (%s)", err.msg);
		rc = warp_state_endpoints_load(db, &nsi, 0, 0, &ids[2], 1, &p,
		    &np, &err);
		CHECK(rc == 1 && strstr(err.msg, "another network") != NULL,
		    "an endpoint of another network too (%s)", err.msg);
	}

	(void)testdb_mkep(db, "si", "c", WARP_EP_MOBILE, NULL);
	(void)testdb_mkep(db, "l3", "phone2", WARP_EP_MOBILE, NULL);
	CHECK(warp_network_delete(db, "l3", "test", &err) == 0, "delete l3");
	(void)snprintf(want, sizeof(want), "%lld:0 %lld:1", (long long)si,
	    (long long)l3);
	CHECK_STR(journal(0), want, "two networks changed: one row each, a "
	    "network deleted with its endpoints is shared");
	seq = applied_seq();
	testdb_fingerprint(db, fp);
	(void)journal(0);
	{
		char	fp2[65];

		testdb_fingerprint(db, fp2);
		CHECK_STR(fp2, fp, "reading the journal writes nothing");
	}
	(void)journal(1);
	CHECK(applied_seq() > seq && testdb_count(db, "SELECT COUNT(*) FROM "
	    "change_journal") == 0, "applying advances the sequence and trims "
	    "the journal");

	(void)testdb_mkep(db, "si", "e", WARP_EP_MOBILE, NULL);
	(void)snprintf(ewant, sizeof(ewant), "INSERT INTO change_journal "
	    "(network_id, shared, what) VALUES (%lld, 0, 'old')",
	    (long long)si);
	sqlite3_exec(db->sql, ewant, NULL, NULL, NULL);
	CHECK(by_endpoint() == 0, "a row that names no endpoint (written "
	    "before 0009) beside one that does: the network's path");
	(void)journal(1);

	sqlite3_exec(db->sql, "UPDATE journal_applied SET seq = seq + 1000",
	    NULL, NULL, NULL);
	(void)testdb_mkep(db, "si", "d", WARP_EP_MOBILE, NULL);
	{
		struct warp_state_change	*chg;
		int64_t				 ap, upto;
		size_t				 n;

		CHECK(warp_state_journal_read(db, &ap, &upto, &chg, &n,
		    &err) == 0 && ap > upto && n == 0, "a forged applied "
		    "sequence shows as ahead of the journal (the incremental "
		    "apply then runs the full one)");
		free(chg);
	}

	testdb_close(db);
	return (check_done());
}
