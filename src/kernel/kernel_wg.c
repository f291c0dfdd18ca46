/*
 * A network's WireGuard device as the reconciler wants it: private key,
 * listen port and one peer per active endpoint.  warp_wg_diff() is the
 * pure part (desired peers against the kernel's, no kernel needed: the
 * unit tests call it); warp_wg_reconcile() reads the device, plans and
 * sends what the diff decided through warp_wgnl_set().
 * warp_wg_apply_some() is the incremental apply's per-endpoint path: the
 * journaled endpoints' peers set or removed without reading the device
 * (kernel_changes.c); both send through warp_wg_send().
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warp.h"
#include "warp_kernel.h"
#include "warp_kernel_int.h"

static int	warp_wg_peer_cmp(const void *, const void *);
static int	warp_wg_allowed_eq(const struct warp_state_peer *,
		    const struct warp_wgpeer *);
static void	warp_wg_op_set(struct warp_wgop *,
		    const struct warp_state_peer *, enum warp_wgwhy);
static void	warp_wg_ipsdesc(const struct warp_state_peer *, char *, size_t);
static void	warp_wg_plan(struct warp_kctx *, struct warp_knet *,
		    const struct warp_wgop *);
static int	warp_wg_read(struct warp_kctx *, struct warp_knet *,
		    struct warp_wgdev *);
static int	warp_wg_send(struct warp_kctx *, struct warp_knet *,
		    const uint8_t *, int, const struct warp_wgop *, size_t);
static int	warp_wg_named(const struct warp_knet *, const uint8_t *);
static int	warp_wg_psk(struct warp_kctx *, struct warp_knet *,
		    const struct warp_wgdev *);

static int
warp_wg_peer_cmp(const void *a, const void *b)
{
	const struct warp_state_peer	*pa = a, *pb = b;

	return (memcmp(pa->public_key, pb->public_key, WARP_KEY_LEN));
}

/* Peers by public key, each one's allowed IPs in warp_wgnl_get's order. */
void
warp_wg_sort(struct warp_state_peer *peers, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		qsort(peers[i].allowed, peers[i].nallowed,
		    sizeof(struct warp_cidr), warp_wgnl_cidr_cmp);
	qsort(peers, n, sizeof(*peers), warp_wg_peer_cmp);
}

static int
warp_wg_allowed_eq(const struct warp_state_peer *sp,
    const struct warp_wgpeer *p)
{
	size_t	i;

	if (p->nallowed_other != 0 || p->nallowed != sp->nallowed)
		return (0);
	for (i = 0; i < sp->nallowed; i++)
		if (sp->allowed[i].addr != p->allowed[i].addr ||
		    sp->allowed[i].len != p->allowed[i].len)
			return (0);
	return (1);
}

/* A create or change: the peer as it should be, its allowed IPs replaced. */
static void
warp_wg_op_set(struct warp_wgop *op, const struct warp_state_peer *sp,
    enum warp_wgwhy why)
{
	memset(op, 0, sizeof(*op));
	op->public_key = sp->public_key;
	op->psk = sp->psk;
	op->allowed = sp->allowed;
	op->nallowed = sp->nallowed;
	op->flags = WARP_WGOP_REPLACE_IPS;
	op->why = why;
	op->want = sp;
}

