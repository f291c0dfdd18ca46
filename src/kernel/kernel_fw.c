/*
 * nftables through libnftnl: the appliance's own table, inet warp, and
 * nothing else.  The whole desired table is built in memory, compared
 * chain by chain with what the kernel has (each rule carries its own
 * description as its comment) and set element by set element
 * (kernel_fwset.c); only chains that differ are flushed and refilled,
 * only elements that differ are added or deleted, all in one atomic
 * batch: either the new ruleset is in place or the old one still is.
 *
 * Shape of the table (see also kernel_types.c): a bounded number of
 * rules per network, and per packet, whatever the number of networks.
 *   chain forward     filter hook forward: iifname vmap @nets_from (a
 *                     network's VRF device, as iifname is in the forward
 *                     hook, or its WireGuard device: jump <wg>_from),
 *                     then oifname vmap @nets_to (jump <wg>_to);
 *   chain input       filter hook input: a network reaches only its own
 *                     gateway address on this host (iifname . ip daddr
 *                     @gw_in accept, iifname @nets_in drop);
 *   chain postrouting nat hook postrouting: Secure Internet subnets
 *                     (@si_nat) masqueraded on the uplink;
 *   chains <wg>_from, <wg>_to: what the network type allows, then drop;
 *                     other networks' prefixes are the one set @owned, a
 *                     resource gateway's resources its own set @<wg>_res.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "warp.h"
#include "warp_kernel.h"
#include "warp_kernel_int.h"

#define WARP_FW_MAXMSG		16384	/* messages in one batch */

static size_t	warp_fw_hash(const char *);
static void	warp_fw_chash_add(struct warp_fw_build *, size_t);
static struct warp_fw_chain *warp_fw_chain_get(struct warp_fw_build *,
		    const char *, int);
