/*
 * WARP gateway core library: the one place where networks, endpoints,
 * validation, allocation, keys, config rendering, versions, QR codes and
 * database access live.  warpctl (cli/) and warpd (src/web/) both link it.
 *
 * Conventions: functions return 0 on success and -1 on failure with a
 * struct warp_err filled in; WARP_EINPUT errors are the caller's fault (bad
 * input, nothing written), WARP_ESYSTEM errors are not.  Every mutating
 * call runs in one transaction: on error nothing is written.
 */
#ifndef WARP_H
#define WARP_H

#include <stddef.h>
#include <stdint.h>

#define WARP_DB_DEFAULT		"/var/lib/warp/warp.db"
/*
 * The master key of the default database: in a root-only directory, never
 * in the database's directory (the web workers can write that one).
 * Other databases keep theirs in WARP_KEY, else in <db>.key.
 */
#define WARP_KEY_DEFAULT	"/var/lib/warp-keys/master.key"
#define WARP_APPLICATION_ID	0x57415250	/* "WARP" */

#define WARP_NAME_MAX		32	/* network and endpoint names */
#define WARP_DESC_MAX		256
#define WARP_KEY_B64_LEN	44	/* base64 of 32 bytes, as wg prints */
#define WARP_KEY_LEN		32
#define WARP_MASTER_KEY_LEN	32	/* master key: XChaCha20-Poly1305 */
#define WARP_IFNAMSIZ		16	/* including the NUL */
#define WARP_MAX_RESOURCES	64
#define WARP_MAX_LANS		32
#define WARP_DNS_MAX		128
#define WARP_HOST_MAX		256

/*
 * Limits that the core, both edges (CLI flags, web form checks and the
 * forms' min/max attributes) and the kernel must agree on: defined here
 * once.
 */
#define WARP_MTU_MIN		1280	/* WireGuard over IPv6 needs 1280 */
#define WARP_MTU_MAX		9000
#define WARP_KEEPALIVE_MAX	65535
#define WARP_PORT_MAX		65535
#define WARP_USERS_MAX		65534	/* a /16 overlay subnet */
#define WARP_VLAN_MAX		4094	/* VLAN ids 1..4094 */
#define WARP_VNI_MAX		16777215	/* VXLAN ids 1..2^24-1 */
#define WARP_VXLAN_PORT		4789	/* IANA VXLAN port, both sides */
/* A network's VCID: 8 digits; it names its kernel objects and table. */
#define WARP_VCID_MIN		10000000
#define WARP_VCID_MAX		99999999
#define WARP_PREFIX_MIN		16	/* the widest overlay, WARP_USERS_MAX */
#define WARP_PREFIX_MAX		30
/* Tunnel overheads over the WireGuard MTU, gateway and site alike. */
#define WARP_GRE_OVERHEAD	38	/* outer IPv4 + GRE + Ethernet */
#define WARP_VXLAN_OVERHEAD	50	/* outer IPv4 + UDP + VXLAN + Ethernet */

/* Errors. */
enum warp_errkind {
	WARP_OK = 0,
	WARP_EINPUT = 1,	/* bad input: exit 1 / HTTP 4xx */
	WARP_ESYSTEM = 2,	/* system failure: exit 2 / HTTP 500 */
	WARP_ENOTFOUND = 3,	/* named object does not exist: exit 1 / 404 */
	WARP_ECONFLICT = 4	/* clashes with existing state: exit 1 / 409 */
};

/*
 * msg names the problem once, in the core's words; field (may be empty)
 * names the input at fault by its core name (the WARP_F_* below), so that
 * each edge adds its own hint: a flag in the CLI, a form field in the web.
 */
struct warp_err {
	int	kind;
	char	msg[512];
	char	field[24];
};

#define WARP_F_EXPECTED_USERS	"expected_users"
#define WARP_F_SUBNET		"subnet"
#define WARP_F_RESOURCES	"resource_subnets"
#define WARP_F_TYPE		"type"
#define WARP_F_PUBLIC_HOST	"public_host"
#define WARP_F_DB		"db"
#define WARP_F_SETTING_HOST	"setting.public_host"
#define WARP_F_PORT_POOL	"setting.port_pool"
#define WARP_F_VERSION		"version"
#define WARP_F_NETWORK		"network"
#define WARP_F_ENDPOINT		"endpoint"

