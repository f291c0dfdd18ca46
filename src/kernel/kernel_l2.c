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
 * port VLANs, FDB entries of a VXLAN device) is built with libmnl here
 * and sent over kernel_send.c's libmnl socket.
 * Everything is read first and only differences are sent, each write
 * through kernel_send.c (counted there, skipped there on a dry run).
 * Every attribute is written with a bound: a port's VLANs that do not fit
 * in one message go in as many as they need.
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

/* Per VLAN id of a port: present, PVID, egress untagged. */
#define WARP_VID_ON		0x01
#define WARP_VID_PVID		0x02
#define WARP_VID_UNTAGGED	0x04

struct warp_l2vids {
	int		ifindex;
	uint8_t		f[WARP_VLAN_MAX + 1];
};

struct warp_l2fdb {
	int		ifindex;
	uint32_t	*dst;		/* network order */
	size_t		ndst;
};

static int	warp_l2_fail(struct warp_kctx *, struct warp_knet *, int,
		    const char *, const char *, int);
static void	warp_l2_cat(char *, size_t, const char *);
static int	warp_l2_br_filtering_cb(const struct nlmsghdr *, void *);
static int	warp_l2_br_setlink(struct warp_kctx *, struct warp_knet *, int,
		    int);
static int	warp_l2_bridge(struct warp_kctx *, struct warp_knet *, int *);
static int	warp_l2_port_same(struct warp_knet *, struct rtnl_link *,
		    uint32_t);
static int	warp_l2_port_create(struct warp_kctx *, struct warp_knet *, int,
		    const char *, uint32_t, int, int *);
static int	warp_l2_port_change(struct warp_kctx *, struct warp_knet *, int,
		    const char *, struct rtnl_link *, const char *, int);
static int	warp_l2_port(struct warp_kctx *, struct warp_knet *, int,
		    const char *, uint32_t, int *);
static int	warp_l2_vids_cb(const struct nlmsghdr *, void *);
static void	warp_l2_vids_want(const struct warp_knet *, uint8_t *);
static uint8_t	warp_l2_vid_op(int, const uint8_t *, const uint8_t *, int);
static int	warp_l2_vids_send(struct warp_kctx *, struct warp_knet *,
		    const char *, int, int, const uint8_t *, const uint8_t *);
static int	warp_l2_port_vlans(struct warp_kctx *, struct warp_knet *,
		    const char *, int, int);
static int	warp_l2_fdb_cb(const struct nlmsghdr *, void *);
static int	warp_l2_fdb_send(struct warp_kctx *, int, int, uint32_t);
static int	warp_l2_fdb(struct warp_kctx *, struct warp_knet *, int, int);
static int	warp_l2_addr_cmp(const void *, const void *);
static int	warp_l2_gt(struct warp_kctx *, struct warp_knet *, int, uint32_t);
static int	warp_l2_gone(struct warp_kctx *, struct warp_knet *, uint32_t);

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

/*
 * RTM_NEWLINK of br<vcid> with vlan_filtering 1: create it (ifindex 0)
 * or set the option on the existing one.  -errno on failure.
 */
static int
warp_l2_br_setlink(struct warp_kctx *ctx, struct warp_knet *kn, int ifindex,
    int create)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;
	struct ifinfomsg	*ifm;
	struct nlattr		*li, *data;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
	    (create ? NLM_F_CREATE | NLM_F_EXCL : 0);
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	if ((create && !mnl_attr_put_strz_check(nlh, sizeof(buf), IFLA_IFNAME,
	    kn->net.if_br)) ||
	    (li = mnl_attr_nest_start_check(nlh, sizeof(buf),
	    IFLA_LINKINFO)) == NULL ||
	    !mnl_attr_put_strz_check(nlh, sizeof(buf), IFLA_INFO_KIND,
	    "bridge") ||
	    (data = mnl_attr_nest_start_check(nlh, sizeof(buf),
	    IFLA_INFO_DATA)) == NULL ||
	    !mnl_attr_put_u8_check(nlh, sizeof(buf), IFLA_BR_VLAN_FILTERING, 1))
		return (-EMSGSIZE);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	return (warp_nl_send_msg(ctx, nlh));
}

