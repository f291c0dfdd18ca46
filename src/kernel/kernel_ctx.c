/*
 * What every kernel room shares, and nothing more: plan lines, the
 * failure of a network, the routes a network wants, and the names of the
 * kernel objects a network owns.  It calls no other room of src/kernel/.
 */
#include <sys/socket.h>

#include <arpa/inet.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warp.h"
#include "warp_kernel.h"
#include "warp_kernel_int.h"

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

void
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

/*
 * The GRE TAP of an l2-p2p endpoint: gt<vcid>h<host>, the host part of
 * its overlay address in hex (at most 15 bytes for any subnet to /16).
 */
void
warp_knet_gt_name(const struct warp_knet *kn, uint32_t overlay, char *buf,
    size_t len)
{
	uint32_t	host;

	host = overlay & ~warp_cidr_mask(kn->net.subnet.len);
	(void)snprintf(buf, len, "gt%08uh%x", kn->net.vcid, host);
}

/* Is name one of the links the network keeps (beyond its VRF and wg)? */
int
warp_knet_link_wanted(const struct warp_knet *kn, const char *name)
{
	char	gt[WARP_IFNAMSIZ];
	size_t	i;

	if (!kn->kt->layer2)
		return (0);
	if (strcmp(name, kn->net.if_br) == 0)
		return (1);
	if (kn->net.type == WARP_NET_L2_MESH)
		return (strcmp(name, kn->net.if_vx) == 0);
	for (i = 0; i < kn->npeers; i++) {
		if (!kn->peers[i].active)
			continue;
		warp_knet_gt_name(kn, kn->peers[i].allowed[0].addr, gt,
		    sizeof(gt));
		if (strcmp(name, gt) == 0)
			return (1);
	}
	return (0);
}

/*
 * The peers whose traffic limits the traffic rooms reconcile: the
 * network's, or (tc_some) those of the endpoints the journal named.
 */
struct warp_state_peer *
warp_knet_limited(const struct warp_knet *kn, size_t *n)
{
	*n = kn->tc_some ? kn->ntcpeers : kn->npeers;
	return (kn->tc_some ? kn->tcpeers : kn->peers);
}
