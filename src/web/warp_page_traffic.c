/*
 * warpd: traffic control on the pages and in the API (issue #13), and
 * GET /metrics.
 *
 *   POST /endpoints/N/traffic		rate, quota or reset-usage (form)
 *   POST /networks/N/traffic		the network's default rates (form)
 *   GET, POST /api/v1/endpoints/N/traffic	{"down", "up", "quota", "period"}
 *   POST /api/v1/endpoints/N/reset-usage
 *   GET, POST /api/v1/networks/N/traffic	{"default_down", "default_up"}
 *   GET /metrics			Prometheus text format
 *
 * Parse -> one core call -> redirect or JSON; the core validates and
 * refuses bad input without writing anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "warp.h"
#include "warp_traffic.h"
#include "warp_web.h"
#include "warp_web_traffic.h"

int	warp_page_endpoint_traffic(struct http_request *);
int	warp_page_network_traffic(struct http_request *);
int	warp_api_endpoint_traffic(struct http_request *);
int	warp_api_endpoint_reset_usage(struct http_request *);
int	warp_api_network_traffic(struct http_request *);
int	warp_http_metrics(struct http_request *);

static const char *periods[] = { "none", "day", "week", "month" };

/* The last day's chart of an endpoint, a network or everything (0, 0). */
void
warp_traffic_page_chart(struct warp_ctx *ctx, int64_t endpoint_id,
    int64_t network_id)
{
	struct warp_history	 h;
	struct warp_err		 err;
	char			*svg;

	warp_err_clear(&err);
	if (warp_history_get(ctx->db, endpoint_id, network_id,
	    ctx->now - 86400, ctx->now, &h, &err) == -1)
		return;
	/* Made here from numbers only: trusted markup. */
	if ((svg = warp_history_svg(&h)) != NULL) {
		warp_tpl_html(ctx->tpl, "chart_svg", svg);
		free(svg);
	}
	warp_tpl_set(ctx->tpl, "chart_step", h.bucket == 60 ? "minute" :
	    h.bucket == 3600 ? "hour" : "day");
	warp_history_free(&h);
}

/* The endpoint page's "Traffic" part (templates/traffic_endpoint.html). */
void
warp_traffic_page_endpoint(struct warp_ctx *ctx, int64_t id)
{
	struct warp_traffic	 t;
	struct warp_err		 err;
	struct warp_tpl		*row;
	char			 buf[WARP_SIZE_STRLEN + 8];
	size_t			 i;

	warp_err_clear(&err);
	if (warp_traffic_get(ctx->db, id, &t, &err) == -1)
		return;
	warp_rate_format(t.down_bps, buf, sizeof(buf));
	warp_tpl_set(ctx->tpl, "tr_down", buf);
	warp_tpl_set(ctx->tpl, "tr_down_input", t.down_inherited ? "default" :
	    buf);
	warp_tpl_set_int(ctx->tpl, "tr_down_inherited", t.down_inherited);
	warp_rate_format(t.up_bps, buf, sizeof(buf));
	warp_tpl_set(ctx->tpl, "tr_up", buf);
	warp_tpl_set(ctx->tpl, "tr_up_input", t.up_inherited ? "default" : buf);
	warp_tpl_set_int(ctx->tpl, "tr_up_inherited", t.up_inherited);
	warp_size_format(t.quota_bytes, buf, sizeof(buf));
	warp_tpl_set(ctx->tpl, "tr_quota", buf);
	warp_tpl_set_int(ctx->tpl, "tr_has_quota", t.quota_bytes > 0);
	warp_size_format(t.used_bytes, buf, sizeof(buf));
	warp_tpl_set(ctx->tpl, "tr_used", t.used_bytes ? buf : "0");
	warp_tpl_set_int(ctx->tpl, "tr_used_pct", t.quota_bytes ?
	    (long long)(t.used_bytes * 100 / t.quota_bytes) : 0);
	warp_tpl_set(ctx->tpl, "tr_period", warp_period_name(t.period));
	warp_tpl_set_int(ctx->tpl, "tr_exceeded", t.exceeded);
	if (t.period != WARP_PERIOD_NONE) {
		warp_time_format(warp_period_next(t.period, t.period_start), buf,
		    sizeof(buf));
		warp_tpl_set(ctx->tpl, "tr_next", buf);
	}
	warp_traffic_page_chart(ctx, id, 0);
	for (i = 0; i < sizeof(periods) / sizeof(periods[0]); i++) {
		row = warp_tpl_push(ctx->tpl, "tr_periods");
		warp_tpl_set(row, "p", periods[i]);
		warp_tpl_set_int(row, "sel", strcmp(periods[i],
		    warp_period_name(t.period)) == 0);
	}
}