/* br<vcid>: created with vlan_filtering 1, marked ours, up. */
static int
warp_l2_bridge(struct warp_kctx *ctx, struct warp_knet *kn, int *ifindex)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;
	struct ifinfomsg	*ifm;
	struct rtnl_link	*l, *chg;
	const char		*name = kn->net.if_br;
	char			*kind;
	int			 e, on = -1;

	*ifindex = 0;
	if ((l = warp_nl_link_get(ctx, name)) != NULL) {
		if (warp_nl_link_claim(ctx, kn, l, "bridge") != 1) {
			rtnl_link_put(l);
			warp_knet_fail(ctx, kn, "interface %s exists and is not "
			    "managed by warp; not touching it", name);
			return (-1);
		}
		kind = rtnl_link_get_type(l);
		if (kind == NULL || strcmp(kind, "bridge") != 0) {
			warp_kplan(ctx, "remove %s (not a bridge)", name);
			e = warp_nl_send_link_delete(ctx, l);
			rtnl_link_put(l);
			if (e < 0)
				return (warp_l2_fail(ctx, kn, e, "remove link",
				    NULL, 1));
			l = NULL;
		}
	}
	if (l == NULL) {
		warp_kplan(ctx, "create bridge %s vlan_filtering 1", name);
		if ((e = warp_l2_br_setlink(ctx, kn, 0, 1)) < 0)
			return (warp_l2_fail(ctx, kn, e, "create bridge",
			    WARP_FEATURE_BR, 0));
		if ((e = warp_nl_mark(ctx, kn, name, 1, ifindex)) < 0)
			return (warp_l2_fail(ctx, kn, e, "mark bridge as warp's",
			    NULL, 1));
		return (0);
	}
	*ifindex = rtnl_link_get_ifindex(l);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	/* The ACK ends the exchange (a get has no NLMSG_DONE). */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = *ifindex;
	if ((e = warp_nl_talk(ctx, nlh, warp_l2_br_filtering_cb, &on)) < 0) {
		rtnl_link_put(l);
		return (warp_l2_fail(ctx, kn, e, "read bridge", NULL, 0));
	}
	if (on != 1) {
		warp_kplan(ctx, "change bridge %s: vlan_filtering 1", name);
		if ((e = warp_l2_br_setlink(ctx, kn, *ifindex, 0)) < 0) {
			rtnl_link_put(l);
			return (warp_l2_fail(ctx, kn, e, "set vlan_filtering",
			    WARP_FEATURE_BR, 0));
		}
	}
	if (!(rtnl_link_get_flags(l) & IFF_UP)) {
		warp_kplan(ctx, "change bridge %s: up", name);
		chg = rtnl_link_alloc();
		rtnl_link_set_flags(chg, IFF_UP);
		e = warp_nl_send_link_change(ctx, l, chg);
		rtnl_link_put(chg);
		if (e < 0) {
			rtnl_link_put(l);
			return (warp_l2_fail(ctx, kn, e, "set bridge up", NULL,
			    1));
		}
	}
	rtnl_link_put(l);
	return (0);
}

/* Has the existing port l the kind and tunnel parameters it should? */
static int
warp_l2_port_same(struct warp_knet *kn, struct rtnl_link *l, uint32_t remote)
{
	struct nl_addr	*a = NULL;
	uint32_t	 local = htonl(kn->net.gateway_ip), v = 0;
	const char	*want = remote != 0 ? "gretap" : "vxlan";
	char		*kind;
	int		 same;

	kind = rtnl_link_get_type(l);
	if (kind == NULL || strcmp(kind, want) != 0)
		return (0);
	if (remote != 0)
		return (rtnl_link_ipgre_get_local(l) == local &&
		    rtnl_link_ipgre_get_remote(l) == remote &&
		    (int)rtnl_link_ipgre_get_link(l) == kn->vrf_ifindex);
	same = rtnl_link_vxlan_get_id(l, &v) == 0 && v == kn->net.vni &&
	    rtnl_link_vxlan_get_link(l, &v) == 0 &&
	    (int)v == kn->vrf_ifindex &&
	    rtnl_link_vxlan_get_learning(l) == 0 &&
	    rtnl_link_vxlan_get_local(l, &a) == 0 &&
	    nl_addr_get_len(a) == 4 &&
	    memcmp(nl_addr_get_binary_addr(a), &local, 4) == 0;
	if (a != NULL)
		nl_addr_put(a);
	return (same);
}

