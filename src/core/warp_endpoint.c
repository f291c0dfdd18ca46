/*
 * Endpoints: creation (overlay address, keypair or the device's own public
 * key, preshared key, LAN subnets, expiry), lookup, enable/disable, key
 * rotation and deletion.  Each change that alters a rendered client config
 * stores a new config version (warp_config.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "warp.h"
#include "warp_db_int.h"
#include "warp_state.h"

#define EP_COLUMNS	"e.id, e.network_id, n.name, e.name, e.kind, " \
			"e.overlay_ip, e.public_key, e.private_key IS NOT NULL, " \
			"e.enabled, coalesce(e.expires_at, 0), e.created_at, " \
			"(SELECT coalesce(max(version), 0) FROM endpoint_configs " \
			"WHERE endpoint_id = e.id), " \
			"EXISTS (SELECT 1 FROM endpoint_traffic t WHERE " \
			"t.endpoint_id = e.id AND t.quota_bytes > 0 AND " \
			"t.used_bytes >= t.quota_bytes)"

static int	warp_endpoint_row(sqlite3_stmt *, struct warp_endpoint *);
static int	warp_endpoint_load_lans(struct warp_db *,
		    struct warp_endpoint *, struct warp_err *);
static int	warp_endpoint_parse_lans(const struct warp_network *,
		    const char * const *, size_t, struct warp_cidr *,
		    struct warp_err *);
static int	warp_endpoint_check_lans(struct warp_db *,
		    const struct warp_network *, int64_t, const char * const *,
		    size_t, struct warp_cidr *, struct warp_err *);
static int	warp_endpoint_store_lans(struct warp_db *, int64_t,
		    const struct warp_cidr *, size_t, struct warp_err *);
static int	warp_endpoint_new_keys(struct warp_db *, const char *,
		    char [WARP_KEY_B64_LEN + 1], uint8_t **, size_t *,
		    uint8_t **, size_t *, struct warp_err *);
static int	warp_endpoint_key_unique(struct warp_db *, const char *,
		    int64_t, struct warp_err *);
static int	warp_endpoint_affects_others(const struct warp_network *,
		    const struct warp_endpoint *);
static int	warp_endpoint_check_spec(const struct warp_endpoint_spec *,
		    int64_t *, struct warp_err *);
static int	warp_endpoint_check_room(struct warp_db *,
		    const struct warp_network *, const char *,
		    struct warp_err *);
static int	warp_endpoint_insert(struct warp_db *,
		    const struct warp_network *,
		    const struct warp_endpoint_spec *, int64_t,
		    struct warp_endpoint *, struct warp_err *);
static int	warp_endpoint_create_one(struct warp_db *, const char *,
		    const struct warp_endpoint_spec *, const char *, int,
		    int64_t *, struct warp_err *);

static const char *warp_ep_kind_names[WARP_EP_NKINDS] = {
	"mobile", "cpe", "gateway"
};

const char *
warp_ep_kind_name(enum warp_ep_kind k)
{
	return (warp_enum_name(warp_ep_kind_names, WARP_EP_NKINDS, (int)k,
	    "unknown"));
}

int
warp_ep_kind_parse(const char *s, enum warp_ep_kind *k, struct warp_err *err)
{
	int	v;

	if (warp_enum_parse("endpoint type", warp_ep_kind_names,
	    WARP_EP_NKINDS, s, &v, err) == -1)
		return (-1);
	*k = (enum warp_ep_kind)v;
	return (0);
}

void
warp_endpoint_spec_init(struct warp_endpoint_spec *s)
{
	memset(s, 0, sizeof(*s));
}

int
warp_endpoint_is_active(const struct warp_endpoint *e, int64_t now)
{
	return (e->enabled && (e->expires_at == 0 || e->expires_at > now));
}

const char *
warp_endpoint_status(const struct warp_endpoint *e, int64_t now)
{
	if (!e->enabled)
		return ("disabled");
	if (e->expires_at != 0 && e->expires_at <= now)
		return ("expired");
	if (e->quota_exceeded)
		return ("quota-exceeded");
	return ("active");
}

static int
warp_endpoint_row(sqlite3_stmt *st, struct warp_endpoint *e)
{
	struct warp_err	ignore;

	memset(e, 0, sizeof(*e));
	e->id = sqlite3_column_int64(st, 0);
	e->network_id = sqlite3_column_int64(st, 1);
	(void)warp_strlcpy(e->network_name,
	    (const char *)sqlite3_column_text(st, 2), sizeof(e->network_name));
	(void)warp_strlcpy(e->name,
	    (const char *)sqlite3_column_text(st, 3), sizeof(e->name));
	if (warp_ep_kind_parse((const char *)sqlite3_column_text(st, 4),
	    &e->kind, &ignore) == -1)
		return (-1);
	if (warp_ip_parse((const char *)sqlite3_column_text(st, 5),
	    &e->overlay_ip, &ignore) == -1)
		return (-1);
	(void)warp_strlcpy(e->public_key,
	    (const char *)sqlite3_column_text(st, 6), sizeof(e->public_key));
	e->has_private_key = sqlite3_column_int(st, 7);
	e->enabled = sqlite3_column_int(st, 8);
	e->expires_at = sqlite3_column_int64(st, 9);
	e->created_at = sqlite3_column_int64(st, 10);
	e->config_version = sqlite3_column_int(st, 11);
	e->quota_exceeded = sqlite3_column_int(st, 12);
	return (0);
}

static int
warp_endpoint_load_lans(struct warp_db *db, struct warp_endpoint *e,
    struct warp_err *err)
{
	return (warp_db_load_cidrs(db, "endpoint_lans", "endpoint_id", e->id,
	    e->lans, WARP_MAX_LANS, &e->nlans, err));
}

int
warp_endpoint_get_id(struct warp_db *db, int64_t id, struct warp_endpoint *e,
    struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (warp_db_prepare_cached(db, &st,
	    "SELECT " EP_COLUMNS " FROM endpoints e "
	    "JOIN networks n ON n.id = e.network_id WHERE e.id = ?", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		warp_db_release(db, st);
		if (rc == SQLITE_DONE) {
			warp_err_set(err, WARP_ENOTFOUND, "no endpoint with id "
			    "%lld", (long long)id);
			return (warp_err_field(err, WARP_F_ENDPOINT));
		}
		return (warp_db_sqlerr(db, err, "reading an endpoint"));
	}
	rc = warp_endpoint_row(st, e);
	warp_db_release(db, st);
	if (rc == -1)
		return (warp_err_system(err, "endpoint %lld is damaged",
		    (long long)id));
	return (warp_endpoint_load_lans(db, e, err));
}

/* An endpoint named by its id (all digits) or "network/name". */
int
warp_endpoint_get(struct warp_db *db, const char *ref, struct warp_endpoint *e,
    struct warp_err *err)
{
	struct warp_network	 n;
	sqlite3_stmt		*st;
	const char		*slash;
	char			 net[128];
	int64_t			 id;
	int			 rc;

