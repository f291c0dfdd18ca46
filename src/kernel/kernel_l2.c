/*
 * Layer-2 networks: a VLAN-aware bridge br<vcid> per network and its ports.
 *
 *   l2-p2p   one GRE TAP per active endpoint, gt<vcid>h<host> (the host
 *            part of the endpoint's overlay address, in hex: at most 15
 *            bytes for any subnet down to /16), local = the gateway's
 *            overlay address, remote = the endpoint's, underlay looked up
 *            in the network's VRF (IFLA_GRE_LINK = the VRF);
 *   l2-mesh  one VXLAN device vx<vcid> (the network's VNI, no learning,
 *            underlay in the VRF) with an all-zeros FDB entry per active
 *            endpoint; the sites replicate to each other directly and the
 *            VRF routes their VXLAN packets (DESIGN §6).
 *
 * Ports carry the network's VLANs (vlan_min..vlan_max tagged), or VLAN 1
 * untagged (PVID) when it has none.  Links go through libnl-route-3 like
 * the rest; what libnl-route 3.7 cannot express (bridge vlan_filtering,
 * port VLANs, FDB entries of a VXLAN device) goes through libmnl here.
 * Everything is read first and only differences are sent: each write is
 * counted in ctx->cnt->rtnl and skipped on a dry run.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/ipgre.h>
#include <netlink/route/link/vxlan.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "warp.h"
#include "warp_kernel.h"
#include "warp_kernel_int.h"

#define WARP_FEATURE_BR		"bridges (CONFIG_BRIDGE, module bridge)"
#define WARP_FEATURE_GRE	"GRE TAP (CONFIG_NET_IPGRE, module ip_gre)"
#define WARP_FEATURE_VXLAN	"VXLAN (CONFIG_VXLAN, module vxlan)"
#define WARP_GRE_OVERHEAD	38	/* outer IPv4 + GRE + Ethernet */
#define WARP_VXLAN_OVERHEAD	50	/* outer IPv4 + UDP + VXLAN + Ethernet */
#define WARP_VID_MAX		4094

/* Per VLAN id of a port: present, PVID, egress untagged. */
#define WARP_VID_ON		0x01
#define WARP_VID_PVID		0x02
#define WARP_VID_UNTAGGED	0x04

struct warp_l2vids {
	int		ifindex;
	uint8_t		f[WARP_VID_MAX + 1];
	uint16_t	range_flags;
	int		range_begin;	/* 0: none open */
};

struct warp_l2fdb {
	int		ifindex;
	uint32_t	*dst;		/* network order */
	size_t		ndst;
};

static int	warp_l2_open(struct warp_kctx *);
static int	warp_l2_talk(struct warp_kctx *, struct nlmsghdr *, mnl_cb_t,
		    void *);
static int	warp_l2_fail(struct warp_kctx *, struct warp_knet *, int,
		    const char *, const char *, int);
static void	warp_l2_cat(char *, size_t, const char *);
static void	warp_l2_gt_name(const struct warp_knet *, const struct warp_kpeer *,
		    char *, size_t);
static int	warp_l2_br_filtering_cb(const struct nlmsghdr *, void *);
static int	warp_l2_bridge(struct warp_kctx *, struct warp_knet *, int *);
static int	warp_l2_port(struct warp_kctx *, struct warp_knet *, int,
		    const char *, uint32_t, int *);
static int	warp_l2_vids_cb(const struct nlmsghdr *, void *);
static void	warp_l2_vids_want(const struct warp_knet *, uint8_t *);
static int	warp_l2_vids_send(struct warp_kctx *, struct warp_knet *,
		    const char *, int, int, const uint8_t *, const uint8_t *);
static int	warp_l2_port_vlans(struct warp_kctx *, struct warp_knet *,
		    const char *, int, int);
static int	warp_l2_fdb_cb(const struct nlmsghdr *, void *);
static int	warp_l2_fdb_send(struct warp_kctx *, int, int, uint32_t);
static int	warp_l2_fdb(struct warp_kctx *, struct warp_knet *, int, int);

