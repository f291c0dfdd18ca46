/*
 * rtnetlink through libnl-route-3: VRF and WireGuard links, the gateway's
 * overlay address, routes in the VRF tables and the rules that bring
 * return traffic back into a VRF.  Every write goes through one of the
 * warp_nl_send_* helpers (kernel_send.c), which count it and, on a dry
 * run, skip it; everything before them runs the same on a dry run.
 *
 * What is ours: links whose alias starts with WARP_LINK_ALIAS, routes and
 * rules whose protocol is WARP_RTPROT.  Nothing else is ever changed.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/fib_rules.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/vrf.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>

#include <stdio.h>
#include <string.h>

#include "warp.h"
#include "warp_kernel.h"
#include "warp_kernel_int.h"

#define WARP_FEATURE_VRF	"VRF support (CONFIG_NET_VRF, module vrf)"
#define WARP_FEATURE_WG		"WireGuard (CONFIG_WIREGUARD, module wireguard)"

static void	warp_nl_cat(char *, size_t, const char *);
static int	warp_nl_fail(struct warp_kctx *, struct warp_knet *, int,
		    const char *, const char *);
static int	warp_nl_vrf(struct warp_kctx *, struct warp_knet *);
static int	warp_nl_wg(struct warp_kctx *, struct warp_knet *);
static int	warp_nl_addr_eq(struct nl_addr *, int, const void *, int);
static int	warp_nl_route_key(const struct warp_kroute *, struct rtnl_route *);
static int	warp_nl_route_val(struct warp_kctx *, struct warp_knet *,
		    const struct warp_kroute *, struct rtnl_route *);
static int	warp_nl_route_oif(struct warp_kctx *, struct warp_knet *,
		    const struct warp_kroute *);
static struct rtnl_route *warp_nl_route_build(struct warp_kctx *,
		    struct warp_knet *, const struct warp_kroute *);
static void	warp_nl_route_describe(const struct warp_kroute *, char *,
		    size_t);
static int	warp_nl_rule_ours(struct rtnl_rule *);
static int	warp_nl_rule_match(struct rtnl_rule *, const struct warp_knet *);

int
warp_nl_open(struct warp_kctx *ctx, struct warp_err *err)
{
	int	e;

	if ((ctx->rtnl = nl_socket_alloc()) == NULL)
		warp_fatal("nl_socket_alloc");
	if ((e = nl_connect(ctx->rtnl, NETLINK_ROUTE)) < 0)
		return (warp_err_system(err, "rtnetlink: %s", nl_geterror(e)));
	/* Five dumps: links, addresses, IPv4 routes, rules, IPv6 routes. */
	ctx->cnt->rd_rtnl += 5;
	ctx->cnt->rd_link_dumps++;
	if ((e = rtnl_link_alloc_cache(ctx->rtnl, AF_UNSPEC, &ctx->links)) < 0 ||
	    (e = rtnl_addr_alloc_cache(ctx->rtnl, &ctx->addrs)) < 0 ||
	    (e = rtnl_route_alloc_cache(ctx->rtnl, AF_INET, 0,
	    &ctx->routes4)) < 0 ||
	    (e = rtnl_rule_alloc_cache(ctx->rtnl, AF_UNSPEC, &ctx->rules)) < 0)
		return (warp_err_system(err, "rtnetlink dump: %s",
		    nl_geterror(e)));
	/* A kernel without IPv6 has nothing to leak over it. */
	if (rtnl_route_alloc_cache(ctx->rtnl, AF_INET6, 0, &ctx->routes6) < 0)
		ctx->routes6 = NULL;
	warp_nl_index_build(ctx);
	return (0);
}

void
warp_nl_close(struct warp_kctx *ctx)
{
	warp_nl_index_free(ctx);
	if (ctx->links != NULL)
		nl_cache_free(ctx->links);
	if (ctx->addrs != NULL)
		nl_cache_free(ctx->addrs);
	if (ctx->routes4 != NULL)
		nl_cache_free(ctx->routes4);
	if (ctx->routes6 != NULL)
		nl_cache_free(ctx->routes6);
	if (ctx->rules != NULL)
		nl_cache_free(ctx->rules);
	if (ctx->rtnl != NULL)
		nl_socket_free(ctx->rtnl);
	ctx->links = ctx->addrs = ctx->routes4 = ctx->routes6 = NULL;
	ctx->rules = NULL;
	ctx->rtnl = NULL;
}

static void
warp_nl_cat(char *buf, size_t len, const char *s)
{
	size_t	n = strlen(buf);

	if (n < len)
		(void)snprintf(buf + n, len - n, "%s", s);
}

static int
warp_nl_fail(struct warp_kctx *ctx, struct warp_knet *kn, int e,
    const char *what, const char *feature)
{
	/* An unknown link kind is EOPNOTSUPP from rtnetlink. */
	if (feature != NULL && (e == -NLE_OPNOTSUPP || e == -NLE_AF_NOSUPPORT))
		warp_knet_fail(ctx, kn, "%s: the kernel lacks %s", what, feature);
	else
		warp_knet_fail(ctx, kn, "%s: %s", what, nl_geterror(e));
	return (-1);
}