	if (ref == NULL || *ref == '\0')
		return (warp_err_input(err, "no endpoint given"));
	if (strspn(ref, "0123456789") == strlen(ref) && strlen(ref) < 18)
		return (warp_endpoint_get_id(db, strtoll(ref, NULL, 10), e,
		    err));
	if ((slash = strchr(ref, '/')) == NULL ||
	    (size_t)(slash - ref) >= sizeof(net))
		return (warp_err_input(err, "endpoint '%.64s' must be given as "
		    "an id or as network/name", ref));
	memcpy(net, ref, (size_t)(slash - ref));
	net[slash - ref] = '\0';
	if (warp_network_get(db, net, &n, err) == -1)
		return (-1);
	if (warp_db_prepare(db, &st, "SELECT id FROM endpoints WHERE "
	    "network_id = ? AND name = ?", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, n.id);
	sqlite3_bind_text(st, 2, slash + 1, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return (warp_err_set(err, WARP_ENOTFOUND, "network '%s' has no "
		    "endpoint named '%.64s'", n.name, slash + 1));
	if (rc != SQLITE_ROW)
		return (warp_db_sqlerr(db, err, "looking up an endpoint"));
	return (warp_endpoint_get_id(db, id, e, err));
}

/*
 * The LAN subnets of endpoints v[0..n) (in id order, of network_id or,
 * with 0, of any): one statement over their id range, each endpoint's in
 * its own order (rowid), instead of one per endpoint.
 */
static int
warp_endpoint_page_lans(struct warp_db *db, int64_t network_id,
    struct warp_endpoint *v, size_t n, struct warp_err *err)
{
	sqlite3_stmt	*st;
	struct warp_err	 ignore;
	size_t		 i;
	int64_t		 id;
	int		 rc;

	if (n == 0)
		return (0);
	if (warp_db_prepare_cached(db, &st, network_id > 0 ?
	    "SELECT l.endpoint_id, l.cidr FROM endpoints e JOIN endpoint_lans "
	    "l ON l.endpoint_id = e.id WHERE e.network_id = ?1 AND e.id "
	    "BETWEEN ?2 AND ?3 ORDER BY l.endpoint_id, l.rowid" :
	    "SELECT endpoint_id, cidr FROM endpoint_lans WHERE ?1 = 0 AND "
	    "endpoint_id BETWEEN ?2 AND ?3 ORDER BY endpoint_id, rowid",
	    err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, network_id > 0 ? network_id : 0);
	sqlite3_bind_int64(st, 2, v[0].id);
	sqlite3_bind_int64(st, 3, v[n - 1].id);
	i = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		while (i < n && v[i].id < id)
			i++;
		if (i == n)
			break;
		if (v[i].id != id || v[i].nlans >= WARP_MAX_LANS)
			continue;
		if (warp_cidr_parse((const char *)sqlite3_column_text(st, 1),
		    &v[i].lans[v[i].nlans], &ignore) == 0)
			v[i].nlans++;
	}
	warp_db_release(db, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "reading subnets"));
	return (0);
}

/* Endpoints of one network (network_id > 0) or of all, one page of them
 * (NULL: all); optionally only those with LAN subnets (what an L3VPN
 * config is rendered from). */
static int
warp_endpoint_list_query(struct warp_db *db, int64_t network_id,
    int lans_only, const struct warp_page *pg, struct warp_endpoint **out,
    size_t *count, struct warp_err *err)
{
	sqlite3_stmt		*st;
	struct warp_endpoint	*v = NULL, *nv;
	size_t			 n = 0, cap = 0;
	char			 sql[1024];
	int			 rc;

	*out = NULL;
	*count = 0;
	(void)snprintf(sql, sizeof(sql), "SELECT " EP_COLUMNS " FROM "
	    "endpoints e JOIN networks n ON n.id = e.network_id WHERE "
	    "%s AND e.id > ?2%s ORDER BY e.id LIMIT ?3 OFFSET ?4",
	    network_id > 0 ? "e.network_id = ?1" : "?1 = 0", lans_only ?
	    " AND EXISTS (SELECT 1 FROM endpoint_lans l WHERE "
	    "l.endpoint_id = e.id)" : "");
	if (warp_db_prepare_cached(db, &st, sql, err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, network_id > 0 ? network_id : 0);
	sqlite3_bind_int64(st, 2, pg != NULL ? pg->after : 0);
	sqlite3_bind_int64(st, 3, pg != NULL && pg->limit > 0 ? pg->limit : -1);
	sqlite3_bind_int64(st, 4, pg != NULL ? pg->offset : 0);
	/* A page's rows at once: no copy of them as the array grows. */
	if (pg != NULL && pg->limit > 0 &&
	    pg->limit <= WARP_API_LIMIT_MAX + 1) {
		cap = (size_t)pg->limit;
		/* each row is cleared as it is read (_row) */
		if ((v = malloc(cap * sizeof(*v))) == NULL)
			warp_fatal("out of memory");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
				warp_fatal("out of memory");
			v = nv;
		}
		if (warp_endpoint_row(st, &v[n]) == 0)
			n++;
	}
	warp_db_release(db, st);
	if (rc != SQLITE_DONE) {
		free(v);
		return (warp_db_sqlerr(db, err, "listing endpoints"));
	}
	if (warp_endpoint_page_lans(db, network_id, v, n, err) == -1) {
		free(v);
		return (-1);
	}
	*out = v;
	*count = n;
	return (0);
}

int
warp_endpoint_list(struct warp_db *db, int64_t network_id,
    struct warp_endpoint **out, size_t *count, struct warp_err *err)
{
	return (warp_endpoint_list_query(db, network_id, 0, NULL, out, count,
	    err));
}

/* One page of them (the API's ?after=&limit=), with their LAN subnets. */
int
warp_endpoint_list_page(struct warp_db *db, int64_t network_id,
    const struct warp_page *pg, struct warp_endpoint **out, size_t *count,
    struct warp_err *err)
{
	return (warp_endpoint_list_query(db, network_id, 0, pg, out, count,
	    err));
}

int
warp_endpoint_list_with_lans(struct warp_db *db, int64_t network_id,
    struct warp_endpoint **out, size_t *count, struct warp_err *err)
{
	return (warp_endpoint_list_query(db, network_id, 1, NULL, out, count,
	    err));
}

void
warp_endpoint_list_free(struct warp_endpoint *v)
{
	free(v);
}

/*
 * LAN subnets: cpe/gateway endpoints of l3vpn networks only; they may not
 * overlap the overlay, each other, or another site's LANs in the network.
 */
static int
warp_endpoint_parse_lans(const struct warp_network *n,
    const char * const *in, size_t count, struct warp_cidr *out,
    struct warp_err *err)
{
	size_t	i, j;