size_t
warp_wg_diff(const struct warp_state_peer *want, size_t nwant,
    const struct warp_wgdev *dev, struct warp_wgop *ops)
{
	const struct warp_state_peer	*sp;
	const struct warp_wgpeer	*p;
	size_t				 i, j, n = 0;
	int				 c;

	/* Both lists are sorted by public key: walk them together. */
	for (i = 0, j = 0; i < nwant || j < dev->npeers;) {
		sp = i < nwant ? &want[i] : NULL;
		p = j < dev->npeers ? &dev->peers[j] : NULL;
		c = sp == NULL ? 1 : p == NULL ? -1 :
		    memcmp(sp->public_key, p->public_key, WARP_KEY_LEN);
		if (c < 0) {
			/* Not in the kernel: create it if it is wanted. */
			if (sp->active)
				warp_wg_op_set(&ops[n++], sp,
				    WARP_WGWHY_CREATE);
			i++;
			continue;
		}
		if (c > 0) {
			memset(&ops[n], 0, sizeof(ops[n]));
			ops[n].public_key = p->public_key;
			ops[n].flags = WARP_WGOP_REMOVE;
			ops[n++].why = WARP_WGWHY_UNKNOWN;
			j++;
			continue;
		}
		/* Same key on both sides. */
		if (!sp->active) {
			memset(&ops[n], 0, sizeof(ops[n]));
			ops[n].public_key = p->public_key;
			ops[n].flags = WARP_WGOP_REMOVE;
			ops[n].why = WARP_WGWHY_INACTIVE;
			ops[n++].want = sp;
		} else if (!p->has_psk || memcmp(p->psk, sp->psk,
		    WARP_KEY_LEN) != 0 || p->keepalive != 0 ||
		    !warp_wg_allowed_eq(sp, p))
			warp_wg_op_set(&ops[n++], sp, WARP_WGWHY_CHANGE);
		i++;
		j++;
	}
	return (n);
}

static void
warp_wg_ipsdesc(const struct warp_state_peer *sp, char *buf, size_t len)
{
	char	cidr[WARP_CIDR_STRLEN];
	size_t	i, n;

	buf[0] = '\0';
	for (i = 0; i < sp->nallowed; i++) {
		warp_cidr_format(&sp->allowed[i], cidr, sizeof(cidr));
		n = strlen(buf);
		if (n < len)
			(void)snprintf(buf + n, len - n, "%s%s",
			    i > 0 ? "," : "", cidr);
	}
}

static void
warp_wg_plan(struct warp_kctx *ctx, struct warp_knet *kn,
    const struct warp_wgop *op)
{
	char	b64[WARP_KEY_B64_LEN + 1], ips[512];

	switch (op->why) {
	case WARP_WGWHY_CREATE:
	case WARP_WGWHY_CHANGE:
	case WARP_WGWHY_SET:
		warp_wg_ipsdesc(op->want, ips, sizeof(ips));
		warp_kplan(ctx, "%s peer %s on %s allowed-ips %s",
		    op->why == WARP_WGWHY_CREATE ? "create" :
		    op->why == WARP_WGWHY_CHANGE ? "change" : "set",
		    op->want->name, kn->net.if_wg, ips);
		break;
	case WARP_WGWHY_INACTIVE:
		warp_kplan(ctx, "remove peer %s from %s (disabled or expired)",
		    op->want->name, kn->net.if_wg);
		break;
	case WARP_WGWHY_UNKNOWN:
		warp_key_to_base64(op->public_key, b64);
		warp_kplan(ctx, "remove peer %s from %s (unknown)", b64,
		    kn->net.if_wg);
		break;
	case WARP_WGWHY_OLDKEY:
		warp_key_to_base64(op->public_key, b64);
		warp_kplan(ctx, "remove peer %s from %s (the old key of a "
		    "deleted or re-keyed endpoint)", b64, kn->net.if_wg);
		break;
	}
}

/* The device as the kernel has it (empty if it does not exist yet). */
static int
warp_wg_read(struct warp_kctx *ctx, struct warp_knet *kn,
    struct warp_wgdev *dev)
{
	struct warp_err	err;

	memset(dev, 0, sizeof(*dev));
	if (kn->wg_ifindex <= 0)
		return (0);
	if (ctx->wgnl == NULL && warp_wgnl_open(&ctx->wgnl, &err) == -1) {
		warp_knet_fail(ctx, kn, "%s", err.msg);
		return (-1);
	}
	ctx->cnt->rd_wg++;
	if (warp_wgnl_get(ctx->wgnl, kn->net.if_wg, dev, &err) == -1) {
		warp_knet_fail(ctx, kn, "%s", err.msg);
		return (-1);
	}
	return (0);
}

