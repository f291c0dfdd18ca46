/*
 * Prometheus metrics in the text exposition format (0.0.4): per network
 * and endpoint rx/tx bytes, latest handshake, online, enabled, apply
 * status, quota used/limit and rate limits; appliance totals; the
 * serving process's CPU time.  The figures are what the privileged side
 * last stored (the unprivileged workers never read the kernel).  No key,
 * public or private, is ever exported; label values are escaped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "warp.h"
#include "warp_kernel.h"
#include "warp_traffic.h"

/* Apply states, one sample each per object ("" counts as pending). */
static const char	*warp_metrics_states[] = { "applied", "pending", "failed" };

/* Appliance totals, summed while the endpoints are written. */
struct warp_metrics_sums {
	uint64_t	rx;
	uint64_t	tx;
	uint64_t	online;
};

static void	warp_metrics_label(struct warp_buf *, const char *);
static void	warp_metrics_head(struct warp_buf *, const char *, const char *,
		    const char *);
static void	warp_metrics_ep(struct warp_buf *, const char *,
		    const struct warp_kernel_peer_status *, const char *,
		    unsigned long long);
static int	warp_metrics_is(const char *, size_t);
static void	warp_metrics_networks(struct warp_buf *,
		    const struct warp_kernel_status *);
static void	warp_metrics_endpoints(struct warp_buf *,
		    const struct warp_kernel_status *, struct warp_metrics_sums *);
static void	warp_metrics_limits(struct warp_buf *,
		    const struct warp_kernel_status *, const struct warp_traffic *,
		    size_t);
static void	warp_metrics_totals(struct warp_buf *,
		    const struct warp_kernel_status *,
		    const struct warp_metrics_sums *);

/* A label value: backslash, double quote and newline escaped. */
static void
warp_metrics_label(struct warp_buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			warp_buf_append(b, "\\\\", 2);
		else if (*s == '"')
			warp_buf_append(b, "\\\"", 2);
		else if (*s == '\n')
			warp_buf_append(b, "\\n", 2);
		else
			warp_buf_append(b, s, 1);
	}
}

