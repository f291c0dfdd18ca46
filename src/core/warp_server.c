/*
 * Server settings (the single server_config row and the subnet containers)
 * and detection of the public address from the kernel's default route, over
 * netlink: no outside service is ever asked.
 */
#include <arpa/inet.h>
#include <net/if.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include "warp.h"
#include "warp_db_int.h"

static const char *warp_net_type_names[WARP_NET_NTYPES] = {
	"secure-internet", "resource-gateway", "l3vpn", "l2-p2p", "l2-mesh"
};

const char *
warp_net_type_name(enum warp_net_type t)
{
	return (warp_enum_name(warp_net_type_names, WARP_NET_NTYPES, (int)t,
	    "unknown"));
}

int
warp_net_type_parse(const char *s, enum warp_net_type *t, struct warp_err *err)
{
	int	v;

	if (warp_enum_parse("network type", warp_net_type_names,
	    WARP_NET_NTYPES, s, &v, err) == -1)
		return (-1);
	*t = (enum warp_net_type)v;
	return (0);
}

int
warp_server_config_get(struct warp_db *db, struct warp_server_config *sc,
    struct warp_err *err)
{
	sqlite3_stmt		*st;
	enum warp_net_type	 t;
	struct warp_err		 ignore;
	int			 rc;

	memset(sc, 0, sizeof(*sc));
	if (warp_db_prepare(db, &st, "SELECT public_host, uplink, netns, "
	    "port_min, port_max, default_dns, default_mtu, default_keepalive "
	    "FROM server_config WHERE id = 1", err) == -1)
		return (-1);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return (warp_db_sqlerr(db, err, "reading server settings"));
	}
	(void)snprintf(sc->public_host, sizeof(sc->public_host), "%s",
	    sqlite3_column_text(st, 0));
	(void)snprintf(sc->uplink, sizeof(sc->uplink), "%s",
	    sqlite3_column_text(st, 1));
	(void)snprintf(sc->netns, sizeof(sc->netns), "%s",
	    sqlite3_column_text(st, 2));
	sc->port_min = sqlite3_column_int(st, 3);
	sc->port_max = sqlite3_column_int(st, 4);
	(void)snprintf(sc->default_dns, sizeof(sc->default_dns), "%s",
	    sqlite3_column_text(st, 5));
	sc->default_mtu = sqlite3_column_int(st, 6);
	sc->default_keepalive = sqlite3_column_int(st, 7);
	sqlite3_finalize(st);

	if (warp_db_prepare(db, &st, "SELECT type, cidr FROM subnet_containers",
	    err) == -1)
		return (-1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (warp_net_type_parse((const char *)sqlite3_column_text(st, 0),
		    &t, &ignore) == 0)
			(void)warp_cidr_parse((const char *)
			    sqlite3_column_text(st, 1), &sc->containers[t],
			    &ignore);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "reading subnet containers"));
	return (0);
}

static int
warp_server_update(struct warp_db *db, const char *sql, const char *text,
    int a, int b, struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (warp_db_prepare(db, &st, sql, err) == -1)
		return (-1);
	if (text != NULL)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
	else {
		sqlite3_bind_int(st, 1, a);
		sqlite3_bind_int(st, 2, b);
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "updating server settings"));
	return (0);
}

static int
warp_parse_small_int(const char *s, int min, int max, int *out)
{
	char	*end;
	long	 v;

	if (s == NULL || *s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return (-1);
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < min || v > max)
		return (-1);
	*out = (int)v;
	return (0);
}

/* Ports in use must stay inside a new pool. */
static int
warp_server_check_pool(struct warp_db *db, int lo, int hi,
    struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc = 0;

	if (warp_db_prepare(db, &st, "SELECT name, listen_port FROM networks "
	    "WHERE listen_port < ? OR listen_port > ? LIMIT 1", err) == -1)
		return (-1);
	sqlite3_bind_int(st, 1, lo);
	sqlite3_bind_int(st, 2, hi);
	if (sqlite3_step(st) == SQLITE_ROW)
		rc = warp_err_input(err, "network '%s' listens on port %d, "
		    "outside the new pool %d-%d; widen the pool",
		    sqlite3_column_text(st, 0), sqlite3_column_int(st, 1),
		    lo, hi);
	sqlite3_finalize(st);
	return (rc);
}