void
warp_nl_resolve_uplink(struct warp_kctx *ctx)
{
	struct nl_object	*o;
	struct rtnl_route	*r;
	struct rtnl_nexthop	*nh;
	struct nl_addr		*gw;
	uint32_t		 best = UINT32_MAX;
	size_t			 pos = 0;

	ctx->uplink_ifindex = 0;
	ctx->uplink_gw = 0;
	ctx->uplink_error[0] = '\0';
	if (ctx->cfg.uplink[0] == '\0') {
		(void)snprintf(ctx->uplink_error, sizeof(ctx->uplink_error),
		    "no uplink interface configured (warpctl init --uplink)");
		return;
	}
	if ((ctx->uplink_ifindex = warp_nl_ifindex(ctx, ctx->cfg.uplink)) == 0) {
		(void)snprintf(ctx->uplink_error, sizeof(ctx->uplink_error),
		    "uplink interface %s does not exist in this namespace",
		    ctx->cfg.uplink);
		return;
	}
	/* The uplink's default gateway, as the main table has it. */
	for (o = warp_nl_route_next(ctx, AF_INET, RT_TABLE_MAIN, &pos, NULL);
	    o != NULL; o = warp_nl_route_next(ctx, AF_INET, RT_TABLE_MAIN,
	    &pos, o)) {
		r = (struct rtnl_route *)o;
		if (rtnl_route_get_table(r) != RT_TABLE_MAIN ||
		    rtnl_route_get_type(r) != RTN_UNICAST ||
		    nl_addr_get_prefixlen(rtnl_route_get_dst(r)) != 0 ||
		    rtnl_route_get_nnexthops(r) < 1)
			continue;
		nh = rtnl_route_nexthop_n(r, 0);
		if (rtnl_route_nh_get_ifindex(nh) != ctx->uplink_ifindex ||
		    (gw = rtnl_route_nh_get_gateway(nh)) == NULL ||
		    nl_addr_get_family(gw) != AF_INET ||
		    rtnl_route_get_priority(r) >= best)
			continue;
		best = rtnl_route_get_priority(r);
		memcpy(&ctx->uplink_gw, nl_addr_get_binary_addr(gw), 4);
	}
}

/* Longest prefix match in the main table: where the host sends addr. */
int
warp_nl_lookup_main(struct warp_kctx *ctx, uint32_t addr, int *oif,
    uint32_t *gw)
{
	struct nl_object	*o;
	struct rtnl_route	*r;
	struct rtnl_nexthop	*nh;
	struct nl_addr		*dst, *g;
	uint32_t		 net, mask;
	int			 len, bestlen = -1;
	uint32_t		 bestprio = 0;
	size_t			 pos = 0;

	for (o = warp_nl_route_next(ctx, AF_INET, RT_TABLE_MAIN, &pos, NULL);
	    o != NULL; o = warp_nl_route_next(ctx, AF_INET, RT_TABLE_MAIN,
	    &pos, o)) {
		r = (struct rtnl_route *)o;
		if (rtnl_route_get_table(r) != RT_TABLE_MAIN ||
		    rtnl_route_get_type(r) != RTN_UNICAST ||
		    rtnl_route_get_nnexthops(r) < 1)
			continue;
		dst = rtnl_route_get_dst(r);
		len = nl_addr_get_prefixlen(dst);
		net = 0;
		if (len > 0 && nl_addr_get_len(dst) == 4)
			memcpy(&net, nl_addr_get_binary_addr(dst), 4);
		mask = htonl(warp_cidr_mask(len));
		if ((addr & mask) != (net & mask))
			continue;
		if (len < bestlen || (len == bestlen &&
		    rtnl_route_get_priority(r) >= bestprio))
			continue;
		nh = rtnl_route_nexthop_n(r, 0);
		bestlen = len;
		bestprio = rtnl_route_get_priority(r);
		*oif = rtnl_route_nh_get_ifindex(nh);
		*gw = 0;
		if ((g = rtnl_route_nh_get_gateway(nh)) != NULL &&
		    nl_addr_get_family(g) == AF_INET)
			memcpy(gw, nl_addr_get_binary_addr(g), 4);
	}
	return (bestlen < 0 ? -1 : 0);
}

/*
 * Ours is marked with the network's alias.  The kernel takes the alias
 * only in a second message after the one that creates a link, so an
 * apply killed between the two leaves a link of the derived name and
 * the wanted kind with no alias at all, still down (a VRF comes up at
 * once, but with the network's table): that one is adopted and marked
 * now.  Any other link of the name is not ours.
 */
int
warp_nl_link_claim(struct warp_kctx *ctx, struct warp_knet *kn,
    struct rtnl_link *l, const char *want)
{
	const char	*alias, *name = rtnl_link_get_name(l);
	char		*kind;
	uint32_t	 table = 0;
	int		 e, ifx;

	alias = rtnl_link_get_ifalias(l);
	if (alias != NULL && strcmp(alias, kn->alias) == 0)
		return (1);
	kind = rtnl_link_get_type(l);
	if ((alias != NULL && *alias != '\0') || kind == NULL ||
	    strcmp(kind, want) != 0)
		return (0);
	if (strcmp(want, "vrf") == 0) {
		if (rtnl_link_vrf_get_tableid(l, &table) < 0 ||
		    table != (uint32_t)kn->net.table_id)
			return (0);
	} else if (rtnl_link_get_flags(l) & IFF_UP)
		return (0);
	warp_kplan(ctx, "adopt %s %s (made by an apply that was interrupted)",
	    want, name);
	/* Counted (and, in a dry run, only counted) in the send path. */
	if ((e = warp_nl_mark(ctx, kn, name, 0, &ifx)) < 0) {
		warp_kplan(ctx, "  failed: %s", nl_geterror(e));
		return (0);
	}
	rtnl_link_set_ifalias(l, kn->alias);
	return (1);
}