int	warp_err_set(struct warp_err *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
int	warp_err_field(struct warp_err *, const char *);
#define warp_err_input(e, ...)	warp_err_set((e), WARP_EINPUT, __VA_ARGS__)
#define warp_err_system(e, ...)	warp_err_set((e), WARP_ESYSTEM, __VA_ARGS__)
void	warp_err_clear(struct warp_err *);

/* IPv4 prefixes and addresses (host byte order). */
struct warp_cidr {
	uint32_t	addr;
	int		len;
};

#define WARP_CIDR_STRLEN	19	/* "255.255.255.255/32" + NUL */
#define WARP_IP_STRLEN		16

int	warp_ip_parse(const char *, uint32_t *, struct warp_err *);
void	warp_ip_format(uint32_t, char *, size_t);
int	warp_cidr_parse(const char *, struct warp_cidr *, struct warp_err *);
void	warp_cidr_format(const struct warp_cidr *, char *, size_t);
int	warp_cidr_overlaps(const struct warp_cidr *, const struct warp_cidr *);
int	warp_cidr_contains(const struct warp_cidr *, uint32_t);
uint32_t warp_cidr_mask(int);
int	warp_prefix_for_users(long, int *, struct warp_err *);
int	warp_dns_parse(const char *, char *, size_t, struct warp_err *);
int	warp_host_validate(const char *, struct warp_err *);

/* Validation of names and numbers (DESIGN §2). */
int	warp_name_validate(const char *, const char *, struct warp_err *);
int	warp_vlan_parse(const char *, const char *, int *, int *,
	    struct warp_err *);
int	warp_vni_parse(const char *, uint32_t *, struct warp_err *);
int	warp_ifname_validate(const char *, struct warp_err *);
int	warp_time_parse(const char *, int64_t *, struct warp_err *);
void	warp_time_format(int64_t, char *, size_t);

/* Keys (libsodium): X25519 keypairs and preshared keys, base64 as wg. */
int	warp_key_generate(uint8_t priv[WARP_KEY_LEN], uint8_t pub[WARP_KEY_LEN]);
void	warp_key_psk(uint8_t psk[WARP_KEY_LEN]);
int	warp_key_public(const uint8_t priv[WARP_KEY_LEN],
	    uint8_t pub[WARP_KEY_LEN]);
void	warp_key_to_base64(const uint8_t key[WARP_KEY_LEN],
	    char b64[WARP_KEY_B64_LEN + 1]);
int	warp_key_from_base64(const char *, uint8_t key[WARP_KEY_LEN]);

/*
 * Database.  struct warp_db is opaque outside src/core and src/kernel
 * (warp_db_int.h): the edges open and close a handle and call the core;
 * only the core knows the schema.
 */
struct warp_db;

#define WARP_DB_CREATE		0x01	/* create db and master key if absent */
#define WARP_DB_NOKEY		0x02	/* do not load the master key */

const char	*warp_db_default_path(void);
char		*warp_db_key_path(const char *);
char		*warp_db_key_legacy_path(const char *);
int	warp_db_open(struct warp_db **, const char *, int, struct warp_err *);
void	warp_db_close(struct warp_db *);
int	warp_db_begin(struct warp_db *, struct warp_err *);
int	warp_db_commit(struct warp_db *, struct warp_err *);
void	warp_db_rollback(struct warp_db *);
void	warp_db_read_begin(struct warp_db *);
void	warp_db_read_end(struct warp_db *);
int	warp_db_schema_version(struct warp_db *, int *);
void	warp_db_epoch(struct warp_db *, int64_t *, int64_t *);
int	warp_db_master_key(struct warp_db *, uint8_t [WARP_MASTER_KEY_LEN]);
void	warp_db_set_master_key(struct warp_db *,
	    const uint8_t [WARP_MASTER_KEY_LEN]);
/*
 * The web workers never hold the master key: they get a work key for the
 * secrets they serve (endpoints' keys, config text) and the public half
 * of the root pair, to which the gateway's own private keys are sealed
 * (warp_keys.c).  warp_db_worker_keys: 0 if no master key is loaded.
 */
struct warp_worker_keys {
	uint8_t	work[WARP_MASTER_KEY_LEN];
	uint8_t	root_pub[WARP_KEY_LEN];
};
void	warp_keys_worker_derive(const uint8_t [WARP_MASTER_KEY_LEN],
	    struct warp_worker_keys *);
int	warp_db_worker_keys(struct warp_db *, struct warp_worker_keys *);
void	warp_db_set_worker_keys(struct warp_db *,
	    const struct warp_worker_keys *);
/* Root: seal again what was sealed under the master key itself. */
int	warp_db_reseal(struct warp_db *, size_t *, struct warp_err *);
void	warp_db_track_pending(struct warp_db *, int);
int	warp_db_backup(struct warp_db *, const char *, struct warp_err *);
int	warp_db_restore(struct warp_db *, const char *, const char *,
	    struct warp_err *);

/* Encryption at rest under keys derived from the master key. */
int	warp_seal(struct warp_db *, const char *, const void *, size_t,
	    uint8_t **, size_t *, struct warp_err *);
int	warp_unseal(struct warp_db *, const char *, const uint8_t *, size_t,
	    uint8_t **, size_t *, struct warp_err *);
void	warp_secret_free(void *, size_t);

/* Server settings (one row). */
enum warp_net_type {
	WARP_NET_SECURE_INTERNET = 0,
	WARP_NET_RESOURCE_GATEWAY,
	WARP_NET_L3VPN,
	WARP_NET_L2_P2P,
	WARP_NET_L2_MESH,
	WARP_NET_NTYPES
};

struct warp_server_config {
	char		public_host[WARP_HOST_MAX];
	char		uplink[WARP_IFNAMSIZ];
	char		netns[WARP_IFNAMSIZ];
	int		port_min;
	int		port_max;
	char		default_dns[WARP_DNS_MAX];
	int		default_mtu;
	int		default_keepalive;
	struct warp_cidr containers[WARP_NET_NTYPES];
};

int	warp_server_config_get(struct warp_db *, struct warp_server_config *,
	    struct warp_err *);
int	warp_server_config_set(struct warp_db *, const char *, const char *,
	    struct warp_err *);
int	warp_server_init(struct warp_db *, const char *, const char *,
	    struct warp_err *);
int	warp_detect_public_address(char *, size_t, char *, size_t,
	    struct warp_err *);

/* Networks. */
const char	*warp_net_type_name(enum warp_net_type);
int		 warp_net_type_parse(const char *, enum warp_net_type *,
		    struct warp_err *);

struct warp_network {
	int64_t			id;
	uint32_t		vcid;
	char			name[WARP_NAME_MAX + 1];
	enum warp_net_type	type;
	char			description[WARP_DESC_MAX + 1];
	struct warp_cidr	subnet;
	uint32_t		gateway_ip;
	int			expected_users;
	int			listen_port;
	char			public_key[WARP_KEY_B64_LEN + 1];
	char			dns[WARP_DNS_MAX];
	int			mtu;
	int			keepalive;
	int			peer_communication;
	int			vlan_min;	/* 0: untagged only */
	int			vlan_max;
	uint32_t		vni;		/* 0: none (not l2-mesh) */
	int			table_id;
	int			enabled;
	int64_t			created_at;
	struct warp_cidr	resources[WARP_MAX_RESOURCES];
	size_t			nresources;
	/* Derived kernel object names. */
	char			if_wg[WARP_IFNAMSIZ];
	char			if_vrf[WARP_IFNAMSIZ];
	char			if_br[WARP_IFNAMSIZ];
	char			if_vx[WARP_IFNAMSIZ];
};

struct warp_network_spec {
	const char		*name;
	enum warp_net_type	 type;
	const char		*description;
	long			 expected_users;	/* 0: default */
	const char		*subnet;		/* NULL: auto */
	int			 peer_communication;
	const char		*resources[WARP_MAX_RESOURCES];
	size_t			 nresources;
	const char		*vlan;			/* "ID" */
	const char		*vlan_range;		/* "A-B" */
	const char		*vni;
	const char		*dns;
	int			 mtu;			/* 0: default */
	int			 keepalive;		/* -1: default */
	int			 listen_port;		/* 0: from pool */
	const char		*actor;			/* for the audit log */
};

/* Fields of a network an admin may change later; NULL/-1 = unchanged. */
struct warp_network_edit {
	const char		*description;
	const char		*dns;
	int			 mtu;
	int			 keepalive;
	int			 peer_communication;
	int			 listen_port;
	const char		*resources[WARP_MAX_RESOURCES];
	size_t			 nresources;
	int			 set_resources;
	const char		*vlan;
	const char		*vlan_range;
	int			 clear_vlan;
	/*
	 * Size: grow in place to the prefix that holds this many users (0:
	 * unchanged), or to a given subnet that contains the current one
	 * (NULL: unchanged); endpoints and the gateway keep their addresses.
	 */
	long			 expected_users;
	const char		*subnet;
};

void	warp_network_spec_init(struct warp_network_spec *);
void	warp_network_edit_init(struct warp_network_edit *);
int	warp_network_create(struct warp_db *, const struct warp_network_spec *,
	    int64_t *, struct warp_err *);
int	warp_network_create_bulk(struct warp_db *,
	    const struct warp_network_spec *, const enum warp_net_type *, size_t,
	    const char *, long, long, int64_t *, struct warp_err *);
int	warp_network_get(struct warp_db *, const char *, struct warp_network *,
	    struct warp_err *);
int	warp_network_get_id(struct warp_db *, int64_t, struct warp_network *,
	    struct warp_err *);
int	warp_network_list(struct warp_db *, struct warp_network **, size_t *,
	    struct warp_err *);

/*
 * One page of a list ordered by id: the rows after the id `after` (the
 * API's keyset; 0: from the first), skipping `offset` (the pages'
 * ?page=), at most `limit` (0: all).  Parsed by warp_page.c.
 */
struct warp_page {
	int64_t		after;
	int64_t		offset;
	int		limit;
};
#define WARP_PAGE_ROWS		50	/* rows on a page of the web */
#define WARP_API_LIMIT		100	/* rows of an API list by default */
#define WARP_API_LIMIT_MAX	1000

int	warp_page_number(const char *, int64_t, int, struct warp_page *,
	    int64_t *, int64_t *, struct warp_err *);
int	warp_page_keyset(const char *, const char *, int, int,
	    struct warp_page *, struct warp_err *);
int	warp_network_list_page(struct warp_db *, const struct warp_page *,
	    struct warp_network **, size_t *, struct warp_err *);
void	warp_network_list_free(struct warp_network *);
int	warp_network_update(struct warp_db *, const char *,
	    const struct warp_network_edit *, const char *, struct warp_err *);
int	warp_network_set_enabled(struct warp_db *, const char *, int,
	    const char *, struct warp_err *);
int	warp_network_delete(struct warp_db *, const char *, const char *,
	    struct warp_err *);
int	warp_network_count(struct warp_db *, long *, struct warp_err *);
long	warp_network_count_endpoints(struct warp_db *, int64_t);
int	warp_network_private_key(struct warp_db *, int64_t,
	    uint8_t [WARP_KEY_LEN], struct warp_err *);
void	warp_network_ifnames(struct warp_network *);

/* Endpoints. */
enum warp_ep_kind {
	WARP_EP_MOBILE = 0,
	WARP_EP_CPE,
	WARP_EP_GATEWAY,
	WARP_EP_NKINDS
};

const char	*warp_ep_kind_name(enum warp_ep_kind);
int		 warp_ep_kind_parse(const char *, enum warp_ep_kind *,
		    struct warp_err *);

struct warp_endpoint {
	int64_t			id;
	int64_t			network_id;
	char			network_name[WARP_NAME_MAX + 1];
	char			name[WARP_NAME_MAX + 1];
	enum warp_ep_kind	kind;
	uint32_t		overlay_ip;
	char			public_key[WARP_KEY_B64_LEN + 1];
	int			has_private_key;
	int			enabled;
	int64_t			expires_at;	/* 0: never */
	int64_t			created_at;
	int			config_version;	/* latest */
	int			quota_exceeded;	/* warp_traffic.h */
	struct warp_cidr	lans[WARP_MAX_LANS];
	size_t			nlans;
};

struct warp_endpoint_spec {
	const char		*name;
	enum warp_ep_kind	 kind;
	const char		*lans[WARP_MAX_LANS];
	size_t			 nlans;
	const char		*public_key;	/* NULL: generate a keypair */
	const char		*expires;	/* NULL: never */
};

void	warp_endpoint_spec_init(struct warp_endpoint_spec *);
int	warp_endpoint_create(struct warp_db *, const char *,
	    const struct warp_endpoint_spec *, const char *, int64_t *,
	    struct warp_err *);
int	warp_endpoint_create_bulk(struct warp_db *, const char *,
	    const char *, long, long, const struct warp_endpoint_spec *,
	    const char *, int64_t *, long *, struct warp_err *);
int	warp_endpoint_get(struct warp_db *, const char *,
	    struct warp_endpoint *, struct warp_err *);
int	warp_endpoint_get_id(struct warp_db *, int64_t,
	    struct warp_endpoint *, struct warp_err *);
int	warp_endpoint_list(struct warp_db *, int64_t,
	    struct warp_endpoint **, size_t *, struct warp_err *);
int	warp_endpoint_list_with_lans(struct warp_db *, int64_t,
	    struct warp_endpoint **, size_t *, struct warp_err *);
int	warp_endpoint_list_page(struct warp_db *, int64_t,
	    const struct warp_page *, struct warp_endpoint **, size_t *,
	    struct warp_err *);
void	warp_endpoint_list_free(struct warp_endpoint *);
int	warp_endpoint_set_enabled(struct warp_db *, const char *, int,
	    const char *, struct warp_err *);
int	warp_endpoint_set_expiry(struct warp_db *, const char *, const char *,
	    const char *, struct warp_err *);
int	warp_endpoint_set_lans(struct warp_db *, const char *,
	    const char **, size_t, const char *, const char *,
	    struct warp_err *);
int	warp_endpoint_rotate_keys(struct warp_db *, const char *, const char *,
	    const char *, struct warp_err *);
int	warp_endpoint_delete(struct warp_db *, const char *, const char *,
	    struct warp_err *);
int	warp_endpoint_psk(struct warp_db *, int64_t, uint8_t [WARP_KEY_LEN],
	    struct warp_err *);
int	warp_endpoint_is_active(const struct warp_endpoint *, int64_t);

/* What the reconciler last saw of an endpoint (endpoint_stats). */
struct warp_endpoint_stats {
	int		present;	/* a row exists */
	int64_t		last_handshake;	/* 0: never */
	int64_t		rx_bytes;
	int64_t		tx_bytes;
	char		remote[64];	/* "addr:port", "" if none */
};

int	warp_endpoint_page(struct warp_db *, int64_t, int64_t, int,
	    struct warp_endpoint **, struct warp_endpoint_stats **, size_t *,
	    struct warp_err *);
void	warp_endpoint_page_free(struct warp_endpoint *,
	    struct warp_endpoint_stats *);
int	warp_endpoint_stats_get(struct warp_db *, int64_t,
	    struct warp_endpoint_stats *, struct warp_err *);
const char *warp_endpoint_status(const struct warp_endpoint *, int64_t);

/* Client configs: rendering and immutable versions. */
struct warp_config_version {
	int		version;
	int64_t		created_at;
	char		reason[128];
	char		actor[64];
};

int	warp_config_render(struct warp_db *, int64_t, char **,
	    struct warp_err *);
int	warp_config_current(struct warp_db *, int64_t, char **, int *,
	    struct warp_err *);
int	warp_config_version_text(struct warp_db *, int64_t, int, char **,
	    struct warp_err *);
int	warp_config_history(struct warp_db *, int64_t,
	    struct warp_config_version **, size_t *, struct warp_err *);
int	warp_config_refresh_network(struct warp_db *, int64_t, const char *,
	    const char *, struct warp_err *);
int	warp_config_refresh_endpoint(struct warp_db *, int64_t, const char *,
	    const char *, int *, struct warp_err *);
int	warp_config_rollback(struct warp_db *, const char *, int, const char *,
	    int *, struct warp_err *);
/* The line diff of two versions (warp_diff.c): linear space, bounded. */
#define WARP_DIFF_MAX_LINES	20000		/* per side, else refused */
#define WARP_DIFF_MAX_BYTES	(2 * 1024 * 1024)
#define WARP_DIFF_WORK_MAX	20000000	/* search steps, then a replacement */
struct warp_diff_stats {
	size_t	work;		/* search steps taken */
	size_t	bytes;		/* what the diff allocated besides its output */
	size_t	added, removed;	/* + and - lines */
	int	replaced;	/* the work bound was hit: not minimal */
};
int	warp_config_diff(const char *, const char *, const char *,
	    const char *, char **, struct warp_diff_stats *, struct warp_err *);
char	*warp_config_mask_secrets(const char *);
/* Retire keys of versions made with another public key (rotation). */
int	warp_config_retire_keys(struct warp_db *, int64_t, struct warp_err *);
char	*warp_config_filename(const struct warp_endpoint *);
void	warp_config_free(char *);

/* QR codes of a config. */
int	warp_qr_svg(const char *, char **, struct warp_err *);
int	warp_qr_png(const char *, uint8_t **, size_t *, struct warp_err *);
int	warp_qr_terminal(const char *, char **, struct warp_err *);

/* Audit log. */
int	warp_audit(struct warp_db *, const char *, const char *, const char *,
	    const char *, struct warp_err *);
/*
 * Audit rows of views (QR codes, config downloads) that must not wait for
 * the write lock: queued in the handle, written in one transaction every
 * WARP_AUDIT_BATCH rows, when the oldest is a second old
 * (warp_audit_flush_due, from a timer), before the audit log is read and
 * when the handle is closed.  A row whose write fails stays queued; none
 * is dropped.
 */
#define WARP_AUDIT_BATCH	64
int	warp_audit_defer(struct warp_db *, const char *, const char *,
	    const char *, const char *);
int	warp_audit_flush(struct warp_db *, struct warp_err *);
int	warp_audit_flush_due(struct warp_db *, int64_t, struct warp_err *);
size_t	warp_audit_queued(struct warp_db *);

struct warp_audit_filter {
	const char	*user;		/* NULL/"": any actor */
	const char	*object;	/* NULL/"": any object (substring) */
	int64_t		 since;		/* 0: open */
	int64_t		 until;		/* 0: open */
	int64_t		 before;	/* ids below this; 0: newest */
	int		 limit;
};

struct warp_audit_entry {
	int64_t		id;
	int64_t		at;
	char		actor[64];
	char		action[64];
	char		object_type[32];
	char		object[128];
	char		detail[256];
};

int	warp_audit_list(struct warp_db *, const struct warp_audit_filter *,
	    struct warp_audit_entry **, size_t *, struct warp_err *);
void	warp_audit_list_free(struct warp_audit_entry *);

/* Observed state: counts, traffic and apply status (warp_stats.c). */
#define WARP_ONLINE_SECS	180	/* "online": a handshake this recent */

struct warp_stats {
	int64_t		networks;
	int64_t		endpoints;
	int64_t		online;
	int64_t		disabled;
	int64_t		expired;
	int64_t		pending;
	int64_t		failed;
	int64_t		rx_bytes;
	int64_t		tx_bytes;
	int64_t		by_type[WARP_NET_NTYPES];	/* networks per type */
};

struct warp_apply_status {
	char		object_type[16];
	int64_t		object_id;
	char		status[16];	/* applied, pending, failed; "": none */
	char		error[512];
	int64_t		updated_at;
};

struct warp_net_traffic {
	int64_t		id;
	char		name[WARP_NAME_MAX + 1];
	int64_t		rx_bytes;
	int64_t		tx_bytes;
};

/* What the lists show of a network beside its row (warp_network_facts). */
struct warp_network_facts {
	int64_t		id;
	long		endpoints;
	uint64_t	down_bps;	/* default rates of its endpoints */
	uint64_t	up_bps;
	char		apply_status[16];	/* "": never recorded */
	char		apply_error[512];
};

int	warp_stats_get(struct warp_db *, int64_t, struct warp_stats *,
	    struct warp_err *);
int	warp_network_facts(struct warp_db *, const struct warp_network *,
	    size_t, struct warp_network_facts *, struct warp_err *);
int	warp_stats_traffic(struct warp_db *, int, struct warp_net_traffic **,
	    size_t *, int64_t *, struct warp_err *);
void	warp_apply_status_get(struct warp_db *, const char *, int64_t,
	    struct warp_apply_status *);
/* Pending/failed objects, newest first; except: leave out errors that
 * contain it (NULL: none). */
int	warp_apply_status_problems(struct warp_db *, int, const char *,
	    struct warp_apply_status **, size_t *, struct warp_err *);
void	warp_apply_status_list_free(struct warp_apply_status *);
void	warp_stats_traffic_free(struct warp_net_traffic *);

/*
 * JSON: one serialiser per object, shared by `warpctl --json` and /api/v1
 * (warp_json.c; the contract is in src/web/README.md).
 */
struct warp_buf;
struct warp_kernel_status;

void	warp_json_network(struct warp_buf *, struct warp_db *,
	    const struct warp_network *);
void	warp_json_network_list(struct warp_buf *, struct warp_db *,
	    const struct warp_network *, size_t);
void	warp_json_endpoint(struct warp_buf *, const struct warp_endpoint *,
	    int64_t);
void	warp_json_endpoint_list(struct warp_buf *,
	    const struct warp_endpoint *, size_t, int64_t);
void	warp_json_versions(struct warp_buf *,
	    const struct warp_config_version *, size_t);
void	warp_json_server_config(struct warp_buf *,
	    const struct warp_server_config *);
void	warp_json_status(struct warp_buf *, const struct warp_kernel_status *,
	    const struct warp_stats *);
void	warp_json_status_counts(struct warp_buf *, const struct warp_stats *);
/* The status document from the database alone (no kernel read). */
int	warp_status_stored(struct warp_db *, struct warp_kernel_status *,
	    struct warp_err *);

/* Small growable string buffer. */
struct warp_buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

void	warp_buf_init(struct warp_buf *);
void	warp_buf_append_int(struct warp_buf *, long long);
#define WARP_FMT_INT_LEN	24	/* "-9223372036854775808" and its NUL */
char	*warp_fmt_int(long long, char [WARP_FMT_INT_LEN]);
size_t	 warp_strlcpy(char *, const char *, size_t);
void	 warp_fmt_join(char *, size_t, const char *, const char *,
	    const char *);
void	warp_buf_reserve(struct warp_buf *, size_t);
void	warp_buf_append(struct warp_buf *, const char *, size_t);
void	warp_buf_appendf(struct warp_buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	warp_buf_json_string(struct warp_buf *, const char *);
char	*warp_buf_release(struct warp_buf *);
void	warp_buf_free(struct warp_buf *);

/* Can this kernel realise networks (warp_capable.c): the reconciler's
 * error for a network that needs a feature this kernel lacks contains: */
#define WARP_KERNEL_LACKS	"the kernel lacks "
int	warp_kernel_lacks(struct warp_db *, char *, size_t, struct warp_err *);
int	warp_kernel_lacks_count(struct warp_db *, int64_t *, struct warp_err *);

int	 warp_file_write_private(const char *, const void *, size_t,
	    struct warp_err *);
/* Name tables of the enums (network types, endpoint types, roles). */
const char *warp_enum_name(const char * const *, int, int, const char *);
int	 warp_enum_parse(const char *, const char * const *, int, const char *,
	    int *, struct warp_err *);
void	*warp_xcalloc(size_t, size_t);
char	*warp_xstrdup(const char *);
void	 warp_fatal(const char *, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif
