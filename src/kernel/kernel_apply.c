/*
 * The reconciler: desired state from the database, actual state from the
 * kernel, and only the difference sent.  Order of one apply:
 *
 *   1. read the db (networks that are enabled, their active endpoints);
 *   2. read the kernel (links, addresses, routes, rules) and work out
 *      each network's routes;
 *   3. remove what is ours and no longer wanted (routes, rules, links);
 *   4. one nftables batch for the whole inet warp table, so that a new
 *      network is filtered before its first peer exists;
 *   5. per network: VRF, WireGuard link, address, key/port/peers, routes,
 *      return rule, and for layer-2 types the bridge and its ports; a
 *      failure stops that network only;
 *   6. record applied/failed per network, endpoint and the firewall.
 *
 * The change journal's newest sequence is read first and recorded as
 * applied at the end, so the incremental apply (kernel_changes.c) starts
 * after what this one read.
 *
 * The database is read and written through warp_state.h only; the other
 * kernel rooms are called, never calling back (see warp_kernel_int.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
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

#define WARP_IP_FORWARD		"/proc/sys/net/ipv4/ip_forward"

static uint64_t	warp_kcounters_total(const struct warp_kernel_counters *);
static int	warp_kload(struct warp_kctx *, struct warp_err *);
static void	warp_kload_peers(struct warp_kctx *, struct warp_knet *);
static void	warp_kload_check(struct warp_kctx *, struct warp_knet *);
static int	warp_ip_forward(struct warp_kctx *);
static void	warp_kapply_host_pool(struct warp_kctx *);
static int	warp_kstatus_store(struct warp_kctx *, struct warp_network *,
		    size_t, struct warp_err *);
static int	warp_kscratch_ns(int *, struct warp_err *);

static uint64_t
warp_kcounters_total(const struct warp_kernel_counters *c)
{
	return (c->rtnl + c->genl + c->nft + c->sysctl + c->tc);
}

/*
 * A network whose row fails the edge's validators (a worker could have
 * written it) is that network's failure: nothing of it is changed in the
 * kernel, and its firewall chains only drop, so an untrusted row neither
 * reaches the kernel nor stops the other networks.
 */
static void
warp_kload_check(struct warp_kctx *ctx, struct warp_knet *kn)
{
	struct warp_err	err;

	if (warp_network_revalidate(ctx->db, &kn->net, &err) == 0)
		return;
	warp_knet_fail(ctx, kn, "in the database: %s", err.msg);
	kn->hold = 1;
	kn->fw_closed = 1;
}

/* The desired state of one network, from the database (warp_state.c). */
static void
warp_kload_peers(struct warp_kctx *ctx, struct warp_knet *kn)
{
	struct warp_err	err;

	if (warp_state_network_load(ctx->db, &kn->net, kn->kt->peer_lans,
	    ctx->now, &kn->key, &kn->peers, &kn->npeers, &err) == -1) {
		warp_knet_fail(ctx, kn, "reading the network: %s", err.msg);
		kn->hold = 1;
		return;
	}
	warp_kload_peers_check(ctx, kn);
}

/* A failed endpoint gets no peer; one whose keys are unreadable holds. */
void
warp_kload_peers_check(struct warp_kctx *ctx, struct warp_knet *kn)
{
	size_t	i;

	for (i = 0; i < kn->npeers; i++) {
		if (kn->peers[i].failed && !kn->peers[i].hold) {
			/* That endpoint only: it gets no peer. */
			warp_kplan(ctx, "  failed (%s/%s): %s", kn->net.name,
			    kn->peers[i].name, kn->peers[i].error);
			continue;
		}
		if (!kn->peers[i].hold)
			continue;
		warp_knet_fail(ctx, kn, "endpoint %s: %s", kn->peers[i].name,
		    kn->peers[i].error);
		kn->hold = 1;
	}
}

void
warp_kload_head(struct warp_kctx *ctx, struct warp_knet *kn,
    const struct warp_network *net)
{
	kn->net = *net;
	warp_network_ifnames(&kn->net);
	(void)snprintf(kn->alias, sizeof(kn->alias), "%s%u",
	    WARP_LINK_ALIAS, kn->net.vcid);
	if ((kn->kt = warp_ktype_get(kn->net.type)) == NULL)
		warp_fatal("network type %d has no kernel realisation",
		    kn->net.type);
	warp_kload_check(ctx, kn);
}

void
warp_kload_net(struct warp_kctx *ctx, struct warp_knet *kn,
    const struct warp_network *net)
{
	warp_kload_head(ctx, kn, net);
	warp_kload_peers(ctx, kn);
}