/*
 * The kernel ignores IFLA_IFALIAS when it creates a link: mark a new link
 * as ours with a second message, which also brings it up if asked.
 * *ifindex: the new link's index (0 on a dry run, where it was not made
 * and there is nothing to read).
 */
int
warp_nl_mark(struct warp_kctx *ctx, struct warp_knet *kn, const char *name,
    int up, int *ifindex)
{
	struct rtnl_link	*l = NULL, *chg;
	int			 e;

	*ifindex = 0;
	if (!ctx->dry_run) {
		ctx->cnt->rd_rtnl++;
		if ((e = rtnl_link_get_kernel(ctx->rtnl, 0, name, &l)) < 0)
			return (e);
	}
	if ((chg = rtnl_link_alloc()) == NULL)
		warp_fatal("rtnl_link_alloc");
	rtnl_link_set_ifalias(chg, kn->alias);
	if (up)
		rtnl_link_set_flags(chg, IFF_UP);
	e = warp_nl_send_link_change(ctx, l, chg);
	rtnl_link_put(chg);
	if (l != NULL) {
		if (e >= 0)
			*ifindex = rtnl_link_get_ifindex(l);
		rtnl_link_put(l);
	}
	return (e);
}

static int
warp_nl_vrf(struct warp_kctx *ctx, struct warp_knet *kn)
{
	struct rtnl_link	*l, *n = NULL, *chg = NULL;
	const char		*name = kn->net.if_vrf;
	char			*kind;
	uint32_t		 table = 0;
	int			 e, ret = -1;

	if ((l = warp_nl_link_get(ctx, name)) != NULL) {
		if (warp_nl_link_claim(ctx, kn, l, "vrf") != 1) {
			warp_knet_fail(ctx, kn, "interface %s exists and is not "
			    "managed by warp; not touching it", name);
			goto out;
		}
		kind = rtnl_link_get_type(l);
		if (kind == NULL || strcmp(kind, "vrf") != 0 ||
		    rtnl_link_vrf_get_tableid(l, &table) < 0 ||
		    table != (uint32_t)kn->net.table_id) {
			warp_kplan(ctx, "remove vrf %s (wrong kind or table)",
			    name);
			if ((e = warp_nl_send_link_delete(ctx, l)) < 0) {
				warp_nl_fail(ctx, kn, e, "remove vrf", NULL);
				goto out;
			}
			rtnl_link_put(l);
			l = NULL;
		}
	}
	if (l == NULL) {
		warp_kplan(ctx, "create vrf %s table %d", name,
		    kn->net.table_id);
		if ((n = rtnl_link_vrf_alloc()) == NULL)
			warp_fatal("rtnl_link_vrf_alloc");
		rtnl_link_set_name(n, name);
		rtnl_link_set_ifalias(n, kn->alias);
		(void)rtnl_link_vrf_set_tableid(n, kn->net.table_id);
		rtnl_link_set_flags(n, IFF_UP);
		if ((e = warp_nl_send_link_add(ctx, n,
		    NLM_F_CREATE | NLM_F_EXCL)) < 0) {
			warp_nl_fail(ctx, kn, e, "create vrf", WARP_FEATURE_VRF);
			goto out;
		}
		if ((e = warp_nl_mark(ctx, kn, name, 0, &kn->vrf_ifindex)) < 0) {
			warp_nl_fail(ctx, kn, e, "mark vrf as warp's", NULL);
			goto out;
		}
		ret = 0;
		goto out;
	}
	kn->vrf_ifindex = rtnl_link_get_ifindex(l);
	if (!(rtnl_link_get_flags(l) & IFF_UP)) {
		warp_kplan(ctx, "change vrf %s: up", name);
		chg = rtnl_link_alloc();
		rtnl_link_set_flags(chg, IFF_UP);
		if ((e = warp_nl_send_link_change(ctx, l, chg)) < 0) {
			warp_nl_fail(ctx, kn, e, "set vrf up", NULL);
			goto out;
		}
	}
	ret = 0;
out:
	if (l != NULL)
		rtnl_link_put(l);
	if (n != NULL)
		rtnl_link_put(n);
	if (chg != NULL)
		rtnl_link_put(chg);
	return (ret);
}

