/*
 * The host around the gateway, over netlink: what deploy.sh's firewall
 * unit and `make run` used to do with nft, ip and sysctl.
 *
 *   warp_host_firewall()  table inet warp_host, the base input policy
 *                         (replies, loopback, ICMP, SSH, 80, 443, the
 *                         WireGuard port pool, inside the tunnels; drop
 *                         the rest), and IPv4 forwarding on;
 *   warp_host_uplink()    make run's uplink for the gateway namespace: a
 *                         veth pair (warp-dev0 on the host, uplink0 in
 *                         the namespace), the default route there, and
 *                         table ip warp_dev (masquerade out, DNAT of the
 *                         port pool to the namespace).
 *
 * Each table is described whole; every rule carries its description as
 * its comment, so comparing the kernel's table with the wanted one is
 * comparing comments.  When they differ the table is replaced in one
 * atomic batch (add, delete, add again with everything); when they do
 * not, nothing is sent.  Links, addresses and routes are read first and
 * only what is missing is created.  Other tables and links are never
 * touched.  Its own libmnl socket and batch (the reconciler's kernel_fw.c
 * owns table inet warp); the dump, the rule comments and the answers go
 * through kernel_send.c's nftables plumbing, as the firewall's do.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "warp.h"
#include "warp_kernel.h"
#include "warp_kernel_int.h"

#define WARP_HOST_TABLE		"warp_host"	/* family inet */
#define WARP_DEV_TABLE		"warp_dev"	/* family ip */
#define WARP_HOST_MAXRULES	24
#define WARP_HOST_COMMENTLEN	96
#define WARP_HOST_BUFSZ		65536
#define WARP_HOST_FORWARD	"/proc/sys/net/ipv4/ip_forward"
#define WARP_HOST_POOL_LOWEST	1024	/* the apply opens no lower port */

struct warp_hchain {
	const char	*name;
	const char	*type;
	uint32_t	 hook;
	int32_t		 prio;
	uint32_t	 policy;
};

struct warp_hrule {
	const char		*chain;
	char			 comment[WARP_HOST_COMMENTLEN];
	struct nftnl_rule	*r;
};

/* A table as wanted, and what the kernel has of it. */
struct warp_htable {
	uint16_t			 family;
	const char			*name;
	const struct warp_hchain	*chains;
	size_t				 nchains;
	struct warp_hrule		 rules[WARP_HOST_MAXRULES];
	size_t				 nrules;
	int				 present;
	struct warp_buf			 have;	/* chains, then rules */
};

/* Where a run reports: plan lines and the count of messages sent. */
struct warp_hrun {
	struct warp_buf	*plan;
	uint64_t	*sent;
};

static const struct warp_hchain warp_host_chains[] = {
	{ "input", "filter", NF_INET_LOCAL_IN, 0, NF_DROP },
};

static const struct warp_hchain warp_dev_chains[] = {
	{ "prerouting", "nat", NF_INET_PRE_ROUTING, -100, NF_ACCEPT },
	{ "output", "nat", NF_INET_LOCAL_OUT, -100, NF_ACCEPT },
	{ "forward", "filter", NF_INET_FORWARD, 0, NF_ACCEPT },
	{ "postrouting", "nat", NF_INET_POST_ROUTING, 100, NF_ACCEPT },
};