static int
warp_kload(struct warp_kctx *ctx, struct warp_err *err)
{
	struct warp_network	*nets = NULL;
	size_t			 n = 0, i;

	warp_state_read_begin(ctx->db);
	if (warp_network_list(ctx->db, &nets, &n, err) == -1) {
		warp_state_read_end(ctx->db);
		return (-1);
	}
	ctx->nets = warp_xcalloc(n + 1, sizeof(*ctx->nets));
	for (i = 0; i < n; i++) {
		if (!nets[i].enabled)
			continue;	/* suspended: nothing in the kernel */
		warp_kload_net(ctx, &ctx->nets[ctx->nnets++], &nets[i]);
	}
	warp_state_read_end(ctx->db);
	warp_network_list_free(nets);
	return (0);
}

void
warp_kctx_free(struct warp_kctx *ctx)
{
	size_t	i;

	for (i = 0; i < ctx->nnets; i++) {
		warp_state_peers_free(ctx->nets[i].peers, ctx->nets[i].npeers);
		free(ctx->nets[i].olds);
		warp_state_peers_free(ctx->nets[i].tcpeers,
		    ctx->nets[i].ntcpeers);
		free(ctx->nets[i].routes);
		warp_state_netkey_free(&ctx->nets[i].key);
	}
	free(ctx->nets);
	ctx->nets = NULL;
	ctx->nnets = 0;
	warp_fw_free(ctx);
	warp_wgnl_close(ctx->wgnl);
	ctx->wgnl = NULL;
	warp_nl_talk_close(ctx);
	warp_nl_close(ctx);
}

/* Forwarding is what a gateway is for; /proc/sys is the kernel's API. */
static int
warp_ip_forward(struct warp_kctx *ctx)
{
	char	c = '0';
	int	fd;

	if ((fd = open(WARP_IP_FORWARD, O_RDWR | O_CLOEXEC)) == -1)
		return (-1);
	if (read(fd, &c, 1) == 1 && c == '1') {
		close(fd);
		return (0);
	}
	warp_kplan(ctx, "change sysctl net.ipv4.ip_forward = 1");
	if (warp_ksysctl_write(ctx, fd, "1\n") == -1) {
		close(fd);
		return (-1);
	}
	close(fd);
	return (0);
}

/* An endpoint's outcome: its own failure, or its network's if it held. */
void
warp_kstatus_peer(struct warp_knet *kn, struct warp_state_peer *sp,
    struct warp_state_status *row)
{
	row->type = "endpoint";
	row->id = sp->endpoint_id;
	if (sp->failed)
		(void)snprintf(row->error, sizeof(row->error), "%s", sp->error);
	else if (kn->failed && (kn->hold || !kn->links_ok))
		(void)snprintf(row->error, sizeof(row->error), "network %s: %s",
		    kn->net.name, kn->error);
	else
		row->error[0] = '\0';
	row->status = row->error[0] != '\0' ? "failed" : "applied";
}

/* The networks' key checks this apply made, in one transaction. */
static int
warp_knetkey_checks_store(struct warp_kctx *ctx, struct warp_err *err)
{
	const struct warp_state_netkey	**keys;
	size_t				  i;
	int				  ret;

	keys = warp_xcalloc(ctx->nnets + 1, sizeof(*keys));
	for (i = 0; i < ctx->nnets; i++)
		keys[i] = &ctx->nets[i].key;
	ret = warp_state_netkey_checks_store(ctx->db, keys, ctx->nnets, err);
	free(keys);
	return (ret);
}

static int
warp_kstatus_store(struct warp_kctx *ctx, struct warp_network *all,
    size_t nall, struct warp_err *err)
{
	struct warp_state_status	*rows, *row;
	struct warp_knet		*kn;
	size_t				 n = 0, i, j, cap;
	int				 ret;

	cap = 1 + nall;
	for (i = 0; i < ctx->nnets; i++)
		cap += ctx->nets[i].npeers;
	rows = warp_xcalloc(cap, sizeof(*rows));
	row = &rows[n++];
	row->type = "firewall";
	row->status = ctx->fw_failed ? "failed" : "applied";
	(void)snprintf(row->error, sizeof(row->error), "%s", ctx->fw_error);
	/* Suspended networks: their removal is what was applied. */
	for (i = 0; i < nall; i++) {
		if (all[i].enabled)
			continue;
		row = &rows[n++];
		row->type = "network";
		row->id = all[i].id;
		row->status = "applied";
	}
	for (i = 0; i < ctx->nnets; i++) {
		kn = &ctx->nets[i];
		row = &rows[n++];
		row->type = "network";
		row->id = kn->net.id;
		row->status = kn->failed || ctx->fw_failed ? "failed" :
		    "applied";
		(void)snprintf(row->error, sizeof(row->error), "%s",
		    kn->failed ? kn->error : ctx->fw_failed ? ctx->fw_error :
		    "");
		for (j = 0; j < kn->npeers; j++)
			warp_kstatus_peer(kn, &kn->peers[j], &rows[n++]);
	}
	ret = warp_apply_status_store(ctx->db, rows, n, err);
	free(rows);
	for (i = 0; ret == 0 && i < ctx->nnets; i++)
		ret = warp_state_psk_checks_store(ctx->db, ctx->nets[i].peers,
		    ctx->nets[i].npeers, err);
	if (ret == 0)
		ret = warp_knetkey_checks_store(ctx, err);
	return (ret);
}