static int
warp_nl_wg(struct warp_kctx *ctx, struct warp_knet *kn)
{
	struct rtnl_link	*l, *n = NULL, *chg = NULL;
	const char		*name = kn->net.if_wg;
	char			*kind, what[128];
	int			 e, ret = -1, changes = 0;

	if ((l = warp_nl_link_get(ctx, name)) != NULL) {
		if (warp_nl_link_claim(ctx, kn, l, "wireguard") != 1) {
			warp_knet_fail(ctx, kn, "interface %s exists and is not "
			    "managed by warp; not touching it", name);
			goto out;
		}
		kind = rtnl_link_get_type(l);
		if (kind == NULL || strcmp(kind, "wireguard") != 0) {
			warp_kplan(ctx, "remove %s (not a wireguard link)", name);
			if ((e = warp_nl_send_link_delete(ctx, l)) < 0) {
				warp_nl_fail(ctx, kn, e, "remove link", NULL);
				goto out;
			}
			rtnl_link_put(l);
			l = NULL;
		}
	}
	if (l == NULL) {
		warp_kplan(ctx, "create wireguard %s mtu %d in %s", name,
		    kn->net.mtu, kn->net.if_vrf);
		if ((n = rtnl_link_alloc()) == NULL)
			warp_fatal("rtnl_link_alloc");
		if ((e = rtnl_link_set_type(n, "wireguard")) < 0) {
			warp_nl_fail(ctx, kn, e, "wireguard link",
			    WARP_FEATURE_WG);
			goto out;
		}
		rtnl_link_set_name(n, name);
		rtnl_link_set_ifalias(n, kn->alias);
		rtnl_link_set_mtu(n, kn->net.mtu);
		/*
		 * Enslaved while still down: the VRF cycles a running device
		 * it enslaves (down and up again).  It comes up with the
		 * alias, in the next message.
		 */
		if (kn->vrf_ifindex > 0)
			rtnl_link_set_master(n, kn->vrf_ifindex);
		if ((e = warp_nl_send_link_add(ctx, n,
		    NLM_F_CREATE | NLM_F_EXCL)) < 0) {
			warp_nl_fail(ctx, kn, e, "create wireguard link",
			    WARP_FEATURE_WG);
			goto out;
		}
		if ((e = warp_nl_mark(ctx, kn, name, 1, &kn->wg_ifindex)) < 0) {
			warp_nl_fail(ctx, kn, e, "mark wireguard link as warp's",
			    NULL);
			goto out;
		}
		ret = 0;
		goto out;
	}
	kn->wg_ifindex = rtnl_link_get_ifindex(l);
	chg = rtnl_link_alloc();
	what[0] = '\0';
	if (kn->vrf_ifindex > 0 &&
	    rtnl_link_get_master(l) != kn->vrf_ifindex) {
		rtnl_link_set_master(chg, kn->vrf_ifindex);
		warp_nl_cat(what, sizeof(what), " master");
		changes++;
	}
	if (rtnl_link_get_mtu(l) != (unsigned int)kn->net.mtu) {
		rtnl_link_set_mtu(chg, kn->net.mtu);
		warp_nl_cat(what, sizeof(what), " mtu");
		changes++;
	}
	if (!(rtnl_link_get_flags(l) & IFF_UP)) {
		rtnl_link_set_flags(chg, IFF_UP);
		warp_nl_cat(what, sizeof(what), " up");
		changes++;
	}
	if (changes > 0) {
		warp_kplan(ctx, "change wireguard %s:%s", name, what);
		if ((e = warp_nl_send_link_change(ctx, l, chg)) < 0) {
			warp_nl_fail(ctx, kn, e, "change wireguard link", NULL);
			goto out;
		}
	}
	ret = 0;
out:
	if (l != NULL)
		rtnl_link_put(l);
	if (n != NULL)
		rtnl_link_put(n);
	if (chg != NULL)
		rtnl_link_put(chg);
	return (ret);
}

int
warp_nl_links(struct warp_kctx *ctx, struct warp_knet *kn)
{
	if (warp_nl_vrf(ctx, kn) == -1)
		return (-1);
	if (warp_nl_wg(ctx, kn) == -1)
		return (-1);
	kn->links_ok = 1;
	return (0);
}

static int
warp_nl_addr_eq(struct nl_addr *a, int family, const void *bytes, int len)
{
	return (a != NULL && nl_addr_get_family(a) == family &&
	    (int)nl_addr_get_len(a) == len &&
	    memcmp(nl_addr_get_binary_addr(a), bytes, len) == 0);
}

int
warp_nl_addrs(struct warp_kctx *ctx, struct warp_knet *kn)
{
	struct nl_object	*o;
	struct rtnl_addr	*a, *n;
	struct nl_addr		*local;
	uint32_t		 gw = htonl(kn->net.gateway_ip);
	char			 ip[WARP_IP_STRLEN], buf[64];
	size_t			 pos = 0;
	int			 found = 0, e;

	warp_ip_format(kn->net.gateway_ip, ip, sizeof(ip));
	if (kn->wg_ifindex > 0) {
		for (o = warp_nl_addr_next(ctx, kn->wg_ifindex, &pos, NULL);
		    o != NULL; o = warp_nl_addr_next(ctx, kn->wg_ifindex, &pos,
		    o)) {
			a = (struct rtnl_addr *)o;
			if (rtnl_addr_get_ifindex(a) != kn->wg_ifindex ||
			    rtnl_addr_get_family(a) != AF_INET)
				continue;
			if (!found && warp_nl_addr_eq(rtnl_addr_get_local(a),
			    AF_INET, &gw, 4) &&
			    rtnl_addr_get_prefixlen(a) == kn->net.subnet.len) {
				found = 1;
				continue;
			}
			nl_addr2str(rtnl_addr_get_local(a), buf, sizeof(buf));
			warp_kplan(ctx, "remove address %s/%d from %s", buf,
			    rtnl_addr_get_prefixlen(a), kn->net.if_wg);
			if ((e = warp_nl_send_addr_delete(ctx, a)) < 0)
				return (warp_nl_fail(ctx, kn, e, "remove address",
				    NULL));
		}
	}
	if (found)
		return (0);
	warp_kplan(ctx, "create address %s/%d on %s", ip, kn->net.subnet.len,
	    kn->net.if_wg);
	if ((n = rtnl_addr_alloc()) == NULL ||
	    (local = nl_addr_build(AF_INET, &gw, 4)) == NULL)
		warp_fatal("rtnl_addr_alloc");
	nl_addr_set_prefixlen(local, kn->net.subnet.len);
	rtnl_addr_set_ifindex(n, kn->wg_ifindex);
	rtnl_addr_set_family(n, AF_INET);
	(void)rtnl_addr_set_local(n, local);
	rtnl_addr_set_prefixlen(n, kn->net.subnet.len);
	e = warp_nl_send_addr_add(ctx, n);
	nl_addr_put(local);
	rtnl_addr_put(n);
	if (e < 0)
		return (warp_nl_fail(ctx, kn, e, "add address", NULL));
	return (0);
}

