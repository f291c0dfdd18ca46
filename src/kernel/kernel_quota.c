/*
 * Data quotas in the kernel: nftables quota objects (libnftnl).
 *
 *   table inet warp_traffic {
 *     quota q<endpoint>_<gen> { over LIMIT bytes used USED bytes }
 *     set qhost { type ipv4_addr : quota; elements = { addr : "q.." } }
 *     set qlan { type iface_index . ipv4_addr : quota; flags interval;
 *       elements = { wg-ifindex . lan-first - wg-ifindex . lan-last : "q.." } }
 *     chain fwd { type filter hook forward priority 10; policy accept;
 *       quota name ip saddr map @qhost drop
 *       quota name ip daddr map @qhost drop
 *       quota name meta sdif . ip saddr map @qlan drop
 *       quota name meta oif . ip daddr map @qlan drop } }
 *
 * The kernel counts every forwarded byte from and to an endpoint's
 * overlay address, and for a site (l3vpn cpe/gateway) from and to the
 * hosts of its LAN prefixes behind it, in its quota object (both
 * directions together) and drops its traffic once the limit is reached,
 * with no help from user space.  LAN prefixes may repeat in other
 * networks (each is its own VRF), so qlan is keyed by the network's
 * WireGuard device too: the one the packet came in on (meta sdif, the
 * device enslaved to the VRF) or leaves by (meta oif).  Priority 10
 * runs after the appliance's filter chains (priority 0), so only traffic
 * they let through is counted.  Each lookup is one
 * hash lookup whatever the number of endpoints.
 *
 * The object is created with "used" = what the database holds, so the
 * kernel's figure is always the whole period's usage: sampling
 * (warp_traffic_sample, at every apply and status read) stores it, and a
 * restart of warpd, a re-apply or a lost table (the object is created
 * again from the stored figure) loses at most what was counted since the
 * last sample.  A new limit, a reset or a period turn changes the
 * generation in the object's name, and the object starts afresh.
 *
 * Its own table, in its own atomic batch, so the firewall of kernel_fw.c
 * is never touched by a quota change.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/batch.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "warp.h"
#include "warp_kernel.h"
#include "warp_kernel_int.h"
#include "warp_traffic.h"

#define WARP_QT_TABLE		"warp_traffic"
#define WARP_QT_SET		"qhost"
#define WARP_QT_CHAIN		"fwd"
#define WARP_QT_PRIO		10
#define WARP_QT_SET_ID		0x5154	/* "QT" */
#define WARP_QT_LAN		"qlan"
#define WARP_QT_LAN_ID		0x514c	/* "QL" */
#define WARP_QT_RULES		4
/* nft's type iface_index . ipv4_addr (TYPE_IFINDEX << 6 | TYPE_IPADDR) */
#define WARP_QT_LAN_TYPE	(20 << 6 | 7)
/*
 * A batch message may run past its page by at most the batch's overrun
 * size (MNL_SOCKET_BUFFER_SIZE, 4 KiB): 48 elements of at most ~72 bytes
 * (key, object name of up to WARP_QT_NAMELEN) stay well inside it.
 */
#define WARP_QT_ELEMS_PER_MSG	48
#define WARP_QT_LANS_PER_MSG	32
#define WARP_QT_NAMELEN		40

struct warp_qobj {
	char		name[WARP_QT_NAMELEN];
	uint64_t	bytes;
	uint64_t	consumed;
	uint32_t	addr;		/* network order (wanted only) */
	int		keep;
};

struct warp_qelem {
	uint32_t	addr;		/* network order */
	char		name[WARP_QT_NAMELEN];
	int		keep;
};

/* A LAN prefix of a site: ifindex (host order) . first - ifindex . last. */
struct warp_qlan {
	uint8_t		key[8];
	uint8_t		end[8];
	char		name[WARP_QT_NAMELEN];
	int		keep;
};

struct warp_qstate {
	int			 table;
	int			 chain;
	int			 set;
	int			 lanset;
	int			 rules;
	struct warp_qobj	*objs;
	size_t			 nobjs, capobjs;
	struct warp_qelem	*elems;
	size_t			 nelems, capelems;
	struct warp_qlan	*lans;
	size_t			 nlans, caplans;
};

static int	warp_qt_read(struct mnl_socket *, struct warp_qstate *);
static void	warp_qt_free(struct warp_qstate *);
static int	warp_qt_name_parse(const char *, int64_t *, int64_t *);

static void
warp_qt_objname(char *buf, size_t len, int64_t id, int64_t gen)
{
	(void)snprintf(buf, len, "q%lld_%lld", (long long)id, (long long)gen);
}

static int
warp_qt_name_parse(const char *s, int64_t *id, int64_t *gen)
{
	long long	a, b;
	int		n = 0;

	if (sscanf(s, "q%lld_%lld%n", &a, &b, &n) != 2 ||
	    s[n] != '\0' || a <= 0 || b < 0)
		return (-1);
	*id = a;
	*gen = b;
	return (0);
}

/* A name from a reply (NULL when the kernel sent none) is want. */
static int
warp_qt_is(const char *got, const char *want)
{
	return (got != NULL && strcmp(got, want) == 0);
}

static int
warp_qt_table_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct warp_qstate	*qs = arg;
	struct nftnl_table	*t;

	if ((t = nftnl_table_alloc()) == NULL)
		warp_fatal("nftnl_table_alloc");
	if (nftnl_table_nlmsg_parse(nlh, t) == 0 &&
	    nftnl_table_get_u32(t, NFTNL_TABLE_FAMILY) == NFPROTO_INET &&
	    warp_qt_is(nftnl_table_get_str(t, NFTNL_TABLE_NAME), WARP_QT_TABLE))
		qs->table = 1;
	nftnl_table_free(t);
	return (MNL_CB_OK);
}

static int
warp_qt_chain_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct warp_qstate	*qs = arg;
	struct nftnl_chain	*c;

	if ((c = nftnl_chain_alloc()) == NULL)
		warp_fatal("nftnl_chain_alloc");
	if (nftnl_chain_nlmsg_parse(nlh, c) == 0 &&
	    warp_qt_is(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), WARP_QT_TABLE) &&
	    warp_qt_is(nftnl_chain_get_str(c, NFTNL_CHAIN_NAME), WARP_QT_CHAIN))
		qs->chain = 1;
	nftnl_chain_free(c);
	return (MNL_CB_OK);
}

