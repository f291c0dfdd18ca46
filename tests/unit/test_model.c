/*
 * Networks and endpoints: allocation (VCID, ports, subnets, overlay IPs,
 * VNI, kernel names) and every refusal of DESIGN §2 "Validation", each with
 * its message and the database unchanged.
 */
#include "check.h"
#include "testdb.h"

static struct warp_db	*db;

/* Run expr, expect -1 with `want` in the message and no change at all. */
#define REFUSE(expr, want, ...) do {					\
	char		 before_[65], after_[65];			\
	struct warp_err	 err_;						\
	int		 rc_;						\
	testdb_fingerprint(db, before_);				\
	warp_err_clear(&err_);						\
	{								\
		struct warp_err *err = &err_;				\
		rc_ = (expr);						\
	}								\
	testdb_fingerprint(db, after_);					\
	CHECK(rc_ == -1 && strstr(err_.msg, (want)) != NULL &&		\
	    strcmp(before_, after_) == 0 && err_.kind != WARP_ESYSTEM,	\
	    __VA_ARGS__);						\
	if (rc_ != -1 || strstr(err_.msg, (want)) == NULL)		\
		printf("#   message: %s\n", err_.msg);			\
} while (0)

static int64_t
mknet(const char *name, enum warp_net_type type, const char *subnet,
    long users)
{
	struct warp_network_spec	s;
	struct warp_err			err;
	int64_t				id = -1;

	warp_network_spec_init(&s);
	s.name = name;
	s.type = type;
	s.subnet = subnet;
	s.expected_users = users;
	if (type == WARP_NET_RESOURCE_GATEWAY) {
		s.resources[0] = "172.16.50.0/24";
		s.nresources = 1;
	}
	if (warp_network_create(db, &s, &id, &err) == -1)
		printf("# mknet %s: %s\n", name, err.msg);
	return (id);
}

static int
spec_create(const char *name, enum warp_net_type t, const char *subnet,
    const char *vlan, const char *range, const char *vni, int port,
    struct warp_err *err)
{
	struct warp_network_spec	s;

	warp_network_spec_init(&s);
	s.name = name;
	s.type = t;
	s.subnet = subnet;
	s.vlan = vlan;
	s.vlan_range = range;
	s.vni = vni;
	s.listen_port = port;
	return (warp_network_create(db, &s, NULL, err));
}

static int
ep_create(const char *net, const char *name, enum warp_ep_kind kind,
    const char *lan, const char *pub, const char *expires,
    struct warp_err *err)
{
	struct warp_endpoint_spec	s;

	warp_endpoint_spec_init(&s);
	s.name = name;
	s.kind = kind;
	s.public_key = pub;
	s.expires = expires;
	if (lan != NULL) {
		s.lans[0] = lan;
		s.nlans = 1;
	}
	return (warp_endpoint_create(db, net, &s, "test", NULL, err));
}

