/*
 * WARP gateway: traffic control and accounting (issue #13).
 *
 * Rate limits per endpoint (down = gateway -> endpoint, up = endpoint ->
 * gateway) with per-network defaults the endpoints inherit, data quotas
 * per endpoint counted in the kernel and persisted here, usage sampling.
 * The core side (src/core/warp_traffic.c) owns the tables of
 * migrations/0003_traffic.sql; the kernel side (src/kernel/kernel_tc.c,
 * kernel_quota.c) realises them and reports what the kernel counted.
 */
#ifndef WARP_TRAFFIC_H
#define WARP_TRAFFIC_H

#include <stdint.h>

#include "warp.h"

/* Rates in bit/s, decimal units as tc(8): 1kbit = 1000 bit/s. */
#define WARP_RATE_MIN		8000ULL			/* 8kbit */
#define WARP_RATE_MAX		100000000000ULL		/* 100gbit */
#define WARP_RATE_STRLEN	24
/* Quotas in bytes. */
#define WARP_SIZE_MAX		(1ULL << 50)		/* 1PiB */
#define WARP_SIZE_STRLEN	24

enum warp_period {
	WARP_PERIOD_NONE = 0,
	WARP_PERIOD_DAY,
	WARP_PERIOD_WEEK,
	WARP_PERIOD_MONTH
};

/*
 * "500kbit", "20mbit", "1.5gbit", "none" (0: unlimited); with inherit
 * non-NULL also "default" (*inherit = 1: take the network's default).
 */
int		 warp_rate_parse(const char *, uint64_t *, int *,
		    struct warp_err *);
void		 warp_rate_format(uint64_t, char *, size_t);
/* "500M", "10G", "1.5GiB", "750MB", "123456" (bytes), "none" (0). */
int		 warp_size_parse(const char *, uint64_t *, struct warp_err *);
void		 warp_size_format(uint64_t, char *, size_t);
int		 warp_period_parse(const char *, enum warp_period *,
		    struct warp_err *);
const char	*warp_period_name(enum warp_period);
/* Start of the period that holds t, and the next turn after it (UTC). */
int64_t		 warp_period_start(enum warp_period, int64_t);
int64_t		 warp_period_next(enum warp_period, int64_t);

/* What one endpoint is allowed and has used. */
struct warp_traffic {
	int64_t			endpoint_id;
	int64_t			network_id;
	uint32_t		overlay_ip;
	uint64_t		down_bps;	/* effective; 0: unlimited */
	uint64_t		up_bps;
	int			down_inherited;	/* from the network default */
	int			up_inherited;
	uint64_t		quota_bytes;	/* 0: no quota */
	enum warp_period	period;
	int64_t			period_start;
	uint64_t		used_bytes;	/* counted in this period */
	int64_t			quota_gen;	/* names the kernel object */
	int			exceeded;
};

int	warp_traffic_get(struct warp_db *, int64_t, struct warp_traffic *,
	    struct warp_err *);
/* Endpoints of a network (0: all) with a rate or a quota, by id. */
int	warp_traffic_list(struct warp_db *, int64_t, struct warp_traffic **,
	    size_t *, struct warp_err *);
void	warp_traffic_list_free(struct warp_traffic *);
const struct warp_traffic *warp_traffic_find(const struct warp_traffic *,
	    size_t, int64_t);

/* NULL: unchanged.  Each change is audited; bad input changes nothing. */
int	warp_traffic_set_rate(struct warp_db *, const char *, const char *,
	    const char *, const char *, struct warp_err *);
int	warp_traffic_set_quota(struct warp_db *, const char *, const char *,
	    const char *, const char *, struct warp_err *);
int	warp_traffic_reset_usage(struct warp_db *, const char *, const char *,
	    struct warp_err *);
int	warp_traffic_set_defaults(struct warp_db *, int64_t, const char *,
	    const char *, const char *, struct warp_err *);