/* Send ops (and key, port); a failure is the network's and its peers'. */
static int
warp_wg_send(struct warp_kctx *ctx, struct warp_knet *kn, const uint8_t *priv,
    int port, const struct warp_wgop *ops, size_t nops)
{
	struct warp_err	err;
	size_t		i;
	uint64_t	sent = 0;
	int		ret = 0;

	if (!ctx->dry_run && ctx->wgnl == NULL &&
	    warp_wgnl_open(&ctx->wgnl, &err) == -1) {
		warp_knet_fail(ctx, kn, "%s", err.msg);
		return (-1);
	}
	if (warp_wgnl_set(ctx->wgnl, kn->net.if_wg, priv, port, ops, nops,
	    ctx->dry_run, &sent, &err) == -1) {
		warp_knet_fail(ctx, kn, "%s", err.msg);
		for (i = 0; i < kn->npeers; i++) {
			kn->peers[i].failed = 1;
			warp_kcopy(kn->peers[i].error,
			    sizeof(kn->peers[i].error), err.msg);
		}
		ret = -1;
	}
	ctx->cnt->genl += sent;
	return (ret);
}

/*
 * The wanted peers' preshared keys, now that the device is read: the
 * kernel's where the stored check vouches for it, else opened from the
 * database (warp_state_peers_psk).  One that cannot be opened fails and
 * holds the network: nothing of its device is changed (its links and
 * address, which that key does not decide, went before).
 */
static int
warp_wg_psk(struct warp_kctx *ctx, struct warp_knet *kn,
    const struct warp_wgdev *dev)
{
	struct warp_state_peer	*sp;
	size_t			 i, j, nvouched, nfailed;
	int			 c;

	for (i = 0, j = 0; i < kn->npeers; i++) {
		sp = &kn->peers[i];
		sp->kernel_psk = NULL;
		c = 1;
		while (j < dev->npeers && (c = memcmp(dev->peers[j].public_key,
		    sp->public_key, WARP_KEY_LEN)) < 0)
			j++;
		if (c == 0 && dev->peers[j].has_psk)
			sp->kernel_psk = dev->peers[j].psk;
	}
	ctx->cnt->psk_opened += warp_state_peers_psk(ctx->db, kn->peers,
	    kn->npeers, &nvouched, &nfailed);
	ctx->cnt->psk_vouched += nvouched;
	for (i = 0; i < kn->npeers; i++)
		kn->peers[i].kernel_psk = NULL;	/* dev goes before peers */
	if (nfailed == 0)
		return (0);
	for (i = 0; i < kn->npeers; i++) {
		if (!kn->peers[i].hold)
			continue;
		warp_knet_fail(ctx, kn, "endpoint %s: %s", kn->peers[i].name,
		    kn->peers[i].error);
		kn->hold = 1;
	}
	return (-1);
}

/*
 * The network's private key, now that the device is read: nothing is
 * opened when the device shows the network's public key and the stored
 * check vouches that the sealed key opens to it (the kernel derives the
 * public key from the private key it holds, so that one is the stored
 * one); else the sealed key is opened, and set where the device's
 * differs.  One that cannot be opened, or is not the network's public
 * key's, fails and holds the network: nothing of its device is changed
 * (its links and address, which the key does not decide, went before).
 */
static int
warp_wg_netkey(struct warp_kctx *ctx, struct warp_knet *kn,
    const struct warp_wgdev *dev)
{
	struct warp_err	e2;
	int		rc;

	rc = warp_state_netkey_resolve(ctx->db, &kn->net, &kn->key,
	    dev->has_public_key ? dev->public_key : NULL, &e2);
	if (rc == -1) {
		warp_knet_fail(ctx, kn, "its private key: %s", e2.msg);
		kn->hold = 1;
		return (-1);
	}
	if (rc == 1)
		ctx->cnt->netkey_vouched++;
	else
		ctx->cnt->netkey_opened++;
	return (0);
}

/*
 * Bring one network's WireGuard device to the desired key, port and
 * peers, sending only the peers that differ.
 */