static int
warp_qt_rule_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct warp_qstate	*qs = arg;
	struct nftnl_rule	*r;

	if ((r = nftnl_rule_alloc()) == NULL)
		warp_fatal("nftnl_rule_alloc");
	if (nftnl_rule_nlmsg_parse(nlh, r) == 0 &&
	    warp_qt_is(nftnl_rule_get_str(r, NFTNL_RULE_TABLE), WARP_QT_TABLE))
		qs->rules++;
	nftnl_rule_free(r);
	return (MNL_CB_OK);
}

static int
warp_qt_set_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct warp_qstate	*qs = arg;
	struct nftnl_set	*s;

	if ((s = nftnl_set_alloc()) == NULL)
		warp_fatal("nftnl_set_alloc");
	if (nftnl_set_nlmsg_parse(nlh, s) == 0 &&
	    warp_qt_is(nftnl_set_get_str(s, NFTNL_SET_TABLE), WARP_QT_TABLE)) {
		if (warp_qt_is(nftnl_set_get_str(s, NFTNL_SET_NAME),
		    WARP_QT_SET))
			qs->set = 1;
		if (warp_qt_is(nftnl_set_get_str(s, NFTNL_SET_NAME),
		    WARP_QT_LAN))
			qs->lanset = 1;
	}
	nftnl_set_free(s);
	return (MNL_CB_OK);
}

static int
warp_qt_obj_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct warp_qstate	*qs = arg;
	struct nftnl_obj	*o;
	struct warp_qobj	*q;
	const char		*name, *table;

	if ((o = nftnl_obj_alloc()) == NULL)
		warp_fatal("nftnl_obj_alloc");
	if (nftnl_obj_nlmsg_parse(nlh, o) != 0 ||
	    (table = nftnl_obj_get_str(o, NFTNL_OBJ_TABLE)) == NULL ||
	    strcmp(table, WARP_QT_TABLE) != 0 ||
	    nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE) != NFT_OBJECT_QUOTA ||
	    (name = nftnl_obj_get_str(o, NFTNL_OBJ_NAME)) == NULL) {
		nftnl_obj_free(o);
		return (MNL_CB_OK);
	}
	if (qs->nobjs == qs->capobjs) {
		qs->capobjs = qs->capobjs ? qs->capobjs * 2 : 64;
		if ((qs->objs = reallocarray(qs->objs, qs->capobjs,
		    sizeof(*qs->objs))) == NULL)
			warp_fatal("reallocarray");
	}
	q = &qs->objs[qs->nobjs++];
	memset(q, 0, sizeof(*q));
	warp_kcopy(q->name, sizeof(q->name), name);
	q->bytes = nftnl_obj_get_u64(o, NFTNL_OBJ_QUOTA_BYTES);
	q->consumed = nftnl_obj_get_u64(o, NFTNL_OBJ_QUOTA_CONSUMED);
	nftnl_obj_free(o);
	return (MNL_CB_OK);
}

static int
warp_qt_elem_cb(struct nftnl_set_elem *e, void *arg)
{
	struct warp_qstate	*qs = arg;
	struct warp_qelem	*q;
	const void		*key;
	const char		*ref;
	uint32_t		 klen = 0;

	key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);
	ref = nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_OBJREF);
	if (key == NULL || klen != 4 || ref == NULL)
		return (0);
	if (qs->nelems == qs->capelems) {
		qs->capelems = qs->capelems ? qs->capelems * 2 : 64;
		if ((qs->elems = reallocarray(qs->elems, qs->capelems,
		    sizeof(*qs->elems))) == NULL)
			warp_fatal("reallocarray");
	}
	q = &qs->elems[qs->nelems++];
	memset(q, 0, sizeof(*q));
	memcpy(&q->addr, key, 4);
	warp_kcopy(q->name, sizeof(q->name), ref);
	return (0);
}

static int
warp_qt_lan_cb(struct nftnl_set_elem *e, void *arg)
{
	struct warp_qstate	*qs = arg;
	struct warp_qlan	*q;
	const void		*key, *end;
	const char		*ref;
	uint32_t		 klen = 0, elen = 0;

	key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);
	end = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY_END, &elen);
	ref = nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_OBJREF);
	if (key == NULL || klen != 8 || end == NULL || elen != 8 ||
	    ref == NULL)
		return (0);
	if (qs->nlans == qs->caplans) {
		qs->caplans = qs->caplans ? qs->caplans * 2 : 16;
		if ((qs->lans = reallocarray(qs->lans, qs->caplans,
		    sizeof(*qs->lans))) == NULL)
			warp_fatal("reallocarray");
	}
	q = &qs->lans[qs->nlans++];
	memset(q, 0, sizeof(*q));
	memcpy(q->key, key, 8);
	memcpy(q->end, end, 8);
	warp_kcopy(q->name, sizeof(q->name), ref);
	return (0);
}

static int
warp_qt_elems_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nftnl_set	*s;
	const char		*name;

	if ((s = nftnl_set_alloc()) == NULL)
		warp_fatal("nftnl_set_alloc");
	if (nftnl_set_elems_nlmsg_parse(nlh, s) == 0 &&
	    (name = nftnl_set_get_str(s, NFTNL_SET_NAME)) != NULL)
		(void)nftnl_set_elem_foreach(s, strcmp(name, WARP_QT_LAN) == 0 ?
		    warp_qt_lan_cb : warp_qt_elem_cb, arg);
	nftnl_set_free(s);
	return (MNL_CB_OK);
}

static int
warp_qt_dump_elems(struct mnl_socket *nl, const char *set, uint32_t seq,
    struct warp_qstate *qs)
{
	char			 buf[1024];
	struct nlmsghdr		*nlh;
	struct nftnl_set	*s;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET,
	    NLM_F_DUMP, seq);
	if ((s = nftnl_set_alloc()) == NULL)
		warp_fatal("nftnl_set_alloc");
	nftnl_set_set_str(s, NFTNL_SET_TABLE, WARP_QT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	return (warp_nft_dump(nl, nlh, warp_qt_elems_cb, qs));
}

