/*
 * The incremental apply: only the networks the change journal names
 * (migrations/0005_change_journal.sql and 0009_journal_endpoint.sql:
 * triggers write it in the transaction of each change, so every writer
 * is caught), each compared with its own WireGuard device only: one
 * link get by name, no dump of the appliance's links, routes, rules or
 * tables.
 *
 * It takes a change only when the difference can be nothing but that
 * network's peers and, for the layer-2 types, the ports or replication
 * entries of those endpoints: the journal marks the change not shared
 * (an endpoint created, deleted, enabled, disabled or re-keyed, with no
 * LANs, rate or quota), the network is enabled, and its devices are
 * there and ours.  A layer-2 network goes this way only when its rows
 * name their endpoints (0009; 0012 adds the address a deleted one had):
 * each endpoint's GRE TAP (l2-p2p) is read by name, its VLANs from that
 * port only, and an l2-mesh endpoint's VXLAN entry is added or removed
 * unread (warp_l2_apply_some, kernel_l2.c).  A change of a routed
 * network's rates or quotas (0013: the journal marks it traffic) runs
 * the traffic rooms scoped to it (ctx->tc_scoped, warp_kchg_tc): its
 * devices' qdiscs and its endpoints' quota objects and set elements
 * only, the IFB device read by name.  When its rows name every endpoint
 * they are about (warp_kchg_traffic_some), only those endpoints are read
 * and their classes and filters got one by one (kn->tc_some); else that
 * network is loaded whole and its device diffed.  Anything else -- a
 * shared or appliance-wide change, a layer-2 network's limits, a network
 * gone, a namespace or device still to create -- runs the full apply
 * instead: such changes are rare, and the full apply is the one that
 * knows the whole table.
 *
 * Two depths.  When every journal row of a network names its endpoint
 * (0009), only those endpoints are read -- each one's row, its desired
 * peer or none if it is deleted, disabled or expired -- and one
 * SET_DEVICE, without GET_DEVICE, removes the key a delete, re-key or
 * disable leaves and sets the wanted peers (warp_wg_apply_some): O(the
 * changed endpoints), not O(the network); apply status is written for
 * those endpoints only.  Rows that name no endpoint (written before
 * 0009) load the whole network and diff it with its device (one
 * GET_DEVICE).
 *
 * Neither reads what the kernel has beyond those devices' links, so
 * neither sees drift: the periodic full apply (warpd, every 60 s) is the
 * drift repair.  It also removes expired peers (expiry journals nothing)
 * and undoes whatever a forged journal row could hold back or send.
 */
#include <sys/socket.h>

#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "warp.h"
#include "warp_kernel.h"
#include "warp_kernel_int.h"
#include "warp_state.h"
#include "warp_traffic.h"

/*
 * Past this many changed endpoints of one layer-2 network (a bulk add or
 * delete), one link dump is cheaper than a link get per port: the full
 * apply.
 */
#define WARP_KCHG_L2_MAX	1024
/*
 * Past this many endpoints with changed limits in one network, its
 * devices' classes and filters are dumped whole instead of read one by
 * one (warp_kchg_traffic_some).
 */
#define WARP_KCHG_TC_MAX	1024

static int	warp_kchg_load(struct warp_kctx *, const struct warp_state_change *,
		    size_t, int64_t, int64_t, char *, size_t);
static int	warp_kchg_some(struct warp_kctx *, struct warp_knet *,
		    const struct warp_network *, int64_t, int64_t, char *,
		    size_t);
static int	warp_kchg_traffic(struct warp_kctx *, struct warp_knet *,
		    const struct warp_network *, int64_t, int64_t, char *,
		    size_t);
static int	warp_kchg_traffic_some(struct warp_kctx *, struct warp_knet *,
		    const struct warp_network *, int64_t, int64_t);
static int	warp_kchg_link(struct warp_kctx *, struct warp_knet *);
static int	warp_kchg_get(struct warp_kctx *, struct warp_knet *,
		    const char *, int);
static int	warp_kchg_l2_links(struct warp_kctx *, struct warp_knet *);
static void	warp_kchg_tc(struct warp_kctx *);
static int	warp_kchg_status(struct warp_kctx *, struct warp_err *);
static int	warp_kchg_run(struct warp_kctx *, const char *, char *, size_t,
		    int *, struct warp_err *);