int
warp_wg_reconcile(struct warp_kctx *ctx, struct warp_knet *kn)
{
	struct warp_wgdev	 dev;
	struct warp_wgop	*ops;
	const uint8_t		*priv = NULL;
	size_t			 i, nops;
	int			 port = -1, ret = -1;

	warp_wg_sort(kn->peers, kn->npeers);
	if (warp_wg_read(ctx, kn, &dev) == -1)
		return (-1);
	if (warp_wg_netkey(ctx, kn, &dev) == -1 ||
	    warp_wg_psk(ctx, kn, &dev) == -1) {
		warp_wgnl_dev_free(&dev);
		return (-1);
	}
	if (kn->key.key_ready && (!dev.has_private_key ||
	    memcmp(dev.private_key, kn->key.key, WARP_KEY_LEN) != 0)) {
		warp_kplan(ctx, "change wireguard %s: private key",
		    kn->net.if_wg);
		priv = kn->key.key;
	}
	if (dev.listen_port != kn->net.listen_port) {
		warp_kplan(ctx, "change wireguard %s: listen-port %d",
		    kn->net.if_wg, kn->net.listen_port);
		port = kn->net.listen_port;
	}
	ops = warp_xcalloc(kn->npeers + dev.npeers + 1, sizeof(*ops));
	nops = warp_wg_diff(kn->peers, kn->npeers, &dev, ops);
	for (i = 0; i < nops; i++)
		warp_wg_plan(ctx, kn, &ops[i]);

	ctx->cnt->peers += nops;
	ret = 0;
	if (nops == 0 && priv == NULL && port == -1)
		goto out;
	ret = warp_wg_send(ctx, kn, priv, port, ops, nops);
out:
	free(ops);
	warp_wgnl_dev_free(&dev);
	return (ret);
}

/* Is key the public key of one of the journaled endpoints now? */
static int
warp_wg_named(const struct warp_knet *kn, const uint8_t *key)
{
	struct warp_state_peer	k;
	int			found;

	memcpy(k.public_key, key, WARP_KEY_LEN);
	found = bsearch(&k, kn->peers, kn->npeers, sizeof(*kn->peers),
	    warp_wg_peer_cmp) != NULL;
	explicit_bzero(&k, sizeof(k));
	return (found);
}

/*
 * Removals first: a key a deleted endpoint gave up may be a new one's
 * in the same message.  Cost: the journaled endpoints (a bulk add of
 * thousands too: sorted, looked up by key), never the network's size.
 */
int
warp_wg_apply_some(struct warp_kctx *ctx, struct warp_knet *kn)
{
	struct warp_wgop	*ops;
	const struct warp_state_peer *sp;
	size_t			 i, nops = 0, nvouched, nfailed;
	int			 ret = 0;

	warp_wg_sort(kn->peers, kn->npeers);
	ctx->cnt->psk_opened += warp_state_peers_psk(ctx->db, kn->peers,
	    kn->npeers, &nvouched, &nfailed);
	if (nfailed > 0) {
		for (i = 0; i < kn->npeers; i++)
			if (kn->peers[i].hold)
				warp_knet_fail(ctx, kn, "endpoint %s: %s",
				    kn->peers[i].name, kn->peers[i].error);
		kn->hold = 1;
		return (-1);
	}
	ops = warp_xcalloc(kn->nolds + kn->npeers + 1, sizeof(*ops));
	for (i = 0; i < kn->nolds; i++) {
		if (!kn->olds[i].has_old ||
		    warp_wg_named(kn, kn->olds[i].old_key))
			continue;
		ops[nops].public_key = kn->olds[i].old_key;
		ops[nops].flags = WARP_WGOP_REMOVE;
		ops[nops++].why = WARP_WGWHY_OLDKEY;
	}
	for (i = 0; i < kn->npeers; i++) {
		sp = &kn->peers[i];
		if (sp->active)
			continue;
		ops[nops].public_key = sp->public_key;
		ops[nops].flags = WARP_WGOP_REMOVE;
		ops[nops].why = WARP_WGWHY_INACTIVE;
		ops[nops++].want = sp;
	}
	for (i = 0; i < kn->npeers; i++)
		if (kn->peers[i].active)
			warp_wg_op_set(&ops[nops++], &kn->peers[i],
			    WARP_WGWHY_SET);
	for (i = 0; i < nops; i++)
		warp_wg_plan(ctx, kn, &ops[i]);
	ctx->cnt->peers += nops;
	if (nops > 0)
		ret = warp_wg_send(ctx, kn, NULL, -1, ops, nops);
	free(ops);
	return (ret);
}
