/*
 * Client configs: rendering per network type (DESIGN §2), immutable
 * versions with a reason, diff of two versions and rollback.
 *
 * A version row keeps the sealed config text and the endpoint's key
 * material and LAN subnets at that time, so a rollback restores what the
 * gateway must know for that config to work, then renders it again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "warp.h"
#include "warp_db_int.h"

static int	warp_config_unseal_text(struct warp_db *, const void *, int,
		    char **, struct warp_err *);
static void	warp_config_allowed(struct warp_buf *, const struct warp_cidr *);
static int	rollback_version(struct warp_db *, const struct warp_endpoint *,
		    int, char **, int *, struct warp_err *);
static int	rollback_keys(struct warp_db *, int64_t, int, struct warp_err *);
static int	rollback_render(struct warp_db *, const char *, char *,
		    const char *, const char *, struct warp_endpoint *,
		    struct warp_err *);
static int	rollback_nothing(struct warp_db *, int64_t, int, int,
		    struct warp_err *);
static void	warp_config_l2_setup(struct warp_buf *,
		    const struct warp_network *, const struct warp_endpoint *,
		    const struct warp_endpoint *, size_t);

static void
warp_config_allowed(struct warp_buf *b, const struct warp_cidr *c)
{
	char	buf[WARP_CIDR_STRLEN];

	warp_cidr_format(c, buf, sizeof(buf));
	warp_buf_appendf(b, "%s%s", b->len > 0 ? ", " : "", buf);
}

/*
 * The layer-2 part a site needs, as wg-quick PostUp/PostDown lines: a GRE
 * TAP to the gateway (point-to-point) or a VXLAN device replicating to every
 * other site and the gateway (mesh; DESIGN §6: a hub that only replicates
 * cannot carry site-to-site frames), both on a VLAN-aware bridge.
 */
static void
warp_config_l2_setup(struct warp_buf *b, const struct warp_network *n,
    const struct warp_endpoint *self, const struct warp_endpoint *all,
    size_t nall)
{
	char	me[WARP_IP_STRLEN], gw[WARP_IP_STRLEN], peer[WARP_IP_STRLEN];
	char	vlans[16];
	size_t	i;

	warp_ip_format(self->overlay_ip, me, sizeof(me));
	warp_ip_format(n->gateway_ip, gw, sizeof(gw));
	if (n->type == WARP_NET_L2_P2P) {
		warp_buf_appendf(b, "PostUp = ip link add gt%08u type gretap "
		    "local %s remote %s ttl 64\n", n->vcid, me, gw);
		warp_buf_appendf(b, "PostUp = ip link set gt%08u mtu %d\n",
		    n->vcid, n->mtu - WARP_GRE_OVERHEAD);
	} else {
		warp_buf_appendf(b, "PostUp = ip link add vx%08u type vxlan id "
		    "%u local %s dstport %d nolearning\n", n->vcid, n->vni,
		    me, WARP_VXLAN_PORT);
		warp_buf_appendf(b, "PostUp = ip link set vx%08u mtu %d\n",
		    n->vcid, n->mtu - WARP_VXLAN_OVERHEAD);
		warp_buf_appendf(b, "PostUp = bridge fdb append "
		    "00:00:00:00:00:00 dev vx%08u dst %s\n", n->vcid, gw);
		for (i = 0; i < nall; i++) {
			if (all[i].id == self->id)
				continue;
			warp_ip_format(all[i].overlay_ip, peer, sizeof(peer));
			warp_buf_appendf(b, "PostUp = bridge fdb append "
			    "00:00:00:00:00:00 dev vx%08u dst %s\n", n->vcid,
			    peer);
		}
	}
	warp_buf_appendf(b, "PostUp = ip link add br%08u type bridge "
	    "vlan_filtering 1\n", n->vcid);
	warp_buf_appendf(b, "PostUp = ip link set %s%08u master br%08u up\n",
	    n->type == WARP_NET_L2_P2P ? "gt" : "vx", n->vcid, n->vcid);
	if (n->vlan_min > 0) {
		if (n->vlan_min == n->vlan_max)
			(void)snprintf(vlans, sizeof(vlans), "%d", n->vlan_min);
		else
			(void)snprintf(vlans, sizeof(vlans), "%d-%d",
			    n->vlan_min, n->vlan_max);
		warp_buf_appendf(b, "PostUp = bridge vlan add dev %s%08u vid "
		    "%s\n", n->type == WARP_NET_L2_P2P ? "gt" : "vx", n->vcid,
		    vlans);
		/*
		 * Only the listed VLANs: untagged frames (VLAN 1) must not
		 * pass either.  In a mesh, site-to-site frames never cross
		 * the gateway's bridge, so the sites have to enforce this.
		 */
		warp_buf_appendf(b, "PostUp = bridge vlan del dev %s%08u vid "
		    "1\n", n->type == WARP_NET_L2_P2P ? "gt" : "vx", n->vcid);
	}
	warp_buf_appendf(b, "PostUp = ip link set br%08u up\n", n->vcid);
	warp_buf_appendf(b, "PostDown = ip link del br%08u\n", n->vcid);
	warp_buf_appendf(b, "PostDown = ip link del %s%08u\n",
	    n->type == WARP_NET_L2_P2P ? "gt" : "vx", n->vcid);
	warp_buf_appendf(b, "# Attach the site's LAN port to the bridge: "
	    "ip link set <lan-port> master br%08u%s%s\n", n->vcid,
	    n->vlan_min > 0 ? " && bridge vlan del dev <lan-port> vid 1 && "
	    "bridge vlan add dev <lan-port> vid " : "",
	    n->vlan_min > 0 ? vlans : "");
}