/*
 * Network net by the endpoints its journal rows name, into kn; 1 with
 * why set when they cannot be reconciled on their own.
 */
static int
warp_kchg_some(struct warp_kctx *ctx, struct warp_knet *kn,
    const struct warp_network *net, int64_t applied, int64_t upto, char *why,
    size_t whylen)
{
	struct warp_err	 e2;
	int64_t		*ids;
	size_t		 nids = 0, i;
	int		 rc;

	warp_kload_head(ctx, kn, net);
	kn->some = 1;
	if (kn->hold)
		return (0);
	if (warp_state_journal_endpoints(ctx->db, applied, upto, net->id,
	    &kn->olds, &kn->nolds, &e2) == -1) {
		warp_knet_fail(ctx, kn, "reading the journal: %s", e2.msg);
		kn->hold = 1;
		return (0);
	}
	ids = warp_xcalloc(kn->nolds + 1, sizeof(*ids));
	for (i = 0; i < kn->nolds; i++)	/* in endpoint order */
		if (nids == 0 || ids[nids - 1] != kn->olds[i].endpoint_id)
			ids[nids++] = kn->olds[i].endpoint_id;
	if (kn->kt->layer2 && nids > WARP_KCHG_L2_MAX) {
		free(ids);
		(void)snprintf(why, whylen, "network %s: %zu layer-2 endpoints "
		    "changed (the full apply reads their ports in one dump)",
		    net->name, nids);
		return (1);
	}
	rc = warp_state_endpoints_load(ctx->db, &kn->net, kn->kt->peer_lans,
	    ctx->now, ids, nids, &kn->peers, &kn->npeers, &e2);
	free(ids);
	if (rc == 1) {
		(void)snprintf(why, whylen, "network %s: %s", net->name,
		    e2.msg);
		return (1);
	}
	warp_kplan(ctx, "journal: network %s: the peers%s of %zu "
	    "endpoint(s) only", net->name, kn->kt->layer2 ? " and ports" : "",
	    nids);
	if (rc == -1) {
		warp_knet_fail(ctx, kn, "reading the network: %s", e2.msg);
		kn->hold = 1;
		return (0);
	}
	warp_kload_peers_check(ctx, kn);
	return (0);
}

/*
 * Network net whose rates or quotas may have changed, into kn: the whole
 * network (its devices' qdiscs are diffed whole) and the endpoints its
 * journal rows name (a deleted one's quota object is its to remove); 1
 * with why set for a layer-2 network (its ports follow its endpoints:
 * the full apply).
 */
static int
warp_kchg_traffic(struct warp_kctx *ctx, struct warp_knet *kn,
    const struct warp_network *net, int64_t applied, int64_t upto, char *why,
    size_t whylen)
{
	const struct warp_ktype	*kt = warp_ktype_get(net->type);
	struct warp_err		 e2;

	if (kt == NULL || kt->layer2) {
		(void)snprintf(why, whylen, "network %s: the rate limits or "
		    "quotas of a layer-2 network", net->name);
		return (1);
	}
	if (warp_kchg_traffic_some(ctx, kn, net, applied, upto) == 0)
		return (0);
	warp_kplan(ctx, "journal: network %s: its peers and traffic limits",
	    net->name);
	warp_kload_net(ctx, kn, net);
	kn->traffic = 1;
	ctx->tc_scoped = 1;
	if (!kn->hold && warp_state_journal_endpoints(ctx->db, applied, upto,
	    net->id, &kn->olds, &kn->nolds, &e2) == -1) {
		warp_knet_fail(ctx, kn, "reading the journal: %s", e2.msg);
		kn->hold = 1;
	}
	return (0);
}

/*
 * Network net of a routed type whose journal names every endpoint it is
 * about -- rows of their peers (0009) and of their own limits ("endpoint
 * N traffic", 0005) -- into kn: the journaled endpoints' peers (set or
 * removed unread, as warp_kchg_some does) and the peers of all of them
 * for the traffic rooms (kn->tcpeers), whose classes, filters and quota
 * objects are then read and written one by one: O(the endpoints named),
 * not O(the network).  1, with kn untouched, when the whole network is
 * what to read: a row of its default limits or none named, more than
 * WARP_KCHG_TC_MAX endpoints, one with LAN subnets (its filters follow
 * its LANs) or in another network now, or the database unreadable
 * (the whole network's load says why).
 */