static void	warp_fw_comment(struct warp_fw_rule *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	warp_fw_expr_meta(struct nftnl_rule *, uint32_t);
static void	warp_fw_expr_cmp(struct nftnl_rule *, uint32_t, const void *,
		    uint32_t);
static void	warp_fw_build_all(struct warp_kctx *);
static int	warp_fw_read(struct warp_kctx *, struct mnl_socket *,
		    struct warp_err *);
static int	warp_fw_table_cb(const struct nlmsghdr *, void *);
static int	warp_fw_chain_cb(const struct nlmsghdr *, void *);
static int	warp_fw_rule_cb(const struct nlmsghdr *, void *);
static int	warp_fw_fill_table(struct warp_kctx *, struct warp_fw_batch *);
static void	warp_fw_fill_flush(struct warp_kctx *, struct warp_fw_batch *);
static void	warp_fw_fill_chains_del(struct warp_kctx *,
		    struct warp_fw_batch *);
static void	warp_fw_expr_lookup(struct warp_kctx *, const char *, int);
static void	warp_fw_expr_payload(struct nftnl_rule *, uint32_t, uint32_t);
static void	warp_fw_expr_ipv4(struct warp_fw_rule *);
static void	warp_fw_build_dispatch(struct warp_kctx *);
static void	warp_fw_build_owned(struct warp_kctx *, struct warp_knet *);
static int	warp_fw_chains_diff(struct warp_fw_build *);
static int	warp_fw_rule_names_set(const struct warp_fw_rule *,
		    const char *);
static void	warp_fw_fill_chains(struct warp_kctx *, struct warp_fw_batch *);
static void	warp_fw_fill_rules(struct warp_kctx *, struct warp_fw_batch *);
static int	warp_fw_batch_send(struct warp_kctx *, struct mnl_socket *,
		    struct warp_fw_batch *, int *, char *, size_t);
static void	warp_fw_build_free(struct warp_fw_build *);

void
warp_fw_chain_name(const struct warp_knet *kn, const char *suffix, char *buf,
    size_t len)
{
	(void)snprintf(buf, len, "%s_%s", kn->net.if_wg, suffix);
}

/* FNV-1a: chains are found by name, thousands of times per apply. */
static size_t
warp_fw_hash(const char *name)
{
	size_t	h = 2166136261u;

	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return (h);
}

/* The chain index, open addressing (slot: chain index + 1), kept < 1/2 full. */
static void
warp_fw_chash_add(struct warp_fw_build *fw, size_t idx)
{
	size_t	h, i;

	if (fw->nchains * 2 > fw->chashsz) {
		free(fw->chash);
		fw->chashsz = fw->chashsz == 0 ? 64 : fw->chashsz * 4;
		fw->chash = warp_xcalloc(fw->chashsz, sizeof(*fw->chash));
		for (i = 0; i < fw->nchains; i++)
			if (i != idx)
				warp_fw_chash_add(fw, i);
	}
	h = warp_fw_hash(fw->chains[idx].name) & (fw->chashsz - 1);
	while (fw->chash[h] != 0)
		h = (h + 1) & (fw->chashsz - 1);
	fw->chash[h] = idx + 1;
}

static struct warp_fw_chain *
warp_fw_chain_get(struct warp_fw_build *fw, const char *name, int create)
{
	struct warp_fw_chain	*c;
	size_t			 h;

	if (fw->chashsz > 0) {
		h = warp_fw_hash(name) & (fw->chashsz - 1);
		for (; fw->chash[h] != 0; h = (h + 1) & (fw->chashsz - 1))
			if (strcmp(fw->chains[fw->chash[h] - 1].name,
			    name) == 0)
				return (&fw->chains[fw->chash[h] - 1]);
	}
	if (!create)
		return (NULL);
	if ((fw->nchains & (fw->nchains - 1)) == 0) {
		fw->chains = reallocarray(fw->chains, fw->nchains == 0 ? 1 :
		    fw->nchains * 2, sizeof(*fw->chains));
		if (fw->chains == NULL)
			warp_fatal("reallocarray");
	}
	c = &fw->chains[fw->nchains++];
	memset(c, 0, sizeof(*c));
	(void)snprintf(c->name, sizeof(c->name), "%s", name);
	c->net = fw->cur_net;
	warp_fw_chash_add(fw, fw->nchains - 1);
	return (c);
}

static void
warp_fw_comment(struct warp_fw_rule *fr, const char *fmt, ...)
{
	va_list	ap;
	size_t	n = strlen(fr->comment);

	if (n >= sizeof(fr->comment) - 1)
		return;
	if (n > 0)
		fr->comment[n++] = ' ';
	va_start(ap, fmt);
	(void)vsnprintf(fr->comment + n, sizeof(fr->comment) - n, fmt, ap);
	va_end(ap);
}

static void
warp_fw_expr_meta(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr	*e;

	if ((e = nftnl_expr_alloc("meta")) == NULL)
		warp_fatal("nftnl_expr_alloc");
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
}

static void
warp_fw_expr_cmp(struct nftnl_rule *r, uint32_t op, const void *data,
    uint32_t len)
{
	struct nftnl_expr	*e;

	if ((e = nftnl_expr_alloc("cmp")) == NULL)
		warp_fatal("nftnl_expr_alloc");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	nftnl_rule_add_expr(r, e);
}

void
warp_fw_rule(struct warp_kctx *ctx, const char *chain)
{
	struct warp_fw_build	*fw = ctx->fw;
	struct warp_fw_chain	*c;
	struct warp_fw_rule	*fr;

	c = warp_fw_chain_get(fw, chain, 1);
	if ((c->nrules & (c->nrules - 1)) == 0) {
		c->rules = reallocarray(c->rules, c->nrules == 0 ? 1 :
		    c->nrules * 2, sizeof(*c->rules));
		if (c->rules == NULL)
			warp_fatal("reallocarray");
	}
	c->rules[c->nrules++] = fw->nrules;
	if ((fw->nrules & (fw->nrules - 1)) == 0) {
		fw->rules = reallocarray(fw->rules, fw->nrules == 0 ? 1 :
		    fw->nrules * 2, sizeof(*fw->rules));
		if (fw->rules == NULL)
			warp_fatal("reallocarray");
	}
	fr = &fw->rules[fw->nrules++];
	memset(fr, 0, sizeof(*fr));
	(void)snprintf(fr->chain, sizeof(fr->chain), "%s", chain);
	fr->net = fw->cur_net;
	if ((fr->r = nftnl_rule_alloc()) == NULL)
		warp_fatal("nftnl_rule_alloc");
	nftnl_rule_set_str(fr->r, NFTNL_RULE_TABLE, WARP_NFT_TABLE);
	nftnl_rule_set_str(fr->r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(fr->r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	fw->cur = fr;
}

void
warp_fw_r_ifname(struct warp_kctx *ctx, int dir, int neg, const char *name)
{
	struct warp_fw_rule	*fr = ctx->fw->cur;
	char			 ifname[WARP_IFNAMSIZ];

	memset(ifname, 0, sizeof(ifname));
	(void)snprintf(ifname, sizeof(ifname), "%s", name);
	warp_fw_expr_meta(fr->r, dir == WARP_FW_IN ? NFT_META_IIFNAME :
	    NFT_META_OIFNAME);
	warp_fw_expr_cmp(fr->r, neg ? NFT_CMP_NEQ : NFT_CMP_EQ, ifname,
	    sizeof(ifname));
	warp_fw_comment(fr, "%s %s%s", dir == WARP_FW_IN ? "iifname" :
	    "oifname", neg ? "!= " : "", ifname);
}

void
warp_fw_r_ip(struct warp_kctx *ctx, int which, int neg,
    const struct warp_cidr *c)
{
	struct warp_fw_rule	*fr = ctx->fw->cur;
	struct nftnl_expr	*e;
	uint32_t		 net, mask, zero = 0;
	char			 cidr[WARP_CIDR_STRLEN];

	warp_fw_expr_ipv4(fr);
	warp_cidr_format(c, cidr, sizeof(cidr));
	warp_fw_comment(fr, "ip %s %s%s", which == WARP_FW_SRC ? "saddr" :
	    "daddr", neg ? "!= " : "", cidr);
	if (c->len == 0)
		return;
	warp_fw_expr_payload(fr->r, which == WARP_FW_SRC ? 12 : 16, NFT_REG_1);
	mask = htonl(warp_cidr_mask(c->len));
	net = htonl(c->addr) & mask;
	if (c->len < 32) {
		if ((e = nftnl_expr_alloc("bitwise")) == NULL)
			warp_fatal("nftnl_expr_alloc");
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, 4);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
		nftnl_rule_add_expr(fr->r, e);
	}
	warp_fw_expr_cmp(fr->r, neg ? NFT_CMP_NEQ : NFT_CMP_EQ, &net, 4);
}

/* meta l4proto udp udp dport PORT (VXLAN between a network's sites). */
void
warp_fw_r_udp_dport(struct warp_kctx *ctx, uint16_t port)
{
	struct warp_fw_rule	*fr = ctx->fw->cur;
	struct nftnl_expr	*e;
	uint8_t			 proto = IPPROTO_UDP;
	uint16_t		 nport = htons(port);

	warp_fw_expr_meta(fr->r, NFT_META_L4PROTO);
	warp_fw_expr_cmp(fr->r, NFT_CMP_EQ, &proto, sizeof(proto));
	if ((e = nftnl_expr_alloc("payload")) == NULL)
		warp_fatal("nftnl_expr_alloc");
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE,
	    NFT_PAYLOAD_TRANSPORT_HEADER);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, 2);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, 2);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_rule_add_expr(fr->r, e);
	warp_fw_expr_cmp(fr->r, NFT_CMP_EQ, &nport, sizeof(nport));
	warp_fw_comment(fr, "udp dport %u", (unsigned)port);
}