/* What the kernel has of table inet warp_traffic. */
static int
warp_qt_read(struct mnl_socket *nl, struct warp_qstate *qs)
{
	char			 buf[1024];
	struct nlmsghdr		*nlh;
	struct nftnl_set	*s;
	struct nftnl_obj	*o;
	struct nftnl_rule	*r;
	uint32_t		 seq = (uint32_t)time(NULL) << 4;
	int			 e;

	memset(qs, 0, sizeof(*qs));
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET,
	    NLM_F_DUMP, seq++);
	if ((e = warp_nft_dump(nl, nlh, warp_qt_table_cb, qs)) < 0)
		return (e);
	if (!qs->table)
		return (0);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, NFPROTO_INET,
	    NLM_F_DUMP, seq++);
	if ((e = warp_nft_dump(nl, nlh, warp_qt_chain_cb, qs)) < 0)
		return (e);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_INET,
	    NLM_F_DUMP, seq++);
	if ((r = nftnl_rule_alloc()) == NULL)
		warp_fatal("nftnl_rule_alloc");
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, WARP_QT_TABLE);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	if ((e = warp_nft_dump(nl, nlh, warp_qt_rule_cb, qs)) < 0)
		return (e);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSET, NFPROTO_INET,
	    NLM_F_DUMP, seq++);
	if ((s = nftnl_set_alloc()) == NULL)
		warp_fatal("nftnl_set_alloc");
	nftnl_set_set_str(s, NFTNL_SET_TABLE, WARP_QT_TABLE);
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	if ((e = warp_nft_dump(nl, nlh, warp_qt_set_cb, qs)) < 0)
		return (e);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETOBJ, NFPROTO_INET,
	    NLM_F_DUMP, seq++);
	if ((o = nftnl_obj_alloc()) == NULL)
		warp_fatal("nftnl_obj_alloc");
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, WARP_QT_TABLE);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_QUOTA);
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	if ((e = warp_nft_dump(nl, nlh, warp_qt_obj_cb, qs)) < 0)
		return (e);
	if (qs->set && (e = warp_qt_dump_elems(nl, WARP_QT_SET, seq++,
	    qs)) < 0)
		return (e);
	if (qs->lanset && (e = warp_qt_dump_elems(nl, WARP_QT_LAN, seq++,
	    qs)) < 0)
		return (e);
	return (0);
}

/*
 * Every traffic network of this apply reconciles some endpoints only
 * (kn->tc_some): the quota table can be read for those alone.
 */
int
warp_qt_some(const struct warp_kctx *ctx)
{
	size_t	i, n = 0;

	if (!ctx->tc_scoped)
		return (0);
	for (i = 0; i < ctx->nnets; i++) {
		if (!ctx->nets[i].traffic)
			continue;
		if (!ctx->nets[i].tc_some)
			return (0);
		n++;
	}
	return (n > 0);
}

/* One nftables get (ACKed; an absent object is no answer, not an error). */
static int
warp_qt_get(struct warp_kctx *ctx, struct mnl_socket *nl,
    struct nlmsghdr *nlh, mnl_cb_t cb, struct warp_qstate *qs)
{
	ctx->cnt->rd_tables++;
	return (warp_nft_dump(nl, nlh, cb, qs));
}

/* The element of set qhost for addr (network order), if there is one. */
static int
warp_qt_get_elem(struct warp_kctx *ctx, struct mnl_socket *nl, uint32_t addr,
    uint32_t seq, struct warp_qstate *qs)
{
	char			 buf[1024];
	struct nlmsghdr		*nlh;
	struct nftnl_set	*s;
	struct nftnl_set_elem	*e;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET,
	    NLM_F_ACK, seq);
	if ((s = nftnl_set_alloc()) == NULL ||
	    (e = nftnl_set_elem_alloc()) == NULL)
		warp_fatal("nftnl_set_alloc");
	nftnl_set_set_str(s, NFTNL_SET_TABLE, WARP_QT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, WARP_QT_SET);
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, &addr, sizeof(addr));
	nftnl_set_elem_add(s, e);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	return (warp_qt_get(ctx, nl, nlh, warp_qt_elems_cb, qs));
}

/* Quota object name, if there is one. */
static int
warp_qt_get_obj(struct warp_kctx *ctx, struct mnl_socket *nl,
    const char *name, uint32_t seq, struct warp_qstate *qs)
{
	char			 buf[1024];
	struct nlmsghdr		*nlh;
	struct nftnl_obj	*o;
	size_t			 i;

	for (i = 0; i < qs->nobjs; i++)
		if (strcmp(qs->objs[i].name, name) == 0)
			return (0);	/* read already */
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETOBJ, NFPROTO_INET,
	    NLM_F_ACK, seq);
	if ((o = nftnl_obj_alloc()) == NULL)
		warp_fatal("nftnl_obj_alloc");
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, WARP_QT_TABLE);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_QUOTA);
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	return (warp_qt_get(ctx, nl, nlh, warp_qt_obj_cb, qs));
}

/*
 * What warp_qt_read reads, for the endpoints of the traffic networks
 * only (warp_qt_some): the table, its chain, its rules and its two sets
 * got by name, then each endpoint's qhost element by its address (now,
 * and the one a deleted endpoint had), the objects those elements name
 * and the objects tr wants, one get each -- O(those endpoints), not
 * O(the quotas of the appliance).  They have no LAN subnets (a site's
 * limits take the whole network's path), so qlan's elements are not
 * theirs and are not read.
 */