static void	warp_hplan(struct warp_hrun *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static struct nftnl_rule *warp_hrule(struct warp_htable *, const char *,
		    const char *, ...) __attribute__((format(printf, 3, 4)));
static void	warp_hx(struct nftnl_rule *, struct nftnl_expr *);
static struct nftnl_expr *warp_hx_alloc(const char *);
static void	warp_hx_meta(struct nftnl_rule *, uint32_t);
static void	warp_hx_cmp(struct nftnl_rule *, uint32_t, const void *,
		    uint32_t);
static void	warp_hx_payload(struct nftnl_rule *, uint32_t, uint32_t,
		    uint32_t);
static void	warp_hx_mask(struct nftnl_rule *, const void *, uint32_t);
static void	warp_hx_ct_state(struct nftnl_rule *, uint32_t);
static void	warp_hx_verdict(struct nftnl_rule *, int);
static void	warp_hx_l4proto(struct nftnl_rule *, uint8_t);
static void	warp_hx_dport(struct nftnl_rule *, uint8_t, uint16_t,
		    uint16_t);
static void	warp_hx_ifname(struct nftnl_rule *, uint32_t, uint32_t,
		    const char *, int);
static void	warp_hx_ip4(struct nftnl_rule *, uint32_t, uint32_t,
		    uint32_t, uint32_t);
static void	warp_hx_fib_local(struct nftnl_rule *);
static void	warp_hx_dnat4(struct nftnl_rule *, uint32_t);
static void	warp_host_policy(struct warp_htable *,
		    const struct warp_host_fw *);
static void	warp_dev_policy(struct warp_htable *,
		    const struct warp_host_uplink *);
static void	warp_htable_free(struct warp_htable *);
static void	warp_htable_want(const struct warp_htable *,
		    struct warp_buf *);
static int	warp_hnft_dump(struct mnl_socket *, struct warp_htable *,
		    uint16_t);
static int	warp_hnft_cb(const struct nlmsghdr *, void *);
static int	warp_hnft_read(struct mnl_socket **, struct warp_htable *,
		    struct warp_err *);
static int	warp_hnft_apply(struct mnl_socket *, struct warp_htable *, int,
		    int, struct warp_hrun *, struct warp_err *);
static int	warp_hnft_sync(struct warp_htable *, int, struct warp_hrun *,
		    struct warp_err *);
static uint16_t	warp_host_ssh_port(const struct warp_buf *);
static int	warp_hnft_send(struct mnl_socket *, struct warp_htable *,
		    int, struct warp_hrun *, struct warp_err *);
static int	warp_host_forward(struct warp_hrun *, struct warp_err *);
static int	warp_hnl_open(struct nl_sock **, struct warp_err *);
static int	warp_hnl_up(struct nl_sock *, struct rtnl_link *,
		    struct warp_hrun *);
static int	warp_hnl_addr(struct nl_sock *, int, const char *, uint32_t,
		    int, struct warp_hrun *);
static int	warp_hnl_veth(struct nl_sock *, const struct warp_host_uplink *,
		    struct warp_hrun *, struct warp_err *);
static int	warp_hnl_inside(const struct warp_host_uplink *,
		    struct warp_hrun *, struct warp_err *);
static int	warp_hnl_remove(const struct warp_host_uplink *,
		    struct warp_hrun *, struct warp_err *);

static void
warp_hplan(struct warp_hrun *run, const char *fmt, ...)
{
	va_list	ap;
	char	line[256];

	if (run->plan == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	warp_buf_appendf(run->plan, "%s\n", line);
}

/* ------------------------------------------------------------ rules */

static struct nftnl_rule *
warp_hrule(struct warp_htable *t, const char *chain, const char *fmt, ...)
{
	struct warp_hrule	*hr;
	va_list			 ap;

	if (t->nrules >= WARP_HOST_MAXRULES)
		warp_fatal("%s: more than %d rules", t->name,
		    WARP_HOST_MAXRULES);
	hr = &t->rules[t->nrules++];
	hr->chain = chain;
	va_start(ap, fmt);
	(void)vsnprintf(hr->comment, sizeof(hr->comment), fmt, ap);
	va_end(ap);
	if ((hr->r = nftnl_rule_alloc()) == NULL)
		warp_fatal("nftnl_rule_alloc");
	nftnl_rule_set_u32(hr->r, NFTNL_RULE_FAMILY, t->family);
	nftnl_rule_set_str(hr->r, NFTNL_RULE_TABLE, t->name);
	nftnl_rule_set_str(hr->r, NFTNL_RULE_CHAIN, chain);
	return (hr->r);
}

static struct nftnl_expr *
warp_hx_alloc(const char *name)
{
	struct nftnl_expr	*e;

	if ((e = nftnl_expr_alloc(name)) == NULL)
		warp_fatal("nftnl_expr_alloc %s", name);
	return (e);
}

static void
warp_hx(struct nftnl_rule *r, struct nftnl_expr *e)
{
	nftnl_rule_add_expr(r, e);
}

static void
warp_hx_meta(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr	*e = warp_hx_alloc("meta");

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	warp_hx(r, e);
}

static void
warp_hx_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr	*e = warp_hx_alloc("cmp");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	warp_hx(r, e);
}

static void
warp_hx_payload(struct nftnl_rule *r, uint32_t base, uint32_t off,
    uint32_t len)
{
	struct nftnl_expr	*e = warp_hx_alloc("payload");

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	warp_hx(r, e);
}

/* reg1 &= mask (len bytes, at most 16). */
static void
warp_hx_mask(struct nftnl_rule *r, const void *mask, uint32_t len)
{
	struct nftnl_expr	*e = warp_hx_alloc("bitwise");
	uint8_t			 zero[16];

	memset(zero, 0, sizeof(zero));
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	warp_hx(r, e);
}

/* ct state & bits != 0 */
static void
warp_hx_ct_state(struct nftnl_rule *r, uint32_t bits)
{
	struct nftnl_expr	*e = warp_hx_alloc("ct");
	uint32_t		 zero = 0;

	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	warp_hx(r, e);
	warp_hx_mask(r, &bits, sizeof(bits));
	warp_hx_cmp(r, NFT_CMP_NEQ, &zero, sizeof(zero));
}

static void
warp_hx_verdict(struct nftnl_rule *r, int verdict)
{
	struct nftnl_expr	*e = warp_hx_alloc("immediate");

	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, verdict);
	warp_hx(r, e);
}

static void
warp_hx_l4proto(struct nftnl_rule *r, uint8_t proto)
{
	warp_hx_meta(r, NFT_META_L4PROTO);
	warp_hx_cmp(r, NFT_CMP_EQ, &proto, sizeof(proto));
}

/* meta l4proto PROTO th dport LO[-HI] (big endian compares in order). */
static void
warp_hx_dport(struct nftnl_rule *r, uint8_t proto, uint16_t lo, uint16_t hi)
{
	uint16_t	nlo = htons(lo), nhi = htons(hi);

	warp_hx_l4proto(r, proto);
	warp_hx_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
	if (lo == hi) {
		warp_hx_cmp(r, NFT_CMP_EQ, &nlo, sizeof(nlo));
		return;
	}
	warp_hx_cmp(r, NFT_CMP_GTE, &nlo, sizeof(nlo));
	warp_hx_cmp(r, NFT_CMP_LTE, &nhi, sizeof(nhi));
}

/* iifname/oifname NAME, or a prefix ("wg" for "wg*") when prefix is set. */
static void
warp_hx_ifname(struct nftnl_rule *r, uint32_t key, uint32_t op,
    const char *name, int prefix)
{
	char	ifname[IFNAMSIZ];

	memset(ifname, 0, sizeof(ifname));
	(void)snprintf(ifname, sizeof(ifname), "%s", name);
	warp_hx_meta(r, key);
	warp_hx_cmp(r, op, ifname, prefix ? strlen(ifname) : sizeof(ifname));
}

/* ip saddr/daddr (offset 12/16) & mask op net; addresses in host order. */
static void
warp_hx_ip4(struct nftnl_rule *r, uint32_t off, uint32_t op, uint32_t net,
    uint32_t mask)
{
	uint32_t	n = htonl(net & mask), m = htonl(mask);

	warp_hx_payload(r, NFT_PAYLOAD_NETWORK_HEADER, off, 4);
	warp_hx_mask(r, &m, sizeof(m));
	warp_hx_cmp(r, op, &n, sizeof(n));
}

/* fib daddr type local */
static void
warp_hx_fib_local(struct nftnl_rule *r)
{
	struct nftnl_expr	*e = warp_hx_alloc("fib");
	uint32_t		 local = RTN_LOCAL;

	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
	warp_hx(r, e);
	warp_hx_cmp(r, NFT_CMP_EQ, &local, sizeof(local));
}

