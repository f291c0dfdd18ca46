/*
 * The nftables diff without a kernel: the desired table of some networks
 * (warp_fw_build) against what a kernel would report (warp_fw_have_*),
 * decided chain by chain and set element by set element (warp_fw_diff)
 * into the messages of one batch (warp_fw_batch_make): everything for an
 * empty kernel, nothing for a kernel in step, only the chains and
 * elements that differ otherwise; a network added is set elements and
 * its own chains, a LAN added is set elements only; 1,000 networks need
 * a bounded number of rules each; a table that needs more messages than
 * a batch may hold is an error, not an abort.
 */
#include <stdlib.h>

#include "check.h"
#include "warp_kernel_int.h"

#define NNETS	3000
static struct warp_knet			nets[NNETS + 1];
static struct warp_kctx			ctx;
static struct warp_kernel_counters	cnt;

static void
mknet(struct warp_knet *kn, uint32_t vcid, enum warp_net_type type,
    uint32_t subnet)
{
	memset(kn, 0, sizeof(*kn));
	kn->net.id = vcid;
	kn->net.vcid = vcid;
	kn->net.type = type;
	(void)snprintf(kn->net.name, sizeof(kn->net.name), "n%u", vcid);
	kn->net.subnet.addr = subnet;
	kn->net.subnet.len = 28;
	kn->net.gateway_ip = subnet + 1;
	kn->net.table_id = 1000 + vcid;
	warp_network_ifnames(&kn->net);
	kn->kt = warp_ktype_get(type);
}

static void
setup(size_t n)
{
	memset(&ctx, 0, sizeof(ctx));
	memset(&cnt, 0, sizeof(cnt));
	ctx.cnt = &cnt;
	(void)snprintf(ctx.cfg.uplink, sizeof(ctx.cfg.uplink), "up0");
	ctx.nets = nets;
	ctx.nnets = n;
}

/* The kernel has exactly the sets (definitions, elements) wanted. */
static void
have_sets(struct warp_fw_build *fw)
{
	struct warp_fw_set	*s;
	size_t			 i, j;

	for (i = 0; i < fw->nsets; i++) {
		s = warp_fw_have_set(fw, fw->sets[i].name);
		s->have_flags = s->flags;
		s->have_key_type = s->key_type;
		s->have_key_len = s->key_len;
		s->have_data_type = s->data_type;
		s->have_data_len = s->data_len;
		for (j = 0; j < s->nwant; j++)
			warp_fw_have_elem(s, &s->want[j]);
	}
}

/* The kernel has exactly the table the networks want. */
static void
have_all(struct warp_fw_build *fw)
{
	struct warp_fw_chain	*c;
	size_t			 i, j, nchains = fw->nchains;

	fw->table_present = 1;
	have_sets(fw);
	for (i = 0; i < nchains; i++) {
		c = warp_fw_have_chain(fw, fw->chains[i].name);
		if (c->type != NULL) {
			c->have_base = 1;
			c->have_hook = c->hook;
			c->have_prio = c->prio;
			(void)snprintf(c->have_type, sizeof(c->have_type), "%s",
			    c->type);
		}
		for (j = 0; j < fw->nrules; j++)
			if (strcmp(fw->rules[j].chain, c->name) == 0)
				warp_fw_have_rule(c, fw->rules[j].comment);
	}
}

static size_t
rules_in(const char *chain)
{
	size_t	j, n = 0;

	for (j = 0; j < ctx.fw->nrules; j++)
		if (strcmp(ctx.fw->rules[j].chain, chain) == 0)
			n++;
	return (n);
}

/* Messages of the batch whose description starts with prefix. */
static size_t
msgs(const struct warp_fw_batch *fb, const char *prefix)
{
	size_t	i, n = 0;

	for (i = 0; i < fb->nmsgs; i++)
		if (strncmp(fb->msgs[i].what, prefix, strlen(prefix)) == 0)
			n++;
	return (n);
}

/* Messages that are neither set elements nor about the named network. */
static size_t
msgs_other(const struct warp_fw_batch *fb, const char *wg)
{
	size_t	i, n = 0;

	for (i = 0; i < fb->nmsgs; i++)
		if (strncmp(fb->msgs[i].what, "add ", 4) != 0 &&
		    strncmp(fb->msgs[i].what, "delete ", 7) != 0 &&
		    strstr(fb->msgs[i].what, wg) == NULL)
			n++;
	return (n);
}

static struct warp_fw_set *
set_of(const char *name)
{
	size_t	i;

	for (i = 0; i < ctx.fw->nsets; i++)
		if (strcmp(ctx.fw->sets[i].name, name) == 0)
			return (&ctx.fw->sets[i]);
	return (NULL);
}

