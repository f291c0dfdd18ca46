/*
 * The one path of every rtnetlink and /proc/sys write the reconciler
 * makes.  Each write is counted here, where it is sent, and a dry run
 * stops here and nowhere else: the plan's "would send N" and the real
 * run's "sent N" come from the same calls and cannot differ.  (WireGuard
 * messages are counted the same way in warp_wgnl_set(), nftables ones in
 * warp_nft_batch_send(), which the firewall's warp_fw_batch_send() and
 * the quotas both send through.)
 *
 * Also the libmnl rtnetlink socket, for what libnl-route 3.7 cannot
 * express (bridge vlan_filtering, port VLANs, FDB entries): reads go
 * through warp_nl_talk(), writes through warp_nl_send_msg(); and the
 * libmnl plumbing the other rooms share: one request read to its end
 * (warp_mnl_talk), the answers to a stream of ACKed requests
 * (warp_mnl_acks), an nftables dump and the counted send of an nftables
 * batch (warp_nft_dump, warp_nft_batch_send; kernel_fw.c, kernel_fwset.c,
 * kernel_quota.c).
 *
 * And one test hook on that path, warp_ksent(): with
 * WARP_TEST_KILL_AFTER_WRITES=N the process kills itself after its Nth
 * write message (tests/kernel/crash_apply_kill.sh).
 */
#include <sys/socket.h>

#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/rule.h>
#include <libnftnl/udata.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>

#include <sys/uio.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "warp.h"
#include "warp_kernel.h"
#include "warp_kernel_int.h"

static int	warp_nl_talk_open(struct warp_kctx *);
static void	warp_nft_sock_size(struct mnl_socket *, size_t,
		    const struct iovec *, int);
static int	warp_nft_comment_cb(const struct nftnl_udata *, void *);

/*
 * TEST HOOK, for crash tests only: n write messages were just sent to
 * the kernel (a batch counts all of its messages, at once, when the
 * batch is sent).  With WARP_TEST_KILL_AFTER_WRITES=N (a decimal from 1)
 * in the environment, each send prints "warp: test hook: M write
 * messages sent" (M counts the process's whole life) on stderr, and the
 * process raises SIGKILL as soon as M reaches N: a kill at an exact
 * point of an apply, where a kill after a delay hits only where the
 * time goes (N beyond the apply's count lists its sends, and no kill).
 * The variable is read once; unset, empty or not such a number, nothing
 * happens.  A dry run sends nothing and never gets here.  Every counted
 * send calls this after its send (kernel_wgnl.c, kernel_fw.c,
 * kernel_tc.c and this file); returns ret, so a send can end in it,
 * and leaves errno as the send left it.
 */
int
warp_ksent(int ret, uint64_t n)
{
	static int			 once;
	static unsigned long long	 limit, total;
	const char			*s;
	char				*end;
	int				 e = errno;

	if (!once) {
		once = 1;
		if ((s = getenv("WARP_TEST_KILL_AFTER_WRITES")) != NULL &&
		    *s >= '0' && *s <= '9') {
			errno = 0;
			limit = strtoull(s, &end, 10);
			if (errno != 0 || *end != '\0')
				limit = 0;
		}
		errno = e;
	}
	if (limit == 0)
		return (ret);
	total += n;
	(void)dprintf(STDERR_FILENO, "warp: test hook: %llu write messages "
	    "sent\n", total);
	if (total >= limit)
		(void)raise(SIGKILL);
	errno = e;
	return (ret);
}

int
warp_nl_send_link_add(struct warp_kctx *ctx, struct rtnl_link *l, int flags)
{
	ctx->cnt->rtnl++;
	if (ctx->dry_run)
		return (0);
	return (warp_ksent(rtnl_link_add(ctx->rtnl, l, flags), 1));
}