/*
 * What rendering needs besides the endpoint itself; loaded once per
 * network so that re-rendering every endpoint of a network reads the
 * network and its endpoint list once, not once per endpoint.
 */
struct warp_render_ctx {
	struct warp_server_config	 sc;
	struct warp_network		 n;
	struct warp_endpoint		*all;	/* l3vpn and l2-mesh only */
	size_t				 nall;
};

static int
warp_render_ctx_load(struct warp_db *db, int64_t network_id,
    struct warp_render_ctx *rc, struct warp_err *err)
{
	memset(rc, 0, sizeof(*rc));
	if (warp_network_get_id(db, network_id, &rc->n, err) == -1 ||
	    warp_server_config_get(db, &rc->sc, err) == -1)
		return (-1);
	if (rc->sc.public_host[0] == '\0') {
		warp_err_input(err, "the server's public host is not set");
		return (warp_err_field(err, WARP_F_SETTING_HOST));
	}
	/* L3VPN configs need the sites with LANs, L2 mesh every site. */
	if (rc->n.type == WARP_NET_L3VPN &&
	    warp_endpoint_list_with_lans(db, network_id, &rc->all, &rc->nall,
	    err) == -1)
		return (-1);
	if (rc->n.type == WARP_NET_L2_MESH &&
	    warp_endpoint_list(db, network_id, &rc->all, &rc->nall, err) == -1)
		return (-1);
	return (0);
}

static void
warp_render_ctx_free(struct warp_render_ctx *rc)
{
	warp_endpoint_list_free(rc->all);
	rc->all = NULL;
}