static int
warp_kchg_traffic_some(struct warp_kctx *ctx, struct warp_knet *kn,
    const struct warp_network *net, int64_t applied, int64_t upto)
{
	const struct warp_ktype		*kt = warp_ktype_get(net->type);
	struct warp_network		 head = *net;
	struct warp_state_epchange	*olds = NULL;
	struct warp_state_peer		*peers = NULL, *tcpeers = NULL;
	struct warp_err			 e2;
	int64_t				*tcids = NULL, *ids = NULL;
	size_t				 ntc = 0, nolds = 0, nids = 0;
	size_t				 npeers = 0, ntcpeers = 0, i;
	int				 rc;

	rc = warp_state_journal_traffic_ids(ctx->db, applied, upto, net->id,
	    &tcids, &ntc, &e2);
	if (rc == 1)
		warp_kplan(ctx, "journal: network %s: its default limits or "
		    "a row that names no endpoint: the whole network",
		    net->name);
	else if (rc == 0 && ntc > WARP_KCHG_TC_MAX)
		warp_kplan(ctx, "journal: network %s: the limits of %zu "
		    "endpoints: the whole network", net->name, ntc);
	if (rc != 0 || ntc > WARP_KCHG_TC_MAX)
		goto whole;
	if (warp_state_journal_endpoints(ctx->db, applied, upto, net->id,
	    &olds, &nolds, &e2) == -1)
		goto whole;
	ids = warp_xcalloc(nolds + 1, sizeof(*ids));
	for (i = 0; i < nolds; i++)	/* in endpoint order */
		if (nids == 0 || ids[nids - 1] != olds[i].endpoint_id)
			ids[nids++] = olds[i].endpoint_id;
	warp_network_ifnames(&head);
	if (warp_state_endpoints_load(ctx->db, &head, kt->peer_lans,
	    ctx->now, ids, nids, &peers, &npeers, &e2) != 0 ||
	    warp_state_endpoints_load(ctx->db, &head, kt->peer_lans,
	    ctx->now, tcids, ntc, &tcpeers, &ntcpeers, &e2) != 0) {
		warp_kplan(ctx, "journal: network %s: %s: the whole network",
		    net->name, e2.msg);
		goto whole;
	}
	free(ids);
	free(tcids);
	warp_kload_head(ctx, kn, net);
	kn->some = kn->traffic = kn->tc_some = 1;
	ctx->tc_scoped = 1;
	kn->olds = olds;
	kn->nolds = nolds;
	kn->peers = peers;
	kn->npeers = npeers;
	kn->tcpeers = tcpeers;
	kn->ntcpeers = ntcpeers;
	warp_kplan(ctx, "journal: network %s: the peers of %zu and the "
	    "traffic limits of %zu endpoint(s) only", net->name, nids, ntc);
	if (!kn->hold)
		warp_kload_peers_check(ctx, kn);
	return (0);
whole:
	warp_state_peers_free(peers, npeers);
	warp_state_peers_free(tcpeers, ntcpeers);
	free(olds);
	free(ids);
	free(tcids);
	return (1);
}

/*
 * The changed networks into ctx->nets; 1 with why set when one of the
 * changes needs the full apply, 0 when all are this network's peers.
 */