	if (count == 0)
		return (0);
	if (n->type != WARP_NET_L3VPN)
		return (warp_err_input(err, "LAN subnets are routed in l3vpn "
		    "networks only; '%s' is %s", n->name,
		    warp_net_type_name(n->type)));
	if (count > WARP_MAX_LANS)
		return (warp_err_input(err, "at most %d LAN subnets per "
		    "endpoint", WARP_MAX_LANS));
	for (i = 0; i < count; i++) {
		if (warp_cidr_parse(in[i], &out[i], err) == -1)
			return (-1);
		if (out[i].len < 8)
			return (warp_err_input(err, "LAN subnet %s is wider than "
			    "a /8; give the site's real LAN prefixes", in[i]));
		if (warp_cidr_overlaps(&out[i], &n->subnet))
			return (warp_err_input(err, "LAN subnet %s overlaps the "
			    "network's overlay subnet", in[i]));
		for (j = 0; j < i; j++) {
			if (warp_cidr_overlaps(&out[i], &out[j]))
				return (warp_err_input(err, "LAN subnets %s and "
				    "%s overlap", in[i], in[j]));
		}
	}
	return (0);
}

/* ... and no other site's LANs in the network (the database's part). */
static int
warp_endpoint_check_lans(struct warp_db *db, const struct warp_network *n,
    int64_t self, const char * const *in, size_t count, struct warp_cidr *out,
    struct warp_err *err)
{
	sqlite3_stmt		*st;
	struct warp_cidr	 other;
	struct warp_err		 ignore;
	size_t			 i;
	int			 rc;

	if (count == 0)
		return (0);
	if (warp_endpoint_parse_lans(n, in, count, out, err) == -1)
		return (-1);
	if (warp_db_prepare(db, &st, "SELECT e.name, l.cidr FROM endpoint_lans "
	    "l JOIN endpoints e ON e.id = l.endpoint_id WHERE e.network_id = ? "
	    "AND e.id != ?", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, n->id);
	sqlite3_bind_int64(st, 2, self);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (warp_cidr_parse((const char *)sqlite3_column_text(st, 1),
		    &other, &ignore) == -1)
			continue;
		for (i = 0; i < count; i++) {
			if (!warp_cidr_overlaps(&out[i], &other))
				continue;
			warp_err_set(err, WARP_ECONFLICT, "LAN subnet %s "
			    "overlaps %s of site '%s'", in[i],
			    sqlite3_column_text(st, 1),
			    sqlite3_column_text(st, 0));
			sqlite3_finalize(st);
			return (-1);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "checking LAN subnets"));
	return (0);
}

static int
warp_endpoint_store_lans(struct warp_db *db, int64_t id,
    const struct warp_cidr *v, size_t n, struct warp_err *err)
{
	return (warp_db_replace_cidrs(db, "endpoint_lans", "endpoint_id", id, v,
	    n, err));
}

static int
warp_endpoint_key_unique(struct warp_db *db, const char *pub, int64_t self,
    struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (warp_db_prepare(db, &st, "SELECT 1 FROM endpoints WHERE "
	    "public_key = ?1 AND id != ?2 UNION ALL SELECT 1 FROM networks "
	    "WHERE public_key = ?1", err) == -1)
		return (-1);
	sqlite3_bind_text(st, 1, pub, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, self);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return (warp_err_set(err, WARP_ECONFLICT, "public key %s is "
		    "already in use", pub));
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "checking a public key"));
	return (0);
}

/*
 * A fresh keypair (or the device's own public key: then no private key is
 * stored) and a fresh preshared key, sealed.
 */
