/*
 * warpd: the JSON API under /api/v1.  Same core calls, same checks as the
 * pages; authenticated by session cookie (+ X-CSRF-Token on changes) or by
 * "Authorization: Bearer <token>" from `warpctl token create`.  Errors are
 * {"error": "...", "status": N}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "warp.h"
#include "warp_auth.h"
#include "warp_web.h"
#include "warp_kernel.h"
#include "warp_traffic.h"

int	warp_api_status(struct http_request *);
int	warp_api_apply(struct http_request *);
int	warp_api_networks(struct http_request *);
int	warp_api_network(struct http_request *);
int	warp_api_endpoints(struct http_request *);
int	warp_api_endpoint(struct http_request *);
int	warp_api_endpoint_toggle(struct http_request *);
int	warp_api_config(struct http_request *);
int	warp_api_versions(struct http_request *);
int	warp_api_rollback(struct http_request *);

static int
reply(struct warp_ctx *ctx, int status, struct warp_buf *b)
{
	warp_buf_append(b, "\n", 1);
	warp_http_json(ctx, status, b);
	warp_buf_free(b);
	return (0);
}

/*
 * GET /api/v1/status[?counts=1]: the status document of `warpctl status
 * --json --stored` (workers cannot read the kernel: the numbers are what
 * the reconciler stored).  ?counts=1 gives only {"counts": ...}, what
 * the dashboard polls (cheap with 100,000 endpoints).
 */