/*
 * The server settings by name (the names warpctl and the web form use):
 * how each is checked and stored.  A name ending in '.' takes a suffix
 * (container.<type>).  Settings that appear in client configs
 * (public-host) re-render every endpoint.
 */
struct warp_setting;
typedef int	(*warp_setting_fn)(struct warp_db *,
		    const struct warp_setting *, const char *, const char *,
		    struct warp_err *);

struct warp_setting {
	const char	*key;
	warp_setting_fn	 set;
	const char	*sql;	/* ?1 = the value (or low), ?2 = high/type */
	int		 min;
	int		 max;
	const char	*what;	/* numbers: what the refusal calls it */
	int		 refresh;
};

static int	warp_set_text(struct warp_db *, const struct warp_setting *,
		    const char *, const char *, struct warp_err *);
static int	warp_set_int(struct warp_db *, const struct warp_setting *,
		    const char *, const char *, struct warp_err *);
static int	warp_set_pool(struct warp_db *, const struct warp_setting *,
		    const char *, const char *, struct warp_err *);
static int	warp_set_container(struct warp_db *,
		    const struct warp_setting *, const char *, const char *,
		    struct warp_err *);

static const struct warp_setting warp_settings[] = {
	{ "public-host", warp_set_text, "UPDATE server_config SET "
	    "public_host = ?, updated_at = unixepoch()", 0, 0, NULL, 1 },
	{ "uplink", warp_set_text, "UPDATE server_config SET uplink = ?",
	    0, 0, NULL, 0 },
	{ "netns", warp_set_text, "UPDATE server_config SET netns = ?",
	    0, 0, NULL, 0 },
	{ "port-pool", warp_set_pool, "UPDATE server_config SET "
	    "port_min = ?1, port_max = ?2", 1, WARP_PORT_MAX, NULL, 0 },
	{ "default-dns", warp_set_text, "UPDATE server_config SET "
	    "default_dns = ?", 0, 0, NULL, 0 },
	{ "default-mtu", warp_set_int, "UPDATE server_config SET "
	    "default_mtu = ?1", WARP_MTU_MIN, WARP_MTU_MAX, "MTU", 0 },
	{ "default-keepalive", warp_set_int, "UPDATE server_config SET "
	    "default_keepalive = ?1", 0, WARP_KEEPALIVE_MAX,
	    "keepalive (seconds, 0: off)", 0 },
	{ "container.", warp_set_container, "UPDATE subnet_containers SET "
	    "cidr = ?1 WHERE type = ?2", 8, 24, NULL, 0 },
	{ NULL, NULL, NULL, 0, 0, NULL, 0 }
};

/* Text settings: each checked by what it names. */
static int
warp_set_text(struct warp_db *db, const struct warp_setting *st,
    const char *sfx, const char *value, struct warp_err *err)
{
	char	dns[WARP_DNS_MAX];

	(void)sfx;
	if (strcmp(st->key, "public-host") == 0) {
		if (warp_host_validate(value, err) == -1)
			return (-1);
	} else if (strcmp(st->key, "default-dns") == 0) {
		/* Stored as the parser normalised it. */
		if (warp_dns_parse(value, dns, sizeof(dns), err) == -1)
			return (-1);
		value = dns;
	} else if (*value != '\0' || strcmp(st->key, "netns") != 0) {
		/* uplink, netns ("" = the host's namespace) */
		if (warp_ifname_validate(value, err) == -1)
			return (-1);
	}
	return (warp_server_update(db, st->sql, value, 0, 0, err));
}

static int
warp_set_int(struct warp_db *db, const struct warp_setting *st,
    const char *sfx, const char *value, struct warp_err *err)
{
	int	a;

	(void)sfx;
	if (warp_parse_small_int(value, st->min, st->max, &a) == -1)
		return (warp_err_input(err, "%s must be from %d to %d, not "
		    "'%s'", st->what, st->min, st->max, value));
	return (warp_server_update(db, st->sql, NULL, a, 0, err));
}