/* A new port: a GRE TAP to remote, or (remote 0) the VXLAN device. */
static int
warp_l2_port_create(struct warp_kctx *ctx, struct warp_knet *kn, int br,
    const char *name, uint32_t remote, int mtu, int *ifindex)
{
	struct rtnl_link	*n;
	struct nl_addr		*a = NULL;
	uint32_t		 local = htonl(kn->net.gateway_ip);
	char			 ip[WARP_IP_STRLEN], rip[WARP_IP_STRLEN];
	int			 e;

	warp_ip_format(kn->net.gateway_ip, ip, sizeof(ip));
	if (remote != 0) {
		warp_ip_format(ntohl(remote), rip, sizeof(rip));
		warp_kplan(ctx, "create gretap %s local %s remote %s dev %s "
		    "mtu %d master %s", name, ip, rip, kn->net.if_vrf, mtu,
		    kn->net.if_br);
		if ((n = rtnl_link_ipgretap_alloc()) == NULL)
			warp_fatal("rtnl_link_ipgretap_alloc");
		(void)rtnl_link_ipgre_set_local(n, local);
		(void)rtnl_link_ipgre_set_remote(n, remote);
		(void)rtnl_link_ipgre_set_ttl(n, 64);
		(void)rtnl_link_ipgre_set_link(n, kn->vrf_ifindex);
	} else {
		warp_kplan(ctx, "create vxlan %s id %u local %s dev %s "
		    "dstport %d nolearning mtu %d master %s", name,
		    kn->net.vni, ip, kn->net.if_vrf, WARP_VXLAN_PORT, mtu,
		    kn->net.if_br);
		if ((n = rtnl_link_vxlan_alloc()) == NULL ||
		    (a = nl_addr_build(AF_INET, &local, 4)) == NULL)
			warp_fatal("rtnl_link_vxlan_alloc");
		(void)rtnl_link_vxlan_set_id(n, kn->net.vni);
		(void)rtnl_link_vxlan_set_local(n, a);
		(void)rtnl_link_vxlan_set_link(n, kn->vrf_ifindex);
		(void)rtnl_link_vxlan_set_port(n, WARP_VXLAN_PORT);
		(void)rtnl_link_vxlan_set_learning(n, 0);
		nl_addr_put(a);
	}
	rtnl_link_set_name(n, name);
	rtnl_link_set_mtu(n, mtu);
	/* Enslaved while down; up with the alias, next message. */
	if (br > 0)
		rtnl_link_set_master(n, br);
	e = warp_nl_send_link_add(ctx, n, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(n);
	if (e < 0)
		return (warp_l2_fail(ctx, kn, e, remote != 0 ? "create gretap" :
		    "create vxlan", remote != 0 ? WARP_FEATURE_GRE :
		    WARP_FEATURE_VXLAN, 1));
	if ((e = warp_nl_mark(ctx, kn, name, 1, ifindex)) < 0)
		return (warp_l2_fail(ctx, kn, e, "mark port as warp's", NULL,
		    1));
	return (0);
}

/* An existing port: master, MTU and up are changed in place. */
static int
warp_l2_port_change(struct warp_kctx *ctx, struct warp_knet *kn, int br,
    const char *name, struct rtnl_link *l, const char *kind, int mtu)
{
	struct rtnl_link	*chg;
	char			 what[64];
	int			 e, changes = 0;

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
	e = 0;
	if (changes > 0) {
		warp_kplan(ctx, "change %s %s:%s", kind, name, what);
		e = warp_nl_send_link_change(ctx, l, chg);
	}
	rtnl_link_put(chg);
	if (e < 0)
		return (warp_l2_fail(ctx, kn, e, "change port", NULL, 1));
	return (0);
}

/*
 * One port: a GRE TAP to remote (network order) or, remote 0, the VXLAN
 * device.  Recreated when its kind or tunnel parameters differ.
 */
static int
warp_l2_port(struct warp_kctx *ctx, struct warp_knet *kn, int br,
    const char *name, uint32_t remote, int *ifindex)
{
	struct rtnl_link	*l;
	const char		*kind = remote != 0 ? "gretap" : "vxlan";
	int			 mtu, e;

	mtu = kn->net.mtu - (remote != 0 ? WARP_GRE_OVERHEAD :
	    WARP_VXLAN_OVERHEAD);
	*ifindex = 0;
	if ((l = warp_nl_link_get(ctx, name)) != NULL) {
		if (warp_nl_link_claim(ctx, kn, l, kind) != 1) {
			rtnl_link_put(l);
			warp_knet_fail(ctx, kn, "interface %s exists and is not "
			    "managed by warp; not touching it", name);
			return (-1);
		}
		if (!warp_l2_port_same(kn, l, remote)) {
			warp_kplan(ctx, "remove %s (kind or tunnel changed)",
			    name);
			e = warp_nl_send_link_delete(ctx, l);
			rtnl_link_put(l);
			if (e < 0)
				return (warp_l2_fail(ctx, kn, e, "remove link",
				    NULL, 1));
			l = NULL;
		}
	}
	if (l == NULL)
		return (warp_l2_port_create(ctx, kn, br, name, remote, mtu,
		    ifindex));
	*ifindex = rtnl_link_get_ifindex(l);
	e = warp_l2_port_change(ctx, kn, br, name, l, kind, mtu);
	rtnl_link_put(l);
	return (e);
}

/*
 * RTM_GETVLAN dump of one port (the kernel dumps that device only): its
 * VLAN entries, a range each where consecutive VLANs share their flags.
 * Not the AF_BRIDGE link dump, which holds every port of every bridge:
 * read once per port, that made a network's apply grow with the square
 * of its ports.
 */
static int
warp_l2_vids_cb(const struct nlmsghdr *nlh, void *data)
{
	struct warp_l2vids		*pv = data;
	const struct br_vlan_msg	*bvm = mnl_nlmsg_get_payload(nlh);
	const struct bridge_vlan_info	*vi;
	struct nlattr			*a, *b;
	uint8_t				 f;
	int				 vid, end;

	if (nlh->nlmsg_type != RTM_NEWVLAN ||
	    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*bvm)) ||
	    (int)bvm->ifindex != pv->ifindex)
		return (MNL_CB_OK);
	mnl_attr_for_each(a, nlh, sizeof(*bvm)) {
		if (mnl_attr_get_type(a) != BRIDGE_VLANDB_ENTRY)
			continue;
		vi = NULL;
		end = 0;
		mnl_attr_for_each_nested(b, a) {
			if (mnl_attr_get_type(b) == BRIDGE_VLANDB_ENTRY_INFO &&
			    mnl_attr_get_payload_len(b) >= sizeof(*vi))
				vi = mnl_attr_get_payload(b);
			else if (mnl_attr_get_type(b) ==
			    BRIDGE_VLANDB_ENTRY_RANGE &&
			    mnl_attr_get_payload_len(b) >= sizeof(uint16_t))
				end = mnl_attr_get_u16(b);
		}
		if (vi == NULL || vi->vid < 1 || vi->vid > WARP_VLAN_MAX)
			continue;
		if (end < vi->vid || end > WARP_VLAN_MAX)
			end = vi->vid;
		f = WARP_VID_ON |
		    (vi->flags & BRIDGE_VLAN_INFO_PVID ? WARP_VID_PVID : 0) |
		    (vi->flags & BRIDGE_VLAN_INFO_UNTAGGED ?
		    WARP_VID_UNTAGGED : 0);
		for (vid = vi->vid; vid <= end; vid++)
			pv->f[vid] = f;
	}
	return (MNL_CB_OK);
}