static int
warp_qt_read_some(struct warp_kctx *ctx, struct mnl_socket *nl,
    const struct warp_traffic *tr, size_t ntr, struct warp_qstate *qs)
{
	char			 buf[1024], name[WARP_QT_NAMELEN];
	struct nlmsghdr		*nlh;
	struct nftnl_table	*t;
	struct nftnl_chain	*c;
	struct nftnl_rule	*r;
	struct nftnl_set	*st;
	struct warp_knet	*kn;
	uint32_t		 seq = (uint32_t)time(NULL) << 4, a;
	size_t			 i, j, nel;
	int			 e;
	const char		*sets[2] = { WARP_QT_SET, WARP_QT_LAN };

	memset(qs, 0, sizeof(*qs));
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET,
	    NLM_F_ACK, seq++);
	if ((t = nftnl_table_alloc()) == NULL)
		warp_fatal("nftnl_table_alloc");
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, WARP_QT_TABLE);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	if ((e = warp_qt_get(ctx, nl, nlh, warp_qt_table_cb, qs)) < 0)
		return (e);
	if (!qs->table)
		return (0);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, NFPROTO_INET,
	    NLM_F_ACK, seq++);
	if ((c = nftnl_chain_alloc()) == NULL)
		warp_fatal("nftnl_chain_alloc");
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, WARP_QT_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, WARP_QT_CHAIN);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	if ((e = warp_qt_get(ctx, nl, nlh, warp_qt_chain_cb, qs)) < 0)
		return (e);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_INET,
	    NLM_F_DUMP, seq++);
	if ((r = nftnl_rule_alloc()) == NULL)
		warp_fatal("nftnl_rule_alloc");
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, WARP_QT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, WARP_QT_CHAIN);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	if ((e = warp_qt_get(ctx, nl, nlh, warp_qt_rule_cb, qs)) < 0)
		return (e);
	for (i = 0; i < 2; i++) {
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSET, NFPROTO_INET,
		    NLM_F_ACK, seq++);
		if ((st = nftnl_set_alloc()) == NULL)
			warp_fatal("nftnl_set_alloc");
		nftnl_set_set_str(st, NFTNL_SET_TABLE, WARP_QT_TABLE);
		nftnl_set_set_str(st, NFTNL_SET_NAME, sets[i]);
		nftnl_set_nlmsg_build_payload(nlh, st);
		nftnl_set_free(st);
		if ((e = warp_qt_get(ctx, nl, nlh, warp_qt_set_cb, qs)) < 0)
			return (e);
	}
	for (i = 0; qs->set && i < ctx->nnets; i++) {
		kn = &ctx->nets[i];
		if (!kn->traffic)
			continue;
		for (j = 0; j < kn->ntcpeers + kn->nolds; j++) {
			a = j < kn->ntcpeers ? kn->tcpeers[j].allowed[0].addr :
			    kn->olds[j - kn->ntcpeers].old_overlay;
			if (a == 0)
				continue;
			a = htonl(a);
			if ((e = warp_qt_get_elem(ctx, nl, a, seq++, qs)) < 0)
				return (e);
		}
	}
	nel = qs->nelems;
	for (i = 0; i < nel; i++)
		if ((e = warp_qt_get_obj(ctx, nl, qs->elems[i].name, seq++,
		    qs)) < 0)
			return (e);
	for (i = 0; i < ntr; i++) {
		if (tr[i].quota_bytes == 0)
			continue;
		warp_qt_objname(name, sizeof(name), tr[i].endpoint_id,
		    tr[i].quota_gen);
		if ((e = warp_qt_get_obj(ctx, nl, name, seq++, qs)) < 0)
			return (e);
	}
	/*
	 * qlan's elements are kept (not read): the table is whole when
	 * its skeleton is, and the diff judges no LAN of these endpoints.
	 */
	return (0);
}

static void
warp_qt_free(struct warp_qstate *qs)
{
	free(qs->objs);
	free(qs->elems);
	free(qs->lans);
	memset(qs, 0, sizeof(*qs));
}

/* ------------------------------------------------------------ sampling */

void
warp_traffic_sample(struct warp_db *db)
{
	struct mnl_socket		*nl;
	struct warp_qstate		 qs;
	struct warp_usage_sample	*s;
	struct warp_err			 err;
	size_t				 i, n = 0;

	if (warp_nft_open(&nl) < 0)
		return;
	if (warp_qt_read(nl, &qs) < 0) {
		mnl_socket_close(nl);
		return;
	}
	mnl_socket_close(nl);
	s = warp_xcalloc(qs.nobjs + 1, sizeof(*s));
	for (i = 0; i < qs.nobjs; i++) {
		if (warp_qt_name_parse(qs.objs[i].name, &s[n].endpoint_id,
		    &s[n].gen) == -1)
			continue;
		s[n++].consumed = qs.objs[i].consumed;
	}
	(void)warp_traffic_store_usage(db, s, n, &err);
	free(s);
	warp_qt_free(&qs);
}

/*
 * At a status read (in the gateway's namespace): the quota counters, and
 * the peers' rx/tx into the traffic history.
 */
void
warp_traffic_sample_status(struct warp_db *db,
    const struct warp_kernel_status *st)
{
	struct warp_counter_sample	*s;
	struct warp_err			 err;
	size_t				 i, n = 0;

	warp_traffic_sample(db);
	s = warp_xcalloc(st->npeers + 1, sizeof(*s));
	for (i = 0; i < st->npeers; i++) {
		if (!st->peers[i].present)
			continue;
		s[n].endpoint_id = st->peers[i].endpoint_id;
		s[n].network_id = st->peers[i].network_id;
		s[n].rx_bytes = st->peers[i].rx_bytes;
		s[n].tx_bytes = st->peers[i].tx_bytes;
		n++;
	}
	(void)warp_history_record(db, s, n, time(NULL), &err);
	free(s);
}

/* --------------------------------------------------------------- apply */

struct warp_qbatch {
	struct warp_kctx	*ctx;
	struct nftnl_batch	*b;
	uint32_t		 seq;
	uint32_t		 seq0;
	size_t			 n;
};

static struct nlmsghdr *
warp_qb_msg(struct warp_qbatch *qb, uint16_t type, uint16_t flags,
    const char *fmt, ...)
{
	va_list	ap;
	char	line[160];

	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	warp_kplan(qb->ctx, "%s", line);
	qb->n++;
	return (nftnl_nlmsg_build_hdr(nftnl_batch_buffer(qb->b), type,
	    NFPROTO_INET, flags | NLM_F_ACK, qb->seq++));
}

/*
 * quota name ip saddr|daddr map @qhost drop, or with lan
 * quota name meta sdif . ip saddr | meta oif . ip daddr map @qlan drop.
 */
