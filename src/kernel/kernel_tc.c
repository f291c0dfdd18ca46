/*
 * Rate limits in the kernel: traffic control over rtnetlink (libmnl).
 *
 * Down (gateway -> endpoint) is shaped where it leaves: on the network's
 * WireGuard device wg<vcid>, whose qdisc sees the inner packets before
 * they are encrypted.  Up (endpoint -> gateway) arrives on that device;
 * an ingress qdisc with one matchall filter redirects it (mirred) to an
 * IFB device ifb<vcid> (alias "warp-tc:<vcid>"), shaped on its way out
 * and handed back to the WireGuard device's receive path by the kernel.
 *
 * On each device an HTB root qdisc 1: holds one class 1:<host> per
 * limited endpoint (the host part of its overlay address; at most
 * 0xfffe for any subnet down to /16), rate = ceil = the limit, and one
 * flower filter per prefix of the endpoint (overlay /32 and, for l3vpn,
 * its LANs; handle <host> << 8 | index) that sends the prefix to its
 * class.  Unlimited endpoints match no filter and HTB passes them
 * directly, unshaped.  A class queues in HTB's own pfifo (the device's
 * txqueuelen, 1000 packets): tried, an fq_codel per class (its 5 ms
 * target is less than one frame's time at 2 Mbit/s) cut TCP to half the
 * rate on a busy machine; a deep FIFO lets TCP keep the class busy.
 *
 * Why tc and not nftables: nftables can only police (drop above a rate),
 * and a TCP flow policed at a few Mbit/s loses bursts of segments and
 * saw-tooths well below the limit; HTB queues and paces, so TCP settles
 * at the configured rate.  flower keeps one hash table per distinct
 * prefix length, so classification costs the same for 10 or 10,000
 * endpoints, and HTB finds a class by hash.  One endpoint's change sends
 * only its own class and filters.
 *
 * Everything is dumped first (the incremental apply of some endpoints'
 * limits, kn->tc_some, gets their classes and filters one by one:
 * warp_tc_network_some) and only differences are sent, many requests
 * per sendmsg (each ACKed); every request is counted in ctx->cnt->tc
 * where the stream is sent (warp_tcq_flush), and a dry run stops there.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>

#include <libmnl/libmnl.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "warp.h"
#include "warp_kernel.h"
#include "warp_kernel_int.h"
#include "warp_traffic.h"

#define WARP_TC_ALIAS		"warp-tc:"
#define WARP_TC_ROOT		0x00010000U	/* 1: */
#define WARP_TC_INGRESS		0xffff0000U	/* ffff: */
#define WARP_TC_PRIO		1
#define WARP_TC_SENDSZ		(32 * 1024)
#define WARP_TC_MAXQ		256		/* requests per send */
#define WARP_TC_IFB_QLEN	1000

#define WARP_TC_DOWN		0
#define WARP_TC_UP		1

struct warp_tcclass {
	uint32_t	minor;
	uint64_t	rate;		/* bytes/s */
	uint64_t	ceil;
	int		keep;
};

struct warp_tcfilter {
	uint32_t	handle;
	uint32_t	addr;		/* network order */
	uint32_t	mask;
	uint32_t	classid;
	int		keep;
};

/* One device as the kernel has it or as it is wanted. */
struct warp_tcdev {
	int			 ifindex;
	char			 root_kind[IFNAMSIZ];
	uint32_t		 root_handle;
	int			 has_ingress;
	int			 mirred_ifindex;	/* 0: no redirect */
	struct warp_tcclass	*classes;
	size_t			 nclasses, capclasses;
	struct warp_tcfilter	*filters;
	size_t			 nfilters, capfilters;
};

/* Root and ingress qdiscs of the namespace, dumped once per apply. */
struct warp_tcroot {
	int		ifindex;
	char		kind[IFNAMSIZ];
	uint32_t	handle;
	int		root;		/* else on the ingress/clsact slot */
	int		ingress;	/* kind "ingress" there */
};

/* A stream of ACKed requests, sent WARP_TC_MAXQ at a time. */
struct warp_tcq {
	struct warp_tcroot	*roots;
	size_t			 nroots, caproots;
	int			 roots_read;
	struct warp_kctx	*ctx;
	struct mnl_socket	*nl;
	char			*buf;
	size_t			 len;
	uint32_t		 seq0;
	uint32_t		 seq;
	int			 n;
	struct warp_knet	*kn[WARP_TC_MAXQ];
	char			 what[WARP_TC_MAXQ][80];
};

static int	warp_tcq_open(struct warp_tcq *, struct warp_kctx *);
static void	warp_tcq_close(struct warp_tcq *);
static struct nlmsghdr *warp_tcq_msg(struct warp_tcq *, struct warp_knet *,
		    uint16_t, uint16_t, const char *, ...)
		    __attribute__((format(printf, 5, 6)));
static int	warp_tcq_flush(struct warp_tcq *);
static int	warp_tc_dump(struct warp_tcq *, struct nlmsghdr *, mnl_cb_t,
		    void *);
static int	warp_tc_read(struct warp_tcq *, int, struct warp_tcdev *);
static void	warp_tcdev_free(struct warp_tcdev *);
static void	warp_tc_desired(struct warp_knet *, const struct warp_traffic *,
		    size_t, int, struct warp_tcdev *);
static void	warp_tc_device(struct warp_tcq *, struct warp_knet *,
		    const char *, int, struct warp_tcdev *, struct warp_tcdev *);
static int	warp_tc_ifb(struct warp_tcq *, struct warp_knet *, int,
		    int *);
static void	warp_tc_ifb_stale(struct warp_tcq *,
		    const struct warp_traffic *, size_t);
static void	warp_tc_redirect(struct warp_tcq *, struct warp_knet *,
		    const struct warp_tcdev *, int);
static void	warp_tc_network(struct warp_tcq *, struct warp_knet *,
		    const struct warp_traffic *, size_t);
static void	warp_tc_network_some(struct warp_tcq *, struct warp_knet *,
		    const struct warp_traffic *, size_t);
static int	warp_tc_limits_some(struct warp_kctx *,
		    const struct warp_knet *, struct warp_traffic **, size_t *,
		    struct warp_err *);
static int	warp_tc_limits(struct warp_kctx *, struct warp_traffic **,
		    size_t *, struct warp_err *);

/* ------------------------------------------------------ request stream */

