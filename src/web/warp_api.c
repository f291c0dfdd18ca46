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

static void
json_kv(struct warp_buf *b, const char *k, const char *v, int comma)
{
	if (comma)
		warp_buf_append(b, ",", 1);
	warp_buf_json_string(b, k);
	warp_buf_append(b, ":", 1);
	warp_buf_json_string(b, v);
}

static void
json_ki(struct warp_buf *b, const char *k, long long v, int comma)
{
	if (comma)
		warp_buf_append(b, ",", 1);
	warp_buf_json_string(b, k);
	warp_buf_appendf(b, ":%lld", v);
}

static int64_t
count(struct warp_db *db, const char *sql, int64_t arg)
{
	sqlite3_stmt	*st;
	struct warp_err	 err;
	int64_t		 v;

	v = 0;
	if (warp_db_prepare(db, &st, sql, &err) == -1)
		return (0);
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, arg);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return (v);
}

static void
network_json(struct warp_db *db, struct warp_buf *b, struct warp_network *n)
{
	char	cidr[WARP_CIDR_STRLEN], st[16], err[512];
	size_t	i;

	warp_buf_append(b, "{", 1);
	json_ki(b, "id", n->id, 0);
	json_ki(b, "vcid", n->vcid, 1);
	json_kv(b, "name", n->name, 1);
	json_kv(b, "type", warp_net_type_name(n->type), 1);
	json_kv(b, "description", n->description, 1);
	warp_cidr_format(&n->subnet, cidr, sizeof(cidr));
	json_kv(b, "subnet", cidr, 1);
	json_ki(b, "listen_port", n->listen_port, 1);
	json_kv(b, "public_key", n->public_key, 1);
	json_kv(b, "dns", n->dns, 1);
	json_ki(b, "mtu", n->mtu, 1);
	json_ki(b, "keepalive", n->keepalive, 1);
	json_ki(b, "peer_communication", n->peer_communication, 1);
	json_ki(b, "vlan_min", n->vlan_min, 1);
	json_ki(b, "vlan_max", n->vlan_max, 1);
	json_ki(b, "vni", n->vni, 1);
	json_ki(b, "enabled", n->enabled, 1);
	warp_buf_append(b, ",\"resources\":[", 14);
	for (i = 0; i < n->nresources; i++) {
		warp_cidr_format(&n->resources[i], cidr, sizeof(cidr));
		if (i)
			warp_buf_append(b, ",", 1);
		warp_buf_json_string(b, cidr);
	}
	warp_buf_append(b, "]", 1);
	warp_apply_state(db, "network", n->id, st, sizeof(st), err,
	    sizeof(err));
	json_kv(b, "apply_status", st, 1);
	json_kv(b, "apply_error", err, 1);
	warp_buf_append(b, "}", 1);
}

static void
endpoint_json(struct warp_buf *b, struct warp_endpoint *e, int64_t now)
{
	char	ip[WARP_IP_STRLEN], cidr[WARP_CIDR_STRLEN];
	size_t	i;

	warp_buf_append(b, "{", 1);
	json_ki(b, "id", e->id, 0);
	json_ki(b, "network_id", e->network_id, 1);
	json_kv(b, "network", e->network_name, 1);
	json_kv(b, "name", e->name, 1);
	json_kv(b, "kind", warp_ep_kind_name(e->kind), 1);
	warp_ip_format(e->overlay_ip, ip, sizeof(ip));
	json_kv(b, "overlay_ip", ip, 1);
	json_kv(b, "public_key", e->public_key, 1);
	json_kv(b, "status", warp_endpoint_status(e, now), 1);
	json_ki(b, "enabled", e->enabled, 1);
	json_ki(b, "expires_at", e->expires_at, 1);
	json_ki(b, "config_version", e->config_version, 1);
	warp_buf_append(b, ",\"lans\":[", 9);
	for (i = 0; i < e->nlans; i++) {
		warp_cidr_format(&e->lans[i], cidr, sizeof(cidr));
		if (i)
			warp_buf_append(b, ",", 1);
		warp_buf_json_string(b, cidr);
	}
	warp_buf_append(b, "]}", 2);
}

