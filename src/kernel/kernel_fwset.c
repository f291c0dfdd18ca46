/*
 * The named sets of table inet warp (libnftnl): what makes isolation cost
 * a bounded number of rules per network.  Instead of every network's
 * chains naming every other network's prefixes, the table holds
 *
 *   set owned      interval, ipv4_addr: every prefix the appliance owns
 *                  (subnets, resource subnets, LANs), merged;
 *   set si_nat     interval, ipv4_addr: Secure Internet subnets, masqueraded
 *                  on the uplink;
 *   map nets_from  ifname : verdict, a network's VRF and WireGuard device
 *                  to "jump <wg>_from" (the forward chain's dispatch);
 *   map nets_to    ifname : verdict, the same to "jump <wg>_to";
 *   set nets_in    ifname: the devices of every network (input: drop);
 *   set gw_in      ifname . ipv4_addr: each device with its network's own
 *                  gateway address (input: accept);
 *   set <wg>_res   interval, ipv4_addr, one per resource-gateway network:
 *                  the resource subnets it may reach (its chain has one
 *                  rule naming it, however many resources it has).
 *
 * Adding a network or a LAN adds elements here (and the network's own
 * chains), never rewrites another network's chain.  Elements are compared
 * with the kernel's one by one; only those that differ are added or
 * deleted.  Interval sets are written the way nft writes them: a start
 * element per range, an end element (NFT_SET_ELEM_INTERVAL_END) at its
 * first address past the range, and a leading end element at 0.0.0.0
 * when the first range starts later; overlapping and adjacent prefixes
 * are merged first (an interval set refuses overlaps).
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warp.h"
#include "warp_kernel.h"
#include "warp_kernel_int.h"

/* nft's datatype ids (nft's datatype.h), so that nft lists the sets. */
#define WARP_NFT_TYPE_IPADDR	7
#define WARP_NFT_TYPE_IFNAME	41
#define WARP_NFT_TYPE_BITS	6
/* nft's byte orders, kept in a set's user data (how nft prints keys). */
#define WARP_NFT_HOST_ENDIAN	1
#define WARP_NFT_BIG_ENDIAN	2

/* Elements in one message: at most ~90 bytes each, well inside a page. */
#define WARP_FW_ELEMS_PER_MSG	32

static const struct {
	const char	*name;
	uint32_t	 flags;
	uint32_t	 key_type;
	uint32_t	 key_len;
	uint32_t	 data_type;
	uint32_t	 data_len;
	uint32_t	 key_order;	/* for nft's listing only */
} warp_fw_setdefs[] = {
	{ "owned", NFT_SET_INTERVAL, WARP_NFT_TYPE_IPADDR, 4, 0, 0,
	    WARP_NFT_BIG_ENDIAN },
	{ "si_nat", NFT_SET_INTERVAL, WARP_NFT_TYPE_IPADDR, 4, 0, 0,
	    WARP_NFT_BIG_ENDIAN },
	{ "nets_from", NFT_SET_MAP, WARP_NFT_TYPE_IFNAME, WARP_IFNAMSIZ,
	    NFT_DATA_VERDICT, 16, WARP_NFT_HOST_ENDIAN },
	{ "nets_to", NFT_SET_MAP, WARP_NFT_TYPE_IFNAME, WARP_IFNAMSIZ,
	    NFT_DATA_VERDICT, 16, WARP_NFT_HOST_ENDIAN },
	{ "nets_in", 0, WARP_NFT_TYPE_IFNAME, WARP_IFNAMSIZ, 0, 0,
	    WARP_NFT_HOST_ENDIAN },
	{ "gw_in", 0, WARP_NFT_TYPE_IFNAME << WARP_NFT_TYPE_BITS |
	    WARP_NFT_TYPE_IPADDR, WARP_IFNAMSIZ + 4, 0, 0, 0 },
};

static struct warp_fw_set *warp_fw_set_get(struct warp_fw_build *,
		    const char *, int);
static void	warp_fw_elem_push(struct warp_fw_elem **, size_t *,
		    const struct warp_fw_elem *);