/* The network page's default rates (templates/traffic_network.html). */
void
warp_traffic_page_network(struct warp_ctx *ctx, int64_t id)
{
	struct warp_err	err;
	uint64_t	down, up;
	char		buf[WARP_RATE_STRLEN];

	warp_err_clear(&err);
	if (warp_traffic_defaults(ctx->db, id, &down, &up, &err) == -1)
		return;
	warp_rate_format(down, buf, sizeof(buf));
	warp_tpl_set(ctx->tpl, "tr_default_down", buf);
	warp_rate_format(up, buf, sizeof(buf));
	warp_tpl_set(ctx->tpl, "tr_default_up", buf);
	warp_traffic_page_chart(ctx, 0, id);
}

/*
 * The form or JSON fields of an endpoint change: down/up (rates), quota
 * (+ period), reset.  Rates and quota are checked before either is
 * written, so a bad one changes nothing.
 */
static int
traffic_endpoint_change(struct warp_ctx *ctx, struct warp_err *err)
{
	const char	*down, *up, *quota, *period, *reset;
	uint64_t	 v;
	char		 ref[32];

	down = warp_form_str(ctx, "down");
	up = warp_form_str(ctx, "up");
	quota = warp_form_str(ctx, "quota");
	period = warp_form_str(ctx, "period");
	reset = warp_form_str(ctx, "reset");
	if (down == NULL && up == NULL && quota == NULL && period == NULL &&
	    reset == NULL)
		return (warp_err_input(err, "nothing to change: give down, up, "
		    "quota (with period) or reset"));
	if (warp_traffic_check_rate(down, up, 1, err) == -1)
		return (-1);
	if (quota != NULL && warp_size_parse(quota, &v, err) == -1)
		return (-1);
	if (period != NULL && quota == NULL)
		return (warp_err_input(err, "a period goes with a quota"));
	(void)snprintf(ref, sizeof(ref), "%lld", (long long)ctx->id);
	if (warp_db_begin(ctx->db, err) == -1)
		return (-1);
	if (((down != NULL || up != NULL) && warp_traffic_set_rate(ctx->db,
	    ref, down, up, ctx->actor, err) == -1) ||
	    (quota != NULL && warp_traffic_set_quota(ctx->db, ref, quota,
	    period, ctx->actor, err) == -1) ||
	    (reset != NULL && strcmp(reset, "0") != 0 &&
	    warp_traffic_reset_usage(ctx->db, ref, ctx->actor, err) == -1) ||
	    warp_db_commit(ctx->db, err) == -1) {
		warp_db_rollback(ctx->db);
		return (-1);
	}
	warp_http_changed(ctx);
	return (0);
}

static int
traffic_network_change(struct warp_ctx *ctx, struct warp_err *err)
{
	const char	*down, *up;

	down = warp_form_str(ctx, "default_down");
	up = warp_form_str(ctx, "default_up");
	if (down == NULL && up == NULL)
		return (warp_err_input(err, "give default_down and/or "
		    "default_up (e.g. 20mbit or none)"));
	if (warp_traffic_set_defaults(ctx->db, ctx->id, down, up, ctx->actor,
	    err) == -1)
		return (-1);
	warp_http_changed(ctx);
	return (0);
}