static int
warp_l2_open(struct warp_kctx *ctx)
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
warp_l2_close(struct warp_kctx *ctx)
{
	if (ctx->l2nl != NULL)
		mnl_socket_close(ctx->l2nl);
	ctx->l2nl = NULL;
}

/* Send one request (an ACKed write or a dump) and read to its end. */
static int
warp_l2_talk(struct warp_kctx *ctx, struct nlmsghdr *nlh, mnl_cb_t cb,
    void *data)
{
	char		*buf;
	unsigned int	 portid;
	ssize_t		 n;
	int		 ret;

	if ((ret = warp_l2_open(ctx)) < 0)
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

/* e: -errno from libmnl, or (libnl 1) a libnl error code. */
static int
warp_l2_fail(struct warp_kctx *ctx, struct warp_knet *kn, int e,
    const char *what, const char *feature, int libnl)
{
	if (feature != NULL && e == (libnl ? -NLE_OPNOTSUPP : -EOPNOTSUPP))
		warp_knet_fail(ctx, kn, "%s: the kernel lacks %s", what, feature);
	else
		warp_knet_fail(ctx, kn, "%s: %s", what, libnl ? nl_geterror(e) :
		    strerror(-e));
	return (-1);
}

static void
warp_l2_cat(char *buf, size_t len, const char *s)
{
	size_t	n = strlen(buf);

	if (n < len)
		(void)snprintf(buf + n, len - n, "%s", s);
}

static void
warp_l2_gt_name(const struct warp_knet *kn, const struct warp_kpeer *kp,
    char *buf, size_t len)
{
	uint32_t	host;

	host = kp->allowed[0].addr & ~warp_cidr_mask(kn->net.subnet.len);
	(void)snprintf(buf, len, "gt%08uh%x", kn->net.vcid, host);
}

int
warp_l2_link_wanted(const struct warp_knet *kn, const char *name)
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
		warp_l2_gt_name(kn, &kn->peers[i], gt, sizeof(gt));
		if (strcmp(name, gt) == 0)
			return (1);
	}
	return (0);
}

static int
warp_l2_br_filtering_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr	*a, *b, *c;
	int		*on = data;

	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg)) {
		if (mnl_attr_get_type(a) != IFLA_LINKINFO)
			continue;
		mnl_attr_for_each_nested(b, a) {
			if (mnl_attr_get_type(b) != IFLA_INFO_DATA)
				continue;
			mnl_attr_for_each_nested(c, b)
				if (mnl_attr_get_type(c) ==
				    IFLA_BR_VLAN_FILTERING &&
				    mnl_attr_get_payload_len(c) >= 1)
					*on = mnl_attr_get_u8(c);
		}
	}
	return (MNL_CB_OK);
}