/* The network's VLANs tagged, or VLAN 1 untagged (PVID) without any. */
static void
warp_l2_vids_want(const struct warp_knet *kn, uint8_t *want)
{
	int	vid;

	memset(want, 0, WARP_VLAN_MAX + 1);
	if (kn->net.vlan_min <= 0) {
		want[1] = WARP_VID_ON | WARP_VID_PVID | WARP_VID_UNTAGGED;
		return;
	}
	for (vid = kn->net.vlan_min; vid <= kn->net.vlan_max &&
	    vid <= WARP_VLAN_MAX; vid++)
		want[vid] = WARP_VID_ON;
}

/*
 * What VLAN vid gets in a message (0: nothing): adding (del 0), what want
 * has and have lacks or has otherwise; removing (del 1), what have has
 * and want lacks.
 */
static uint8_t
warp_l2_vid_op(int del, const uint8_t *want, const uint8_t *have, int vid)
{
	if (del)
		return (have[vid] && !want[vid] ? have[vid] : 0);
	return (want[vid] && want[vid] != have[vid] ? want[vid] : 0);
}

/*
 * Messages adding (del 0) or removing (del 1) VLANs of a port, runs of
 * equal flags as ranges; as many messages as the VLANs need (the kernel
 * may hold any set of them), none if there is nothing to do.
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
	size_t			 n, dl, need;
	int			 vid = 1, end, e;
	uint8_t			 f;

again:
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = del ? RTM_DELLINK : RTM_SETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_BRIDGE;
	ifm->ifi_index = ifindex;
	if ((spec = mnl_attr_nest_start_check(nlh, sizeof(buf),
	    IFLA_AF_SPEC)) == NULL)
		return (warp_l2_fail(ctx, kn, -EMSGSIZE, "port VLANs", NULL, 0));
	desc[0] = '\0';
	for (n = 0; vid <= WARP_VLAN_MAX; vid++) {
		if ((f = warp_l2_vid_op(del, want, have, vid)) == 0)
			continue;
		/* A PVID is never part of a range. */
		end = vid;
		if (!(f & WARP_VID_PVID))
			while (end < WARP_VLAN_MAX &&
			    warp_l2_vid_op(del, want, have, end + 1) == f)
				end++;
		/* The rest goes in the next message. */
		need = (end > vid ? 2 : 1) *
		    MNL_ALIGN(MNL_ATTR_HDRLEN + sizeof(vi));
		if (nlh->nlmsg_len + need > sizeof(buf))
			break;
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
			if (!mnl_attr_put_check(nlh, sizeof(buf),
			    IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi))
				break;
			vi.flags &= ~BRIDGE_VLAN_INFO_RANGE_BEGIN;
			vi.flags |= BRIDGE_VLAN_INFO_RANGE_END;
			vi.vid = (uint16_t)end;
		}
		if (!mnl_attr_put_check(nlh, sizeof(buf), IFLA_BRIDGE_VLAN_INFO,
		    sizeof(vi), &vi))
			break;
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
	if (n == 0 && vid <= WARP_VLAN_MAX)
		return (warp_l2_fail(ctx, kn, -EMSGSIZE, "port VLANs", NULL, 0));
	if (n == 0)
		return (0);
	warp_kplan(ctx, "%s bridge vlan%s dev %s", del ? "remove" : "create",
	    desc, port);
	if ((e = warp_nl_send_msg(ctx, nlh)) < 0)
		return (warp_l2_fail(ctx, kn, e, del ? "remove port VLANs" :
		    "add port VLANs", NULL, 0));
	if (vid <= WARP_VLAN_MAX)
		goto again;
	return (0);
}

