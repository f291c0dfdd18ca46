/*
 * Internal to src/kernel/: the desired-state model the reconciler builds
 * from the database (through warp_state.h, never SQL), and the rooms that
 * push it into the kernel.  Each room calls only the rooms below it:
 *
 *   kernel_apply.c   the orchestrator, warp_kernel_apply()
 *   kernel_changes.c warp_kernel_apply_changes(): the networks the change
 *                    journal names, and only their devices
 *   kernel_status.c  warp_kernel_status(): stored status + what the kernel
 *                    says (reads only)
 *   kernel_types.c   what each network type adds: routes, firewall rules
 *   kernel_wg.c      warp_wg_: a network's WireGuard device and peers
 *   kernel_fw.c      warp_fw_: nftables through libnftnl
 *   kernel_l2.c      warp_l2_: bridges and their ports (layer-2 types)
 *   kernel_rtnl.c    warp_nl_: VRF and WireGuard links, addresses, routes,
 *                    rules through libnl-route-3
 *   kernel_tc.c      warp_tc_: rate limits (HTB, flower, IFB) over libmnl
 *   kernel_quota.c   warp_quota_: data quotas, table inet warp_traffic
 *   kernel_wgnl.c    warp_wgnl_: WireGuard generic netlink through libmnl
 *   kernel_send.c    warp_nl_send_*, warp_nl_talk, warp_ksysctl_write: the
 *                    one path of every rtnetlink and /proc/sys write,
 *                    counted there and skipped there on a dry run
 *   kernel_ctx.c     plan lines, failures, a network's routes and the
 *                    names of its kernel objects
 *   kernel_netns.c   named network namespaces
 *
 * Counting: rtnetlink and sysctl writes in kernel_send.c, WireGuard
 * messages in warp_wgnl_set(), nftables messages in warp_fw_batch_send()
 * (the firewall) and warp_nft_batch_send() (quotas), traffic control
 * requests in warp_tcq_flush();
 * a dry run goes down the same paths and stops only at the send.
 */
#ifndef WARP_KERNEL_INT_H
#define WARP_KERNEL_INT_H

#include <sys/types.h>

#include <stdint.h>

#include "warp.h"
#include "warp_db_int.h"
#include "warp_kernel.h"
#include "warp_state.h"

/* Receive buffer for dumps (libmnl's MNL_SOCKET_DUMP_SIZE, newer). */
#define WARP_NL_DUMPSZ		32768

struct nl_sock;
struct nl_cache;
struct nlmsghdr;
struct rtnl_link;
struct rtnl_addr;
struct rtnl_route;
struct rtnl_rule;
struct warp_wgnl;
struct warp_kctx;
struct warp_knet;
struct warp_fw_build;
struct mnl_socket;
struct nftnl_batch;
struct nftnl_rule;

/* An IPv4 or IPv6 prefix (IPv6 is only ever the unreachable default). */
struct warp_kprefix {
	int		family;		/* AF_INET, AF_INET6 */
	uint8_t		addr[16];	/* network byte order */
	int		len;
};

/* A route the appliance wants in a VRF table. */
struct warp_kroute {
	struct warp_kprefix	dst;
	uint32_t		table;
	uint8_t			type;		/* RTN_UNICAST, RTN_UNREACHABLE */
	uint32_t		metric;
	uint32_t		gateway;	/* IPv4, network order, 0: none */
	int			oif;		/* 0: none */
	char			oifname[WARP_IFNAMSIZ];
	int			onlink;
};

/* What a network type needs in the kernel beyond the common part. */
struct warp_ktype {
	enum warp_net_type	type;
	int			peer_lans;	/* peers carry their LANs */
	int			layer2;		/* bridge + ports (kernel_l2.c) */
	int	(*routes)(struct warp_kctx *, struct warp_knet *);
	void	(*fw_from)(struct warp_kctx *, struct warp_knet *);
	void	(*fw_to)(struct warp_kctx *, struct warp_knet *);
};

const struct warp_ktype	*warp_ktype_get(enum warp_net_type);