static int
warp_tcq_open(struct warp_tcq *q, struct warp_kctx *ctx)
{
	struct timeval	tv = { 10, 0 };
	int		one = 1;

	memset(q, 0, sizeof(*q));
	q->ctx = ctx;
	if ((q->nl = mnl_socket_open(NETLINK_ROUTE)) == NULL)
		return (-errno);
	if (mnl_socket_bind(q->nl, 0, MNL_SOCKET_AUTOPID) == -1) {
		mnl_socket_close(q->nl);
		q->nl = NULL;
		return (-errno);
	}
	/* The root process never waits forever on the kernel. */
	(void)setsockopt(mnl_socket_get_fd(q->nl), SOL_SOCKET, SO_RCVTIMEO,
	    &tv, sizeof(tv));
	(void)mnl_socket_setsockopt(q->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	(void)mnl_socket_setsockopt(q->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	q->buf = warp_xcalloc(1, WARP_TC_SENDSZ);
	q->seq = (uint32_t)time(NULL) * 16;
	q->seq0 = q->seq;
	return (0);
}

static void
warp_tcq_close(struct warp_tcq *q)
{
	if (q->nl != NULL)
		mnl_socket_close(q->nl);
	free(q->buf);
	free(q->roots);
	q->nl = NULL;
	q->buf = NULL;
	q->roots = NULL;
}

/*
 * Start a request; the caller adds attributes.  Room for the largest
 * request (~200 bytes) is kept, so a request never straddles a send.
 */
static struct nlmsghdr *
warp_tcq_msg(struct warp_tcq *q, struct warp_knet *kn, uint16_t type,
    uint16_t flags, const char *fmt, ...)
{
	struct nlmsghdr	*nlh;
	va_list		 ap;

	if (q->n == WARP_TC_MAXQ || q->len + 1024 > WARP_TC_SENDSZ)
		(void)warp_tcq_flush(q);
	va_start(ap, fmt);
	(void)vsnprintf(q->what[q->n], sizeof(q->what[q->n]), fmt, ap);
	va_end(ap);
	warp_kplan(q->ctx, "%s", q->what[q->n]);
	q->kn[q->n] = kn;
	nlh = mnl_nlmsg_put_header(q->buf + q->len);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = q->seq++;
	q->n++;
	return (nlh);
}

/* The caller finished a request started by warp_tcq_msg. */
static void
warp_tcq_end(struct warp_tcq *q, struct nlmsghdr *nlh)
{
	q->len += NLMSG_ALIGN(nlh->nlmsg_len);
}

static void
warp_tcq_refused(void *arg, size_t idx, int e)
{
	struct warp_tcq	*q = arg;

	if (idx < (size_t)q->n && q->kn[idx] != NULL)
		warp_knet_fail(q->ctx, q->kn[idx], "%s: %s%s", q->what[idx],
		    strerror(e), e == ENOENT || e == EOPNOTSUPP ? " (the "
		    "kernel lacks HTB, flower, matchall, mirred or IFB)" : "");
	else
		warp_kplan(q->ctx, "  failed: %s", strerror(e));
}

/* The counted send path of traffic control: counted and cut off here. */
static int
warp_tcq_flush(struct warp_tcq *q)
{
	int	n, ret = 0;

	if (q->n == 0)
		return (0);
	q->ctx->cnt->tc += (uint64_t)q->n;
	if (q->ctx->dry_run)
		goto done;
	if (mnl_socket_sendto(q->nl, q->buf, q->len) < 0) {
		for (n = 0; n < q->n; n++)
			if (q->kn[n] != NULL)
				warp_knet_fail(q->ctx, q->kn[n], "%s: %s",
				    q->what[n], strerror(errno));
		ret = -1;
		goto done;
	}
	(void)warp_ksent(0, (uint64_t)q->n);
	if (warp_mnl_acks(q->nl, (size_t)q->n, q->seq0, warp_tcq_refused,
	    q) != 0)
		ret = -1;
done:
	q->len = 0;
	q->n = 0;
	q->seq0 = q->seq;
	return (ret);
}

/* ---------------------------------------------------------------- read */

static int
warp_tc_dump(struct warp_tcq *q, struct nlmsghdr *nlh, mnl_cb_t cb,
    void *data)
{
	nlh->nlmsg_seq = q->seq++;
	q->seq0 = q->seq;
	return (warp_mnl_talk(q->nl, nlh, cb, data));
}

static int
warp_tc_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr	**tb = data;
	int			  type = mnl_attr_get_type(a);

	if (type <= 64)
		tb[type] = a;
	return (MNL_CB_OK);
}

/*
 * What a reply says is checked before it is read: a string attribute must
 * end in its NUL, a number must be as long as its type, the tcmsg must be
 * there (fuzz_netlink feeds these callbacks mutated replies).
 */
static const char *
warp_tc_str(const struct nlattr *a)
{
	if (a == NULL || mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return (NULL);
	return (mnl_attr_get_str(a));
}

static int
warp_tc_u32(const struct nlattr *a, uint32_t *v)
{
	if (a == NULL || mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return (0);
	*v = mnl_attr_get_u32(a);
	return (1);
}

static int
warp_tc_u64(const struct nlattr *a, uint64_t *v)
{
	if (a == NULL || mnl_attr_validate(a, MNL_TYPE_U64) < 0)
		return (0);
	*v = mnl_attr_get_u64(a);
	return (1);
}

static const struct tcmsg *
warp_tc_msg(const struct nlmsghdr *nlh)
{
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct tcmsg)))
		return (NULL);
	return (mnl_nlmsg_get_payload(nlh));
}

/* Only roots and ingress qdiscs are kept (not the classes' leaves). */
static int
warp_tc_qdisc_cb(const struct nlmsghdr *nlh, void *data)
{
	struct warp_tcq		*q = data;
	const struct nlattr	*tb[65] = { NULL };
	const struct tcmsg	*t;
	struct warp_tcroot	*r;
	const char		*kind;

	if ((t = warp_tc_msg(nlh)) == NULL ||
	    (t->tcm_parent != TC_H_ROOT && t->tcm_parent != TC_H_INGRESS))
		return (MNL_CB_OK);
	(void)mnl_attr_parse(nlh, sizeof(*t), warp_tc_attr_cb, tb);
	if ((kind = warp_tc_str(tb[TCA_KIND])) == NULL)
		return (MNL_CB_OK);
	if (q->nroots == q->caproots) {
		q->caproots = q->caproots ? q->caproots * 2 : 64;
		if ((q->roots = reallocarray(q->roots, q->caproots,
		    sizeof(*q->roots))) == NULL)
			warp_fatal("reallocarray");
	}
	r = &q->roots[q->nroots++];
	memset(r, 0, sizeof(*r));
	r->ifindex = t->tcm_ifindex;
	r->root = t->tcm_parent == TC_H_ROOT;
	r->ingress = t->tcm_parent == TC_H_INGRESS &&
	    strcmp(kind, "ingress") == 0;
	warp_kcopy(r->kind, sizeof(r->kind), kind);
	r->handle = t->tcm_handle;
	return (MNL_CB_OK);
}

static int
warp_tc_class_cb(const struct nlmsghdr *nlh, void *data)
{
	struct warp_tcdev	*d = data;
	const struct nlattr	*tb[65] = { NULL }, *ob[65] = { NULL };
	const struct tcmsg	*t;
	struct tc_htb_opt	*o;
	struct warp_tcclass	*c;
	const char		*kind;

	if ((t = warp_tc_msg(nlh)) == NULL)
		return (MNL_CB_OK);
	(void)mnl_attr_parse(nlh, sizeof(*t), warp_tc_attr_cb, tb);
	if (t->tcm_ifindex != d->ifindex ||
	    (kind = warp_tc_str(tb[TCA_KIND])) == NULL ||
	    strcmp(kind, "htb") != 0 ||
	    TC_H_MAJ(t->tcm_handle) != WARP_TC_ROOT || tb[TCA_OPTIONS] == NULL)
		return (MNL_CB_OK);
	(void)mnl_attr_parse_nested(tb[TCA_OPTIONS], warp_tc_attr_cb, ob);
	if (ob[TCA_HTB_PARMS] == NULL ||
	    mnl_attr_get_payload_len(ob[TCA_HTB_PARMS]) < sizeof(*o))
		return (MNL_CB_OK);
	if (d->nclasses == d->capclasses) {
		d->capclasses = d->capclasses ? d->capclasses * 2 : 16;
		if ((d->classes = reallocarray(d->classes, d->capclasses,
		    sizeof(*d->classes))) == NULL)
			warp_fatal("reallocarray");
	}
	o = mnl_attr_get_payload(ob[TCA_HTB_PARMS]);
	c = &d->classes[d->nclasses++];
	memset(c, 0, sizeof(*c));
	c->minor = TC_H_MIN(t->tcm_handle);
	if (!warp_tc_u64(ob[TCA_HTB_RATE64], &c->rate))
		c->rate = o->rate.rate;
	if (!warp_tc_u64(ob[TCA_HTB_CEIL64], &c->ceil))
		c->ceil = o->ceil.rate;
	return (MNL_CB_OK);
}

