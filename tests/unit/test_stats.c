/*
 * Unit tests of what the edges read from the core instead of the schema:
 * pending marks written in the change's own transaction (and only when
 * asked for, as warpd does), the counts, the stored status document, the
 * audit listing and the JSON contract of the serialisers.
 */
#include "check.h"
#include "testdb.h"
#include "warp_kernel.h"

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
	s.actor = "test";
	if (type == WARP_NET_RESOURCE_GATEWAY) {
		s.resources[0] = "172.16.50.0/24";
		s.nresources = 1;
	}
	if (warp_network_create(db, &s, &id, &err) == -1)
		printf("# mknet %s: %s\n", name, err.msg);
	return (id);
}

static void
test_pending(void)
{
	struct warp_apply_status	a;
	struct warp_network_spec	s;
	struct warp_err			err;
	struct warp_stats		st;
	char				before[65], after[65];
	int64_t				quiet, loud;

	quiet = mknet("quiet", WARP_NET_L3VPN);
	warp_apply_status_get(db, "network", quiet, &a);
	CHECK(quiet > 0 && a.status[0] == '\0', "without tracking (warpctl) a "
	    "change marks nothing pending");

	warp_db_track_pending(db, 1);
	loud = mknet("loud", WARP_NET_SECURE_INTERNET);
	warp_apply_status_get(db, "network", loud, &a);
	CHECK_STR(a.status, "pending", "with tracking (warpd) the new network "
	    "is pending, written by the core");

	testdb_fingerprint(db, before);
	warp_network_spec_init(&s);
	s.name = "loud";
	s.type = WARP_NET_L3VPN;
	CHECK(warp_network_create(db, &s, NULL, &err) == -1, "a refused "
	    "create fails");
	testdb_fingerprint(db, after);
	CHECK(strcmp(before, after) == 0, "and marks nothing pending either "
	    "(one transaction)");

	CHECK(testdb_mkep(db, "quiet", "site", WARP_EP_CPE, "192.168.7.0/24")
	    > 0 && warp_endpoint_set_enabled(db, "quiet/site", 0, "test",
	    &err) == 0, "an endpoint is added and disabled");
	warp_db_track_pending(db, 0);

	CHECK(warp_stats_get(db, 0, &st, &err) == 0 && st.networks == 2 &&
	    st.endpoints == 1 && st.disabled == 1 && st.pending == 2 &&
	    st.failed == 0 && st.by_type[WARP_NET_L3VPN] == 1 &&
	    st.by_type[WARP_NET_SECURE_INTERNET] == 1,
	    "counts: 2 networks (1 l3vpn, 1 secure-internet), 1 endpoint, "
	    "1 disabled, 2 pending (loud; the site, created then disabled)");
}

static void
test_audit(void)
{
	struct warp_audit_filter	 f;
	struct warp_audit_entry		*v;
	struct warp_err			 err;
	size_t				 n;

	memset(&f, 0, sizeof(f));
	f.limit = 2;
	CHECK(warp_audit_list(db, &f, &v, &n, &err) == 0 && n == 2 &&
	    strcmp(v[0].action, "endpoint.disable") == 0 &&
	    strcmp(v[1].action, "endpoint.create") == 0 && v[0].id > v[1].id,
	    "the audit log lists the newest first, at most the limit");
	warp_audit_list_free(v);
	f.limit = 50;
	f.object = "loud";
	CHECK(warp_audit_list(db, &f, &v, &n, &err) == 0 && n == 1 &&
	    strcmp(v[0].action, "network.create") == 0,
	    "and filters by object");
	warp_audit_list_free(v);
}

static void
test_json(void)
{
	struct warp_kernel_status	 st;
	struct warp_stats		 counts;
	struct warp_endpoint		 e;
	struct warp_network		 n;
	struct warp_err			 err;
	struct warp_buf			 b;

	warp_buf_init(&b);
	CHECK(warp_network_get(db, "quiet", &n, &err) == 0, "network read");
	warp_json_network(&b, db, &n);
	warp_buf_append(&b, "", 1);
	CHECK(strstr(b.data, "\"type\":\"l3vpn\"") != NULL &&
	    strstr(b.data, "\"peer_communication\":false") != NULL &&
	    strstr(b.data, "\"vni\":null") != NULL &&
	    strstr(b.data, "\"resource_subnets\":[]") != NULL &&
	    strstr(b.data, "\"endpoints\":1") != NULL &&
	    strstr(b.data, "\"apply_status\":null") != NULL &&
	    strstr(b.data, "\"created_at\":\"20") != NULL,
	    "network JSON: contract names, booleans, null for none, ISO time");
	warp_buf_free(&b);

	warp_buf_init(&b);
	CHECK(warp_endpoint_get(db, "quiet/site", &e, &err) == 0,
	    "endpoint read");
	warp_json_endpoint(&b, &e, 0);
	warp_buf_append(&b, "", 1);
	CHECK(strstr(b.data, "\"type\":\"cpe\"") != NULL &&
	    strstr(b.data, "\"lan_subnets\":[\"192.168.7.0/24\"]") != NULL &&
	    strstr(b.data, "\"enabled\":false") != NULL &&
	    strstr(b.data, "\"status\":\"disabled\"") != NULL &&
	    strstr(b.data, "\"expires_at\":null") != NULL,
	    "endpoint JSON: type, lan_subnets, booleans, null expiry");
	warp_buf_free(&b);

	warp_buf_init(&b);
	CHECK(warp_status_stored(db, &st, &err) == 0 &&
	    warp_stats_get(db, 0, &counts, &err) == 0, "stored status read");
	warp_json_status(&b, &st, &counts);
	warp_buf_append(&b, "", 1);
	CHECK(strstr(b.data, "\"kernel_read\":false") != NULL &&
	    strstr(b.data, "\"last_handshake\":null") != NULL &&
	    strstr(b.data, "\"counts\":{\"networks\":2,\"endpoints\":1,")
	    != NULL, "status JSON: stored (kernel_read false), no handshake "
	    "is null, counts last");
	warp_kernel_status_free(&st);
	warp_buf_free(&b);
}

int
main(void)
{
	db = testdb_open();
	test_pending();
	test_audit();
	test_json();
	testdb_close(db);
	return (check_done());
}