static void
warp_qb_rule(struct warp_qbatch *qb, int offset, int lan)
{
	struct nftnl_rule	*r;
	struct nftnl_expr	*e;
	struct nlmsghdr		*nlh;
	uint8_t			 proto = NFPROTO_IPV4;

	if ((r = nftnl_rule_alloc()) == NULL)
		warp_fatal("nftnl_rule_alloc");
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, WARP_QT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, WARP_QT_CHAIN);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	e = nftnl_expr_alloc("meta");
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_NFPROTO);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
	e = nftnl_expr_alloc("cmp");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, &proto, sizeof(proto));
	nftnl_rule_add_expr(r, e);
	if (lan) {
		e = nftnl_expr_alloc("meta");
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, offset == 12 ?
		    NFT_META_SDIF : NFT_META_OIF);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG32_00);
		nftnl_rule_add_expr(r, e);
	}
	e = nftnl_expr_alloc("payload");
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE,
	    NFT_PAYLOAD_NETWORK_HEADER);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, (uint32_t)offset);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, 4);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, lan ? NFT_REG32_01 :
	    NFT_REG_1);
	nftnl_rule_add_expr(r, e);
	e = nftnl_expr_alloc("objref");
	nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_SET_SREG, lan ? NFT_REG32_00 :
	    NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_SET_NAME, lan ? WARP_QT_LAN :
	    WARP_QT_SET);
	nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_SET_ID, lan ? WARP_QT_LAN_ID :
	    WARP_QT_SET_ID);
	nftnl_rule_add_expr(r, e);
	e = nftnl_expr_alloc("immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NF_DROP);
	nftnl_rule_add_expr(r, e);
	nlh = warp_qb_msg(qb, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND,
	    "create rule %s: quota name %sip %s map @%s drop", WARP_QT_CHAIN,
	    !lan ? "" : offset == 12 ? "meta sdif . " : "meta oif . ",
	    offset == 12 ? "saddr" : "daddr", lan ? WARP_QT_LAN : WARP_QT_SET);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	nftnl_batch_update(qb->b);
}

static void
warp_qb_deltable(struct warp_qbatch *qb, const char *why)
{
	struct nftnl_table	*t;
	struct nlmsghdr		*nlh;

	if ((t = nftnl_table_alloc()) == NULL)
		warp_fatal("nftnl_table_alloc");
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, WARP_QT_TABLE);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nlh = warp_qb_msg(qb, NFT_MSG_DELTABLE, 0, "remove table inet %s%s",
	    WARP_QT_TABLE, why);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	nftnl_batch_update(qb->b);
}

/* Table, chain, set and rules: everything but the quotas themselves. */
static void
warp_qb_skeleton(struct warp_qbatch *qb)
{
	struct nftnl_table	*t;
	struct nftnl_chain	*c;
	struct nftnl_set	*s;
	struct nlmsghdr		*nlh;
	uint8_t			 fields[2] = { 4, 4 };

	if ((t = nftnl_table_alloc()) == NULL)
		warp_fatal("nftnl_table_alloc");
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, WARP_QT_TABLE);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nlh = warp_qb_msg(qb, NFT_MSG_NEWTABLE, NLM_F_CREATE,
	    "create table inet %s", WARP_QT_TABLE);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	nftnl_batch_update(qb->b);

	if ((c = nftnl_chain_alloc()) == NULL)
		warp_fatal("nftnl_chain_alloc");
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, WARP_QT_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, WARP_QT_CHAIN);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_INET_FORWARD);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, WARP_QT_PRIO);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nlh = warp_qb_msg(qb, NFT_MSG_NEWCHAIN, NLM_F_CREATE,
	    "create chain %s (forward, priority %d)", WARP_QT_CHAIN,
	    WARP_QT_PRIO);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	nftnl_batch_update(qb->b);

	if ((s = nftnl_set_alloc()) == NULL)
		warp_fatal("nftnl_set_alloc");
	nftnl_set_set_str(s, NFTNL_SET_TABLE, WARP_QT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, WARP_QT_SET);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(s, NFTNL_SET_ID, WARP_QT_SET_ID);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, 7);	/* ipv4_addr */
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, 4);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_OBJECT);
	nftnl_set_set_u32(s, NFTNL_SET_OBJ_TYPE, NFT_OBJECT_QUOTA);
	nlh = warp_qb_msg(qb, NFT_MSG_NEWSET, NLM_F_CREATE,
	    "create set %s (ipv4_addr : quota)", WARP_QT_SET);
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	nftnl_batch_update(qb->b);

	if ((s = nftnl_set_alloc()) == NULL)
		warp_fatal("nftnl_set_alloc");
	nftnl_set_set_str(s, NFTNL_SET_TABLE, WARP_QT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, WARP_QT_LAN);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(s, NFTNL_SET_ID, WARP_QT_LAN_ID);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, WARP_QT_LAN_TYPE);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, 8);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_OBJECT |
	    NFT_SET_INTERVAL | NFT_SET_CONCAT);
	nftnl_set_set_u32(s, NFTNL_SET_OBJ_TYPE, NFT_OBJECT_QUOTA);
	nftnl_set_set_data(s, NFTNL_SET_DESC_CONCAT, fields, sizeof(fields));
	nlh = warp_qb_msg(qb, NFT_MSG_NEWSET, NLM_F_CREATE,
	    "create set %s (iface_index . ipv4_addr : quota, interval)",
	    WARP_QT_LAN);
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	nftnl_batch_update(qb->b);

	warp_qb_rule(qb, 12, 0);
	warp_qb_rule(qb, 16, 0);
	warp_qb_rule(qb, 12, 1);
	warp_qb_rule(qb, 16, 1);
}

static void
warp_qb_obj(struct warp_qbatch *qb, const struct warp_qobj *q, int del)
{
	struct nftnl_obj	*o;
	struct nlmsghdr		*nlh;
	char			 lim[WARP_SIZE_STRLEN], used[WARP_SIZE_STRLEN];

	if ((o = nftnl_obj_alloc()) == NULL)
		warp_fatal("nftnl_obj_alloc");
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, WARP_QT_TABLE);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, q->name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_FAMILY, NFPROTO_INET);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_QUOTA);
	if (!del) {
		nftnl_obj_set_u64(o, NFTNL_OBJ_QUOTA_BYTES, q->bytes);
		nftnl_obj_set_u64(o, NFTNL_OBJ_QUOTA_CONSUMED, q->consumed);
		nftnl_obj_set_u32(o, NFTNL_OBJ_QUOTA_FLAGS, NFT_QUOTA_F_INV);
	}
	warp_size_format(q->bytes, lim, sizeof(lim));
	warp_size_format(q->consumed, used, sizeof(used));
	nlh = warp_qb_msg(qb, del ? NFT_MSG_DELOBJ : NFT_MSG_NEWOBJ,
	    del ? 0 : NLM_F_CREATE | NLM_F_EXCL, "%s quota %s%s%s%s%s",
	    del ? "remove" : "create", q->name, del ? "" : " over ",
	    del ? "" : lim, del ? "" : " used ",
	    del ? "" : (q->consumed ? used : "0"));
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	nftnl_batch_update(qb->b);
}