static int
warp_l2_port_vlans(struct warp_kctx *ctx, struct warp_knet *kn,
    const char *port, int ifindex, int created)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;
	struct br_vlan_msg	*bvm;
	struct warp_l2vids	*have;
	uint8_t			*want;
	int			 e, ret = -1;

	have = warp_xcalloc(1, sizeof(*have));
	want = warp_xcalloc(1, WARP_VLAN_MAX + 1);
	warp_l2_vids_want(kn, want);
	if (ifindex <= 0 || created) {
		/* A new port has what the bridge's default_pvid gives. */
		have->f[1] = WARP_VID_ON | WARP_VID_PVID | WARP_VID_UNTAGGED;
	} else {
		have->ifindex = ifindex;
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_GETVLAN;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		bvm = mnl_nlmsg_put_extra_header(nlh, sizeof(*bvm));
		bvm->family = AF_BRIDGE;
		bvm->ifindex = (uint32_t)ifindex;
		e = warp_nl_talk(ctx, nlh, warp_l2_vids_cb, have);
		if (e == -EINVAL)	/* not a bridge port (yet): none */
			have->f[1] = WARP_VID_ON | WARP_VID_PVID |
			    WARP_VID_UNTAGGED;
		else if (e < 0) {
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

	if (nlh->nlmsg_type != RTM_NEWNEIGH ||
	    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ndm)) ||
	    ndm->ndm_ifindex != fdb->ifindex)
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
	if (!mnl_attr_put_check(nlh, sizeof(buf), NDA_LLADDR, sizeof(zero),
	    zero) ||
	    !mnl_attr_put_check(nlh, sizeof(buf), NDA_DST, sizeof(dst), &dst))
		return (-EMSGSIZE);
	return (warp_nl_send_msg(ctx, nlh));
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
		if ((e = warp_nl_talk(ctx, nlh, warp_l2_fdb_cb, &fdb)) < 0) {
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
		if ((e = warp_l2_fdb_send(ctx, ifindex, 1, fdb.dst[i])) < 0 &&
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
		if ((e = warp_l2_fdb_send(ctx, ifindex, 0, dst)) < 0)
			rc = warp_l2_fail(ctx, kn, e, "add FDB entry", NULL, 0);
	}
	free(fdb.dst);
	return (rc);
}