static void
warp_metrics_head(struct warp_buf *b, const char *name, const char *type,
    const char *help)
{
	warp_buf_appendf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

static void
warp_metrics_ep(struct warp_buf *b, const char *name,
    const struct warp_kernel_peer_status *ps, const char *extra,
    unsigned long long v)
{
	warp_buf_appendf(b, "%s{network=\"", name);
	warp_metrics_label(b, ps->network);
	warp_buf_appendf(b, "\",endpoint=\"");
	warp_metrics_label(b, ps->name);
	warp_buf_appendf(b, "\"%s} %llu\n", extra ? extra : "", v);
}

/* 1 if the stored apply status is state k. */
static int
warp_metrics_is(const char *status, size_t k)
{
	return (strcmp(status[0] != '\0' ? status : "pending",
	    warp_metrics_states[k]) == 0);
}

static void
warp_metrics_networks(struct warp_buf *b, const struct warp_kernel_status *st)
{
	const struct warp_kernel_net_status	*ns;
	size_t					 i, k;

	warp_metrics_head(b, "warp_network_info", "gauge",
	    "A network of the appliance (always 1).");
	for (i = 0; i < st->nnets; i++) {
		ns = &st->nets[i];
		warp_buf_appendf(b, "warp_network_info{network=\"");
		warp_metrics_label(b, ns->name);
		warp_buf_appendf(b, "\",type=\"");
		warp_metrics_label(b, ns->type);
		warp_buf_appendf(b, "\",interface=\"");
		warp_metrics_label(b, ns->if_wg);
		warp_buf_appendf(b, "\"} 1\n");
	}
	warp_metrics_head(b, "warp_network_enabled", "gauge",
	    "1 if the network is enabled, 0 if suspended.");
	for (i = 0; i < st->nnets; i++) {
		warp_buf_appendf(b, "warp_network_enabled{network=\"");
		warp_metrics_label(b, st->nets[i].name);
		warp_buf_appendf(b, "\"} %d\n", st->nets[i].enabled ? 1 : 0);
	}
	warp_metrics_head(b, "warp_network_apply_status", "gauge",
	    "1 for the network's apply status (applied, pending, failed).");
	for (i = 0; i < st->nnets; i++) {
		for (k = 0; k < 3; k++) {
			warp_buf_appendf(b, "warp_network_apply_status{"
			    "network=\"");
			warp_metrics_label(b, st->nets[i].name);
			warp_buf_appendf(b, "\",status=\"%s\"} %d\n",
			    warp_metrics_states[k],
			    warp_metrics_is(st->nets[i].apply_status, k));
		}
	}
}

static void
warp_metrics_endpoints(struct warp_buf *b, const struct warp_kernel_status *st,
    struct warp_metrics_sums *sum)
{
	const struct warp_kernel_peer_status	*ps;
	int64_t					 now = time(NULL);
	size_t					 i, k;
	char					 extra[32];

	warp_metrics_head(b, "warp_endpoint_receive_bytes_total", "counter",
	    "Bytes the gateway received from the endpoint (WireGuard).");
	for (i = 0; i < st->npeers; i++) {
		warp_metrics_ep(b, "warp_endpoint_receive_bytes_total",
		    &st->peers[i], NULL, st->peers[i].rx_bytes);
		sum->rx += st->peers[i].rx_bytes;
	}
	warp_metrics_head(b, "warp_endpoint_transmit_bytes_total", "counter",
	    "Bytes the gateway sent to the endpoint (WireGuard).");
	for (i = 0; i < st->npeers; i++) {
		warp_metrics_ep(b, "warp_endpoint_transmit_bytes_total",
		    &st->peers[i], NULL, st->peers[i].tx_bytes);
		sum->tx += st->peers[i].tx_bytes;
	}
	warp_metrics_head(b, "warp_endpoint_last_handshake_seconds", "gauge",
	    "Unix time of the latest handshake, 0 if never.");
	for (i = 0; i < st->npeers; i++)
		warp_metrics_ep(b, "warp_endpoint_last_handshake_seconds",
		    &st->peers[i], NULL,
		    (unsigned long long)st->peers[i].last_handshake);
	warp_metrics_head(b, "warp_endpoint_online", "gauge",
	    "1 if the latest handshake is less than 3 minutes old.");
	for (i = 0; i < st->npeers; i++) {
		ps = &st->peers[i];
		k = ps->last_handshake > 0 &&
		    now - ps->last_handshake < WARP_ONLINE_SECS;
		sum->online += k;
		warp_metrics_ep(b, "warp_endpoint_online", ps, NULL, k);
	}
	warp_metrics_head(b, "warp_endpoint_enabled", "gauge",
	    "1 if the endpoint is enabled and not expired.");
	for (i = 0; i < st->npeers; i++)
		warp_metrics_ep(b, "warp_endpoint_enabled", &st->peers[i], NULL,
		    st->peers[i].active ? 1 : 0);
	warp_metrics_head(b, "warp_endpoint_apply_status", "gauge",
	    "1 for the endpoint's apply status (applied, pending, failed).");
	for (i = 0; i < st->npeers; i++) {
		for (k = 0; k < 3; k++) {
			(void)snprintf(extra, sizeof(extra), ",status=\"%s\"",
			    warp_metrics_states[k]);
			warp_metrics_ep(b, "warp_endpoint_apply_status",
			    &st->peers[i], extra,
			    warp_metrics_is(st->peers[i].apply_status, k));
		}
	}
}

static void
warp_metrics_limits(struct warp_buf *b, const struct warp_kernel_status *st,
    const struct warp_traffic *tr, size_t ntr)
{
	const struct warp_traffic	*t;
	size_t				 i;

	warp_metrics_head(b, "warp_endpoint_quota_limit_bytes", "gauge",
	    "The endpoint's data quota per period (only endpoints with one).");
	for (i = 0; i < st->npeers; i++)
		if ((t = warp_traffic_find(tr, ntr, st->peers[i].endpoint_id)) !=
		    NULL && t->quota_bytes > 0)
			warp_metrics_ep(b, "warp_endpoint_quota_limit_bytes",
			    &st->peers[i], NULL, t->quota_bytes);
	warp_metrics_head(b, "warp_endpoint_quota_used_bytes", "gauge",
	    "Bytes counted against the quota in the current period.");
	for (i = 0; i < st->npeers; i++)
		if ((t = warp_traffic_find(tr, ntr, st->peers[i].endpoint_id)) !=
		    NULL && t->quota_bytes > 0)
			warp_metrics_ep(b, "warp_endpoint_quota_used_bytes",
			    &st->peers[i], NULL, t->used_bytes);
	warp_metrics_head(b, "warp_endpoint_rate_limit_bytes_per_second",
	    "gauge", "The endpoint's rate limit by direction (limited only).");
	for (i = 0; i < st->npeers; i++) {
		if ((t = warp_traffic_find(tr, ntr,
		    st->peers[i].endpoint_id)) == NULL)
			continue;
		if (t->down_bps > 0)
			warp_metrics_ep(b,
			    "warp_endpoint_rate_limit_bytes_per_second",
			    &st->peers[i], ",direction=\"down\"",
			    t->down_bps / 8);
		if (t->up_bps > 0)
			warp_metrics_ep(b,
			    "warp_endpoint_rate_limit_bytes_per_second",
			    &st->peers[i], ",direction=\"up\"", t->up_bps / 8);
	}
}

static void
warp_metrics_totals(struct warp_buf *b, const struct warp_kernel_status *st,
    const struct warp_metrics_sums *sum)
{
	struct timespec	cpu;

	warp_metrics_head(b, "warp_networks", "gauge", "Networks defined.");
	warp_buf_appendf(b, "warp_networks %zu\n", st->nnets);
	warp_metrics_head(b, "warp_endpoints", "gauge", "Endpoints defined.");
	warp_buf_appendf(b, "warp_endpoints %zu\n", st->npeers);
	warp_metrics_head(b, "warp_endpoints_online", "gauge",
	    "Endpoints with a handshake in the last 3 minutes.");
	warp_buf_appendf(b, "warp_endpoints_online %llu\n",
	    (unsigned long long)sum->online);
	warp_metrics_head(b, "warp_receive_bytes_total", "counter",
	    "Bytes received from all endpoints.");
	warp_buf_appendf(b, "warp_receive_bytes_total %llu\n",
	    (unsigned long long)sum->rx);
	warp_metrics_head(b, "warp_transmit_bytes_total", "counter",
	    "Bytes sent to all endpoints.");
	warp_buf_appendf(b, "warp_transmit_bytes_total %llu\n",
	    (unsigned long long)sum->tx);
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu) == 0) {
		warp_metrics_head(b, "process_cpu_seconds_total", "counter",
		    "CPU time of the serving process.");
		warp_buf_appendf(b, "process_cpu_seconds_total %lld.%06ld\n",
		    (long long)cpu.tv_sec, cpu.tv_nsec / 1000);
	}
}

int
warp_metrics_render(struct warp_db *db, struct warp_buf *b,
    struct warp_err *err)
{
	struct warp_kernel_status	 st;
	struct warp_traffic		*tr = NULL;
	struct warp_metrics_sums	 sum;
	size_t				 ntr = 0;

	if (warp_status_stored(db, &st, err) == -1)
		return (-1);
	if (warp_traffic_list(db, 0, &tr, &ntr, err) == -1) {
		warp_kernel_status_free(&st);
		return (-1);
	}
	memset(&sum, 0, sizeof(sum));
	warp_metrics_networks(b, &st);
	warp_metrics_endpoints(b, &st, &sum);
	warp_metrics_limits(b, &st, tr, ntr);
	warp_metrics_totals(b, &st, &sum);
	warp_traffic_list_free(tr);
	warp_kernel_status_free(&st);
	return (0);
}