/* br<vcid>: created with vlan_filtering 1, marked ours, up. */
static int
warp_l2_bridge(struct warp_kctx *ctx, struct warp_knet *kn, int *ifindex)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;
	struct ifinfomsg	*ifm;
	struct nlattr		*li, *data;
	struct rtnl_link	*l, *chg;
	const char		*name = kn->net.if_br;
	char			*kind;
	int			 e, on = -1, create = 0;

	*ifindex = 0;
	if ((l = rtnl_link_get_by_name(ctx->links, name)) != NULL) {
		if (warp_nl_link_claim(ctx, kn, l, "bridge") != 1) {
			rtnl_link_put(l);
			warp_knet_fail(ctx, kn, "interface %s exists and is not "
			    "managed by warp; not touching it", name);
			return (-1);
		}
		kind = rtnl_link_get_type(l);
		if (kind == NULL || strcmp(kind, "bridge") != 0) {
			warp_kplan(ctx, "remove %s (not a bridge)", name);
			ctx->cnt->rtnl++;
			if (!ctx->dry_run &&
			    (e = rtnl_link_delete(ctx->rtnl, l)) < 0) {
				rtnl_link_put(l);
				return (warp_l2_fail(ctx, kn, e, "remove link",
				    NULL, 1));
			}
			rtnl_link_put(l);
			l = NULL;
		}
	}
	if (l == NULL) {
		warp_kplan(ctx, "create bridge %s vlan_filtering 1", name);
		create = 1;
	} else {
		*ifindex = rtnl_link_get_ifindex(l);
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_GETLINK;
		/* The ACK ends the exchange (a get has no NLMSG_DONE). */
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
		ifm->ifi_family = AF_UNSPEC;
		ifm->ifi_index = *ifindex;
		if ((e = warp_l2_talk(ctx, nlh, warp_l2_br_filtering_cb,
		    &on)) < 0) {
			rtnl_link_put(l);
			return (warp_l2_fail(ctx, kn, e, "read bridge", NULL, 0));
		}
		if (on != 1)
			warp_kplan(ctx, "change bridge %s: vlan_filtering 1",
			    name);
	}
	if (create || on != 1) {
		ctx->cnt->rtnl++;
		if (!ctx->dry_run) {
			nlh = mnl_nlmsg_put_header(buf);
			nlh->nlmsg_type = RTM_NEWLINK;
			nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
			    (create ? NLM_F_CREATE | NLM_F_EXCL : 0);
			ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
			ifm->ifi_family = AF_UNSPEC;
			ifm->ifi_index = *ifindex;
			if (create)
				mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
			li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
			mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
			data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
			mnl_attr_put_u8(nlh, IFLA_BR_VLAN_FILTERING, 1);
			mnl_attr_nest_end(nlh, data);
			mnl_attr_nest_end(nlh, li);
			if ((e = warp_l2_talk(ctx, nlh, NULL, NULL)) < 0) {
				if (l != NULL)
					rtnl_link_put(l);
				return (warp_l2_fail(ctx, kn, e, create ?
				    "create bridge" : "set vlan_filtering",
				    WARP_FEATURE_BR, 0));
			}
		}
	}
	if (create) {
		ctx->cnt->rtnl++;	/* its alias, and up */
		if (ctx->dry_run)
			return (0);
		if ((e = warp_nl_mark(ctx, kn, name, 1)) < 0 ||
		    (e = rtnl_link_get_kernel(ctx->rtnl, 0, name, &l)) < 0)
			return (warp_l2_fail(ctx, kn, e, "mark bridge as warp's",
			    NULL, 1));
		*ifindex = rtnl_link_get_ifindex(l);
		rtnl_link_put(l);
		return (0);
	}
	if (!(rtnl_link_get_flags(l) & IFF_UP)) {
		warp_kplan(ctx, "change bridge %s: up", name);
		ctx->cnt->rtnl++;
		if (!ctx->dry_run) {
			chg = rtnl_link_alloc();
			rtnl_link_set_flags(chg, IFF_UP);
			e = rtnl_link_change(ctx->rtnl, l, chg, 0);
			rtnl_link_put(chg);
			if (e < 0) {
				rtnl_link_put(l);
				return (warp_l2_fail(ctx, kn, e, "set bridge up",
				    NULL, 1));
			}
		}
	}
	rtnl_link_put(l);
	return (0);
}

/*
 * One port: a GRE TAP to remote (network order) or, remote 0, the VXLAN
 * device.  Recreated when its kind or tunnel parameters differ; master,
 * MTU and up are changed in place.
 */
