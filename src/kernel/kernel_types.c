/*
 * What each network type needs in the kernel beyond what every network
 * has (a VRF with its table, the WireGuard device enslaved to it with the
 * gateway address, one peer per active endpoint, the rule bringing the
 * overlay's return traffic into the VRF): its routes and its firewall.
 *
 * Every table ends with an unreachable default at the highest metric, or
 * lookups would fall through to the main table: a leak between networks.
 * Layer-2 types also get a bridge and its ports (kernel_l2.c).  Their
 * frames are bridged, never forwarded at layer 3, and their tunnels end
 * at the gateway's own address (the input chain), so l2-p2p forwards
 * nothing; l2-mesh forwards only VXLAN between its own sites.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/rtnetlink.h>

#include <stdio.h>
#include <string.h>

#include "warp.h"
#include "warp_kernel.h"
#include "warp_kernel_int.h"

static int	warp_kt_routes_base(struct warp_kctx *, struct warp_knet *);
static int	warp_kt_si_routes(struct warp_kctx *, struct warp_knet *);
static int	warp_kt_rg_routes(struct warp_kctx *, struct warp_knet *);
static int	warp_kt_l3_routes(struct warp_kctx *, struct warp_knet *);
static void	warp_kt_si_from(struct warp_kctx *, struct warp_knet *);
static void	warp_kt_si_to(struct warp_kctx *, struct warp_knet *);
static void	warp_kt_rg_from(struct warp_kctx *, struct warp_knet *);
static void	warp_kt_replies_to(struct warp_kctx *, struct warp_knet *);
static void	warp_kt_l3_from(struct warp_kctx *, struct warp_knet *);
static void	warp_kt_l2mesh_from(struct warp_kctx *, struct warp_knet *);
static void	warp_kt_drop(struct warp_kctx *, struct warp_knet *);
static void	warp_kt_drop_to(struct warp_kctx *, struct warp_knet *);

static const struct warp_ktype warp_ktypes[] = {
	{ WARP_NET_SECURE_INTERNET, 0, 0, warp_kt_si_routes,
	    warp_kt_si_from, warp_kt_si_to },
	{ WARP_NET_RESOURCE_GATEWAY, 0, 0, warp_kt_rg_routes,
	    warp_kt_rg_from, warp_kt_replies_to },
	{ WARP_NET_L3VPN, 1, 0, warp_kt_l3_routes,
	    warp_kt_l3_from, warp_kt_drop_to },
	{ WARP_NET_L2_P2P, 0, 1, warp_kt_routes_base,
	    warp_kt_drop, warp_kt_drop_to },
	{ WARP_NET_L2_MESH, 0, 1, warp_kt_routes_base,
	    warp_kt_l2mesh_from, warp_kt_drop_to },
};

const struct warp_ktype *
warp_ktype_get(enum warp_net_type type)
{
	size_t	i;

	for (i = 0; i < sizeof(warp_ktypes) / sizeof(warp_ktypes[0]); i++)
		if (warp_ktypes[i].type == type)
			return (&warp_ktypes[i]);
	return (NULL);
}

static int
warp_kt_routes_base(struct warp_kctx *ctx, struct warp_knet *kn)
{
	struct warp_kroute	kr;

	memset(&kr, 0, sizeof(kr));
	kr.dst.family = AF_INET;
	kr.table = kn->net.table_id;
	kr.type = RTN_UNREACHABLE;
	kr.metric = WARP_METRIC_UNREACHABLE;
	warp_kroute_add(kn, &kr);
	kr.dst.family = AF_INET6;
	warp_kroute_add(kn, &kr);
	return (0);
}

/* Full tunnel: the table's default leaks to the uplink's gateway. */
static int
warp_kt_si_routes(struct warp_kctx *ctx, struct warp_knet *kn)
{
	struct warp_kroute	kr;

	warp_kt_routes_base(ctx, kn);
	if (ctx->uplink_ifindex == 0) {
		warp_knet_fail(ctx, kn, "%s", ctx->uplink_error);
		return (-1);
	}
	memset(&kr, 0, sizeof(kr));
	kr.dst.family = AF_INET;
	kr.table = kn->net.table_id;
	kr.type = RTN_UNICAST;
	kr.oif = ctx->uplink_ifindex;
	(void)snprintf(kr.oifname, sizeof(kr.oifname), "%s", ctx->cfg.uplink);
	if (ctx->uplink_gw != 0) {
		kr.gateway = ctx->uplink_gw;
		kr.onlink = 1;
	}
	warp_kroute_add(kn, &kr);
	return (0);
}

