/*
 * libFuzzer harness for the callbacks that parse the kernel's netlink
 * replies (issue #12): a WireGuard device (kernel_wgnl.c), the tables,
 * chains and rules of inet warp (kernel_fw.c), the quota table's tables,
 * chains, rules, sets, quota objects and set elements (kernel_quota.c),
 * traffic control qdiscs, classes, filters and links (kernel_tc.c), a
 * bridge's vlan_filtering, a port's VLANs (RTM_GETVLAN) and a VXLAN
 * device's FDB (kernel_l2.c).  The first input byte picks the callback, the second the
 * interface index the callback looks for, the rest is what one recvmsg()
 * would return (for nftables: the values of a reply, see fz_reply), run
 * through warp_mnl_run() as the reconciler runs it
 * (kernel_fw.c's own dump loop still calls mnl_cb_run directly): no
 * crash, no read outside the reply, no leak, and what a callback kept is
 * within its own limits.  The rooms are compiled into this harness, so
 * their static callbacks are reachable without being exported; the other
 * kernel rooms and the core are linked as they are.  Links, addresses,
 * routes and rules (kernel_rtnl.c) are parsed by libnl's caches, not by
 * code of ours.
 */
#include "../../src/kernel/kernel_wgnl.c"
#include "../../src/kernel/kernel_fw.c"
#include "../../src/kernel/kernel_quota.c"
#include "../../src/kernel/kernel_tc.c"
#include "../../src/kernel/kernel_l2.c"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_wg(const void *, size_t);
static void	fuzz_fw(const uint8_t *, size_t, int);
static void	fuzz_quota(const uint8_t *, size_t, int);
static void	fuzz_tc(const void *, size_t, int, int);
static void	fuzz_l2(const void *, size_t, int, int);

static void
fuzz_wg(const void *buf, size_t len)
{
	struct warp_wgdev	dev;
	struct warp_wgparse	wp;
	size_t			i;

	memset(&dev, 0, sizeof(dev));
	wp.dev = &dev;
	wp.error = 0;
	(void)warp_mnl_run(buf, len, 0, 0, warp_wgnl_dev_cb, &wp);
	for (i = 0; i < dev.npeers; i++)
		if (dev.peers[i].remote[sizeof(dev.peers[i].remote) - 1] != '\0')
			abort();
	warp_wgnl_dev_free(&dev);
}

/*
 * libnftnl parses nftables replies itself and exits the process on an
 * attribute it does not expect ("kernel ABI is broken"), so raw bytes
 * would only test that exit.  The nftables callbacks get replies built
 * with libnftnl from fuzzed values instead: any name, number, user data
 * or element the kernel could send, and any attribute left out.
 */
struct fz {
	const uint8_t	*p;
	size_t		 n;
};

static uint8_t
fz_u8(struct fz *f)
{
	uint8_t	v = 0;

	if (f->n > 0) {
		v = *f->p++;
		f->n--;
	}
	return (v);
}

static uint64_t
fz_u64(struct fz *f, int bytes)
{
	uint64_t	v = 0;

	while (bytes-- > 0)
		v = v << 8 | fz_u8(f);
	return (v);
}

/* One of the names our callbacks look for, or fuzzed bytes (may be ""). */
static void
fz_name(struct fz *f, char *buf, size_t len)
{
	static const char	*names[] = { WARP_NFT_TABLE, WARP_QT_TABLE,
				    WARP_QT_CHAIN, WARP_QT_SET, "forward",
				    "q1_0", "q12345_7", "q0_1" };
	size_t			 i, n;
	uint8_t			 c = fz_u8(f);

	if (c < 8 * (sizeof(names) / sizeof(names[0]))) {
		(void)snprintf(buf, len, "%s", names[c / 8]);
		return;
	}
	n = fz_u8(f) % len;
	for (i = 0; i < n; i++)
		if ((buf[i] = (char)fz_u8(f)) == '\0')
			buf[i] = 'x';
	buf[n] = '\0';
}

static size_t
fz_table(struct fz *f, char *buf, int set)
{
	struct nftnl_table	*t;
	struct nlmsghdr		*nlh;
	char			 name[64];

	t = nftnl_table_alloc();
	fz_name(f, name, sizeof(name));
	if (set & 1)
		nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	if (set & 2)
		nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, fz_u8(f));
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWTABLE, NFPROTO_INET, 0, 0);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	return (nlh->nlmsg_len);
}

static size_t
fz_chain(struct fz *f, char *buf, int set)
{
	struct nftnl_chain	*c;
	struct nlmsghdr		*nlh;
	char			 table[64], name[64], type[32];

	c = nftnl_chain_alloc();
	fz_name(f, table, sizeof(table));
	fz_name(f, name, sizeof(name));
	fz_name(f, type, sizeof(type));
	if (set & 1)
		nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	if (set & 2)
		nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	if (set & 4) {
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM,
		    (uint32_t)fz_u64(f, 4));
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, (int32_t)fz_u64(f, 4));
	}
	if (set & 8)
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, type);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWCHAIN, NFPROTO_INET, 0, 0);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	return (nlh->nlmsg_len);
}