/* The mirred target of a matchall filter's first action. */
static int
warp_tc_mirred_target(const struct nlattr *acts)
{
	const struct nlattr	*a, *tb[65], *ob[65];
	struct tc_mirred	*m;
	const char		*kind;

	mnl_attr_for_each_nested(a, acts) {
		memset(tb, 0, sizeof(tb));
		(void)mnl_attr_parse_nested(a, warp_tc_attr_cb, tb);
		if ((kind = warp_tc_str(tb[TCA_ACT_KIND])) == NULL ||
		    tb[TCA_ACT_OPTIONS] == NULL || strcmp(kind, "mirred") != 0)
			continue;
		memset(ob, 0, sizeof(ob));
		(void)mnl_attr_parse_nested(tb[TCA_ACT_OPTIONS],
		    warp_tc_attr_cb, ob);
		if (ob[TCA_MIRRED_PARMS] == NULL ||
		    mnl_attr_get_payload_len(ob[TCA_MIRRED_PARMS]) < sizeof(*m))
			continue;
		m = mnl_attr_get_payload(ob[TCA_MIRRED_PARMS]);
		if (m->eaction == TCA_EGRESS_REDIR)
			return ((int)m->ifindex);
	}
	return (0);
}

static int
warp_tc_filter_cb(const struct nlmsghdr *nlh, void *data)
{
	struct warp_tcdev	*d = data;
	const struct nlattr	*tb[65] = { NULL }, *ob[65] = { NULL };
	const struct tcmsg	*t;
	struct warp_tcfilter	*f;
	const char		*kind;

	if ((t = warp_tc_msg(nlh)) == NULL)
		return (MNL_CB_OK);
	(void)mnl_attr_parse(nlh, sizeof(*t), warp_tc_attr_cb, tb);
	if (t->tcm_ifindex != d->ifindex ||
	    (kind = warp_tc_str(tb[TCA_KIND])) == NULL ||
	    t->tcm_handle == 0 || tb[TCA_OPTIONS] == NULL ||
	    TC_H_MAJ(t->tcm_info) >> 16 != WARP_TC_PRIO)
		return (MNL_CB_OK);
	(void)mnl_attr_parse_nested(tb[TCA_OPTIONS], warp_tc_attr_cb, ob);
	if (strcmp(kind, "matchall") == 0) {
		if (ob[TCA_MATCHALL_ACT] != NULL)
			d->mirred_ifindex =
			    warp_tc_mirred_target(ob[TCA_MATCHALL_ACT]);
		return (MNL_CB_OK);
	}
	if (strcmp(kind, "flower") != 0)
		return (MNL_CB_OK);
	if (d->nfilters == d->capfilters) {
		d->capfilters = d->capfilters ? d->capfilters * 2 : 16;
		if ((d->filters = reallocarray(d->filters, d->capfilters,
		    sizeof(*d->filters))) == NULL)
			warp_fatal("reallocarray");
	}
	f = &d->filters[d->nfilters++];
	memset(f, 0, sizeof(*f));
	f->handle = t->tcm_handle;
	(void)warp_tc_u32(ob[TCA_FLOWER_CLASSID], &f->classid);
	f->mask = 0xffffffff;
	if (warp_tc_u32(ob[TCA_FLOWER_KEY_IPV4_DST], &f->addr)) {
		(void)warp_tc_u32(ob[TCA_FLOWER_KEY_IPV4_DST_MASK], &f->mask);
		f->classid |= 0x80000000U;	/* marks "by destination" */
	} else if (warp_tc_u32(ob[TCA_FLOWER_KEY_IPV4_SRC], &f->addr))
		(void)warp_tc_u32(ob[TCA_FLOWER_KEY_IPV4_SRC_MASK], &f->mask);
	else
		f->mask = 0;
	return (MNL_CB_OK);
}

/* Root qdisc, ingress, HTB classes and filters of one device. */
static int
warp_tc_read(struct warp_tcq *q, int ifindex, struct warp_tcdev *d)
{
	char		 buf[256];
	struct nlmsghdr	*nlh;
	struct tcmsg	*t;
	int		 e;
	uint32_t	 parents[2] = { WARP_TC_ROOT, WARP_TC_INGRESS };
	size_t		 i;

	memset(d, 0, sizeof(*d));
	d->ifindex = ifindex;
	if (!q->roots_read) {
		/* One dump for all devices, not one per network. */
		memset(buf, 0, sizeof(buf));
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_GETQDISC;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		t = mnl_nlmsg_put_extra_header(nlh, sizeof(*t));
		t->tcm_family = AF_UNSPEC;
		if ((e = warp_tc_dump(q, nlh, warp_tc_qdisc_cb, q)) < 0)
			return (e);
		q->roots_read = 1;
	}
	for (i = 0; i < q->nroots; i++) {
		if (q->roots[i].ifindex != ifindex)
			continue;
		if (q->roots[i].ingress)
			d->has_ingress = 1;
		else if (q->roots[i].root) {
			warp_kcopy(d->root_kind, sizeof(d->root_kind),
			    q->roots[i].kind);
			d->root_handle = q->roots[i].handle;
		}
	}
	if (strcmp(d->root_kind, "htb") == 0 && d->root_handle == WARP_TC_ROOT) {
		memset(buf, 0, sizeof(buf));
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_GETTCLASS;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		t = mnl_nlmsg_put_extra_header(nlh, sizeof(*t));
		t->tcm_family = AF_UNSPEC;
		t->tcm_ifindex = ifindex;
		if ((e = warp_tc_dump(q, nlh, warp_tc_class_cb, d)) < 0)
			return (e);
	}
	for (i = 0; i < 2; i++) {
		if (i == 0 && (strcmp(d->root_kind, "htb") != 0 ||
		    d->root_handle != WARP_TC_ROOT))
			continue;
		if (i == 1 && !d->has_ingress)
			continue;
		memset(buf, 0, sizeof(buf));
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_GETTFILTER;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		t = mnl_nlmsg_put_extra_header(nlh, sizeof(*t));
		t->tcm_family = AF_UNSPEC;
		t->tcm_ifindex = ifindex;
		t->tcm_parent = parents[i];
		if ((e = warp_tc_dump(q, nlh, warp_tc_filter_cb, d)) < 0)
			return (e);
	}
	return (0);
}

static void
warp_tcdev_free(struct warp_tcdev *d)
{
	free(d->classes);
	free(d->filters);
	d->classes = NULL;
	d->filters = NULL;
	d->nclasses = d->nfilters = 0;
}

/*
 * One object by its handle: 0 with cb run on it, 1 if the kernel has no
 * such object, or -errno.  NLM_F_ECHO: a qdisc or class get is answered
 * to its asker only so (the kernel "notifies" it); a filter get is
 * answered either way.  Each is one read request (ctx->cnt->rd_rtnl).
 */
static int
warp_tc_get(struct warp_tcq *q, struct nlmsghdr *nlh, mnl_cb_t cb,
    void *data)
{
	int	e;

	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO;
	q->ctx->cnt->rd_rtnl++;
	if ((e = warp_tc_dump(q, nlh, cb, data)) == -ENOENT)
		return (1);
	return (e);
}