void
warp_fw_r_ct_established(struct warp_kctx *ctx)
{
	struct warp_fw_rule	*fr = ctx->fw->cur;
	struct nftnl_expr	*e;
	uint32_t		 mask, zero = 0;

	mask = NF_CT_STATE_BIT(IP_CT_ESTABLISHED) |
	    NF_CT_STATE_BIT(IP_CT_RELATED);
	if ((e = nftnl_expr_alloc("ct")) == NULL)
		warp_fatal("nftnl_expr_alloc");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	nftnl_rule_add_expr(fr->r, e);
	if ((e = nftnl_expr_alloc("bitwise")) == NULL)
		warp_fatal("nftnl_expr_alloc");
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, 4);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
	nftnl_rule_add_expr(fr->r, e);
	warp_fw_expr_cmp(fr->r, NFT_CMP_NEQ, &zero, 4);
	warp_fw_comment(fr, "ct state established,related");
}

void
warp_fw_r_verdict(struct warp_kctx *ctx, int verdict, const char *chain)
{
	struct warp_fw_rule	*fr = ctx->fw->cur;
	struct nftnl_expr	*e;

	if ((e = nftnl_expr_alloc("immediate")) == NULL)
		warp_fatal("nftnl_expr_alloc");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, verdict);
	if (verdict == NFT_JUMP || verdict == NFT_GOTO)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
	nftnl_rule_add_expr(fr->r, e);
	switch (verdict) {
	case NF_ACCEPT:
		warp_fw_comment(fr, "accept");
		break;
	case NF_DROP:
		warp_fw_comment(fr, "drop");
		break;
	default:
		warp_fw_comment(fr, "%s %s", verdict == NFT_JUMP ? "jump" :
		    "goto", chain);
		break;
	}
}

void
warp_fw_r_masquerade(struct warp_kctx *ctx)
{
	struct warp_fw_rule	*fr = ctx->fw->cur;
	struct nftnl_expr	*e;

	if ((e = nftnl_expr_alloc("masq")) == NULL)
		warp_fatal("nftnl_expr_alloc");
	nftnl_rule_add_expr(fr->r, e);
	warp_fw_comment(fr, "masquerade");
}

/* lookup reg 1 in the named set (a verdict map: its verdict decides). */
static void
warp_fw_expr_lookup(struct warp_kctx *ctx, const char *set, int dir)
{
	struct warp_fw_rule	*fr = ctx->fw->cur;
	struct nftnl_expr	*e;
	uint32_t		 flags;

	if (warp_fw_set_flags(ctx->fw, set, &flags) == -1)
		warp_fatal("warp_fw_expr_lookup: no set %s", set);
	if ((e = nftnl_expr_alloc("lookup")) == NULL)
		warp_fatal("nftnl_expr_alloc");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	if (flags & NFT_SET_MAP)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
	nftnl_rule_add_expr(fr->r, e);
	if (dir >= 0)
		warp_fw_comment(fr, "%s %s@%s", dir == WARP_FW_IN ?
		    "iifname" : "oifname", (flags & NFT_SET_MAP) ? "vmap " : "",
		    set);
}

static void
warp_fw_expr_payload(struct nftnl_rule *r, uint32_t off, uint32_t dreg)
{
	struct nftnl_expr	*e;

	if ((e = nftnl_expr_alloc("payload")) == NULL)
		warp_fatal("nftnl_expr_alloc");
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE,
	    NFT_PAYLOAD_NETWORK_HEADER);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, 4);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	nftnl_rule_add_expr(r, e);
}

static void
warp_fw_expr_ipv4(struct warp_fw_rule *fr)
{
	uint8_t	proto = NFPROTO_IPV4;

	if (fr->has_nfproto)
		return;
	warp_fw_expr_meta(fr->r, NFT_META_NFPROTO);
	warp_fw_expr_cmp(fr->r, NFT_CMP_EQ, &proto, sizeof(proto));
	fr->has_nfproto = 1;
}

/* ip saddr|daddr @set */
void
warp_fw_r_ip_set(struct warp_kctx *ctx, int which, const char *set)
{
	struct warp_fw_rule	*fr = ctx->fw->cur;

	warp_fw_expr_ipv4(fr);
	warp_fw_expr_payload(fr->r, which == WARP_FW_SRC ? 12 : 16,
	    NFT_REG_1);
	warp_fw_expr_lookup(ctx, set, -1);
	warp_fw_comment(fr, "ip %s @%s", which == WARP_FW_SRC ? "saddr" :
	    "daddr", set);
}

/* iifname|oifname @set, or iifname|oifname vmap @map */
void
warp_fw_r_ifname_set(struct warp_kctx *ctx, int dir, const char *set)
{
	warp_fw_expr_meta(ctx->fw->cur->r, dir == WARP_FW_IN ?
	    NFT_META_IIFNAME : NFT_META_OIFNAME);
	warp_fw_expr_lookup(ctx, set, dir);
}

/* iifname . ip daddr @set: the name fills reg 1, the address reg 2. */
void
warp_fw_r_ifaddr_set(struct warp_kctx *ctx, const char *set)
{
	struct warp_fw_rule	*fr = ctx->fw->cur;

	warp_fw_expr_ipv4(fr);
	warp_fw_expr_meta(fr->r, NFT_META_IIFNAME);
	warp_fw_expr_payload(fr->r, 16, NFT_REG_2);
	warp_fw_expr_lookup(ctx, set, -1);
	warp_fw_comment(fr, "iifname . ip daddr @%s", set);
}