static int	warp_fw_elem_cmp(const void *, const void *);
static int	warp_fw_range_cmp(const void *, const void *);
static void	warp_fw_set_diff_elems(struct warp_fw_set *);
static int	warp_fw_set_cb(const struct nlmsghdr *, void *);
static int	warp_fw_elem_cb(const struct nlmsghdr *, void *);
static int	warp_fw_elem_read(struct nftnl_set_elem *, void *);
static struct nftnl_set *warp_fw_nftnl_set(const struct warp_fw_set *);
static void	warp_fw_fill_elems(struct warp_kctx *, struct warp_fw_batch *,
		    struct warp_fw_set *, int);

static struct warp_fw_set *
warp_fw_set_get(struct warp_fw_build *fw, const char *name, int create)
{
	struct warp_fw_set	*s;
	size_t			 i;

	for (i = 0; i < fw->nsets; i++)
		if (strcmp(fw->sets[i].name, name) == 0)
			return (&fw->sets[i]);
	if (!create)
		return (NULL);
	fw->sets = reallocarray(fw->sets, fw->nsets + 1, sizeof(*fw->sets));
	if (fw->sets == NULL)
		warp_fatal("reallocarray");
	s = &fw->sets[fw->nsets++];
	memset(s, 0, sizeof(*s));
	(void)snprintf(s->name, sizeof(s->name), "%s", name);
	return (s);
}

/* Every set the table has, empty (called before the networks add theirs). */
void
warp_fw_sets_init(struct warp_fw_build *fw)
{
	struct warp_fw_set	*s;
	size_t			 i;

	for (i = 0; i < sizeof(warp_fw_setdefs) / sizeof(warp_fw_setdefs[0]);
	    i++) {
		s = warp_fw_set_get(fw, warp_fw_setdefs[i].name, 1);
		s->flags = warp_fw_setdefs[i].flags;
		s->key_type = warp_fw_setdefs[i].key_type;
		s->key_len = warp_fw_setdefs[i].key_len;
		s->data_type = warp_fw_setdefs[i].data_type;
		s->data_len = warp_fw_setdefs[i].data_len;
		s->key_order = warp_fw_setdefs[i].key_order;
		s->net = -1;
	}
}

/* A set of prefixes of the current network's own (made by its chains). */
void
warp_fw_set_net_prefixes(struct warp_kctx *ctx, const char *name)
{
	struct warp_fw_set	*s;

	if (warp_fw_set_get(ctx->fw, name, 0) != NULL)
		warp_fatal("warp_fw_set_net_prefixes: %s twice", name);
	s = warp_fw_set_get(ctx->fw, name, 1);
	s->flags = NFT_SET_INTERVAL;
	s->key_type = WARP_NFT_TYPE_IPADDR;
	s->key_len = 4;
	s->key_order = WARP_NFT_BIG_ENDIAN;
	s->net = ctx->fw->cur_net;
}

/* Does the table have this set (a rule may name it)? */
int
warp_fw_set_flags(struct warp_fw_build *fw, const char *name, uint32_t *flags)
{
	struct warp_fw_set	*s;

	if ((s = warp_fw_set_get(fw, name, 0)) == NULL || s->stale)
		return (-1);
	*flags = s->flags;
	return (0);
}

static void
warp_fw_elem_push(struct warp_fw_elem **v, size_t *n,
    const struct warp_fw_elem *e)
{
	/* Doubling: sets of 1,000 networks hold thousands of elements. */
	if (*n == 0 || (*n >= 4 && (*n & (*n - 1)) == 0)) {
		*v = reallocarray(*v, *n == 0 ? 4 : *n * 2, sizeof(**v));
		if (*v == NULL)
			warp_fatal("reallocarray");
	}
	(*v)[(*n)++] = *e;
}

void
warp_fw_set_prefix(struct warp_kctx *ctx, const char *name,
    const struct warp_cidr *c)
{
	struct warp_fw_set	*s;
	uint64_t		 lo;

	if ((s = warp_fw_set_get(ctx->fw, name, 0)) == NULL ||
	    !(s->flags & NFT_SET_INTERVAL))
		warp_fatal("warp_fw_set_prefix: %s is no interval set", name);
	s->ranges = reallocarray(s->ranges, s->nranges + 1,
	    sizeof(*s->ranges));
	if (s->ranges == NULL)
		warp_fatal("reallocarray");
	lo = c->addr & warp_cidr_mask(c->len);
	s->ranges[s->nranges].lo = lo;
	s->ranges[s->nranges].hi = lo + (1ULL << (32 - c->len));
	s->nranges++;
}