static int
warp_l2_port(struct warp_kctx *ctx, struct warp_knet *kn, int br,
    const char *name, uint32_t remote, int *ifindex)
{
	struct rtnl_link	*l, *n = NULL, *chg = NULL;
	struct nl_addr		*a = NULL;
	uint32_t		 local = htonl(kn->net.gateway_ip), v = 0;
	const char		*want = remote != 0 ? "gretap" : "vxlan";
	char			*kind, what[64], ip[WARP_IP_STRLEN];
	int			 mtu, e, ret = -1, same, changes = 0;

	mtu = kn->net.mtu - (remote != 0 ? WARP_GRE_OVERHEAD :
	    WARP_VXLAN_OVERHEAD);
	*ifindex = 0;
	if ((l = rtnl_link_get_by_name(ctx->links, name)) != NULL) {
		if (warp_nl_link_claim(ctx, kn, l, want) != 1) {
			warp_knet_fail(ctx, kn, "interface %s exists and is not "
			    "managed by warp; not touching it", name);
			goto out;
		}
		kind = rtnl_link_get_type(l);
		same = kind != NULL && strcmp(kind, want) == 0;
		if (same && remote != 0)
			same = rtnl_link_ipgre_get_local(l) == local &&
			    rtnl_link_ipgre_get_remote(l) == remote &&
			    (int)rtnl_link_ipgre_get_link(l) == kn->vrf_ifindex;
		else if (same) {
			same = rtnl_link_vxlan_get_id(l, &v) == 0 &&
			    v == kn->net.vni &&
			    rtnl_link_vxlan_get_link(l, &v) == 0 &&
			    (int)v == kn->vrf_ifindex &&
			    rtnl_link_vxlan_get_learning(l) == 0 &&
			    rtnl_link_vxlan_get_local(l, &a) == 0 &&
			    nl_addr_get_len(a) == 4 &&
			    memcmp(nl_addr_get_binary_addr(a), &local, 4) == 0;
			if (a != NULL)
				nl_addr_put(a);
			a = NULL;
		}
		if (!same) {
			warp_kplan(ctx, "remove %s (kind or tunnel changed)",
			    name);
			ctx->cnt->rtnl++;
			if (!ctx->dry_run &&
			    (e = rtnl_link_delete(ctx->rtnl, l)) < 0) {
				warp_l2_fail(ctx, kn, e, "remove link", NULL, 1);
				goto out;
			}
			rtnl_link_put(l);
			l = NULL;
		}
	}
	if (l == NULL) {
		warp_ip_format(kn->net.gateway_ip, ip, sizeof(ip));
		if (remote != 0) {
			char	rip[WARP_IP_STRLEN];

			warp_ip_format(ntohl(remote), rip, sizeof(rip));
			warp_kplan(ctx, "create gretap %s local %s remote %s "
			    "dev %s mtu %d master %s", name, ip, rip,
			    kn->net.if_vrf, mtu, kn->net.if_br);
			if ((n = rtnl_link_ipgretap_alloc()) == NULL)
				warp_fatal("rtnl_link_ipgretap_alloc");
			(void)rtnl_link_ipgre_set_local(n, local);
			(void)rtnl_link_ipgre_set_remote(n, remote);
			(void)rtnl_link_ipgre_set_ttl(n, 64);
			(void)rtnl_link_ipgre_set_link(n, kn->vrf_ifindex);
		} else {
			warp_kplan(ctx, "create vxlan %s id %u local %s dev %s "
			    "dstport %d nolearning mtu %d master %s", name,
			    kn->net.vni, ip, kn->net.if_vrf, WARP_VXLAN_PORT,
			    mtu, kn->net.if_br);
			if ((n = rtnl_link_vxlan_alloc()) == NULL ||
			    (a = nl_addr_build(AF_INET, &local, 4)) == NULL)
				warp_fatal("rtnl_link_vxlan_alloc");
			(void)rtnl_link_vxlan_set_id(n, kn->net.vni);
			(void)rtnl_link_vxlan_set_local(n, a);
			(void)rtnl_link_vxlan_set_link(n, kn->vrf_ifindex);
			(void)rtnl_link_vxlan_set_port(n, WARP_VXLAN_PORT);
			(void)rtnl_link_vxlan_set_learning(n, 0);
		}
		rtnl_link_set_name(n, name);
		rtnl_link_set_mtu(n, mtu);
		/* Enslaved while down; up with the alias, next message. */
		if (br > 0)
			rtnl_link_set_master(n, br);
		ctx->cnt->rtnl += 2;
		if (ctx->dry_run) {
			ret = 0;
			goto out;
		}
		if ((e = rtnl_link_add(ctx->rtnl, n,
		    NLM_F_CREATE | NLM_F_EXCL)) < 0) {
			warp_l2_fail(ctx, kn, e, remote != 0 ? "create gretap" :
			    "create vxlan", remote != 0 ? WARP_FEATURE_GRE :
			    WARP_FEATURE_VXLAN, 1);
			goto out;
		}
		if ((e = warp_nl_mark(ctx, kn, name, 1)) < 0 ||
		    (e = rtnl_link_get_kernel(ctx->rtnl, 0, name, &l)) < 0) {
			warp_l2_fail(ctx, kn, e, "mark port as warp's", NULL, 1);
			goto out;
		}
		*ifindex = rtnl_link_get_ifindex(l);
		ret = 0;
		goto out;
	}
	*ifindex = rtnl_link_get_ifindex(l);
	chg = rtnl_link_alloc();
	what[0] = '\0';
	if (br > 0 && rtnl_link_get_master(l) != br) {
		rtnl_link_set_master(chg, br);
		warp_l2_cat(what, sizeof(what), " master");
		changes++;
	}
	if (rtnl_link_get_mtu(l) != (unsigned int)mtu) {
		rtnl_link_set_mtu(chg, mtu);
		warp_l2_cat(what, sizeof(what), " mtu");
		changes++;
	}
	if (!(rtnl_link_get_flags(l) & IFF_UP)) {
		rtnl_link_set_flags(chg, IFF_UP);
		warp_l2_cat(what, sizeof(what), " up");
		changes++;
	}
	if (changes > 0) {
		warp_kplan(ctx, "change %s %s:%s", want, name, what);
		ctx->cnt->rtnl++;
		if (!ctx->dry_run &&
		    (e = rtnl_link_change(ctx->rtnl, l, chg, 0)) < 0) {
			warp_l2_fail(ctx, kn, e, "change port", NULL, 1);
			goto out;
		}
	}
	ret = 0;
out:
	if (a != NULL)
		nl_addr_put(a);
	if (l != NULL)
		rtnl_link_put(l);
	if (n != NULL)
		rtnl_link_put(n);
	if (chg != NULL)
		rtnl_link_put(chg);
	return (ret);
}