/* A qdisc got by its parent: its kind and handle into a warp_tcroot. */
static int
warp_tc_qdisc_get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct warp_tcroot	*r = data;
	const struct nlattr	*tb[65] = { NULL };
	const struct tcmsg	*t;
	const char		*kind;

	if ((t = warp_tc_msg(nlh)) == NULL || nlh->nlmsg_type != RTM_NEWQDISC)
		return (MNL_CB_OK);
	(void)mnl_attr_parse(nlh, sizeof(*t), warp_tc_attr_cb, tb);
	if ((kind = warp_tc_str(tb[TCA_KIND])) == NULL)
		return (MNL_CB_OK);
	warp_kcopy(r->kind, sizeof(r->kind), kind);
	r->handle = t->tcm_handle;
	return (MNL_CB_OK);
}

static struct nlmsghdr *
warp_tc_get_msg(char *buf, size_t len, uint16_t type, int ifindex,
    uint32_t parent, uint32_t handle, uint32_t info, const char *kind)
{
	struct nlmsghdr	*nlh;
	struct tcmsg	*t;

	memset(buf, 0, len);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	t = mnl_nlmsg_put_extra_header(nlh, sizeof(*t));
	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = ifindex;
	t->tcm_parent = parent;
	t->tcm_handle = handle;
	t->tcm_info = info;
	if (kind != NULL)
		mnl_attr_put_strz(nlh, TCA_KIND, kind);
	return (nlh);
}

/* A host whose class and filters are read, and how many filters it has. */
struct warp_tchost {
	uint32_t	host;
	size_t		nfilters;
};

/*
 * What warp_tc_read reads of one device, but only for these hosts:
 * its root qdisc (and, with ingress, the ingress qdisc and its
 * redirect), then each host's class and filters, one get each --
 * O(hosts), whatever the device holds.
 */
static int
warp_tc_read_some(struct warp_tcq *q, int ifindex, int ingress,
    const struct warp_tchost *hosts, size_t nhosts, struct warp_tcdev *d)
{
	char			 buf[256];
	struct warp_tcroot	 r;
	struct nlmsghdr		*nlh;
	uint32_t		 ip = htons(ETH_P_IP), all = htons(ETH_P_ALL);
	size_t			 i, j;
	int			 e;

	memset(d, 0, sizeof(*d));
	d->ifindex = ifindex;
	memset(&r, 0, sizeof(r));
	nlh = warp_tc_get_msg(buf, sizeof(buf), RTM_GETQDISC, ifindex,
	    TC_H_ROOT, 0, 0, NULL);
	if ((e = warp_tc_get(q, nlh, warp_tc_qdisc_get_cb, &r)) < 0)
		return (e);
	warp_kcopy(d->root_kind, sizeof(d->root_kind), r.kind);
	d->root_handle = r.handle;
	if (ingress) {
		memset(&r, 0, sizeof(r));
		nlh = warp_tc_get_msg(buf, sizeof(buf), RTM_GETQDISC, ifindex,
		    TC_H_INGRESS, 0, 0, NULL);
		if ((e = warp_tc_get(q, nlh, warp_tc_qdisc_get_cb, &r)) < 0)
			return (e);
		d->has_ingress = strcmp(r.kind, "ingress") == 0;
	}
	if (d->has_ingress) {
		nlh = warp_tc_get_msg(buf, sizeof(buf), RTM_GETTFILTER,
		    ifindex, WARP_TC_INGRESS, 1,
		    TC_H_MAKE((uint32_t)WARP_TC_PRIO << 16, all), "matchall");
		if ((e = warp_tc_get(q, nlh, warp_tc_filter_cb, d)) < 0)
			return (e);
	}
	if (strcmp(d->root_kind, "htb") != 0 || d->root_handle != WARP_TC_ROOT)
		return (0);
	for (i = 0; i < nhosts; i++) {
		nlh = warp_tc_get_msg(buf, sizeof(buf), RTM_GETTCLASS, ifindex,
		    WARP_TC_ROOT, WARP_TC_ROOT | hosts[i].host, 0, NULL);
		if ((e = warp_tc_get(q, nlh, warp_tc_class_cb, d)) < 0)
			return (e);
		for (j = 0; j < hosts[i].nfilters; j++) {
			nlh = warp_tc_get_msg(buf, sizeof(buf), RTM_GETTFILTER,
			    ifindex, WARP_TC_ROOT, hosts[i].host << 8 |
			    (uint32_t)j, TC_H_MAKE((uint32_t)WARP_TC_PRIO << 16,
			    ip), "flower");
			if ((e = warp_tc_get(q, nlh, warp_tc_filter_cb, d)) < 0)
				return (e);
		}
	}
	return (0);
}

/*
 * Are the classes of have all the device has?  (The last limited
 * endpoints' classes going: the root goes instead, as the full apply
 * would have it.)  One dump of the device's classes: O(its classes).
 */
static int
warp_tc_only_these(struct warp_tcq *q, int ifindex,
    const struct warp_tcdev *have)
{
	struct warp_tcdev	 all;
	char			 buf[256];
	struct nlmsghdr		*nlh;
	size_t			 i, j;
	int			 only = 1;

	memset(&all, 0, sizeof(all));
	all.ifindex = ifindex;
	nlh = warp_tc_get_msg(buf, sizeof(buf), RTM_GETTCLASS, ifindex, 0, 0,
	    0, NULL);
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	q->ctx->cnt->rd_rtnl++;
	if (warp_tc_dump(q, nlh, warp_tc_class_cb, &all) < 0)
		only = 0;
	for (i = 0; only && i < all.nclasses; i++) {
		for (j = 0; j < have->nclasses; j++)
			if (have->classes[j].minor == all.classes[i].minor)
				break;
		only = j < have->nclasses;
	}
	warp_tcdev_free(&all);
	return (only);
}


/* ------------------------------------------------------------- desired */

static void
warp_tc_desired(struct warp_knet *kn, const struct warp_traffic *tr,
    size_t ntr, int dir, struct warp_tcdev *d)
{
	const struct warp_traffic	*t;
	struct warp_state_peer		*kp, *peers;
	struct warp_tcclass		*c;
	struct warp_tcfilter		*f;
	uint64_t			 bps;
	uint32_t			 host;
	size_t				 i, j, npeers;

	peers = warp_knet_limited(kn, &npeers);
	memset(d, 0, sizeof(*d));
	d->classes = warp_xcalloc(npeers + 1, sizeof(*d->classes));
	d->filters = warp_xcalloc(npeers * (1 + WARP_MAX_LANS) + 1,
	    sizeof(*d->filters));
	for (i = 0; i < npeers; i++) {
		kp = &peers[i];
		if (!kp->active || kp->failed ||
		    (t = warp_traffic_find(tr, ntr, kp->endpoint_id)) == NULL)
			continue;
		bps = dir == WARP_TC_DOWN ? t->down_bps : t->up_bps;
		host = t->overlay_ip & ~warp_cidr_mask(kn->net.subnet.len);
		if (bps == 0 || host == 0 || host > 0xfffe)
			continue;
		/* The root side checks again what it reads from the db. */
		if (bps < WARP_RATE_MIN || bps > WARP_RATE_MAX) {
			kp->failed = 1;
			(void)snprintf(kp->error, sizeof(kp->error), "rate "
			    "limit %llu bit/s in the database is out of range",
			    (unsigned long long)bps);
			continue;
		}
		c = &d->classes[d->nclasses++];
		c->minor = host;
		c->rate = c->ceil = bps / 8;
		for (j = 0; j < kp->nallowed && j < 1 + WARP_MAX_LANS; j++) {
			f = &d->filters[d->nfilters++];
			f->handle = host << 8 | (uint32_t)j;
			f->addr = htonl(kp->allowed[j].addr &
			    warp_cidr_mask(kp->allowed[j].len));
			f->mask = htonl(warp_cidr_mask(kp->allowed[j].len));
			f->classid = WARP_TC_ROOT | host;
			if (dir == WARP_TC_DOWN)
				f->classid |= 0x80000000U;
		}
	}
}