static int
warp_config_render_in(struct warp_db *db, const struct warp_render_ctx *rc,
    const struct warp_endpoint *ep, char **out, struct warp_err *err)
{
	const struct warp_network	*n = &rc->n;
	const struct warp_endpoint	*e = ep;
	struct warp_buf			 b, allowed;
	struct warp_cidr		 c;
	uint8_t				*priv = NULL, psk[WARP_KEY_LEN];
	uint8_t				 privk[WARP_KEY_LEN];
	size_t				 i, j;
	char				 ip[WARP_IP_STRLEN], key[WARP_KEY_B64_LEN + 1];
	int				 rv = -1;

	warp_buf_init(&b);
	warp_buf_init(&allowed);
	if (e->has_private_key) {
		if (warp_db_sealed_key(db, "endpoints", e->id, "private_key",
		    privk, err) == -1)
			goto out;
		priv = privk;
	}
	if (warp_endpoint_psk(db, e->id, psk, err) == -1)
		goto out;

	warp_buf_appendf(&b, "# WARP gateway: network %s (%s), endpoint %s\n",
	    n->name, warp_net_type_name(n->type), e->name);
	warp_buf_append(&b, "[Interface]\n", 12);
	if (priv != NULL) {
		warp_key_to_base64(priv, key);
		warp_buf_appendf(&b, "PrivateKey = %s\n", key);
		sodium_memzero(key, sizeof(key));
	} else
		warp_buf_appendf(&b, "# PrivateKey: the device generated its "
		    "own key; add it here\n");
	warp_ip_format(e->overlay_ip, ip, sizeof(ip));
	warp_buf_appendf(&b, "Address = %s/%d\n", ip,
	    n->type == WARP_NET_SECURE_INTERNET ||
	    n->type == WARP_NET_RESOURCE_GATEWAY ? 32 : n->subnet.len);
	if (n->dns[0] != '\0')
		warp_buf_appendf(&b, "DNS = %s\n", n->dns);
	warp_buf_appendf(&b, "MTU = %d\n", n->mtu);
	if (n->type == WARP_NET_L2_P2P || n->type == WARP_NET_L2_MESH)
		warp_config_l2_setup(&b, n, e, rc->all, rc->nall);

	switch (n->type) {
	case WARP_NET_SECURE_INTERNET:
		/* IPv6 too, so nothing leaks around the tunnel. */
		warp_buf_appendf(&allowed, "0.0.0.0/0, ::/0");
		break;
	case WARP_NET_RESOURCE_GATEWAY:
		c.addr = n->gateway_ip;
		c.len = 32;
		warp_config_allowed(&allowed, &c);
		for (i = 0; i < n->nresources; i++)
			warp_config_allowed(&allowed, &n->resources[i]);
		break;
	case WARP_NET_L3VPN:
		warp_config_allowed(&allowed, &n->subnet);
		for (i = 0; i < rc->nall; i++) {
			if (rc->all[i].id == e->id)
				continue;
			for (j = 0; j < rc->all[i].nlans; j++)
				warp_config_allowed(&allowed,
				    &rc->all[i].lans[j]);
		}
		break;
	case WARP_NET_L2_P2P:
	case WARP_NET_L2_MESH:
	default:
		warp_config_allowed(&allowed, &n->subnet);
		break;
	}

	warp_buf_append(&b, "\n[Peer]\n", 8);
	warp_buf_appendf(&b, "PublicKey = %s\n", n->public_key);
	warp_key_to_base64(psk, key);
	warp_buf_appendf(&b, "PresharedKey = %s\n", key);
	sodium_memzero(key, sizeof(key));
	if (strchr(rc->sc.public_host, ':') != NULL)
		warp_buf_appendf(&b, "Endpoint = [%s]:%d\n", rc->sc.public_host,
		    n->listen_port);
	else
		warp_buf_appendf(&b, "Endpoint = %s:%d\n", rc->sc.public_host,
		    n->listen_port);
	warp_buf_appendf(&b, "AllowedIPs = %s\n", allowed.data);
	if (n->keepalive > 0)
		warp_buf_appendf(&b, "PersistentKeepalive = %d\n",
		    n->keepalive);
	*out = warp_buf_release(&b);
	rv = 0;
out:
	sodium_memzero(privk, sizeof(privk));
	sodium_memzero(psk, sizeof(psk));
	warp_buf_free(&allowed);
	if (b.data != NULL)
		sodium_memzero(b.data, b.len);
	warp_buf_free(&b);
	return (rv);
}

int
warp_config_render(struct warp_db *db, int64_t endpoint_id, char **out,
    struct warp_err *err)
{
	struct warp_render_ctx	rc;
	struct warp_endpoint	e;
	int			rv = -1;

	if (warp_endpoint_get_id(db, endpoint_id, &e, err) == -1)
		return (-1);
	if (warp_render_ctx_load(db, e.network_id, &rc, err) == 0)
		rv = warp_config_render_in(db, &rc, &e, out, err);
	warp_render_ctx_free(&rc);
	return (rv);
}

static int
warp_config_unseal_text(struct warp_db *db, const void *blob, int len,
    char **out, struct warp_err *err)
{
	uint8_t	*plain;
	size_t	 plen;

	if (warp_unseal(db, "endpoint_configs.content", blob, (size_t)len,
	    &plain, &plen, err) == -1)
		return (-1);
	*out = (char *)plain;
	return (0);
}

void
warp_config_free(char *text)
{
	if (text != NULL)
		warp_secret_free(text, strlen(text) + 1);
}

/* The text of one version (version 0: the latest). */
int
warp_config_version_text(struct warp_db *db, int64_t endpoint_id, int version,
    char **out, struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (warp_db_prepare_cached(db, &st, version > 0 ?
	    "SELECT content, version FROM endpoint_configs WHERE "
	    "endpoint_id = ?1 AND version = ?2" :
	    "SELECT content, version FROM endpoint_configs WHERE "
	    "endpoint_id = ?1 ORDER BY version DESC LIMIT 1", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, endpoint_id);
	if (version > 0)
		sqlite3_bind_int(st, 2, version);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		warp_db_release(db, st);
		if (rc == SQLITE_DONE)
			return (warp_err_set(err, WARP_ENOTFOUND, "the endpoint "
			    "has no config version %d", version));
		return (warp_db_sqlerr(db, err, "reading a config version"));
	}
	rc = warp_config_unseal_text(db, sqlite3_column_blob(st, 0),
	    sqlite3_column_bytes(st, 0), out, err);
	warp_db_release(db, st);
	return (rc);
}