/* AF_BRIDGE link dump: the VLANs of one port (compressed ranges). */
static int
warp_l2_vids_cb(const struct nlmsghdr *nlh, void *data)
{
	struct warp_l2vids		*pv = data;
	const struct ifinfomsg		*ifm = mnl_nlmsg_get_payload(nlh);
	const struct bridge_vlan_info	*vi;
	struct nlattr			*a, *b;
	uint8_t				 f;
	int				 vid;

	if (nlh->nlmsg_type != RTM_NEWLINK || ifm->ifi_index != pv->ifindex)
		return (MNL_CB_OK);
	mnl_attr_for_each(a, nlh, sizeof(*ifm)) {
		if (mnl_attr_get_type(a) != IFLA_AF_SPEC)
			continue;
		mnl_attr_for_each_nested(b, a) {
			if (mnl_attr_get_type(b) != IFLA_BRIDGE_VLAN_INFO ||
			    mnl_attr_get_payload_len(b) < sizeof(*vi))
				continue;
			vi = mnl_attr_get_payload(b);
			if (vi->vid < 1 || vi->vid > WARP_VID_MAX)
				continue;
			f = WARP_VID_ON |
			    (vi->flags & BRIDGE_VLAN_INFO_PVID ?
			    WARP_VID_PVID : 0) |
			    (vi->flags & BRIDGE_VLAN_INFO_UNTAGGED ?
			    WARP_VID_UNTAGGED : 0);
			if (vi->flags & BRIDGE_VLAN_INFO_RANGE_BEGIN) {
				pv->range_begin = vi->vid;
				pv->range_flags = f;
				continue;
			}
			if ((vi->flags & BRIDGE_VLAN_INFO_RANGE_END) &&
			    pv->range_begin > 0) {
				for (vid = pv->range_begin; vid <= vi->vid; vid++)
					pv->f[vid] = (uint8_t)pv->range_flags;
				pv->range_begin = 0;
				continue;
			}
			pv->f[vi->vid] = f;
		}
	}
	return (MNL_CB_OK);
}