/* dnat to ADDR (host order) */
static void
warp_hx_dnat4(struct nftnl_rule *r, uint32_t addr)
{
	struct nftnl_expr	*e = warp_hx_alloc("immediate");
	uint32_t		 n = htonl(addr);

	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, &n, sizeof(n));
	warp_hx(r, e);
	e = warp_hx_alloc("nat");
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, NFPROTO_IPV4);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
	warp_hx(r, e);
}

/*
 * The base input policy.  ICMP and ICMPv6 pass whole: path MTU
 * discovery and IPv6 neighbour discovery need them.  Inside the tunnels
 * (GRE and VXLAN of layer-2 networks end here) WireGuard authenticated
 * the packets and table inet warp filters per network; a VRF's packets
 * arrive with the VRF device as input interface.
 */
static void
warp_host_policy(struct warp_htable *t, const struct warp_host_fw *fw)
{
	static const uint8_t	ll6[16] = { 0xfe, 0x80 };
	static const uint8_t	ll6mask[16] = { 0xff, 0xc0 };
	static const uint16_t	web[] = { 80, 443 };
	struct nftnl_rule	*r;
	uint8_t			 v6 = NFPROTO_IPV6;
	size_t			 i;

	t->family = NFPROTO_INET;
	t->name = WARP_HOST_TABLE;
	t->chains = warp_host_chains;
	t->nchains = sizeof(warp_host_chains) / sizeof(warp_host_chains[0]);

	r = warp_hrule(t, "input", "ct state established,related accept");
	warp_hx_ct_state(r, NF_CT_STATE_BIT(IP_CT_ESTABLISHED) |
	    NF_CT_STATE_BIT(IP_CT_RELATED));
	warp_hx_verdict(r, NF_ACCEPT);
	r = warp_hrule(t, "input", "ct state invalid drop");
	warp_hx_ct_state(r, NF_CT_STATE_INVALID_BIT);
	warp_hx_verdict(r, NF_DROP);
	r = warp_hrule(t, "input", "iifname lo accept");
	warp_hx_ifname(r, NFT_META_IIFNAME, NFT_CMP_EQ, "lo", 0);
	warp_hx_verdict(r, NF_ACCEPT);
	r = warp_hrule(t, "input", "meta l4proto icmp accept");
	warp_hx_l4proto(r, IPPROTO_ICMP);
	warp_hx_verdict(r, NF_ACCEPT);
	r = warp_hrule(t, "input", "meta l4proto ipv6-icmp accept");
	warp_hx_l4proto(r, IPPROTO_ICMPV6);
	warp_hx_verdict(r, NF_ACCEPT);
	r = warp_hrule(t, "input", "ip6 saddr fe80::/10 udp dport 546 accept "
	    "(DHCPv6 client)");
	warp_hx_meta(r, NFT_META_NFPROTO);
	warp_hx_cmp(r, NFT_CMP_EQ, &v6, sizeof(v6));
	warp_hx_dport(r, IPPROTO_UDP, 546, 546);
	warp_hx_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 8, 16);
	warp_hx_mask(r, ll6mask, sizeof(ll6mask));
	warp_hx_cmp(r, NFT_CMP_EQ, ll6, sizeof(ll6));
	warp_hx_verdict(r, NF_ACCEPT);
	r = warp_hrule(t, "input", "tcp dport %u accept (SSH)",
	    (unsigned)fw->ssh_port);
	warp_hx_dport(r, IPPROTO_TCP, fw->ssh_port, fw->ssh_port);
	warp_hx_verdict(r, NF_ACCEPT);
	for (i = 0; i < sizeof(web) / sizeof(web[0]); i++) {
		if (web[i] == fw->ssh_port)
			continue;
		r = warp_hrule(t, "input", "tcp dport %u accept (%s)",
		    (unsigned)web[i], web[i] == 80 ? "HTTP" : "HTTPS");
		warp_hx_dport(r, IPPROTO_TCP, web[i], web[i]);
		warp_hx_verdict(r, NF_ACCEPT);
	}
	r = warp_hrule(t, "input", "udp dport %u-%u accept (WireGuard port "
	    "pool)", (unsigned)fw->port_min, (unsigned)fw->port_max);
	warp_hx_dport(r, IPPROTO_UDP, fw->port_min, fw->port_max);
	warp_hx_verdict(r, NF_ACCEPT);
	r = warp_hrule(t, "input", "iifname wg* accept");
	warp_hx_ifname(r, NFT_META_IIFNAME, NFT_CMP_EQ, "wg", 1);
	warp_hx_verdict(r, NF_ACCEPT);
	r = warp_hrule(t, "input", "iifname vrf* accept");
	warp_hx_ifname(r, NFT_META_IIFNAME, NFT_CMP_EQ, "vrf", 1);
	warp_hx_verdict(r, NF_ACCEPT);
}

/*
 * make run's NAT: the namespace's traffic leaves through the host's own
 * uplink masqueraded; WireGuard clients reach the namespace's listen
 * ports at any of the host's addresses (also from the host itself).
 */