static int
warp_endpoint_new_keys(struct warp_db *db, const char *given,
    char pub64[WARP_KEY_B64_LEN + 1], uint8_t **priv_sealed, size_t *priv_len,
    uint8_t **psk_sealed, size_t *psk_len, struct warp_err *err)
{
	uint8_t	priv[WARP_KEY_LEN], pub[WARP_KEY_LEN], psk[WARP_KEY_LEN];
	int	rc = 0;

	*priv_sealed = *psk_sealed = NULL;
	*priv_len = *psk_len = 0;
	if (given != NULL) {
		if (warp_key_from_base64(given, pub) == -1)
			return (warp_err_input(err, "public key '%.60s' is not "
			    "44 characters of base64 as `wg pubkey` prints",
			    given));
		warp_key_to_base64(pub, pub64);
	} else {
		if (warp_key_generate(priv, pub) == -1)
			return (warp_err_system(err, "key generation failed"));
		warp_key_to_base64(pub, pub64);
		rc = warp_seal(db, "endpoints.private_key", priv, sizeof(priv),
		    priv_sealed, priv_len, err);
		sodium_memzero(priv, sizeof(priv));
		if (rc == -1)
			return (-1);
	}
	warp_key_psk(psk);
	rc = warp_seal(db, "endpoints.preshared_key", psk, sizeof(psk),
	    psk_sealed, psk_len, err);
	sodium_memzero(psk, sizeof(psk));
	if (rc == -1) {
		free(*priv_sealed);
		*priv_sealed = NULL;
	}
	return (rc);
}

/*
 * Whether other endpoints' configs depend on this one: L3VPN sites carry
 * every other site's LANs, L2 mesh sites replicate to every other site.
 */
static int
warp_endpoint_affects_others(const struct warp_network *n,
    const struct warp_endpoint *e)
{
	if (n->type == WARP_NET_L2_MESH)
		return (1);
	return (n->type == WARP_NET_L3VPN && e->nlans > 0);
}

int
warp_endpoint_create(struct warp_db *db, const char *netref,
    const struct warp_endpoint_spec *s, const char *actor, int64_t *idp,
    struct warp_err *err)
{
	return (warp_endpoint_create_one(db, netref, s, actor, 1, idp, err));
}

/* Create, step 1 (no database): the spec's own fields. */
static int
warp_endpoint_check_spec(const struct warp_endpoint_spec *s,
    int64_t *expires, struct warp_err *err)
{
	*expires = 0;
	if (warp_name_validate("endpoint", s->name, err) == -1)
		return (-1);
	if ((int)s->kind < 0 || s->kind > WARP_EP_GATEWAY)
		return (warp_err_input(err, "unknown endpoint type"));
	if (s->nlans > 0 && s->kind == WARP_EP_MOBILE) {
		warp_err_input(err, "mobile endpoints cannot carry LAN "
		    "subnets: only cpe and gateway endpoints do");
		return (warp_err_field(err, WARP_F_TYPE));
	}
	if (s->expires != NULL) {
		if (warp_time_parse(s->expires, expires, err) == -1)
			return (-1);
		if (*expires <= (int64_t)time(NULL))
			return (warp_err_input(err, "expiry %s is in the past",
			    s->expires));
	}
	return (0);
}