static void
test_empty_kernel(void)
{
	struct warp_fw_batch	fb;
	size_t			i, first_base = 0, last_regular = 0, sets;

	setup(1);
	mknet(&nets[0], 10000001, WARP_NET_SECURE_INTERNET, 0x0a010000);
	warp_fw_build(&ctx);
	CHECK(ctx.fw->nchains == 5, "one network: forward, input, "
	    "postrouting and its two chains (%zu)", ctx.fw->nchains);
	CHECK(ctx.fw->nsets == 6, "and the six sets (%zu)", ctx.fw->nsets);
	CHECK(warp_fw_diff(&ctx) == 11, "an empty kernel: every chain and set "
	    "to make");
	warp_fw_batch_make(&ctx, &fb);
	sets = msgs(&fb, "add ");
	CHECK(fb.nmsgs == 1 + ctx.fw->nchains + ctx.fw->nsets + sets +
	    ctx.fw->nrules && sets == 6 && !fb.full,
	    "the batch is the table, each chain, each set, one message of "
	    "elements per set and each rule (%zu messages)", fb.nmsgs);
	CHECK_STR(fb.msgs[0].what, "create table", "the table comes first");
	for (i = 0; i < fb.nmsgs; i++) {
		if (strcmp(fb.msgs[i].what, "create chain wg10000001_from") == 0 ||
		    strcmp(fb.msgs[i].what, "create chain wg10000001_to") == 0)
			last_regular = i;
		if (first_base == 0 &&
		    strcmp(fb.msgs[i].what, "create chain forward") == 0)
			first_base = i;
	}
	CHECK(last_regular > 0 && first_base > last_regular,
	    "regular chains (jump targets) are made before the base chains");
	CHECK(msgs(&fb, "rule in postrouting: oifname up0 ip saddr @si_nat "
	    "masquerade") == 1 && msgs(&fb, "add 3 elements to set si_nat") == 1,
	    "the network's subnet is masqueraded through the si_nat set "
	    "(0.0.0.0 as an end, a start and an end element)");
	CHECK(msgs(&fb, "add 3 elements to set owned") == 1,
	    "owned: 0.0.0.0 (end), 10.1.0.0 and 10.1.0.16 (end), as nft "
	    "writes an interval");
	CHECK(msgs(&fb, "rule in forward: iifname vmap @nets_from") == 1 &&
	    msgs(&fb, "rule in forward: oifname vmap @nets_to") == 1 &&
	    msgs(&fb, "add 2 elements to set nets_from") == 1,
	    "forward dispatches through two verdict maps (the VRF and the "
	    "WireGuard device of the network)");
	warp_fw_batch_free(&fb);
	warp_fw_free(&ctx);
}

static void
test_in_step(void)
{
	struct warp_fw_batch	fb;

	setup(2);
	mknet(&nets[0], 10000001, WARP_NET_SECURE_INTERNET, 0x0a010000);
	mknet(&nets[1], 10000002, WARP_NET_L3VPN, 0x0a020000);
	warp_fw_build(&ctx);
	have_all(ctx.fw);
	CHECK(warp_fw_diff(&ctx) == 0, "a kernel in step: no chain, set or "
	    "element to touch");
	warp_fw_batch_make(&ctx, &fb);
	CHECK(fb.nmsgs == 0, "and an empty batch (%zu messages)", fb.nmsgs);
	warp_fw_batch_free(&fb);
	warp_fw_free(&ctx);
}