/* An interface (maps: and the chain it jumps to). */
void
warp_fw_set_ifname(struct warp_kctx *ctx, const char *name,
    const char *ifname, const char *chain)
{
	struct warp_fw_set	*s;
	struct warp_fw_elem	 e;

	if ((s = warp_fw_set_get(ctx->fw, name, 0)) == NULL ||
	    s->key_len != WARP_IFNAMSIZ || ((s->flags & NFT_SET_MAP) != 0) !=
	    (chain != NULL))
		warp_fatal("warp_fw_set_ifname: %s", name);
	memset(&e, 0, sizeof(e));
	(void)strncpy((char *)e.key, ifname, WARP_IFNAMSIZ - 1);
	if (chain != NULL) {
		e.verdict = NFT_JUMP;
		(void)snprintf(e.chain, sizeof(e.chain), "%s", chain);
	}
	e.net = ctx->fw->cur_net;
	warp_fw_elem_push(&s->want, &s->nwant, &e);
}

/* An interface and an IPv4 address (network order). */
void
warp_fw_set_ifaddr(struct warp_kctx *ctx, const char *name,
    const char *ifname, uint32_t addr)
{
	struct warp_fw_set	*s;
	struct warp_fw_elem	 e;

	if ((s = warp_fw_set_get(ctx->fw, name, 0)) == NULL ||
	    s->key_len != WARP_IFNAMSIZ + 4)
		warp_fatal("warp_fw_set_ifaddr: %s", name);
	memset(&e, 0, sizeof(e));
	(void)strncpy((char *)e.key, ifname, WARP_IFNAMSIZ - 1);
	memcpy(e.key + WARP_IFNAMSIZ, &addr, 4);
	e.net = ctx->fw->cur_net;
	warp_fw_elem_push(&s->want, &s->nwant, &e);
}

static int
warp_fw_range_cmp(const void *a, const void *b)
{
	const struct warp_fw_range	*x = a, *y = b;

	if (x->lo != y->lo)
		return (x->lo < y->lo ? -1 : 1);
	return (x->hi < y->hi ? -1 : x->hi > y->hi);
}

static void
warp_fw_range_elem(struct warp_fw_set *s, uint64_t key, uint32_t flags)
{
	struct warp_fw_elem	e;
	uint32_t		k = htonl((uint32_t)key);

	memset(&e, 0, sizeof(e));
	memcpy(e.key, &k, 4);
	e.flags = flags;
	e.net = s->net;
	warp_fw_elem_push(&s->want, &s->nwant, &e);
}

/* The ranges of every interval set, merged, into elements. */
void
warp_fw_set_ranges(struct warp_fw_build *fw)
{
	struct warp_fw_set	*s;
	uint64_t		 lo, hi;
	size_t			 i, j;

	for (i = 0; i < fw->nsets; i++) {
		s = &fw->sets[i];
		if (s->nranges == 0)
			continue;
		qsort(s->ranges, s->nranges, sizeof(*s->ranges),
		    warp_fw_range_cmp);
		if (s->ranges[0].lo != 0)
			warp_fw_range_elem(s, 0, NFT_SET_ELEM_INTERVAL_END);
		j = 0;
		while (j < s->nranges) {
			lo = s->ranges[j].lo;
			hi = s->ranges[j].hi;
			for (j++; j < s->nranges && s->ranges[j].lo <= hi; j++)
				if (s->ranges[j].hi > hi)
					hi = s->ranges[j].hi;
			warp_fw_range_elem(s, lo, 0);
			if (hi < (1ULL << 32))
				warp_fw_range_elem(s, hi,
				    NFT_SET_ELEM_INTERVAL_END);
		}
	}
}

/* A set the kernel has: one of ours, or one to remove. */
struct warp_fw_set *
warp_fw_have_set(struct warp_fw_build *fw, const char *name)
{
	struct warp_fw_set	*s;

	if ((s = warp_fw_set_get(fw, name, 0)) == NULL) {
		s = warp_fw_set_get(fw, name, 1);
		s->stale = 1;
		s->net = -1;
	}
	s->present = 1;
	return (s);
}

void
warp_fw_have_elem(struct warp_fw_set *s, const struct warp_fw_elem *e)
{
	warp_fw_elem_push(&s->have, &s->nhave, e);
}