static int
warp_set_pool(struct warp_db *db, const struct warp_setting *st,
    const char *sfx, const char *value, struct warp_err *err)
{
	char	buf[32], *dash;
	int	a, b;

	(void)sfx;
	(void)snprintf(buf, sizeof(buf), "%s", value);
	if ((dash = strchr(buf, '-')) == NULL)
		return (warp_err_input(err, "port pool '%s' must look like "
		    "51820-51829", value));
	*dash = '\0';
	if (warp_parse_small_int(buf, st->min, st->max, &a) == -1 ||
	    warp_parse_small_int(dash + 1, st->min, st->max, &b) == -1 ||
	    a > b)
		return (warp_err_input(err, "port pool '%s' must be two ports "
		    "from %d to %d, low-high", value, st->min, st->max));
	if (warp_server_check_pool(db, a, b, err) == -1)
		return (-1);
	return (warp_server_update(db, st->sql, NULL, a, b, err));
}

static int
warp_set_container(struct warp_db *db, const struct warp_setting *set,
    const char *sfx, const char *value, struct warp_err *err)
{
	sqlite3_stmt		*st;
	struct warp_cidr	 c;
	enum warp_net_type	 t;
	char			 buf[WARP_CIDR_STRLEN];
	int			 rc;

	if (warp_net_type_parse(sfx, &t, err) == -1 ||
	    warp_cidr_parse(value, &c, err) == -1)
		return (-1);
	if (c.len > set->max || c.len < set->min)
		return (warp_err_input(err, "a subnet container must be from "
		    "/%d to /%d, not /%d", set->min, set->max, c.len));
	warp_cidr_format(&c, buf, sizeof(buf));
	if (warp_db_prepare(db, &st, set->sql, err) == -1)
		return (-1);
	sqlite3_bind_text(st, 1, buf, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, warp_net_type_name(t), -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "updating a container"));
	return (0);
}

/* Every endpoint's config again, after a setting that appears in them. */
static int
warp_server_refresh_all(struct warp_db *db, struct warp_err *err)
{
	struct warp_network	*nets;
	size_t			 n, i;
	int			 rc = 0;

	if (warp_network_list(db, &nets, &n, err) == -1)
		return (-1);
	for (i = 0; i < n && rc == 0; i++)
		rc = warp_config_refresh_network(db, nets[i].id,
		    "server public host changed", NULL, err);
	warp_network_list_free(nets);
	return (rc);
}

/* One setting by name, in one transaction. */
int
warp_server_config_set(struct warp_db *db, const char *key, const char *value,
    struct warp_err *err)
{
	const struct warp_setting	*st;
	struct warp_buf			 known;
	size_t				 len;

	if (value == NULL)
		return (warp_err_input(err, "setting %s needs a value", key));
	for (st = warp_settings; st->key != NULL; st++) {
		len = strlen(st->key);
		if (st->key[len - 1] == '.' ? strncmp(key, st->key, len) == 0 :
		    strcmp(key, st->key) == 0)
			break;
	}
	if (st->key == NULL) {
		warp_buf_init(&known);
		for (st = warp_settings; st->key != NULL; st++)
			warp_buf_appendf(&known, "%s%s%s", known.len ? ", " :
			    "", st->key, st->key[strlen(st->key) - 1] == '.' ?
			    "<type>" : "");
		warp_err_input(err, "unknown setting '%s' (known: %s)", key,
		    known.data);
		warp_buf_free(&known);
		return (-1);
	}
	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (st->set(db, st, key + strlen(st->key), value, err) == -1 ||
	    (st->refresh && warp_server_refresh_all(db, err) == -1) ||
	    warp_db_mark_pending(db, "server", 1, err) == -1) {
		warp_db_rollback(db);
		return (-1);
	}
	return (warp_db_commit(db, err));
}

/*
 * Public address and uplink from the main table's IPv4 default route:
 * the route's preferred source, else the first global address on its
 * output device.
 */