static void
warp_dev_policy(struct warp_htable *t, const struct warp_host_uplink *u)
{
	struct nftnl_rule	*r;
	char			 peer[INET_ADDRSTRLEN];
	uint32_t		 a = WARP_DEV_PEER_ADDR, n;

	t->family = NFPROTO_IPV4;
	t->name = WARP_DEV_TABLE;
	t->chains = warp_dev_chains;
	t->nchains = sizeof(warp_dev_chains) / sizeof(warp_dev_chains[0]);
	n = htonl(a);
	(void)inet_ntop(AF_INET, &n, peer, sizeof(peer));

	r = warp_hrule(t, "prerouting", "fib daddr type local udp dport "
	    "%u-%u dnat to %s", (unsigned)u->port_min, (unsigned)u->port_max,
	    peer);
	warp_hx_fib_local(r);
	warp_hx_dport(r, IPPROTO_UDP, u->port_min, u->port_max);
	warp_hx_dnat4(r, a);
	r = warp_hrule(t, "output", "ip daddr != 127.0.0.0/8 fib daddr type "
	    "local udp dport %u-%u dnat to %s", (unsigned)u->port_min,
	    (unsigned)u->port_max, peer);
	warp_hx_ip4(r, 16, NFT_CMP_NEQ, 0x7f000000, 0xff000000);
	warp_hx_fib_local(r);
	warp_hx_dport(r, IPPROTO_UDP, u->port_min, u->port_max);
	warp_hx_dnat4(r, a);
	r = warp_hrule(t, "forward", "iifname %s accept", WARP_DEV_HOST_IF);
	warp_hx_ifname(r, NFT_META_IIFNAME, NFT_CMP_EQ, WARP_DEV_HOST_IF, 0);
	warp_hx_verdict(r, NF_ACCEPT);
	r = warp_hrule(t, "forward", "oifname %s accept", WARP_DEV_HOST_IF);
	warp_hx_ifname(r, NFT_META_OIFNAME, NFT_CMP_EQ, WARP_DEV_HOST_IF, 0);
	warp_hx_verdict(r, NF_ACCEPT);
	r = warp_hrule(t, "postrouting", "ip saddr %s/%d oifname != %s "
	    "masquerade", "10.231.255.0", WARP_DEV_PREFIXLEN, WARP_DEV_HOST_IF);
	warp_hx_ip4(r, 12, NFT_CMP_EQ, WARP_DEV_HOST_ADDR,
	    0xffffffffU << (32 - WARP_DEV_PREFIXLEN));
	warp_hx_ifname(r, NFT_META_OIFNAME, NFT_CMP_NEQ, WARP_DEV_HOST_IF, 0);
	warp_hx(r, warp_hx_alloc("masq"));
}

static void
warp_htable_free(struct warp_htable *t)
{
	size_t	i;

	for (i = 0; i < t->nrules; i++)
		nftnl_rule_free(t->rules[i].r);
	t->nrules = 0;
	warp_buf_free(&t->have);
}

/* The description the kernel's table must match: chains, then rules. */
static void
warp_htable_want(const struct warp_htable *t, struct warp_buf *b)
{
	const struct warp_hchain	*c;
	size_t				 i, j;

	for (i = 0; i < t->nchains; i++) {
		c = &t->chains[i];
		warp_buf_appendf(b, "chain %s %s %u %d %u\n", c->name, c->type,
		    c->hook, c->prio, c->policy);
	}
	for (i = 0; i < t->nchains; i++)
		for (j = 0; j < t->nrules; j++)
			if (strcmp(t->rules[j].chain, t->chains[i].name) == 0)
				warp_buf_appendf(b, "rule %s %s\n",
				    t->rules[j].chain, t->rules[j].comment);
}

/* ------------------------------------------------------------ nftables */

struct warp_hdump {
	struct warp_htable	*t;
	uint16_t		 type;
};

static int
warp_hnft_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct warp_hdump	*d = arg;
	struct warp_htable	*t = d->t;
	struct nftnl_table	*tb;
	struct nftnl_chain	*c;
	struct nftnl_rule	*r;
	const char		*name, *type, *comment;

	if (d->type == NFT_MSG_GETTABLE) {
		if ((tb = nftnl_table_alloc()) == NULL)
			warp_fatal("nftnl_table_alloc");
		if (nftnl_table_nlmsg_parse(nlh, tb) == 0 &&
		    (name = nftnl_table_get_str(tb, NFTNL_TABLE_NAME)) != NULL &&
		    strcmp(name, t->name) == 0)
			t->present = 1;
		nftnl_table_free(tb);
	} else if (d->type == NFT_MSG_GETCHAIN) {
		if ((c = nftnl_chain_alloc()) == NULL)
			warp_fatal("nftnl_chain_alloc");
		if (nftnl_chain_nlmsg_parse(nlh, c) == 0 &&
		    strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE),
		    t->name) == 0) {
			type = nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE);
			warp_buf_appendf(&t->have, "chain %s %s %u %d %u\n",
			    nftnl_chain_get_str(c, NFTNL_CHAIN_NAME),
			    type != NULL ? type : "-",
			    nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM),
			    nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO),
			    nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY));
		}
		nftnl_chain_free(c);
	} else {
		if ((r = nftnl_rule_alloc()) == NULL)
			warp_fatal("nftnl_rule_alloc");
		if (nftnl_rule_nlmsg_parse(nlh, r) == 0 &&
		    strcmp(nftnl_rule_get_str(r, NFTNL_RULE_TABLE),
		    t->name) == 0) {
			comment = warp_nft_rule_comment(r);
			warp_buf_appendf(&t->have, "rule %s %s\n",
			    nftnl_rule_get_str(r, NFTNL_RULE_CHAIN),
			    comment != NULL ? comment : "?");
		}
		nftnl_rule_free(r);
	}
	return (MNL_CB_OK);
}

/* Dump tables, chains or rules of the table's family into t. */
static int
warp_hnft_dump(struct mnl_socket *nl, struct warp_htable *t, uint16_t type)
{
	struct warp_hdump	 d = { t, type };
	char			 buf[256];	/* a header, no payload */
	struct nlmsghdr		*nlh;

	nlh = nftnl_nlmsg_build_hdr(buf, type, t->family, NLM_F_DUMP,
	    (uint32_t)time(NULL));
	return (warp_nft_dump(nl, nlh, warp_hnft_cb, &d));
}

/* Put one message of the batch in place; the batch buffer is big enough. */
static struct nlmsghdr *
warp_hnft_msg(struct mnl_nlmsg_batch *b, uint16_t type, uint16_t family,
    uint16_t flags, uint32_t *seq)
{
	struct nlmsghdr	*nlh;

	nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), type, family,
	    flags | NLM_F_ACK, (*seq)++);
	return (nlh);
}

static void
warp_hnft_next(struct mnl_nlmsg_batch *b)
{
	if (!mnl_nlmsg_batch_next(b))
		warp_fatal("nftables host batch overflows its buffer");
}

/*
 * One atomic batch: remove only: delete the table; else create it (a
 * no-op when it exists), delete it, create it with every chain and rule.
 */