/* orig: the link as the kernel has it (NULL on a dry run is fine). */
int
warp_nl_send_link_change(struct warp_kctx *ctx, struct rtnl_link *orig,
    struct rtnl_link *chg)
{
	ctx->cnt->rtnl++;
	if (ctx->dry_run)
		return (0);
	return (warp_ksent(rtnl_link_change(ctx->rtnl, orig, chg, 0), 1));
}

int
warp_nl_send_link_delete(struct warp_kctx *ctx, struct rtnl_link *l)
{
	ctx->cnt->rtnl++;
	if (ctx->dry_run)
		return (0);
	return (warp_ksent(rtnl_link_delete(ctx->rtnl, l), 1));
}

int
warp_nl_send_addr_add(struct warp_kctx *ctx, struct rtnl_addr *a)
{
	ctx->cnt->rtnl++;
	if (ctx->dry_run)
		return (0);
	return (warp_ksent(rtnl_addr_add(ctx->rtnl, a, 0), 1));
}

int
warp_nl_send_addr_delete(struct warp_kctx *ctx, struct rtnl_addr *a)
{
	ctx->cnt->rtnl++;
	if (ctx->dry_run)
		return (0);
	return (warp_ksent(rtnl_addr_delete(ctx->rtnl, a, 0), 1));
}

int
warp_nl_send_route_add(struct warp_kctx *ctx, struct rtnl_route *r, int flags)
{
	ctx->cnt->rtnl++;
	if (ctx->dry_run)
		return (0);
	return (warp_ksent(rtnl_route_add(ctx->rtnl, r, flags), 1));
}

int
warp_nl_send_route_delete(struct warp_kctx *ctx, struct rtnl_route *r)
{
	ctx->cnt->rtnl++;
	if (ctx->dry_run)
		return (0);
	return (warp_ksent(rtnl_route_delete(ctx->rtnl, r, 0), 1));
}

int
warp_nl_send_rule_add(struct warp_kctx *ctx, struct rtnl_rule *r, int flags)
{
	ctx->cnt->rtnl++;
	if (ctx->dry_run)
		return (0);
	return (warp_ksent(rtnl_rule_add(ctx->rtnl, r, flags), 1));
}

int
warp_nl_send_rule_delete(struct warp_kctx *ctx, struct rtnl_rule *r)
{
	ctx->cnt->rtnl++;
	if (ctx->dry_run)
		return (0);
	return (warp_ksent(rtnl_rule_delete(ctx->rtnl, r, 0), 1));
}

/* A write built with libmnl (it must ask for an ACK); -errno on failure. */
int
warp_nl_send_msg(struct warp_kctx *ctx, struct nlmsghdr *nlh)
{
	ctx->cnt->rtnl++;
	if (ctx->dry_run)
		return (0);
	return (warp_ksent(warp_nl_talk(ctx, nlh, NULL, NULL), 1));
}

/* Write value to an open /proc/sys file; -1 with errno set on failure. */
int
warp_ksysctl_write(struct warp_kctx *ctx, int fd, const char *value)
{
	size_t	len = strlen(value);

	ctx->cnt->sysctl++;
	if (ctx->dry_run)
		return (0);
	if (warp_ksent(pwrite(fd, value, len, 0) != (ssize_t)len, 1))
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
	int	ret;

	if ((ret = warp_nl_talk_open(ctx)) < 0)
		return (ret);
	if (cb != NULL)
		ctx->cnt->rd_rtnl++;	/* a read (writes come without one) */
	nlh->nlmsg_seq = ++ctx->l2seq;
	return (warp_mnl_talk(ctx->l2nl, nlh, cb, data));
}

/*
 * mnl_cb_run() over a reply whose every message lies inside it: libmnl's
 * own check compares nlmsg_len as an int, so a length of 2^31 or more
 * would pass it and be read far past the reply.  -1 with errno EBADMSG
 * for such a reply; else what mnl_cb_run() returns.  Every dump reader
 * of the reconciler runs its callbacks through here.
 */