/* The network's VLANs tagged, or VLAN 1 untagged (PVID) without any. */
static void
warp_l2_vids_want(const struct warp_knet *kn, uint8_t *want)
{
	int	vid;

	memset(want, 0, WARP_VID_MAX + 1);
	if (kn->net.vlan_min <= 0) {
		want[1] = WARP_VID_ON | WARP_VID_PVID | WARP_VID_UNTAGGED;
		return;
	}
	for (vid = kn->net.vlan_min; vid <= kn->net.vlan_max &&
	    vid <= WARP_VID_MAX; vid++)
		want[vid] = WARP_VID_ON;
}

/*
 * One message adding (del 0: what want has and have lacks or has
 * otherwise) or removing (del 1: what have has and want lacks) VLANs,
 * runs of equal flags as ranges; nothing sent if there is nothing to do.
 */
static int
warp_l2_vids_send(struct warp_kctx *ctx, struct warp_knet *kn,
    const char *port, int ifindex, int del, const uint8_t *want,
    const uint8_t *have)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	char			 desc[256];
	struct nlmsghdr		*nlh;
	struct ifinfomsg	*ifm;
	struct nlattr		*spec;
	struct bridge_vlan_info	 vi;
	size_t			 n = 0, dl;
	int			 vid, end, e;
	uint8_t			 f;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = del ? RTM_DELLINK : RTM_SETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_BRIDGE;
	ifm->ifi_index = ifindex;
	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	desc[0] = '\0';
	for (vid = 1; vid <= WARP_VID_MAX; vid++) {
		f = del ? (have[vid] && !want[vid] ? have[vid] : 0) :
		    (want[vid] && want[vid] != have[vid] ? want[vid] : 0);
		if (f == 0)
			continue;
		/* A PVID is never part of a range. */
		end = vid;
		if (!(f & WARP_VID_PVID))
			while (end < WARP_VID_MAX &&
			    (del ? (have[end + 1] && !want[end + 1] ?
			    have[end + 1] : 0) : (want[end + 1] &&
			    want[end + 1] != have[end + 1] ? want[end + 1] :
			    0)) == f)
				end++;
		memset(&vi, 0, sizeof(vi));
		if (!del) {
			if (f & WARP_VID_PVID)
				vi.flags |= BRIDGE_VLAN_INFO_PVID;
			if (f & WARP_VID_UNTAGGED)
				vi.flags |= BRIDGE_VLAN_INFO_UNTAGGED;
		}
		vi.vid = (uint16_t)vid;
		if (end > vid) {
			vi.flags |= BRIDGE_VLAN_INFO_RANGE_BEGIN;
			mnl_attr_put(nlh, IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi);
			vi.flags &= ~BRIDGE_VLAN_INFO_RANGE_BEGIN;
			vi.flags |= BRIDGE_VLAN_INFO_RANGE_END;
			vi.vid = (uint16_t)end;
		}
		mnl_attr_put(nlh, IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi);
		dl = strlen(desc);
		if (end > vid)
			(void)snprintf(desc + dl, sizeof(desc) - dl, " %d-%d",
			    vid, end);
		else
			(void)snprintf(desc + dl, sizeof(desc) - dl, " %d%s%s",
			    vid, !del && (f & WARP_VID_PVID) ? " pvid" : "",
			    !del && (f & WARP_VID_UNTAGGED) ? " untagged" : "");
		n++;
		vid = end;
	}
	mnl_attr_nest_end(nlh, spec);
	if (n == 0)
		return (0);
	warp_kplan(ctx, "%s bridge vlan%s dev %s", del ? "remove" : "create",
	    desc, port);
	ctx->cnt->rtnl++;
	if (ctx->dry_run)
		return (0);
	if ((e = warp_l2_talk(ctx, nlh, NULL, NULL)) < 0)
		return (warp_l2_fail(ctx, kn, e, del ? "remove port VLANs" :
		    "add port VLANs", NULL, 0));
	return (0);
}

