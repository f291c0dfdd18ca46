/*
 * WARP gateway: the database as the reconciler sees it (src/core/
 * warp_state.c).  The kernel side (src/kernel/) never speaks SQL: it reads
 * the desired state of a network, records what it applied, and stores
 * the numbers it observed through these calls only.
 */
#ifndef WARP_STATE_H
#define WARP_STATE_H

#include <stdint.h>

#include "warp.h"

/* A sealed preshared key is at most this long (0x03 boxes are 97). */
#define WARP_STATE_SEALED_MAX	128
#define WARP_STATE_CHECK_LEN	16	/* warp_seal_check */

/* A WireGuard peer as the gateway side should have it. */
struct warp_state_peer {
	int64_t			endpoint_id;
	char			name[WARP_NAME_MAX + 1];
	uint8_t			public_key[WARP_KEY_LEN];
	uint8_t			psk[WARP_KEY_LEN];	/* if psk_ready */
	int			psk_ready;
	/*
	 * The preshared key as stored, opened by warp_state_peers_psk()
	 * only where the kernel's (kernel_psk, set by the caller) does not
	 * match the stored check; check_new: a check to store.
	 */
	uint8_t			sealed[WARP_STATE_SEALED_MAX];
	size_t			nsealed;
	uint8_t			check[WARP_STATE_CHECK_LEN];
	int			has_check;
	int			check_new;
	const uint8_t		*kernel_psk;
	/* allowed[0]: the overlay /32; then the site's LANs, if routed */
	struct warp_cidr	allowed[1 + WARP_MAX_LANS];
	size_t			nallowed;
	int			active;		/* enabled and not expired */
	int			failed;		/* its keys cannot be read */
	int			hold;		/* ... and its network holds */
	char			error[160];
};

/*
 * A network's private key as stored (networks.private_key) and its check
 * (network_key_checks, migrations/0014_network_key_checks.sql), opened
 * by warp_state_netkey_resolve() only where the device's public key is
 * not vouched for by the check; check_new: a check to store.  Wipe with
 * warp_state_netkey_free().
 */
struct warp_state_netkey {
	int64_t			network_id;
	uint8_t			sealed[WARP_STATE_SEALED_MAX];
	size_t			nsealed;
	uint8_t			check[WARP_STATE_CHECK_LEN];
	int			has_check;
	int			check_new;
	uint8_t			key[WARP_KEY_LEN];	/* if key_ready */
	int			key_ready;
};

/*
 * The desired state of one network: its sealed private key (nk, not
 * opened) and one peer per endpoint (peer_lans: cpe/gateway peers carry
 * their LAN subnets), read in one query of the columns a peer needs.
 * Neither the network's key nor the preshared keys are opened here
 * (key_ready, psk_ready 0): warp_state_netkey_resolve() and
 * warp_state_peers_psk() do that once the caller has read the device.
 * Returns -1 with err set when the network cannot be read at all; an
 * endpoint whose public key is invalid is
 * failed and inactive.  Free with warp_state_peers_free() (it wipes the
 * keys).
 */
/*
 * One read transaction around the many loads of a full apply (the
 * network list and every network's rows): one consistent snapshot, and
 * one lock and file check, not two per network.  Nothing may write
 * before warp_state_read_end().
 */
void	warp_state_read_begin(struct warp_db *);
void	warp_state_read_end(struct warp_db *);
int	warp_state_network_load(struct warp_db *, const struct warp_network *,
	    int peer_lans, int64_t now, struct warp_state_netkey *,
	    struct warp_state_peer **, size_t *, struct warp_err *);
void	warp_state_peers_free(struct warp_state_peer *, size_t);

/*
 * The network's key against the device's public key (kernel_pub, NULL
 * when the device has none or is not there): 1 when kernel_pub is the
 * network's public key and the stored check says the sealed key opens to
 * its private key (nothing opened, key_ready 0); 0 with the key opened
 * (key_ready; check_new when the check is missing or stale); -1 with err
 * set when it cannot be opened or its public key is not the network's.
 */
int	warp_state_netkey_resolve(struct warp_db *, const struct warp_network *,
	    struct warp_state_netkey *, const uint8_t *, struct warp_err *);
/* Store the checks of those the apply marked check_new (root only). */
int	warp_state_netkey_checks_store(struct warp_db *,
	    const struct warp_state_netkey *const *, size_t, struct warp_err *);
void	warp_state_netkey_free(struct warp_state_netkey *);

/*
 * The preshared key of each active, unfailed peer that has none yet:
 * the kernel's (kernel_psk) where the stored check says the sealed value
 * opens to it, else the sealed value opened (and check_new set when its
 * check is missing or stale).  One that cannot be opened is failed and
 * holds its network (hold).  Returns how many were opened; *nvouched
 * the kernel's keys taken, *nfailed the peers that failed here.
 */
size_t	warp_state_peers_psk(struct warp_db *, struct warp_state_peer *,
	    size_t, size_t *, size_t *);
/*
 * Store the checks the peers' check_new marks (root only; nothing to
 * do: no transaction).  A row of an endpoint deleted since is skipped.
 */
int	warp_state_psk_checks_store(struct warp_db *,
	    const struct warp_state_peer *, size_t, struct warp_err *);

/*
 * The root side trusts nothing a worker can write: every row the
 * reconciler loads is checked again with the validators the edges use
 * (implemented beside them, in warp_network.c and warp_endpoint.c).  A
 * row that fails is that object's failure, never the appliance's.
 * warp_state_network_load() checks the endpoints itself (a failing one
 * is failed and inactive); the reconciler checks each network with
 * warp_network_revalidate() (err: why, for its apply status).
 */
