/*
 * Benchmark of the nftables part of the reconciler (not a test): for N
 * networks (a mix of the five types, one LAN per L3VPN network, one
 * resource per resource gateway) prints the rules the table holds, the
 * messages and time of a cold apply, of a second apply (nothing to do),
 * and of adding one more network, against the floor of nft -f loading
 * the same ruleset (bench/fw_scale.sh runs it in a namespace of its own).
 * With -n, no kernel: the rules and messages a cold apply would need
 * (what the script also measures on an older tree, as the "before").
 *
 *   fw_scale [-n] N
 */
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "warp.h"
#include "warp_kernel.h"
#include "warp_kernel_int.h"

static struct warp_knet			*nets;
static struct warp_kctx			 ctx;
static struct warp_kernel_counters	 cnt;

static const enum warp_net_type types[] = {
	WARP_NET_SECURE_INTERNET, WARP_NET_RESOURCE_GATEWAY, WARP_NET_L3VPN,
	WARP_NET_L2_P2P, WARP_NET_L2_MESH
};

static void
mknet(struct warp_knet *kn, uint32_t i)
{
	struct warp_state_peer	*p;

	memset(kn, 0, sizeof(*kn));
	kn->net.id = i + 1;
	kn->net.vcid = 10000001 + i;
	kn->net.type = types[i % 5];
	(void)snprintf(kn->net.name, sizeof(kn->net.name), "n%u", i);
	kn->net.subnet.addr = 0x0a000000 | i << 4;	/* 10.x.y.z/28 */
	kn->net.subnet.len = 28;
	kn->net.gateway_ip = kn->net.subnet.addr + 1;
	kn->net.table_id = 1000 + i;
	warp_network_ifnames(&kn->net);
	kn->kt = warp_ktype_get(kn->net.type);
	if (kn->net.type == WARP_NET_RESOURCE_GATEWAY) {
		kn->net.resources[0].addr = 0xac100000 | i << 8;
		kn->net.resources[0].len = 24;
		kn->net.nresources = 1;
	}
	if (kn->net.type == WARP_NET_L3VPN) {
		p = warp_xcalloc(1, sizeof(*p));
		p->allowed[0].addr = kn->net.subnet.addr + 2;
		p->allowed[0].len = 32;
		p->allowed[1].addr = 0xc0a80000 | i << 8;	/* a /24 LAN */
		p->allowed[1].len = 24;
		p->nallowed = 2;
		p->active = 1;
		kn->peers = p;
		kn->npeers = 1;
	}
}

static double
now(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static int
count_cb(const struct nlmsghdr *nlh, void *arg)
{
	(void)nlh;
	(*(size_t *)arg)++;
	return (MNL_CB_OK);
}

/* The rules the kernel holds (a dump of every table's rules). */
static size_t
rules(void)
{
	struct mnl_socket	*nl;
	struct nlmsghdr		*nlh;
	static char		 buf[65536];
	uint32_t		 seq = (uint32_t)time(NULL);
	size_t			 n = 0;
	ssize_t			 got;
	int			 ret;

	if ((nl = mnl_socket_open(NETLINK_NETFILTER)) == NULL ||
	    mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return (0);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_INET,
	    NLM_F_DUMP, seq);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) >= 0)
		while ((got = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
			ret = mnl_cb_run(buf, got, seq,
			    mnl_socket_get_portid(nl), count_cb, &n);
			if (ret <= MNL_CB_STOP)
				break;
		}
	mnl_socket_close(nl);
	return (n);
}

/* No kernel: what an empty kernel would be sent. */
static void
count_only(size_t n)
{
	struct warp_fw_batch	fb;

	ctx.nnets = n;
	warp_fw_build(&ctx);
	warp_fw_batch_make(&ctx, &fb);
	printf("%5zu networks: %6zu rules, a cold apply of %zu nftables "
	    "messages%s\n", n, ctx.fw->nrules, fb.nmsgs, fb.full ?
	    " (over the batch limit: refused)" : "");
	warp_fw_batch_free(&fb);
	warp_fw_free(&ctx);
}

static void
apply(const char *what, size_t n)
{
	double	t;

	memset(&cnt, 0, sizeof(cnt));
	ctx.nnets = n;
	t = now();
	if (warp_fw_apply(&ctx) != 0) {
		fprintf(stderr, "fw_scale: %s: %s\n", what, ctx.fw_error);
		exit(1);
	}
	printf("%-28s %5zu networks: %6.3f s, %6llu nftables messages, "
	    "%6zu rules in the table\n", what, n, now() - t,
	    (unsigned long long)cnt.nft, rules());
}

int
main(int argc, char *argv[])
{
	size_t	n, i;
	int	dry = argc > 1 && strcmp(argv[1], "-n") == 0;

	if (argc < 2 + dry ||
	    (n = strtoul(argv[1 + dry], NULL, 10)) == 0 || n > 4000) {
		fprintf(stderr, "usage: fw_scale [-n] N (1-4000)\n");
		return (2);
	}
	nets = warp_xcalloc(n + 1, sizeof(*nets));
	for (i = 0; i <= n; i++)
		mknet(&nets[i], (uint32_t)i);
	ctx.cnt = &cnt;
	ctx.nets = nets;
	(void)snprintf(ctx.cfg.uplink, sizeof(ctx.cfg.uplink), "up0");
	if (dry) {
		count_only(n);
		return (0);
	}
	apply("cold apply", n);
	apply("second apply", n);
	apply("add one network", n + 1);
	return (0);
}