int
warp_detect_public_address(char *host, size_t hostlen, char *uplink,
    size_t uplinklen, struct warp_err *err)
{
	struct nl_sock		*sk = NULL;
	struct nl_cache		*routes = NULL, *addrs = NULL;
	struct nl_object	*obj;
	struct rtnl_route	*r, *best = NULL;
	struct rtnl_nexthop	*nh;
	struct rtnl_addr	*a;
	struct nl_addr		*src, *local;
	int			 oif = 0, rc = -1;
	uint32_t		 best_prio = UINT32_MAX;
	char			 ifname[IF_NAMESIZE];

	if ((sk = nl_socket_alloc()) == NULL || nl_connect(sk, NETLINK_ROUTE)
	    < 0) {
		warp_err_system(err, "cannot open a netlink socket");
		goto out;
	}
	if (rtnl_route_alloc_cache(sk, AF_INET, 0, &routes) < 0 ||
	    rtnl_addr_alloc_cache(sk, &addrs) < 0) {
		warp_err_system(err, "cannot read routes over netlink");
		goto out;
	}
	for (obj = nl_cache_get_first(routes); obj != NULL;
	    obj = nl_cache_get_next(obj)) {
		r = (struct rtnl_route *)obj;
		if (rtnl_route_get_table(r) != RT_TABLE_MAIN ||
		    rtnl_route_get_type(r) != RTN_UNICAST ||
		    nl_addr_get_prefixlen(rtnl_route_get_dst(r)) != 0 ||
		    rtnl_route_get_nnexthops(r) < 1)
			continue;
		if (rtnl_route_get_priority(r) < best_prio) {
			best = r;
			best_prio = rtnl_route_get_priority(r);
		}
	}
	if (best == NULL) {
		warp_err_input(err, "no IPv4 default route to find the public "
		    "address from");
		warp_err_field(err, WARP_F_PUBLIC_HOST);
		goto out;
	}
	nh = rtnl_route_nexthop_n(best, 0);
	oif = rtnl_route_nh_get_ifindex(nh);
	if (if_indextoname((unsigned int)oif, ifname) == NULL) {
		warp_err_system(err, "default route device %d has no name", oif);
		goto out;
	}
	(void)snprintf(uplink, uplinklen, "%s", ifname);
	if ((src = rtnl_route_get_pref_src(best)) != NULL) {
		inet_ntop(AF_INET, nl_addr_get_binary_addr(src), host,
		    (socklen_t)hostlen);
		rc = 0;
		goto out;
	}
	for (obj = nl_cache_get_first(addrs); obj != NULL;
	    obj = nl_cache_get_next(obj)) {
		a = (struct rtnl_addr *)obj;
		if (rtnl_addr_get_ifindex(a) != oif ||
		    rtnl_addr_get_family(a) != AF_INET ||
		    rtnl_addr_get_scope(a) != RT_SCOPE_UNIVERSE)
			continue;
		local = rtnl_addr_get_local(a);
		inet_ntop(AF_INET, nl_addr_get_binary_addr(local), host,
		    (socklen_t)hostlen);
		rc = 0;
		goto out;
	}
	warp_err_input(err, "the default route's device %s has no IPv4 "
	    "address", ifname);
	warp_err_field(err, WARP_F_PUBLIC_HOST);
out:
	if (addrs != NULL)
		nl_cache_free(addrs);
	if (routes != NULL)
		nl_cache_free(routes);
	if (sk != NULL)
		nl_socket_free(sk);
	return (rc);
}

/*
 * First-time settings: the public host and uplink given, or detected.  A
 * detected uplink is only used when none was given.
 */
int
warp_server_init(struct warp_db *db, const char *public_host,
    const char *uplink, struct warp_err *err)
{
	char			 host[WARP_HOST_MAX] = "";
	char			 dev[WARP_IFNAMSIZ] = "";
	struct warp_err		 derr;

	if (public_host == NULL || uplink == NULL) {
		if (warp_detect_public_address(host, sizeof(host), dev,
		    sizeof(dev), &derr) == -1) {
			if (public_host == NULL) {
				*err = derr;
				return (-1);
			}
			dev[0] = '\0';
		}
	}
	if (public_host == NULL)
		public_host = host;
	if (uplink == NULL)
		uplink = dev;
	if (warp_host_validate(public_host, err) == -1)
		return (-1);
	if (*uplink != '\0' && warp_ifname_validate(uplink, err) == -1)
		return (-1);
	if (warp_server_config_set(db, "public-host", public_host, err) == -1)
		return (-1);
	if (*uplink != '\0' &&
	    warp_server_config_set(db, "uplink", uplink, err) == -1)
		return (-1);
	return (0);
}