int
warp_config_current(struct warp_db *db, int64_t endpoint_id, char **out,
    int *version, struct warp_err *err)
{
	struct warp_endpoint	e;

	if (warp_endpoint_get_id(db, endpoint_id, &e, err) == -1)
		return (-1);
	if (version != NULL)
		*version = e.config_version;
	return (warp_config_version_text(db, endpoint_id, 0, out, err));
}

int
warp_config_history(struct warp_db *db, int64_t endpoint_id,
    struct warp_config_version **out, size_t *count, struct warp_err *err)
{
	sqlite3_stmt			*st;
	struct warp_config_version	*v = NULL, *nv;
	size_t				 n = 0, cap = 0;
	int				 rc;

	*out = NULL;
	*count = 0;
	if (warp_db_prepare_cached(db, &st,
	    "SELECT version, created_at, reason, "
	    "actor FROM endpoint_configs WHERE endpoint_id = ? ORDER BY "
	    "version", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, endpoint_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
				warp_fatal("out of memory");
			v = nv;
		}
		v[n].version = sqlite3_column_int(st, 0);
		v[n].created_at = sqlite3_column_int64(st, 1);
		(void)snprintf(v[n].reason, sizeof(v[n].reason), "%s",
		    sqlite3_column_text(st, 2));
		(void)snprintf(v[n].actor, sizeof(v[n].actor), "%s",
		    sqlite3_column_text(st, 3));
		n++;
	}
	warp_db_release(db, st);
	if (rc != SQLITE_DONE) {
		free(v);
		return (warp_db_sqlerr(db, err, "reading config history"));
	}
	*out = v;
	*count = n;
	return (0);
}

/* Store `text` as a new version unless it equals the latest one. */
static int
warp_config_store(struct warp_db *db, int64_t endpoint_id, const char *text,
    const char *reason, const char *actor, int *changed, struct warp_err *err)
{
	char		*latest = NULL;
	uint8_t		*sealed = NULL;
	size_t		 sealed_len;
	sqlite3_stmt	*st = NULL;
	int		 rc = -1, version;

	if (changed != NULL)
		*changed = 0;
	if (warp_config_version_text(db, endpoint_id, 0, &latest, err) == -1) {
		if (err->kind != WARP_ENOTFOUND)
			goto out;
		warp_err_clear(err);
		latest = NULL;
	}
	if (latest != NULL && strcmp(latest, text) == 0) {
		rc = 0;
		goto out;
	}
	if (warp_seal(db, "endpoint_configs.content", text, strlen(text),
	    &sealed, &sealed_len, err) == -1)
		goto out;
	if (warp_db_prepare(db, &st, "INSERT INTO endpoint_configs "
	    "(endpoint_id, version, content, public_key, private_key, "
	    "preshared_key, lans, reason, actor) SELECT e.id, (SELECT "
	    "coalesce(max(version), 0) + 1 FROM endpoint_configs WHERE "
	    "endpoint_id = e.id), ?2, e.public_key, e.private_key, "
	    "e.preshared_key, (SELECT coalesce(group_concat(cidr, ','), '') "
	    "FROM endpoint_lans WHERE endpoint_id = e.id), ?3, ?4 FROM "
	    "endpoints e WHERE e.id = ?1 RETURNING version", err) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, endpoint_id);
	sqlite3_bind_blob(st, 2, sealed, (int)sealed_len, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, reason, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, actor ? actor : "", -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW) {
		warp_db_sqlerr(db, err, "storing a config version");
		goto out;
	}
	version = sqlite3_column_int(st, 0);
	if (sqlite3_step(st) != SQLITE_DONE) {
		warp_db_sqlerr(db, err, "storing a config version");
		goto out;
	}
	if (changed != NULL)
		*changed = version;
	rc = 0;
out:
	if (st != NULL)
		sqlite3_finalize(st);
	free(sealed);
	warp_config_free(latest);
	return (rc);
}

/*
 * Render the endpoint's config; if it differs from the latest version,
 * store a new version with the reason.  *changed gets the new version
 * number, or 0 when nothing changed.
 */