static int
warp_fw_elem_cmp(const void *a, const void *b)
{
	const struct warp_fw_elem	*x = a, *y = b;
	int				 c;

	if ((c = memcmp(x->key, y->key, sizeof(x->key))) != 0)
		return (c);
	if (x->flags != y->flags)
		return (x->flags < y->flags ? -1 : 1);
	if (x->verdict != y->verdict)
		return (x->verdict < y->verdict ? -1 : 1);
	return (strcmp(x->chain, y->chain));
}

/* Mark the wanted elements the kernel lacks and the ones it has extra. */
static void
warp_fw_set_diff_elems(struct warp_fw_set *s)
{
	size_t	i = 0, j = 0;
	int	c;

	qsort(s->want, s->nwant, sizeof(*s->want), warp_fw_elem_cmp);
	qsort(s->have, s->nhave, sizeof(*s->have), warp_fw_elem_cmp);
	while (i < s->nwant || j < s->nhave) {
		if (i == s->nwant)
			c = 1;
		else if (j == s->nhave)
			c = -1;
		else
			c = warp_fw_elem_cmp(&s->want[i], &s->have[j]);
		if (c < 0) {
			s->want[i++].change = 1;
			s->nadd++;
		} else if (c > 0) {
			s->have[j++].change = 1;
			s->ndel++;
		} else {
			i++;
			j++;
		}
	}
}

/*
 * Decide per set: create, remove, recreate (its definition differs), or
 * add and delete single elements.  Returns sets to touch plus elements
 * to change.
 */
int
warp_fw_sets_diff(struct warp_fw_build *fw)
{
	struct warp_fw_set	*s;
	size_t			 i;
	int			 n = 0;

	for (i = 0; i < fw->nsets; i++) {
		s = &fw->sets[i];
		s->nadd = s->ndel = 0;
		if (s->stale)
			n++;
		else if (!s->present) {
			s->nadd = s->nwant;
			n++;
		} else if (s->have_flags != s->flags ||
		    s->have_key_type != s->key_type ||
		    s->have_key_len != s->key_len ||
		    s->have_data_type != s->data_type) {
			s->recreate = 1;
			s->nadd = s->nwant;
			n++;
		} else {
			warp_fw_set_diff_elems(s);
			n += (int)(s->nadd + s->ndel);
		}
	}
	return (n);
}

static int
warp_fw_set_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct warp_fw_build	*fw = arg;
	struct warp_fw_set	*s;
	struct nftnl_set	*ns;
	const char		*table, *name;

	if ((ns = nftnl_set_alloc()) == NULL)
		warp_fatal("nftnl_set_alloc");
	if (nftnl_set_nlmsg_parse(nlh, ns) < 0 ||
	    (table = nftnl_set_get_str(ns, NFTNL_SET_TABLE)) == NULL ||
	    strcmp(table, WARP_NFT_TABLE) != 0 ||
	    (name = nftnl_set_get_str(ns, NFTNL_SET_NAME)) == NULL)
		goto out;
	s = warp_fw_have_set(fw, name);
	s->have_flags = nftnl_set_get_u32(ns, NFTNL_SET_FLAGS);
	s->have_key_type = nftnl_set_get_u32(ns, NFTNL_SET_KEY_TYPE);
	s->have_key_len = nftnl_set_get_u32(ns, NFTNL_SET_KEY_LEN);
	if (nftnl_set_is_set(ns, NFTNL_SET_DATA_TYPE))
		s->have_data_type = nftnl_set_get_u32(ns, NFTNL_SET_DATA_TYPE);
	if (nftnl_set_is_set(ns, NFTNL_SET_DATA_LEN))
		s->have_data_len = nftnl_set_get_u32(ns, NFTNL_SET_DATA_LEN);
out:
	nftnl_set_free(ns);
	return (MNL_CB_OK);
}

static int
warp_fw_elem_read(struct nftnl_set_elem *ne, void *arg)
{
	struct warp_fw_set	*s = arg;
	struct warp_fw_elem	 e;
	const void		*key;
	const char		*chain;
	uint32_t		 len = 0;

	memset(&e, 0, sizeof(e));
	e.net = -1;
	if ((key = nftnl_set_elem_get(ne, NFTNL_SET_ELEM_KEY, &len)) != NULL)
		memcpy(e.key, key, len < sizeof(e.key) ? len : sizeof(e.key));
	if (nftnl_set_elem_is_set(ne, NFTNL_SET_ELEM_FLAGS))
		e.flags = nftnl_set_elem_get_u32(ne, NFTNL_SET_ELEM_FLAGS);
	if (nftnl_set_elem_is_set(ne, NFTNL_SET_ELEM_VERDICT))
		e.verdict = (int)nftnl_set_elem_get_u32(ne,
		    NFTNL_SET_ELEM_VERDICT);
	if ((chain = nftnl_set_elem_get_str(ne, NFTNL_SET_ELEM_CHAIN)) != NULL)
		(void)snprintf(e.chain, sizeof(e.chain), "%s", chain);
	warp_fw_have_elem(s, &e);
	return (0);
}