static int
warp_l2_port_vlans(struct warp_kctx *ctx, struct warp_knet *kn,
    const char *port, int ifindex, int created)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;
	struct ifinfomsg	*ifm;
	struct warp_l2vids	*have;
	uint8_t			*want;
	int			 e, ret = -1;

	have = warp_xcalloc(1, sizeof(*have));
	want = warp_xcalloc(1, WARP_VID_MAX + 1);
	warp_l2_vids_want(kn, want);
	if (ifindex <= 0 || created) {
		/* A new port has what the bridge's default_pvid gives. */
		have->f[1] = WARP_VID_ON | WARP_VID_PVID | WARP_VID_UNTAGGED;
	} else {
		have->ifindex = ifindex;
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_GETLINK;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
		ifm->ifi_family = AF_BRIDGE;
		mnl_attr_put_u32(nlh, IFLA_EXT_MASK,
		    RTEXT_FILTER_BRVLAN_COMPRESSED);
		if ((e = warp_l2_talk(ctx, nlh, warp_l2_vids_cb, have)) < 0) {
			warp_l2_fail(ctx, kn, e, "read port VLANs", NULL, 0);
			goto out;
		}
	}
	if (warp_l2_vids_send(ctx, kn, port, ifindex, 1, want, have->f) == -1 ||
	    warp_l2_vids_send(ctx, kn, port, ifindex, 0, want, have->f) == -1)
		goto out;
	ret = 0;
out:
	free(have);
	free(want);
	return (ret);
}

/* Bridge FDB dump: the all-zeros entries of one VXLAN device. */
static int
warp_l2_fdb_cb(const struct nlmsghdr *nlh, void *data)
{
	static const uint8_t	 zero[6];
	struct warp_l2fdb	*fdb = data;
	const struct ndmsg	*ndm = mnl_nlmsg_get_payload(nlh);
	struct nlattr		*a;
	const void		*mac = NULL;
	uint32_t		 dst = 0;
	int			 has_dst = 0;

	if (nlh->nlmsg_type != RTM_NEWNEIGH || ndm->ndm_ifindex != fdb->ifindex)
		return (MNL_CB_OK);
	mnl_attr_for_each(a, nlh, sizeof(*ndm)) {
		if (mnl_attr_get_type(a) == NDA_LLADDR &&
		    mnl_attr_get_payload_len(a) == 6)
			mac = mnl_attr_get_payload(a);
		else if (mnl_attr_get_type(a) == NDA_DST &&
		    mnl_attr_get_payload_len(a) == 4) {
			memcpy(&dst, mnl_attr_get_payload(a), 4);
			has_dst = 1;
		}
	}
	if (mac == NULL || memcmp(mac, zero, 6) != 0 || !has_dst)
		return (MNL_CB_OK);
	fdb->dst = reallocarray(fdb->dst, fdb->ndst + 1, sizeof(*fdb->dst));
	if (fdb->dst == NULL)
		warp_fatal("reallocarray");
	fdb->dst[fdb->ndst++] = dst;
	return (MNL_CB_OK);
}

static int
warp_l2_fdb_send(struct warp_kctx *ctx, int ifindex, int del, uint32_t dst)
{
	static const uint8_t	 zero[6];
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;
	struct ndmsg		*ndm;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = del ? RTM_DELNEIGH : RTM_NEWNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
	    (del ? 0 : NLM_F_CREATE | NLM_F_APPEND);
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = AF_BRIDGE;
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_state = NUD_NOARP | NUD_PERMANENT;
	ndm->ndm_flags = NTF_SELF;
	mnl_attr_put(nlh, NDA_LLADDR, sizeof(zero), zero);
	mnl_attr_put(nlh, NDA_DST, sizeof(dst), &dst);
	return (warp_l2_talk(ctx, nlh, NULL, NULL));
}

