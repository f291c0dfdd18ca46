/*
 * The WireGuard diff without a kernel: desired peers against the peers a
 * device has, into create/change/remove operations (warp_wg_diff), in
 * public-key order; an unchanged peer costs nothing, one new endpoint in
 * a network of 1000 is one operation.
 */
#include <stdlib.h>

#include "check.h"
#include "warp_kernel_int.h"

#define NWANT_MAX	1001

static struct warp_state_peer	want[NWANT_MAX];
static struct warp_wgpeer	have[NWANT_MAX];
static struct warp_cidr		have_ips[NWANT_MAX][4];
static struct warp_wgop		ops[2 * NWANT_MAX];

/* Keys made from a number, so that their order is the numbers' order. */
static void
mkkey(uint8_t key[WARP_KEY_LEN], unsigned int k)
{
	memset(key, 0, WARP_KEY_LEN);
	key[0] = (k >> 8) & 0xff;
	key[1] = k & 0xff;
}

static void
mkwant(struct warp_state_peer *sp, unsigned int k, int active)
{
	memset(sp, 0, sizeof(*sp));
	sp->endpoint_id = k;
	(void)snprintf(sp->name, sizeof(sp->name), "ep%u", k);
	mkkey(sp->public_key, k);
	memset(sp->psk, 0x40 + (k & 0x3f), WARP_KEY_LEN);
	sp->allowed[0].addr = 0x0a000000 | k;	/* 10.0.k.k/32 */
	sp->allowed[0].len = 32;
	sp->nallowed = 1;
	sp->active = active;
}

/* The kernel's copy of a wanted peer, exactly as it should be. */
static void
mkhave(struct warp_wgpeer *p, struct warp_cidr *ips,
    const struct warp_state_peer *sp)
{
	size_t	i;

	memset(p, 0, sizeof(*p));
	memcpy(p->public_key, sp->public_key, WARP_KEY_LEN);
	memcpy(p->psk, sp->psk, WARP_KEY_LEN);
	p->has_psk = 1;
	for (i = 0; i < sp->nallowed; i++)
		ips[i] = sp->allowed[i];
	p->allowed = ips;
	p->nallowed = sp->nallowed;
}

static int
is_op(const struct warp_wgop *op, enum warp_wgwhy why, unsigned int k)
{
	uint8_t	key[WARP_KEY_LEN];

	mkkey(key, k);
	if (op->why != why || memcmp(op->public_key, key, WARP_KEY_LEN) != 0)
		return (0);
	if (why == WARP_WGWHY_CREATE || why == WARP_WGWHY_CHANGE)
		return (op->flags == WARP_WGOP_REPLACE_IPS && op->want != NULL &&
		    op->psk == op->want->psk &&
		    op->allowed == op->want->allowed &&
		    op->nallowed == op->want->nallowed);
	return (op->flags == WARP_WGOP_REMOVE);
}

static void
test_empty_device(void)
{
	struct warp_wgdev	dev;
	size_t			n;

	memset(&dev, 0, sizeof(dev));
	mkwant(&want[0], 1, 1);
	mkwant(&want[1], 2, 0);
	mkwant(&want[2], 3, 1);
	n = warp_wg_diff(want, 3, &dev, ops);
	CHECK(n == 2 && is_op(&ops[0], WARP_WGWHY_CREATE, 1) &&
	    is_op(&ops[1], WARP_WGWHY_CREATE, 3),
	    "a new device gets one create per active endpoint, none for a "
	    "disabled one (%zu ops)", n);
	CHECK(warp_wg_diff(want, 0, &dev, ops) == 0,
	    "no endpoints and no peers: nothing to do");
}

static void
test_in_sync(void)
{
	struct warp_wgdev	dev;
	size_t			i;

	memset(&dev, 0, sizeof(dev));
	for (i = 0; i < 3; i++) {
		mkwant(&want[i], i + 1, 1);
		mkhave(&have[i], have_ips[i], &want[i]);
	}
	want[2].allowed[1].addr = 0xc0a81400;	/* 192.168.20.0/24 */
	want[2].allowed[1].len = 24;
	want[2].nallowed = 2;
	mkhave(&have[2], have_ips[2], &want[2]);
	dev.peers = have;
	dev.npeers = 3;
	CHECK(warp_wg_diff(want, 3, &dev, ops) == 0,
	    "peers as the kernel has them: no operation");
}