/* POST /endpoints/N/traffic */
int
warp_page_endpoint_traffic(struct http_request *req)
{
	struct warp_ctx	ctx;
	struct warp_err	err;
	char		loc[64];

	if (warp_http_begin(&ctx, req, WARP_M_POST | WARP_A_WRITE) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	if (traffic_endpoint_change(&ctx, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	(void)snprintf(loc, sizeof(loc), "/endpoints/%lld", (long long)ctx.id);
	warp_http_flash_redirect(&ctx, loc, "saved");
	return (warp_http_end(&ctx));
}

/* POST /networks/N/traffic */
int
warp_page_network_traffic(struct http_request *req)
{
	struct warp_ctx	ctx;
	struct warp_err	err;
	char		loc[64];

	if (warp_http_begin(&ctx, req, WARP_M_POST | WARP_A_WRITE) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	if (traffic_network_change(&ctx, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	(void)snprintf(loc, sizeof(loc), "/networks/%lld", (long long)ctx.id);
	warp_http_flash_redirect(&ctx, loc, "saved");
	return (warp_http_end(&ctx));
}

static int
traffic_endpoint_reply(struct warp_ctx *ctx, int status)
{
	struct warp_endpoint	e;
	struct warp_traffic	t;
	struct warp_err		err;
	struct warp_buf		b;

	warp_err_clear(&err);
	if (warp_endpoint_get_id(ctx->db, ctx->id, &e, &err) == -1 ||
	    warp_traffic_get(ctx->db, ctx->id, &t, &err) == -1)
		return (warp_http_fail(ctx, &err));
	warp_buf_init(&b);
	warp_buf_appendf(&b, "{\"endpoint\":%lld,\"status\":",
	    (long long)e.id);
	warp_buf_json_string(&b, warp_endpoint_status(&e, ctx->now));
	warp_buf_append(&b, ",", 1);
	warp_traffic_json(&t, &b);
	warp_buf_append(&b, "}\n", 2);
	warp_http_json(ctx, status, &b);
	warp_buf_free(&b);
	return (0);
}

/* GET, POST /api/v1/endpoints/N/traffic */
int
warp_api_endpoint_traffic(struct http_request *req)
{
	struct warp_ctx		ctx;
	struct warp_endpoint	e;
	struct warp_err		err;

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_M_POST |
	    WARP_A_API | (req->method == HTTP_METHOD_POST ? WARP_A_WRITE :
	    0)) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	if (warp_endpoint_get_id(ctx.db, ctx.id, &e, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	if (ctx.method == WARP_M_POST &&
	    traffic_endpoint_change(&ctx, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	(void)traffic_endpoint_reply(&ctx, 200);
	return (warp_http_end(&ctx));
}

/* POST /api/v1/endpoints/N/reset-usage */
int
warp_api_endpoint_reset_usage(struct http_request *req)
{
	struct warp_ctx	ctx;
	struct warp_err	err;
	char		ref[32];

	if (warp_http_begin(&ctx, req, WARP_M_POST | WARP_A_API |
	    WARP_A_WRITE) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	(void)snprintf(ref, sizeof(ref), "%lld", (long long)ctx.id);
	if (warp_traffic_reset_usage(ctx.db, ref, ctx.actor, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	warp_http_changed(&ctx);
	(void)traffic_endpoint_reply(&ctx, 200);
	return (warp_http_end(&ctx));
}

/* GET, POST /api/v1/networks/N/traffic */
int
warp_api_network_traffic(struct http_request *req)
{
	struct warp_ctx		ctx;
	struct warp_network	n;
	struct warp_err		err;
	struct warp_buf		b;
	uint64_t		down, up;
	char			d[WARP_RATE_STRLEN], u[WARP_RATE_STRLEN];

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_M_POST |
	    WARP_A_API | (req->method == HTTP_METHOD_POST ? WARP_A_WRITE :
	    0)) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	if (warp_network_get_id(ctx.db, ctx.id, &n, &err) == -1 ||
	    (ctx.method == WARP_M_POST &&
	    traffic_network_change(&ctx, &err) == -1) ||
	    warp_traffic_defaults(ctx.db, ctx.id, &down, &up, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	warp_rate_format(down, d, sizeof(d));
	warp_rate_format(up, u, sizeof(u));
	warp_buf_init(&b);
	warp_buf_appendf(&b, "{\"network\":%lld,\"default_down\":\"%s\","
	    "\"default_down_bps\":%llu,\"default_up\":\"%s\","
	    "\"default_up_bps\":%llu}\n", (long long)n.id, d,
	    (unsigned long long)down, u, (unsigned long long)up);
	warp_http_json(&ctx, 200, &b);
	warp_buf_free(&b);
	return (warp_http_end(&ctx));
}

/*
 * GET /metrics.  Not a session page: the scraper shows the metrics token
 * (or, in loopback mode, comes from this host and not through nginx).
 */
int
warp_http_metrics(struct http_request *req)
{
	struct warp_ctx	 ctx;
	struct warp_err	 err;
	struct warp_buf	 b;
	const char	*hdr, *bearer = NULL;
	int		 local, status;

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_A_PUBLIC) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	if (http_request_header(req, "authorization", &hdr) &&
	    strncmp(hdr, "Bearer ", 7) == 0)
		bearer = hdr + 7;
	local = (strncmp(ctx.addr, "127.", 4) == 0 ||
	    strcmp(ctx.addr, "::1") == 0) &&
	    !http_request_header(req, "x-real-ip", &hdr) &&
	    !http_request_header(req, "x-forwarded-for", &hdr);
	if (warp_metrics_allowed(ctx.db, bearer, local, &status, &err) == -1) {
		warp_buf_init(&b);
		warp_buf_appendf(&b, "%s\n", err.msg);
		if (status == 401)
			http_response_header(req, "www-authenticate",
			    "Bearer realm=\"metrics\"");
		warp_http_respond(req, status, "text/plain; charset=utf-8",
		    b.data, b.len);
		warp_buf_free(&b);
		return (warp_http_end(&ctx));
	}
	warp_buf_init(&b);
	if (warp_metrics_render(ctx.db, &b, &err) == -1) {
		warp_buf_free(&b);
		warp_http_respond(req, 500, "text/plain; charset=utf-8",
		    "internal error\n", 15);
		return (warp_http_end(&ctx));
	}
	warp_http_respond(req, 200, "text/plain; version=0.0.4; charset=utf-8",
	    b.data, b.len);
	warp_buf_free(&b);
	return (warp_http_end(&ctx));
}
