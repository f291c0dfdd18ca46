/*
 * Client configs: rendering per network type, immutable versions with
 * reasons, diff, rollback, QR codes, and encryption at rest (no private key
 * or preshared key readable in the database files).
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "check.h"
#include "testdb.h"

static struct warp_db	*db;

static int64_t
mknet(struct warp_network_spec *s)
{
	struct warp_err	err;
	int64_t		id = -1;

	if (warp_network_create(db, s, &id, &err) == -1)
		printf("# mknet %s: %s\n", s->name, err.msg);
	return (id);
}

static char *
current(int64_t ep)
{
	struct warp_err	 err;
	char		*text = NULL;

	if (warp_config_current(db, ep, &text, NULL, &err) == -1)
		printf("# current %lld: %s\n", (long long)ep, err.msg);
	return (text);
}

static int
has_line(const char *text, const char *line)
{
	const char	*p = text;
	size_t		 n = strlen(line);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
			return (1);
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return (0);
}

static int
version_of(int64_t ep)
{
	struct warp_endpoint	e;
	struct warp_err		err;

	if (warp_endpoint_get_id(db, ep, &e, &err) == -1)
		return (-1);
	return (e.config_version);
}

static void
test_render(void)
{
	struct warp_network_spec	 s;
	struct warp_network		 n;
	struct warp_err			 err;
	char				*c, line[256], gw[16];
	int64_t				 si, rrg, a, b, m1, m2, m3, p1;

	warp_network_spec_init(&s);
	s.name = "privacy";
	s.type = WARP_NET_SECURE_INTERNET;
	s.dns = "9.9.9.9";
	mknet(&s);
	si = testdb_mkep(db, "privacy", "phone", WARP_EP_MOBILE, NULL);
	c = current(si);
	warp_network_get(db, "privacy", &n, &err);
	CHECK(c != NULL && has_line(c, "[Interface]") && has_line(c, "[Peer]"),
	    "secure-internet: config has Interface and Peer");
	CHECK(has_line(c, "AllowedIPs = 0.0.0.0/0, ::/0"),
	    "secure-internet: full tunnel, IPv6 included");
	CHECK(has_line(c, "DNS = 9.9.9.9") && has_line(c, "MTU = 1420") &&
	    has_line(c, "PersistentKeepalive = 25"),
	    "secure-internet: DNS, MTU and keepalive");
	(void)snprintf(line, sizeof(line), "Endpoint = 198.51.100.7:%d",
	    n.listen_port);
	CHECK(has_line(c, line), "secure-internet: Endpoint is public "
	    "host:port");
	(void)snprintf(line, sizeof(line), "PublicKey = %s", n.public_key);
	CHECK(has_line(c, line), "the peer is the gateway's public key");
	CHECK(strstr(c, "PrivateKey = ") != NULL &&
	    strstr(c, "PresharedKey = ") != NULL, "private and preshared key "
	    "present");
	CHECK(has_line(c, "Address = 10.96.0.2/32"), "address is the overlay "
	    "/32");
	warp_config_free(c);

	warp_network_spec_init(&s);
	s.name = "files";
	s.type = WARP_NET_RESOURCE_GATEWAY;
	s.resources[0] = "172.20.0.0/16";
	s.resources[1] = "192.168.77.0/24";
	s.nresources = 2;
	mknet(&s);
	rrg = testdb_mkep(db, "files", "laptop", WARP_EP_MOBILE, NULL);
	c = current(rrg);
	warp_network_get(db, "files", &n, &err);
	warp_ip_format(n.gateway_ip, gw, sizeof(gw));
	(void)snprintf(line, sizeof(line), "AllowedIPs = %s/32, 172.20.0.0/16, "
	    "192.168.77.0/24", gw);
	CHECK(c != NULL && has_line(c, line), "resource-gateway: gateway IP and "
	    "resource subnets only");
	CHECK(strstr(c, "DNS =") == NULL, "resource-gateway: no DNS unless "
	    "set (split tunnel)");
	warp_config_free(c);

	warp_network_spec_init(&s);
	s.name = "sites";
	s.type = WARP_NET_L3VPN;
	mknet(&s);
	a = testdb_mkep(db, "sites", "a", WARP_EP_CPE, "192.168.1.0/24");
	CHECK(version_of(a) == 1, "l3vpn: first site at version 1");
	b = testdb_mkep(db, "sites", "b", WARP_EP_GATEWAY, "192.168.2.0/24");
	warp_network_get(db, "sites", &n, &err);
	c = current(a);
	(void)snprintf(line, sizeof(line), "AllowedIPs = %s, 192.168.2.0/24",
	    "10.104.0.0/28");
	CHECK(c != NULL && has_line(c, line), "l3vpn: site a routes the overlay "
	    "and site b's LAN");
	CHECK(version_of(a) == 2, "l3vpn: adding site b made a new version of "
	    "a's config");
	warp_config_free(c);
	c = current(b);
	CHECK(c != NULL && has_line(c, "AllowedIPs = 10.104.0.0/28, "
	    "192.168.1.0/24") && strstr(c, "192.168.2.0/24") == NULL,
	    "l3vpn: site b routes a's LAN, not its own");
	warp_config_free(c);

	warp_network_spec_init(&s);
	s.name = "mesh";
	s.type = WARP_NET_L2_MESH;
	s.vlan_range = "10-20";
	s.vni = "4242";
	mknet(&s);
	m1 = testdb_mkep(db, "mesh", "m1", WARP_EP_CPE, NULL);
	m2 = testdb_mkep(db, "mesh", "m2", WARP_EP_CPE, NULL);
	m3 = testdb_mkep(db, "mesh", "m3", WARP_EP_CPE, NULL);
	warp_network_get(db, "mesh", &n, &err);
	c = current(m1);
	(void)snprintf(line, sizeof(line), "PostUp = ip link add vx%08u type "
	    "vxlan id 4242 local 10.112.0.2 dstport 4789 nolearning", n.vcid);
	CHECK(c != NULL && has_line(c, line), "l2-mesh: VXLAN with the VNI, "
	    "local overlay IP, no learning");
	(void)snprintf(line, sizeof(line), "PostUp = bridge fdb append "
	    "00:00:00:00:00:00 dev vx%08u dst 10.112.0.1", n.vcid);
	CHECK(has_line(c, line), "l2-mesh: replicates to the gateway");
	(void)snprintf(line, sizeof(line), "PostUp = bridge fdb append "
	    "00:00:00:00:00:00 dev vx%08u dst 10.112.0.3", n.vcid);
	CHECK(has_line(c, line), "l2-mesh: replicates to site m2");
	(void)snprintf(line, sizeof(line), "PostUp = bridge fdb append "
	    "00:00:00:00:00:00 dev vx%08u dst 10.112.0.4", n.vcid);
	CHECK(has_line(c, line), "l2-mesh: replicates to site m3");
	(void)snprintf(line, sizeof(line), "PostUp = bridge fdb append "
	    "00:00:00:00:00:00 dev vx%08u dst 10.112.0.2", n.vcid);
	CHECK(!has_line(c, line), "l2-mesh: not to itself");
	(void)snprintf(line, sizeof(line), "PostUp = bridge vlan add dev "
	    "vx%08u vid 10-20", n.vcid);
	CHECK(has_line(c, line) && has_line(c, "AllowedIPs = 10.112.0.0/28"),
	    "l2-mesh: VLANs on the port, overlay subnet allowed");
	(void)snprintf(line, sizeof(line), "PostUp = bridge vlan del dev "
	    "vx%08u vid 1", n.vcid);
	CHECK(has_line(c, line), "l2-mesh: untagged frames (VLAN 1) do not "
	    "pass a VLAN-only mesh port");
	CHECK(version_of(m1) == 3 && version_of(m2) == 2 && version_of(m3) == 1,
	    "l2-mesh: each new site re-versioned the earlier ones");
	warp_config_free(c);

	warp_network_spec_init(&s);
	s.name = "p2p";
	s.type = WARP_NET_L2_P2P;
	s.vlan = "42";
	mknet(&s);
	p1 = testdb_mkep(db, "p2p", "left", WARP_EP_CPE, NULL);
	warp_network_get(db, "p2p", &n, &err);
	c = current(p1);
	(void)snprintf(line, sizeof(line), "PostUp = ip link add gt%08u type "
	    "gretap local 10.108.0.2 remote 10.108.0.1 ttl 64", n.vcid);
	CHECK(c != NULL && has_line(c, line), "l2-p2p: GRE TAP from the site to "
	    "the gateway's overlay IP");
	(void)snprintf(line, sizeof(line), "PostUp = bridge vlan add dev gt%08u "
	    "vid 42", n.vcid);
	CHECK(has_line(c, line), "l2-p2p: the VLAN passes the port");
	warp_config_free(c);
}

static void
test_versions(void)
{
	struct warp_network_edit	 e;
	struct warp_config_version	*v;
	struct warp_err			 err;
	struct warp_endpoint		 ep;
	char				*v1, *now, *d, before[65], after[65];
	size_t				 n;
	int				 newv;
	int64_t				 id;

	warp_endpoint_get(db, "privacy/phone", &ep, &err);
	id = ep.id;
	CHECK(ep.config_version == 1, "phone starts at version 1");
	warp_network_edit_init(&e);
	e.dns = "8.8.8.8";
	CHECK(warp_network_update(db, "privacy", &e, "test", &err) == 0 &&
	    version_of(id) == 2, "editing the network's DNS made version 2");
	warp_config_history(db, id, &v, &n, &err);
	CHECK(n == 2 && strcmp(v[1].reason, "network edited: DNS") == 0 &&
	    strcmp(v[0].reason, "created") == 0, "history has both versions "
	    "with reasons");
	free(v);
	warp_network_edit_init(&e);
	e.description = "no config change";
	CHECK(warp_network_update(db, "privacy", &e, "test", &err) == 0 &&
	    version_of(id) == 2, "a change that does not alter the config "
	    "makes no version");
	warp_config_version_text(db, id, 1, &v1, &err);
	now = current(id);
	(void)warp_config_diff(v1, now, "v1", "v2", &d, NULL, &err);
	CHECK(strstr(d, "-DNS = 9.9.9.9\n+DNS = 8.8.8.8\n") != NULL,
	    "diff shows the DNS line change");
	CHECK(strstr(d, "(hidden, fingerprint") != NULL &&
	    strstr(d, " PrivateKey = (hidden") != NULL,
	    "diff masks secrets");
	{
		char *line = strstr(now, "PrivateKey = ");

		CHECK(line != NULL && strstr(d, line + 13) == NULL,
		    "the private key itself is not in the diff");
	}
	free(d);
	warp_config_free(now);

	CHECK(warp_endpoint_rotate_keys(db, "privacy/phone", NULL, "test",
	    &err) == 0 && version_of(id) == 3, "rotating keys made version 3");
	now = current(id);
	CHECK(strcmp(now, v1) != 0, "version 3 differs from version 1");
	warp_config_free(now);
	/*
	 * Rotation retires the old keys (issue 12; before, a rollback to
	 * version 2 restored them): versions 1 and 2 keep their text with
	 * the keys masked, lose their sealed keys, and a rollback to them
	 * never brings a retired key back.
	 */
	{
		char		*v2 = NULL, *d2;
		sqlite3_stmt	*st;
		int		 wiped = 0;

		CHECK(warp_config_version_text(db, id, 2, &v2, &err) == 0 &&
		    strstr(v2, "PrivateKey = (hidden, fingerprint") != NULL &&
		    strstr(v2, "PresharedKey = (hidden, fingerprint") != NULL,
		    "after a rotation version 2 keeps its text, keys masked");
		if (sqlite3_prepare_v2(db->sql, "SELECT count(*) FROM "
		    "endpoint_configs WHERE endpoint_id = ? AND version < 3 AND "
		    "private_key IS NULL AND length(preshared_key) = 0 AND "
		    "retired = 1", -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, id);
			if (sqlite3_step(st) == SQLITE_ROW)
				wiped = sqlite3_column_int(st, 0);
			sqlite3_finalize(st);
		}
		CHECK(wiped == 2, "the old private and preshared keys are wiped "
		    "from versions 1 and 2 (%d)", wiped);
		now = current(id);
		(void)warp_config_diff(v2, now, "v2", "v3", &d2, NULL, &err);
		CHECK(d2 != NULL && strstr(d2, "+PrivateKey = (hidden") != NULL,
		    "the diff of a retired version and the current one works");
		free(d2);
		warp_config_free(now);
		warp_config_free(v2);
	}
	testdb_fingerprint(db, before);
	CHECK(warp_config_rollback(db, "privacy/phone", 2, "test", &newv,
	    &err) == -1 && strstr(err.msg, "retired") != NULL,
	    "a rollback to version 2 never restores its retired key: it "
	    "re-renders with the current keys and says so: %s", err.msg);
	CHECK(warp_config_rollback(db, "privacy/phone", 3, "test", &newv,
	    &err) == -1 && strstr(err.msg, "already") != NULL,
	    "rollback to the current version is refused");
	CHECK(warp_config_rollback(db, "privacy/phone", 99, "test", &newv,
	    &err) == -1 && err.kind == WARP_ENOTFOUND,
	    "rollback to a missing version is refused");
	testdb_fingerprint(db, after);
	CHECK(strcmp(before, after) == 0, "refused rollbacks changed nothing");
	{
		struct warp_network_edit	ed;

		warp_network_edit_init(&ed);
		ed.mtu = 1400;
		CHECK(warp_network_update(db, "privacy", &ed, "test", &err) == 0 &&
		    warp_config_rollback(db, "privacy/phone", 3, "test", &newv,
		    &err) == -1 && strstr(err.msg, "edit the network") != NULL,
		    "rollback across a network edit explains that network "
		    "settings are not rolled back: %s", err.msg);
	}
	CHECK(sqlite3_exec(db->sql, "UPDATE endpoint_configs SET reason = 'x'",
	    NULL, NULL, NULL) != SQLITE_OK, "stored versions are immutable");
	warp_config_free(v1);
}