static size_t
fz_rule(struct fz *f, char *buf, int set)
{
	struct nftnl_rule	*r;
	struct nlmsghdr		*nlh;
	char			 table[64], chain[64];
	uint8_t			 ud[256];
	size_t			 i, n;

	r = nftnl_rule_alloc();
	fz_name(f, table, sizeof(table));
	fz_name(f, chain, sizeof(chain));
	if (set & 1)
		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	if (set & 2)
		nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	if (set & 4) {
		/* User data as the kernel keeps it: whatever bytes. */
		n = fz_u8(f) % sizeof(ud);
		for (i = 0; i < n; i++)
			ud[i] = fz_u8(f);
		nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, ud, (uint32_t)n);
	}
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWRULE, NFPROTO_INET, 0, 0);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	return (nlh->nlmsg_len);
}

static size_t
fz_set(struct fz *f, char *buf, int set, int elems)
{
	struct nftnl_set	*s;
	struct nftnl_set_elem	*e;
	struct nlmsghdr		*nlh;
	char			 table[64], name[64], ref[64];
	uint8_t			 key[16];
	size_t			 i, k, n, klen;

	s = nftnl_set_alloc();
	fz_name(f, table, sizeof(table));
	fz_name(f, name, sizeof(name));
	if (set & 1)
		nftnl_set_set_str(s, NFTNL_SET_TABLE, table);
	if (set & 2)
		nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	n = elems ? fz_u8(f) % 8 : 0;
	for (i = 0; i < n; i++) {
		e = nftnl_set_elem_alloc();
		klen = 1 + fz_u8(f) % sizeof(key);
		for (k = 0; k < klen; k++)
			key[k] = fz_u8(f);
		if (fz_u8(f) & 1)
			nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key,
			    (uint32_t)klen);
		fz_name(f, ref, sizeof(ref));
		if (fz_u8(f) & 1)
			nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_OBJREF, ref);
		nftnl_set_elem_add(s, e);
	}
	nlh = nftnl_nlmsg_build_hdr(buf, elems ? NFT_MSG_NEWSETELEM :
	    NFT_MSG_NEWSET, NFPROTO_INET, 0, 0);
	if (elems)
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
	else
		nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	return (nlh->nlmsg_len);
}

static size_t
fz_obj(struct fz *f, char *buf, int set)
{
	struct nftnl_obj	*o;
	struct nlmsghdr		*nlh;
	char			 table[64], name[64];

	o = nftnl_obj_alloc();
	fz_name(f, table, sizeof(table));
	fz_name(f, name, sizeof(name));
	if (set & 1)
		nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, table);
	if (set & 2)
		nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
	/* Another type's object (built empty, libnftnl would exit). */
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, set & 4 ? NFT_OBJECT_QUOTA :
	    NFT_OBJECT_COUNTER);
	if ((set & 12) == 12) {
		nftnl_obj_set_u64(o, NFTNL_OBJ_QUOTA_BYTES, fz_u64(f, 8));
		nftnl_obj_set_u64(o, NFTNL_OBJ_QUOTA_CONSUMED, fz_u64(f, 8));
	}
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWOBJ, NFPROTO_INET, 0, 0);
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	return (nlh->nlmsg_len);
}

/* Up to 8 messages of one kind in one reply, then through the callback. */
static size_t
fz_reply(struct fz *f, char *buf, size_t cap, int kind)
{
	size_t	len = 0, n = 1 + fz_u8(f) % 8, i;
	int	set;

	for (i = 0; i < n && len + 2048 <= cap; i++) {
		set = fz_u8(f);
		switch (kind) {
		case 0:
			len += NLMSG_ALIGN(fz_table(f, buf + len, set));
			break;
		case 1:
			len += NLMSG_ALIGN(fz_chain(f, buf + len, set));
			break;
		case 2:
			len += NLMSG_ALIGN(fz_rule(f, buf + len, set));
			break;
		case 3:
			len += NLMSG_ALIGN(fz_set(f, buf + len, set, 0));
			break;
		case 4:
			len += NLMSG_ALIGN(fz_obj(f, buf + len, set));
			break;
		default:
			len += NLMSG_ALIGN(fz_set(f, buf + len, set, 1));
			break;
		}
	}
	return (len);
}

