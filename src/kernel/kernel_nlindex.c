/*
 * The rtnetlink dumps of a full apply (warp_nl_open), sorted by what one
 * network looks its objects up by: routes and rules by table, addresses
 * and links by device index, links by name.  libnl's own lookups
 * (rtnl_link_get_by_name, rtnl_link_name2i, a walk of the route cache)
 * read the whole dump each time, and the apply did that once per network
 * and object: quadratic in the networks.  At 1,000 networks, each of
 * about 4,000 routes was compared with every network's routes, and every
 * device name with every link's.
 *
 * Built once after the dumps.  The full apply adds nothing to those
 * caches afterwards (what it creates it learns from the kernel's
 * answers), so the index is the caches' for the whole run.  The
 * incremental apply (kernel_changes.c) reads links one by one into a
 * small cache of its own and has no index: every lookup here falls back
 * to libnl's when ctx->nlindex is NULL.
 */
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warp.h"
#include "warp_kernel.h"
#include "warp_kernel_int.h"

struct warp_nl_ent {
	uint32_t		 key;
	uint32_t		 seq;	/* the dump's order, among equal keys */
	struct nl_object	*o;
};

struct warp_nl_sorted {
	struct warp_nl_ent	*v;
	size_t			 n;
};

struct warp_nl_index {
	struct warp_nl_sorted	 routes[2];	/* IPv4, IPv6: by table */
	struct warp_nl_sorted	 rules;		/* by table */
	struct warp_nl_sorted	 addrs;		/* by device index */
	struct warp_nl_sorted	 links;		/* by device index */
	struct rtnl_link	**byname;	/* sorted by name */
	size_t			 nbyname;
};

static int
warp_nl_ent_cmp(const void *a, const void *b)
{
	const struct warp_nl_ent	*x = a, *y = b;

	if (x->key != y->key)
		return (x->key < y->key ? -1 : 1);
	return (x->seq < y->seq ? -1 : x->seq > y->seq);
}

static uint32_t
warp_nl_key_route(struct nl_object *o)
{
	return (rtnl_route_get_table((struct rtnl_route *)o));
}

static uint32_t
warp_nl_key_rule(struct nl_object *o)
{
	return (rtnl_rule_get_table((struct rtnl_rule *)o));
}

static uint32_t
warp_nl_key_addr(struct nl_object *o)
{
	return ((uint32_t)rtnl_addr_get_ifindex((struct rtnl_addr *)o));
}

static uint32_t
warp_nl_key_link(struct nl_object *o)
{
	return ((uint32_t)rtnl_link_get_ifindex((struct rtnl_link *)o));
}

static void
warp_nl_sort(struct warp_nl_sorted *s, struct nl_cache *c,
    uint32_t (*key)(struct nl_object *))
{
	struct nl_object	*o;
	size_t			 cap, n = 0;

	s->v = NULL;
	s->n = 0;
	if (c == NULL)
		return;
	cap = (size_t)nl_cache_nitems(c);
	s->v = warp_xcalloc(cap + 1, sizeof(*s->v));
	for (o = nl_cache_get_first(c); o != NULL && n < cap;
	    o = nl_cache_get_next(o)) {
		s->v[n].key = key(o);
		s->v[n].seq = (uint32_t)n;
		s->v[n].o = o;
		n++;
	}
	qsort(s->v, n, sizeof(*s->v), warp_nl_ent_cmp);
	s->n = n;
}

static int
warp_nl_name_cmp(const void *a, const void *b)
{
	struct rtnl_link *const	*x = a, *const *y = b;

	return (strcmp(rtnl_link_get_name(*x), rtnl_link_get_name(*y)));
}

void
warp_nl_index_build(struct warp_kctx *ctx)
{
	struct warp_nl_index	*ix;
	struct nl_object	*o;
	size_t			 cap;

	warp_nl_index_free(ctx);
	ix = warp_xcalloc(1, sizeof(*ix));
	warp_nl_sort(&ix->routes[0], ctx->routes4, warp_nl_key_route);
	warp_nl_sort(&ix->routes[1], ctx->routes6, warp_nl_key_route);
	warp_nl_sort(&ix->rules, ctx->rules, warp_nl_key_rule);
	warp_nl_sort(&ix->addrs, ctx->addrs, warp_nl_key_addr);
	warp_nl_sort(&ix->links, ctx->links, warp_nl_key_link);
	cap = ctx->links != NULL ? (size_t)nl_cache_nitems(ctx->links) : 0;
	ix->byname = warp_xcalloc(cap + 1, sizeof(*ix->byname));
	if (ctx->links != NULL)
		for (o = nl_cache_get_first(ctx->links); o != NULL &&
		    ix->nbyname < cap; o = nl_cache_get_next(o))
			if (rtnl_link_get_name((struct rtnl_link *)o) != NULL)
				ix->byname[ix->nbyname++] =
				    (struct rtnl_link *)o;
	qsort(ix->byname, ix->nbyname, sizeof(*ix->byname), warp_nl_name_cmp);
	ctx->nlindex = ix;
}