/* ---------------------------------------------------------------- write */

static void
warp_tc_put_qdisc(struct warp_tcq *q, struct warp_knet *kn, const char *dev,
    int ifindex, int ingress, int del)
{
	struct nlmsghdr		*nlh;
	struct tcmsg		*t;
	struct nlattr		*opt;
	struct tc_htb_glob	 g;

	nlh = warp_tcq_msg(q, kn, del ? RTM_DELQDISC : RTM_NEWQDISC,
	    del ? 0 : NLM_F_CREATE | NLM_F_REPLACE, "%s qdisc %s %s",
	    del ? "remove" : "create", ingress ? "ingress" : "htb 1:", dev);
	t = mnl_nlmsg_put_extra_header(nlh, sizeof(*t));
	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = ifindex;
	if (ingress) {
		t->tcm_parent = TC_H_INGRESS;
		t->tcm_handle = WARP_TC_INGRESS;
		mnl_attr_put_strz(nlh, TCA_KIND, "ingress");
	} else {
		t->tcm_parent = TC_H_ROOT;
		t->tcm_handle = WARP_TC_ROOT;
		mnl_attr_put_strz(nlh, TCA_KIND, "htb");
		if (!del) {
			memset(&g, 0, sizeof(g));
			g.version = 3;
			g.rate2quantum = 10;
			g.defcls = 0;	/* unclassified: sent directly */
			opt = mnl_attr_nest_start(nlh, TCA_OPTIONS);
			mnl_attr_put(nlh, TCA_HTB_INIT, sizeof(g), &g);
			mnl_attr_put_u32(nlh, TCA_HTB_DIRECT_QLEN, 1000);
			mnl_attr_nest_end(nlh, opt);
		}
	}
	warp_tcq_end(q, nlh);
}

static uint32_t
warp_tc_ticks(uint64_t bytes, uint64_t rate)
{
	uint64_t	ns = bytes * 1000000000ULL / (rate ? rate : 1);

	ns >>= 6;	/* PSCHED_NS2TICKS */
	return (ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns);
}

static void
warp_tc_put_class(struct warp_tcq *q, struct warp_knet *kn, const char *dev,
    int ifindex, const struct warp_tcclass *c, int del, int change)
{
	struct nlmsghdr		*nlh;
	struct tcmsg		*t;
	struct nlattr		*opt;
	struct tc_htb_opt	 o;
	uint64_t		 burst;
	char			 r[WARP_RATE_STRLEN];

	warp_rate_format(c->rate * 8, r, sizeof(r));
	nlh = warp_tcq_msg(q, kn, del ? RTM_DELTCLASS : RTM_NEWTCLASS,
	    del ? 0 : NLM_F_CREATE, "%s class 1:%x on %s%s%s",
	    del ? "remove" : change ? "change" : "create", c->minor, dev,
	    del ? "" : " rate ", del ? "" : r);
	t = mnl_nlmsg_put_extra_header(nlh, sizeof(*t));
	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = ifindex;
	t->tcm_parent = WARP_TC_ROOT;
	t->tcm_handle = WARP_TC_ROOT | c->minor;
	mnl_attr_put_strz(nlh, TCA_KIND, "htb");
	if (!del) {
		/*
		 * 50 ms of the rate plus two frames: a dequeue that comes
		 * late (timer slack, a busy CPU) catches up instead of
		 * losing its share; the long-run rate stays the limit.
		 */
		burst = c->rate / 20 + 3200;
		memset(&o, 0, sizeof(o));
		o.rate.linklayer = TC_LINKLAYER_ETHERNET;
		o.ceil.linklayer = TC_LINKLAYER_ETHERNET;
		o.rate.rate = c->rate > UINT32_MAX ? UINT32_MAX :
		    (uint32_t)c->rate;
		o.ceil.rate = c->ceil > UINT32_MAX ? UINT32_MAX :
		    (uint32_t)c->ceil;
		o.buffer = warp_tc_ticks(burst, c->rate);
		o.cbuffer = warp_tc_ticks(burst, c->ceil);
		o.quantum = c->rate / 10 < 1600 ? 1600 : c->rate / 10 > 200000 ?
		    200000 : (uint32_t)(c->rate / 10);
		opt = mnl_attr_nest_start(nlh, TCA_OPTIONS);
		mnl_attr_put(nlh, TCA_HTB_PARMS, sizeof(o), &o);
		if (c->rate > UINT32_MAX)
			mnl_attr_put_u64(nlh, TCA_HTB_RATE64, c->rate);
		if (c->ceil > UINT32_MAX)
			mnl_attr_put_u64(nlh, TCA_HTB_CEIL64, c->ceil);
		mnl_attr_nest_end(nlh, opt);
	}
	warp_tcq_end(q, nlh);
}

static void
warp_tc_put_filter(struct warp_tcq *q, struct warp_knet *kn, const char *dev,
    int ifindex, const struct warp_tcfilter *f, int del, int change)
{
	struct nlmsghdr	*nlh;
	struct tcmsg	*t;
	struct nlattr	*opt;
	char		 a[INET_ADDRSTRLEN];
	int		 dst = (f->classid & 0x80000000U) != 0;

	if (inet_ntop(AF_INET, &f->addr, a, sizeof(a)) == NULL)
		(void)snprintf(a, sizeof(a), "?");
	nlh = warp_tcq_msg(q, kn, del ? RTM_DELTFILTER : RTM_NEWTFILTER,
	    del ? 0 : change ? NLM_F_CREATE | NLM_F_REPLACE :
	    NLM_F_CREATE | NLM_F_EXCL, "%s filter %x on %s: %s %s/%d -> 1:%x",
	    del ? "remove" : change ? "change" : "create", f->handle, dev,
	    dst ? "dst" : "src", a, __builtin_popcount(f->mask),
	    TC_H_MIN(f->classid));
	t = mnl_nlmsg_put_extra_header(nlh, sizeof(*t));
	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = ifindex;
	t->tcm_parent = WARP_TC_ROOT;
	t->tcm_handle = f->handle;
	t->tcm_info = TC_H_MAKE((uint32_t)WARP_TC_PRIO << 16, htons(ETH_P_IP));
	mnl_attr_put_strz(nlh, TCA_KIND, "flower");
	if (!del) {
		opt = mnl_attr_nest_start(nlh, TCA_OPTIONS);
		mnl_attr_put_u32(nlh, TCA_FLOWER_CLASSID,
		    f->classid & ~0x80000000U);
		mnl_attr_put_u16(nlh, TCA_FLOWER_KEY_ETH_TYPE, htons(ETH_P_IP));
		mnl_attr_put_u32(nlh, dst ? TCA_FLOWER_KEY_IPV4_DST :
		    TCA_FLOWER_KEY_IPV4_SRC, f->addr);
		mnl_attr_put_u32(nlh, dst ? TCA_FLOWER_KEY_IPV4_DST_MASK :
		    TCA_FLOWER_KEY_IPV4_SRC_MASK, f->mask);
		mnl_attr_put_u32(nlh, TCA_FLOWER_FLAGS, TCA_CLS_FLAGS_SKIP_HW);
		mnl_attr_nest_end(nlh, opt);
	}
	warp_tcq_end(q, nlh);
}