/* Create, step 2: the name is free and the network has room for a site. */
static int
warp_endpoint_check_room(struct warp_db *db, const struct warp_network *n,
    const char *name, struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc, count, clash;

	/* Both by index: no pass over a network of 50,000 endpoints. */
	if (warp_db_prepare(db, &st, "SELECT EXISTS (SELECT 1 FROM endpoints "
	    "WHERE network_id = ?1 AND name = ?2), (SELECT count(*) FROM "
	    "(SELECT 1 FROM endpoints WHERE network_id = ?1 LIMIT 2))",
	    err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, n->id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	clash = rc == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
	count = sqlite3_column_int(st, 1);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return (warp_db_sqlerr(db, err, "checking the endpoint name"));
	if (clash)
		return (warp_err_set(err, WARP_ECONFLICT, "network '%s' already "
		    "has an endpoint named '%s'", n->name, name));
	if (n->type == WARP_NET_L2_P2P && count >= 2)
		return (warp_err_set(err, WARP_ECONFLICT, "l2-p2p network '%s' "
		    "joins exactly 2 sites and has both; use an l2-mesh network "
		    "for more", n->name));
	return (0);
}

/* Create, step 3: address, keys and the row itself (e gets the id). */
static int
warp_endpoint_insert(struct warp_db *db, const struct warp_network *n,
    const struct warp_endpoint_spec *s, int64_t expires,
    struct warp_endpoint *e, struct warp_err *err)
{
	sqlite3_stmt	*st;
	uint8_t		*priv = NULL, *psk = NULL;
	size_t		 priv_len, psk_len;
	char		 ip[WARP_IP_STRLEN], pub[WARP_KEY_B64_LEN + 1];
	int		 rc = -1;

	if (warp_pool_take(db, n, &e->overlay_ip, err) == -1 ||
	    warp_endpoint_new_keys(db, s->public_key, pub, &priv, &priv_len,
	    &psk, &psk_len, err) == -1)
		return (-1);
	if (warp_endpoint_key_unique(db, pub, 0, err) == -1)
		goto out;
	warp_ip_format(e->overlay_ip, ip, sizeof(ip));
	if (warp_db_prepare(db, &st, "INSERT INTO endpoints (network_id, name, "
	    "kind, overlay_ip, public_key, private_key, preshared_key, "
	    "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", err) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, n->id);
	sqlite3_bind_text(st, 2, s->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, warp_ep_kind_name(s->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ip, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, pub, -1, SQLITE_TRANSIENT);
	if (priv != NULL)
		sqlite3_bind_blob(st, 6, priv, (int)priv_len, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 6);
	sqlite3_bind_blob(st, 7, psk, (int)psk_len, SQLITE_TRANSIENT);
	if (expires != 0)
		sqlite3_bind_int64(st, 8, expires);
	else
		sqlite3_bind_null(st, 8);
	if (sqlite3_step(st) != SQLITE_DONE)
		warp_db_sqlerr(db, err, "storing the endpoint");
	else {
		e->id = sqlite3_last_insert_rowid(db->sql);
		rc = 0;
	}
	sqlite3_finalize(st);
out:
	free(priv);
	free(psk);
	return (rc);
}

/*
 * One endpoint.  refresh_others: re-render the other endpoints of the
 * network whose configs depend on this one (bulk creation does that once,
 * at the end, instead of once per endpoint).
 */
static int
warp_endpoint_create_one(struct warp_db *db, const char *netref,
    const struct warp_endpoint_spec *s, const char *actor, int refresh_others,
    int64_t *idp, struct warp_err *err)
{
	struct warp_network	 n;
	struct warp_endpoint	 e;
	struct warp_cidr	 lans[WARP_MAX_LANS];
	int64_t			 expires;
	char			 reason[128], obj[80];

	if (warp_endpoint_check_spec(s, &expires, err) == -1)
		return (-1);
	if (warp_db_begin(db, err) == -1)
		return (-1);
	memset(&e, 0, sizeof(e));
	if (warp_network_get(db, netref, &n, err) == -1 ||
	    warp_endpoint_check_lans(db, &n, 0, s->lans, s->nlans, lans,
	    err) == -1 ||
	    warp_endpoint_check_room(db, &n, s->name, err) == -1 ||
	    warp_endpoint_insert(db, &n, s, expires, &e, err) == -1)
		goto fail;
	e.nlans = s->nlans;
	if (warp_endpoint_store_lans(db, e.id, lans, s->nlans, err) == -1 ||
	    warp_config_refresh_endpoint(db, e.id, "created", actor, NULL,
	    err) == -1)
		goto fail;
	if (refresh_others && warp_endpoint_affects_others(&n, &e)) {
		(void)snprintf(reason, sizeof(reason), "site '%s' added",
		    s->name);
		if (warp_config_refresh_network(db, n.id, reason, actor,
		    err) == -1)
			goto fail;
	}
	(void)snprintf(obj, sizeof(obj), "%s/%s", n.name, s->name);
	/* A bulk add marks its network once instead. */
	if ((refresh_others && warp_db_mark_pending(db, "endpoint", e.id,
	    err) == -1) ||
	    warp_audit(db, actor, "endpoint.create", "endpoint", obj,
	    err) == -1)
		goto fail;
	if (warp_db_commit(db, err) == -1)
		return (-1);
	if (idp != NULL)
		*idp = e.id;
	return (0);
fail:
	warp_db_rollback(db);
	return (-1);
}

/*
 * Bulk add: `count` endpoints named from `pattern` ("{n}" becomes start,
 * start + 1, ...), all in one transaction: every one is created or none.
 * ids (may be NULL) gets the new ids, *failed the 1-based position of the
 * one that was refused (0 if none).
 */
int
warp_endpoint_create_bulk(struct warp_db *db, const char *netref,
    const char *pattern, long start, long count,
    const struct warp_endpoint_spec *tmpl, const char *actor, int64_t *ids,
    long *failed, struct warp_err *err)
{
	struct warp_endpoint_spec	 s;
	struct warp_network		 n;
	const char			*mark;
	char				 name[WARP_NAME_MAX * 2], reason[128];
	char				 msg[sizeof(err->msg) + 128];
	long				 i;
	int64_t				 id;

	*failed = 0;
	if (pattern == NULL || (mark = strstr(pattern, "{n}")) == NULL)
		return (warp_err_input(err, "the name pattern must contain "
		    "{n}, e.g. phone-{n}"));
	if (strlen(pattern) > WARP_NAME_MAX)
		return (warp_err_input(err, "the name pattern is longer than %d "
		    "characters", WARP_NAME_MAX));
	if (count < 1 || count > 65534 || start < 0 || start > 1000000)
		return (warp_err_input(err, "count must be from 1 to 65534 and "
		    "start from 0 to 1000000"));
	s = *tmpl;
	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_network_get(db, netref, &n, err) == -1)
		goto fail;
	for (i = 0; i < count; i++) {
		(void)snprintf(name, sizeof(name), "%.*s%ld%s",
		    (int)(mark - pattern), pattern, start + i, mark + 3);
		s.name = name;
		if (warp_endpoint_create_one(db, netref, &s, actor, 0, &id,
		    err) == -1) {
			*failed = i + 1;
			(void)snprintf(msg, sizeof(msg), "endpoint %ld of %ld "
			    "('%s'): %.400s; nothing was created", i + 1, count,
			    name, err->msg);
			memcpy(err->msg, msg, sizeof(err->msg) - 1);
			err->msg[sizeof(err->msg) - 1] = '\0';
			goto fail;
		}
		if (ids != NULL)
			ids[i] = id;
	}
	if (n.type == WARP_NET_L2_MESH ||
	    (n.type == WARP_NET_L3VPN && tmpl->nlans > 0)) {
		(void)snprintf(reason, sizeof(reason), "%ld sites added", count);
		if (warp_config_refresh_network(db, n.id, reason, actor,
		    err) == -1)
			goto fail;
	}
	if (warp_db_mark_pending(db, "network", n.id, err) == -1)
		goto fail;
	return (warp_db_commit(db, err));
fail:
	warp_db_rollback(db);
	return (-1);
}

static int
warp_endpoint_exec(struct warp_db *db, const char *sql, int64_t id,
    int64_t value, struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (warp_db_prepare(db, &st, sql, err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, value);	/* ignored by one-parameter SQL */
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "updating an endpoint"));
	return (0);
}

int
warp_endpoint_set_enabled(struct warp_db *db, const char *ref, int enabled,
    const char *actor, struct warp_err *err)
{
	struct warp_endpoint	e;
	char			obj[80];

	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_endpoint_get(db, ref, &e, err) == -1 ||
	    warp_endpoint_exec(db, "UPDATE endpoints SET enabled = ?2, "
	    "updated_at = unixepoch() WHERE id = ?1", e.id, enabled ? 1 : 0,
	    err) == -1)
		goto fail;
	(void)snprintf(obj, sizeof(obj), "%s/%s", e.network_name, e.name);
	if (warp_db_mark_pending(db, "endpoint", e.id, err) == -1 ||
	    warp_audit(db, actor, enabled ? "endpoint.enable" :
	    "endpoint.disable", "endpoint", obj, err) == -1)
		goto fail;
	return (warp_db_commit(db, err));
fail:
	warp_db_rollback(db);
	return (-1);
}