/* Same table, destination, metric and type: the kernel's identity. */
static int
warp_nl_route_key(const struct warp_kroute *kr, struct rtnl_route *r)
{
	struct nl_addr	*dst;
	int		 bytes;

	if (rtnl_route_get_family(r) != kr->dst.family ||
	    rtnl_route_get_table(r) != kr->table ||
	    rtnl_route_get_priority(r) != kr->metric ||
	    rtnl_route_get_type(r) != kr->type)
		return (0);
	dst = rtnl_route_get_dst(r);
	if (dst == NULL)
		return (kr->dst.len == 0);
	if ((int)nl_addr_get_prefixlen(dst) != kr->dst.len)
		return (0);
	bytes = (kr->dst.len + 7) / 8;
	if (bytes == 0)
		return (1);
	if ((int)nl_addr_get_len(dst) < bytes)
		return (0);
	return (memcmp(nl_addr_get_binary_addr(dst), kr->dst.addr, bytes) == 0);
}

static int
warp_nl_route_oif(struct warp_kctx *ctx, struct warp_knet *kn,
    const struct warp_kroute *kr)
{
	if (kr->oif > 0)
		return (kr->oif);
	if (kr->oifname[0] == '\0')
		return (0);
	if (strcmp(kr->oifname, kn->net.if_wg) == 0)
		return (kn->wg_ifindex);
	return (warp_nl_ifindex(ctx, kr->oifname));
}

/* Same next hop (device, gateway, onlink). */
static int
warp_nl_route_val(struct warp_kctx *ctx, struct warp_knet *kn,
    const struct warp_kroute *kr, struct rtnl_route *r)
{
	struct rtnl_nexthop	*nh;
	struct nl_addr		*gw;
	int			 onlink;

	if (kr->type != RTN_UNICAST)
		return (1);
	if (rtnl_route_get_nnexthops(r) != 1)
		return (0);
	nh = rtnl_route_nexthop_n(r, 0);
	if (rtnl_route_nh_get_ifindex(nh) != warp_nl_route_oif(ctx, kn, kr))
		return (0);
	gw = rtnl_route_nh_get_gateway(nh);
	if (kr->gateway == 0)
		return (gw == NULL);
	if (!warp_nl_addr_eq(gw, AF_INET, &kr->gateway, 4))
		return (0);
	onlink = (rtnl_route_nh_get_flags(nh) & RTNH_F_ONLINK) != 0;
	return (onlink == (kr->onlink != 0));
}

static void
warp_nl_route_describe(const struct warp_kroute *kr, char *buf, size_t len)
{
	char	dst[64], gw[WARP_IP_STRLEN];

	warp_kprefix_format(&kr->dst, dst, sizeof(dst));
	if (kr->type == RTN_UNREACHABLE) {
		(void)snprintf(buf, len, "%sroute unreachable %s table %u "
		    "metric %u", kr->dst.family == AF_INET6 ? "ipv6 " : "",
		    dst, kr->table, kr->metric);
		return;
	}
	if (kr->gateway != 0) {
		warp_ip_format(ntohl(kr->gateway), gw, sizeof(gw));
		(void)snprintf(buf, len, "route %s via %s dev %s%s table %u",
		    dst, gw, kr->oifname, kr->onlink ? " onlink" : "",
		    kr->table);
	} else
		(void)snprintf(buf, len, "route %s dev %s table %u", dst,
		    kr->oifname, kr->table);
}