static void
warp_fw_base(struct warp_fw_build *fw, const char *name, const char *type,
    uint32_t hook, int32_t prio)
{
	struct warp_fw_chain	*c;

	c = warp_fw_chain_get(fw, name, 1);
	c->type = type;
	c->hook = hook;
	c->prio = prio;
	c->net = -1;
}

/*
 * The base chains' rules, one of each whatever the number of networks,
 * and each network's elements of the dispatch sets.
 */
static void
warp_fw_build_dispatch(struct warp_kctx *ctx)
{
	struct warp_fw_build	*fw = ctx->fw;
	struct warp_knet	*kn;
	char			 from[WARP_FW_CHAINLEN], to[WARP_FW_CHAINLEN];
	size_t			 i;

	warp_fw_rule(ctx, "forward");
	warp_fw_r_ifname_set(ctx, WARP_FW_IN, "nets_from");
	warp_fw_rule(ctx, "forward");
	warp_fw_r_ifname_set(ctx, WARP_FW_OUT, "nets_to");
	/* A network reaches only its own gateway address on this host. */
	warp_fw_rule(ctx, "input");
	warp_fw_r_ifaddr_set(ctx, "gw_in");
	warp_fw_r_verdict(ctx, NF_ACCEPT, NULL);
	warp_fw_rule(ctx, "input");
	warp_fw_r_ifname_set(ctx, WARP_FW_IN, "nets_in");
	warp_fw_r_verdict(ctx, NF_DROP, NULL);
	if (ctx->cfg.uplink[0] != '\0') {
		warp_fw_rule(ctx, "postrouting");
		warp_fw_r_ifname(ctx, WARP_FW_OUT, 0, ctx->cfg.uplink);
		warp_fw_r_ip_set(ctx, WARP_FW_SRC, "si_nat");
		warp_fw_r_masquerade(ctx);
	}
	for (i = 0; i < ctx->nnets; i++) {
		kn = &ctx->nets[i];
		fw->cur_net = (int)i;
		warp_fw_chain_name(kn, "from", from, sizeof(from));
		warp_fw_chain_name(kn, "to", to, sizeof(to));
		(void)warp_fw_chain_get(fw, from, 1);
		(void)warp_fw_chain_get(fw, to, 1);
		/* In the forward hook iifname is the VRF; should the kernel
		 * ever report the slave, same chain. */
		warp_fw_set_ifname(ctx, "nets_from", kn->net.if_vrf, from);
		warp_fw_set_ifname(ctx, "nets_from", kn->net.if_wg, from);
		warp_fw_set_ifname(ctx, "nets_to", kn->net.if_wg, to);
		warp_fw_set_ifname(ctx, "nets_to", kn->net.if_vrf, to);
		warp_fw_set_ifname(ctx, "nets_in", kn->net.if_vrf, NULL);
		warp_fw_set_ifname(ctx, "nets_in", kn->net.if_wg, NULL);
		warp_fw_set_ifaddr(ctx, "gw_in", kn->net.if_vrf,
		    htonl(kn->net.gateway_ip));
		warp_fw_set_ifaddr(ctx, "gw_in", kn->net.if_wg,
		    htonl(kn->net.gateway_ip));
		warp_fw_build_owned(ctx, kn);
	}
}

/* What a network owns: no other network may reach it. */
static void
warp_fw_build_owned(struct warp_kctx *ctx, struct warp_knet *kn)
{
	size_t	j, k;

	warp_fw_set_prefix(ctx, "owned", &kn->net.subnet);
	for (j = 0; j < kn->net.nresources; j++)
		warp_fw_set_prefix(ctx, "owned", &kn->net.resources[j]);
	for (j = 0; j < kn->npeers; j++)
		for (k = 1; k < kn->peers[j].nallowed; k++)
			warp_fw_set_prefix(ctx, "owned",
			    &kn->peers[j].allowed[k]);
}

/* The whole desired table. */
static void
warp_fw_build_all(struct warp_kctx *ctx)
{
	struct warp_fw_build	*fw = ctx->fw;
	struct warp_knet	*kn;
	char			 from[WARP_FW_CHAINLEN], to[WARP_FW_CHAINLEN];
	size_t			 i;

	fw->cur_net = -1;
	warp_fw_base(fw, "forward", "filter", NF_INET_FORWARD, 0);
	warp_fw_base(fw, "input", "filter", NF_INET_LOCAL_IN, 0);
	warp_fw_base(fw, "postrouting", "nat", NF_INET_POST_ROUTING, 100);
	warp_fw_sets_init(fw);
	warp_fw_build_dispatch(ctx);
	for (i = 0; i < ctx->nnets; i++) {
		kn = &ctx->nets[i];
		fw->cur_net = (int)i;
		warp_fw_chain_name(kn, "from", from, sizeof(from));
		warp_fw_chain_name(kn, "to", to, sizeof(to));
		if (kn->fw_closed) {
			/* Its rules failed: nothing passes rather than all. */
			warp_fw_rule(ctx, from);
			warp_fw_r_verdict(ctx, NF_DROP, NULL);
			warp_fw_rule(ctx, to);
			warp_fw_r_verdict(ctx, NF_DROP, NULL);
			continue;
		}
		kn->kt->fw_from(ctx, kn);
		kn->kt->fw_to(ctx, kn);
	}
	warp_fw_set_ranges(fw);
	fw->cur = NULL;
	fw->cur_net = -1;
}

/*
 * Dump tables, chains (all of them), rules or sets (of our table), or
 * the elements of one of our sets.
 */