int
warp_mnl_run(const void *buf, size_t len, uint32_t seq, uint32_t portid,
    mnl_cb_t cb, void *data)
{
	const struct nlmsghdr	*nlh;
	size_t			 off = 0;

	while (len - off >= sizeof(*nlh)) {
		nlh = (const struct nlmsghdr *)((const char *)buf + off);
		if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len - off) {
			errno = EBADMSG;
			return (MNL_CB_ERROR);
		}
		off += NLMSG_ALIGN(nlh->nlmsg_len);
		if (off > len)
			break;
	}
	return (mnl_cb_run(buf, len, seq, portid, cb, data));
}

/*
 * Send one request whose nlmsg_seq the caller set, and run cb on its
 * answers to the end (NLMSG_DONE or the ACK).  0, or -errno.
 */
int
warp_mnl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
    void *data)
{
	char		*buf;
	unsigned int	 portid;
	ssize_t		 n;
	int		 ret;

	portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return (-errno);
	buf = warp_xcalloc(1, WARP_NL_DUMPSZ);
	ret = 0;
	for (;;) {
		if ((n = mnl_socket_recvfrom(nl, buf, WARP_NL_DUMPSZ)) <= 0) {
			ret = n == 0 ? -EIO : -errno;
			break;
		}
		ret = warp_mnl_run(buf, (size_t)n, nlh->nlmsg_seq, portid, cb,
		    data);
		if (ret <= MNL_CB_STOP) {
			ret = ret == MNL_CB_ERROR ? -errno : 0;
			break;
		}
	}
	free(buf);
	return (ret);
}

/*
 * Read the answers to n ACKed requests numbered seq0, seq0 + 1, ...;
 * refused(arg, index, errno) for each one the kernel refused.  Returns 0
 * when all were taken, -1 when one was refused, -errno when the answers
 * could not be read.
 */
int
warp_mnl_acks(struct mnl_socket *nl, size_t n, uint32_t seq0,
    void (*refused)(void *, size_t, int), void *arg)
{
	struct nlmsghdr	*nlh;
	struct nlmsgerr	*ne;
	char		*buf;
	size_t		 answers = 0;
	ssize_t		 got;
	int		 len, ret = 0;

	buf = warp_xcalloc(1, WARP_NL_DUMPSZ);
	while (answers < n) {
		if ((got = mnl_socket_recvfrom(nl, buf, WARP_NL_DUMPSZ)) <= 0) {
			ret = got == 0 ? -EIO : -errno;
			break;
		}
		len = (int)got;
		for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
		    nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_type != NLMSG_ERROR ||
			    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ne)))
				continue;
			answers++;
			ne = mnl_nlmsg_get_payload(nlh);
			if (ne->error == 0)
				continue;
			ret = -1;
			refused(arg, (size_t)(ne->msg.nlmsg_seq - seq0),
			    -ne->error);
		}
	}
	free(buf);
	return (ret);
}

/* An nftables socket that never waits forever on the kernel; -errno. */
int
warp_nft_open(struct mnl_socket **out)
{
	struct mnl_socket	*nl;
	struct timeval		 tv = { 10, 0 };
	int			 e;

	*out = NULL;
	if ((nl = mnl_socket_open(NETLINK_NETFILTER)) == NULL)
		return (-errno);
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		e = errno;
		mnl_socket_close(nl);
		return (-e);
	}
	(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv));
	*out = nl;
	return (0);
}

/*
 * Rule user data as the kernel keeps it (opaque: any program may have
 * written it) is a chain of type, length, value; nftnl_udata_parse()
 * follows the lengths without checking them, so they are checked here.
 */
int
warp_nft_udata_ok(const void *data, uint32_t len)
{
	const uint8_t	*p = data;
	uint32_t	 off = 0;

	while (off < len) {
		if (len - off < 2 || p[off + 1] > len - off - 2)
			return (0);
		off += 2 + p[off + 1];
	}
	return (1);
}