static void
warp_tc_put_redirect(struct warp_tcq *q, struct warp_knet *kn,
    const char *dev, int ifindex, int ifb, int change)
{
	struct nlmsghdr		*nlh;
	struct tcmsg		*t;
	struct nlattr		*opt, *acts, *act, *aopt;
	struct tc_mirred	 m;
	char			 ifbname[IFNAMSIZ];

	warp_tc_ifb_name(kn, ifbname, sizeof(ifbname));
	nlh = warp_tcq_msg(q, kn, RTM_NEWTFILTER, change ? NLM_F_CREATE |
	    NLM_F_REPLACE : NLM_F_CREATE | NLM_F_EXCL,
	    "%s filter ingress %s: redirect to %s", change ? "change" :
	    "create", dev, ifbname);
	t = mnl_nlmsg_put_extra_header(nlh, sizeof(*t));
	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = ifindex;
	t->tcm_parent = WARP_TC_INGRESS;
	t->tcm_handle = 1;
	t->tcm_info = TC_H_MAKE((uint32_t)WARP_TC_PRIO << 16, htons(ETH_P_ALL));
	mnl_attr_put_strz(nlh, TCA_KIND, "matchall");
	opt = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put_u32(nlh, TCA_MATCHALL_FLAGS, TCA_CLS_FLAGS_SKIP_HW);
	acts = mnl_attr_nest_start(nlh, TCA_MATCHALL_ACT);
	act = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_strz(nlh, TCA_ACT_KIND, "mirred");
	aopt = mnl_attr_nest_start(nlh, TCA_ACT_OPTIONS);
	memset(&m, 0, sizeof(m));
	m.action = TC_ACT_STOLEN;
	m.eaction = TCA_EGRESS_REDIR;
	m.ifindex = (uint32_t)ifb;
	mnl_attr_put(nlh, TCA_MIRRED_PARMS, sizeof(m), &m);
	mnl_attr_nest_end(nlh, aopt);
	mnl_attr_nest_end(nlh, act);
	mnl_attr_nest_end(nlh, acts);
	mnl_attr_nest_end(nlh, opt);
	warp_tcq_end(q, nlh);
}

static int
warp_tc_class_cmp(const void *a, const void *b)
{
	const struct warp_tcclass	*x = a, *y = b;

	return (x->minor < y->minor ? -1 : x->minor > y->minor);
}

static int
warp_tc_filter_cmp(const void *a, const void *b)
{
	const struct warp_tcfilter	*x = a, *y = b;

	return (x->handle < y->handle ? -1 : x->handle > y->handle);
}

/*
 * Bring one device's HTB tree to what is wanted: filters and classes
 * that are no longer wanted go first (a class with filters cannot be
 * removed), then the root, the classes and the filters that are new or
 * differ.  Nothing wanted: the root qdisc goes, with all it held --
 * unless have and want are some hosts' only (kn->tc_some): then what
 * they had goes, and the caller judges the root.
 */
static void
warp_tc_device(struct warp_tcq *q, struct warp_knet *kn, const char *dev,
    int ifindex, struct warp_tcdev *want, struct warp_tcdev *have)
{
	struct warp_tcclass	*c, *hc;
	struct warp_tcfilter	*f, *hf;
	int			 root;
	size_t			 i;

	root = strcmp(have->root_kind, "htb") == 0 &&
	    have->root_handle == WARP_TC_ROOT;
	if (want->nclasses == 0 && (!kn->tc_some || !root)) {
		if (root)
			warp_tc_put_qdisc(q, kn, dev, ifindex, 0, 1);
		return;
	}
	if (!root) {
		warp_tc_put_qdisc(q, kn, dev, ifindex, 0, 0);
		have->nclasses = have->nfilters = 0;
	}
	qsort(have->classes, have->nclasses, sizeof(*have->classes),
	    warp_tc_class_cmp);
	qsort(have->filters, have->nfilters, sizeof(*have->filters),
	    warp_tc_filter_cmp);
	for (i = 0; i < want->nfilters; i++) {
		f = &want->filters[i];
		hf = bsearch(f, have->filters, have->nfilters,
		    sizeof(*have->filters), warp_tc_filter_cmp);
		if (hf != NULL)
			hf->keep = 1 + (hf->addr == f->addr &&
			    hf->mask == f->mask && hf->classid == f->classid);
	}
	for (i = 0; i < want->nclasses; i++) {
		c = &want->classes[i];
		hc = bsearch(c, have->classes, have->nclasses,
		    sizeof(*have->classes), warp_tc_class_cmp);
		if (hc != NULL)
			hc->keep = 1 + (hc->rate == c->rate &&
			    hc->ceil == c->ceil);
	}
	for (i = 0; i < have->nfilters; i++)
		if (!have->filters[i].keep)
			warp_tc_put_filter(q, kn, dev, ifindex,
			    &have->filters[i], 1, 0);
	for (i = 0; i < have->nclasses; i++)
		if (!have->classes[i].keep)
			warp_tc_put_class(q, kn, dev, ifindex,
			    &have->classes[i], 1, 0);
	for (i = 0; i < want->nclasses; i++) {
		c = &want->classes[i];
		hc = bsearch(c, have->classes, have->nclasses,
		    sizeof(*have->classes), warp_tc_class_cmp);
		if (hc == NULL || hc->keep != 2)
			warp_tc_put_class(q, kn, dev, ifindex, c, 0,
			    hc != NULL);
	}
	for (i = 0; i < want->nfilters; i++) {
		f = &want->filters[i];
		hf = bsearch(f, have->filters, have->nfilters,
		    sizeof(*have->filters), warp_tc_filter_cmp);
		if (hf == NULL || hf->keep != 2)
			warp_tc_put_filter(q, kn, dev, ifindex, f, 0,
			    hf != NULL);
	}
}

/* ------------------------------------------------------------------ IFB */

void
warp_tc_ifb_name(const struct warp_knet *kn, char *buf, size_t len)
{
	(void)snprintf(buf, len, "ifb%u", kn->net.vcid);
}

static int
warp_tc_link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ifinfomsg	*ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(*ifi)))
		*(int *)data = ifi->ifi_index;
	return (MNL_CB_OK);
}

/* The network's IFB device (created if absent); its ifindex in *ifb. */
static int
warp_tc_ifb(struct warp_tcq *q, struct warp_knet *kn, int create, int *ifb)
{
	struct nlmsghdr		*nlh;
	struct ifinfomsg	*ifi;
	struct nlattr		*li;
	char			 name[IFNAMSIZ], alias[IFNAMSIZ + 16];
	char			 buf[512];
	int			 e;

	warp_tc_ifb_name(kn, name, sizeof(name));
	*ifb = warp_nl_ifindex(q->ctx, name);
	if (*ifb > 0 || !create)
		return (0);
	(void)snprintf(alias, sizeof(alias), "%s%u", WARP_TC_ALIAS,
	    kn->net.vcid);
	nlh = warp_tcq_msg(q, kn, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
	    "create link %s (ifb)", name);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_TXQLEN, WARP_TC_IFB_QLEN);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "ifb");
	mnl_attr_nest_end(nlh, li);
	warp_tcq_end(q, nlh);
	/* The alias is not taken at creation: set it, with the link up. */
	nlh = warp_tcq_msg(q, kn, RTM_NEWLINK, 0, "change link %s alias %s up",
	    name, alias);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	warp_tcq_end(q, nlh);
	if (warp_tcq_flush(q) == -1 || kn->failed)
		return (-1);
	if (q->ctx->dry_run)
		return (0);
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if ((e = warp_tc_dump(q, nlh, warp_tc_link_cb, ifb)) < 0 || *ifb <= 0) {
		warp_knet_fail(q->ctx, kn, "reading %s: %s", name,
		    strerror(e < 0 ? -e : ENODEV));
		return (-1);
	}
	return (0);
}

