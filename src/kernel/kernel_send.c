/*
 * The one path of every rtnetlink and /proc/sys write the reconciler
 * makes.  Each write is counted here, where it is sent, and a dry run
 * stops here and nowhere else: the plan's "would send N" and the real
 * run's "sent N" come from the same calls and cannot differ.  (WireGuard
 * messages are counted the same way in warp_wgnl_set(), nftables ones in
 * warp_fw_batch_send().)
 *
 * Also the libmnl rtnetlink socket, for what libnl-route 3.7 cannot
 * express (bridge vlan_filtering, port VLANs, FDB entries): reads go
 * through warp_nl_talk(), writes through warp_nl_send_msg().
 */
#include <sys/socket.h>

#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "warp.h"
#include "warp_kernel.h"
#include "warp_kernel_int.h"

static int	warp_nl_talk_open(struct warp_kctx *);

int
warp_nl_send_link_add(struct warp_kctx *ctx, struct rtnl_link *l, int flags)
{
	ctx->cnt->rtnl++;
	if (ctx->dry_run)
		return (0);
	return (rtnl_link_add(ctx->rtnl, l, flags));
}

/* orig: the link as the kernel has it (NULL on a dry run is fine). */
int
warp_nl_send_link_change(struct warp_kctx *ctx, struct rtnl_link *orig,
    struct rtnl_link *chg)
{
	ctx->cnt->rtnl++;
	if (ctx->dry_run)
		return (0);
	return (rtnl_link_change(ctx->rtnl, orig, chg, 0));
}

int
warp_nl_send_link_delete(struct warp_kctx *ctx, struct rtnl_link *l)
{
	ctx->cnt->rtnl++;
	if (ctx->dry_run)
		return (0);
	return (rtnl_link_delete(ctx->rtnl, l));
}

int
warp_nl_send_addr_add(struct warp_kctx *ctx, struct rtnl_addr *a)
{
	ctx->cnt->rtnl++;
	if (ctx->dry_run)
		return (0);
	return (rtnl_addr_add(ctx->rtnl, a, 0));
}

int
warp_nl_send_addr_delete(struct warp_kctx *ctx, struct rtnl_addr *a)
{
	ctx->cnt->rtnl++;
	if (ctx->dry_run)
		return (0);
	return (rtnl_addr_delete(ctx->rtnl, a, 0));
}

int
warp_nl_send_route_add(struct warp_kctx *ctx, struct rtnl_route *r, int flags)
{
	ctx->cnt->rtnl++;
	if (ctx->dry_run)
		return (0);
	return (rtnl_route_add(ctx->rtnl, r, flags));
}

int
warp_nl_send_route_delete(struct warp_kctx *ctx, struct rtnl_route *r)
{
	ctx->cnt->rtnl++;
	if (ctx->dry_run)
		return (0);
	return (rtnl_route_delete(ctx->rtnl, r, 0));
}

int
warp_nl_send_rule_add(struct warp_kctx *ctx, struct rtnl_rule *r, int flags)
{
	ctx->cnt->rtnl++;
	if (ctx->dry_run)
		return (0);
	return (rtnl_rule_add(ctx->rtnl, r, flags));
}

int
warp_nl_send_rule_delete(struct warp_kctx *ctx, struct rtnl_rule *r)
{
	ctx->cnt->rtnl++;
	if (ctx->dry_run)
		return (0);
	return (rtnl_rule_delete(ctx->rtnl, r, 0));
}

/* A write built with libmnl (it must ask for an ACK); -errno on failure. */
int
warp_nl_send_msg(struct warp_kctx *ctx, struct nlmsghdr *nlh)
{
	ctx->cnt->rtnl++;
	if (ctx->dry_run)
		return (0);
	return (warp_nl_talk(ctx, nlh, NULL, NULL));
}

/* Write value to an open /proc/sys file; -1 with errno set on failure. */
int
warp_ksysctl_write(struct warp_kctx *ctx, int fd, const char *value)
{
	size_t	len = strlen(value);

	ctx->cnt->sysctl++;
	if (ctx->dry_run)
		return (0);
	if (pwrite(fd, value, len, 0) != (ssize_t)len)
		return (-1);
	return (0);
}

static int
warp_nl_talk_open(struct warp_kctx *ctx)
{
	if (ctx->l2nl != NULL)
		return (0);
	if ((ctx->l2nl = mnl_socket_open(NETLINK_ROUTE)) == NULL)
		return (-errno);
	if (mnl_socket_bind(ctx->l2nl, 0, MNL_SOCKET_AUTOPID) == -1) {
		mnl_socket_close(ctx->l2nl);
		ctx->l2nl = NULL;
		return (-errno);
	}
	ctx->l2seq = (uint32_t)time(NULL);
	return (0);
}

void
warp_nl_talk_close(struct warp_kctx *ctx)
{
	if (ctx->l2nl != NULL)
		mnl_socket_close(ctx->l2nl);
	ctx->l2nl = NULL;
}

/* Send one request (an ACKed write or a dump) and read to its end. */
int
warp_nl_talk(struct warp_kctx *ctx, struct nlmsghdr *nlh, mnl_cb_t cb,
    void *data)
{
	char		*buf;
	unsigned int	 portid;
	ssize_t		 n;
	int		 ret;

	if ((ret = warp_nl_talk_open(ctx)) < 0)
		return (ret);
	nlh->nlmsg_seq = ++ctx->l2seq;
	portid = mnl_socket_get_portid(ctx->l2nl);
	if (mnl_socket_sendto(ctx->l2nl, nlh, nlh->nlmsg_len) < 0)
		return (-errno);
	buf = warp_xcalloc(1, WARP_NL_DUMPSZ);
	ret = 0;
	for (;;) {
		if ((n = mnl_socket_recvfrom(ctx->l2nl, buf,
		    WARP_NL_DUMPSZ)) <= 0) {
			ret = n == 0 ? -EIO : -errno;
			break;
		}
		ret = mnl_cb_run(buf, n, nlh->nlmsg_seq, portid, cb, data);
		if (ret <= MNL_CB_STOP) {
			ret = ret == MNL_CB_ERROR ? -errno : 0;
			break;
		}
	}
	free(buf);
	return (ret);
}