static int
warp_hnft_send(struct mnl_socket *nl, struct warp_htable *t, int remove,
    struct warp_hrun *run, struct warp_err *err)
{
	struct mnl_nlmsg_batch	*b;
	struct nlmsghdr		*nlh;
	struct nftnl_table	*tb;
	struct nftnl_chain	*c;
	struct nftnl_udata_buf	*ud;
	char			*buf;
	uint32_t		 seq = (uint32_t)time(NULL), seq0, nmsgs = 0;
	size_t			 i, j;
	ssize_t			 bad = -1;
	int			 bad_errno = 0, n, ret = 0;
	struct warp_nft_first	 first = { &bad, &bad_errno };

	buf = warp_xcalloc(1, WARP_HOST_BUFSZ);
	b = mnl_nlmsg_batch_start(buf, WARP_HOST_BUFSZ);
	nftnl_batch_begin(mnl_nlmsg_batch_current(b), seq++);
	warp_hnft_next(b);
	seq0 = seq;
	if ((tb = nftnl_table_alloc()) == NULL)
		warp_fatal("nftnl_table_alloc");
	nftnl_table_set_str(tb, NFTNL_TABLE_NAME, t->name);
	nftnl_table_set_u32(tb, NFTNL_TABLE_FAMILY, t->family);
	for (i = remove ? 1 : 0; i < 3; i++) {
		nlh = warp_hnft_msg(b, i == 1 ? NFT_MSG_DELTABLE :
		    NFT_MSG_NEWTABLE, t->family, i == 1 ? 0 : NLM_F_CREATE,
		    &seq);
		nftnl_table_nlmsg_build_payload(nlh, tb);
		warp_hnft_next(b);
		nmsgs++;
		if (remove)
			break;
	}
	nftnl_table_free(tb);
	for (i = 0; !remove && i < t->nchains; i++) {
		if ((c = nftnl_chain_alloc()) == NULL)
			warp_fatal("nftnl_chain_alloc");
		nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, t->name);
		nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, t->chains[i].name);
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, t->chains[i].type);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, t->chains[i].hook);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, t->chains[i].prio);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, t->chains[i].policy);
		nlh = warp_hnft_msg(b, NFT_MSG_NEWCHAIN, t->family,
		    NLM_F_CREATE, &seq);
		nftnl_chain_nlmsg_build_payload(nlh, c);
		nftnl_chain_free(c);
		warp_hnft_next(b);
		nmsgs++;
		for (j = 0; j < t->nrules; j++) {
			if (strcmp(t->rules[j].chain, t->chains[i].name) != 0)
				continue;
			if ((ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN)) ==
			    NULL)
				warp_fatal("nftnl_udata_buf_alloc");
			nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT,
			    t->rules[j].comment);
			nftnl_rule_set_data(t->rules[j].r, NFTNL_RULE_USERDATA,
			    nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud));
			nftnl_udata_buf_free(ud);
			nlh = warp_hnft_msg(b, NFT_MSG_NEWRULE, t->family,
			    NLM_F_CREATE | NLM_F_APPEND, &seq);
			nftnl_rule_nlmsg_build_payload(nlh, t->rules[j].r);
			warp_hnft_next(b);
			nmsgs++;
		}
	}
	nftnl_batch_end(mnl_nlmsg_batch_current(b), seq++);
	warp_hnft_next(b);
	*run->sent += nmsgs;
	if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(b),
	    mnl_nlmsg_batch_size(b)) < 0) {
		ret = warp_err_system(err, "nftables: send batch: %s",
		    strerror(errno));
		goto out;
	}
	if ((n = warp_mnl_acks(nl, nmsgs, seq0, warp_nft_refused,
	    &first)) != 0) {
		if (n < -1)
			bad_errno = -n;
		if (bad < 0 || n < -1)
			ret = warp_err_system(err, "nftables: read answers: %s",
			    strerror(bad_errno));
		else
			ret = warp_err_system(err, "nftables table %s %s: %s%s",
			    t->family == NFPROTO_INET ? "inet" : "ip", t->name,
			    strerror(bad_errno), bad_errno == ENOENT ? " (the "
			    "kernel lacks an nftables module this needs)" : "");
	}
out:
	mnl_nlmsg_batch_stop(b);
	free(buf);
	return (ret);
}

/* Open the nftables socket and read what the kernel has of table t. */
static int
warp_hnft_read(struct mnl_socket **nl, struct warp_htable *t,
    struct warp_err *err)
{
	const char	*fam = t->family == NFPROTO_INET ? "inet" : "ip";
	int		 e;

	warp_buf_init(&t->have);
	if ((e = warp_nft_open(nl)) < 0) {
		*nl = NULL;
		return (warp_err_system(err, "nftables: netlink socket: %s",
		    strerror(-e)));
	}
	if ((e = warp_hnft_dump(*nl, t, NFT_MSG_GETTABLE)) == 0 && t->present &&
	    (e = warp_hnft_dump(*nl, t, NFT_MSG_GETCHAIN)) == 0)
		e = warp_hnft_dump(*nl, t, NFT_MSG_GETRULE);
	if (e < 0)
		return (warp_err_system(err, "nftables: read table %s %s: %s",
		    fam, t->name, strerror(-e)));
	return (0);
}

/*
 * Bring the kernel's table (read into t->have) to t, or remove it: send
 * only on a difference.  dry_run: count and say what would be sent.
 */
static int
warp_hnft_apply(struct mnl_socket *nl, struct warp_htable *t, int remove,
    int dry_run, struct warp_hrun *run, struct warp_err *err)
{
	struct warp_buf	 want;
	const char	*fam = t->family == NFPROTO_INET ? "inet" : "ip";
	int		 ret;

	if (remove) {
		if (!t->present) {
			warp_hplan(run, "nftables table %s %s: absent", fam,
			    t->name);
			return (0);
		}
		warp_hplan(run, "remove nftables table %s %s", fam, t->name);
	} else {
		warp_buf_init(&want);
		warp_htable_want(t, &want);
		ret = t->present && t->have.len == want.len &&
		    memcmp(t->have.data, want.data, want.len) == 0;
		warp_buf_free(&want);
		if (ret) {
			warp_hplan(run, "nftables table %s %s: unchanged (%zu "
			    "rules)", fam, t->name, t->nrules);
			return (0);
		}
		warp_hplan(run, "%s nftables table %s %s (%zu rules)",
		    t->present ? "replace" : "create", fam, t->name, t->nrules);
	}
	if (dry_run) {	/* what warp_hnft_send would send */
		*run->sent += remove ? 1 : 3 + t->nchains + t->nrules;
		return (0);
	}
	return (warp_hnft_send(nl, t, remove, run, err));
}