/*
 * A dry run against a namespace that does not exist yet: read an empty
 * kernel (a fresh, unnamed namespace of this thread) instead.
 */
static int
warp_kscratch_ns(int *saved, struct warp_err *err)
{
	if ((*saved = open("/proc/thread-self/ns/net",
	    O_RDONLY | O_CLOEXEC)) == -1)
		return (warp_err_system(err, "network namespace: %s",
		    strerror(errno)));
	if (unshare(CLONE_NEWNET) == -1) {
		close(*saved);
		*saved = -1;
		return (warp_err_system(err, "scratch network namespace: %s",
		    strerror(errno)));
	}
	return (0);
}

/*
 * The plan's last two lines, the counts of what was sent and read; tests
 * and `warpctl apply` readers look for "sent N write messages" and
 * "read N requests".
 */
void
warp_kplan_counts(struct warp_kctx *ctx)
{
	const struct warp_kernel_counters	*c = ctx->cnt;

	warp_kplan(ctx, "%s %llu write messages: rtnetlink %llu, wireguard "
	    "%llu (%llu peers), nftables %llu in %llu batch(es), sysctl %llu, "
	    "tc %llu",
	    ctx->dry_run ? "would send" : "sent",
	    (unsigned long long)warp_kcounters_total(c),
	    (unsigned long long)c->rtnl, (unsigned long long)c->genl,
	    (unsigned long long)c->peers, (unsigned long long)c->nft,
	    (unsigned long long)c->nft_batches,
	    (unsigned long long)c->sysctl, (unsigned long long)c->tc);
	warp_kplan(ctx, "read %llu requests: rtnetlink %llu (%llu dumps of "
	    "every link), wireguard %llu devices, firewall and traffic "
	    "tables %llu",
	    (unsigned long long)(c->rd_rtnl + c->rd_wg + c->rd_tables),
	    (unsigned long long)c->rd_rtnl,
	    (unsigned long long)c->rd_link_dumps,
	    (unsigned long long)c->rd_wg, (unsigned long long)c->rd_tables);
}

/*
 * The full apply, the journal's newest sequence read before anything
 * else: whatever was journaled up to it is in what the apply read, so it
 * is applied (failures included: they are recorded, and the periodic
 * full apply tries them again).
 */
int
warp_kernel_apply(struct warp_db *db, const char *netns, int dry_run,
    struct warp_buf *plan, struct warp_err *err)
{
	struct warp_err			 e2;
	int64_t				 applied, upto;
	int				 lock = -1, ran = 0, ret;

	if (!dry_run && (lock = warp_state_apply_lock(db)) == -1)
		return (warp_err_system(err, "cannot lock %s.apply-lock: %s",
		    warp_state_db_name(db), strerror(errno)));
	if (warp_state_journal_read(db, &applied, &upto, NULL, NULL,
	    err) == -1) {
		if (lock != -1)
			close(lock);
		return (-1);
	}
	ret = warp_kapply_full(db, netns, dry_run, plan, &ran, err);
	if (!dry_run && ran && upto != applied &&
	    warp_state_journal_applied(db, upto, &e2) == -1 && plan != NULL)
		warp_buf_appendf(plan, "  failed: recording the applied "
		    "changes: %s\n", e2.msg);
	if (lock != -1)
		close(lock);
	return (ret);
}

/*
 * warp-firewall's table follows the port pool (kernel_host.c): a pool
 * widened in the web admin is open at the next apply, not at the next
 * boot.  Its messages count as the firewall's, in a batch of their own.
 */
static void
warp_kapply_host_pool(struct warp_kctx *ctx)
{
	struct warp_err	e;
	uint64_t	sent = 0;

	ctx->cnt->rd_tables++;	/* the list of inet tables, and warp_host's */
	if (warp_host_firewall_pool((uint16_t)ctx->cfg.port_min,
	    (uint16_t)ctx->cfg.port_max, ctx->dry_run, ctx->plan, &sent,
	    &e) == -1)
		warp_kplan(ctx, "  failed: host firewall: %s", e.msg);
	ctx->cnt->nft += sent;
	if (sent > 0)
		ctx->cnt->nft_batches++;
}