static struct rtnl_route *
warp_nl_route_build(struct warp_kctx *ctx, struct warp_knet *kn,
    const struct warp_kroute *kr)
{
	struct rtnl_route	*r;
	struct rtnl_nexthop	*nh;
	struct nl_addr		*dst, *gw;

	if ((r = rtnl_route_alloc()) == NULL)
		warp_fatal("rtnl_route_alloc");
	(void)rtnl_route_set_family(r, kr->dst.family);
	rtnl_route_set_table(r, kr->table);
	(void)rtnl_route_set_type(r, kr->type);
	rtnl_route_set_protocol(r, WARP_RTPROT);
	rtnl_route_set_priority(r, kr->metric);
	dst = nl_addr_build(kr->dst.family, kr->dst.addr,
	    kr->dst.family == AF_INET ? 4 : 16);
	if (dst == NULL)
		warp_fatal("nl_addr_build");
	nl_addr_set_prefixlen(dst, kr->dst.len);
	(void)rtnl_route_set_dst(r, dst);
	nl_addr_put(dst);
	if (kr->type != RTN_UNICAST) {
		rtnl_route_set_scope(r, RT_SCOPE_UNIVERSE);
		return (r);
	}
	if ((nh = rtnl_route_nh_alloc()) == NULL)
		warp_fatal("rtnl_route_nh_alloc");
	rtnl_route_nh_set_ifindex(nh, warp_nl_route_oif(ctx, kn, kr));
	if (kr->gateway != 0) {
		if ((gw = nl_addr_build(AF_INET, &kr->gateway, 4)) == NULL)
			warp_fatal("nl_addr_build");
		rtnl_route_nh_set_gateway(nh, gw);
		nl_addr_put(gw);
		if (kr->onlink)
			rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
		rtnl_route_set_scope(r, RT_SCOPE_UNIVERSE);
	} else
		rtnl_route_set_scope(r, RT_SCOPE_LINK);
	rtnl_route_add_nexthop(r, nh);
	return (r);
}

int
warp_nl_routes(struct warp_kctx *ctx, struct warp_knet *kn)
{
	struct nl_cache		*cache;
	struct nl_object	*o;
	struct rtnl_route	*r, *found, *n;
	const struct warp_kroute *kr;
	char			 desc[160];
	size_t			 i, pos = 0;
	int			 e, flags, rc = 0;

	for (i = 0; i < kn->nroutes; i++) {
		kr = &kn->routes[i];
		cache = kr->dst.family == AF_INET ? ctx->routes4 : ctx->routes6;
		if (cache == NULL && kr->dst.family == AF_INET6)
			continue;	/* no IPv6 in this kernel */
		found = NULL;
		for (o = warp_nl_route_next(ctx, kr->dst.family, kr->table,
		    &pos, NULL); o != NULL; o = warp_nl_route_next(ctx,
		    kr->dst.family, kr->table, &pos, o)) {
			r = (struct rtnl_route *)o;
			if (warp_nl_route_key(kr, r)) {
				found = r;
				break;
			}
		}
		if (found != NULL &&
		    rtnl_route_get_protocol(found) == WARP_RTPROT &&
		    warp_nl_route_val(ctx, kn, kr, found))
			continue;
		if (found != NULL &&
		    rtnl_route_get_protocol(found) != WARP_RTPROT) {
			warp_nl_route_describe(kr, desc, sizeof(desc));
			warp_knet_fail(ctx, kn, "%s: a route not made by warp "
			    "is in the way", desc);
			rc = -1;
			continue;
		}
		warp_nl_route_describe(kr, desc, sizeof(desc));
		warp_kplan(ctx, "%s %s", found != NULL ? "change" : "create",
		    desc);
		n = warp_nl_route_build(ctx, kn, kr);
		flags = NLM_F_CREATE | (found != NULL ? NLM_F_REPLACE :
		    NLM_F_EXCL);
		e = warp_nl_send_route_add(ctx, n, flags);
		rtnl_route_put(n);
		if (e < 0) {
			warp_nl_fail(ctx, kn, e, desc, NULL);
			rc = -1;
		}
	}
	return (rc);
}

static int
warp_nl_rule_ours(struct rtnl_rule *r)
{
	uint8_t	proto = 0;

	return (rtnl_rule_get_protocol(r, &proto) == 0 &&
	    proto == WARP_RTPROT);
}

static int
warp_nl_rule_match(struct rtnl_rule *r, const struct warp_knet *kn)
{
	struct nl_addr	*dst;
	uint32_t	 net = htonl(kn->net.subnet.addr);

	if (rtnl_rule_get_family(r) != AF_INET ||
	    rtnl_rule_get_prio(r) != WARP_RULE_PREF ||
	    rtnl_rule_get_table(r) != (uint32_t)kn->net.table_id ||
	    rtnl_rule_get_action(r) != FR_ACT_TO_TBL)
		return (0);
	dst = rtnl_rule_get_dst(r);
	return (dst != NULL &&
	    (int)nl_addr_get_prefixlen(dst) == kn->net.subnet.len &&
	    warp_nl_addr_eq(dst, AF_INET, &net, 4));
}

