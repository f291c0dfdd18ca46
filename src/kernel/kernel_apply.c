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
 */
#include <sys/file.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "warp.h"
#include "warp_kernel.h"
#include "warp_kernel_int.h"
#include "warp_traffic.h"

#define WARP_IP_FORWARD		"/proc/sys/net/ipv4/ip_forward"

static struct warp_kernel_counters	warp_kernel_last;

static int	warp_kload(struct warp_kctx *, struct warp_err *);
static void	warp_kload_peers(struct warp_kctx *, struct warp_knet *);
static void	warp_kctx_free(struct warp_kctx *);
static int	warp_ip_forward(struct warp_kctx *);
static int	warp_kstatus_store(struct warp_kctx *, struct warp_network *,
		    size_t, struct warp_err *);
static int	warp_kstatus_put(struct warp_db *, sqlite3_stmt *, const char *,
		    int64_t, const char *, const char *);
static int	warp_kapply_lock(struct warp_db *);
static int	warp_kscratch_ns(int *, struct warp_err *);

uint64_t
warp_kernel_counters_total(const struct warp_kernel_counters *c)
{
	return (c->rtnl + c->genl + c->nft + c->sysctl + c->tc);
}

void
warp_kernel_counters_get(struct warp_kernel_counters *c)
{
	*c = warp_kernel_last;
}