/* IFB devices of networks that are gone or no longer shape uploads. */
static void
warp_tc_ifb_stale(struct warp_tcq *q, const struct warp_traffic *tr,
    size_t ntr)
{
	struct warp_kctx	*ctx = q->ctx;
	struct nl_object	*o;
	struct rtnl_link	*l;
	struct nlmsghdr		*nlh;
	struct ifinfomsg	*ifi;
	struct warp_knet	*kn;
	struct warp_tcdev	 want;
	const char		*alias;
	char			 ifbname[IFNAMSIZ];
	size_t			 i;
	int			 wanted;

	if (ctx->links == NULL)
		return;
	for (o = nl_cache_get_first(ctx->links); o != NULL;
	    o = nl_cache_get_next(o)) {
		l = (struct rtnl_link *)o;
		alias = rtnl_link_get_ifalias(l);
		if (alias == NULL || strncmp(alias, WARP_TC_ALIAS,
		    strlen(WARP_TC_ALIAS)) != 0)
			continue;
		/* Scoped: only the traffic networks' own IFB devices. */
		wanted = ctx->tc_scoped;
		for (i = 0; i < ctx->nnets; i++) {
			kn = &ctx->nets[i];
			warp_tc_ifb_name(kn, ifbname, sizeof(ifbname));
			if (strcmp(ifbname, rtnl_link_get_name(l)) != 0)
				continue;
			/* A network that could not be read keeps its own. */
			if (kn->hold || kn->failed || !kn->links_ok ||
			    (ctx->tc_scoped && !kn->traffic)) {
				wanted = 1;
				break;
			}
			if (kn->tc_some) {	/* judged by warp_tc_up_some */
				wanted = !kn->tc_up_gone;
				break;
			}
			warp_tc_desired(kn, tr, ntr, WARP_TC_UP, &want);
			wanted = want.nclasses > 0;
			warp_tcdev_free(&want);
			break;
		}
		if (wanted)
			continue;
		nlh = warp_tcq_msg(q, NULL, RTM_DELLINK, 0, "remove link %s",
		    rtnl_link_get_name(l));
		ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_family = AF_UNSPEC;
		ifi->ifi_index = rtnl_link_get_ifindex(l);
		warp_tcq_end(q, nlh);
	}
}

/* ---------------------------------------------------------------- apply */

static int
warp_tc_limit_cmp(const void *a, const void *b)
{
	const struct warp_traffic	*x = a, *y = b;

	return (x->endpoint_id < y->endpoint_id ? -1 :
	    x->endpoint_id > y->endpoint_id);
}

/* The limits of the endpoints the journal named, one get each. */
static int
warp_tc_limits_some(struct warp_kctx *ctx, const struct warp_knet *kn,
    struct warp_traffic **out, size_t *nout, struct warp_err *err)
{
	struct warp_traffic	*v;
	struct warp_err		 e2;
	size_t			 n = 0, i;

	v = warp_xcalloc(kn->ntcpeers + 1, sizeof(*v));
	for (i = 0; i < kn->ntcpeers; i++) {
		if (warp_traffic_get(ctx->db, kn->tcpeers[i].endpoint_id,
		    &v[n], &e2) == 0) {
			n++;
			continue;
		}
		if (e2.kind == WARP_ENOTFOUND)
			continue;	/* deleted since: no limits */
		*err = e2;
		free(v);
		return (-1);
	}
	*out = v;
	*nout = n;
	return (0);
}

/*
 * The limits the apply reconciles, by endpoint id: every endpoint's, or
 * (scoped) those of the traffic networks only, one read each.
 */
static int
warp_tc_limits(struct warp_kctx *ctx, struct warp_traffic **out,
    size_t *nout, struct warp_err *err)
{
	struct warp_traffic	*v = NULL, *one;
	size_t			 n = 0, none, i;

	if (!ctx->tc_scoped)
		return (warp_traffic_list(ctx->db, 0, out, nout, err));
	for (i = 0; i < ctx->nnets; i++) {
		if (!ctx->nets[i].traffic)
			continue;
		if (ctx->nets[i].tc_some) {
			if (warp_tc_limits_some(ctx, &ctx->nets[i], &one,
			    &none, err) == -1) {
				free(v);
				return (-1);
			}
		} else if (warp_traffic_list(ctx->db, ctx->nets[i].net.id,
		    &one, &none, err) == -1) {
			free(v);
			return (-1);
		}
		if ((v = reallocarray(v, n + none + 1, sizeof(*v))) == NULL)
			warp_fatal("reallocarray");
		if (none > 0)
			memcpy(&v[n], one, none * sizeof(*v));
		n += none;
		warp_traffic_list_free(one);
	}
	if (n > 0)
		qsort(v, n, sizeof(*v), warp_tc_limit_cmp);
	*out = v;
	*nout = n;
	return (0);
}

/* One network's devices, whole: everything they hold is read and diffed. */
static void
warp_tc_network(struct warp_tcq *q, struct warp_knet *kn,
    const struct warp_traffic *tr, size_t ntr)
{
	struct warp_kctx	*ctx = q->ctx;
	struct warp_tcdev	 want, have;
	char			 ifbname[IFNAMSIZ];
	int			 e, ifb;

	/* Down: HTB on the WireGuard device, by destination. */
	warp_tc_desired(kn, tr, ntr, WARP_TC_DOWN, &want);
	memset(&have, 0, sizeof(have));
	if (kn->wg_ifindex > 0 &&
	    (e = warp_tc_read(q, kn->wg_ifindex, &have)) < 0) {
		warp_knet_fail(ctx, kn, "reading traffic control of %s: %s",
		    kn->net.if_wg, strerror(-e));
		warp_tcdev_free(&want);
		return;
	}
	warp_tc_device(q, kn, kn->net.if_wg, kn->wg_ifindex, &want, &have);
	warp_tcdev_free(&want);
	/* Up: redirect to the IFB device, HTB there by source. */
	warp_tc_desired(kn, tr, ntr, WARP_TC_UP, &want);
	warp_tc_ifb_name(kn, ifbname, sizeof(ifbname));
	if (want.nclasses == 0) {
		if (have.has_ingress)
			warp_tc_put_qdisc(q, kn, kn->net.if_wg, kn->wg_ifindex,
			    1, 1);
		warp_tcdev_free(&want);
		warp_tcdev_free(&have);
		return;		/* its IFB goes with the stale ones */
	}
	if (warp_tc_ifb(q, kn, 1, &ifb) == -1) {
		warp_tcdev_free(&want);
		warp_tcdev_free(&have);
		return;
	}
	warp_tc_redirect(q, kn, &have, ifb);
	warp_tcdev_free(&have);
	memset(&have, 0, sizeof(have));
	if (ifb > 0 && (e = warp_tc_read(q, ifb, &have)) < 0) {
		warp_knet_fail(ctx, kn, "reading traffic control of %s: %s",
		    ifbname, strerror(-e));
		warp_tcdev_free(&want);
		return;
	}
	warp_tc_device(q, kn, ifbname, ifb, &want, &have);
	warp_tcdev_free(&want);
	warp_tcdev_free(&have);
}