/* expires: a UTC time, or NULL/"" for never. */
int
warp_endpoint_set_expiry(struct warp_db *db, const char *ref,
    const char *expires, const char *actor, struct warp_err *err)
{
	struct warp_endpoint	e;
	int64_t			t = 0;
	char			obj[80];

	if (expires != NULL && *expires != '\0' &&
	    warp_time_parse(expires, &t, err) == -1)
		return (-1);
	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_endpoint_get(db, ref, &e, err) == -1 ||
	    warp_endpoint_exec(db, "UPDATE endpoints SET expires_at = "
	    "nullif(?2, 0), updated_at = unixepoch() WHERE id = ?1", e.id, t,
	    err) == -1)
		goto fail;
	(void)snprintf(obj, sizeof(obj), "%s/%s", e.network_name, e.name);
	if (warp_db_mark_pending(db, "endpoint", e.id, err) == -1 ||
	    warp_audit(db, actor, "endpoint.expiry", "endpoint", obj,
	    err) == -1)
		goto fail;
	return (warp_db_commit(db, err));
fail:
	warp_db_rollback(db);
	return (-1);
}

int
warp_endpoint_set_lans(struct warp_db *db, const char *ref,
    const char **lans, size_t nlans, const char *reason_in, const char *actor,
    struct warp_err *err)
{
	struct warp_endpoint	e;
	struct warp_network	n;
	struct warp_cidr	v[WARP_MAX_LANS];
	char			reason[128], obj[80];

	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_endpoint_get(db, ref, &e, err) == -1 ||
	    warp_network_get_id(db, e.network_id, &n, err) == -1)
		goto fail;
	if (nlans > 0 && e.kind == WARP_EP_MOBILE) {
		warp_err_input(err, "mobile endpoints cannot carry LAN subnets");
		goto fail;
	}
	if (warp_endpoint_check_lans(db, &n, e.id, lans, nlans, v, err) == -1 ||
	    warp_endpoint_store_lans(db, e.id, v, nlans, err) == -1 ||
	    warp_config_refresh_endpoint(db, e.id, reason_in ? reason_in :
	    "LAN subnets changed", actor, NULL, err) == -1)
		goto fail;
	(void)snprintf(reason, sizeof(reason), "LAN subnets of site '%s' "
	    "changed", e.name);
	if (warp_config_refresh_network(db, n.id, reason, actor, err) == -1)
		goto fail;
	(void)snprintf(obj, sizeof(obj), "%s/%s", e.network_name, e.name);
	if (warp_db_mark_pending(db, "endpoint", e.id, err) == -1 ||
	    warp_audit(db, actor, "endpoint.lans", "endpoint", obj, err) == -1)
		goto fail;
	return (warp_db_commit(db, err));
fail:
	warp_db_rollback(db);
	return (-1);
}

/* New keypair (or the device's new public key) and preshared key. */
int
warp_endpoint_rotate_keys(struct warp_db *db, const char *ref,
    const char *public_key, const char *actor, struct warp_err *err)
{
	struct warp_endpoint	 e;
	sqlite3_stmt		*st = NULL;
	uint8_t			*priv = NULL, *psk = NULL;
	size_t			 priv_len, psk_len;
	char			 pub[WARP_KEY_B64_LEN + 1], obj[80];
	int			 rc;

	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_endpoint_get(db, ref, &e, err) == -1 ||
	    warp_endpoint_new_keys(db, public_key, pub, &priv, &priv_len, &psk,
	    &psk_len, err) == -1 ||
	    warp_endpoint_key_unique(db, pub, e.id, err) == -1)
		goto fail;
	if (warp_db_prepare(db, &st, "UPDATE endpoints SET public_key = ?, "
	    "private_key = ?, preshared_key = ?, updated_at = unixepoch() "
	    "WHERE id = ?", err) == -1)
		goto fail;
	sqlite3_bind_text(st, 1, pub, -1, SQLITE_TRANSIENT);
	if (priv != NULL)
		sqlite3_bind_blob(st, 2, priv, (int)priv_len, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_blob(st, 3, psk, (int)psk_len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, e.id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		warp_db_sqlerr(db, err, "storing new keys");
		goto fail;
	}
	/* The old keys are retired: no version keeps them. */
	if (warp_config_refresh_endpoint(db, e.id, "keys rotated", actor, NULL,
	    err) == -1 || warp_config_retire_keys(db, e.id, err) == -1)
		goto fail;
	(void)snprintf(obj, sizeof(obj), "%s/%s", e.network_name, e.name);
	if (warp_db_mark_pending(db, "endpoint", e.id, err) == -1 ||
	    warp_audit(db, actor, "endpoint.rotate-keys", "endpoint", obj,
	    err) == -1)
		goto fail;
	free(priv);
	free(psk);
	return (warp_db_commit(db, err));
fail:
	free(priv);
	free(psk);
	warp_db_rollback(db);
	return (-1);
}