int
warp_l2_apply(struct warp_kctx *ctx, struct warp_knet *kn)
{
	size_t	i;
	int	br, ifindex, created, rc = 0;

	if (warp_l2_bridge(ctx, kn, &br) == -1)
		return (-1);
	if (kn->net.type == WARP_NET_L2_MESH) {
		created = warp_nl_ifindex(ctx, kn->net.if_vx) <= 0;
		if (warp_l2_port(ctx, kn, br, kn->net.if_vx, 0, &ifindex) == -1)
			return (-1);
		/* A device made again (new parameters) starts empty too. */
		created = created || ifindex !=
		    warp_nl_ifindex(ctx, kn->net.if_vx);
		if (warp_l2_port_vlans(ctx, kn, kn->net.if_vx, ifindex,
		    created) == -1)
			rc = -1;
		if (warp_l2_fdb(ctx, kn, ifindex, created) == -1)
			rc = -1;
		return (rc);
	}
	for (i = 0; i < kn->npeers; i++)
		if (kn->peers[i].active &&
		    warp_l2_gt(ctx, kn, br, kn->peers[i].allowed[0].addr) == -1)
			rc = -1;
	return (rc);
}

/* The GRE TAP of the endpoint of overlay address a, and its VLANs. */
static int
warp_l2_gt(struct warp_kctx *ctx, struct warp_knet *kn, int br, uint32_t a)
{
	char	name[WARP_IFNAMSIZ];
	int	ifindex, created;

	warp_knet_gt_name(kn, a, name, sizeof(name));
	created = warp_nl_ifindex(ctx, name) <= 0;
	if (warp_l2_port(ctx, kn, br, name, htonl(a), &ifindex) == -1)
		return (-1);
	/* A device made again (new parameters) starts empty too. */
	created = created || ifindex != warp_nl_ifindex(ctx, name);
	return (warp_l2_port_vlans(ctx, kn, name, ifindex, created));
}

static int
warp_l2_addr_cmp(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x < y ? -1 : x > y);
}

/*
 * What an endpoint of overlay address a no longer needs: its GRE TAP
 * (l2-p2p, if it is there and ours) or its replication entry (l2-mesh,
 * removed unread: an entry already gone is what was wanted).
 */
