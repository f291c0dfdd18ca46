/*
 * Internal to src/kernel/: the desired-state model the reconciler builds
 * from the database, and the modules that push it into the kernel:
 * warp_nl_ (rtnetlink through libnl-route-3), warp_wgnl_ (WireGuard
 * generic netlink through libmnl), warp_fw_ (nftables through libnftnl).
 */
#ifndef WARP_KERNEL_INT_H
#define WARP_KERNEL_INT_H

#include <stdint.h>

#include "warp.h"
#include "warp_db_int.h"
#include "warp_kernel.h"

/* Receive buffer for dumps (libmnl's MNL_SOCKET_DUMP_SIZE, newer). */
#define WARP_NL_DUMPSZ		32768

struct nl_sock;
struct nl_cache;
struct rtnl_link;
struct warp_wgnl;
struct warp_kctx;
struct warp_knet;
struct warp_fw_build;
struct mnl_socket;

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

/* A WireGuard peer as the gateway side should have it. */
struct warp_kpeer {
	int64_t			endpoint_id;
	char			name[WARP_NAME_MAX + 1];
	uint8_t			public_key[WARP_KEY_LEN];
	uint8_t			psk[WARP_KEY_LEN];
	struct warp_cidr	allowed[1 + WARP_MAX_LANS];
	size_t			nallowed;
	int			active;
	int			failed;
	char			error[160];
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
	uint8_t			 private_key[WARP_KEY_LEN];
	struct warp_kpeer	*peers;
	size_t			 npeers;
	struct warp_kroute	*routes;
	size_t			 nroutes;
	size_t			 caproutes;
	int			 vrf_ifindex;
	int			 wg_ifindex;
	int			 links_ok;	/* VRF and wg exist (or will) */
	int			 fw_closed;	/* its chains are "drop" only */
	int			 hold;		/* desired state unreadable: keep */
	int			 failed;
	char			 error[256];
	char			 alias[WARP_IFNAMSIZ + 8];
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

	/* uplink, resolved from the main table */
	int				 uplink_ifindex;
	uint32_t			 uplink_gw;	/* network order */
	char				 uplink_error[160];

	struct warp_wgnl		*wgnl;

	/* rtnetlink through libmnl: bridge VLANs, FDB (kernel_l2.c) */
	struct mnl_socket		*l2nl;
	uint32_t			 l2seq;

	/* firewall rule builder state (kernel_fw.c) */
	struct warp_fw_build		*fw;

	int				 fw_failed;
	char				 fw_error[256];
};

/* Plan lines and failures. */
void	warp_kcopy(char *, size_t, const char *);
void	warp_kplan(struct warp_kctx *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	warp_knet_fail(struct warp_kctx *, struct warp_knet *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
int	warp_kroute_add(struct warp_knet *, const struct warp_kroute *);
void	warp_kprefix_v4(struct warp_kprefix *, const struct warp_cidr *);
void	warp_kprefix_format(const struct warp_kprefix *, char *, size_t);
const char *warp_kfeature(int, const char *);

/* rtnetlink (kernel_rtnl.c). */
int	warp_nl_open(struct warp_kctx *, struct warp_err *);
void	warp_nl_close(struct warp_kctx *);
void	warp_nl_resolve_uplink(struct warp_kctx *);
int	warp_nl_lookup_main(struct warp_kctx *, uint32_t, int *, uint32_t *);
int	warp_nl_ifindex(struct warp_kctx *, const char *);
int	warp_nl_ifname(struct warp_kctx *, int, char *, size_t);
void	warp_nl_remove_stale(struct warp_kctx *);
int	warp_nl_links(struct warp_kctx *, struct warp_knet *);
int	warp_nl_addrs(struct warp_kctx *, struct warp_knet *);
int	warp_nl_routes(struct warp_kctx *, struct warp_knet *);
int	warp_nl_rules(struct warp_kctx *, struct warp_knet *);
int	warp_nl_lo_up(struct warp_kctx *);
int	warp_nl_mark(struct warp_kctx *, struct warp_knet *, const char *, int);
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
int	warp_l2_link_wanted(const struct warp_knet *, const char *);
void	warp_l2_close(struct warp_kctx *);

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
	int			listen_port;
	struct warp_wgpeer	*peers;		/* sorted by public key */
	size_t			npeers;
};

#define WARP_WGOP_REMOVE	0x01
#define WARP_WGOP_REPLACE_IPS	0x02

struct warp_wgop {
	const uint8_t		*public_key;
	const uint8_t		*psk;		/* NULL: leave */
	const struct warp_cidr	*allowed;
	size_t			 nallowed;
	int			 flags;
};

int	warp_wgnl_open(struct warp_wgnl **, struct warp_err *);
void	warp_wgnl_close(struct warp_wgnl *);
int	warp_wgnl_get(struct warp_wgnl *, const char *, struct warp_wgdev *,
	    struct warp_err *);
void	warp_wgnl_dev_free(struct warp_wgdev *);
const struct warp_wgpeer *warp_wgnl_find(const struct warp_wgdev *,
	    const uint8_t *);
int	warp_wgnl_set(struct warp_wgnl *, const char *, const uint8_t *, int,
	    const struct warp_wgop *, size_t, uint64_t *, struct warp_err *);
int	warp_wg_reconcile(struct warp_kctx *, struct warp_knet *);

/* nftables (kernel_fw.c). */
int	warp_fw_apply(struct warp_kctx *);
void	warp_fw_free(struct warp_kctx *);
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
void	warp_fw_chain_name(const struct warp_knet *, const char *, char *,
	    size_t);

/* Which side of the packet a matcher looks at. */
#define WARP_FW_IN		0
#define WARP_FW_OUT		1
#define WARP_FW_SRC		0
#define WARP_FW_DST		1

#endif