int
warp_endpoint_delete(struct warp_db *db, const char *ref, const char *actor,
    struct warp_err *err)
{
	struct warp_endpoint	e;
	struct warp_network	n;
	char			reason[128], obj[80];

	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_endpoint_get(db, ref, &e, err) == -1 ||
	    warp_network_get_id(db, e.network_id, &n, err) == -1 ||
	    warp_endpoint_exec(db, "DELETE FROM apply_status WHERE object_type "
	    "= 'endpoint' AND object_id = ?1", e.id, 0, err) == -1 ||
	    warp_endpoint_exec(db, "DELETE FROM endpoints WHERE id = ?1", e.id,
	    0, err) == -1 ||
	    warp_pool_give(db, n.id, e.overlay_ip, err) == -1)
		goto fail;
	if (warp_endpoint_affects_others(&n, &e)) {
		(void)snprintf(reason, sizeof(reason), "site '%s' removed",
		    e.name);
		if (warp_config_refresh_network(db, n.id, reason, actor,
		    err) == -1)
			goto fail;
	}
	(void)snprintf(obj, sizeof(obj), "%s/%s", e.network_name, e.name);
	/* As before the reconciler has run: it drops rows of gone objects. */
	if (warp_db_mark_pending(db, "endpoint", e.id, err) == -1 ||
	    warp_audit(db, actor, "endpoint.delete", "endpoint", obj,
	    err) == -1)
		goto fail;
	return (warp_db_commit(db, err));
fail:
	warp_db_rollback(db);
	return (-1);
}

int
warp_endpoint_psk(struct warp_db *db, int64_t id, uint8_t psk[WARP_KEY_LEN],
    struct warp_err *err)
{
	return (warp_db_sealed_key(db, "endpoints", id, "preshared_key", psk,
	    err));
}

/*
 * The block of 256 ids that holds the row at *offset of a network's
 * endpoints: *from is its first id, *offset becomes the offset inside it
 * (past the end: a block after the last, so no row).
 */
static int
endpoint_page_block(struct warp_db *db, int64_t network_id, int64_t *offset,
    int64_t *from, struct warp_err *err)
{
	sqlite3_stmt	*st;
	int64_t		 before = 0, here;
	int		 rc;

	*from = 0;
	if (*offset == 0)
		return (0);
	/* The running sum walked here, in the primary key's order: a
	 * window function over the blocks built a temporary table of them
	 * (half of a deep page of 50,000). */
	if (warp_db_prepare_cached(db, &st, "SELECT block, endpoints FROM "
	    "endpoint_blocks WHERE network_id = ?1 ORDER BY block",
	    err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, network_id);
	*from = INT64_MAX;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		here = sqlite3_column_int64(st, 1);
		if (before + here > *offset) {
			*from = sqlite3_column_int64(st, 0) << 8;
			*offset -= before;
			break;
		}
		before += here;
	}
	warp_db_release(db, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "finding a page"));
	return (0);
}

/*
 * One page of a network's endpoints with their last observed numbers, in
 * one indexed query (a network may hold 50,000 endpoints).  The page's
 * first id is found without stepping over the rows before it: the
 * endpoints counted per block of 256 ids (endpoint_blocks, kept by
 * triggers) are summed up to the block the offset falls in, and at most
 * 255 index entries are skipped inside it.  Only the rows shown are
 * joined.  LAN subnets are not loaded.  Free with
 * warp_endpoint_page_free().
 */
int
warp_endpoint_page(struct warp_db *db, int64_t network_id, int64_t offset,
    int limit, struct warp_endpoint **out, struct warp_endpoint_stats **stats,
    size_t *count, struct warp_err *err)
{
	sqlite3_stmt	*st;
	size_t		 n = 0;
	int64_t		 from;
	int		 rc;

	*out = warp_xcalloc((size_t)limit + 1, sizeof(**out));
	*stats = warp_xcalloc((size_t)limit + 1, sizeof(**stats));
	*count = 0;
	if (warp_db_prepare_cached(db, &st, "SELECT " EP_COLUMNS ", "
	    "coalesce(s.last_handshake, 0), coalesce(s.rx_bytes, 0), "
	    "coalesce(s.tx_bytes, 0) FROM endpoints e JOIN networks n ON "
	    "n.id = e.network_id LEFT JOIN endpoint_stats s ON "
	    "s.endpoint_id = e.id WHERE e.network_id = ?1 AND e.id >= "
	    "(SELECT id FROM endpoints WHERE network_id = ?1 AND id >= ?4 "
	    "ORDER BY id LIMIT 1 OFFSET ?3) ORDER BY e.id LIMIT ?2",
	    err) == -1)
		goto fail;
	if (endpoint_page_block(db, network_id, &offset, &from, err) == -1) {
		warp_db_release(db, st);
		goto fail;
	}
	sqlite3_bind_int64(st, 1, network_id);
	sqlite3_bind_int(st, 2, limit);
	sqlite3_bind_int64(st, 3, offset);
	sqlite3_bind_int64(st, 4, from);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < (size_t)limit) {
		if (warp_endpoint_row(st, &(*out)[n]) == -1)
			continue;
		(*stats)[n].last_handshake = sqlite3_column_int64(st, 13);
		(*stats)[n].rx_bytes = sqlite3_column_int64(st, 14);
		(*stats)[n].tx_bytes = sqlite3_column_int64(st, 15);
		n++;
	}
	warp_db_release(db, st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		warp_db_sqlerr(db, err, "listing endpoints");
		goto fail;
	}
	*count = n;
	return (0);