/* One replication entry per active endpoint, none for anything else. */
static int
warp_l2_fdb(struct warp_kctx *ctx, struct warp_knet *kn, int ifindex,
    int created)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	char			 ip[WARP_IP_STRLEN];
	struct nlmsghdr		*nlh;
	struct ndmsg		*ndm;
	struct warp_l2fdb	 fdb;
	uint32_t		 dst;
	size_t			 i, j;
	int			 e, found, rc = 0;

	memset(&fdb, 0, sizeof(fdb));
	fdb.ifindex = ifindex;
	if (ifindex > 0 && !created) {
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_GETNEIGH;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
		ndm->ndm_family = AF_BRIDGE;
		if ((e = warp_l2_talk(ctx, nlh, warp_l2_fdb_cb, &fdb)) < 0) {
			free(fdb.dst);
			return (warp_l2_fail(ctx, kn, e, "read VXLAN FDB", NULL, 0));
		}
	}
	for (i = 0; i < fdb.ndst; i++) {
		found = 0;
		for (j = 0; j < kn->npeers && !found; j++)
			found = kn->peers[j].active &&
			    htonl(kn->peers[j].allowed[0].addr) == fdb.dst[i];
		if (found)
			continue;
		warp_ip_format(ntohl(fdb.dst[i]), ip, sizeof(ip));
		warp_kplan(ctx, "remove fdb 00:00:00:00:00:00 dev %s dst %s",
		    kn->net.if_vx, ip);
		ctx->cnt->rtnl++;
		if (!ctx->dry_run &&
		    (e = warp_l2_fdb_send(ctx, ifindex, 1, fdb.dst[i])) < 0 &&
		    e != -ENOENT)
			rc = warp_l2_fail(ctx, kn, e, "remove FDB entry", NULL, 0);
	}
	for (j = 0; j < kn->npeers; j++) {
		if (!kn->peers[j].active)
			continue;
		dst = htonl(kn->peers[j].allowed[0].addr);
		found = 0;
		for (i = 0; i < fdb.ndst && !found; i++)
			found = fdb.dst[i] == dst;
		if (found)
			continue;
		warp_ip_format(kn->peers[j].allowed[0].addr, ip, sizeof(ip));
		warp_kplan(ctx, "create fdb 00:00:00:00:00:00 dev %s dst %s",
		    kn->net.if_vx, ip);
		ctx->cnt->rtnl++;
		if (!ctx->dry_run &&
		    (e = warp_l2_fdb_send(ctx, ifindex, 0, dst)) < 0)
			rc = warp_l2_fail(ctx, kn, e, "add FDB entry", NULL, 0);
	}
	free(fdb.dst);
	return (rc);
}

int
warp_l2_apply(struct warp_kctx *ctx, struct warp_knet *kn)
{
	char	name[WARP_IFNAMSIZ];
	size_t	i;
	int	br, ifindex, created, rc = 0;

	if (warp_l2_bridge(ctx, kn, &br) == -1)
		return (-1);
	if (kn->net.type == WARP_NET_L2_MESH) {
		created = rtnl_link_name2i(ctx->links, kn->net.if_vx) <= 0;
		if (warp_l2_port(ctx, kn, br, kn->net.if_vx, 0, &ifindex) == -1)
			return (-1);
		/* A device made again (new parameters) starts empty too. */
		created = created || ifindex !=
		    rtnl_link_name2i(ctx->links, kn->net.if_vx);
		if (warp_l2_port_vlans(ctx, kn, kn->net.if_vx, ifindex,
		    created) == -1)
			rc = -1;
		if (warp_l2_fdb(ctx, kn, ifindex, created) == -1)
			rc = -1;
		return (rc);
	}
	for (i = 0; i < kn->npeers; i++) {
		if (!kn->peers[i].active)
			continue;
		warp_l2_gt_name(kn, &kn->peers[i], name, sizeof(name));
		created = rtnl_link_name2i(ctx->links, name) <= 0;
		if (warp_l2_port(ctx, kn, br, name,
		    htonl(kn->peers[i].allowed[0].addr), &ifindex) == -1) {
			rc = -1;
			continue;
		}
		created = created || ifindex != rtnl_link_name2i(ctx->links,
		    name);
		if (warp_l2_port_vlans(ctx, kn, name, ifindex, created) == -1)
			rc = -1;
	}
	return (rc);
}