static int
warp_kchg_load(struct warp_kctx *ctx, const struct warp_state_change *chg,
    size_t n, int64_t applied, int64_t upto, char *why, size_t whylen)
{
	struct warp_network	 net;
	struct warp_err		 e2;
	size_t			 i;

	for (i = 0; i < n; i++) {
		if (chg[i].network_id == 0) {
			(void)snprintf(why, whylen, "an appliance-wide change");
			return (1);
		}
		if (warp_network_get_id(ctx->db, chg[i].network_id, &net,
		    &e2) == -1) {
			(void)snprintf(why, whylen, "network %lld: %s",
			    (long long)chg[i].network_id, e2.msg);
			return (1);
		}
		if (chg[i].shared) {
			(void)snprintf(why, whylen, "network %s: a change "
			    "beyond its peers and traffic limits", net.name);
			return (1);
		}
		if (!net.enabled) {
			warp_kplan(ctx, "journal: network %s is suspended: "
			    "nothing of it in the kernel", net.name);
			continue;
		}
		if (chg[i].traffic) {
			if (warp_kchg_traffic(ctx, &ctx->nets[ctx->nnets++],
			    &net, applied, upto, why, whylen) == 1)
				return (1);
			continue;
		}
		if (warp_ktype_get(net.type) == NULL ||
		    (warp_ktype_get(net.type)->layer2 && !chg[i].by_endpoint)) {
			(void)snprintf(why, whylen, "network %s: a layer-2 "
			    "network's ports follow its endpoints, and the "
			    "journal does not name them all", net.name);
			return (1);
		}
		if (chg[i].by_endpoint) {
			if (warp_kchg_some(ctx, &ctx->nets[ctx->nnets++], &net,
			    applied, upto, why, whylen) == 1)
				return (1);
			continue;
		}
		warp_kplan(ctx, "journal: network %s: its peers only",
		    net.name);
		warp_kload_net(ctx, &ctx->nets[ctx->nnets++], &net);
	}
	return (0);
}

/* The network's WireGuard link, by name: -1 if absent or not ours. */
static int
warp_kchg_link(struct warp_kctx *ctx, struct warp_knet *kn)
{
	struct rtnl_link	*l;
	const char		*alias;
	int			 ok;

	ctx->cnt->rd_rtnl++;
	if (rtnl_link_get_kernel(ctx->rtnl, 0, kn->net.if_wg, &l) < 0)
		return (-1);
	alias = rtnl_link_get_ifalias(l);
	ok = alias != NULL && strcmp(alias, kn->alias) == 0;
	if (ok) {
		kn->wg_ifindex = rtnl_link_get_ifindex(l);
		kn->links_ok = 1;
	}
	rtnl_link_put(l);
	return (ok ? 0 : -1);
}

/*
 * One link of a network, by name, into ctx->links (a cache of just the
 * links read so, where the full apply has every link): 0 if it is there
 * and ours or (a port, an IFB device) absent, -1 if a device the network
 * needs (must) is absent or not ours: the full apply sorts that out.
 */
static int
warp_kchg_get(struct warp_kctx *ctx, struct warp_knet *kn,
    const char *name, int must)
{
	struct rtnl_link	*l;
	const char		*alias;
	int			 ours;

	if (ctx->links == NULL && nl_cache_alloc_name("route/link",
	    &ctx->links) < 0)
		warp_fatal("nl_cache_alloc_name route/link");
	if ((l = rtnl_link_get_by_name(ctx->links, name)) != NULL) {
		rtnl_link_put(l);	/* read already */
		return (0);
	}
	ctx->cnt->rd_rtnl++;
	if (rtnl_link_get_kernel(ctx->rtnl, 0, name, &l) < 0)
		return (must ? -1 : 0);
	alias = rtnl_link_get_ifalias(l);
	ours = alias != NULL && strcmp(alias, kn->alias) == 0;
	if (strcmp(name, kn->net.if_vrf) == 0)
		kn->vrf_ifindex = rtnl_link_get_ifindex(l);
	(void)nl_cache_add(ctx->links, (struct nl_object *)l);
	rtnl_link_put(l);
	return (must && !ours ? -1 : 0);
}

/*
 * A layer-2 network's links: its VRF, bridge and (l2-mesh) VXLAN device,
 * and the GRE TAPs (l2-p2p) its journaled endpoints have or had.
 */
static int
warp_kchg_l2_links(struct warp_kctx *ctx, struct warp_knet *kn)
{
	char	name[WARP_IFNAMSIZ];
	size_t	i;

	if (warp_kchg_get(ctx, kn, kn->net.if_vrf, 1) == -1 ||
	    warp_kchg_get(ctx, kn, kn->net.if_br, 1) == -1)
		return (-1);
	if (kn->net.type == WARP_NET_L2_MESH)
		return (warp_kchg_get(ctx, kn, kn->net.if_vx, 1));
	for (i = 0; i < kn->npeers; i++) {
		warp_knet_gt_name(kn, kn->peers[i].allowed[0].addr, name,
		    sizeof(name));
		(void)warp_kchg_get(ctx, kn, name, 0);
	}
	for (i = 0; i < kn->nolds; i++) {
		if (kn->olds[i].old_overlay == 0)
			continue;
		warp_knet_gt_name(kn, kn->olds[i].old_overlay, name,
		    sizeof(name));
		(void)warp_kchg_get(ctx, kn, name, 0);
	}
	return (0);
}

