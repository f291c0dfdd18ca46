/*
 * The nftables diff without a kernel: the desired table of some networks
 * (warp_fw_build) against what a kernel would report (warp_fw_have_*),
 * decided chain by chain (warp_fw_diff) into the messages of one batch
 * (warp_fw_batch_make): everything for an empty kernel, nothing for a
 * kernel in step, only the chains that differ otherwise; a table that
 * needs more messages than a batch may hold is an error, not an abort.
 */
#include <stdlib.h>

#include "check.h"
#include "warp_kernel_int.h"

static struct warp_knet			nets[140];
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

/* The kernel has exactly the table the networks want. */
static void
have_all(struct warp_fw_build *fw)
{
	struct warp_fw_chain	*c;
	size_t			 i, j, nchains = fw->nchains;

	fw->table_present = 1;
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

static void
test_empty_kernel(void)
{
	struct warp_fw_batch	fb;
	size_t			i, first_base = 0, last_regular = 0;

	setup(1);
	mknet(&nets[0], 10000001, WARP_NET_SECURE_INTERNET, 0x0a010000);
	warp_fw_build(&ctx);
	CHECK(ctx.fw->nchains == 5, "one network: forward, input, "
	    "postrouting and its two chains (%zu)", ctx.fw->nchains);
	CHECK(warp_fw_diff(&ctx) == 5, "an empty kernel: every chain to make");
	warp_fw_batch_make(&ctx, &fb);
	CHECK(fb.nmsgs == 1 + ctx.fw->nchains + ctx.fw->nrules && !fb.full,
	    "the batch is the table, each chain and each rule (%zu messages)",
	    fb.nmsgs);
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
	CHECK(msgs(&fb, "rule in postrouting: oifname up0 ip saddr "
	    "10.1.0.0/28 masquerade") == 1,
	    "the network's masquerade rule is in the batch");
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
	CHECK(warp_fw_diff(&ctx) == 0, "a kernel in step: no chain to touch");
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
}

/* What a kernel holding the table "from" would report, into "into". */
static void
replay(const struct warp_fw_build *from, struct warp_fw_build *into)
{
	const struct warp_fw_chain	*o;
	struct warp_fw_chain		*c;
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
}

static void
test_network_added(void)
{
	struct warp_fw_batch	 fb;
	struct warp_fw_build	*old;

	/* The kernel has network 1's table; network 2 is new. */
	setup(1);
	mknet(&nets[0], 10000001, WARP_NET_L3VPN, 0x0a010000);
	mknet(&nets[1], 10000002, WARP_NET_L2_MESH, 0x0a020000);
	warp_fw_build(&ctx);
	have_all(ctx.fw);
	old = ctx.fw;
	ctx.fw = NULL;
	ctx.nnets = 2;
	warp_fw_build(&ctx);
	replay(old, ctx.fw);
	CHECK(warp_fw_diff(&ctx) == 4, "a network added: its two chains made, "
	    "forward and input redone, the other network's untouched");
	warp_fw_batch_make(&ctx, &fb);
	CHECK(msgs(&fb, "create chain wg10000002_") == 2 &&
	    msgs(&fb, "flush chain forward") == 1 &&
	    msgs(&fb, "flush chain input") == 1 &&
	    msgs(&fb, "flush chain wg10000001") == 0 &&
	    msgs(&fb, "rule in wg10000001") == 0 &&
	    msgs(&fb, "create table") == 0,
	    "the batch names only the new network's chains and the shared "
	    "ones (%zu messages)", fb.nmsgs);
	CHECK(msgs(&fb, "rule in wg10000002_from: oifname wg10000002 ip saddr "
	    "10.2.0.0/28 ip daddr 10.2.0.0/28 udp dport 4789 accept") == 1,
	    "the new l2-mesh network lets VXLAN pass between its sites");
	warp_fw_batch_free(&fb);
	warp_fw_free(&ctx);
	ctx.fw = old;
	warp_fw_free(&ctx);
}

static void
test_stale_and_recreate(void)
{
	struct warp_fw_batch	 fb;
	struct warp_fw_chain	*c;

	setup(1);
	mknet(&nets[0], 10000001, WARP_NET_RESOURCE_GATEWAY, 0x0a010000);
	nets[0].net.resources[0].addr = 0xac103200;
	nets[0].net.resources[0].len = 24;
	nets[0].net.nresources = 1;
	warp_fw_build(&ctx);
	have_all(ctx.fw);
	c = warp_fw_have_chain(ctx.fw, "wg10000009_from");	/* deleted net */
	warp_fw_have_rule(c, "drop");
	c = warp_fw_have_chain(ctx.fw, "postrouting");
	c->have_prio = 0;					/* wrong prio */
	CHECK(warp_fw_diff(&ctx) == 2,
	    "a chain of a deleted network and a base chain with the wrong "
	    "priority: two chains");
	warp_fw_batch_make(&ctx, &fb);
	CHECK(msgs(&fb, "flush chain wg10000009_from") == 1 &&
	    msgs(&fb, "remove chain wg10000009_from") == 1 &&
	    msgs(&fb, "create chain wg10000009_from") == 0,
	    "the stale chain is flushed and removed");
	CHECK(msgs(&fb, "flush chain postrouting") == 1 &&
	    msgs(&fb, "remove chain postrouting") == 1 &&
	    msgs(&fb, "create chain postrouting") == 1,
	    "the base chain is made again");
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

static void
test_batch_too_large(void)
{
	struct warp_fw_batch	fb;
	size_t			i;

	/* Secure Internet chains name every other network: n * (n - 1). */
	setup(140);
	for (i = 0; i < 140; i++)
		mknet(&nets[i], 10000001 + i, WARP_NET_SECURE_INTERNET,
		    0x0a000000 | (uint32_t)i << 8);
	warp_fw_build(&ctx);
	warp_fw_batch_make(&ctx, &fb);
	CHECK(fb.full && fb.nmsgs == 16384,
	    "140 networks want %zu rules: the batch stops at its limit and "
	    "says so (%zu messages, full %d)", ctx.fw->nrules, fb.nmsgs,
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
	test_stale_and_recreate();
	test_batch_too_large();
	return (check_done());
}