static void
test_allocation(void)
{
	struct warp_network	n1, n2, n3;
	struct warp_endpoint	e;
	struct warp_err		err;
	char			buf[WARP_CIDR_STRLEN];
	int64_t			id1, id2, id3, ep;

	id1 = mknet("home", WARP_NET_SECURE_INTERNET, NULL, 5);
	id2 = mknet("branch", WARP_NET_SECURE_INTERNET, NULL, 100);
	id3 = mknet("mesh", WARP_NET_L2_MESH, NULL, 0);
	CHECK(id1 > 0 && id2 > 0 && id3 > 0, "three networks created");
	warp_network_get_id(db, id1, &n1, &err);
	warp_network_get_id(db, id2, &n2, &err);
	warp_network_get_id(db, id3, &n3, &err);
	warp_cidr_format(&n1.subnet, buf, sizeof(buf));
	CHECK_STR(buf, "10.96.0.0/29", "5 users get a /29 from the "
	    "secure-internet container");
	warp_cidr_format(&n2.subnet, buf, sizeof(buf));
	CHECK_STR(buf, "10.96.0.128/25", "100 users get the next free aligned "
	    "/25, not overlapping the /29");
	CHECK(n1.listen_port == 51820 && n2.listen_port == 51821 &&
	    n3.listen_port == 51822, "listen ports come from the pool in order");
	CHECK(n1.vcid >= 10000000 && n1.vcid <= 99999999 && n1.vcid != n2.vcid,
	    "VCIDs are 8 digits and unique");
	CHECK(n1.table_id != n2.table_id, "each network has its own table");
	CHECK(strlen(n1.if_wg) <= 15 && strlen(n1.if_vrf) <= 15 &&
	    strlen(n3.if_br) <= 15 && strlen(n3.if_vx) <= 15 &&
	    strncmp(n1.if_wg, "wg", 2) == 0 && strncmp(n1.if_vrf, "vrf", 3) == 0,
	    "derived kernel names fit IFNAMSIZ (%s %s %s %s)", n1.if_wg,
	    n1.if_vrf, n3.if_br, n3.if_vx);
	CHECK(n3.vni >= 1 && n3.vni <= 16777215 && n1.vni == 0,
	    "l2-mesh gets a VNI (%u), others none", n3.vni);
	CHECK(n1.gateway_ip == n1.subnet.addr + 1, "gateway takes the first "
	    "host");
	ep = testdb_mkep(db, "home", "phone", WARP_EP_MOBILE, NULL);
	warp_endpoint_get_id(db, ep, &e, &err);
	CHECK(e.overlay_ip == n1.subnet.addr + 2, "first endpoint takes the "
	    "second host");
	CHECK(testdb_mkep(db, "home", "laptop", WARP_EP_MOBILE, NULL) > 0,
	    "second endpoint created");
	warp_endpoint_get(db, "home/laptop", &e, &err);
	CHECK(e.overlay_ip == n1.subnet.addr + 3 && e.config_version == 1,
	    "second endpoint takes the third host and has config version 1");
	CHECK(warp_endpoint_delete(db, "home/phone", "test", &err) == 0 &&
	    testdb_mkep(db, "home", "tablet", WARP_EP_MOBILE, NULL) > 0 &&
	    warp_endpoint_get(db, "home/tablet", &e, &err) == 0 &&
	    e.overlay_ip == n1.subnet.addr + 2, "a freed address is reused");
	CHECK(warp_network_get(db, "home", &n1, &err) == 0 &&
	    warp_network_get(db, "1", &n2, &err) == 0 && n1.id == n2.id,
	    "a network is found by name and by id");
	CHECK(warp_network_get(db, "nope", &n1, &err) == -1 &&
	    err.kind == WARP_ENOTFOUND, "an unknown network is not found");
}