/*
 * The rows of these networks' endpoints.  A network's own row: failed if
 * it failed here; applied if it was pending (a bulk add marks it so) and
 * went through; else left alone: "applied" also speaks for its firewall
 * and links, which only the full apply reads, so a network that failed
 * there stays failed until the next full apply says otherwise.
 */
static int
warp_kchg_status(struct warp_kctx *ctx, struct warp_err *err)
{
	struct warp_state_status	*rows;
	struct warp_apply_status	 was;
	struct warp_knet		*kn;
	size_t				 n = 0, i, j, cap = 1;
	int				 ret;

	for (i = 0; i < ctx->nnets; i++)
		cap += 1 + ctx->nets[i].npeers;
	rows = warp_xcalloc(cap, sizeof(*rows));
	for (i = 0; i < ctx->nnets; i++) {
		kn = &ctx->nets[i];
		warp_apply_status_get(ctx->db, "network", kn->net.id, &was);
		if (kn->failed || strcmp(was.status, "pending") == 0) {
			rows[n].type = "network";
			rows[n].id = kn->net.id;
			rows[n].status = kn->failed ? "failed" : "applied";
			(void)snprintf(rows[n].error, sizeof(rows[n].error),
			    "%s", kn->failed ? kn->error : "");
			n++;
		}
		for (j = 0; j < kn->npeers; j++)
			warp_kstatus_peer(kn, &kn->peers[j], &rows[n++]);
	}
	ret = warp_apply_status_store_some(ctx->db, rows, n, err);
	free(rows);
	return (ret);
}

/*
 * The traffic rooms for the networks marked traffic: each one's IFB
 * device read by name into ctx->links (warp_tc_apply finds it there, and
 * removes it there when no upload is shaped any more), then its qdiscs
 * and its endpoints' quota objects.
 */
static void
warp_kchg_tc(struct warp_kctx *ctx)
{
	struct warp_knet	*kn;
	char			 name[WARP_IFNAMSIZ];
	size_t			 i;

	for (i = 0; i < ctx->nnets; i++) {
		kn = &ctx->nets[i];
		if (!kn->traffic || kn->hold || kn->failed)
			continue;
		warp_tc_ifb_name(kn, name, sizeof(name));
		(void)warp_kchg_get(ctx, kn, name, 0);
	}
	/* qdiscs, classes, filters; the quota table (else each get counts) */
	if (!warp_qt_some(ctx))
		ctx->cnt->rd_tables++;
	(void)warp_tc_apply(ctx);
}

/*
 * The kernel part, in namespace ns: 1 with why set when a device is not
 * there (the full apply makes it), else 0 or -1 as the apply went; *ran
 * once the networks were reconciled (their failures are recorded).
 */
static int
warp_kchg_run(struct warp_kctx *ctx, const char *ns, char *why,
    size_t whylen, int *ran, struct warp_err *err)
{
	struct warp_knet	*kn;
	size_t			 i, nfailed = 0;
	int			 saved = -1, ret = -1, e;

	if (ns[0] != '\0' && !warp_netns_exists(ns)) {
		(void)snprintf(why, whylen, "namespace %s does not exist", ns);
		return (1);
	}
	if (warp_netns_enter(ns, 0, &saved, err) == -1)
		return (-1);
	if ((ctx->rtnl = nl_socket_alloc()) == NULL)
		warp_fatal("nl_socket_alloc");
	if ((e = nl_connect(ctx->rtnl, NETLINK_ROUTE)) < 0) {
		warp_err_system(err, "rtnetlink: %s", nl_geterror(e));
		goto out;
	}
	/* Every device first: a missing one sends the whole apply. */
	for (i = 0; i < ctx->nnets; i++) {
		kn = &ctx->nets[i];
		if (kn->hold || (warp_kchg_link(ctx, kn) == 0 &&
		    (!kn->kt->layer2 || warp_kchg_l2_links(ctx, kn) == 0)))
			continue;
		(void)snprintf(why, whylen, "network %s: %s is not there "
		    "yet", kn->net.name, kn->links_ok && kn->kt->layer2 ?
		    "its VRF, bridge or VXLAN device" : kn->net.if_wg);
		ret = 1;
		goto out;
	}
	*ran = 1;
	for (i = 0; i < ctx->nnets; i++) {
		kn = &ctx->nets[i];
		if (!kn->hold && kn->some)
			(void)warp_wg_apply_some(ctx, kn);
		else if (!kn->hold)
			(void)warp_wg_reconcile(ctx, kn);
		if (!kn->hold && kn->kt->layer2 && !kn->failed)
			(void)warp_l2_apply_some(ctx, kn);
	}
	if (ctx->tc_scoped)
		warp_kchg_tc(ctx);
	for (i = 0; i < ctx->nnets; i++) {
		kn = &ctx->nets[i];
		if (kn->failed && nfailed++ == 0)
			warp_err_system(err, "%s: %s", kn->net.name, kn->error);
	}
	if (ctx->fw_failed && nfailed++ == 0)
		warp_err_system(err, "%s", ctx->fw_error);
	ret = nfailed > 0 ? -1 : 0;
out:
	warp_netns_leave(saved);
	return (ret);
}