struct warp_knet {
	struct warp_network	 net;
	const struct warp_ktype	*kt;
	struct warp_state_netkey key;	/* opened only if the device's differs */
	struct warp_state_peer	*peers;
	size_t			 npeers;
	struct warp_kroute	*routes;
	size_t			 nroutes;
	size_t			 caproutes;
	int			 vrf_ifindex;
	int			 wg_ifindex;
	int			 links_ok;	/* VRF and wg exist (or will) */
	int			 fw_closed;	/* its chains are "drop" only */
	int			 hold;		/* desired state unreadable: keep */
	/*
	 * The incremental apply per endpoint (kernel_changes.c): peers holds
	 * the journaled endpoints' peers only, olds the keys they had.
	 */
	int			 some;
	struct warp_state_epchange *olds;
	size_t			 nolds;
	/*
	 * Its rates or quotas changed (the incremental apply, with
	 * ctx->tc_scoped): the whole network is loaded, and the traffic
	 * rooms reconcile its devices and its endpoints' quota objects only.
	 */
	int			 traffic;
	/*
	 * ... and the journal names every endpoint whose limits changed
	 * (kernel_changes.c): tcpeers holds those endpoints' peers (the
	 * journaled ones and those whose own limits changed), and the
	 * traffic rooms read and write only their classes, filters and
	 * quota objects (warp_tc_apply); tc_up_gone: no upload of the
	 * network is shaped any more, its IFB device goes.
	 */
	int			 tc_some;
	struct warp_state_peer	*tcpeers;
	size_t			 ntcpeers;
	int			 tc_up_gone;
	int			 failed;
	char			 error[256];
	char			 alias[WARP_IFNAMSIZ + 8];
};

/*
 * Write messages sent to the kernel by one warp_kernel_apply() (or, on a
 * dry run, that it would send): what tests count to prove idempotence
 * (all zero on a second apply) and incremental updates.
 */
struct warp_kernel_counters {
	uint64_t	rtnl;		/* link, addr, route, rule, neigh */
	uint64_t	genl;		/* WG_CMD_SET_DEVICE (warp_wgnl_set) */
	uint64_t	nft;		/* nftables messages inside batches */
	uint64_t	nft_batches;	/* atomic batches sent */
	uint64_t	sysctl;		/* /proc/sys writes (kernel_send.c) */
	uint64_t	tc;		/* RTM_NEW/DEL qdisc, class, filter */
	uint64_t	peers;		/* peers created, changed or removed */
	uint64_t	psk_opened;	/* sealed preshared keys opened */
	uint64_t	psk_vouched;	/* the kernel's, vouched for by a check */
	uint64_t	netkey_opened;	/* networks' sealed private keys opened */
	uint64_t	netkey_vouched;	/* the device's, vouched for by a check */
	/*
	 * Read requests, what the incremental apply is judged by: rtnetlink
	 * dumps and gets (each cache fill of warp_nl_open, each link get,
	 * each warp_nl_talk read, each traffic-control get), of them the
	 * dumps of every link, the WireGuard devices read (one GET_DEVICE
	 * dump each), and the runs of the rooms that read whole tables of
	 * their own (the nftables firewall, warp-firewall's table, rate
	 * limits and quotas: one each per run; the per-endpoint traffic path
	 * counts each get of the quota table instead, warp_qt_read_some).
	 */
	uint64_t	rd_rtnl;
	uint64_t	rd_link_dumps;
	uint64_t	rd_wg;
	uint64_t	rd_tables;
};

struct warp_kctx {
	struct warp_db			*db;
	int				 dry_run;
	struct warp_buf			*plan;
	struct warp_kernel_counters	*cnt;
	struct warp_server_config	 cfg;
	int64_t				 now;

	struct warp_knet		*nets;
	size_t				 nnets;

	/* rtnetlink */
	struct nl_sock			*rtnl;
	struct nl_cache			*links;
	struct nl_cache			*addrs;
	struct nl_cache			*routes4;
	struct nl_cache			*routes6;
	struct nl_cache			*rules;
	struct warp_nl_index		*nlindex;	/* kernel_nlindex.c */

	/* uplink, resolved from the main table */
	int				 uplink_ifindex;
	uint32_t			 uplink_gw;	/* network order */
	char				 uplink_error[160];

	struct warp_wgnl		*wgnl;

