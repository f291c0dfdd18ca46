/*
 * WARP gateway: realisation of the networks in the Linux kernel.
 *
 * The desired state lives in the database; warp_kernel_apply() reads it,
 * dumps what the kernel has (links, addresses, routes, rules over
 * rtnetlink, WireGuard devices over generic netlink, the appliance's own
 * nftables table), computes the difference and sends only that.  It is
 * the one privileged entry point: callers (warpctl, the Kore parent
 * process on behalf of a worker) pass nothing but "apply now".
 *
 * Kernel objects owned by the appliance are recognised without a second
 * source of truth: links carry the alias "warp:<vcid>", routes and rules
 * the protocol WARP_RTPROT, nftables objects live in table inet warp.
 */
#ifndef WARP_KERNEL_H
#define WARP_KERNEL_H

#include <stdint.h>

#include "warp.h"

#define WARP_RTPROT		233	/* rtm_protocol of our routes, rules */
#define WARP_RULE_PREF		1500	/* after l3mdev (1000), before main */
#define WARP_NFT_TABLE		"warp"	/* family inet */
#define WARP_LINK_ALIAS		"warp:"	/* IFLA_IFALIAS prefix */
/* The kernel's VRF documentation ends each table with this metric. */
#define WARP_METRIC_UNREACHABLE	4278198272U

/*
 * Reconcile the kernel with the database.  netns: NULL = the namespace
 * named in server_config (created if absent), "" = the caller's own.
 * dry_run: read the kernel and fill plan, change nothing (not even the
 * stored apply status).  plan (may be NULL) gets one line per change,
 * "create ...", "change ...", "remove ...", and a last "sent N write
 * messages: ..." (dry run: "would send N ...") line, counted where the
 * messages are sent (src/kernel/kernel_send.c), so both agree, then a
 * "read N requests: ..." line counting the dumps and gets it read.
 * Returns 0 when every object applied, -1 with err set otherwise; a
 * failing network is recorded in apply_status and does not stop others.
 */
int	warp_kernel_apply(struct warp_db *db, const char *netns, int dry_run,
	    struct warp_buf *plan, struct warp_err *err);

/*
 * The incremental apply: the changes journaled since the last apply
 * (full or incremental), each network's rows and WireGuard device only
 * (kernel_changes.c says when that is enough); anything beyond one
 * network's peers runs warp_kernel_apply() instead and says so in the
 * plan.  Same arguments, plan lines and counts; its plan also ends with
 * the "read N requests: ..." line, which counts what was read.
 */
int	warp_kernel_apply_changes(struct warp_db *db, const char *netns,
	    int dry_run, struct warp_buf *plan, struct warp_err *err);

/* Status of every network and endpoint: stored apply status + kernel. */
struct warp_kernel_net_status {
	int64_t		id;
	char		name[WARP_NAME_MAX + 1];
	char		type[24];
	char		if_wg[WARP_IFNAMSIZ];
	char		if_vrf[WARP_IFNAMSIZ];
	int		enabled;
	int		present;	/* wg device exists in the kernel */
	int		up;
	int		listen_port;	/* from the kernel, 0: absent */
	char		apply_status[16];	/* applied/pending/failed/"" */
	char		apply_error[256];
};

struct warp_kernel_peer_status {
	int64_t		endpoint_id;
	int64_t		network_id;
	char		network[WARP_NAME_MAX + 1];
	char		name[WARP_NAME_MAX + 1];
	char		public_key[WARP_KEY_B64_LEN + 1];
	int		active;		/* enabled and not expired */
	int		present;	/* peer configured in the kernel */
	int64_t		last_handshake;	/* unix seconds, 0: never */
	uint64_t	rx_bytes;
	uint64_t	tx_bytes;
	char		remote[64];	/* "addr:port", "" if none */
	char		apply_status[16];
	char		apply_error[256];
};

struct warp_kernel_status {
	struct warp_kernel_net_status	*nets;
	size_t				 nnets;
	struct warp_kernel_peer_status	*peers;
	size_t				 npeers;
	int				 kernel_read;	/* netns reachable */
	char				 netns[WARP_IFNAMSIZ];
};

/*
 * Read status; never creates a namespace nor changes the kernel.  The
 * observed numbers are also stored in endpoint_stats.
 */
int	warp_kernel_status(struct warp_db *db, const char *netns,
	    struct warp_kernel_status *st, struct warp_err *err);
void	warp_kernel_status_free(struct warp_kernel_status *);

/*
 * Named network namespaces (iproute2 compatible: /run/netns/NAME).
 * enter: switch the calling thread into NAME ("" or NULL: stay), creating
 * it if create is set; *saved gets a descriptor of the previous namespace
 * (-1 if none was switched) for warp_netns_leave().
 */
int	warp_netns_enter(const char *name, int create, int *saved,
	    struct warp_err *err);
void	warp_netns_leave(int saved);
int	warp_netns_exists(const char *name);
int	warp_netns_delete(const char *name, struct warp_err *err);

/*
 * The host around the gateway (kernel_host.c), over netlink only.
 * warp_host_firewall: the base input policy in table inet warp_host
 * (replies, loopback, ICMP/ICMPv6, SSH, 80, 443, the WireGuard port
 * pool, inside the tunnels; drop the rest), other tables untouched, and
 * net.ipv4.ip_forward on; remove: the table only.  warp_host_uplink:
 * `make run`'s uplink for the gateway namespace netns: veth
 * WARP_DEV_HOST_IF (host, .1/30) -- WARP_DEV_NS_IF (namespace, .2/30,
 * default route via .1), forwarding on, and table ip warp_dev
 * (masquerade out, DNAT of the port pool to .2); remove: the table, the
 * pair and the namespace.  Both read the kernel first and send only a
 * difference: *sent counts the messages (0 on a second run); plan (may
 * be NULL) gets one line per step.
 */
#define WARP_DEV_HOST_IF	"warp-dev0"
#define WARP_DEV_NS_IF		"uplink0"
#define WARP_DEV_HOST_ADDR	0x0ae7ff01U	/* 10.231.255.1 */
#define WARP_DEV_PEER_ADDR	0x0ae7ff02U	/* 10.231.255.2 */
#define WARP_DEV_PREFIXLEN	30

struct warp_host_fw {
	uint16_t	ssh_port;
	uint16_t	port_min;	/* the WireGuard port pool */
	uint16_t	port_max;
};

struct warp_host_uplink {
	const char	*netns;
	uint16_t	 port_min;	/* DNAT to the namespace */
	uint16_t	 port_max;
};

int	warp_host_firewall(const struct warp_host_fw *, int remove,
	    struct warp_buf *plan, uint64_t *sent, struct warp_err *);
/*
 * The full apply's part: where table inet warp_host is, its WireGuard
 * port pool rule follows port_min-port_max (the SSH port stays the
 * table's own); no table: nothing.  dry_run: *sent is what would be.
 */
int	warp_host_firewall_pool(uint16_t port_min, uint16_t port_max,
	    int dry_run, struct warp_buf *plan, uint64_t *sent,
	    struct warp_err *);
int	warp_host_uplink(const struct warp_host_uplink *, int remove,
	    struct warp_buf *plan, uint64_t *sent, struct warp_err *);

#endif