static void
test_one_rule_differs(void)
{
	struct warp_fw_batch	 fb;
	struct warp_fw_chain	*c;
	struct warp_fw_set	*st;
	struct warp_fw_elem	 e;

	setup(2);
	mknet(&nets[0], 10000001, WARP_NET_SECURE_INTERNET, 0x0a010000);
	mknet(&nets[1], 10000002, WARP_NET_L3VPN, 0x0a020000);
	warp_fw_build(&ctx);
	have_all(ctx.fw);
	c = warp_fw_have_chain(ctx.fw, "wg10000002_from");
	free(c->have[0]);
	c->have[0] = warp_xstrdup("accept");	/* edited by hand */
	CHECK(warp_fw_diff(&ctx) == 1, "one rule edited: one chain to redo");
	warp_fw_batch_make(&ctx, &fb);
	CHECK(fb.nmsgs == 1 + rules_in("wg10000002_from") &&
	    strcmp(fb.msgs[0].what, "flush chain wg10000002_from") == 0 &&
	    msgs(&fb, "rule in wg10000002_from: ") == rules_in("wg10000002_from"),
	    "the batch flushes and refills that chain only (%zu messages)",
	    fb.nmsgs);
	warp_fw_batch_free(&fb);
	warp_fw_free(&ctx);

	/* An element added and one deleted from outside. */
	warp_fw_build(&ctx);
	have_all(ctx.fw);
	st = warp_fw_have_set(ctx.fw, "nets_in");
	memset(&e, 0, sizeof(e));
	(void)snprintf((char *)e.key, WARP_IFNAMSIZ, "eth9");
	warp_fw_have_elem(st, &e);
	st = warp_fw_have_set(ctx.fw, "gw_in");
	st->nhave--;
	CHECK(warp_fw_diff(&ctx) == 2, "a foreign element and a missing one: "
	    "two elements to change");
	warp_fw_batch_make(&ctx, &fb);
	CHECK(fb.nmsgs == 2 &&
	    strcmp(fb.msgs[0].what, "delete 1 elements from set nets_in") == 0 &&
	    strcmp(fb.msgs[1].what, "add 1 elements to set gw_in") == 0,
	    "the batch deletes the one and adds the other, nothing else");
	warp_fw_batch_free(&fb);
	warp_fw_free(&ctx);
}

/* What a kernel holding the table "from" would report, into "into". */
static void
replay(const struct warp_fw_build *from, struct warp_fw_build *into)
{
	const struct warp_fw_chain	*o;
	const struct warp_fw_set	*os;
	struct warp_fw_chain		*c;
	struct warp_fw_set		*s;
	size_t				 i, j;

	into->table_present = from->table_present;
	for (i = 0; i < from->nchains; i++) {
		o = &from->chains[i];
		c = warp_fw_have_chain(into, o->name);
		c->have_base = o->have_base;
		c->have_hook = o->have_hook;
		c->have_prio = o->have_prio;
		memcpy(c->have_type, o->have_type, sizeof(c->have_type));
		for (j = 0; j < o->nhave; j++)
			warp_fw_have_rule(c, o->have[j]);
	}
	for (i = 0; i < from->nsets; i++) {
		os = &from->sets[i];
		s = warp_fw_have_set(into, os->name);
		s->have_flags = os->have_flags;
		s->have_key_type = os->have_key_type;
		s->have_key_len = os->have_key_len;
		s->have_data_type = os->have_data_type;
		s->have_data_len = os->have_data_len;
		for (j = 0; j < os->nhave; j++)
			warp_fw_have_elem(s, &os->have[j]);
	}
}

/* Build for n networks, the kernel holding the table of n - 1. */
static struct warp_fw_build *
build_after(size_t n)
{
	struct warp_fw_build	*old;

	setup(n - 1);
	warp_fw_build(&ctx);
	have_all(ctx.fw);
	old = ctx.fw;
	ctx.fw = NULL;
	ctx.nnets = n;
	warp_fw_build(&ctx);
	replay(old, ctx.fw);
	return (old);
}

static void
drop_old(struct warp_fw_build *old)
{
	warp_fw_free(&ctx);
	ctx.fw = old;
	warp_fw_free(&ctx);
}

static void
test_network_added(void)
{
	struct warp_fw_batch	 fb;
	struct warp_fw_build	*old;

	/* The kernel has network 1's table; network 2 is new. */
	mknet(&nets[0], 10000001, WARP_NET_L3VPN, 0x0a010000);
	mknet(&nets[1], 10000002, WARP_NET_L2_MESH, 0x0a020000);
	old = build_after(2);
	CHECK(warp_fw_diff(&ctx) == 2 + 2 + 2 + 2 + 2 + 2,
	    "a network added: its two chains made, its elements in four "
	    "dispatch sets (two each) and its subnet in owned (a start and "
	    "an end), nothing else");
	warp_fw_batch_make(&ctx, &fb);
	CHECK(msgs(&fb, "create chain wg10000002_") == 2 &&
	    msgs(&fb, "flush chain") == 0 && msgs(&fb, "create set") == 0 &&
	    msgs(&fb, "rule in wg10000001") == 0 &&
	    msgs(&fb, "create table") == 0 && msgs_other(&fb, "wg10000002") == 0,
	    "the batch is set elements and the new network's own chains and "
	    "rules (%zu messages)", fb.nmsgs);
	CHECK(fb.nmsgs == 2 + rules_in("wg10000002_from") +
	    rules_in("wg10000002_to") + 5,
	    "in %zu messages: 2 chains, their rules, 5 of set elements",
	    fb.nmsgs);
	CHECK(msgs(&fb, "rule in wg10000002_from: oifname wg10000002 ip saddr "
	    "10.2.0.0/28 ip daddr 10.2.0.0/28 udp dport 4789 accept") == 1,
	    "the new l2-mesh network lets VXLAN pass between its sites");
	warp_fw_batch_free(&fb);
	drop_old(old);
}