static int
warp_hnft_sync(struct warp_htable *t, int remove, struct warp_hrun *run,
    struct warp_err *err)
{
	struct mnl_socket	*nl = NULL;
	int			 ret = -1;

	if (warp_hnft_read(&nl, t, err) == 0)
		ret = warp_hnft_apply(nl, t, remove, 0, run, err);
	if (nl != NULL)
		mnl_socket_close(nl);
	return (ret);
}

/* ------------------------------------------------------------ forwarding */

/* A gateway forwards; /proc/sys is the kernel's interface for it. */
static int
warp_host_forward(struct warp_hrun *run, struct warp_err *err)
{
	char	c = '0';
	int	fd;

	if ((fd = open(WARP_HOST_FORWARD, O_RDWR | O_CLOEXEC)) == -1)
		return (warp_err_system(err, "%s: %s", WARP_HOST_FORWARD,
		    strerror(errno)));
	if (read(fd, &c, 1) == 1 && c == '1') {
		close(fd);
		warp_hplan(run, "net.ipv4.ip_forward: 1 (unchanged)");
		return (0);
	}
	warp_hplan(run, "change net.ipv4.ip_forward = 1");
	(*run->sent)++;
	if (pwrite(fd, "1\n", 2, 0) != 2) {
		close(fd);
		return (warp_err_system(err, "write %s: %s", WARP_HOST_FORWARD,
		    strerror(errno)));
	}
	close(fd);
	return (0);
}

int
warp_host_firewall(const struct warp_host_fw *fw, int remove,
    struct warp_buf *plan, uint64_t *sent, struct warp_err *err)
{
	struct warp_htable	t;
	struct warp_hrun	run = { plan, sent };
	int			ret;

	*sent = 0;
	if (!remove && (fw->ssh_port == 0 || fw->port_min == 0 ||
	    fw->port_max < fw->port_min))
		return (warp_err_input(err, "host firewall: invalid ports "
		    "(SSH %u, pool %u-%u)", (unsigned)fw->ssh_port,
		    (unsigned)fw->port_min, (unsigned)fw->port_max));
	memset(&t, 0, sizeof(t));
	warp_host_policy(&t, fw);
	ret = warp_hnft_sync(&t, remove, &run, err);
	warp_htable_free(&t);
	if (ret == 0 && !remove)
		ret = warp_host_forward(&run, err);
	warp_hplan(&run, "sent %llu", (unsigned long long)*sent);
	return (ret == 0 ? 0 : -1);
}

/* The SSH port of warp-firewall's table, from its rule's comment; 0: none. */
static uint16_t
warp_host_ssh_port(const struct warp_buf *have)
{
	const char	*p, *end = have->data + have->len, *eol;
	char		 line[WARP_HOST_COMMENTLEN + 16], what[8];
	unsigned	 port;
	size_t		 n;

	for (p = have->data; p != NULL && p < end; p = eol) {
		eol = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((eol != NULL ? eol++ : end) - p);
		if (n >= sizeof(line))
			continue;
		memcpy(line, p, n);
		line[n] = '\0';
		if (sscanf(line, "rule input tcp dport %u accept %7s", &port,
		    what) == 2 && strcmp(what, "(SSH)") == 0 && port >= 1 &&
		    port <= 65535)
			return ((uint16_t)port);
	}
	return (0);
}

/*
 * The reconciler's part (every full apply): where table inet warp_host
 * is (deploy.sh's warp-firewall made it), keep its WireGuard port pool
 * rule on the database's pool, so a pool changed from the web admin or
 * the CLI is open without a restart of warp-firewall.  The SSH port is
 * the table's own, read from its rule's comment (root wrote it; the
 * database, which a worker can write, does not name it).  No table, or
 * no SSH rule of ours in it: nothing is sent.  Since a worker can write
 * the pool, the apply never opens a port below 1024 this way (a pool
 * reaching there is reported and the table left as it is; an admin who
 * wants one runs `warpctl host-firewall` as root).  One atomic replacement,
 * as warp-firewall makes it, so the host is never open or shut between.
 */
int
warp_host_firewall_pool(uint16_t port_min, uint16_t port_max, int dry_run,
    struct warp_buf *plan, uint64_t *sent, struct warp_err *err)
{
	struct warp_htable	 t;
	struct warp_hrun	 run = { plan, sent };
	struct warp_host_fw	 fw = { 0, port_min, port_max };
	struct mnl_socket	*nl = NULL;
	int			 ret = -1;

	*sent = 0;
	memset(&t, 0, sizeof(t));
	t.family = NFPROTO_INET;
	t.name = WARP_HOST_TABLE;
	if (warp_hnft_read(&nl, &t, err) == -1)
		goto out;
	ret = 0;
	if (!t.present)
		goto out;
	fw.ssh_port = warp_host_ssh_port(&t.have);
	if (port_min < WARP_HOST_POOL_LOWEST && port_max >= port_min) {
		/* The pool is worker-writable: never a system service's port. */
		warp_hplan(&run, "  failed: host firewall: the port pool "
		    "%u-%u reaches below %u; table inet %s left as it is",
		    (unsigned)port_min, (unsigned)port_max,
		    (unsigned)WARP_HOST_POOL_LOWEST, WARP_HOST_TABLE);
		goto out;
	}
	if (fw.ssh_port == 0 || port_min == 0 || port_max < port_min) {
		warp_hplan(&run, "nftables table inet %s: no SSH rule of "
		    "warp-firewall's, or no port pool; left alone",
		    WARP_HOST_TABLE);
		goto out;
	}
	warp_host_policy(&t, &fw);	/* t.have stays what was read */
	ret = warp_hnft_apply(nl, &t, 0, dry_run, &run, err);
out:
	if (nl != NULL)
		mnl_socket_close(nl);
	warp_htable_free(&t);
	return (ret);
}