/* create-network with --default-down/--default-up (NULL: none). */
int	warp_traffic_network_create(struct warp_db *,
	    const struct warp_network_spec *, const char *, const char *,
	    const char *, int64_t *, struct warp_err *);
/* create-networks (bulk) with the same defaults for every one. */
int	warp_traffic_network_create_bulk(struct warp_db *,
	    const struct warp_network_spec *, const enum warp_net_type *, size_t,
	    const char *, long, long, const char *, const char *, const char *,
	    int64_t *, struct warp_err *);
int	warp_traffic_defaults(struct warp_db *, int64_t, uint64_t *,
	    uint64_t *, struct warp_err *);
/* Validate without writing (front ends check before they create). */
int	warp_traffic_check_rate(const char *, const char *, int,
	    struct warp_err *);

/* 1 if the endpoint used up its quota (status quota-exceeded). */
int	warp_traffic_exceeded(struct warp_db *, int64_t);

/* Period turns: usage back to 0 where a period ended before now. */
int	warp_traffic_turn(struct warp_db *, int64_t, struct warp_err *);

/* What the kernel counted for a quota object: endpoint, generation. */
struct warp_usage_sample {
	int64_t		endpoint_id;
	int64_t		gen;
	uint64_t	consumed;
};

int	warp_traffic_store_usage(struct warp_db *,
	    const struct warp_usage_sample *, size_t, struct warp_err *);

/* JSON members (no braces) of one endpoint's limits and usage. */
void	warp_traffic_json(const struct warp_traffic *, struct warp_buf *);

/* Traffic history (src/core/warp_history.c). */
struct warp_counter_sample {
	int64_t		endpoint_id;
	int64_t		network_id;
	uint64_t	rx_bytes;	/* the kernel's peer counters */
	uint64_t	tx_bytes;
};

struct warp_history_point {
	int64_t		at;		/* bucket start, UTC */
	uint64_t	rx_bytes;
	uint64_t	tx_bytes;
};

struct warp_history {
	int64_t				 bucket;	/* seconds */
	int64_t				 since;
	int64_t				 until;
	uint64_t			 rx_total;
	uint64_t			 tx_total;
	struct warp_history_point	*points;
	size_t				 n;
};

int	warp_history_record(struct warp_db *,
	    const struct warp_counter_sample *, size_t, int64_t,
	    struct warp_err *);
int	warp_history_prune(struct warp_db *, int64_t, struct warp_err *);
int64_t	warp_history_bucket(int64_t, int64_t);
int	warp_since_parse(const char *, int64_t, int64_t *, struct warp_err *);
int	warp_history_get(struct warp_db *, int64_t, int64_t, int64_t, int64_t,
	    struct warp_history *, struct warp_err *);
void	warp_history_free(struct warp_history *);
void	warp_history_json(const struct warp_history *, struct warp_buf *);
char	*warp_history_svg(const struct warp_history *);

/* Prometheus metrics (src/core/warp_metrics.c). */
int	warp_metrics_config_set(struct warp_db *, const char *, const char *,
	    char *, size_t, struct warp_err *);
int	warp_metrics_allowed(struct warp_db *, const char *, int, int *,
	    struct warp_err *);
int	warp_metrics_render(struct warp_db *, struct warp_buf *,
	    struct warp_err *);

/*
 * Kernel side (src/kernel/).  warp_tc_apply runs inside warp_kernel_apply
 * after the networks' links exist; warp_traffic_sample reads the quota
 * counters of the namespace the caller is in and stores them.
 */
struct warp_kctx;
struct warp_knet;
int	warp_tc_apply(struct warp_kctx *);
/* A network's IFB device, ifb<vcid> (kernel_tc.c). */
void	warp_tc_ifb_name(const struct warp_knet *, char *, size_t);
int	warp_quota_apply(struct warp_kctx *, const struct warp_traffic *,
	    size_t);
void	warp_traffic_sample(struct warp_db *);
struct warp_kernel_status;
void	warp_traffic_sample_status(struct warp_db *,
	    const struct warp_kernel_status *);

#endif