/* Return traffic for the overlay (NAT replies, LAN replies) into the VRF. */
int
warp_nl_rules(struct warp_kctx *ctx, struct warp_knet *kn)
{
	struct nl_object	*o;
	struct rtnl_rule	*r, *n;
	struct nl_addr		*dst;
	uint32_t		 net = htonl(kn->net.subnet.addr);
	char			 cidr[WARP_CIDR_STRLEN];
	size_t			 pos = 0;
	int			 e;

	for (o = warp_nl_rule_next(ctx, (uint32_t)kn->net.table_id, &pos,
	    NULL); o != NULL; o = warp_nl_rule_next(ctx,
	    (uint32_t)kn->net.table_id, &pos, o)) {
		r = (struct rtnl_rule *)o;
		if (warp_nl_rule_ours(r) && warp_nl_rule_match(r, kn))
			return (0);
	}
	warp_cidr_format(&kn->net.subnet, cidr, sizeof(cidr));
	warp_kplan(ctx, "create rule pref %d to %s lookup %d", WARP_RULE_PREF,
	    cidr, kn->net.table_id);
	if ((n = rtnl_rule_alloc()) == NULL ||
	    (dst = nl_addr_build(AF_INET, &net, 4)) == NULL)
		warp_fatal("rtnl_rule_alloc");
	nl_addr_set_prefixlen(dst, kn->net.subnet.len);
	rtnl_rule_set_family(n, AF_INET);
	rtnl_rule_set_prio(n, WARP_RULE_PREF);
	(void)rtnl_rule_set_dst(n, dst);
	rtnl_rule_set_table(n, kn->net.table_id);
	rtnl_rule_set_action(n, FR_ACT_TO_TBL);
	(void)rtnl_rule_set_protocol(n, WARP_RTPROT);
	e = warp_nl_send_rule_add(ctx, n, NLM_F_CREATE | NLM_F_EXCL);
	nl_addr_put(dst);
	rtnl_rule_put(n);
	if (e < 0)
		return (warp_nl_fail(ctx, kn, e, "add rule", NULL));
	return (0);
}

static int
warp_nl_kroute_cmp(const void *a, const void *b)
{
	const struct warp_kroute *const	*x = a, *const *y = b;

	return (((*x)->table > (*y)->table) - ((*x)->table < (*y)->table));
}

static int
warp_nl_table_cmp(const void *a, const void *b)
{
	const struct warp_knet *const	*x = a, *const *y = b;
	uint32_t			 tx = (uint32_t)(*x)->net.table_id;
	uint32_t			 ty = (uint32_t)(*y)->net.table_id;

	return ((tx > ty) - (tx < ty));
}

static int
warp_nl_alias_cmp(const void *a, const void *b)
{
	const struct warp_knet *const	*x = a, *const *y = b;

	return (strcmp((*x)->alias, (*y)->alias));
}

/*
 * The wanted routes sorted by table, and the networks by link alias: each
 * route and link of the dumps is then judged against its own table's
 * routes and its own alias's network, not against every network's
 * (routes x networks at 1,000 networks).
 */
struct warp_nl_wanted {
	const struct warp_kroute	**routes;
	size_t				  nroutes;
	const struct warp_knet		**nets;		/* by alias */
	const struct warp_knet		**bytable;	/* by table */
};

static void
warp_nl_wanted_build(struct warp_kctx *ctx, struct warp_nl_wanted *w)
{
	size_t	i, j, n = 0;

	for (i = 0; i < ctx->nnets; i++)
		n += ctx->nets[i].nroutes;
	w->routes = warp_xcalloc(n + 1, sizeof(*w->routes));
	w->nets = warp_xcalloc(ctx->nnets + 1, sizeof(*w->nets));
	w->bytable = warp_xcalloc(ctx->nnets + 1, sizeof(*w->bytable));
	w->nroutes = 0;
	for (i = 0; i < ctx->nnets; i++) {
		w->nets[i] = w->bytable[i] = &ctx->nets[i];
		for (j = 0; j < ctx->nets[i].nroutes; j++)
			w->routes[w->nroutes++] = &ctx->nets[i].routes[j];
	}
	qsort(w->routes, w->nroutes, sizeof(*w->routes), warp_nl_kroute_cmp);
	qsort(w->nets, ctx->nnets, sizeof(*w->nets), warp_nl_alias_cmp);
	qsort(w->bytable, ctx->nnets, sizeof(*w->bytable), warp_nl_table_cmp);
}

/* The first of the networks sorted by table with this table (or nnets). */
static size_t
warp_nl_table_first(const struct warp_kctx *ctx,
    const struct warp_nl_wanted *w, uint32_t table)
{
	size_t	lo = 0, hi = ctx->nnets, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((uint32_t)w->bytable[mid]->net.table_id < table)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

static int
warp_nl_route_wanted(const struct warp_nl_wanted *w, struct rtnl_route *r)
{
	uint32_t	table = rtnl_route_get_table(r);
	size_t		lo = 0, hi = w->nroutes, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (w->routes[mid]->table < table)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < w->nroutes && w->routes[lo]->table == table; lo++)
		if (warp_nl_route_key(w->routes[lo], r))
			return (1);
	return (0);
}

/* The network whose links carry alias, or NULL. */
static const struct warp_knet *
warp_nl_alias_net(const struct warp_kctx *ctx, const struct warp_nl_wanted *w,
    const char *alias)
{
	size_t	lo = 0, hi = ctx->nnets, mid;
	int	c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(w->nets[mid]->alias, alias)) == 0)
			return (w->nets[mid]);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (NULL);
}

/*
 * Remove what is ours and no longer wanted: routes and rules first, then
 * links (WireGuard before VRF).  Failures here are reported but do not
 * stop the apply.
 *
 * Ours means marked: a link is removed only if it carries a "warp:"
 * alias (routes and rules: our protocol number).  A link with a derived
 * name but no alias is never removed here, even when no network has that
 * name any more (an apply killed between creating a link and marking
 * it, whose network was then deleted before the next apply): nothing in
 * the kernel tells such a link from one the admin made by hand with the
 * same name and kind (`ip link add wg12345678 type wireguard` is also
 * down and has no alias), and the appliance never deletes an admin's
 * link.  Adoption (warp_nl_link_claim) takes such a link only for the
 * network whose derived name it has, which is what that network would
 * have created anyway.  The leftover is inert (down, no address, no
 * peer, nothing routes to it) and `ip link del` removes it.
 */