/* ------------------------------------------------------------ dev uplink */

static int
warp_hnl_open(struct nl_sock **sk, struct warp_err *err)
{
	int	e;

	if ((*sk = nl_socket_alloc()) == NULL)
		warp_fatal("nl_socket_alloc");
	if ((e = nl_connect(*sk, NETLINK_ROUTE)) < 0) {
		nl_socket_free(*sk);
		*sk = NULL;
		return (warp_err_system(err, "rtnetlink: %s", nl_geterror(e)));
	}
	return (0);
}

static int
warp_hnl_up(struct nl_sock *sk, struct rtnl_link *l, struct warp_hrun *run)
{
	struct rtnl_link	*chg;
	int			 e;

	if (rtnl_link_get_flags(l) & IFF_UP)
		return (0);
	warp_hplan(run, "change %s: up", rtnl_link_get_name(l));
	(*run->sent)++;
	if ((chg = rtnl_link_alloc()) == NULL)
		warp_fatal("rtnl_link_alloc");
	rtnl_link_set_flags(chg, IFF_UP);
	e = rtnl_link_change(sk, l, chg, 0);
	rtnl_link_put(chg);
	return (e);
}

/* Address ADDR/LEN (host order) on ifindex unless it is there. */
static int
warp_hnl_addr(struct nl_sock *sk, int ifindex, const char *ifname,
    uint32_t addr, int len, struct warp_hrun *run)
{
	struct nl_cache		*cache = NULL;
	struct nl_object	*o;
	struct rtnl_addr	*a;
	struct nl_addr		*local;
	uint32_t		 n = htonl(addr);
	char			 txt[INET_ADDRSTRLEN];
	int			 e, found = 0;

	if ((e = rtnl_addr_alloc_cache(sk, &cache)) < 0)
		return (e);
	for (o = nl_cache_get_first(cache); o != NULL && !found;
	    o = nl_cache_get_next(o)) {
		a = (struct rtnl_addr *)o;
		local = rtnl_addr_get_local(a);
		found = rtnl_addr_get_ifindex(a) == ifindex &&
		    rtnl_addr_get_family(a) == AF_INET && local != NULL &&
		    nl_addr_get_len(local) == 4 &&
		    memcmp(nl_addr_get_binary_addr(local), &n, 4) == 0 &&
		    rtnl_addr_get_prefixlen(a) == len;
	}
	nl_cache_free(cache);
	if (found)
		return (0);
	(void)inet_ntop(AF_INET, &n, txt, sizeof(txt));
	warp_hplan(run, "create address %s/%d on %s", txt, len, ifname);
	(*run->sent)++;
	if ((a = rtnl_addr_alloc()) == NULL ||
	    (local = nl_addr_build(AF_INET, &n, 4)) == NULL)
		warp_fatal("rtnl_addr_alloc");
	nl_addr_set_prefixlen(local, len);
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_local(a, local);
	rtnl_addr_set_prefixlen(a, len);
	e = rtnl_addr_add(sk, a, 0);
	nl_addr_put(local);
	rtnl_addr_put(a);
	return (e);
}

/* The pair, created with its peer end already in the namespace. */
static int
warp_hnl_veth(struct nl_sock *sk, const struct warp_host_uplink *u,
    struct warp_hrun *run, struct warp_err *err)
{
	struct rtnl_link	*l = NULL, *peer;
	char			 path[PATH_MAX];
	int			 e, nsfd = -1, ret = -1;

	if ((e = rtnl_link_get_kernel(sk, 0, WARP_DEV_HOST_IF, &l)) == 0)
		goto present;
	warp_hplan(run, "create veth %s, peer %s in namespace %s",
	    WARP_DEV_HOST_IF, WARP_DEV_NS_IF, u->netns);
	(*run->sent)++;
	(void)snprintf(path, sizeof(path), "/run/netns/%s", u->netns);
	if ((nsfd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		warp_err_system(err, "open %s: %s", path, strerror(errno));
		goto out;
	}
	if ((l = rtnl_link_veth_alloc()) == NULL)
		warp_fatal("rtnl_link_veth_alloc");
	rtnl_link_set_name(l, WARP_DEV_HOST_IF);
	peer = rtnl_link_veth_get_peer(l);
	rtnl_link_set_name(peer, WARP_DEV_NS_IF);
	rtnl_link_set_ns_fd(peer, nsfd);
	e = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(peer);
	rtnl_link_put(l);
	l = NULL;
	if (e < 0 || (e = rtnl_link_get_kernel(sk, 0, WARP_DEV_HOST_IF,
	    &l)) < 0) {
		warp_err_system(err, "create veth %s: %s", WARP_DEV_HOST_IF,
		    nl_geterror(e));
		goto out;
	}
present:
	if ((e = warp_hnl_addr(sk, rtnl_link_get_ifindex(l), WARP_DEV_HOST_IF,
	    WARP_DEV_HOST_ADDR, WARP_DEV_PREFIXLEN, run)) < 0 ||
	    (e = warp_hnl_up(sk, l, run)) < 0) {
		warp_err_system(err, "%s: %s", WARP_DEV_HOST_IF,
		    nl_geterror(e));
		goto out;
	}
	ret = 0;
out:
	if (l != NULL)
		rtnl_link_put(l);
	if (nsfd != -1)
		close(nsfd);
	return (ret);
}

/* Inside the namespace: lo and uplink0 up, its address, default route. */
static int
warp_hnl_inside(const struct warp_host_uplink *u, struct warp_hrun *run,
    struct warp_err *err)
{
	struct nl_sock		*sk = NULL;
	struct rtnl_link	*lo = NULL, *l = NULL;
	struct nl_cache		*routes = NULL;
	struct nl_object	*o;
	struct rtnl_route	*rt;
	struct rtnl_nexthop	*nh;
	struct nl_addr		*dst, *gw;
	uint32_t		 ngw = htonl(WARP_DEV_HOST_ADDR);
	int			 saved, e, found = 0, ret = -1;