int
warp_kapply_full(struct warp_db *db, const char *netns, int dry_run,
    struct warp_buf *plan, int *ran, struct warp_err *err)
{
	struct warp_kctx		 ctx;
	struct warp_kernel_counters	 cnt;
	struct warp_network		*all = NULL;
	struct warp_knet		*kn;
	struct warp_err			 e2;
	const char			*ns;
	size_t				 nall = 0, i, nfailed = 0;
	int				 saved = -1, created = 0;
	int				 ret = -1;
	char				 first[512];

	memset(&ctx, 0, sizeof(ctx));
	memset(&cnt, 0, sizeof(cnt));
	ctx.db = db;
	ctx.dry_run = dry_run;
	ctx.plan = plan;
	ctx.cnt = &cnt;
	ctx.now = time(NULL);
	first[0] = '\0';

	if (warp_server_config_get(db, &ctx.cfg, err) == -1)
		return (-1);
	ns = netns != NULL ? netns : ctx.cfg.netns;
	if (warp_kload(&ctx, err) == -1)
		goto out;
	if (warp_network_list(db, &all, &nall, err) == -1)
		goto out;

	if (ns[0] != '\0' && !warp_netns_exists(ns)) {
		warp_kplan(&ctx, "create network namespace %s", ns);
		created = 1;
		if (dry_run) {
			if (warp_kscratch_ns(&saved, err) == -1)
				goto out;
		} else if (warp_netns_enter(ns, 1, &saved, err) == -1)
			goto out;
	} else if (warp_netns_enter(ns, 0, &saved, err) == -1)
		goto out;

	if (warp_nl_open(&ctx, err) == -1)
		goto out;
	if (created)
		(void)warp_nl_lo_up(&ctx);
	if (ctx.nnets > 0 && warp_ip_forward(&ctx) == -1)
		warp_kplan(&ctx, "  failed: cannot enable %s: %s",
		    WARP_IP_FORWARD, strerror(errno));

	warp_nl_resolve_uplink(&ctx);
	for (i = 0; i < ctx.nnets; i++) {
		kn = &ctx.nets[i];
		(void)kn->kt->routes(&ctx, kn);
	}

	warp_nl_remove_stale(&ctx);
	cnt.rd_tables++;	/* the firewall reads table inet warp */
	(void)warp_fw_apply(&ctx);
	if (ctx.fw_failed)
		warp_kplan(&ctx, "  failed: firewall: %s", ctx.fw_error);
	warp_kapply_host_pool(&ctx);

	for (i = 0; i < ctx.nnets; i++) {
		kn = &ctx.nets[i];
		if (kn->hold)
			continue;
		if (warp_nl_links(&ctx, kn) == -1)
			continue;
		if (warp_nl_addrs(&ctx, kn) == -1)
			continue;
		if (warp_wg_reconcile(&ctx, kn) == -1 && kn->hold)
			continue;	/* a preshared key it cannot open */
		(void)warp_nl_routes(&ctx, kn);
		(void)warp_nl_rules(&ctx, kn);
		if (kn->kt->layer2 && !kn->failed)
			(void)warp_l2_apply(&ctx, kn);
	}
	cnt.rd_tables++;	/* qdiscs, classes, filters; the quota table */
	(void)warp_tc_apply(&ctx);	/* rate limits and quotas */

	for (i = 0; i < ctx.nnets; i++) {
		if (!ctx.nets[i].failed)
			continue;
		if (nfailed++ == 0)
			(void)snprintf(first, sizeof(first), "%s: %s",
			    ctx.nets[i].net.name, ctx.nets[i].error);
	}
	warp_kplan_counts(&ctx);
	if (cnt.psk_opened + cnt.psk_vouched > 0)
		warp_kplan(&ctx, "  preshared keys: %llu opened, %llu as the "
		    "kernel has them (their stored check matches)",
		    (unsigned long long)cnt.psk_opened,
		    (unsigned long long)cnt.psk_vouched);
	if (cnt.netkey_opened + cnt.netkey_vouched > 0)
		warp_kplan(&ctx, "  network keys: %llu opened, %llu as the "
		    "kernel has them (their stored check matches)",
		    (unsigned long long)cnt.netkey_opened,
		    (unsigned long long)cnt.netkey_vouched);

	if (!dry_run && warp_kstatus_store(&ctx, all, nall, &e2) == -1)
		warp_kplan(&ctx, "  failed: recording the apply status: %s",
		    e2.msg);
	*ran = 1;

	if (ctx.fw_failed)
		warp_err_system(err, "firewall: %s", ctx.fw_error);
	else if (nfailed > 0)
		warp_err_system(err, "%zu of %zu networks failed; %s", nfailed,
		    ctx.nnets, first);
	else
		ret = 0;
out:
	warp_kctx_free(&ctx);
	warp_network_list_free(all);
	warp_netns_leave(saved);
	return (ret);
}