int	warp_network_revalidate(struct warp_db *, const struct warp_network *,
	    struct warp_err *);
int	warp_endpoints_revalidate(struct warp_db *, const struct warp_network *,
	    const struct warp_endpoint *, size_t,
	    void (*)(void *, size_t, const char *), void *, struct warp_err *);
/* The same without the LAN rows (endpoints that have none). */
void	warp_endpoints_revalidate_rows(const struct warp_network *,
	    const struct warp_endpoint *, size_t,
	    void (*)(void *, size_t, const char *), void *);

/* Apply status of one object ("firewall" 0, "network" id, "endpoint" id). */
struct warp_state_status {
	const char	*type;
	int64_t		 id;
	const char	*status;	/* "applied", "failed" */
	char		 error[512];
};

/*
 * The change journal (migrations/0005_change_journal.sql: triggers fill
 * it in the transaction of each change).  warp_state_journal_read: the
 * last applied sequence, the newest journaled one (*upto, read before
 * anything else so a change committed later is picked up next time) and
 * one row per network changed in (applied, upto]; network_id 0 is an
 * appliance-wide change, shared = 1 one that reaches past that network's
 * WireGuard peers.  *applied > *upto only if someone wrote the table
 * by hand.  out NULL: the two sequences only.  Free *out with free().
 * warp_state_journal_applied: record seq as applied and drop the rows
 * up to it.
 */
struct warp_state_change {
	int64_t		network_id;	/* 0: appliance-wide */
	int		shared;		/* beyond its peers and limits */
	int		by_endpoint;	/* every row names an endpoint */
	int		traffic;	/* its rates or quotas may differ */
};

int	warp_state_journal_read(struct warp_db *, int64_t *, int64_t *,
	    struct warp_state_change **, size_t *, struct warp_err *);

/*
 * The endpoints journaled for one network in (applied, upto]
 * (migrations/0009_journal_endpoint.sql, 0012_journal_overlay.sql), one
 * row per endpoint, old public key and old overlay address, in endpoint
 * order: has_old when the row carried the key its peer had before (an
 * update or a delete), old_overlay the address it had (a layer-2
 * endpoint's port or replication entry).  Free *out with free().
 */
struct warp_state_epchange {
	int64_t		endpoint_id;
	uint8_t		old_key[WARP_KEY_LEN];
	int		has_old;
	uint32_t	old_overlay;	/* host order; 0: none journaled */
};

int	warp_state_journal_endpoints(struct warp_db *, int64_t, int64_t,
	    int64_t, struct warp_state_epchange **, size_t *,
	    struct warp_err *);

/*
 * The endpoints whose peers or own limits the journal of one network in
 * (applied, upto] names (endpoint rows and the rows of their traffic
 * limits, 0005 and 0013), sorted, each once: 0; 1 when a row names no
 * endpoint (the network's default limits, say): its whole network is
 * what changed.  Free *out with free().
 */
int	warp_state_journal_traffic_ids(struct warp_db *, int64_t, int64_t,
	    int64_t, int64_t **, size_t *, struct warp_err *);

/*
 * The desired peers of the endpoints ids of network net only (what
 * warp_state_network_load makes of them, the network's private key
 * neither read nor checked); an id with no endpoint any more has no
 * peer.  Returns 1 with err saying why when these endpoints cannot be
 * reconciled on their own (one is in another network now, or has LAN
 * rows: those the whole network's check reads), -1 when the database
 * cannot be read.  Free with warp_state_peers_free().
 */
int	warp_state_endpoints_load(struct warp_db *, const struct warp_network *,
	    int, int64_t, const int64_t *, size_t, struct warp_state_peer **,
	    size_t *, struct warp_err *);
int	warp_state_journal_applied(struct warp_db *, int64_t,
	    struct warp_err *);

/*
 * Record the outcome of an apply in one transaction; rows of networks and
 * endpoints that no longer exist are dropped.  The readers of what is
 * stored are the core's warp_apply_status_get/_problems (warp.h).
 * warp_apply_status_store_some: the rows given only, nothing dropped (an
 * incremental apply of some networks: the others' rows stay, and the
 * drop, a scan of every row, waits for the next full apply).
 */
int	warp_apply_status_store(struct warp_db *,
	    const struct warp_state_status *, size_t, struct warp_err *);
int	warp_apply_status_store_some(struct warp_db *,
	    const struct warp_state_status *, size_t, struct warp_err *);

/* What the kernel last said about a peer (endpoint_stats). */
struct warp_state_stats {
	int64_t		endpoint_id;
	int64_t		last_handshake;	/* unix seconds, 0: never */
	uint64_t	rx_bytes;
	uint64_t	tx_bytes;
	char		remote[64];	/* "addr:port", "" if none */
};

/* Store observed numbers (best effort: an error leaves the old ones). */
int	warp_state_stats_store(struct warp_db *,
	    const struct warp_state_stats *, size_t, struct warp_err *);

/*
 * One apply at a time (the web's parent and warpctl may both try): an
 * exclusive lock on "<db>.apply-lock".  Returns the descriptor to close,
 * or -1 with errno set.
 */
int	warp_state_apply_lock(struct warp_db *);
/* The database file, for messages ("db" if in memory). */
const char *warp_state_db_name(struct warp_db *);

#endif