/* Split tunnel: each resource subnet the way the main table reaches it. */
static int
warp_kt_rg_routes(struct warp_kctx *ctx, struct warp_knet *kn)
{
	struct warp_kroute	kr;
	char			cidr[WARP_CIDR_STRLEN];
	uint32_t		gw;
	size_t			i;
	int			oif, rc = 0;

	warp_kt_routes_base(ctx, kn);
	for (i = 0; i < kn->net.nresources; i++) {
		warp_cidr_format(&kn->net.resources[i], cidr, sizeof(cidr));
		if (warp_nl_lookup_main(ctx,
		    htonl(kn->net.resources[i].addr), &oif, &gw) == -1 ||
		    oif <= 0) {
			warp_knet_fail(ctx, kn, "resource %s: no route to it "
			    "in the main table (which LAN interface?)", cidr);
			rc = -1;
			continue;
		}
		memset(&kr, 0, sizeof(kr));
		warp_kprefix_v4(&kr.dst, &kn->net.resources[i]);
		kr.table = kn->net.table_id;
		kr.type = RTN_UNICAST;
		kr.oif = oif;
		if (warp_nl_ifname(ctx, oif, kr.oifname,
		    sizeof(kr.oifname)) == -1)
			(void)snprintf(kr.oifname, sizeof(kr.oifname), "if%d",
			    oif);
		if (gw != 0) {
			kr.gateway = gw;
			kr.onlink = 1;
		}
		warp_kroute_add(kn, &kr);
	}
	return (rc);
}

/* Site to site: every active site's LANs through the WireGuard device. */
static int
warp_kt_l3_routes(struct warp_kctx *ctx, struct warp_knet *kn)
{
	struct warp_kroute	kr;
	size_t			i, j;

	warp_kt_routes_base(ctx, kn);
	for (i = 0; i < kn->npeers; i++) {
		if (!kn->peers[i].active)
			continue;
		/* allowed[0] is the overlay /32, on-link already. */
		for (j = 1; j < kn->peers[i].nallowed; j++) {
			memset(&kr, 0, sizeof(kr));
			warp_kprefix_v4(&kr.dst, &kn->peers[i].allowed[j]);
			kr.table = kn->net.table_id;
			kr.type = RTN_UNICAST;
			(void)snprintf(kr.oifname, sizeof(kr.oifname), "%s",
			    kn->net.if_wg);
			warp_kroute_add(kn, &kr);
		}
	}
	return (0);
}

/*
 * Secure Internet, from the network: to its own endpoints only in mesh
 * mode; never towards a prefix of the appliance (another network's, not
 * even by way of the uplink: one set, @owned, whatever their number); to
 * the uplink, masqueraded (@si_nat).
 */
static void
warp_kt_si_from(struct warp_kctx *ctx, struct warp_knet *kn)
{
	char	from[32];

	warp_fw_chain_name(kn, "from", from, sizeof(from));
	warp_fw_rule(ctx, from);
	warp_fw_r_ifname(ctx, WARP_FW_OUT, 0, kn->net.if_wg);
	warp_fw_r_verdict(ctx, kn->net.peer_communication ? NF_ACCEPT :
	    NF_DROP, NULL);
	warp_fw_rule(ctx, from);
	warp_fw_r_ip_set(ctx, WARP_FW_DST, "owned");
	warp_fw_r_verdict(ctx, NF_DROP, NULL);
	if (ctx->cfg.uplink[0] != '\0') {
		warp_fw_rule(ctx, from);
		warp_fw_r_ifname(ctx, WARP_FW_OUT, 0, ctx->cfg.uplink);
		warp_fw_r_verdict(ctx, NF_ACCEPT, NULL);
		warp_fw_set_prefix(ctx, "si_nat", &kn->net.subnet);
	}
	warp_fw_rule(ctx, from);
	warp_fw_r_verdict(ctx, NF_DROP, NULL);
}

/* Into a Secure Internet network: answers from the uplink only. */
static void
warp_kt_si_to(struct warp_kctx *ctx, struct warp_knet *kn)
{
	char	to[32];

	warp_fw_chain_name(kn, "to", to, sizeof(to));
	if (ctx->cfg.uplink[0] != '\0') {
		warp_fw_rule(ctx, to);
		warp_fw_r_ifname(ctx, WARP_FW_IN, 0, ctx->cfg.uplink);
		warp_fw_r_ct_established(ctx);
		warp_fw_r_verdict(ctx, NF_ACCEPT, NULL);
	}
	warp_fw_rule(ctx, to);
	warp_fw_r_verdict(ctx, NF_DROP, NULL);
}