/* One element of a quota set as sent: its key (and end), its quota. */
struct warp_qkey {
	const void	*key;
	const void	*end;		/* intervals only */
	uint32_t	 len;
	const char	*name;
	char		 what[2 * INET_ADDRSTRLEN];	/* for the message */
};

/* qhost: an overlay address. */
static void
warp_qkey_host(const void *v, size_t k, struct warp_qkey *q, int describe)
{
	const struct warp_qelem	*e = (const struct warp_qelem *)v + k;

	q->key = &e->addr;
	q->end = NULL;
	q->len = 4;
	q->name = e->name;
	if (describe && inet_ntop(AF_INET, &e->addr, q->what,
	    sizeof(q->what)) == NULL)
		(void)snprintf(q->what, sizeof(q->what), "?");
}

/* qlan: ifindex . first - ifindex . last of a LAN prefix. */
static void
warp_qkey_lan(const void *v, size_t k, struct warp_qkey *q, int describe)
{
	const struct warp_qlan	*l = (const struct warp_qlan *)v + k;
	char			 a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	q->key = l->key;
	q->end = l->end;
	q->len = 8;
	q->name = l->name;
	if (!describe)
		return;
	if (inet_ntop(AF_INET, l->key + 4, a, sizeof(a)) == NULL)
		(void)snprintf(a, sizeof(a), "?");
	if (inet_ntop(AF_INET, l->end + 4, b, sizeof(b)) == NULL)
		(void)snprintf(b, sizeof(b), "?");
	(void)snprintf(q->what, sizeof(q->what), "%s-%s", a, b);
}

/* n elements of set (get() reads the k-th of v), per_msg a message. */
static void
warp_qb_setelems(struct warp_qbatch *qb, const char *set, uint32_t set_id,
    size_t per_msg, const void *v, size_t n, int del,
    void (*get)(const void *, size_t, struct warp_qkey *, int))
{
	struct nftnl_set	*s;
	struct nftnl_set_elem	*e;
	struct nlmsghdr		*nlh;
	struct warp_qkey	 q;
	size_t			 i, k;

	for (i = 0; i < n; i += per_msg) {
		if ((s = nftnl_set_alloc()) == NULL)
			warp_fatal("nftnl_set_alloc");
		nftnl_set_set_str(s, NFTNL_SET_TABLE, WARP_QT_TABLE);
		nftnl_set_set_str(s, NFTNL_SET_NAME, set);
		nftnl_set_set_u32(s, NFTNL_SET_ID, set_id);
		for (k = i; k < n && k < i + per_msg; k++) {
			get(v, k, &q, 0);
			if ((e = nftnl_set_elem_alloc()) == NULL)
				warp_fatal("nftnl_set_elem_alloc");
			nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, q.key, q.len);
			if (q.end != NULL)
				nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY_END,
				    q.end, q.len);
			if (!del)
				nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_OBJREF,
				    q.name);
			nftnl_set_elem_add(s, e);
		}
		get(v, i, &q, 1);
		nlh = warp_qb_msg(qb, del ? NFT_MSG_DELSETELEM :
		    NFT_MSG_NEWSETELEM, del ? 0 : NLM_F_CREATE | NLM_F_EXCL,
		    "%s %zu element(s) of @%s (%s : %s%s)", del ? "remove" :
		    "create", k - i, set, q.what, q.name,
		    k - i > 1 ? ", ..." : "");
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		nftnl_set_free(s);
		nftnl_batch_update(qb->b);
	}
}

static int
warp_qobj_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct warp_qobj *)a)->name,
	    ((const struct warp_qobj *)b)->name));
}

static int
warp_qelem_cmp(const void *a, const void *b)
{
	const struct warp_qelem	*x = a, *y = b;

	return (x->addr < y->addr ? -1 : x->addr > y->addr);
}

static int
warp_qlan_cmp(const void *a, const void *b)
{
	const struct warp_qlan	*x = a, *y = b;
	int			 c;

	if ((c = memcmp(x->key, y->key, sizeof(x->key))) != 0)
		return (c);
	return (memcmp(x->end, y->end, sizeof(x->end)));
}

/* The LAN prefixes of a site with a quota, keyed by its network's wg. */
static void
warp_qt_want_lans(const struct warp_knet *kn,
    const struct warp_state_peer *kp, const char *name, struct warp_qlan **v,
    size_t *n, size_t *cap)
{
	struct warp_qlan	*q;
	uint32_t		 ifx = (uint32_t)kn->wg_ifindex, first, last;
	size_t			 j;

	if (!kn->kt->peer_lans)
		return;
	for (j = 1; j < kp->nallowed && j < 1 + WARP_MAX_LANS; j++) {
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 16;
			if ((*v = reallocarray(*v, *cap, sizeof(**v))) == NULL)
				warp_fatal("reallocarray");
		}
		q = &(*v)[(*n)++];
		memset(q, 0, sizeof(*q));
		first = htonl(kp->allowed[j].addr &
		    warp_cidr_mask(kp->allowed[j].len));
		last = htonl(kp->allowed[j].addr |
		    ~warp_cidr_mask(kp->allowed[j].len));
		memcpy(q->key, &ifx, 4);
		memcpy(q->key + 4, &first, 4);
		memcpy(q->end, &ifx, 4);
		memcpy(q->end + 4, &last, 4);
		warp_kcopy(q->name, sizeof(q->name), name);
	}
}

/*
 * LAN elements to remove and to create, as for qhost; want is sorted by
 * name and its keep marks say which objects stay.
 */
