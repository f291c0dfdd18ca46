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
	if ((int)t < 0 || t >= WARP_NET_NTYPES)
		return ("unknown");
	return (warp_net_type_names[t]);
}

int
warp_net_type_parse(const char *s, enum warp_net_type *t, struct warp_err *err)
{
	int	i;

	for (i = 0; s != NULL && i < WARP_NET_NTYPES; i++) {
		if (strcmp(s, warp_net_type_names[i]) == 0) {
			*t = (enum warp_net_type)i;
			return (0);
		}
	}
	return (warp_err_input(err, "network type '%s' is not one of "
	    "secure-internet, resource-gateway, l3vpn, l2-p2p, l2-mesh",
	    s ? s : ""));
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
 * One setting by name (the names warpctl and the web form use).  Settings
 * that appear in client configs (public-host) re-render every endpoint.
 */
int
warp_server_config_set(struct warp_db *db, const char *key, const char *value,
    struct warp_err *err)
{
	char			 buf[WARP_DNS_MAX], *dash;
	int			 a, b, refresh = 0;
	struct warp_cidr	 c;
	enum warp_net_type	 t;
	struct warp_network	*nets = NULL;
	size_t			 n, i;

	if (value == NULL)
		return (warp_err_input(err, "setting %s needs a value", key));
	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (strcmp(key, "public-host") == 0) {
		if (warp_host_validate(value, err) == -1 ||
		    warp_server_update(db, "UPDATE server_config SET "
		    "public_host = ?, updated_at = unixepoch()", value, 0, 0,
		    err) == -1)
			goto fail;
		refresh = 1;
	} else if (strcmp(key, "uplink") == 0) {
		if (warp_ifname_validate(value, err) == -1 ||
		    warp_server_update(db, "UPDATE server_config SET uplink = ?",
		    value, 0, 0, err) == -1)
			goto fail;
	} else if (strcmp(key, "netns") == 0) {
		if ((*value != '\0' && warp_ifname_validate(value, err) == -1) ||
		    warp_server_update(db, "UPDATE server_config SET netns = ?",
		    value, 0, 0, err) == -1)
			goto fail;
	} else if (strcmp(key, "port-pool") == 0) {
		(void)snprintf(buf, sizeof(buf), "%s", value);
		if ((dash = strchr(buf, '-')) == NULL) {
			warp_err_input(err, "port pool '%s' must look like "
			    "51820-51829", value);
			goto fail;
		}
		*dash = '\0';
		if (warp_parse_small_int(buf, 1, 65535, &a) == -1 ||
		    warp_parse_small_int(dash + 1, 1, 65535, &b) == -1 ||
		    a > b) {
			warp_err_input(err, "port pool '%s' must be two ports "
			    "from 1 to 65535, low-high", value);
			goto fail;
		}
		if (warp_server_check_pool(db, a, b, err) == -1 ||
		    warp_server_update(db, "UPDATE server_config SET "
		    "port_min = ?1, port_max = ?2", NULL, a, b, err) == -1)
			goto fail;
	} else if (strcmp(key, "default-dns") == 0) {
		if (warp_dns_parse(value, buf, sizeof(buf), err) == -1 ||
		    warp_server_update(db, "UPDATE server_config SET "
		    "default_dns = ?", buf, 0, 0, err) == -1)
			goto fail;
	} else if (strcmp(key, "default-mtu") == 0) {
		if (warp_parse_small_int(value, WARP_MTU_MIN, WARP_MTU_MAX,
		    &a) == -1) {
			warp_err_input(err, "MTU must be from %d to %d",
			    WARP_MTU_MIN, WARP_MTU_MAX);
			goto fail;
		}
		if (warp_server_update(db, "UPDATE server_config SET "
		    "default_mtu = ?1", NULL, a, 0, err) == -1)
			goto fail;
	} else if (strcmp(key, "default-keepalive") == 0) {
		if (warp_parse_small_int(value, 0, WARP_KEEPALIVE_MAX,
		    &a) == -1) {
			warp_err_input(err, "keepalive must be 0 (off) to %d "
			    "seconds", WARP_KEEPALIVE_MAX);
			goto fail;
		}
		if (warp_server_update(db, "UPDATE server_config SET "
		    "default_keepalive = ?1", NULL, a, 0, err) == -1)
			goto fail;
	} else if (strncmp(key, "container.", 10) == 0) {
		if (warp_net_type_parse(key + 10, &t, err) == -1 ||
		    warp_cidr_parse(value, &c, err) == -1)
			goto fail;
		if (c.len > 24 || c.len < 8) {
			warp_err_input(err, "a subnet container must be from /8 "
			    "to /24, not /%d", c.len);
			goto fail;
		}
		warp_cidr_format(&c, buf, sizeof(buf));
		{
			sqlite3_stmt	*st;
			int		 rc;

			if (warp_db_prepare(db, &st, "UPDATE subnet_containers "
			    "SET cidr = ? WHERE type = ?", err) == -1)
				goto fail;
			sqlite3_bind_text(st, 1, buf, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 2, warp_net_type_name(t), -1,
			    SQLITE_STATIC);
			rc = sqlite3_step(st);
			sqlite3_finalize(st);
			if (rc != SQLITE_DONE) {
				warp_db_sqlerr(db, err, "updating a container");
				goto fail;
			}
		}
	} else {
		warp_err_input(err, "unknown setting '%s' (known: public-host, "
		    "uplink, netns, port-pool, default-dns, default-mtu, "
		    "default-keepalive, container.<type>)", key);
		goto fail;
	}
	if (refresh) {
		if (warp_network_list(db, &nets, &n, err) == -1)
			goto fail;
		for (i = 0; i < n; i++) {
			if (warp_config_refresh_network(db, nets[i].id,
			    "server public host changed", NULL, err) == -1)
				goto fail;
		}
		warp_network_list_free(nets);
		nets = NULL;
	}
	if (warp_db_mark_pending(db, "server", 1, err) == -1)
		goto fail;
	return (warp_db_commit(db, err));
fail:
	warp_network_list_free(nets);
	warp_db_rollback(db);
	return (-1);
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