/*
 * Resource gateway: endpoints reach the resource subnets and nothing else;
 * the subnets are the network's own interval set, so the chain is two
 * rules however many resources it has.
 */
static void
warp_kt_rg_from(struct warp_kctx *ctx, struct warp_knet *kn)
{
	char	from[WARP_FW_CHAINLEN], set[WARP_FW_CHAINLEN];
	size_t	i;

	warp_fw_chain_name(kn, "from", from, sizeof(from));
	if (kn->net.nresources > 0) {
		warp_fw_chain_name(kn, "res", set, sizeof(set));
		warp_fw_set_net_prefixes(ctx, set);
		for (i = 0; i < kn->net.nresources; i++)
			warp_fw_set_prefix(ctx, set, &kn->net.resources[i]);
		warp_fw_rule(ctx, from);
		warp_fw_r_ifname(ctx, WARP_FW_OUT, 1, kn->net.if_wg);
		warp_fw_r_ip_set(ctx, WARP_FW_DST, set);
		warp_fw_r_verdict(ctx, NF_ACCEPT, NULL);
	}
	warp_fw_rule(ctx, from);
	warp_fw_r_verdict(ctx, NF_DROP, NULL);
}

/* Into the network: only answers to what its endpoints started. */
static void
warp_kt_replies_to(struct warp_kctx *ctx, struct warp_knet *kn)
{
	char	to[32];

	warp_fw_chain_name(kn, "to", to, sizeof(to));
	warp_fw_rule(ctx, to);
	warp_fw_r_ct_established(ctx);
	warp_fw_r_verdict(ctx, NF_ACCEPT, NULL);
	warp_fw_rule(ctx, to);
	warp_fw_r_verdict(ctx, NF_DROP, NULL);
}

/*
 * L3VPN: site to site inside the network's own VRF, nothing else.  The
 * sources are already pinned by WireGuard: a peer may only send from
 * its overlay address and its own LANs.
 */
static void
warp_kt_l3_from(struct warp_kctx *ctx, struct warp_knet *kn)
{
	char	from[32];

	warp_fw_chain_name(kn, "from", from, sizeof(from));
	warp_fw_rule(ctx, from);
	warp_fw_r_ifname(ctx, WARP_FW_OUT, 0, kn->net.if_wg);
	warp_fw_r_verdict(ctx, NF_ACCEPT, NULL);
	warp_fw_rule(ctx, from);
	warp_fw_r_verdict(ctx, NF_DROP, NULL);
}

/*
 * L2 mesh: the sites replicate to each other directly (DESIGN §6), so
 * the VRF routes VXLAN from one site's overlay address to another's;
 * nothing else passes.
 */
static void
warp_kt_l2mesh_from(struct warp_kctx *ctx, struct warp_knet *kn)
{
	char	from[32];

	warp_fw_chain_name(kn, "from", from, sizeof(from));
	warp_fw_rule(ctx, from);
	warp_fw_r_ifname(ctx, WARP_FW_OUT, 0, kn->net.if_wg);
	warp_fw_r_ip(ctx, WARP_FW_SRC, 0, &kn->net.subnet);
	warp_fw_r_ip(ctx, WARP_FW_DST, 0, &kn->net.subnet);
	warp_fw_r_udp_dport(ctx, WARP_VXLAN_PORT);
	warp_fw_r_verdict(ctx, NF_ACCEPT, NULL);
	warp_fw_rule(ctx, from);
	warp_fw_r_verdict(ctx, NF_DROP, NULL);
}

static void
warp_kt_drop(struct warp_kctx *ctx, struct warp_knet *kn)
{
	char	from[32];

	warp_fw_chain_name(kn, "from", from, sizeof(from));
	warp_fw_rule(ctx, from);
	warp_fw_r_verdict(ctx, NF_DROP, NULL);
}

static void
warp_kt_drop_to(struct warp_kctx *ctx, struct warp_knet *kn)
{
	char	to[32];

	warp_fw_chain_name(kn, "to", to, sizeof(to));
	warp_fw_rule(ctx, to);
	warp_fw_r_verdict(ctx, NF_DROP, NULL);
}