	/* rtnetlink through libmnl: bridge VLANs, FDB (kernel_send.c) */
	struct mnl_socket		*l2nl;
	uint32_t			 l2seq;

	/* firewall rule builder state (kernel_fw.c) */
	struct warp_fw_build		*fw;

	int				 fw_failed;
	char				 fw_error[256];

	/*
	 * The incremental apply of traffic limits (kernel_changes.c):
	 * warp_tc_apply and warp_quota_apply touch only the networks marked
	 * traffic, take no sample and turn no quota period, and never remove
	 * or rebuild the quota table (the periodic full apply does those).
	 */
	int				 tc_scoped;
};

/*
 * Shared by the full apply (kernel_apply.c) and the incremental one
 * (kernel_changes.c).  warp_kapply_full: warp_kernel_apply() without the
 * lock and the journal (the caller holds both); *ran is set once it got
 * as far as recording the status (the journal may advance then).
 * warp_kload_net: one network's row and desired state into kn
 * (warp_kload_head: its row, names and check; warp_kload_peers_check:
 * the plan and failures of the peers loaded into kn).
 * warp_kplan_counts: the plan's "sent ..." and "read ..." lines.
 */
int	warp_kapply_full(struct warp_db *, const char *, int, struct warp_buf *,
	    int *, struct warp_err *);
void	warp_kload_net(struct warp_kctx *, struct warp_knet *,
	    const struct warp_network *);
void	warp_kload_head(struct warp_kctx *, struct warp_knet *,
	    const struct warp_network *);
void	warp_kload_peers_check(struct warp_kctx *, struct warp_knet *);
void	warp_kctx_free(struct warp_kctx *);
void	warp_kstatus_peer(struct warp_knet *, struct warp_state_peer *,
	    struct warp_state_status *);
void	warp_kplan_counts(struct warp_kctx *);