int
warp_config_refresh_endpoint(struct warp_db *db, int64_t endpoint_id,
    const char *reason, const char *actor, int *changed, struct warp_err *err)
{
	char	*text = NULL;
	int	 rc;

	if (warp_config_render(db, endpoint_id, &text, err) == -1)
		return (-1);
	rc = warp_config_store(db, endpoint_id, text, reason, actor, changed,
	    err);
	warp_config_free(text);
	return (rc);
}

/* Re-render every endpoint of a network; new versions where changed. */
int
warp_config_refresh_network(struct warp_db *db, int64_t network_id,
    const char *reason, const char *actor, struct warp_err *err)
{
	struct warp_render_ctx	 rc;
	struct warp_endpoint	*v = NULL;
	size_t			 n = 0, i;
	char			*text;

	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_render_ctx_load(db, network_id, &rc, err) == -1)
		goto fail;
	if (rc.n.type == WARP_NET_L2_MESH) {
		v = rc.all;
		n = rc.nall;
	} else if (warp_endpoint_list(db, network_id, &v, &n, err) == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		if (warp_config_render_in(db, &rc, &v[i], &text, err) == -1)
			goto fail;
		if (warp_config_store(db, v[i].id, text, reason, actor, NULL,
		    err) == -1) {
			warp_config_free(text);
			goto fail;
		}
		warp_config_free(text);
	}
	if (v != rc.all)
		warp_endpoint_list_free(v);
	warp_render_ctx_free(&rc);
	return (warp_db_commit(db, err));
fail:
	if (v != rc.all)
		warp_endpoint_list_free(v);
	warp_render_ctx_free(&rc);
	warp_db_rollback(db);
	return (-1);
}

/* Rollback, step 1: the version's LAN list and whether its keys are gone. */
static int
rollback_version(struct warp_db *db, const struct warp_endpoint *e,
    int version, char **lans, int *retired, struct warp_err *err)
{
	sqlite3_stmt	*st;

	if (warp_db_prepare(db, &st, "SELECT lans, retired FROM "
	    "endpoint_configs WHERE endpoint_id = ? AND version = ?", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, e->id);
	sqlite3_bind_int(st, 2, version);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		warp_err_set(err, WARP_ENOTFOUND, "endpoint %s/%s has no config "
		    "version %d", e->network_name, e->name, version);
		return (warp_err_field(err, WARP_F_VERSION));
	}
	*lans = warp_xstrdup((const char *)sqlite3_column_text(st, 0));
	*retired = sqlite3_column_int(st, 1);
	sqlite3_finalize(st);
	return (0);
}

/* Step 2: that version's keys, unless another endpoint took its key since. */
static int
rollback_keys(struct warp_db *db, int64_t id, int version,
    struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (warp_db_prepare(db, &st, "SELECT 1 FROM endpoints WHERE id != ?1 "
	    "AND public_key = (SELECT public_key FROM endpoint_configs WHERE "
	    "endpoint_id = ?1 AND version = ?2)", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, version);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return (warp_err_set(err, WARP_ECONFLICT, "version %d's public "
		    "key is now used by another endpoint", version));
	if (warp_db_prepare(db, &st, "UPDATE endpoints SET (public_key, "
	    "private_key, preshared_key) = (SELECT public_key, private_key, "
	    "preshared_key FROM endpoint_configs WHERE endpoint_id = ?1 AND "
	    "version = ?2), updated_at = unixepoch() WHERE id = ?1",
	    err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, version);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "restoring keys"));
	return (0);
}

/* Step 3: the LAN subnets, then the config re-rendered as a new version. */
static int
rollback_render(struct warp_db *db, const char *ref, char *lans,
    const char *reason, const char *actor, struct warp_endpoint *e,
    struct warp_err *err)
{
	const char	*list[WARP_MAX_LANS];
	char		*p, *save;
	size_t		 nl = 0;

	for (p = strtok_r(lans, ",", &save); p != NULL && nl < WARP_MAX_LANS;
	    p = strtok_r(NULL, ",", &save))
		list[nl++] = p;
	if (warp_endpoint_set_lans(db, ref, list, nl, reason, actor,
	    err) == -1 ||
	    warp_config_refresh_endpoint(db, e->id, reason, actor, NULL,
	    err) == -1 ||
	    warp_endpoint_get_id(db, e->id, e, err) == -1)
		return (-1);
	return (0);
}