	if (warp_netns_enter(u->netns, 0, &saved, err) == -1)
		return (-1);
	if (warp_hnl_open(&sk, err) == -1)
		goto out;
	if ((e = rtnl_link_get_kernel(sk, 0, "lo", &lo)) < 0 ||
	    (e = warp_hnl_up(sk, lo, run)) < 0 ||
	    (e = rtnl_link_get_kernel(sk, 0, WARP_DEV_NS_IF, &l)) < 0 ||
	    (e = warp_hnl_addr(sk, rtnl_link_get_ifindex(l), WARP_DEV_NS_IF,
	    WARP_DEV_PEER_ADDR, WARP_DEV_PREFIXLEN, run)) < 0 ||
	    (e = warp_hnl_up(sk, l, run)) < 0 ||
	    (e = rtnl_route_alloc_cache(sk, AF_INET, 0, &routes)) < 0) {
		warp_err_system(err, "namespace %s: %s: %s", u->netns,
		    l == NULL ? "lo or " WARP_DEV_NS_IF : WARP_DEV_NS_IF,
		    nl_geterror(e));
		goto out;
	}
	for (o = nl_cache_get_first(routes); o != NULL && !found;
	    o = nl_cache_get_next(o)) {
		rt = (struct rtnl_route *)o;
		found = rtnl_route_get_table(rt) == RT_TABLE_MAIN &&
		    nl_addr_get_prefixlen(rtnl_route_get_dst(rt)) == 0;
	}
	if (!found) {
		warp_hplan(run, "create default route via 10.231.255.1 in "
		    "namespace %s", u->netns);
		(*run->sent)++;
		if ((rt = rtnl_route_alloc()) == NULL ||
		    (nh = rtnl_route_nh_alloc()) == NULL ||
		    (dst = nl_addr_build(AF_INET, NULL, 0)) == NULL ||
		    (gw = nl_addr_build(AF_INET, &ngw, 4)) == NULL)
			warp_fatal("rtnl_route_alloc");
		rtnl_route_set_family(rt, AF_INET);
		rtnl_route_set_table(rt, RT_TABLE_MAIN);
		rtnl_route_set_dst(rt, dst);
		rtnl_route_nh_set_gateway(nh, gw);
		rtnl_route_nh_set_ifindex(nh, rtnl_link_get_ifindex(l));
		rtnl_route_add_nexthop(rt, nh);
		e = rtnl_route_add(sk, rt, NLM_F_CREATE | NLM_F_EXCL);
		nl_addr_put(dst);
		nl_addr_put(gw);
		rtnl_route_put(rt);
		if (e < 0) {
			warp_err_system(err, "namespace %s: default route: %s",
			    u->netns, nl_geterror(e));
			goto out;
		}
	}
	ret = 0;
out:
	if (routes != NULL)
		nl_cache_free(routes);
	if (lo != NULL)
		rtnl_link_put(lo);
	if (l != NULL)
		rtnl_link_put(l);
	if (sk != NULL)
		nl_socket_free(sk);
	warp_netns_leave(saved);
	return (ret);
}

/* The pair (its peer goes with it) and the namespace. */
static int
warp_hnl_remove(const struct warp_host_uplink *u, struct warp_hrun *run,
    struct warp_err *err)
{
	struct nl_sock		*sk;
	struct rtnl_link	*l;
	int			 e = 0;

	if (warp_hnl_open(&sk, err) == -1)
		return (-1);
	if (rtnl_link_get_kernel(sk, 0, WARP_DEV_HOST_IF, &l) == 0) {
		warp_hplan(run, "remove veth %s", WARP_DEV_HOST_IF);
		(*run->sent)++;
		e = rtnl_link_delete(sk, l);
		rtnl_link_put(l);
	}
	nl_socket_free(sk);
	if (e < 0)
		return (warp_err_system(err, "remove %s: %s", WARP_DEV_HOST_IF,
		    nl_geterror(e)));
	if (warp_netns_exists(u->netns)) {
		warp_hplan(run, "remove network namespace %s", u->netns);
		(*run->sent)++;
		if (warp_netns_delete(u->netns, err) == -1)
			return (-1);
	}
	return (0);
}

int
warp_host_uplink(const struct warp_host_uplink *u, int remove,
    struct warp_buf *plan, uint64_t *sent, struct warp_err *err)
{
	struct warp_htable	 t;
	struct warp_hrun	 run = { plan, sent };
	struct nl_sock		*sk = NULL;
	int			 saved, ret = -1;

	*sent = 0;
	if (!remove && (u->port_min == 0 || u->port_max < u->port_min))
		return (warp_err_input(err, "dev uplink: invalid port pool "
		    "%u-%u", (unsigned)u->port_min, (unsigned)u->port_max));
	if (u->netns == NULL || u->netns[0] == '\0')
		return (warp_err_input(err, "dev uplink: a network namespace "
		    "is needed (the gateway's, not the host's own)"));
	/* Entering checks the name; an absent namespace is made below. */
	if (warp_netns_enter(u->netns, 0, &saved, err) == -1 &&
	    err->kind != WARP_ENOTFOUND)
		return (-1);
	warp_netns_leave(saved);
	memset(&t, 0, sizeof(t));
	warp_dev_policy(&t, u);
	if (remove) {
		if (warp_hnft_sync(&t, 1, &run, err) == 0 &&
		    warp_hnl_remove(u, &run, err) == 0)
			ret = 0;
		goto out;
	}
	if (!warp_netns_exists(u->netns)) {
		warp_hplan(&run, "create network namespace %s", u->netns);
		(*run.sent)++;
		if (warp_netns_enter(u->netns, 1, &saved, err) == -1)
			goto out;
		warp_netns_leave(saved);
	}
	if (warp_hnl_open(&sk, err) == -1 ||
	    warp_hnl_veth(sk, u, &run, err) == -1 ||
	    warp_hnl_inside(u, &run, err) == -1 ||
	    warp_host_forward(&run, err) == -1 ||
	    warp_hnft_sync(&t, 0, &run, err) == -1)
		goto out;
	ret = 0;
out:
	if (sk != NULL)
		nl_socket_free(sk);
	warp_htable_free(&t);
	warp_hplan(&run, "sent %llu", (unsigned long long)*sent);
	return (ret);
}