int
warp_kernel_apply_changes(struct warp_db *db, const char *netns, int dry_run,
    struct warp_buf *plan, struct warp_err *err)
{
	struct warp_kctx		 ctx;
	struct warp_kernel_counters	 cnt;
	struct warp_state_change	*chg = NULL;
	struct warp_err			 e2;
	int64_t				 applied, upto;
	size_t				 nchg = 0;
	int				 lock = -1, ran = 0, ret = -1, full;
	char				 why[1024];

	memset(&ctx, 0, sizeof(ctx));
	memset(&cnt, 0, sizeof(cnt));
	ctx.db = db;
	ctx.dry_run = dry_run;
	ctx.plan = plan;
	ctx.cnt = &cnt;
	ctx.now = time(NULL);
	why[0] = '\0';

	if (!dry_run && (lock = warp_state_apply_lock(db)) == -1)
		return (warp_err_system(err, "cannot lock %s.apply-lock: %s",
		    warp_state_db_name(db), strerror(errno)));
	/* The journal before the rows: a later change waits for next time. */
	if (warp_state_journal_read(db, &applied, &upto, &chg, &nchg,
	    err) == -1 || warp_server_config_get(db, &ctx.cfg, err) == -1)
		goto out;
	if (nchg == 0 && applied <= upto)
		warp_kplan(&ctx, "journal: no change after %lld",
		    (long long)applied);
	ctx.nets = warp_xcalloc(nchg + 1, sizeof(*ctx.nets));
	if (applied > upto) {
		/* Not written by the reconciler: trust the full apply only. */
		(void)snprintf(why, sizeof(why), "the applied sequence %lld is "
		    "ahead of the journal (%lld)", (long long)applied,
		    (long long)upto);
		full = 1;
	} else
		full = warp_kchg_load(&ctx, chg, nchg, applied, upto, why,
		    sizeof(why));
	if (!full && ctx.nnets == 0) {
		ran = 1;	/* nothing, or only suspended networks */
		ret = 0;
	} else if (!full) {
		ret = warp_kchg_run(&ctx, netns != NULL ? netns :
		    ctx.cfg.netns, why, sizeof(why), &ran, err);
		if ((full = ret == 1))
			ret = -1;
		else if (!ran)
			goto out;	/* no namespace, no socket: err says */
	}
	if (full) {
		warp_kctx_free(&ctx);
		warp_kplan(&ctx, "journal: %s: full apply", why);
		ret = warp_kapply_full(db, netns, dry_run, plan, &ran, err);
		goto advance;
	}
	warp_kplan_counts(&ctx);
	if (!dry_run && ctx.nnets > 0 && warp_kchg_status(&ctx, &e2) == -1)
		warp_kplan(&ctx, "  failed: recording the apply status: %s",
		    e2.msg);
advance:
	if (!dry_run && ran && upto != applied &&
	    warp_state_journal_applied(db, upto, &e2) == -1)
		warp_kplan(&ctx, "  failed: recording the applied changes: %s",
		    e2.msg);
out:
	warp_kctx_free(&ctx);
	free(chg);
	if (lock != -1)
		close(lock);
	return (ret);
}