/* No new version came out: say why (always an error). */
static int
rollback_nothing(struct warp_db *db, int64_t id, int version, int retired,
    struct warp_err *err)
{
	char	*then = NULL, *now = NULL;
	int	 same;

	same = warp_config_version_text(db, id, version, &then, err) == 0 &&
	    warp_config_version_text(db, id, 0, &now, err) == 0 &&
	    strcmp(then, now) == 0;
	warp_config_free(then);
	warp_config_free(now);
	if (retired)
		return (warp_err_input(err, "version %d's keys were retired by "
		    "a rotation and are never restored; with the current keys "
		    "and its LAN subnets it renders as the current config: "
		    "nothing to roll back", version));
	if (same)
		return (warp_err_input(err, "version %d is already the current "
		    "config", version));
	return (warp_err_input(err, "version %d's keys and LAN subnets are "
	    "already current; the rest of the difference comes from network "
	    "or server settings (DNS, MTU, port, host...), which a rollback of "
	    "one endpoint does not change: edit the network instead", version));
}

/*
 * Make `version` current again: restore that version's keys (unless a
 * rotation retired them: rotated keys may be compromised, so the current
 * ones stay) and LAN subnets, then store the re-rendered config as a new
 * version, all in one transaction.
 */
int
warp_config_rollback(struct warp_db *db, const char *ref, int version,
    const char *actor, int *newversion, struct warp_err *err)
{
	struct warp_endpoint	 e;
	struct warp_network	 n;
	char			*lans = NULL, reason[128], obj[80];
	int			 before, retired = 0;

	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_endpoint_get(db, ref, &e, err) == -1 ||
	    warp_network_get_id(db, e.network_id, &n, err) == -1 ||
	    rollback_version(db, &e, version, &lans, &retired, err) == -1 ||
	    (!retired && rollback_keys(db, e.id, version, err) == -1))
		goto fail;
	(void)snprintf(reason, sizeof(reason), "rollback to version %d%s",
	    version, retired ? " (its keys were retired by a rotation: the "
	    "current keys are kept)" : "");
	before = e.config_version;
	if (rollback_render(db, ref, lans, reason, actor, &e, err) == -1)
		goto fail;
	if (e.config_version == before) {
		(void)rollback_nothing(db, e.id, version, retired, err);
		goto fail;
	}
	(void)snprintf(obj, sizeof(obj), "%s/%s", e.network_name, e.name);
	if (warp_db_mark_pending(db, "endpoint", e.id, err) == -1 ||
	    warp_audit(db, actor, "endpoint.rollback", "endpoint", obj,
	    err) == -1)
		goto fail;
	if (newversion != NULL)
		*newversion = e.config_version;
	free(lans);
	return (warp_db_commit(db, err));
fail:
	free(lans);
	warp_db_rollback(db);
	return (-1);
}

/* Replace the values of PrivateKey and PresharedKey with a fingerprint. */
char *
warp_config_mask_secrets(const char *text)
{
	struct warp_buf	 b;
	const char	*p, *eol, *val;
	unsigned char	 h[4];
	size_t		 len;

	warp_buf_init(&b);
	for (p = text; *p != '\0'; p = eol) {
		eol = p + strcspn(p, "\n");
		if (*eol == '\n')
			eol++;
		len = (size_t)(eol - p);
		if ((strncmp(p, "PrivateKey = ", 13) == 0 ||
		    strncmp(p, "PresharedKey = ", 15) == 0) &&
		    (val = strstr(p, "= ")) != NULL && val < eol) {
			val += 2;
			crypto_generichash(h, sizeof(h), (const uint8_t *)val,
			    (size_t)(eol - val), NULL, 0);
			warp_buf_append(&b, p, (size_t)(val - p));
			warp_buf_appendf(&b, "(hidden, fingerprint "
			    "%02x%02x%02x%02x)\n", h[0], h[1], h[2], h[3]);
			continue;
		}
		warp_buf_append(&b, p, len);
	}
	return (warp_buf_release(&b));
}

/*
 * A download name wg-quick accepts as an interface name
 * ([a-zA-Z0-9_=+.-]{1,15}): the endpoint's name, shortened.
 */
char *
warp_config_filename(const struct warp_endpoint *e)
{
	char	name[16], *p;
	size_t	i;

	for (i = 0; i < 15 && e->name[i] != '\0'; i++)
		name[i] = e->name[i];
	name[i] = '\0';
	if (asprintf(&p, "%s.conf", name) == -1)
		warp_fatal("out of memory");
	return (p);
}