/* Bounded copy that truncates quietly (messages only). */
void
warp_kcopy(char *dst, size_t len, const char *src)
{
	size_t	n;

	if (len == 0)
		return;
	n = strnlen(src, len - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void
warp_kplan(struct warp_kctx *ctx, const char *fmt, ...)
{
	va_list	ap;
	char	line[1024];

	if (ctx->plan == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	warp_buf_appendf(ctx->plan, "%s\n", line);
}

void
warp_knet_fail(struct warp_kctx *ctx, struct warp_knet *kn, const char *fmt,
    ...)
{
	va_list	ap;
	char	msg[sizeof(kn->error)];

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!kn->failed)
		(void)snprintf(kn->error, sizeof(kn->error), "%s", msg);
	kn->failed = 1;
	warp_kplan(ctx, "  failed (%s): %s", kn->net.name, msg);
}

int
warp_kroute_add(struct warp_knet *kn, const struct warp_kroute *kr)
{
	if (kn->nroutes == kn->caproutes) {
		kn->caproutes = kn->caproutes ? kn->caproutes * 2 : 8;
		kn->routes = reallocarray(kn->routes, kn->caproutes,
		    sizeof(*kn->routes));
		if (kn->routes == NULL)
			warp_fatal("reallocarray");
	}
	kn->routes[kn->nroutes++] = *kr;
	return (0);
}

void
warp_kprefix_v4(struct warp_kprefix *p, const struct warp_cidr *c)
{
	uint32_t	net;

	memset(p, 0, sizeof(*p));
	p->family = AF_INET;
	p->len = c->len;
	net = htonl(c->addr & warp_cidr_mask(c->len));
	memcpy(p->addr, &net, 4);
}

void
warp_kprefix_format(const struct warp_kprefix *p, char *buf, size_t len)
{
	char	addr[INET6_ADDRSTRLEN];

	if (p->len == 0) {
		(void)snprintf(buf, len, "default");
		return;
	}
	if (inet_ntop(p->family, p->addr, addr, sizeof(addr)) == NULL)
		(void)snprintf(addr, sizeof(addr), "?");
	(void)snprintf(buf, len, "%s/%d", addr, p->len);
}

static void
warp_kload_peers(struct warp_kctx *ctx, struct warp_knet *kn)
{
	struct warp_endpoint	*eps = NULL;
	struct warp_kpeer	*kp;
	struct warp_err		 err;
	size_t			 neps = 0, i, j;

	if (warp_network_private_key(ctx->db, kn->net.id, kn->private_key,
	    &err) == -1 ||
	    warp_endpoint_list(ctx->db, kn->net.id, &eps, &neps, &err) == -1) {
		warp_knet_fail(ctx, kn, "reading the network: %s", err.msg);
		kn->hold = 1;
		return;
	}
	kn->peers = warp_xcalloc(neps + 1, sizeof(*kn->peers));
	for (i = 0; i < neps; i++) {
		kp = &kn->peers[kn->npeers];
		kp->endpoint_id = eps[i].id;
		(void)snprintf(kp->name, sizeof(kp->name), "%s", eps[i].name);
		kp->active = warp_endpoint_is_active(&eps[i], ctx->now);
		if (warp_key_from_base64(eps[i].public_key, kp->public_key) == -1) {
			kp->failed = 1;
			(void)snprintf(kp->error, sizeof(kp->error),
			    "invalid public key in the database");
			kp->active = 0;
		} else if (warp_endpoint_psk(ctx->db, eps[i].id, kp->psk,
		    &err) == -1) {
			kp->failed = 1;
			warp_kcopy(kp->error, sizeof(kp->error), err.msg);
			warp_knet_fail(ctx, kn, "endpoint %s: %s", kp->name,
			    err.msg);
			kn->hold = 1;
		}
		kp->allowed[0].addr = eps[i].overlay_ip;
		kp->allowed[0].len = 32;
		kp->nallowed = 1;
		if (kn->kt->peer_lans && eps[i].kind != WARP_EP_MOBILE) {
			for (j = 0; j < eps[i].nlans && j < WARP_MAX_LANS; j++) {
				kp->allowed[kp->nallowed] = eps[i].lans[j];
				kp->allowed[kp->nallowed].addr &=
				    warp_cidr_mask(eps[i].lans[j].len);
				kp->nallowed++;
			}
		}
		kn->npeers++;
	}
	warp_endpoint_list_free(eps);
}

static int
warp_kload(struct warp_kctx *ctx, struct warp_err *err)
{
	struct warp_network	*nets = NULL;
	struct warp_knet	*kn;
	size_t			 n = 0, i;

	if (warp_network_list(ctx->db, &nets, &n, err) == -1)
		return (-1);
	ctx->nets = warp_xcalloc(n + 1, sizeof(*ctx->nets));
	for (i = 0; i < n; i++) {
		if (!nets[i].enabled)
			continue;	/* suspended: nothing in the kernel */
		kn = &ctx->nets[ctx->nnets++];
		kn->net = nets[i];
		warp_network_ifnames(&kn->net);
		(void)snprintf(kn->alias, sizeof(kn->alias), "%s%u",
		    WARP_LINK_ALIAS, kn->net.vcid);
		if ((kn->kt = warp_ktype_get(kn->net.type)) == NULL)
			warp_fatal("network type %d has no kernel realisation",
			    kn->net.type);
		warp_kload_peers(ctx, kn);
	}
	warp_network_list_free(nets);
	return (0);
}

static void
warp_kctx_free(struct warp_kctx *ctx)
{
	size_t	i;

	for (i = 0; i < ctx->nnets; i++) {
		if (ctx->nets[i].peers != NULL)
			explicit_bzero(ctx->nets[i].peers,
			    ctx->nets[i].npeers * sizeof(struct warp_kpeer));
		free(ctx->nets[i].peers);
		free(ctx->nets[i].routes);
		explicit_bzero(ctx->nets[i].private_key, WARP_KEY_LEN);
	}
	free(ctx->nets);
	ctx->nets = NULL;
	ctx->nnets = 0;
	warp_fw_free(ctx);
	warp_wgnl_close(ctx->wgnl);
	ctx->wgnl = NULL;
	warp_l2_close(ctx);
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
	ctx->cnt->sysctl++;
	if (!ctx->dry_run && pwrite(fd, "1\n", 2, 0) != 2) {
		close(fd);
		return (-1);
	}
	close(fd);
	return (0);
}

static int
warp_kstatus_put(struct warp_db *db, sqlite3_stmt *st, const char *type,
    int64_t id, const char *status, const char *error)
{
	(void)db;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_text(st, 3, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, error, -1, SQLITE_TRANSIENT);
	return (sqlite3_step(st) == SQLITE_DONE ? 0 : -1);
}

static int
warp_kstatus_store(struct warp_kctx *ctx, struct warp_network *all,
    size_t nall, struct warp_err *err)
{
	sqlite3_stmt		*st = NULL;
	struct warp_knet	*kn;
	struct warp_kpeer	*kp;
	char			 msg[512];
	const char		*status;
	size_t			 i, j;

	if (warp_db_begin(ctx->db, err) == -1)
		return (-1);
	if (warp_db_prepare(ctx->db, &st, "INSERT INTO apply_status "
	    "(object_type, object_id, status, error, updated_at) "
	    "VALUES (?, ?, ?, ?, unixepoch()) "
	    "ON CONFLICT (object_type, object_id) DO UPDATE SET "
	    "status = excluded.status, error = excluded.error, "
	    "updated_at = excluded.updated_at "
	    "WHERE status != excluded.status OR error != excluded.error",
	    err) == -1)
		goto out;
	if (warp_kstatus_put(ctx->db, st, "firewall", 0,
	    ctx->fw_failed ? "failed" : "applied", ctx->fw_error) == -1)
		goto sqlerr;
	/* Suspended networks: their removal is what was applied. */
	for (i = 0; i < nall; i++)
		if (!all[i].enabled && warp_kstatus_put(ctx->db, st, "network",
		    all[i].id, "applied", "") == -1)
			goto sqlerr;
	for (i = 0; i < ctx->nnets; i++) {
		kn = &ctx->nets[i];
		status = kn->failed || ctx->fw_failed ? "failed" : "applied";
		(void)snprintf(msg, sizeof(msg), "%s", kn->failed ? kn->error :
		    ctx->fw_failed ? ctx->fw_error : "");
		if (warp_kstatus_put(ctx->db, st, "network", kn->net.id,
		    status, msg) == -1)
			goto sqlerr;
		for (j = 0; j < kn->npeers; j++) {
			kp = &kn->peers[j];
			if (kp->failed)
				(void)snprintf(msg, sizeof(msg), "%s", kp->error);
			else if (kn->failed && (kn->hold || !kn->links_ok))
				(void)snprintf(msg, sizeof(msg), "network %s: %s",
				    kn->net.name, kn->error);
			else
				msg[0] = '\0';
			if (warp_kstatus_put(ctx->db, st, "endpoint",
			    kp->endpoint_id, msg[0] != '\0' ? "failed" :
			    "applied", msg) == -1)
				goto sqlerr;
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	if (warp_db_exec(ctx->db, "DELETE FROM apply_status WHERE "
	    "(object_type = 'network' AND object_id NOT IN "
	    "(SELECT id FROM networks)) OR (object_type = 'endpoint' AND "
	    "object_id NOT IN (SELECT id FROM endpoints))", err) == -1)
		goto out;
	if (warp_db_commit(ctx->db, err) == -1)
		goto out;
	return (0);
sqlerr:
	warp_db_sqlerr(ctx->db, err, "storing apply status");
out:
	if (st != NULL)
		sqlite3_finalize(st);
	warp_db_rollback(ctx->db);
	return (-1);
}

/* One apply at a time: the web's parent and warpctl may both try. */
static int
warp_kapply_lock(struct warp_db *db)
{
	char	path[PATH_MAX];
	int	fd;

	if (db->path == NULL || snprintf(path, sizeof(path), "%s.apply-lock",
	    db->path) >= (int)sizeof(path))
		return (-1);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1)
		return (-1);
	if (flock(fd, LOCK_EX) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
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

int
warp_kernel_apply(struct warp_db *db, const char *netns, int dry_run,
    struct warp_buf *plan, struct warp_err *err)
{
	struct warp_kctx		 ctx;
	struct warp_kernel_counters	 cnt;
	struct warp_network		*all = NULL;
	struct warp_knet		*kn;
	struct warp_err			 e2;
	const char			*ns;
	size_t				 nall = 0, i, nfailed = 0;
	int				 saved = -1, lock = -1, created = 0;
	int				 ret = -1;
	char				 first[512];

	memset(&ctx, 0, sizeof(ctx));
	memset(&cnt, 0, sizeof(cnt));
	warp_kernel_last = cnt;
	ctx.db = db;
	ctx.dry_run = dry_run;
	ctx.plan = plan;
	ctx.cnt = &cnt;
	ctx.now = time(NULL);
	first[0] = '\0';

	if (warp_server_config_get(db, &ctx.cfg, err) == -1)
		return (-1);
	ns = netns != NULL ? netns : ctx.cfg.netns;
	if (!dry_run && (lock = warp_kapply_lock(db)) == -1)
		return (warp_err_system(err, "cannot lock %s.apply-lock: %s",
		    db->path != NULL ? db->path : "db", strerror(errno)));
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
	(void)warp_fw_apply(&ctx);
	if (ctx.fw_failed)
		warp_kplan(&ctx, "  failed: firewall: %s", ctx.fw_error);

	for (i = 0; i < ctx.nnets; i++) {
		kn = &ctx.nets[i];
		if (kn->hold)
			continue;
		if (warp_nl_links(&ctx, kn) == -1)
			continue;
		if (warp_nl_addrs(&ctx, kn) == -1)
			continue;
		(void)warp_wg_reconcile(&ctx, kn);
		(void)warp_nl_routes(&ctx, kn);
		(void)warp_nl_rules(&ctx, kn);
		if (kn->kt->layer2 && !kn->failed)
			(void)warp_l2_apply(&ctx, kn);
	}
	(void)warp_tc_apply(&ctx);	/* rate limits and quotas */

	for (i = 0; i < ctx.nnets; i++) {
		if (!ctx.nets[i].failed)
			continue;
		if (nfailed++ == 0)
			(void)snprintf(first, sizeof(first), "%s: %s",
			    ctx.nets[i].net.name, ctx.nets[i].error);
	}
	warp_kplan(&ctx, "%s %llu write messages: rtnetlink %llu, wireguard "
	    "%llu (%llu peers), nftables %llu in %llu batch(es), sysctl %llu, "
	    "tc %llu",
	    dry_run ? "would send" : "sent",
	    (unsigned long long)warp_kernel_counters_total(&cnt),
	    (unsigned long long)cnt.rtnl, (unsigned long long)cnt.genl,
	    (unsigned long long)cnt.peers, (unsigned long long)cnt.nft,
	    (unsigned long long)cnt.nft_batches,
	    (unsigned long long)cnt.sysctl, (unsigned long long)cnt.tc);

	if (!dry_run && warp_kstatus_store(&ctx, all, nall, &e2) == -1)
		warp_kplan(&ctx, "  failed: recording the apply status: %s",
		    e2.msg);

	if (ctx.fw_failed)
		warp_err_system(err, "firewall: %s", ctx.fw_error);
	else if (nfailed > 0)
		warp_err_system(err, "%zu of %zu networks failed; %s", nfailed,
		    ctx.nnets, first);
	else
		ret = 0;
out:
	warp_kernel_last = cnt;
	warp_kctx_free(&ctx);
	warp_network_list_free(all);
	warp_netns_leave(saved);
	if (lock != -1)
		close(lock);
	return (ret);
}

int
warp_kernel_msg_handle(struct warp_db *db, const void *data, size_t len,
    struct warp_buf *plan, struct warp_err *err)
{
	struct warp_kernel_msg		msg;
	struct warp_kernel_status	st;

	if (len != sizeof(msg))
		return (warp_err_input(err, "kernel message: bad length %zu",
		    len));
	memcpy(&msg, data, sizeof(msg));
	if (msg.magic != WARP_KMSG_MAGIC)
		return (warp_err_input(err, "kernel message: bad magic"));
	switch (msg.op) {
	case WARP_KMSG_APPLY:
		return (warp_kernel_apply(db, NULL, 0, plan, err));
	case WARP_KMSG_DRYRUN:
		return (warp_kernel_apply(db, NULL, 1, plan, err));
	case WARP_KMSG_REFRESH:
		if (warp_kernel_status(db, NULL, &st, err) == -1)
			return (-1);
		warp_kernel_status_free(&st);
		return (0);
	default:
		return (warp_err_input(err, "kernel message: unknown op %u",
		    msg.op));
	}
}