static int
warp_l2_gone(struct warp_kctx *ctx, struct warp_knet *kn, uint32_t a)
{
	struct rtnl_link	*l;
	const char		*alias;
	char			 name[WARP_IFNAMSIZ], ip[WARP_IP_STRLEN];
	int			 ifindex, e;

	if (kn->net.type == WARP_NET_L2_MESH) {
		ifindex = warp_nl_ifindex(ctx, kn->net.if_vx);
		warp_ip_format(a, ip, sizeof(ip));
		warp_kplan(ctx, "remove fdb 00:00:00:00:00:00 dev %s dst %s",
		    kn->net.if_vx, ip);
		if ((e = warp_l2_fdb_send(ctx, ifindex, 1, htonl(a))) < 0 &&
		    e != -ENOENT)
			return (warp_l2_fail(ctx, kn, e, "remove FDB entry",
			    NULL, 0));
		return (0);
	}
	warp_knet_gt_name(kn, a, name, sizeof(name));
	if ((l = warp_nl_link_get(ctx, name)) == NULL)
		return (0);
	alias = rtnl_link_get_ifalias(l);
	if (alias == NULL || strcmp(alias, kn->alias) != 0) {
		rtnl_link_put(l);	/* not ours: not touched */
		return (0);
	}
	warp_kplan(ctx, "remove gretap %s", name);
	e = warp_nl_send_link_delete(ctx, l);
	rtnl_link_put(l);
	if (e < 0 && e != -NLE_OBJ_NOTFOUND && e != -NLE_NODEV)
		return (warp_l2_fail(ctx, kn, e, "remove link", NULL, 1));
	return (0);
}

/*
 * The journaled endpoints' ports or entries: an active endpoint's made
 * as warp_l2_apply makes it (a GRE TAP's VLANs read from that port only,
 * when it was there already; a replication entry added unread, one
 * there already being what was wanted); the addresses an inactive or
 * deleted one had, each once, lose theirs unless an active endpoint of
 * these has that address now (a delete and an add that reused it, in
 * one journal).  Sorted, so a bulk change is O(n log n), not O(n^2).
 */
int
warp_l2_apply_some(struct warp_kctx *ctx, struct warp_knet *kn)
{
	struct warp_state_peer	*sp;
	char			 ip[WARP_IP_STRLEN];
	uint32_t		*act, *gone, a;
	size_t			 i, nact = 0, ngone = 0;
	int			 br, ifindex, e, rc = 0;

	if (warp_l2_bridge(ctx, kn, &br) == -1)
		return (-1);
	act = warp_xcalloc(kn->npeers + 1, sizeof(*act));
	gone = warp_xcalloc(kn->npeers + kn->nolds + 1, sizeof(*gone));
	for (i = 0; i < kn->npeers; i++) {
		a = kn->peers[i].allowed[0].addr;
		if (kn->peers[i].active)
			act[nact++] = a;
		else
			gone[ngone++] = a;
	}
	for (i = 0; i < kn->nolds; i++)
		if (kn->olds[i].old_overlay != 0)
			gone[ngone++] = kn->olds[i].old_overlay;
	qsort(act, nact, sizeof(*act), warp_l2_addr_cmp);
	qsort(gone, ngone, sizeof(*gone), warp_l2_addr_cmp);
	for (i = 0; i < ngone; i++) {
		if ((i > 0 && gone[i] == gone[i - 1]) || bsearch(&gone[i], act,
		    nact, sizeof(*act), warp_l2_addr_cmp) != NULL)
			continue;
		if (warp_l2_gone(ctx, kn, gone[i]) == -1)
			rc = -1;
	}
	free(act);
	free(gone);
	for (i = 0; i < kn->npeers; i++) {
		sp = &kn->peers[i];
		if (!sp->active)
			continue;
		a = sp->allowed[0].addr;
		if (kn->net.type == WARP_NET_L2_MESH) {
			ifindex = warp_nl_ifindex(ctx, kn->net.if_vx);
			warp_ip_format(a, ip, sizeof(ip));
			warp_kplan(ctx, "create fdb 00:00:00:00:00:00 dev %s "
			    "dst %s", kn->net.if_vx, ip);
			if ((e = warp_l2_fdb_send(ctx, ifindex, 0,
			    htonl(a))) < 0 && e != -EEXIST)
				rc = warp_l2_fail(ctx, kn, e, "add FDB entry",
				    NULL, 0);
			continue;
		}
		if (warp_l2_gt(ctx, kn, br, a) == -1)
			rc = -1;
	}
	return (rc);
}