int
warp_fw_dump(struct mnl_socket *nl, uint16_t type, const char *set,
    mnl_cb_t cb, void *arg)
{
	char			 buf[1024];	/* a table and a set name */
	struct nlmsghdr		*nlh;
	struct nftnl_rule	*r;
	struct nftnl_set	*s;

	nlh = nftnl_nlmsg_build_hdr(buf, type, NFPROTO_INET,
	    NLM_F_DUMP | NLM_F_ACK, (uint32_t)time(NULL));
	if (type == NFT_MSG_GETRULE) {
		if ((r = nftnl_rule_alloc()) == NULL)
			warp_fatal("nftnl_rule_alloc");
		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, WARP_NFT_TABLE);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nftnl_rule_free(r);
	} else if (type == NFT_MSG_GETSET || type == NFT_MSG_GETSETELEM) {
		if ((s = nftnl_set_alloc()) == NULL)
			warp_fatal("nftnl_set_alloc");
		nftnl_set_set_str(s, NFTNL_SET_TABLE, WARP_NFT_TABLE);
		if (set != NULL) {
			nftnl_set_set_str(s, NFTNL_SET_NAME, set);
			nftnl_set_elems_nlmsg_build_payload(nlh, s);
		} else
			nftnl_set_nlmsg_build_payload(nlh, s);
		nftnl_set_free(s);
	}
	/* kernel_send.c: every message checked to lie inside the reply. */
	return (warp_nft_dump(nl, nlh, cb, arg));
}

static int
warp_fw_table_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct warp_fw_build	*fw = arg;
	struct nftnl_table	*t;
	const char		*name;

	if ((t = nftnl_table_alloc()) == NULL)
		warp_fatal("nftnl_table_alloc");
	if (nftnl_table_nlmsg_parse(nlh, t) == 0 &&
	    (name = nftnl_table_get_str(t, NFTNL_TABLE_NAME)) != NULL &&
	    strcmp(name, WARP_NFT_TABLE) == 0)
		fw->table_present = 1;
	nftnl_table_free(t);
	return (MNL_CB_OK);
}

static int
warp_fw_chain_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct warp_fw_build	*fw = arg;
	struct warp_fw_chain	*c;
	struct nftnl_chain	*ch;
	const char		*table, *name, *type;

	if ((ch = nftnl_chain_alloc()) == NULL)
		warp_fatal("nftnl_chain_alloc");
	if (nftnl_chain_nlmsg_parse(nlh, ch) < 0 ||
	    (table = nftnl_chain_get_str(ch, NFTNL_CHAIN_TABLE)) == NULL ||
	    strcmp(table, WARP_NFT_TABLE) != 0 ||
	    (name = nftnl_chain_get_str(ch, NFTNL_CHAIN_NAME)) == NULL)
		goto out;
	c = warp_fw_have_chain(fw, name);
	if (nftnl_chain_is_set(ch, NFTNL_CHAIN_HOOKNUM)) {
		c->have_base = 1;
		c->have_hook = nftnl_chain_get_u32(ch, NFTNL_CHAIN_HOOKNUM);
		c->have_prio = nftnl_chain_get_s32(ch, NFTNL_CHAIN_PRIO);
		if ((type = nftnl_chain_get_str(ch, NFTNL_CHAIN_TYPE)) != NULL)
			(void)snprintf(c->have_type, sizeof(c->have_type), "%s",
			    type);
	}
out:
	nftnl_chain_free(ch);
	return (MNL_CB_OK);
}

/* A chain the kernel has: one of ours, or one to remove. */
struct warp_fw_chain *
warp_fw_have_chain(struct warp_fw_build *fw, const char *name)
{
	struct warp_fw_chain	*c;

	if ((c = warp_fw_chain_get(fw, name, 0)) == NULL) {
		fw->cur_net = -1;
		c = warp_fw_chain_get(fw, name, 1);
		c->stale = 1;
	}
	c->present = 1;
	return (c);
}

/* The next rule of a chain the kernel has, by its comment. */
void
warp_fw_have_rule(struct warp_fw_chain *c, const char *comment)
{
	c->have = reallocarray(c->have, c->nhave + 1, sizeof(*c->have));
	if (c->have == NULL)
		warp_fatal("reallocarray");
	c->have[c->nhave++] = warp_xstrdup(comment);
}

static int
warp_fw_rule_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct warp_fw_build	*fw = arg;
	struct warp_fw_chain	*c;
	struct nftnl_rule	*r;
	const char		*table, *chain, *comment;

	if ((r = nftnl_rule_alloc()) == NULL)
		warp_fatal("nftnl_rule_alloc");
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0 ||
	    (table = nftnl_rule_get_str(r, NFTNL_RULE_TABLE)) == NULL ||
	    strcmp(table, WARP_NFT_TABLE) != 0 ||
	    (chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN)) == NULL ||
	    (c = warp_fw_chain_get(fw, chain, 0)) == NULL)
		goto out;
	comment = warp_nft_rule_comment(r);
	/* A rule without our comment never matches: the chain is redone. */
	warp_fw_have_rule(c, comment != NULL ? comment : "");
out:
	nftnl_rule_free(r);
	return (MNL_CB_OK);
}

static int
warp_fw_read(struct warp_kctx *ctx, struct mnl_socket *nl,
    struct warp_err *err)
{
	int	e;

	if ((e = warp_fw_dump(nl, NFT_MSG_GETTABLE, NULL, warp_fw_table_cb,
	    ctx->fw)) < 0)
		return (warp_err_system(err, "nftables: read tables: %s",
		    strerror(-e)));
	if (!ctx->fw->table_present)
		return (0);
	if ((e = warp_fw_dump(nl, NFT_MSG_GETCHAIN, NULL, warp_fw_chain_cb,
	    ctx->fw)) < 0 ||
	    (e = warp_fw_dump(nl, NFT_MSG_GETRULE, NULL,
	    warp_fw_rule_cb, ctx->fw)) < 0 ||
	    (e = warp_fw_sets_read(ctx->fw, nl)) < 0)
		return (warp_err_system(err, "nftables: read table %s: %s",
		    WARP_NFT_TABLE, strerror(-e)));
	return (0);
}