static void
test_lan_added(void)
{
	struct warp_fw_batch	 fb;
	struct warp_fw_build	*old;
	static struct warp_state_peer	peer;

	mknet(&nets[0], 10000001, WARP_NET_SECURE_INTERNET, 0x0a010000);
	mknet(&nets[1], 10000002, WARP_NET_L3VPN, 0x0a020000);
	memset(&peer, 0, sizeof(peer));
	peer.allowed[0].addr = 0x0a020002;
	peer.allowed[0].len = 32;
	peer.nallowed = 1;
	peer.active = 1;
	nets[1].peers = &peer;
	nets[1].npeers = 1;
	setup(2);
	warp_fw_build(&ctx);
	have_all(ctx.fw);
	old = ctx.fw;
	ctx.fw = NULL;
	peer.allowed[1].addr = 0xc0a80a00;	/* 192.168.10.0/24 */
	peer.allowed[1].len = 24;
	peer.nallowed = 2;
	warp_fw_build(&ctx);
	replay(old, ctx.fw);
	CHECK(warp_fw_diff(&ctx) == 2, "a LAN added to a site: two elements "
	    "(its start and end in owned)");
	warp_fw_batch_make(&ctx, &fb);
	CHECK(fb.nmsgs == 1 && strcmp(fb.msgs[0].what,
	    "add 2 elements to set owned") == 0,
	    "one message, of set elements; no chain of any network touched "
	    "(%zu messages)", fb.nmsgs);
	warp_fw_batch_free(&fb);
	drop_old(old);
	nets[1].peers = NULL;
	nets[1].npeers = 0;

	/* A LAN next to a subnet: the interval grows, one end moves. */
	mknet(&nets[0], 10000001, WARP_NET_SECURE_INTERNET, 0x0a010000);
	nets[1].net.resources[0].addr = 0x0a010010;	/* 10.1.0.16/28 */
	nets[1].net.resources[0].len = 28;
	setup(2);
	warp_fw_build(&ctx);
	have_all(ctx.fw);
	old = ctx.fw;
	ctx.fw = NULL;
	nets[1].net.nresources = 1;
	warp_fw_build(&ctx);
	replay(old, ctx.fw);
	CHECK(warp_fw_diff(&ctx) == 2, "a prefix adjacent to another network's: "
	    "the merged interval's end moves (one element out, one in)");
	warp_fw_batch_make(&ctx, &fb);
	CHECK(msgs(&fb, "delete 1 elements from set owned") == 1 &&
	    msgs(&fb, "add 1 elements to set owned") == 1 &&
	    msgs_other(&fb, "wg10000002") == 0,
	    "only set elements and the L3VPN network's own chain (%zu messages)",
	    fb.nmsgs);
	warp_fw_batch_free(&fb);
	drop_old(old);
	nets[1].net.nresources = 0;
}

static void
test_stale_and_recreate(void)
{
	struct warp_fw_batch	 fb;
	struct warp_fw_chain	*c;
	struct warp_fw_set	*st;

	setup(2);
	mknet(&nets[0], 10000001, WARP_NET_RESOURCE_GATEWAY, 0x0a010000);
	nets[0].net.resources[0].addr = 0xac103200;
	nets[0].net.resources[0].len = 24;
	nets[0].net.nresources = 1;
	mknet(&nets[1], 10000002, WARP_NET_SECURE_INTERNET, 0x0a020000);
	warp_fw_build(&ctx);
	have_all(ctx.fw);
	c = warp_fw_have_chain(ctx.fw, "wg10000009_from");	/* deleted net */
	warp_fw_have_rule(c, "drop");
	c = warp_fw_have_chain(ctx.fw, "postrouting");
	c->have_prio = 0;					/* wrong prio */
	st = warp_fw_have_set(ctx.fw, "old_set");		/* foreign */
	st->have_key_len = 4;
	st = warp_fw_have_set(ctx.fw, "owned");
	st->have_flags = 0;				/* not an interval */
	CHECK(warp_fw_diff(&ctx) == 2 + 2 + 1,
	    "a chain of a deleted network, a base chain with the wrong "
	    "priority, a stale set, a set to make again (and the chain "
	    "naming it, the Secure Internet network's)");
	warp_fw_batch_make(&ctx, &fb);
	CHECK(msgs(&fb, "flush chain wg10000009_from") == 1 &&
	    msgs(&fb, "remove chain wg10000009_from") == 1 &&
	    msgs(&fb, "create chain wg10000009_from") == 0,
	    "the stale chain is flushed and removed");
	CHECK(msgs(&fb, "flush chain postrouting") == 1 &&
	    msgs(&fb, "remove chain postrouting") == 1 &&
	    msgs(&fb, "create chain postrouting") == 1,
	    "the base chain is made again");
	CHECK(msgs(&fb, "remove set old_set") == 1 &&
	    msgs(&fb, "remove set owned") == 1 &&
	    msgs(&fb, "create set owned") == 1 &&
	    msgs(&fb, "add 7 elements to set owned") == 1 &&
	    msgs(&fb, "flush chain wg10000002_from") == 1 &&
	    msgs(&fb, "rule in wg10000002_from: ip daddr @owned drop") == 1,
	    "the stale set goes, owned is made again with its elements, the "
	    "chain naming it flushed before and refilled after");
	warp_fw_batch_free(&fb);
	warp_fw_free(&ctx);

	setup(0);
	warp_fw_build(&ctx);
	have_all(ctx.fw);
	warp_fw_batch_make(&ctx, &fb);
	CHECK(fb.nmsgs == 1 && strcmp(fb.msgs[0].what, "remove table") == 0,
	    "no networks left: the table goes, in one message");
	warp_fw_batch_free(&fb);
	warp_fw_free(&ctx);
}