static int
warp_fw_elem_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nftnl_set	*ns;

	if ((ns = nftnl_set_alloc()) == NULL)
		warp_fatal("nftnl_set_alloc");
	if (nftnl_set_elems_nlmsg_parse(nlh, ns) == 0)
		(void)nftnl_set_elem_foreach(ns, warp_fw_elem_read, arg);
	nftnl_set_free(ns);
	return (MNL_CB_OK);
}

/* The table's sets and the elements of those we keep. */
int
warp_fw_sets_read(struct warp_fw_build *fw, struct mnl_socket *nl)
{
	size_t	i;
	int	e;

	if ((e = warp_fw_dump(nl, NFT_MSG_GETSET, NULL, warp_fw_set_cb,
	    fw)) < 0)
		return (e);
	for (i = 0; i < fw->nsets; i++) {
		if (!fw->sets[i].present || fw->sets[i].stale)
			continue;
		if ((e = warp_fw_dump(nl, NFT_MSG_GETSETELEM, fw->sets[i].name,
		    warp_fw_elem_cb, &fw->sets[i])) < 0)
			return (e);
	}
	return (0);
}

static struct nftnl_set *
warp_fw_nftnl_set(const struct warp_fw_set *s)
{
	struct nftnl_set	*ns;

	if ((ns = nftnl_set_alloc()) == NULL)
		warp_fatal("nftnl_set_alloc");
	nftnl_set_set_str(ns, NFTNL_SET_TABLE, WARP_NFT_TABLE);
	nftnl_set_set_str(ns, NFTNL_SET_NAME, s->name);
	nftnl_set_set_u32(ns, NFTNL_SET_FAMILY, NFPROTO_INET);
	return (ns);
}

/* Elements of s, those marked (or all: add to a new set), in messages. */
static void
warp_fw_fill_elems(struct warp_kctx *ctx, struct warp_fw_batch *fb,
    struct warp_fw_set *s, int add)
{
	struct warp_fw_elem	*v = add ? s->want : s->have;
	struct nftnl_set	*ns;
	struct nftnl_set_elem	*ne;
	struct nlmsghdr		*nlh;
	size_t			 n = add ? s->nwant : s->nhave, i, j, k;
	int			 all = add && (!s->present || s->recreate), net;

	for (i = 0; i < n; i = j) {
		ns = warp_fw_nftnl_set(s);
		net = -2;
		for (j = i, k = 0; j < n && k < WARP_FW_ELEMS_PER_MSG; j++) {
			if (!all && !v[j].change)
				continue;
			if ((ne = nftnl_set_elem_alloc()) == NULL)
				warp_fatal("nftnl_set_elem_alloc");
			nftnl_set_elem_set(ne, NFTNL_SET_ELEM_KEY, v[j].key,
			    s->key_len);
			if (v[j].flags != 0)
				nftnl_set_elem_set_u32(ne, NFTNL_SET_ELEM_FLAGS,
				    v[j].flags);
			if (add && (s->flags & NFT_SET_MAP)) {
				nftnl_set_elem_set_u32(ne,
				    NFTNL_SET_ELEM_VERDICT, v[j].verdict);
				nftnl_set_elem_set_str(ne, NFTNL_SET_ELEM_CHAIN,
				    v[j].chain);
			}
			nftnl_set_elem_add(ns, ne);
			net = net == -2 || net == v[j].net ? v[j].net : -1;
			k++;
		}
		if (k > 0 && (nlh = warp_fw_msg(fb, add ? NFT_MSG_NEWSETELEM :
		    NFT_MSG_DELSETELEM, add ? NLM_F_CREATE : 0, net,
		    "%s %zu elements %s set %s", add ? "add" : "delete", k,
		    add ? "to" : "from", s->name)) != NULL) {
			nftnl_set_elems_nlmsg_build_payload(nlh, ns);
			nftnl_batch_update(fb->b);
		}
		nftnl_set_free(ns);
		if (fb->full)
			return;
	}
}