/* Does one of the rule's matches name this set (@set, whole word)? */
static int
warp_fw_rule_names_set(const struct warp_fw_rule *fr, const char *set)
{
	const char	*p = fr->comment;
	size_t		 len = strlen(set);

	while ((p = strchr(p, '@')) != NULL) {
		p++;
		if (strncmp(p, set, len) == 0 && (p[len] == ' ' ||
		    p[len] == '\0'))
			return (1);
	}
	return (0);
}

static int
warp_fw_chains_diff(struct warp_fw_build *fw)
{
	struct warp_fw_chain	*c;
	size_t			 i, j;
	int			 n = 0, same;

	for (i = 0; i < fw->nchains; i++) {
		c = &fw->chains[i];
		if (c->stale || !c->present) {
			n++;
			continue;
		}
		if ((c->type != NULL) != c->have_base || (c->type != NULL &&
		    (c->hook != c->have_hook || c->prio != c->have_prio ||
		    strcmp(c->type, c->have_type) != 0))) {
			c->recreate = 1;
			n++;
			continue;
		}
		same = c->nrules == c->nhave;
		for (j = 0; j < c->nrules && same; j++)
			if (strcmp(c->have[j],
			    fw->rules[c->rules[j]].comment) != 0)
				same = 0;
		if (!same) {
			c->rewrite = 1;
			n++;
		}
	}
	return (n);
}

/*
 * Decide per chain and per set; a set made again takes the chains whose
 * rules name it with it (the kernel refuses to delete a set in use).
 */
int
warp_fw_diff(struct warp_kctx *ctx)
{
	struct warp_fw_build	*fw = ctx->fw;
	struct warp_fw_chain	*c;
	size_t			 i, j;
	int			 n;

	n = warp_fw_sets_diff(fw);
	n += warp_fw_chains_diff(fw);
	for (i = 0; i < fw->nsets; i++) {
		if (!fw->sets[i].recreate)
			continue;
		for (j = 0; j < fw->nrules; j++) {
			if (!warp_fw_rule_names_set(&fw->rules[j],
			    fw->sets[i].name))
				continue;
			c = warp_fw_chain_get(fw, fw->rules[j].chain, 0);
			if (c == NULL || !c->present || c->rewrite ||
			    c->recreate)
				continue;
			c->rewrite = 1;
			n++;
		}
		/* A kernel rule naming it that we no longer want sits in a
		 * chain that differs: rewritten already. */
	}
	return (n);
}

/*
 * The next message of the batch; NULL once the batch holds as many as it
 * may (fb->full is then set: the batch must not be sent, the firewall
 * fails and the kernel keeps its ruleset).
 */
struct nlmsghdr *
warp_fw_msg(struct warp_fw_batch *fb, uint16_t type, uint16_t flags, int net,
    const char *fmt, ...)
{
	struct nlmsghdr	*nlh;
	va_list		 ap;

	if (fb->nmsgs >= WARP_FW_MAXMSG) {
		fb->full = 1;
		return (NULL);
	}
	fb->msgs[fb->nmsgs].net = net;
	va_start(ap, fmt);
	(void)vsnprintf(fb->msgs[fb->nmsgs].what,
	    sizeof(fb->msgs[fb->nmsgs].what), fmt, ap);
	va_end(ap);
	fb->nmsgs++;
	nlh = nftnl_nlmsg_build_hdr(nftnl_batch_buffer(fb->b), type,
	    NFPROTO_INET, flags | NLM_F_ACK, fb->seq++);
	return (nlh);
}

/* Create or (no networks left) remove the table; 0: nothing more to do. */
static int
warp_fw_fill_table(struct warp_kctx *ctx, struct warp_fw_batch *fb)
{
	struct nftnl_table	*t;
	struct nlmsghdr		*nlh;
	int			 del = ctx->nnets == 0;

	if (del != ctx->fw->table_present)
		return (!del);
	warp_kplan(ctx, "%s nftables table inet %s", del ? "remove" : "create",
	    WARP_NFT_TABLE);
	if ((t = nftnl_table_alloc()) == NULL)
		warp_fatal("nftnl_table_alloc");
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, WARP_NFT_TABLE);
	if (del)
		nlh = warp_fw_msg(fb, NFT_MSG_DELTABLE, 0, -1, "remove table");
	else
		nlh = warp_fw_msg(fb, NFT_MSG_NEWTABLE, NLM_F_CREATE, -1,
		    "create table");
	if (nlh != NULL) {
		nftnl_table_nlmsg_build_payload(nlh, t);
		nftnl_batch_update(fb->b);
	}
	nftnl_table_free(t);
	return (!del);
}

/* Flush the chains that change or go. */
static void
warp_fw_fill_flush(struct warp_kctx *ctx, struct warp_fw_batch *fb)
{
	struct warp_fw_chain	*c;
	struct nftnl_rule	*r;
	struct nlmsghdr		*nlh;
	size_t			 i;

	for (i = 0; i < ctx->fw->nchains; i++) {
		c = &ctx->fw->chains[i];
		if (!c->present || !(c->stale || c->rewrite || c->recreate))
			continue;
		if (!c->stale)
			warp_kplan(ctx, "change nftables chain %s", c->name);
		if ((nlh = warp_fw_msg(fb, NFT_MSG_DELRULE, 0, c->net,
		    "flush chain %s", c->name)) == NULL)
			return;
		if ((r = nftnl_rule_alloc()) == NULL)
			warp_fatal("nftnl_rule_alloc");
		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, WARP_NFT_TABLE);
		nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, c->name);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nftnl_rule_free(r);
		nftnl_batch_update(fb->b);
	}
}