static int
warp_nft_comment_cb(const struct nftnl_udata *attr, void *data)
{
	const char	**comment = data;
	const char	 *value;
	uint8_t		  len;

	if (nftnl_udata_type(attr) != NFTNL_UDATA_RULE_COMMENT)
		return (MNL_CB_OK);
	len = nftnl_udata_len(attr);
	value = nftnl_udata_get(attr);
	if (len > 0 && value[len - 1] == '\0')
		*comment = value;
	return (MNL_CB_OK);
}

/*
 * A rule's comment (its description, for the firewall and the host
 * tables), read from user data whose lengths were checked; NULL when it
 * has none.  It lives as long as the rule.
 */
const char *
warp_nft_rule_comment(const struct nftnl_rule *r)
{
	const char	*comment = NULL;
	const void	*ud;
	uint32_t	 udlen = 0;

	if ((ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &udlen)) != NULL &&
	    warp_nft_udata_ok(ud, udlen))
		(void)nftnl_udata_parse(ud, udlen, warp_nft_comment_cb,
		    &comment);
	return (comment);
}

/* An nftables dump; a table or object that does not exist is empty. */
int
warp_nft_dump(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
    void *arg)
{
	int	ret;

	ret = warp_mnl_talk(nl, nlh, cb, arg);
	return (ret == -ENOENT ? 0 : ret);
}

void
warp_nft_refused(void *arg, size_t idx, int e)
{
	struct warp_nft_first	*f = arg;

	if (*f->bad_errno != 0)
		return;		/* the first refusal is the cause */
	*f->bad = (ssize_t)idx;
	*f->bad_errno = e;
}

/*
 * The counted send of an nftables batch (begin and end included) of
 * nmsgs ACKed messages numbered from seq0: counted here, skipped here on
 * a dry run.  Returns 0, or -1 with *bad the index of the first message
 * the kernel refused (-1: the socket failed) and *bad_errno its errno.
 */
int
warp_nft_batch_send(struct warp_kctx *ctx, struct mnl_socket *nl,
    struct nftnl_batch *b, size_t nmsgs, uint32_t seq0, ssize_t *bad,
    int *bad_errno)
{
	struct warp_nft_first	 f = { bad, bad_errno };
	struct sockaddr_nl	 snl;
	struct msghdr		 msg;
	struct iovec		*iov;
	int			 niov, ret;

	*bad = -1;
	*bad_errno = 0;
	ctx->cnt->nft += nmsgs;
	ctx->cnt->nft_batches++;
	if (ctx->dry_run)
		return (0);
	niov = nftnl_batch_iovec_len(b);
	iov = warp_xcalloc(niov, sizeof(*iov));
	nftnl_batch_iovec(b, iov, niov);
	warp_nft_sock_size(nl, nmsgs, iov, niov);
	memset(&snl, 0, sizeof(snl));
	snl.nl_family = AF_NETLINK;
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = &snl;
	msg.msg_namelen = sizeof(snl);
	msg.msg_iov = iov;
	msg.msg_iovlen = niov;
	if (sendmsg(mnl_socket_get_fd(nl), &msg, 0) == -1) {
		*bad_errno = errno;
		free(iov);
		return (-1);
	}
	free(iov);
	(void)warp_ksent(0, nmsgs);
	if ((ret = warp_mnl_acks(nl, nmsgs, seq0, warp_nft_refused, &f)) < -1)
		*bad_errno = -ret;
	return (ret == 0 ? 0 : -1);
}

/*
 * Room for a batch and its answers, as nft makes: the kernel refuses a
 * send larger than the socket's send buffer, and drops answers (ENOBUFS)
 * that overflow its receive buffer; every message is answered (an ACK
 * without the message echoed, NETLINK_CAP_ACK, or an error).
 */
static void
warp_nft_sock_size(struct mnl_socket *nl, size_t nmsgs,
    const struct iovec *iov, int niov)
{
	size_t	len = 0;
	int	fd = mnl_socket_get_fd(nl), one = 1, sz, i;

	for (i = 0; i < niov; i++)
		len += iov[i].iov_len;
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	sz = (int)(len + 65536);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	sz = (int)(nmsgs * 1024 + 65536);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
}