static void
test_qr(void)
{
	struct warp_err	 err;
	char		*svg, *term, *big, *c;
	uint8_t		*png;
	size_t		 len;

	c = current(1);
	CHECK(warp_qr_svg(c, &svg, &err) == 0 && strncmp(svg, "<svg", 4) == 0 &&
	    strstr(svg, "<path") != NULL, "QR as SVG");
	CHECK(warp_qr_png(c, &png, &len, &err) == 0 && len > 100 &&
	    memcmp(png, "\x89PNG", 4) == 0, "QR as PNG (%zu bytes)", len);
	CHECK(warp_qr_terminal(c, &term, &err) == 0 &&
	    strstr(term, "\xe2\x96\x88") != NULL, "QR for the terminal");
	free(svg);
	free(png);
	free(term);
	big = warp_xcalloc(5000, 1);
	memset(big, 'x', 4999);
	CHECK(warp_qr_png(big, &png, &len, &err) == -1 &&
	    strstr(err.msg, "too large") != NULL, "an oversized config gets a "
	    "clear QR error");
	free(big);
	warp_config_free(c);
}

/* Neither base64 nor raw bytes of any secret appear in the db files. */
static void
test_at_rest(void)
{
	struct warp_endpoint	*v;
	struct warp_err		 err;
	size_t			 n, i, found = 0, checked = 0;
	char			*c, *p, key[45], path[300], *files[3];
	uint8_t			 raw[32];
	char			*blob;
	size_t			 bloblen = 0;
	int			 f, fd;
	struct stat		 st;

	sqlite3_exec(db->sql, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL,
	    NULL);
	(void)snprintf(path, sizeof(path), "%s/warp.db", testdb_dir);
	files[0] = path;
	if (asprintf(&files[1], "%s-wal", path) == -1 ||
	    asprintf(&files[2], "%s-shm", path) == -1)
		return;
	blob = NULL;
	for (f = 0; f < 3; f++) {
		if ((fd = open(files[f], O_RDONLY)) == -1)
			continue;
		fstat(fd, &st);
		blob = realloc(blob, bloblen + (size_t)st.st_size + 1);
		if (read(fd, blob + bloblen, (size_t)st.st_size) !=
		    st.st_size) {
			close(fd);
			continue;
		}
		bloblen += (size_t)st.st_size;
		close(fd);
	}
	free(files[1]);
	free(files[2]);
	warp_endpoint_list(db, 0, &v, &n, &err);
	for (i = 0; i < n; i++) {
		c = current(v[i].id);
		for (p = c; (p = strstr(p, "Key = ")) != NULL; p += 6) {
			if (strncmp(p - 7, "Private", 7) != 0 &&
			    strncmp(p - 9, "Preshared", 9) != 0)
				continue;
			(void)snprintf(key, sizeof(key), "%.44s", p + 6);
			warp_key_from_base64(key, raw);
			checked++;
			if (memmem(blob, bloblen, key, 44) != NULL ||
			    memmem(blob, bloblen, raw, 32) != NULL)
				found++;
		}
		warp_config_free(c);
	}
	free(v);
	free(blob);
	CHECK(checked >= 2 * n - 1 && found == 0, "no private or preshared key "
	    "(base64 or raw) in the db files: %zu secrets checked, %zu found",
	    checked, found);
}