/* Plan lines, failures, routes, object names (kernel_ctx.c). */
void	warp_kcopy(char *, size_t, const char *);
void	warp_kplan(struct warp_kctx *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	warp_knet_fail(struct warp_kctx *, struct warp_knet *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	warp_kroute_add(struct warp_knet *, const struct warp_kroute *);
void	warp_kprefix_v4(struct warp_kprefix *, const struct warp_cidr *);
void	warp_kprefix_format(const struct warp_kprefix *, char *, size_t);
void	warp_knet_gt_name(const struct warp_knet *, uint32_t, char *, size_t);
int	warp_knet_link_wanted(const struct warp_knet *, const char *);
struct warp_state_peer *warp_knet_limited(const struct warp_knet *, size_t *);
int	warp_qt_some(const struct warp_kctx *);

/*
 * The write path (kernel_send.c).  Each helper counts the message in
 * ctx->cnt and, on a dry run, returns 0 without sending it (and without
 * looking at a link or message that a dry run could not have read).
 * libnl ones return a libnl error code (< 0), the libmnl ones -errno.
 */
int	warp_nl_send_link_add(struct warp_kctx *, struct rtnl_link *, int);
int	warp_nl_send_link_change(struct warp_kctx *, struct rtnl_link *,
	    struct rtnl_link *);
int	warp_nl_send_link_delete(struct warp_kctx *, struct rtnl_link *);
int	warp_nl_send_addr_add(struct warp_kctx *, struct rtnl_addr *);
int	warp_nl_send_addr_delete(struct warp_kctx *, struct rtnl_addr *);
int	warp_nl_send_route_add(struct warp_kctx *, struct rtnl_route *, int);
int	warp_nl_send_route_delete(struct warp_kctx *, struct rtnl_route *);
int	warp_nl_send_rule_add(struct warp_kctx *, struct rtnl_rule *, int);
int	warp_nl_send_rule_delete(struct warp_kctx *, struct rtnl_rule *);
int	warp_nl_send_msg(struct warp_kctx *, struct nlmsghdr *);
int	warp_ksysctl_write(struct warp_kctx *, int, const char *);
/* n write messages were sent (a test hook's count; kernel_send.c); ret. */
int	warp_ksent(int, uint64_t);
/* A read over the libmnl rtnetlink socket (a dump, or a get with ACK). */
int	warp_nl_talk(struct warp_kctx *, struct nlmsghdr *,
	    int (*)(const struct nlmsghdr *, void *), void *);
void	warp_nl_talk_close(struct warp_kctx *);
/* libmnl plumbing shared by the rooms (kernel_send.c; -errno on failure). */
int	warp_mnl_run(const void *, size_t, uint32_t, uint32_t,
	    int (*)(const struct nlmsghdr *, void *), void *);
int	warp_mnl_talk(struct mnl_socket *, struct nlmsghdr *,
	    int (*)(const struct nlmsghdr *, void *), void *);
int	warp_mnl_acks(struct mnl_socket *, size_t, uint32_t,
	    void (*)(void *, size_t, int), void *);
int	warp_nft_open(struct mnl_socket **);
int	warp_nft_udata_ok(const void *, uint32_t);
const char *warp_nft_rule_comment(const struct nftnl_rule *);
/* warp_mnl_acks()'s refused() keeping the first refusal (index, errno). */
struct warp_nft_first {
	ssize_t	*bad;
	int	*bad_errno;
};
void	warp_nft_refused(void *, size_t, int);
int	warp_nft_dump(struct mnl_socket *, struct nlmsghdr *,
	    int (*)(const struct nlmsghdr *, void *), void *);
int	warp_nft_batch_send(struct warp_kctx *, struct mnl_socket *,
	    struct nftnl_batch *, size_t, uint32_t, ssize_t *, int *);

/* rtnetlink (kernel_rtnl.c). */
int	warp_nl_open(struct warp_kctx *, struct warp_err *);
void	warp_nl_close(struct warp_kctx *);
void	warp_nl_resolve_uplink(struct warp_kctx *);
int	warp_nl_lookup_main(struct warp_kctx *, uint32_t, int *, uint32_t *);
int	warp_nl_ifindex(struct warp_kctx *, const char *);
int	warp_nl_ifname(struct warp_kctx *, int, char *, size_t);
/*
 * The dumps sorted by the key one network looks up (kernel_nlindex.c):
 * built by warp_nl_open, freed by warp_nl_close.  warp_nl_link_get: a
 * link by name, referenced (rtnl_link_put), as rtnl_link_get_by_name.
 * The _next walkers give one key's objects in dump order (prev NULL to
 * start, NULL at the end); without the index, the whole cache.
 */
void	warp_nl_index_build(struct warp_kctx *);
void	warp_nl_index_free(struct warp_kctx *);
struct rtnl_link *warp_nl_link_get(struct warp_kctx *, const char *);
struct nl_object *warp_nl_route_next(struct warp_kctx *, int, uint32_t,
	    size_t *, struct nl_object *);
struct nl_object *warp_nl_rule_next(struct warp_kctx *, uint32_t, size_t *,
	    struct nl_object *);
struct nl_object *warp_nl_addr_next(struct warp_kctx *, int, size_t *,
	    struct nl_object *);
void	warp_nl_remove_stale(struct warp_kctx *);
int	warp_nl_links(struct warp_kctx *, struct warp_knet *);
int	warp_nl_addrs(struct warp_kctx *, struct warp_knet *);
int	warp_nl_routes(struct warp_kctx *, struct warp_knet *);
int	warp_nl_rules(struct warp_kctx *, struct warp_knet *);
int	warp_nl_lo_up(struct warp_kctx *);
int	warp_nl_mark(struct warp_kctx *, struct warp_knet *, const char *, int,
	    int *);
/* 1: the link is ours (a half-made one of ours is marked now). */
int	warp_nl_link_claim(struct warp_kctx *, struct warp_knet *,
	    struct rtnl_link *, const char *);

/*
 * Layer-2 networks (kernel_l2.c): the VLAN-aware bridge br<vcid>, its
 * GRE TAP (l2-p2p, one per active endpoint) or VXLAN (l2-mesh) ports,
 * the ports' VLANs and the VXLAN replication entries.
 */
/* WARP_VXLAN_PORT: warp.h, shared with the sites' configs. */
int	warp_l2_apply(struct warp_kctx *, struct warp_knet *);
/*
 * The incremental apply of a layer-2 network (kernel_changes.c): the
 * ports (l2-p2p) or replication entries (l2-mesh) of the journaled
 * endpoints only (kn->some), made or removed without reading the
 * network's other ports.  ctx->links holds only what kernel_changes.c
 * read by name (warp_kchg_l2_links): the network's VRF, bridge, VXLAN
 * device and the GRE TAPs these endpoints have or had.
 */
int	warp_l2_apply_some(struct warp_kctx *, struct warp_knet *);

/* WireGuard generic netlink (kernel_wgnl.c). */
struct warp_wgpeer {
	uint8_t			public_key[WARP_KEY_LEN];
	uint8_t			psk[WARP_KEY_LEN];
	int			has_psk;
	int			keepalive;
	struct warp_cidr	*allowed;	/* IPv4 only; others counted */
	size_t			nallowed;
	size_t			nallowed_other;
	int64_t			last_handshake;
	uint64_t		rx_bytes;
	uint64_t		tx_bytes;
	char			remote[64];
};

struct warp_wgdev {
	uint8_t			private_key[WARP_KEY_LEN];
	int			has_private_key;
	uint8_t			public_key[WARP_KEY_LEN];	/* the kernel's */
	int			has_public_key;
	int			listen_port;
	struct warp_wgpeer	*peers;		/* sorted by public key */
	size_t			npeers;
};

#define WARP_WGOP_REMOVE	0x01
#define WARP_WGOP_REPLACE_IPS	0x02

/* Why the diff asks for an operation (what its plan line says). */
enum warp_wgwhy {
	WARP_WGWHY_CREATE,	/* wanted, not in the kernel */
	WARP_WGWHY_CHANGE,	/* psk, keepalive or allowed IPs differ */
	WARP_WGWHY_INACTIVE,	/* in the kernel, endpoint disabled/expired */
	WARP_WGWHY_UNKNOWN,	/* in the kernel, no endpoint has its key */
	/* warp_wg_apply_some, which reads no device: */
	WARP_WGWHY_SET,		/* wanted: set as it should be */
	WARP_WGWHY_OLDKEY	/* a journaled key no endpoint has now */
};

struct warp_wgop {
	const uint8_t		*public_key;
	const uint8_t		*psk;		/* NULL: leave */
	const struct warp_cidr	*allowed;
	size_t			 nallowed;
	int			 flags;
	enum warp_wgwhy		 why;
	const struct warp_state_peer *want;	/* NULL: WARP_WGWHY_UNKNOWN */
};

int	warp_wgnl_open(struct warp_wgnl **, struct warp_err *);
void	warp_wgnl_close(struct warp_wgnl *);
int	warp_wgnl_get(struct warp_wgnl *, const char *, struct warp_wgdev *,
	    struct warp_err *);
void	warp_wgnl_dev_free(struct warp_wgdev *);
const struct warp_wgpeer *warp_wgnl_find(const struct warp_wgdev *,
	    const uint8_t *);
int	warp_wgnl_cidr_cmp(const void *, const void *);
/*
 * Set a device: private key (NULL: leave), listen port (-1: leave), peer
 * operations, in as few messages as they fit in; *sent counts them.  A
 * dry run (w may be NULL) builds and counts the same messages, sends none.
 */
int	warp_wgnl_set(struct warp_wgnl *, const char *, const uint8_t *, int,
	    const struct warp_wgop *, size_t, int, uint64_t *,
	    struct warp_err *);

/*
 * A network's WireGuard device (kernel_wg.c).  warp_wg_diff is the pure
 * part: desired peers (sorted with warp_wg_sort) against the kernel's
 * (sorted by warp_wgnl_get), into ops (room for nwant + dev->npeers);
 * returns the number of operations.
 */
void	warp_wg_sort(struct warp_state_peer *, size_t);
size_t	warp_wg_diff(const struct warp_state_peer *, size_t,
	    const struct warp_wgdev *, struct warp_wgop *);
int	warp_wg_reconcile(struct warp_kctx *, struct warp_knet *);
/*
 * The journaled endpoints of kn only (kn->some): their old keys removed
 * where no endpoint of them has that key now, the inactive ones' peers
 * removed, the active ones' set, in one SET_DEVICE without reading the
 * device (what is there already is set again, to the same).
 */
int	warp_wg_apply_some(struct warp_kctx *, struct warp_knet *);

/*
 * nftables (kernel_fw.c).  The desired table is built in memory (ctx->fw)
 * and compared chain by chain with what the kernel has; the structures
 * are here so that the pure diff can be tested without a kernel.
 */
#define WARP_FW_CHAINLEN	32
#define WARP_FW_COMMENTLEN	256

struct warp_fw_rule {
	char			 chain[WARP_FW_CHAINLEN];
	char			 comment[WARP_FW_COMMENTLEN];
	struct nftnl_rule	*r;
	int			 net;		/* owning network, -1: none */
	int			 has_nfproto;
};

struct warp_fw_chain {
	char		 name[WARP_FW_CHAINLEN];
	const char	*type;		/* NULL: regular chain */
	uint32_t	 hook;
	int32_t		 prio;
	int		 net;
	size_t		*rules;		/* its rules: indexes in fw->rules */
	size_t		 nrules;
	/* what the kernel has */
	int		 present;
	int		 have_base;
	uint32_t	 have_hook;
	int32_t		 have_prio;
	char		 have_type[16];
	char		**have;		/* rule comments, in order */
	size_t		 nhave;
	int		 stale;		/* in the kernel, not wanted */
	int		 rewrite;	/* flush and refill */
	int		 recreate;	/* delete and create again */
};

/*
 * One element of a named set as the kernel holds it: an exact key, or
 * one end of an interval (flags NFT_SET_ELEM_INTERVAL_END on the end);
 * in a verdict map, the jump it maps to.
 */
#define WARP_FW_KEYLEN		20	/* ifname . ipv4_addr */

struct warp_fw_elem {
	uint8_t		key[WARP_FW_KEYLEN];
	uint32_t	flags;
	int		verdict;	/* maps only */
	char		chain[WARP_FW_CHAINLEN];
	int		net;		/* owning network, -1: shared */
	int		change;		/* diff: to add (want), to delete (have) */
};

/* A prefix of an interval set, [lo, hi) in host order. */
struct warp_fw_range {
	uint64_t	lo;
	uint64_t	hi;
};

struct warp_fw_set {
	char			 name[WARP_FW_CHAINLEN];
	uint32_t		 flags;		/* NFT_SET_INTERVAL, _MAP */
	uint32_t		 key_type;	/* nft's datatype ids */
	uint32_t		 key_len;
	uint32_t		 data_type;	/* maps: NFT_DATA_VERDICT */
	uint32_t		 data_len;
	uint32_t		 key_order;
	int			 net;		/* its network's; -1: shared */
	struct warp_fw_range	*ranges;	/* interval sets, before */
	size_t			 nranges;	/* warp_fw_set_ranges() */
	struct warp_fw_elem	*want;
	size_t			 nwant;
	/* what the kernel has */
	int			 present;
	uint32_t		 have_flags;
	uint32_t		 have_key_type;
	uint32_t		 have_key_len;
	uint32_t		 have_data_type;
	uint32_t		 have_data_len;
	struct warp_fw_elem	*have;
	size_t			 nhave;
	int			 stale;		/* in the kernel, not wanted */
	int			 recreate;	/* delete and create again */
	size_t			 nadd;		/* elements to add, delete */
	size_t			 ndel;
};

struct warp_fw_build {
	struct warp_fw_chain	*chains;
	size_t			 nchains;
	size_t			*chash;		/* chains by name */
	size_t			 chashsz;
	struct warp_fw_set	*sets;
	size_t			 nsets;
	struct warp_fw_rule	*rules;
	size_t			 nrules;
	struct warp_fw_rule	*cur;
	int			 cur_net;
	int			 table_present;
};

/* What each message of a batch was, to name the culprit of an error. */
struct warp_fw_msg {
	int		net;
	char		what[WARP_FW_COMMENTLEN + 48];
};

struct warp_fw_batch {
	struct nftnl_batch	*b;
	uint32_t		 seq0;
	uint32_t		 seq;
	struct warp_fw_msg	*msgs;
	size_t			 nmsgs;
	int			 full;		/* a message did not fit */
};

int	warp_fw_apply(struct warp_kctx *);
void	warp_fw_free(struct warp_kctx *);
/* The desired table of ctx->nets, in a new ctx->fw. */
void	warp_fw_build(struct warp_kctx *);
/* What the kernel has: a chain (found, or a stale one), one of its rules. */
struct warp_fw_chain *warp_fw_have_chain(struct warp_fw_build *, const char *);
void	warp_fw_have_rule(struct warp_fw_chain *, const char *);
/* A set the kernel has (found, or a stale one) and one of its elements. */
struct warp_fw_set *warp_fw_have_set(struct warp_fw_build *, const char *);
void	warp_fw_have_elem(struct warp_fw_set *, const struct warp_fw_elem *);
/*
 * Decide per chain, per set and per set element; returns the number of
 * chains and sets to touch plus the number of elements to add or delete.
 */
int	warp_fw_diff(struct warp_kctx *);
/* The batch of messages the decisions ask for (begin and end included). */
void	warp_fw_batch_make(struct warp_kctx *, struct warp_fw_batch *);
void	warp_fw_batch_free(struct warp_fw_batch *);
/*
 * Rule builder for the per-type hooks: start a rule in a chain, add
 * matches, end with a verdict.  The rule's comment (its identity when
 * comparing with the kernel) is written from the same calls.
 */
void	warp_fw_rule(struct warp_kctx *, const char *);
void	warp_fw_r_ifname(struct warp_kctx *, int, int, const char *);
void	warp_fw_r_ip(struct warp_kctx *, int, int, const struct warp_cidr *);
void	warp_fw_r_ct_established(struct warp_kctx *);
void	warp_fw_r_udp_dport(struct warp_kctx *, uint16_t);
void	warp_fw_r_verdict(struct warp_kctx *, int, const char *);
void	warp_fw_r_masquerade(struct warp_kctx *);
/* Matches against a named set: ip saddr|daddr @set, iifname|oifname
 * @set (or vmap @set when the set is a verdict map), iifname . ip daddr
 * @set. */
void	warp_fw_r_ip_set(struct warp_kctx *, int, const char *);
void	warp_fw_r_ifname_set(struct warp_kctx *, int, const char *);
void	warp_fw_r_ifaddr_set(struct warp_kctx *, const char *);
/*
 * The table's named sets (kernel_fwset.c): made empty before the networks
 * add their elements, interval ranges merged into elements after; read
 * back, compared, and written by the batch in its order.
 */
void	warp_fw_sets_init(struct warp_fw_build *);
void	warp_fw_set_net_prefixes(struct warp_kctx *, const char *);
void	warp_fw_set_ranges(struct warp_fw_build *);
int	warp_fw_set_flags(struct warp_fw_build *, const char *, uint32_t *);
int	warp_fw_sets_read(struct warp_fw_build *, struct mnl_socket *);
int	warp_fw_sets_diff(struct warp_fw_build *);
void	warp_fw_fill_elems_del(struct warp_kctx *, struct warp_fw_batch *);
void	warp_fw_fill_sets_del(struct warp_kctx *, struct warp_fw_batch *);
void	warp_fw_fill_sets_new(struct warp_kctx *, struct warp_fw_batch *);
void	warp_fw_sets_free(struct warp_fw_build *);
/* Shared with kernel_fw.c: a dump of the table (set: a set's elements),
 * the next message of a batch (NULL and fb->full once it is full). */
int	warp_fw_dump(struct mnl_socket *, uint16_t, const char *,
	    int (*)(const struct nlmsghdr *, void *), void *);
struct nlmsghdr *warp_fw_msg(struct warp_fw_batch *, uint16_t, uint16_t, int,
	    const char *, ...) __attribute__((format(printf, 5, 6)));
/* Elements of the table's named sets. */
void	warp_fw_set_prefix(struct warp_kctx *, const char *,
	    const struct warp_cidr *);
void	warp_fw_set_ifname(struct warp_kctx *, const char *, const char *,
	    const char *);
void	warp_fw_set_ifaddr(struct warp_kctx *, const char *, const char *,
	    uint32_t);
void	warp_fw_chain_name(const struct warp_knet *, const char *, char *,
	    size_t);

/* Which side of the packet a matcher looks at. */
#define WARP_FW_IN		0
#define WARP_FW_OUT		1
#define WARP_FW_SRC		0
#define WARP_FW_DST		1

#endif