/* Elements that go, from sets that stay (first: they may jump to chains
 * that go). */
void
warp_fw_fill_elems_del(struct warp_kctx *ctx, struct warp_fw_batch *fb)
{
	struct warp_fw_set	*s;
	size_t			 i;

	for (i = 0; i < ctx->fw->nsets && !fb->full; i++) {
		s = &ctx->fw->sets[i];
		if (s->stale || s->recreate || s->ndel == 0)
			continue;
		warp_kplan(ctx, "remove %zu elements from nftables set %s",
		    s->ndel, s->name);
		warp_fw_fill_elems(ctx, fb, s, 0);
	}
}

/* Sets that go or are made again (after the rules naming them are gone). */
void
warp_fw_fill_sets_del(struct warp_kctx *ctx, struct warp_fw_batch *fb)
{
	struct warp_fw_set	*s;
	struct nftnl_set	*ns;
	struct nlmsghdr		*nlh;
	size_t			 i;

	for (i = 0; i < ctx->fw->nsets; i++) {
		s = &ctx->fw->sets[i];
		if (!s->stale && !s->recreate)
			continue;
		warp_kplan(ctx, "remove nftables set %s", s->name);
		if ((nlh = warp_fw_msg(fb, NFT_MSG_DELSET, 0, s->net,
		    "remove set %s", s->name)) == NULL)
			return;
		ns = warp_fw_nftnl_set(s);
		nftnl_set_nlmsg_build_payload(nlh, ns);
		nftnl_batch_update(fb->b);
		nftnl_set_free(ns);
	}
}

/* New sets, then the elements to add (after the chains they jump to). */
void
warp_fw_fill_sets_new(struct warp_kctx *ctx, struct warp_fw_batch *fb)
{
	struct warp_fw_set	*s;
	struct nftnl_set	*ns;
	struct nftnl_udata_buf	*ud;
	struct nlmsghdr		*nlh;
	size_t			 i, n;

	for (i = 0; i < ctx->fw->nsets; i++) {
		s = &ctx->fw->sets[i];
		if (s->stale || (s->present && !s->recreate))
			continue;
		warp_kplan(ctx, "create nftables set %s", s->name);
		if ((nlh = warp_fw_msg(fb, NFT_MSG_NEWSET, NLM_F_CREATE, s->net,
		    "create set %s", s->name)) == NULL)
			return;
		ns = warp_fw_nftnl_set(s);
		nftnl_set_set_u32(ns, NFTNL_SET_FLAGS, s->flags);
		nftnl_set_set_u32(ns, NFTNL_SET_KEY_TYPE, s->key_type);
		nftnl_set_set_u32(ns, NFTNL_SET_KEY_LEN, s->key_len);
		nftnl_set_set_u32(ns, NFTNL_SET_ID, (uint32_t)i + 1);
		if (s->flags & NFT_SET_MAP) {
			nftnl_set_set_u32(ns, NFTNL_SET_DATA_TYPE,
			    s->data_type);
			nftnl_set_set_u32(ns, NFTNL_SET_DATA_LEN, s->data_len);
		}
		if ((ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN)) == NULL)
			warp_fatal("nftnl_udata_buf_alloc");
		nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER,
		    s->key_order);
		if (s->flags & NFT_SET_MAP)
			nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_DATABYTEORDER, 0);
		nftnl_set_set_data(ns, NFTNL_SET_USERDATA,
		    nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud));
		nftnl_udata_buf_free(ud);
		nftnl_set_nlmsg_build_payload(nlh, ns);
		nftnl_batch_update(fb->b);
		nftnl_set_free(ns);
	}
	for (i = 0; i < ctx->fw->nsets && !fb->full; i++) {
		s = &ctx->fw->sets[i];
		n = !s->present || s->recreate ? s->nwant : s->nadd;
		if (s->stale || n == 0)
			continue;
		warp_kplan(ctx, "add %zu elements to nftables set %s", n,
		    s->name);
		warp_fw_fill_elems(ctx, fb, s, 1);
	}
}

void
warp_fw_sets_free(struct warp_fw_build *fw)
{
	size_t	i;

	for (i = 0; i < fw->nsets; i++) {
		free(fw->sets[i].ranges);
		free(fw->sets[i].want);
		free(fw->sets[i].have);
	}
	free(fw->sets);
}