static void
fuzz_fw(const uint8_t *data, size_t size, int which)
{
	struct warp_fw_build	*fw;
	struct fz		 f = { data, size };
	static const mnl_cb_t	 cb[] = { warp_fw_table_cb, warp_fw_chain_cb,
				    warp_fw_rule_cb };
	char			*buf;
	size_t			 len;

	buf = warp_xcalloc(1, WARP_NL_DUMPSZ);
	fw = warp_xcalloc(1, sizeof(*fw));
	/* A chain of ours the rules can belong to, and those the reply has. */
	(void)warp_fw_chain_get(fw, "forward", 1);
	len = fz_reply(&f, buf, WARP_NL_DUMPSZ, 1);
	(void)warp_mnl_run(buf, len, 0, 0, warp_fw_chain_cb, fw);
	len = fz_reply(&f, buf, WARP_NL_DUMPSZ, which % 3);
	(void)warp_mnl_run(buf, len, 0, 0, cb[which % 3], fw);
	warp_fw_build_free(fw);
	free(buf);
}

static void
fuzz_quota(const uint8_t *data, size_t size, int which)
{
	struct warp_qstate	qs;
	struct fz		f = { data, size };
	static const mnl_cb_t	cb[] = { warp_qt_table_cb, warp_qt_chain_cb,
				    warp_qt_rule_cb, warp_qt_set_cb,
				    warp_qt_obj_cb, warp_qt_elems_cb };
	char			*buf;
	size_t			 len, i;
	int64_t			 id, gen;

	buf = warp_xcalloc(1, WARP_NL_DUMPSZ);
	memset(&qs, 0, sizeof(qs));
	len = fz_reply(&f, buf, WARP_NL_DUMPSZ, which % 6);
	(void)warp_mnl_run(buf, len, 0, 0, cb[which % 6], &qs);
	for (i = 0; i < qs.nobjs; i++) {
		if (memchr(qs.objs[i].name, '\0', sizeof(qs.objs[i].name)) ==
		    NULL)
			abort();
		if (warp_qt_name_parse(qs.objs[i].name, &id, &gen) == 0 &&
		    (id <= 0 || gen < 0))
			abort();
	}
	for (i = 0; i < qs.nelems; i++)
		if (memchr(qs.elems[i].name, '\0', sizeof(qs.elems[i].name)) ==
		    NULL)
			abort();
	warp_qt_free(&qs);
	free(buf);
}

static void
fuzz_tc(const void *buf, size_t len, int which, int ifindex)
{
	struct warp_tcq		q;
	struct warp_tcdev	d;
	int			ifi = 0;
	size_t			i;

	memset(&q, 0, sizeof(q));
	memset(&d, 0, sizeof(d));
	d.ifindex = ifindex;
	switch (which % 4) {
	case 0:
		(void)warp_mnl_run(buf, len, 0, 0, warp_tc_qdisc_cb, &q);
		for (i = 0; i < q.nroots; i++)
			if (memchr(q.roots[i].kind, '\0',
			    sizeof(q.roots[i].kind)) == NULL)
				abort();
		break;
	case 1:
		(void)warp_mnl_run(buf, len, 0, 0, warp_tc_class_cb, &d);
		break;
	case 2:
		(void)warp_mnl_run(buf, len, 0, 0, warp_tc_filter_cb, &d);
		break;
	default:
		(void)warp_mnl_run(buf, len, 0, 0, warp_tc_link_cb, &ifi);
		break;
	}
	free(q.roots);
	warp_tcdev_free(&d);
}

static void
fuzz_l2(const void *buf, size_t len, int which, int ifindex)
{
	struct warp_l2vids	*pv;
	struct warp_l2fdb	 fdb;
	int			 on = 0, vid;

	switch (which % 3) {
	case 0:
		(void)warp_mnl_run(buf, len, 0, 0, warp_l2_br_filtering_cb, &on);
		break;
	case 1:
		pv = warp_xcalloc(1, sizeof(*pv));
		pv->ifindex = ifindex;
		(void)warp_mnl_run(buf, len, 0, 0, warp_l2_vids_cb, pv);
		for (vid = 0; vid <= WARP_VLAN_MAX; vid++)
			if ((pv->f[vid] & ~(WARP_VID_ON | WARP_VID_PVID |
			    WARP_VID_UNTAGGED)) != 0 || (vid == 0 && pv->f[0]))
				abort();
		free(pv);
		break;
	default:
		memset(&fdb, 0, sizeof(fdb));
		fdb.ifindex = ifindex;
		(void)warp_mnl_run(buf, len, 0, 0, warp_l2_fdb_cb, &fdb);
		free(fdb.dst);
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t	*buf;
	size_t	 len;
	int	 which, ifindex;

	if (size < 2)
		return (0);
	which = data[0];
	ifindex = data[1];
	len = size - 2;
	/* The reply in a buffer of its own size: a read past it is caught. */
	buf = malloc(len + 1);
	memcpy(buf, data + 2, len);
	switch (which % 5) {
	case 0:
		fuzz_wg(buf, len);
		break;
	case 1:
		fuzz_fw(data + 2, len, which / 5);
		break;
	case 2:
		fuzz_quota(data + 2, len, which / 5);
		break;
	case 3:
		fuzz_tc(buf, len, which / 5, ifindex);
		break;
	default:
		fuzz_l2(buf, len, which / 5, ifindex);
		break;
	}
	free(buf);
	return (0);
}