/* Bulk add: all or nothing; dependent configs re-rendered once. */
static void
test_bulk(void)
{
	struct warp_network_spec	 s;
	struct warp_endpoint_spec	 t;
	struct warp_endpoint		*v;
	struct warp_err			 err;
	struct warp_config_version	*h;
	char				 before[65], after[65], *c, line[128];
	char				 gw[16], last[16], gwline[32];
	struct warp_network		 net;
	int64_t				 ids[20];
	size_t				 n, hn, i, good = 0;
	long				 failed;

	warp_network_spec_init(&s);
	s.name = "bulkmesh";
	s.type = WARP_NET_L2_MESH;
	s.expected_users = 30;
	mknet(&s);
	warp_endpoint_spec_init(&t);
	t.kind = WARP_EP_CPE;
	CHECK(warp_endpoint_create_bulk(db, "bulkmesh", "site-{n}", 1, 20, &t,
	    "test", ids, &failed, &err) == 0 && failed == 0,
	    "bulk add of 20 l2-mesh sites");
	warp_network_get(db, "bulkmesh", &net, &err);
	warp_ip_format(net.gateway_ip, gw, sizeof(gw));
	warp_ip_format(net.gateway_ip + 20, last, sizeof(last));
	warp_endpoint_list(db, net.id, &v, &n, &err);
	for (i = 0; i < n; i++) {
		warp_config_history(db, v[i].id, &h, &hn, &err);
		c = current(v[i].id);
		(void)snprintf(line, sizeof(line), "dst %s\n", last);
		(void)snprintf(gwline, sizeof(gwline), "dst %s\n", gw);
		if (hn <= 2 && strstr(c, gwline) != NULL &&
		    (strcmp(v[i].name, "site-20") == 0 || (hn == 2 &&
		    strcmp(h[1].reason, "20 sites added") == 0 &&
		    strstr(c, line) != NULL)))
			good++;
		warp_config_free(c);
		free(h);
	}
	free(v);
	CHECK(good == 20, "every site replicates to all others after one "
	    "refresh, at most 2 versions each (%zu of 20)", good);
	testdb_fingerprint(db, before);
	CHECK(warp_endpoint_create_bulk(db, "bulkmesh", "more-{n}", 1, 20, &t,
	    "test", ids, &failed, &err) == -1 && failed == 10 &&
	    strstr(err.msg, "nothing was created") != NULL,
	    "a bulk add that overflows the subnet fails at the 10th: %s",
	    err.msg);
	testdb_fingerprint(db, after);
	CHECK(strcmp(before, after) == 0, "and nothing was created");
	CHECK(warp_endpoint_create_bulk(db, "bulkmesh", "no-pattern", 1, 2, &t,
	    "test", ids, &failed, &err) == -1 && strstr(err.msg, "{n}") != NULL,
	    "a pattern without {n} is refused");
}

int
main(void)
{
	db = testdb_open();
	test_render();
	test_versions();
	test_qr();
	test_at_rest();
	test_bulk();
	testdb_close(db);
	return (check_done());
}