int
warp_api_status(struct http_request *req)
{
	struct warp_ctx			ctx;
	struct warp_buf			b;
	struct warp_err			err;
	struct warp_stats		counts;
	struct warp_kernel_status	st;
	const char			*v;

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_A_API) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	warp_db_read_begin(ctx.db);	/* reads only, ended by _end */
	if (warp_stats_get(ctx.db, ctx.now, &counts, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	if ((v = warp_form_get(&ctx.qs, "counts")) != NULL &&
	    strcmp(v, "1") == 0)
		memset(&st, 0, sizeof(st));
	else if (warp_status_stored(ctx.db, &st, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	warp_buf_init(&b);
	if (v != NULL && strcmp(v, "1") == 0) {
		warp_buf_appendf(&b, "{\"counts\":");
		warp_json_status_counts(&b, &counts);
		warp_buf_append(&b, "}", 1);
	} else
		warp_json_status(&b, &st, &counts);
	warp_kernel_status_free(&st);
	reply(&ctx, 200, &b);
	return (warp_http_end(&ctx));
}

int
warp_api_apply(struct http_request *req)
{
	struct warp_ctx	ctx;
	struct warp_buf	b;
	struct warp_err	err;

	if (warp_http_begin(&ctx, req, WARP_M_POST | WARP_A_API |
	    WARP_A_WRITE) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	(void)warp_audit(ctx.db, ctx.actor, "apply", "", "", &err);
	warp_http_changed(&ctx);
	warp_buf_init(&b);
	warp_buf_appendf(&b, "{\"status\":\"apply requested\"}");
	reply(&ctx, 202, &b);
	return (warp_http_end(&ctx));
}

int
warp_api_networks(struct http_request *req)
{
	struct warp_ctx			 ctx;
	struct warp_network		*nets, n;
	struct warp_network_spec	 spec;
	struct warp_page		 pg;
	struct warp_buf			 b;
	struct warp_err			 err;
	size_t				 cnt;
	int64_t				 id;
	long				 total;
	char				*res;
	int				 more;

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_M_POST | WARP_A_API |
	    (req->method == HTTP_METHOD_POST ? WARP_A_WRITE : 0)) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	warp_buf_init(&b);
	if (ctx.method == WARP_M_POST) {
		res = NULL;
		if (warp_web_network_spec(&ctx, &spec, &res) == -1) {
			free(res);
			return (warp_http_end(&ctx));
		}
		if (warp_traffic_network_create(ctx.db, &spec,
		    warp_form_str(&ctx, "default_down"),
		    warp_form_str(&ctx, "default_up"), ctx.actor, &id,
		    &err) == -1 ||
		    warp_network_get_id(ctx.db, id, &n, &err) == -1) {
			free(res);
			warp_http_fail(&ctx, &err);
			return (warp_http_end(&ctx));
		}
		free(res);
		warp_http_changed(&ctx);
		warp_json_network(&b, ctx.db, &n);
		reply(&ctx, 201, &b);
		return (warp_http_end(&ctx));
	}
	if (warp_http_keyset(&ctx, &pg) == -1)
		return (warp_http_end(&ctx));
	warp_db_read_begin(ctx.db);	/* reads only, ended by _end */
	if (warp_network_count(ctx.db, &total, &err) == -1 ||
	    warp_network_list_page(ctx.db, &pg, &nets, &cnt, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	more = cnt == (size_t)pg.limit;
	if (more)
		cnt--;
	warp_http_next_link(&ctx, &pg, total, more ? nets[cnt - 1].id : 0);
	warp_json_network_list(&b, ctx.db, nets, cnt);
	warp_network_list_free(nets);
	reply(&ctx, 200, &b);
	return (warp_http_end(&ctx));
}

/*
 * POST /api/v1/networks/N: change the fields given (the edit form's; what
 * is absent stays as it is), e.g. {"expected_users": 500} grows it in
 * place.  Answers the network as it now is.
 */
static int
api_network_update(struct warp_ctx *ctx, struct warp_network *n)
{
	struct warp_network_edit	 ed;
	struct warp_buf			 b;
	struct warp_err			 err;
	char				 ref[32], *res;

	warp_err_clear(&err);
	if (warp_web_network_edit(ctx, n, &ed, &res, WARP_EDIT_API) == -1) {
		free(res);
		return (-1);
	}
	(void)snprintf(ref, sizeof(ref), "%lld", (long long)n->id);
	if (warp_network_update(ctx->db, ref, &ed, ctx->actor, &err) == -1 ||
	    warp_network_get_id(ctx->db, n->id, n, &err) == -1) {
		free(res);
		err.field[0] = '\0';	/* the create form's hints */
		return (warp_http_fail(ctx, &err));
	}
	free(res);
	warp_http_changed(ctx);
	warp_buf_init(&b);
	warp_json_network(&b, ctx->db, n);
	return (reply(ctx, 200, &b));
}

int
warp_api_network(struct http_request *req)
{
	struct warp_ctx		ctx;
	struct warp_network	n;
	struct warp_buf		b;
	struct warp_err		err;
	char			ref[32];

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_M_POST |
	    WARP_M_DELETE | WARP_A_API | (req->method == HTTP_METHOD_GET ||
	    req->method == HTTP_METHOD_HEAD ? 0 : WARP_A_WRITE)) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	if (warp_network_get_id(ctx.db, ctx.id, &n, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	if (ctx.method == WARP_M_POST) {
		(void)api_network_update(&ctx, &n);
		return (warp_http_end(&ctx));
	}
	warp_buf_init(&b);
	if (ctx.method == WARP_M_DELETE) {
		(void)snprintf(ref, sizeof(ref), "%lld", (long long)n.id);
		if (warp_network_delete(ctx.db, ref, ctx.actor, &err) == -1) {
			warp_http_fail(&ctx, &err);
			return (warp_http_end(&ctx));
		}
		warp_http_changed(&ctx);
		warp_buf_appendf(&b, "{\"deleted\":%lld}", (long long)n.id);
		reply(&ctx, 200, &b);
		return (warp_http_end(&ctx));
	}
	warp_json_network(&b, ctx.db, &n);
	reply(&ctx, 200, &b);
	return (warp_http_end(&ctx));
}

int
warp_api_endpoints(struct http_request *req)
{
	struct warp_ctx			 ctx;
	struct warp_endpoint		*eps, e;
	struct warp_endpoint_spec	 spec;
	struct warp_page		 pg;
	struct warp_buf			 b;
	struct warp_err			 err;
	const char			*kind;
	char				 ref[32], exp[40], *lans;
	size_t				 cnt;
	int64_t				 id;
	int				 more;

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_M_POST | WARP_A_API |
	    (req->method == HTTP_METHOD_POST ? WARP_A_WRITE : 0)) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	warp_buf_init(&b);
	(void)snprintf(ref, sizeof(ref), "%lld", (long long)ctx.id);
	if (ctx.method == WARP_M_POST) {
		warp_endpoint_spec_init(&spec);
		spec.name = warp_form_get(&ctx.form, "name");
		/* "type" and "lan_subnets" as in the JSON contract, or the
		 * form's older names "kind" and "lans". */
		if ((kind = warp_form_str(&ctx, "type")) == NULL &&
		    (kind = warp_form_str(&ctx, "kind")) == NULL)
			kind = "mobile";
		if (warp_ep_kind_parse(kind, &spec.kind, &err) == -1) {
			warp_http_fail(&ctx, &err);
			return (warp_http_end(&ctx));
		}
		spec.public_key = warp_form_str(&ctx, "public_key");
		if (warp_web_expiry(warp_form_str(&ctx, "expires"), exp,
		    sizeof(exp)))
			spec.expires = exp;
		if (warp_form_cidrs(&ctx, warp_form_get(&ctx.form, "lans") ?
		    "lans" : "lan_subnets", "LAN subnets", spec.lans,
		    WARP_MAX_LANS, &spec.nlans, &lans) == -1)
			return (warp_http_end(&ctx));
		if (warp_endpoint_create(ctx.db, ref, &spec, ctx.actor, &id,
		    &err) == -1 ||
		    warp_endpoint_get_id(ctx.db, id, &e, &err) == -1) {
			free(lans);
			warp_http_fail(&ctx, &err);
			return (warp_http_end(&ctx));
		}
		free(lans);
		warp_http_changed(&ctx);
		warp_json_endpoint(&b, &e, ctx.now);
		reply(&ctx, 201, &b);
		return (warp_http_end(&ctx));
	}
	if (warp_http_keyset(&ctx, &pg) == -1)
		return (warp_http_end(&ctx));
	warp_db_read_begin(ctx.db);	/* reads only, ended by _end */
	if (warp_endpoint_list_page(ctx.db, ctx.id, &pg, &eps, &cnt,
	    &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	more = cnt == (size_t)pg.limit;
	if (more)
		cnt--;
	warp_http_next_link(&ctx, &pg, warp_network_count_endpoints(ctx.db,
	    ctx.id), more ? eps[cnt - 1].id : 0);
	warp_json_endpoint_list(&b, eps, cnt, ctx.now);
	warp_endpoint_list_free(eps);
	reply(&ctx, 200, &b);
	return (warp_http_end(&ctx));
}

int
warp_api_endpoint(struct http_request *req)
{
	struct warp_ctx		ctx;
	struct warp_endpoint	e;
	struct warp_buf		b;
	struct warp_err		err;
	char			ref[32];

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_M_DELETE |
	    WARP_A_API | (req->method == HTTP_METHOD_DELETE ?
	    WARP_A_WRITE : 0)) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	if (warp_endpoint_get_id(ctx.db, ctx.id, &e, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	warp_buf_init(&b);
	if (ctx.method == WARP_M_DELETE) {
		(void)snprintf(ref, sizeof(ref), "%lld", (long long)e.id);
		if (warp_endpoint_delete(ctx.db, ref, ctx.actor, &err) == -1) {
			warp_http_fail(&ctx, &err);
			return (warp_http_end(&ctx));
		}
		warp_http_changed(&ctx);
		warp_buf_appendf(&b, "{\"deleted\":%lld}", (long long)e.id);
		reply(&ctx, 200, &b);
		return (warp_http_end(&ctx));
	}
	warp_json_endpoint(&b, &e, ctx.now);
	reply(&ctx, 200, &b);
	return (warp_http_end(&ctx));
}

int
warp_api_endpoint_toggle(struct http_request *req)
{
	struct warp_ctx		ctx;
	struct warp_endpoint	e;
	struct warp_buf		b;
	struct warp_err		err;
	char			ref[32];
	int			on;

	if (warp_http_begin(&ctx, req, WARP_M_POST | WARP_A_API |
	    WARP_A_WRITE) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	on = strstr(req->path, "/enable") != NULL;
	(void)snprintf(ref, sizeof(ref), "%lld", (long long)ctx.id);
	if (warp_endpoint_set_enabled(ctx.db, ref, on, ctx.actor,
	    &err) == -1 || warp_endpoint_get_id(ctx.db, ctx.id, &e,
	    &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	warp_http_changed(&ctx);
	warp_buf_init(&b);
	warp_json_endpoint(&b, &e, ctx.now);
	reply(&ctx, 200, &b);
	return (warp_http_end(&ctx));
}

/* GET /api/v1/endpoints/N/config[?version=V] */
int
warp_api_config(struct http_request *req)
{
	struct warp_ctx	 ctx;
	struct warp_err	 err;
	const char	*v;
	char		*text, obj[32];
	long		 version;

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_A_API |
	    WARP_A_WRITE) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	version = 0;
	if ((v = warp_form_get(&ctx.qs, "version")) != NULL &&
	    ((version = strtol(v, NULL, 10)) < 1 || version > 1000000)) {
		warp_http_error(&ctx, 400, "version must be a number >= 1");
		return (warp_http_end(&ctx));
	}
	if (warp_endpoint_get_id(ctx.db, ctx.id, &(struct warp_endpoint){0},
	    &err) == -1 || warp_config_version_text(ctx.db, ctx.id,
	    (int)version, &text, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	(void)snprintf(obj, sizeof(obj), "%lld", (long long)ctx.id);
	(void)warp_audit_defer(ctx.db, ctx.actor, "config.download",
	    "endpoint", obj);
	warp_http_respond(req, 200, "text/plain; charset=utf-8", text,
	    strlen(text));
	warp_config_free(text);
	return (warp_http_end(&ctx));
}

int
warp_api_versions(struct http_request *req)
{
	struct warp_ctx			 ctx;
	struct warp_config_version	*vers;
	struct warp_buf			 b;
	struct warp_err			 err;
	size_t				 n;

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_A_API) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	if (warp_endpoint_get_id(ctx.db, ctx.id, &(struct warp_endpoint){0},
	    &err) == -1 || warp_config_history(ctx.db, ctx.id, &vers, &n,
	    &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	warp_buf_init(&b);
	warp_json_versions(&b, vers, n);
	free(vers);
	reply(&ctx, 200, &b);
	return (warp_http_end(&ctx));
}

int
warp_api_rollback(struct http_request *req)
{
	struct warp_ctx	 ctx;
	struct warp_buf	 b;
	struct warp_err	 err;
	const char	*v;
	char		 ref[32], *end;
	long		 version;
	int		 newv;

	if (warp_http_begin(&ctx, req, WARP_M_POST | WARP_A_API |
	    WARP_A_WRITE) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	v = warp_form_str(&ctx, "version");
	version = v ? strtol(v, &end, 10) : 0;
	if (v == NULL || *end != '\0' || version < 1 || version > 1000000) {
		warp_http_error(&ctx, 400, "\"version\" must be a version "
		    "number from the history");
		return (warp_http_end(&ctx));
	}
	(void)snprintf(ref, sizeof(ref), "%lld", (long long)ctx.id);
	if (warp_config_rollback(ctx.db, ref, (int)version, ctx.actor, &newv,
	    &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	warp_http_changed(&ctx);
	warp_buf_init(&b);
	warp_buf_appendf(&b, "{\"version\":%d}", newv);
	reply(&ctx, 200, &b);
	return (warp_http_end(&ctx));
}