void
warp_nl_index_free(struct warp_kctx *ctx)
{
	struct warp_nl_index	*ix = ctx->nlindex;

	if (ix == NULL)
		return;
	free(ix->routes[0].v);
	free(ix->routes[1].v);
	free(ix->rules.v);
	free(ix->addrs.v);
	free(ix->links.v);
	free(ix->byname);
	free(ix);
	ctx->nlindex = NULL;
}

/* The first entry of key in s (s->n if there is none). */
static size_t
warp_nl_first(const struct warp_nl_sorted *s, uint32_t key)
{
	size_t	lo = 0, hi = s->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->v[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

/*
 * Walk the objects of one key in dump order: *pos 0 to start; NULL at
 * the end.  Without an index (or for a cache the index does not hold),
 * the whole cache is walked and the caller's own test sorts it out.
 */
static struct nl_object *
warp_nl_walk(struct warp_nl_sorted *s, struct nl_cache *c, uint32_t key,
    size_t *pos, struct nl_object *prev)
{
	if (s == NULL)
		return (prev == NULL ? nl_cache_get_first(c) :
		    nl_cache_get_next(prev));
	if (prev == NULL)
		*pos = warp_nl_first(s, key);
	else
		(*pos)++;
	if (*pos >= s->n || s->v[*pos].key != key)
		return (NULL);
	return (s->v[*pos].o);
}

struct nl_object *
warp_nl_route_next(struct warp_kctx *ctx, int family, uint32_t table,
    size_t *pos, struct nl_object *prev)
{
	struct nl_cache	*c = family == AF_INET6 ? ctx->routes6 : ctx->routes4;

	if (c == NULL)
		return (NULL);
	return (warp_nl_walk(ctx->nlindex == NULL ? NULL :
	    &ctx->nlindex->routes[family == AF_INET6], c, table, pos, prev));
}

struct nl_object *
warp_nl_rule_next(struct warp_kctx *ctx, uint32_t table, size_t *pos,
    struct nl_object *prev)
{
	if (ctx->rules == NULL)
		return (NULL);
	return (warp_nl_walk(ctx->nlindex == NULL ? NULL :
	    &ctx->nlindex->rules, ctx->rules, table, pos, prev));
}

struct nl_object *
warp_nl_addr_next(struct warp_kctx *ctx, int ifindex, size_t *pos,
    struct nl_object *prev)
{
	if (ctx->addrs == NULL)
		return (NULL);
	return (warp_nl_walk(ctx->nlindex == NULL ? NULL :
	    &ctx->nlindex->addrs, ctx->addrs, (uint32_t)ifindex, pos, prev));
}

/* A link by name, with a reference (rtnl_link_put): as libnl's. */
struct rtnl_link *
warp_nl_link_get(struct warp_kctx *ctx, const char *name)
{
	struct warp_nl_index	*ix = ctx->nlindex;
	size_t			 lo, hi, mid;
	int			 c;

	if (ctx->links == NULL)
		return (NULL);
	if (ix == NULL)
		return (rtnl_link_get_by_name(ctx->links, name));
	lo = 0;
	hi = ix->nbyname;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(rtnl_link_get_name(ix->byname[mid]),
		    name)) == 0) {
			nl_object_get((struct nl_object *)ix->byname[mid]);
			return (ix->byname[mid]);
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (NULL);
}

int
warp_nl_ifindex(struct warp_kctx *ctx, const char *name)
{
	struct rtnl_link	*l;
	int			 ifindex;

	if ((l = warp_nl_link_get(ctx, name)) == NULL)
		return (0);
	ifindex = rtnl_link_get_ifindex(l);
	rtnl_link_put(l);
	return (ifindex);
}

int
warp_nl_ifname(struct warp_kctx *ctx, int ifindex, char *buf, size_t len)
{
	struct warp_nl_index	*ix = ctx->nlindex;
	size_t			 pos;
	const char		*name;

	if (ctx->links == NULL)
		return (-1);
	if (ix == NULL)
		return (rtnl_link_i2name(ctx->links, ifindex, buf, len) ==
		    NULL ? -1 : 0);
	pos = warp_nl_first(&ix->links, (uint32_t)ifindex);
	if (pos >= ix->links.n || ix->links.v[pos].key != (uint32_t)ifindex ||
	    (name = rtnl_link_get_name((struct rtnl_link *)
	    ix->links.v[pos].o)) == NULL)
		return (-1);
	(void)snprintf(buf, len, "%s", name);
	return (0);
}