static void
test_changes(void)
{
	struct warp_wgdev	dev;
	size_t			i, n;

	memset(&dev, 0, sizeof(dev));
	for (i = 0; i < 5; i++) {
		mkwant(&want[i], i + 1, 1);
		mkhave(&have[i], have_ips[i], &want[i]);
	}
	have[0].psk[0] ^= 1;			/* another preshared key */
	have[1].has_psk = 0;			/* none at all */
	have[2].keepalive = 25;			/* keepalive set by hand */
	have_ips[3][0].len = 24;		/* allowed IPs widened */
	have[4].nallowed_other = 1;		/* an IPv6 allowed IP added */
	dev.peers = have;
	dev.npeers = 5;
	n = warp_wg_diff(want, 5, &dev, ops);
	CHECK(n == 5, "psk, missing psk, keepalive, allowed IPs and a foreign "
	    "IPv6 allowed IP each change the peer (%zu ops)", n);
	for (i = 0; i < n && i < 5; i++)
		CHECK(is_op(&ops[i], WARP_WGWHY_CHANGE, i + 1),
		    "change %zu replaces the peer's allowed IPs and sets its "
		    "psk", i + 1);
}

static void
test_removals(void)
{
	struct warp_wgdev	dev;
	struct warp_state_peer	other;
	size_t			n;

	/* Wanted 1 (new), 3 (disabled), 5; the kernel has 2, 3, 4, 5. */
	memset(&dev, 0, sizeof(dev));
	mkwant(&want[0], 1, 1);
	mkwant(&want[1], 3, 0);
	mkwant(&want[2], 5, 1);
	mkwant(&other, 2, 1);
	mkhave(&have[0], have_ips[0], &other);
	mkhave(&have[1], have_ips[1], &want[1]);
	mkwant(&other, 4, 1);
	mkhave(&have[2], have_ips[2], &other);
	mkhave(&have[3], have_ips[3], &want[2]);
	dev.peers = have;
	dev.npeers = 4;
	n = warp_wg_diff(want, 3, &dev, ops);
	CHECK(n == 4 && is_op(&ops[0], WARP_WGWHY_CREATE, 1) &&
	    is_op(&ops[1], WARP_WGWHY_UNKNOWN, 2) &&
	    is_op(&ops[2], WARP_WGWHY_INACTIVE, 3) &&
	    is_op(&ops[3], WARP_WGWHY_UNKNOWN, 4),
	    "create 1, remove unknown 2, remove disabled 3, remove unknown 4, "
	    "keep 5, in key order (%zu ops)", n);
	CHECK(ops[2].want == &want[1],
	    "the removal of a disabled peer names its endpoint");
	CHECK(warp_wg_diff(want, 0, &dev, ops) == 4 &&
	    ops[0].why == WARP_WGWHY_UNKNOWN && ops[3].why == WARP_WGWHY_UNKNOWN,
	    "no endpoints left: every peer of the device goes");
}

static void
test_sort(void)
{
	struct warp_state_peer	p[3];

	mkwant(&p[0], 9, 1);
	mkwant(&p[1], 2, 1);
	mkwant(&p[2], 5, 1);
	p[1].allowed[1].addr = 0xc0a81500;
	p[1].allowed[1].len = 24;
	p[1].allowed[2].addr = 0xc0a81400;
	p[1].allowed[2].len = 24;
	p[1].nallowed = 3;
	warp_wg_sort(p, 3);
	CHECK(p[0].endpoint_id == 2 && p[1].endpoint_id == 5 &&
	    p[2].endpoint_id == 9, "desired peers are sorted by public key");
	CHECK(p[0].allowed[0].addr == 0x0a000002 &&
	    p[0].allowed[1].addr == 0xc0a81400 &&
	    p[0].allowed[2].addr == 0xc0a81500,
	    "and each one's allowed IPs in the order the kernel reads back");
}

static void
test_incremental(void)
{
	struct warp_wgdev	dev;
	size_t			i, n;

	memset(&dev, 0, sizeof(dev));
	for (i = 0; i < 1000; i++) {
		mkwant(&want[i], i + 1, 1);
		mkhave(&have[i], have_ips[i], &want[i]);
	}
	mkwant(&want[1000], 1001, 1);
	dev.peers = have;
	dev.npeers = 1000;
	n = warp_wg_diff(want, 1001, &dev, ops);
	CHECK(n == 1 && is_op(&ops[0], WARP_WGWHY_CREATE, 1001),
	    "one endpoint added to a network of 1000: one operation (%zu)", n);
	want[500].active = 0;
	n = warp_wg_diff(want, 1001, &dev, ops);
	CHECK(n == 2 && is_op(&ops[0], WARP_WGWHY_INACTIVE, 501),
	    "and one disabled: one removal more (%zu)", n);
}

int
main(void)
{
	test_empty_device();
	test_in_sync();
	test_changes();
	test_removals();
	test_sort();
	test_incremental();
	return (check_done());
}