/* Delete the chains that go or are made again (flushed already). */
static void
warp_fw_fill_chains_del(struct warp_kctx *ctx, struct warp_fw_batch *fb)
{
	struct warp_fw_chain	*c;
	struct nftnl_chain	*ch;
	struct nlmsghdr		*nlh;
	size_t			 i;

	for (i = 0; i < ctx->fw->nchains; i++) {
		c = &ctx->fw->chains[i];
		if (!c->present || !(c->stale || c->recreate))
			continue;
		warp_kplan(ctx, "remove nftables chain %s", c->name);
		if ((nlh = warp_fw_msg(fb, NFT_MSG_DELCHAIN, 0, c->net,
		    "remove chain %s", c->name)) == NULL)
			return;
		if ((ch = nftnl_chain_alloc()) == NULL)
			warp_fatal("nftnl_chain_alloc");
		nftnl_chain_set_str(ch, NFTNL_CHAIN_TABLE, WARP_NFT_TABLE);
		nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, c->name);
		nftnl_chain_nlmsg_build_payload(nlh, ch);
		nftnl_chain_free(ch);
		nftnl_batch_update(fb->b);
	}
}

/* Create chains, regular ones first (jump targets). */
static void
warp_fw_fill_chains(struct warp_kctx *ctx, struct warp_fw_batch *fb)
{
	struct warp_fw_chain	*c;
	struct nftnl_chain	*ch;
	struct nlmsghdr		*nlh;
	size_t			 i;
	int			 pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < ctx->fw->nchains; i++) {
			c = &ctx->fw->chains[i];
			if (c->stale || (c->present && !c->recreate) ||
			    (c->type != NULL) != (pass == 1))
				continue;
			warp_kplan(ctx, "create nftables chain %s", c->name);
			if ((nlh = warp_fw_msg(fb, NFT_MSG_NEWCHAIN,
			    NLM_F_CREATE, c->net, "create chain %s",
			    c->name)) == NULL)
				return;
			if ((ch = nftnl_chain_alloc()) == NULL)
				warp_fatal("nftnl_chain_alloc");
			nftnl_chain_set_str(ch, NFTNL_CHAIN_TABLE,
			    WARP_NFT_TABLE);
			nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, c->name);
			if (c->type != NULL) {
				nftnl_chain_set_str(ch, NFTNL_CHAIN_TYPE,
				    c->type);
				nftnl_chain_set_u32(ch, NFTNL_CHAIN_HOOKNUM,
				    c->hook);
				nftnl_chain_set_s32(ch, NFTNL_CHAIN_PRIO,
				    c->prio);
				nftnl_chain_set_u32(ch, NFTNL_CHAIN_POLICY,
				    NF_ACCEPT);
			}
			nftnl_chain_nlmsg_build_payload(nlh, ch);
			nftnl_batch_update(fb->b);
			nftnl_chain_free(ch);
		}
	}
}

/* The rules of every new or flushed chain, in order. */
static void
warp_fw_fill_rules(struct warp_kctx *ctx, struct warp_fw_batch *fb)
{
	struct warp_fw_build	*fw = ctx->fw;
	struct warp_fw_chain	*c;
	struct warp_fw_rule	*fr;
	struct nftnl_udata_buf	*ud;
	struct nlmsghdr		*nlh;
	size_t			 i, j;

	for (i = 0; i < fw->nchains; i++) {
		c = &fw->chains[i];
		if (c->stale || (c->present && !c->rewrite && !c->recreate))
			continue;
		for (j = 0; j < c->nrules; j++) {
			fr = &fw->rules[c->rules[j]];
			if ((ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN)) ==
			    NULL)
				warp_fatal("nftnl_udata_buf_alloc");
			nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT,
			    fr->comment);
			nftnl_rule_set_data(fr->r, NFTNL_RULE_USERDATA,
			    nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud));
			nftnl_udata_buf_free(ud);
			if ((nlh = warp_fw_msg(fb, NFT_MSG_NEWRULE,
			    NLM_F_CREATE | NLM_F_APPEND, fr->net,
			    "rule in %s: %s", c->name, fr->comment)) == NULL)
				return;
			nftnl_rule_nlmsg_build_payload(nlh, fr->r);
			nftnl_batch_update(fb->b);
		}
	}
}

void
warp_fw_batch_make(struct warp_kctx *ctx, struct warp_fw_batch *fb)
{
	memset(fb, 0, sizeof(*fb));
	if ((fb->b = nftnl_batch_alloc(MNL_SOCKET_BUFFER_SIZE * 8,
	    MNL_SOCKET_BUFFER_SIZE)) == NULL)
		warp_fatal("nftnl_batch_alloc");
	fb->msgs = warp_xcalloc(WARP_FW_MAXMSG, sizeof(*fb->msgs));
	fb->seq = (uint32_t)time(NULL) << 8;
	nftnl_batch_begin(nftnl_batch_buffer(fb->b), fb->seq++);
	nftnl_batch_update(fb->b);
	fb->seq0 = fb->seq;
	/*
	 * The order the kernel needs: elements that go (they may jump to a
	 * chain that goes), rules that go (they may name a set that goes),
	 * sets and chains that go; then chains, sets and their elements
	 * (which may jump to the new chains), and last the rules naming them.
	 */
	if (warp_fw_fill_table(ctx, fb)) {
		warp_fw_fill_elems_del(ctx, fb);
		warp_fw_fill_flush(ctx, fb);
		warp_fw_fill_sets_del(ctx, fb);
		warp_fw_fill_chains_del(ctx, fb);
		warp_fw_fill_chains(ctx, fb);
		warp_fw_fill_sets_new(ctx, fb);
		warp_fw_fill_rules(ctx, fb);
	}
	nftnl_batch_end(nftnl_batch_buffer(fb->b), fb->seq++);
	nftnl_batch_update(fb->b);
}