static int
reply(struct warp_ctx *ctx, int status, struct warp_buf *b)
{
	warp_buf_append(b, "\n", 1);
	warp_http_json(ctx, status, b);
	warp_buf_free(b);
	return (0);
}

int
warp_api_status(struct http_request *req)
{
	struct warp_ctx	ctx;
	struct warp_buf	b;

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_A_API) == -1)
		return (warp_http_end(&ctx));
	warp_buf_init(&b);
	warp_buf_append(&b, "{", 1);
	json_ki(&b, "networks", count(ctx.db, "SELECT count(*) FROM networks",
	    0), 0);
	json_ki(&b, "endpoints", count(ctx.db, "SELECT count(*) FROM "
	    "endpoints", 0), 1);
	json_ki(&b, "ep_online", count(ctx.db, "SELECT count(*) FROM "
	    "endpoint_stats s JOIN endpoints e ON e.id = s.endpoint_id WHERE "
	    "e.enabled = 1 AND s.last_handshake >= ?", ctx.now - 180), 1);
	json_ki(&b, "ep_disabled", count(ctx.db, "SELECT count(*) FROM "
	    "endpoints WHERE enabled = 0", 0), 1);
	json_ki(&b, "ep_expired", count(ctx.db, "SELECT count(*) FROM "
	    "endpoints WHERE enabled = 1 AND expires_at > 0 AND "
	    "expires_at <= ?", ctx.now), 1);
	json_ki(&b, "pending", count(ctx.db, "SELECT count(*) FROM "
	    "apply_status WHERE status = 'pending'", 0), 1);
	json_ki(&b, "failed", count(ctx.db, "SELECT count(*) FROM "
	    "apply_status WHERE status = 'failed'", 0), 1);
	warp_buf_append(&b, "}", 1);
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
	warp_http_changed(&ctx, NULL, 0);
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
	struct warp_buf			 b;
	struct warp_err			 err;
	size_t				 i, cnt;
	int64_t				 id;
	char				*res;

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
		if (warp_network_create(ctx.db, &spec, &id, &err) == -1 ||
		    warp_network_get_id(ctx.db, id, &n, &err) == -1) {
			free(res);
			warp_http_fail(&ctx, &err);
			return (warp_http_end(&ctx));
		}
		free(res);
		warp_http_changed(&ctx, "network", id);
		network_json(ctx.db, &b, &n);
		reply(&ctx, 201, &b);
		return (warp_http_end(&ctx));
	}
	if (warp_network_list(ctx.db, &nets, &cnt, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	warp_buf_append(&b, "[", 1);
	for (i = 0; i < cnt; i++) {
		if (i)
			warp_buf_append(&b, ",", 1);
		network_json(ctx.db, &b, &nets[i]);
	}
	warp_buf_append(&b, "]", 1);
	warp_network_list_free(nets);
	reply(&ctx, 200, &b);
	return (warp_http_end(&ctx));
}

int
warp_api_network(struct http_request *req)
{
	struct warp_ctx		ctx;
	struct warp_network	n;
	struct warp_buf		b;
	struct warp_err		err;
	char			ref[32];

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_M_DELETE |
	    WARP_A_API | (req->method == HTTP_METHOD_DELETE ?
	    WARP_A_WRITE : 0)) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	if (warp_network_get_id(ctx.db, ctx.id, &n, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	warp_buf_init(&b);
	if (ctx.method == WARP_M_DELETE) {
		(void)snprintf(ref, sizeof(ref), "%lld", (long long)n.id);
		if (warp_network_delete(ctx.db, ref, ctx.actor, &err) == -1) {
			warp_http_fail(&ctx, &err);
			return (warp_http_end(&ctx));
		}
		warp_http_changed(&ctx, "network", n.id);
		warp_buf_appendf(&b, "{\"deleted\":%lld}", (long long)n.id);
		reply(&ctx, 200, &b);
		return (warp_http_end(&ctx));
	}
	network_json(ctx.db, &b, &n);
	reply(&ctx, 200, &b);
	return (warp_http_end(&ctx));
}

int
warp_api_endpoints(struct http_request *req)
{
	struct warp_ctx			 ctx;
	struct warp_endpoint		*eps, e;
	struct warp_endpoint_spec	 spec;
	struct warp_buf			 b;
	struct warp_err			 err;
	char				 ref[32], exp[40];
	size_t				 i, cnt;
	int64_t				 id;

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_M_POST | WARP_A_API |
	    (req->method == HTTP_METHOD_POST ? WARP_A_WRITE : 0)) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	warp_buf_init(&b);
	(void)snprintf(ref, sizeof(ref), "%lld", (long long)ctx.id);
	if (ctx.method == WARP_M_POST) {
		warp_endpoint_spec_init(&spec);
		spec.name = warp_form_get(&ctx.form, "name");
		if (warp_ep_kind_parse(warp_form_str(&ctx, "kind") ?
		    warp_form_str(&ctx, "kind") : "mobile", &spec.kind,
		    &err) == -1) {
			warp_http_fail(&ctx, &err);
			return (warp_http_end(&ctx));
		}
		spec.public_key = warp_form_str(&ctx, "public_key");
		if (warp_web_expiry(warp_form_str(&ctx, "expires"), exp,
		    sizeof(exp)))
			spec.expires = exp;
		spec.nlans = warp_form_all(&ctx.form, "lans", spec.lans,
		    WARP_MAX_LANS);
		if (warp_endpoint_create(ctx.db, ref, &spec, ctx.actor, &id,
		    &err) == -1 ||
		    warp_endpoint_get_id(ctx.db, id, &e, &err) == -1) {
			warp_http_fail(&ctx, &err);
			return (warp_http_end(&ctx));
		}
		warp_http_changed(&ctx, "endpoint", id);
		endpoint_json(&b, &e, ctx.now);
		reply(&ctx, 201, &b);
		return (warp_http_end(&ctx));
	}
	if (warp_endpoint_list(ctx.db, ctx.id, &eps, &cnt, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	warp_buf_append(&b, "[", 1);
	for (i = 0; i < cnt; i++) {
		if (i)
			warp_buf_append(&b, ",", 1);
		endpoint_json(&b, &eps[i], ctx.now);
	}
	warp_buf_append(&b, "]", 1);
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
		warp_http_changed(&ctx, "endpoint", e.id);
		warp_buf_appendf(&b, "{\"deleted\":%lld}", (long long)e.id);
		reply(&ctx, 200, &b);
		return (warp_http_end(&ctx));
	}
	endpoint_json(&b, &e, ctx.now);
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
	warp_http_changed(&ctx, "endpoint", e.id);
	warp_buf_init(&b);
	endpoint_json(&b, &e, ctx.now);
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
	(void)warp_audit(ctx.db, ctx.actor, "config.download", "endpoint",
	    obj, &err);
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
	size_t				 i, n;

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
	warp_buf_append(&b, "[", 1);
	for (i = 0; i < n; i++) {
		warp_buf_append(&b, i ? ",{" : "{", i ? 2 : 1);
		json_ki(&b, "version", vers[i].version, 0);
		json_ki(&b, "created_at", vers[i].created_at, 1);
		json_kv(&b, "reason", vers[i].reason, 1);
		json_kv(&b, "actor", vers[i].actor, 1);
		warp_buf_append(&b, "}", 1);
	}
	warp_buf_append(&b, "]", 1);
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
	warp_http_changed(&ctx, "endpoint", ctx.id);
	warp_buf_init(&b);
	warp_buf_appendf(&b, "{\"version\":%d}", newv);
	reply(&ctx, 200, &b);
	return (warp_http_end(&ctx));
}