static void
warp_qt_diff_lans(struct warp_qstate *qs, struct warp_qlan *wl, size_t nwl,
    const struct warp_qobj *want, size_t nwant, struct warp_qlan **pdel,
    size_t *pndel, struct warp_qlan **padd, size_t *pnadd)
{
	struct warp_qlan	*hl, *del, *add;
	struct warp_qobj	 key;
	const struct warp_qobj	*o;
	size_t			 i, ndel = 0, nadd = 0;

	qsort(qs->lans, qs->nlans, sizeof(*qs->lans), warp_qlan_cmp);
	for (i = 0; i < nwl; i++) {
		/* An element survives only with the object it names. */
		memcpy(key.name, wl[i].name, sizeof(key.name));
		o = bsearch(&key, want, nwant, sizeof(*want), warp_qobj_cmp);
		if (o == NULL || !o->keep)
			continue;
		if ((hl = bsearch(&wl[i], qs->lans, qs->nlans,
		    sizeof(*qs->lans), warp_qlan_cmp)) != NULL &&
		    strcmp(hl->name, wl[i].name) == 0)
			hl->keep = wl[i].keep = 1;
	}
	del = warp_xcalloc(qs->nlans + 1, sizeof(*del));
	add = warp_xcalloc(nwl + 1, sizeof(*add));
	for (i = 0; i < qs->nlans; i++)
		if (!qs->lans[i].keep)
			del[ndel++] = qs->lans[i];
	for (i = 0; i < nwl; i++)
		if (!wl[i].keep)
			add[nadd++] = wl[i];
	*pdel = del;
	*pndel = ndel;
	*padd = add;
	*pnadd = nadd;
}

/*
 * The quota objects and set elements the active endpoints need, and the
 * LAN prefixes of the sites among them (*wl, *nwl; the caller frees).
 */
static size_t
warp_qt_wanted(struct warp_kctx *ctx, const struct warp_traffic *tr,
    size_t ntr, struct warp_qobj *want, struct warp_qelem *wel,
    struct warp_qlan **wl, size_t *nwl)
{
	const struct warp_traffic	*t;
	struct warp_knet		*kn;
	struct warp_state_peer		*peers;
	size_t				 nwant = 0, i, j, capwl = 0, npeers;

	for (i = 0; i < ctx->nnets; i++) {
		kn = &ctx->nets[i];
		if (ctx->tc_scoped && !kn->traffic)
			continue;
		peers = warp_knet_limited(kn, &npeers);
		for (j = 0; j < npeers; j++) {
			if (!peers[j].active ||
			    (t = warp_traffic_find(tr, ntr,
			    peers[j].endpoint_id)) == NULL ||
			    t->quota_bytes == 0 || t->quota_bytes > WARP_SIZE_MAX)
				continue;
			warp_qt_objname(want[nwant].name, sizeof(want[nwant].name),
			    t->endpoint_id, t->quota_gen);
			want[nwant].bytes = t->quota_bytes;
			want[nwant].consumed = t->used_bytes < t->quota_bytes ?
			    t->used_bytes : t->quota_bytes;
			want[nwant].addr = htonl(t->overlay_ip);
			wel[nwant].addr = want[nwant].addr;
			memcpy(wel[nwant].name, want[nwant].name,
			    sizeof(wel[nwant].name));
			warp_qt_want_lans(kn, &peers[j], want[nwant].name,
			    wl, nwl, &capwl);
			nwant++;
		}
	}
	return (nwant);
}

/* The messages that turn what the kernel has (qs) into what is wanted. */
static void
warp_qt_diff(struct warp_qbatch *qb, struct warp_qstate *qs,
    struct warp_qobj *want, struct warp_qelem *wel, size_t nwant,
    struct warp_qlan *wl, size_t nwl)
{
	struct warp_qobj	*ho;
	struct warp_qelem	*he, *del, *add;
	struct warp_qlan	*ldel, *ladd;
	size_t			 i, ndel = 0, nadd = 0, nldel, nladd;
	int			 whole;

	whole = qs->table && qs->chain && qs->set && qs->lanset &&
	    qs->rules == WARP_QT_RULES;
	if (qb->ctx->tc_scoped && qs->table && !whole) {
		/* Other networks' quotas are in it: the full apply's. */
		warp_kplan(qb->ctx, "  quotas: table %s is incomplete: left "
		    "to the full apply", WARP_QT_TABLE);
		return;
	}
	if (nwant == 0 && (!qs->table || !qb->ctx->tc_scoped)) {
		if (qs->table)
			warp_qb_deltable(qb, "");
		return;
	}
	/* A damaged table is rebuilt from the stored figures. */
	if (!whole) {
		if (qs->table)
			warp_qb_deltable(qb, " (incomplete)");
		qs->nobjs = qs->nelems = qs->nlans = 0;
		warp_qb_skeleton(qb);
	}
	qsort(qs->objs, qs->nobjs, sizeof(*qs->objs), warp_qobj_cmp);
	qsort(qs->elems, qs->nelems, sizeof(*qs->elems), warp_qelem_cmp);
	for (i = 0; i < nwant; i++) {
		if ((ho = bsearch(&want[i], qs->objs, qs->nobjs,
		    sizeof(*qs->objs), warp_qobj_cmp)) != NULL &&
		    ho->bytes == want[i].bytes)
			ho->keep = want[i].keep = 1;
		if ((he = bsearch(&wel[i], qs->elems, qs->nelems,
		    sizeof(*qs->elems), warp_qelem_cmp)) != NULL &&
		    strcmp(he->name, wel[i].name) == 0 && want[i].keep)
			he->keep = wel[i].keep = 1;
	}
	del = warp_xcalloc(qs->nelems + 1, sizeof(*del));
	add = warp_xcalloc(nwant + 1, sizeof(*add));
	for (i = 0; i < qs->nelems; i++)
		if (!qs->elems[i].keep)
			del[ndel++] = qs->elems[i];
	for (i = 0; i < nwant; i++)
		if (!wel[i].keep)
			add[nadd++] = wel[i];
	qsort(want, nwant, sizeof(*want), warp_qobj_cmp);
	warp_qt_diff_lans(qs, wl, nwl, want, nwant, &ldel, &nldel, &ladd,
	    &nladd);
	/* Elements go before the objects they name, and come after them. */
	warp_qb_setelems(qb, WARP_QT_SET, WARP_QT_SET_ID,
	    WARP_QT_ELEMS_PER_MSG, del, ndel, 1, warp_qkey_host);
	warp_qb_setelems(qb, WARP_QT_LAN, WARP_QT_LAN_ID,
	    WARP_QT_LANS_PER_MSG, ldel, nldel, 1, warp_qkey_lan);
	for (i = 0; i < qs->nobjs; i++)
		if (!qs->objs[i].keep)
			warp_qb_obj(qb, &qs->objs[i], 1);
	for (i = 0; i < nwant; i++)
		if (!want[i].keep)
			warp_qb_obj(qb, &want[i], 0);
	warp_qb_setelems(qb, WARP_QT_SET, WARP_QT_SET_ID,
	    WARP_QT_ELEMS_PER_MSG, add, nadd, 0, warp_qkey_host);
	warp_qb_setelems(qb, WARP_QT_LAN, WARP_QT_LAN_ID,
	    WARP_QT_LANS_PER_MSG, ladd, nladd, 0, warp_qkey_lan);
	free(del);
	free(add);
	free(ldel);
	free(ladd);
}