void
warp_fw_batch_free(struct warp_fw_batch *fb)
{
	if (fb->b != NULL)
		nftnl_batch_free(fb->b);
	free(fb->msgs);
	memset(fb, 0, sizeof(*fb));
}

/*
 * The one path of nftables writes: count the batch's messages and, unless
 * this is a dry run, send it and collect one answer per message.  Returns
 * 0 or -1; on -1, *culprit is the network whose message failed first (-1:
 * none in particular) and why says what and why.
 */
static int
warp_fw_batch_send(struct warp_kctx *ctx, struct mnl_socket *nl,
    struct warp_fw_batch *fb, int *culprit, char *why, size_t whylen)
{
	ssize_t	bad;
	size_t	idx;
	int	e;

	*culprit = -1;
	why[0] = '\0';
	if (warp_nft_batch_send(ctx, nl, fb->b, fb->nmsgs, fb->seq0, &bad,
	    &e) == 0)
		return (0);
	if (bad < 0) {
		(void)snprintf(why, whylen, "send batch or read answers: %s",
		    strerror(e));
		return (-1);
	}
	idx = (size_t)bad;
	if (idx < fb->nmsgs) {
		*culprit = fb->msgs[idx].net;
		(void)snprintf(why, whylen, "%s: %s%s", fb->msgs[idx].what,
		    strerror(e), (e == ENOENT || e == EOPNOTSUPP) ? " (the "
		    "kernel lacks an nftables feature this needs)" : "");
	} else
		(void)snprintf(why, whylen, "%s", strerror(e));
	return (-1);
}

static void
warp_fw_build_free(struct warp_fw_build *fw)
{
	size_t	i, j;

	if (fw == NULL)
		return;
	for (i = 0; i < fw->nrules; i++)
		nftnl_rule_free(fw->rules[i].r);
	for (i = 0; i < fw->nchains; i++) {
		for (j = 0; j < fw->chains[i].nhave; j++)
			free(fw->chains[i].have[j]);
		free(fw->chains[i].have);
		free(fw->chains[i].rules);
	}
	free(fw->chash);
	warp_fw_sets_free(fw);
	free(fw->rules);
	free(fw->chains);
	free(fw);
}

void
warp_fw_free(struct warp_kctx *ctx)
{
	warp_fw_build_free(ctx->fw);
	ctx->fw = NULL;
}

void
warp_fw_build(struct warp_kctx *ctx)
{
	warp_fw_free(ctx);
	ctx->fw = warp_xcalloc(1, sizeof(*ctx->fw));
	warp_fw_build_all(ctx);
}

/*
 * Build, compare, send.  If the batch fails because of one network, that
 * network's chains become "drop" (it fails closed) and the batch is
 * tried once more, so the others still get their rules.
 */
int
warp_fw_apply(struct warp_kctx *ctx)
{
	struct mnl_socket	*nl = NULL;
	struct warp_fw_batch	 fb;
	struct warp_err		 err;
	char			 why[WARP_FW_COMMENTLEN + 128];
	int			 attempt, culprit, e, ret = -1;

	memset(&fb, 0, sizeof(fb));
	if ((e = warp_nft_open(&nl)) < 0) {
		(void)snprintf(ctx->fw_error, sizeof(ctx->fw_error),
		    "nftables: %s (the kernel lacks nf_tables?)",
		    strerror(-e));
		goto out;
	}
	for (attempt = 0; attempt < 2; attempt++) {
		warp_fw_build(ctx);
		if (warp_fw_read(ctx, nl, &err) == -1) {
			warp_kcopy(ctx->fw_error, sizeof(ctx->fw_error),
			    err.msg);
			goto out;
		}
		if (ctx->nnets == 0 ? !ctx->fw->table_present :
		    (ctx->fw->table_present && warp_fw_diff(ctx) == 0)) {
			ret = 0;
			goto out;
		}
		warp_fw_batch_make(ctx, &fb);
		if (fb.full) {
			(void)snprintf(ctx->fw_error, sizeof(ctx->fw_error),
			    "nftables: the ruleset needs more than %d "
			    "messages in one batch; nothing was changed",
			    WARP_FW_MAXMSG);
			goto out;
		}
		if (fb.nmsgs == 0 || warp_fw_batch_send(ctx, nl, &fb,
		    &culprit, why, sizeof(why)) == 0) {
			ret = 0;
			goto out;
		}
		warp_fw_batch_free(&fb);
		warp_kplan(ctx, "  nftables batch refused: %s", why);
		if (culprit < 0 || ctx->nets[culprit].fw_closed || attempt == 1) {
			(void)snprintf(ctx->fw_error, sizeof(ctx->fw_error),
			    "nftables: %s", why);
			goto out;
		}
		warp_knet_fail(ctx, &ctx->nets[culprit], "firewall: %s", why);
		ctx->nets[culprit].fw_closed = 1;
	}
out:
	if (ret == -1) {
		ctx->fw_failed = 1;
		if (ctx->fw_error[0] == '\0')
			(void)snprintf(ctx->fw_error, sizeof(ctx->fw_error),
			    "nftables: failed");
	}
	warp_fw_batch_free(&fb);
	if (nl != NULL)
		mnl_socket_close(nl);
	warp_fw_free(ctx);
	return (ret);
}