static const enum warp_net_type mix[] = {
	WARP_NET_SECURE_INTERNET, WARP_NET_RESOURCE_GATEWAY, WARP_NET_L3VPN,
	WARP_NET_L2_P2P, WARP_NET_L2_MESH
};

static void
mknets(size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		mknet(&nets[i], 10000001 + i, mix[i % 5],
		    0x0a000000 | (uint32_t)i << 4);
		if (mix[i % 5] == WARP_NET_RESOURCE_GATEWAY) {
			nets[i].net.resources[0].addr = 0xac100000 |
			    (uint32_t)i << 8;
			nets[i].net.resources[0].len = 24;
			nets[i].net.nresources = 1;
		}
	}
}

static void
test_thousand_networks(void)
{
	struct warp_fw_batch	 fb;
	struct warp_fw_build	*old;
	struct warp_fw_set	*st;

	mknets(1001);
	setup(1000);
	warp_fw_build(&ctx);
	CHECK(ctx.fw->nrules <= 5 + 6 * 1000, "1000 networks of the five "
	    "types: %zu rules, at most 6 per network and 5 shared",
	    ctx.fw->nrules);
	st = set_of("owned");
	CHECK(st != NULL && st->nwant == 1 + 2 + 2 * 200,
	    "owned merges the 1000 adjacent subnets into one interval, plus "
	    "200 resource subnets (%zu elements)", st != NULL ? st->nwant : 0);
	warp_fw_batch_make(&ctx, &fb);
	CHECK(!fb.full && fb.nmsgs < 10 * 1000, "a cold apply fits one batch "
	    "(%zu messages)", fb.nmsgs);
	warp_fw_batch_free(&fb);
	warp_fw_free(&ctx);

	old = build_after(1001);
	CHECK(warp_fw_diff(&ctx) > 0, "the 1001st network (a Secure Internet "
	    "one) changes something");
	warp_fw_batch_make(&ctx, &fb);
	CHECK(msgs(&fb, "flush chain") == 0 && msgs(&fb, "create chain") == 2 &&
	    msgs_other(&fb, "wg10001001") == 0 && fb.nmsgs <= 16,
	    "adding the 1001st: set elements and its own two chains and rules, "
	    "%zu messages, none touching another network's chain", fb.nmsgs);
	warp_fw_batch_free(&fb);
	drop_old(old);
}

static void
test_batch_too_large(void)
{
	struct warp_fw_batch	fb;

	/* About six messages per network: 3000 networks pass 16384. */
	mknets(NNETS);
	setup(NNETS);
	warp_fw_build(&ctx);
	warp_fw_batch_make(&ctx, &fb);
	CHECK(fb.full && fb.nmsgs == 16384,
	    "%d networks want %zu rules: the batch stops at its limit and "
	    "says so (%zu messages, full %d)", NNETS, ctx.fw->nrules, fb.nmsgs,
	    fb.full);
	warp_fw_batch_free(&fb);
	warp_fw_free(&ctx);
}

int
main(void)
{
	test_empty_kernel();
	test_in_step();
	test_one_rule_differs();
	test_network_added();
	test_lan_added();
	test_stale_and_recreate();
	test_thousand_networks();
	test_batch_too_large();
	return (check_done());
}