/* Send the batch through the counted path; a refusal fails the quotas. */
static int
warp_qb_flush(struct warp_qbatch *qb, struct mnl_socket *nl)
{
	struct warp_kctx	*ctx = qb->ctx;
	ssize_t			 bad;
	int			 e;
	char			 why[256];

	nftnl_batch_end(nftnl_batch_buffer(qb->b), qb->seq++);
	nftnl_batch_update(qb->b);
	if (qb->n == 0 || warp_nft_batch_send(ctx, nl, qb->b, qb->n, qb->seq0,
	    &bad, &e) == 0)
		return (0);
	if (bad >= 0)
		(void)snprintf(why, sizeof(why), "message %zd of the batch: %s",
		    bad, strerror(e));
	else
		(void)snprintf(why, sizeof(why), "send batch: %s", strerror(e));
	warp_kplan(ctx, "  failed: quotas: %s", why);
	ctx->fw_failed = 1;
	(void)snprintf(ctx->fw_error, sizeof(ctx->fw_error), "quotas: %.*s",
	    (int)sizeof(ctx->fw_error) - 9, why);
	return (-1);
}

static int
warp_qid_cmp(const void *a, const void *b)
{
	const int64_t	*x = a, *y = b;

	return (*x < *y ? -1 : *x > *y);
}

/* Is name an object of one of the sorted ids?  A name not ours is not. */
static int
warp_qt_judged(const char *name, const int64_t *ids, size_t n)
{
	int64_t	id, gen;

	if (warp_qt_name_parse(name, &id, &gen) == -1)
		return (0);
	return (bsearch(&id, ids, n, sizeof(*ids), warp_qid_cmp) != NULL);
}

/*
 * The scoped apply judges only the objects and elements of the traffic
 * networks' endpoints, those there and those the journal says were
 * there (a deleted one's): everything else is kept as the kernel has it.
 */
static void
warp_qt_scope(struct warp_kctx *ctx, struct warp_qstate *qs)
{
	struct warp_knet	*kn;
	struct warp_state_peer	*peers;
	int64_t			*ids;
	size_t			 n = 0, cap = 1, i, j, npeers;

	for (i = 0; i < ctx->nnets; i++)
		if (ctx->nets[i].traffic) {
			(void)warp_knet_limited(&ctx->nets[i], &npeers);
			cap += npeers + ctx->nets[i].nolds;
		}
	ids = warp_xcalloc(cap, sizeof(*ids));
	for (i = 0; i < ctx->nnets; i++) {
		kn = &ctx->nets[i];
		if (!kn->traffic)
			continue;
		peers = warp_knet_limited(kn, &npeers);
		for (j = 0; j < npeers; j++)
			ids[n++] = peers[j].endpoint_id;
		for (j = 0; j < kn->nolds; j++)
			ids[n++] = kn->olds[j].endpoint_id;
	}
	qsort(ids, n, sizeof(*ids), warp_qid_cmp);
	for (i = 0; i < qs->nobjs; i++)
		qs->objs[i].keep = !warp_qt_judged(qs->objs[i].name, ids, n);
	for (i = 0; i < qs->nelems; i++)
		qs->elems[i].keep = !warp_qt_judged(qs->elems[i].name, ids, n);
	for (i = 0; i < qs->nlans; i++)
		qs->lans[i].keep = !warp_qt_judged(qs->lans[i].name, ids, n);
	free(ids);
}

int
warp_quota_apply(struct warp_kctx *ctx, const struct warp_traffic *tr,
    size_t ntr)
{
	struct mnl_socket	*nl;
	struct warp_qstate	 qs;
	struct warp_qbatch	 qb;
	struct warp_qobj	*want;
	struct warp_qelem	*wel;
	struct warp_qlan	*wl = NULL;
	size_t			 nwant, nwl = 0;
	int			 e, ret;

	if ((e = warp_nft_open(&nl)) < 0) {
		warp_kplan(ctx, "  failed: quotas: nftables: %s", strerror(-e));
		return (-1);
	}
	if ((e = warp_qt_some(ctx) ? warp_qt_read_some(ctx, nl, tr, ntr,
	    &qs) : warp_qt_read(nl, &qs)) < 0) {
		warp_kplan(ctx, "  failed: quotas: reading table %s: %s",
		    WARP_QT_TABLE, strerror(-e));
		mnl_socket_close(nl);
		return (-1);
	}
	if (ctx->tc_scoped)
		warp_qt_scope(ctx, &qs);
	want = warp_xcalloc(ntr + 1, sizeof(*want));
	wel = warp_xcalloc(ntr + 1, sizeof(*wel));
	nwant = warp_qt_wanted(ctx, tr, ntr, want, wel, &wl, &nwl);
	memset(&qb, 0, sizeof(qb));
	qb.ctx = ctx;
	if ((qb.b = nftnl_batch_alloc(MNL_SOCKET_BUFFER_SIZE * 8,
	    MNL_SOCKET_BUFFER_SIZE)) == NULL)
		warp_fatal("nftnl_batch_alloc");
	qb.seq = (uint32_t)time(NULL) << 8;
	nftnl_batch_begin(nftnl_batch_buffer(qb.b), qb.seq++);
	nftnl_batch_update(qb.b);
	qb.seq0 = qb.seq;
	warp_qt_diff(&qb, &qs, want, wel, nwant, wl, nwl);
	ret = warp_qb_flush(&qb, nl);
	nftnl_batch_free(qb.b);
	free(want);
	free(wel);
	free(wl);
	warp_qt_free(&qs);
	mnl_socket_close(nl);
	return (ret);
}