void
warp_nl_remove_stale(struct warp_kctx *ctx)
{
	struct nl_cache		*caches[2];
	struct nl_object	*o;
	struct rtnl_route	*r;
	struct rtnl_rule	*ru;
	struct rtnl_link	*l;
	struct warp_kroute	 kr;
	struct warp_nl_wanted	 w;
	const struct warp_knet	*kn;
	struct nl_addr		*dst;
	const char		*alias, *name;
	char			 desc[160], *kind;
	size_t			 c, k;
	int			 wanted, e, pass;

	warp_nl_wanted_build(ctx, &w);
	caches[0] = ctx->routes4;
	caches[1] = ctx->routes6;
	for (c = 0; c < 2; c++) {
		if (caches[c] == NULL)
			continue;
		for (o = nl_cache_get_first(caches[c]); o != NULL;
		    o = nl_cache_get_next(o)) {
			r = (struct rtnl_route *)o;
			if (rtnl_route_get_protocol(r) != WARP_RTPROT ||
			    warp_nl_route_wanted(&w, r))
				continue;
			memset(&kr, 0, sizeof(kr));
			kr.dst.family = rtnl_route_get_family(r);
			if ((dst = rtnl_route_get_dst(r)) != NULL) {
				kr.dst.len = nl_addr_get_prefixlen(dst);
				if (nl_addr_get_len(dst) <= sizeof(kr.dst.addr))
					memcpy(kr.dst.addr,
					    nl_addr_get_binary_addr(dst),
					    nl_addr_get_len(dst));
			}
			warp_kprefix_format(&kr.dst, desc, sizeof(desc));
			warp_kplan(ctx, "remove route %s table %u metric %u",
			    desc, rtnl_route_get_table(r),
			    rtnl_route_get_priority(r));
			if ((e = warp_nl_send_route_delete(ctx, r)) < 0 &&
			    e != -NLE_OBJ_NOTFOUND)
				warp_kplan(ctx, "  failed: %s", nl_geterror(e));
		}
	}

	for (o = nl_cache_get_first(ctx->rules); o != NULL;
	    o = nl_cache_get_next(o)) {
		ru = (struct rtnl_rule *)o;
		if (!warp_nl_rule_ours(ru))
			continue;
		/* Only a network of the rule's table can want it. */
		wanted = 0;
		for (k = warp_nl_table_first(ctx, &w, rtnl_rule_get_table(ru));
		    k < ctx->nnets && !wanted && (uint32_t)w.bytable[k]->
		    net.table_id == rtnl_rule_get_table(ru); k++)
			wanted = warp_nl_rule_match(ru, w.bytable[k]);
		if (wanted)
			continue;
		warp_kplan(ctx, "remove rule pref %u lookup %u",
		    rtnl_rule_get_prio(ru), rtnl_rule_get_table(ru));
		if ((e = warp_nl_send_rule_delete(ctx, ru)) < 0 &&
		    e != -NLE_OBJ_NOTFOUND)
			warp_kplan(ctx, "  failed: %s", nl_geterror(e));
	}

	/* Pass 0: everything but VRFs (their slaves); pass 1: the VRFs. */
	for (pass = 0; pass < 2; pass++) {
		for (o = nl_cache_get_first(ctx->links); o != NULL;
		    o = nl_cache_get_next(o)) {
			l = (struct rtnl_link *)o;
			alias = rtnl_link_get_ifalias(l);
			if (alias == NULL || strncmp(alias, WARP_LINK_ALIAS,
			    strlen(WARP_LINK_ALIAS)) != 0)
				continue;
			kind = rtnl_link_get_type(l);
			if ((kind != NULL && strcmp(kind, "vrf") == 0) !=
			    (pass == 1))
				continue;
			name = rtnl_link_get_name(l);
			if ((kn = warp_nl_alias_net(ctx, &w, alias)) != NULL &&
			    (strcmp(name, kn->net.if_wg) == 0 ||
			    strcmp(name, kn->net.if_vrf) == 0 ||
			    warp_knet_link_wanted(kn, name)))
				continue;
			warp_kplan(ctx, "remove %s %s", kind != NULL ? kind :
			    "link", name);
			if ((e = warp_nl_send_link_delete(ctx, l)) < 0 &&
			    e != -NLE_OBJ_NOTFOUND && e != -NLE_NODEV)
				warp_kplan(ctx, "  failed: %s", nl_geterror(e));
		}
	}
	free(w.routes);
	free(w.nets);
	free(w.bytable);
}

/* A namespace the appliance just created has its loopback down. */
int
warp_nl_lo_up(struct warp_kctx *ctx)
{
	struct rtnl_link	*l, *chg;
	int			 e = 0;

	if ((l = warp_nl_link_get(ctx, "lo")) == NULL)
		return (0);
	if (!(rtnl_link_get_flags(l) & IFF_UP)) {
		warp_kplan(ctx, "change lo: up");
		chg = rtnl_link_alloc();
		rtnl_link_set_flags(chg, IFF_UP);
		e = warp_nl_send_link_change(ctx, l, chg);
		rtnl_link_put(chg);
	}
	rtnl_link_put(l);
	return (e < 0 ? -1 : 0);
}