/* The ingress qdisc of the WireGuard device and its redirect to ifb. */
static void
warp_tc_redirect(struct warp_tcq *q, struct warp_knet *kn,
    const struct warp_tcdev *have, int ifb)
{
	if (!have->has_ingress)
		warp_tc_put_qdisc(q, kn, kn->net.if_wg, kn->wg_ifindex, 1, 0);
	if (!have->has_ingress || have->mirred_ifindex != ifb)
		warp_tc_put_redirect(q, kn, kn->net.if_wg, kn->wg_ifindex, ifb,
		    have->has_ingress && have->mirred_ifindex != 0);
}

/*
 * The hosts of the endpoints the journal named: each one's address now
 * (its filters: its allowed prefixes) and, for one deleted or re-keyed,
 * the address it had (an endpoint on this path has no LANs: one filter).
 */
static struct warp_tchost *
warp_tc_hosts(const struct warp_knet *kn, size_t *nout)
{
	struct warp_tchost	*h;
	uint32_t		 mask = warp_cidr_mask(kn->net.subnet.len), a;
	size_t			 n = 0, i, j;

	h = warp_xcalloc(kn->ntcpeers + kn->nolds + 1, sizeof(*h));
	for (i = 0; i < kn->ntcpeers + kn->nolds; i++) {
		if (i < kn->ntcpeers) {
			a = kn->tcpeers[i].allowed[0].addr;
			h[n].nfilters = kn->tcpeers[i].nallowed;
		} else {
			a = kn->olds[i - kn->ntcpeers].old_overlay;
			h[n].nfilters = 1;
		}
		h[n].host = a & ~mask;
		if (h[n].host == 0 || h[n].host > 0xfffe)
			continue;
		if (h[n].nfilters > 1 + WARP_MAX_LANS)
			h[n].nfilters = 1 + WARP_MAX_LANS;
		for (j = 0; j < n && h[j].host != h[n].host; j++)
			;
		if (j == n)
			n++;
		else if (h[j].nfilters < h[n].nfilters)
			h[j].nfilters = h[n].nfilters;
	}
	*nout = n;
	return (h);
}

/*
 * One device for some hosts: their classes and filters read one by one
 * and diffed.  When none of them wants a class and what the device has
 * is all theirs, the root goes, as on the whole path (ingress: the
 * WireGuard device, whose root is removed; an IFB device's goes with
 * the device): 1 then, else 0; -1 when the device could not be read
 * (the network fails).
 */
static int
warp_tc_device_some(struct warp_tcq *q, struct warp_knet *kn,
    const char *dev, int ifindex, int ingress, const struct warp_tchost *h,
    size_t nh, struct warp_tcdev *want, struct warp_tcdev *have)
{
	int	e;

	memset(have, 0, sizeof(*have));
	/* A dry run's IFB device to be has nothing to read. */
	if (ifindex > 0 &&
	    (e = warp_tc_read_some(q, ifindex, ingress, h, nh, have)) < 0) {
		warp_knet_fail(q->ctx, kn, "reading traffic control of %s: "
		    "%s", dev, strerror(-e));
		return (-1);
	}
	if (ifindex > 0 && want->nclasses == 0 && have->nclasses > 0 &&
	    warp_tc_only_these(q, ifindex, have)) {
		if (ingress)
			warp_tc_put_qdisc(q, kn, dev, ifindex, 0, 1);
		return (1);
	}
	warp_tc_device(q, kn, dev, ifindex, want, have);
	return (0);
}

/*
 * One network's devices for the endpoints the journal named only
 * (kn->tc_some): a get per object of theirs, O(those endpoints) reads
 * and writes; the other endpoints' classes and filters are neither read
 * nor touched.
 */
static void
warp_tc_network_some(struct warp_tcq *q, struct warp_knet *kn,
    const struct warp_traffic *tr, size_t ntr)
{
	struct warp_tcdev	 want, have, up;
	struct warp_tchost	*h;
	char			 ifbname[IFNAMSIZ];
	size_t			 nh;
	int			 ifb, gone;

	h = warp_tc_hosts(kn, &nh);
	warp_tc_desired(kn, tr, ntr, WARP_TC_DOWN, &want);
	gone = warp_tc_device_some(q, kn, kn->net.if_wg, kn->wg_ifindex, 1,
	    h, nh, &want, &have);
	warp_tcdev_free(&want);
	if (gone == -1)
		goto out;
	warp_tc_desired(kn, tr, ntr, WARP_TC_UP, &want);
	warp_tc_ifb_name(kn, ifbname, sizeof(ifbname));
	if (want.nclasses > 0) {
		if (warp_tc_ifb(q, kn, 1, &ifb) == -1)
			goto out;
		warp_tc_redirect(q, kn, &have, ifb);
	} else
		ifb = warp_nl_ifindex(q->ctx, ifbname);
	if (want.nclasses > 0 || ifb > 0) {
		gone = warp_tc_device_some(q, kn, ifbname, ifb, 0, h, nh,
		    &want, &up);
		warp_tcdev_free(&up);
		if (gone == 1) {
			/* No upload shaped any more: as the whole path. */
			kn->tc_up_gone = 1;
			if (have.has_ingress)
				warp_tc_put_qdisc(q, kn, kn->net.if_wg,
				    kn->wg_ifindex, 1, 1);
		}
	}
out:
	warp_tcdev_free(&want);
	warp_tcdev_free(&have);
	free(h);
}

int
warp_tc_apply(struct warp_kctx *ctx)
{
	struct warp_tcq		 q;
	struct warp_traffic	*tr = NULL;
	struct warp_knet	*kn;
	struct warp_err		 err;
	size_t			 ntr = 0, i;
	int			 e;

	if (!ctx->dry_run && !ctx->tc_scoped) {
		warp_traffic_sample(ctx->db);
		if (warp_traffic_turn(ctx->db, ctx->now, &err) == -1)
			warp_kplan(ctx, "  failed: quota periods: %s", err.msg);
	}
	if (warp_tc_limits(ctx, &tr, &ntr, &err) == -1) {
		warp_kplan(ctx, "  failed: traffic limits: %s", err.msg);
		return (-1);
	}
	if ((e = warp_tcq_open(&q, ctx)) < 0) {
		warp_kplan(ctx, "  failed: traffic control socket: %s",
		    strerror(-e));
		warp_traffic_list_free(tr);
		return (-1);
	}
	for (i = 0; i < ctx->nnets; i++) {
		kn = &ctx->nets[i];
		if (kn->hold || kn->failed || !kn->links_ok ||
		    (ctx->tc_scoped && !kn->traffic))
			continue;
		if (kn->wg_ifindex <= 0 &&
		    (kn->wg_ifindex = warp_nl_ifindex(ctx, kn->net.if_wg)) <= 0 &&
		    !ctx->dry_run)
			continue;
		if (kn->tc_some)
			warp_tc_network_some(&q, kn, tr, ntr);
		else
			warp_tc_network(&q, kn, tr, ntr);
	}
	warp_tc_ifb_stale(&q, tr, ntr);
	(void)warp_tcq_flush(&q);
	warp_tcq_close(&q);
	(void)warp_quota_apply(ctx, tr, ntr);
	warp_traffic_list_free(tr);
	return (0);
}