fail:
	free(*out);
	free(*stats);
	*out = NULL;
	*stats = NULL;
	return (-1);
}

/* The last numbers the reconciler stored for one endpoint (zeros: none). */
int
warp_endpoint_stats_get(struct warp_db *db, int64_t id,
    struct warp_endpoint_stats *s, struct warp_err *err)
{
	sqlite3_stmt	*st;
	const char	*r;
	int		 rc;

	memset(s, 0, sizeof(*s));
	if (warp_db_prepare_cached(db, &st, "SELECT last_handshake, rx_bytes, "
	    "tx_bytes, remote_endpoint FROM endpoint_stats WHERE "
	    "endpoint_id = ?", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		s->present = 1;
		s->last_handshake = sqlite3_column_int64(st, 0);
		s->rx_bytes = sqlite3_column_int64(st, 1);
		s->tx_bytes = sqlite3_column_int64(st, 2);
		if ((r = (const char *)sqlite3_column_text(st, 3)) != NULL)
			(void)snprintf(s->remote, sizeof(s->remote), "%s", r);
	}
	warp_db_release(db, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "reading endpoint numbers"));
	return (0);
}

void
warp_endpoint_page_free(struct warp_endpoint *v, struct warp_endpoint_stats *st)
{
	free(v);
	free(st);
}

/* ------------------------------------------------- the reconciler's check */

/* A raw LAN row is at most this long; longer is malformed as it stands. */
#define WARP_EP_LANTEXT		64

struct warp_ep_lanrows {
	int64_t		 id;		/* endpoint of the rows collected */
	size_t		 count;		/* rows it has (all of them) */
	char		 text[WARP_MAX_LANS + 1][WARP_EP_LANTEXT];
	const char	*in[WARP_MAX_LANS + 1];
};

static int
warp_endpoint_id_cmp(const void *key, const void *elem)
{
	int64_t	id = *(const int64_t *)key;
	int64_t	other = ((const struct warp_endpoint *)elem)->id;

	return (id < other ? -1 : id > other);
}

/* The rows collected for one endpoint, through the edge's validator. */
static void
warp_endpoint_lanrows_check(const struct warp_network *n,
    const struct warp_endpoint *eps, size_t neps, struct warp_ep_lanrows *r,
    void (*bad)(void *, size_t, const char *), void *arg)
{
	const struct warp_endpoint	*e;
	struct warp_cidr		 out[WARP_MAX_LANS + 1];
	struct warp_err			 err;
	size_t				 i;

	if (r->count == 0)
		return;
	if ((e = bsearch(&r->id, eps, neps, sizeof(*eps),
	    warp_endpoint_id_cmp)) == NULL)
		return;
	for (i = 0; i < r->count && i <= WARP_MAX_LANS; i++)
		r->in[i] = r->text[i];
	if (warp_endpoint_parse_lans(n, r->in, r->count, out, &err) == -1)
		bad(arg, (size_t)(e - eps), err.msg);
}

/* Name and overlay address of each row (warp_state.h). */
void
warp_endpoints_revalidate_rows(const struct warp_network *n,
    const struct warp_endpoint *eps, size_t neps,
    void (*bad)(void *, size_t, const char *), void *arg)
{
	struct warp_err	e;
	uint32_t	host, last;
	size_t		i;

	last = n->subnet.addr | ~warp_cidr_mask(n->subnet.len);
	for (i = 0; i < neps; i++) {
		if (warp_name_validate("endpoint", eps[i].name, &e) == -1)
			bad(arg, i, e.msg);
		host = eps[i].overlay_ip;
		if (!warp_cidr_contains(&n->subnet, host) ||
		    host == n->subnet.addr || host == n->gateway_ip ||
		    host == last)
			bad(arg, i, "its overlay address is not a host address "
			    "of the network's subnet");
	}
}

/*
 * The endpoints of network n as the reconciler loaded them (eps, sorted
 * by id as warp_endpoint_list returns them), checked again with the
 * edge's validators: name, overlay address, and the LAN list as stored
 * (every row, not the WARP_MAX_LANS the loader keeps).  bad(arg, index,
 * message) for each endpoint that fails (perhaps more than once); -1
 * only when the database cannot be read.
 */
int
warp_endpoints_revalidate(struct warp_db *db, const struct warp_network *n,
    const struct warp_endpoint *eps, size_t neps,
    void (*bad)(void *, size_t, const char *), void *arg,
    struct warp_err *err)
{
	sqlite3_stmt		*st;
	struct warp_ep_lanrows	*r;
	const char		*text;
	int			 rc;

	warp_endpoints_revalidate_rows(n, eps, neps, bad, arg);
	/* Once per network in the reconciler's load: kept prepared. */
	if (warp_db_prepare_cached(db, &st, "SELECT l.endpoint_id, l.cidr FROM "
	    "endpoint_lans l JOIN endpoints e ON e.id = l.endpoint_id WHERE "
	    "e.network_id = ? ORDER BY l.endpoint_id, l.rowid", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, n->id);
	r = warp_xcalloc(1, sizeof(*r));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_int64(st, 0) != r->id) {
			warp_endpoint_lanrows_check(n, eps, neps, r, bad, arg);
			r->id = sqlite3_column_int64(st, 0);
			r->count = 0;
		}
		if (r->count <= WARP_MAX_LANS) {
			text = (const char *)sqlite3_column_text(st, 1);
			if (text == NULL || strlen(text) >= WARP_EP_LANTEXT)
				text = "(malformed)";
			(void)snprintf(r->text[r->count],
			    sizeof(r->text[r->count]), "%s", text);
		}
		r->count++;
	}
	warp_endpoint_lanrows_check(n, eps, neps, r, bad, arg);
	free(r);
	warp_db_release(db, st);
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "reading LAN subnets"));
	return (0);
}