static void
test_refusals(void)
{
	struct warp_err	 e;
	uint8_t		 priv[32], pub[32];
	char		 pub64[45], other64[45];
	int		 i;
	char		 name[16];

	/* Names. */
	REFUSE(spec_create("home", WARP_NET_L3VPN, NULL, NULL, NULL, NULL, 0,
	    err), "already exists", "duplicate network name refused");
	REFUSE(spec_create("this-name-is-much-too-long-for-us", WARP_NET_L3VPN,
	    NULL, NULL, NULL, NULL, 0, err), "longer than",
	    "overlong network name refused");
	REFUSE(spec_create("bad name", WARP_NET_L3VPN, NULL, NULL, NULL, NULL, 0,
	    err), "may contain only", "network name with a space refused");
	REFUSE(spec_create("<script>", WARP_NET_L3VPN, NULL, NULL, NULL, NULL,
	    0, err), "must start with", "network name with markup refused");
	/* Subnets. */
	REFUSE(spec_create("ov", WARP_NET_L3VPN, "10.96.0.0/24", NULL, NULL,
	    NULL, 0, err), "overlaps network", "overlapping subnet refused");
	REFUSE(spec_create("ov", WARP_NET_L3VPN, "10.96.0.4/30", NULL, NULL,
	    NULL, 0, err), "overlaps network", "subnet inside another refused");
	REFUSE(spec_create("ov", WARP_NET_L3VPN, "10.50.0.1/24", NULL, NULL,
	    NULL, 0, err), "host bits", "subnet with host bits refused");
	REFUSE(spec_create("ov", WARP_NET_L3VPN, "10.50.0.0/33", NULL, NULL,
	    NULL, 0, err), "prefix length", "prefix /33 refused");
	REFUSE(spec_create("ov", WARP_NET_L3VPN, "10.50.0.0/31", NULL, NULL,
	    NULL, 0, err), "/16 to /30", "a /31 overlay refused");
	REFUSE(spec_create("ov", WARP_NET_L3VPN, "10.0.0.0/8", NULL, NULL,
	    NULL, 0, err), "/16 to /30", "a /8 overlay refused");
	REFUSE(spec_create("ov", WARP_NET_L2_P2P, "10.50.0.0/30", NULL, NULL,
	    NULL, 0, err), "at least a /29", "l2-p2p in a /30 refused");
	/* VLANs and VNIs. */
	REFUSE(spec_create("l2a", WARP_NET_L2_P2P, NULL, "0", NULL, NULL, 0,
	    err), "1 to 4094", "VLAN 0 refused");
	REFUSE(spec_create("l2a", WARP_NET_L2_P2P, NULL, "4095", NULL, NULL, 0,
	    err), "1 to 4094", "VLAN 4095 refused");
	REFUSE(spec_create("l2a", WARP_NET_L2_P2P, NULL, NULL, "300-200", NULL,
	    0, err), "backwards", "reversed VLAN range refused");
	REFUSE(spec_create("l2a", WARP_NET_L2_P2P, NULL, "5", "1-9", NULL, 0,
	    err), "not both", "VLAN id with a range refused");
	REFUSE(spec_create("l2a", WARP_NET_L3VPN, NULL, "10", NULL, NULL, 0,
	    err), "l2-p2p and l2-mesh", "VLAN on an l3vpn network refused");
	CHECK(spec_create("vlans", WARP_NET_L2_P2P, NULL, NULL, "100-199", NULL,
	    0, &e) == 0, "l2-p2p with VLANs 100-199 created");
	REFUSE(spec_create("l2a", WARP_NET_L2_MESH, NULL, "150", NULL, NULL, 0,
	    err), "conflicts with network 'vlans'",
	    "conflicting VLAN claim (150 within 100-199) refused");
	REFUSE(spec_create("l2a", WARP_NET_L2_MESH, NULL, NULL, "199-250", NULL,
	    0, err), "conflicts", "overlapping VLAN range refused");
	REFUSE(spec_create("l2a", WARP_NET_L2_MESH, NULL, NULL, NULL, "0", 0,
	    err), "1 to 16777215", "VNI 0 refused");
	REFUSE(spec_create("l2a", WARP_NET_L2_MESH, NULL, NULL, NULL,
	    "16777216", 0, err), "1 to 16777215", "VNI 16777216 refused");
	CHECK(spec_create("vni7", WARP_NET_L2_MESH, NULL, NULL, NULL, "7000", 0,
	    &e) == 0, "l2-mesh with VNI 7000 created");
	REFUSE(spec_create("l2a", WARP_NET_L2_MESH, NULL, NULL, NULL, "7000", 0,
	    err), "VNI 7000 is already used", "duplicate VNI refused");
	REFUSE(spec_create("l2a", WARP_NET_L3VPN, NULL, NULL, NULL, "9", 0,
	    err), "l2-mesh networks only", "VNI on l3vpn refused");
	/* Type-specific options. */
	{
		struct warp_network_spec	s;

		warp_network_spec_init(&s);
		s.name = "rrg";
		s.type = WARP_NET_RESOURCE_GATEWAY;
		REFUSE(warp_network_create(db, &s, NULL, err),
		    "at least one resource subnet",
		    "resource-gateway without resources refused");
		s.resources[0] = "not-a-cidr";
		s.nresources = 1;
		REFUSE(warp_network_create(db, &s, NULL, err), "CIDR",
		    "malformed resource subnet refused");
		s.type = WARP_NET_L3VPN;
		s.resources[0] = "172.16.0.0/24";
		REFUSE(warp_network_create(db, &s, NULL, err),
		    "resource-gateway networks only",
		    "resource subnets on l3vpn refused");
		s.nresources = 0;
		s.peer_communication = 1;
		REFUSE(warp_network_create(db, &s, NULL, err),
		    "secure-internet networks only",
		    "peer communication on l3vpn refused");
		s.peer_communication = 0;
		s.type = WARP_NET_L2_P2P;
		s.expected_users = 3;
		REFUSE(warp_network_create(db, &s, NULL, err), "exactly 2",
		    "l2-p2p for 3 users refused");
		s.type = WARP_NET_SECURE_INTERNET;
		s.expected_users = 0;
		s.dns = "1.1.1.1,,";
		REFUSE(warp_network_create(db, &s, NULL, err), "DNS",
		    "malformed DNS refused");
	}
	REFUSE(spec_create("port", WARP_NET_L3VPN, NULL, NULL, NULL, NULL,
	    51820, err), "already used", "a listen port in use refused");

	/* Port pool exhaustion: 4 networks exist in 51820-51829 so far. */
	for (i = 0; i < 20; i++) {
		(void)snprintf(name, sizeof(name), "fill%d", i);
		if (spec_create(name, WARP_NET_L3VPN, NULL, NULL, NULL, NULL, 0,
		    &e) == -1)
			break;
	}
	CHECK(i < 20 && strstr(e.msg, "exhausted") != NULL,
	    "the pool runs out after 10 networks (%d more made)", i);
	REFUSE(spec_create("onemore", WARP_NET_L3VPN, NULL, NULL, NULL, NULL, 0,
	    err), "a wider pool such as", "port pool exhausted: refused with "
	    "the fix");
	CHECK(spec_create("onemore", WARP_NET_L3VPN, NULL, NULL, NULL, NULL, 0,
	    &e) == -1 && strcmp(e.field, WARP_F_PORT_POOL) == 0,
	    "and names the setting, so each edge can say how to widen it");
	CHECK(warp_server_config_set(db, "port-pool", "51820-51899", &e) == 0 &&
	    spec_create("onemore", WARP_NET_L3VPN, NULL, NULL, NULL, NULL, 0,
	    &e) == 0, "widening the pool lets an 11th network in (no cap at "
	    "10)");
	REFUSE(warp_server_config_set(db, "port-pool", "51830-51840", err),
	    "outside the new pool", "a pool that strands a port refused");

	/* Endpoints. */
	REFUSE(ep_create("home", "laptop", WARP_EP_MOBILE, NULL, NULL, NULL,
	    err), "already has an endpoint", "duplicate endpoint name refused");
	REFUSE(ep_create("home", "bad/name", WARP_EP_MOBILE, NULL, NULL, NULL,
	    err), "may contain only", "endpoint name with '/' refused");
	REFUSE(ep_create("nope", "x", WARP_EP_MOBILE, NULL, NULL, NULL, err),
	    "no network named", "endpoint in a missing network refused");
	REFUSE(ep_create("home", "x", WARP_EP_MOBILE, "192.168.1.0/24", NULL,
	    NULL, err), "mobile endpoints cannot", "LAN on a mobile refused");
	REFUSE(ep_create("home", "x", WARP_EP_CPE, "192.168.1.0/24", NULL, NULL,
	    err), "l3vpn networks only", "LAN outside l3vpn refused");
	REFUSE(ep_create("home", "x", WARP_EP_MOBILE, NULL, "not-a-key", NULL,
	    err), "base64", "malformed public key refused");
	REFUSE(ep_create("home", "x", WARP_EP_MOBILE, NULL, NULL,
	    "2001-01-01T00:00:00Z", err), "in the past", "past expiry refused");
	REFUSE(ep_create("home", "x", WARP_EP_MOBILE, NULL, NULL, "tomorrow",
	    err), "UTC time", "malformed expiry refused");
	CHECK(spec_create("sites", WARP_NET_L3VPN, NULL, NULL, NULL, NULL, 0,
	    &e) == 0 && testdb_mkep(db, "sites", "a", WARP_EP_CPE, "192.168.1.0/24") > 0,
	    "l3vpn site with a LAN created");
	REFUSE(ep_create("sites", "b", WARP_EP_CPE, "192.168.1.128/25", NULL,
	    NULL, err), "overlaps 192.168.1.0/24 of site 'a'",
	    "overlapping LAN of another site refused");
	REFUSE(ep_create("sites", "b", WARP_EP_CPE, "192.168.1.1/24", NULL, NULL,
	    err), "host bits", "LAN with host bits refused");
	warp_key_generate(priv, pub);
	warp_key_to_base64(pub, pub64);
	CHECK(ep_create("home", "own-key", WARP_EP_MOBILE, NULL, pub64, NULL,
	    &e) == 0, "endpoint with its own public key created");
	REFUSE(ep_create("sites", "dup-key", WARP_EP_CPE, NULL, pub64, NULL,
	    err), "already in use", "a public key in use refused");
	{
		struct warp_network	n;

		warp_network_get(db, "home", &n, &e);
		(void)snprintf(other64, sizeof(other64), "%s", n.public_key);
		REFUSE(ep_create("sites", "gw-key", WARP_EP_CPE, NULL, other64,
		    NULL, err), "already in use",
		    "the gateway's own public key refused");
	}

	/* L2 point-to-point joins exactly two sites. */
	CHECK(testdb_mkep(db, "vlans", "s1", WARP_EP_CPE, NULL) > 0 &&
	    testdb_mkep(db, "vlans", "s2", WARP_EP_CPE, NULL) > 0, "l2-p2p: two sites");
	REFUSE(ep_create("vlans", "s3", WARP_EP_CPE, NULL, NULL, NULL, err),
	    "exactly 2 sites", "l2-p2p refuses a third endpoint");

	/* A full network. */
	CHECK(spec_create("tiny", WARP_NET_SECURE_INTERNET, "10.60.0.0/30",
	    NULL, NULL, NULL, 0, &e) == 0 &&
	    testdb_mkep(db, "tiny", "only", WARP_EP_MOBILE, NULL) > 0,
	    "a /30 holds the gateway and one endpoint");
	REFUSE(ep_create("tiny", "second", WARP_EP_MOBILE, NULL, NULL, NULL,
	    err), "is full", "a full network refuses more");
}

int
main(void)
{
	db = testdb_open();
	test_allocation();
	test_refusals();
	testdb_close(db);
	return (check_done());
}
