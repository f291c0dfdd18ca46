/*
 * warpd: server settings, audit log, users and API tokens; static assets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "assets.h"
#include "warp.h"
#include "warp_auth.h"
#include "warp_web.h"

#define AUDIT_PAGE	100

int	warp_page_settings(struct http_request *);
int	warp_page_audit(struct http_request *);
int	warp_page_users(struct http_request *);
int	warp_page_user_delete(struct http_request *);
int	warp_page_tokens(struct http_request *);
int	warp_page_token_revoke(struct http_request *);
int	warp_http_asset(struct http_request *);

static const struct {
	const char	*key;		/* form field */
	const char	*setting;	/* core setting name */
} settings[] = {
	{ "public_host",	"public-host" },
	{ "uplink",		"uplink" },
	{ "default_dns",	"default-dns" },
	{ "default_mtu",	"default-mtu" },
	{ "default_keepalive",	"default-keepalive" },
	{ NULL, NULL }
};

int
warp_page_settings(struct http_request *req)
{
	struct warp_ctx			 ctx;
	struct warp_server_config	 sc;
	struct warp_tpl			*row;
	struct warp_err			 err;
	const char			*v, *lo, *hi;
	char				 key[64], cidr[WARP_CIDR_STRLEN];
	char				 pool[32];
	int				 i;

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_M_POST |
	    WARP_A_ADMIN) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	if (ctx.method == WARP_M_POST) {
		/* All fields or none: one transaction around the setters. */
		if (warp_db_begin(ctx.db, &err) == -1)
			goto fail;
		for (i = 0; settings[i].key != NULL; i++) {
			/* Empty fields are left as they are. */
			if ((v = warp_form_str(&ctx, settings[i].key)) == NULL)
				continue;
			if (warp_server_config_set(ctx.db, settings[i].setting,
			    v, &err) == -1)
				goto rollback;
		}
		lo = warp_form_str(&ctx, "port_min");
		hi = warp_form_str(&ctx, "port_max");
		if (lo != NULL && hi != NULL) {
			(void)snprintf(pool, sizeof(pool), "%.8s-%.8s", lo, hi);
			if (warp_server_config_set(ctx.db, "port-pool", pool,
			    &err) == -1)
				goto rollback;
		}
		for (i = 0; i < WARP_NET_NTYPES; i++) {
			(void)snprintf(key, sizeof(key), "container.%s",
			    warp_net_type_name(i));
			if ((v = warp_form_str(&ctx, key)) == NULL)
				continue;
			if (warp_server_config_set(ctx.db, key, v, &err) == -1)
				goto rollback;
		}
		if (warp_audit(ctx.db, ctx.actor, "settings.update", "server",
		    "", &err) == -1)
			goto rollback;
		if (warp_db_commit(ctx.db, &err) == -1)
			goto fail;
		warp_http_changed(&ctx);
		warp_http_flash_redirect(&ctx, "/settings", "saved");
		return (warp_http_end(&ctx));
	}
	if (warp_server_config_get(ctx.db, &sc, &err) == -1)
		goto fail;
	warp_tpl_set(ctx.tpl, "public_host", sc.public_host);
	warp_tpl_set(ctx.tpl, "uplink", sc.uplink);
	warp_tpl_set_int(ctx.tpl, "port_min", sc.port_min);
	warp_tpl_set_int(ctx.tpl, "port_max", sc.port_max);
	warp_tpl_set(ctx.tpl, "default_dns", sc.default_dns);
	warp_tpl_set_int(ctx.tpl, "default_mtu", sc.default_mtu);
	warp_tpl_set_int(ctx.tpl, "default_keepalive", sc.default_keepalive);
	for (i = 0; i < WARP_NET_NTYPES; i++) {
		row = warp_tpl_push(ctx.tpl, "containers");
		warp_tpl_set(row, "type", warp_net_type_name(i));
		warp_cidr_format(&sc.containers[i], cidr, sizeof(cidr));
		warp_tpl_set(row, "cidr", cidr);
	}
	warp_http_page(&ctx, 200, "settings", "Server settings");
	return (warp_http_end(&ctx));
rollback:
	warp_db_rollback(ctx.db);
fail:
	warp_http_fail(&ctx, &err);
	return (warp_http_end(&ctx));
}

/* GET /audit?user=&object=&since=&until=&before= */
int
warp_page_audit(struct http_request *req)
{
	struct warp_ctx		 ctx;
	struct warp_tpl		*row;
	struct warp_err		 err;
	struct warp_audit_filter f;
	struct warp_audit_entry	*v;
	const char		*user, *obj, *since, *until, *before;
	char			 at[32], tbuf[40], more[512];
	int64_t			 t_since, t_until, last, b;
	size_t			 i, nv;
	int			 n;

	if (warp_http_begin(&ctx, req, WARP_M_GET) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	user = warp_form_get(&ctx.qs, "user");
	obj = warp_form_get(&ctx.qs, "object");
	since = warp_form_get(&ctx.qs, "since");
	until = warp_form_get(&ctx.qs, "until");
	before = warp_form_get(&ctx.qs, "before");
	t_since = 0;
	t_until = INT64_MAX;
	if (since != NULL && *since != '\0') {
		(void)warp_web_expiry(since, tbuf, sizeof(tbuf));
		if (warp_time_parse(tbuf, &t_since, &err) == -1) {
			warp_http_fail(&ctx, &err);
			return (warp_http_end(&ctx));
		}
	}
	if (until != NULL && *until != '\0') {
		(void)warp_web_expiry(until, tbuf, sizeof(tbuf));
		if (warp_time_parse(tbuf, &t_until, &err) == -1) {
			warp_http_fail(&ctx, &err);
			return (warp_http_end(&ctx));
		}
	}
	b = before ? strtoll(before, NULL, 10) : 0;
	if (b <= 0)
		b = INT64_MAX;
	warp_tpl_set(ctx.tpl, "f_user", user ? user : "");
	warp_tpl_set(ctx.tpl, "f_object", obj ? obj : "");
	warp_tpl_set(ctx.tpl, "f_since", since ? since : "");
	warp_tpl_set(ctx.tpl, "f_until", until ? until : "");
	memset(&f, 0, sizeof(f));
	f.user = user;
	f.object = obj;
	f.since = t_since;
	f.until = t_until;
	f.before = b;
	f.limit = AUDIT_PAGE;
	if (warp_audit_list(ctx.db, &f, &v, &nv, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	warp_tpl_list(ctx.tpl, "rows");
	last = 0;
	for (i = 0; i < nv; i++) {
		row = warp_tpl_push(ctx.tpl, "rows");
		last = v[i].id;
		warp_time_format(v[i].at, at, sizeof(at));
		warp_tpl_set(row, "at", at);
		warp_tpl_set(row, "actor", v[i].actor);
		warp_tpl_set(row, "action", v[i].action);
		warp_tpl_set(row, "otype", v[i].object_type);
		warp_tpl_set(row, "object", v[i].object);
		warp_tpl_set(row, "detail", v[i].detail);
	}
	warp_audit_list_free(v);
	n = (int)nv;
	if (n == AUDIT_PAGE) {
		/* Only numbers go into this URL; the filters are re-sent. */
		(void)snprintf(more, sizeof(more), "/audit?before=%lld",
		    (long long)last);
		warp_tpl_set(ctx.tpl, "more", more);
	}
	warp_http_page(&ctx, 200, "audit", "Audit log");
	return (warp_http_end(&ctx));
}

static void
users_vars(struct warp_ctx *ctx)
{
	struct warp_user	*users;
	struct warp_token	*toks;
	struct warp_tpl		*row;
	struct warp_err		 err;
	char			 buf[32];
	size_t			 i, n;

	warp_err_clear(&err);
	if (warp_user_list(ctx->db, &users, &n, &err) == 0) {
		for (i = 0; i < n; i++) {
			row = warp_tpl_push(ctx->tpl, "users");
			warp_tpl_set_int(row, "id", users[i].id);
			warp_tpl_set(row, "name", users[i].username);
			warp_tpl_set(row, "role",
			    warp_role_name(users[i].role));
			warp_tpl_set_int(row, "must",
			    users[i].must_change_password);
			warp_time_format(users[i].created_at, buf,
			    sizeof(buf));
			warp_tpl_set(row, "since", buf);
		}
		warp_user_list_free(users);
	}
	if (warp_token_list(ctx->db, &toks, &n, &err) == 0) {
		for (i = 0; i < n; i++) {
			row = warp_tpl_push(ctx->tpl, "tokens");
			warp_tpl_set_int(row, "id", toks[i].id);
			warp_tpl_set(row, "name", toks[i].name);
			warp_tpl_set(row, "user", toks[i].username);
			warp_time_format(toks[i].created_at, buf, sizeof(buf));
			warp_tpl_set(row, "created", buf);
			warp_fmt_ago(buf, sizeof(buf), toks[i].last_used,
			    ctx->now);
			warp_tpl_set(row, "used", buf);
		}
		warp_token_list_free(toks);
	}
}

/* GET /users, POST /users (create) */
int
warp_page_users(struct http_request *req)
{
	struct warp_ctx	 ctx;
	struct warp_err	 err;
	enum warp_role	 role;
	const char	*v;

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_M_POST |
	    WARP_A_ADMIN) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	if (ctx.method == WARP_M_POST) {
		v = warp_form_get(&ctx.form, "must_change");
		if (warp_role_parse(warp_form_get(&ctx.form, "role"), &role,
		    &err) == -1 || warp_user_create(ctx.db,
		    warp_form_get(&ctx.form, "username"),
		    warp_form_get(&ctx.form, "password"), role,
		    v != NULL && !strcmp(v, "1"), ctx.actor, NULL,
		    &err) == -1) {
			warp_http_fail(&ctx, &err);
			return (warp_http_end(&ctx));
		}
		warp_http_flash_redirect(&ctx, "/users", "created");
		return (warp_http_end(&ctx));
	}
	users_vars(&ctx);
	warp_http_page(&ctx, 200, "users", "Users");
	return (warp_http_end(&ctx));
}

/* POST /users/N/delete */
int
warp_page_user_delete(struct http_request *req)
{
	struct warp_ctx		ctx;
	struct warp_user	u;
	struct warp_err		err;

	if (warp_http_begin(&ctx, req, WARP_M_POST | WARP_A_ADMIN) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	if (warp_user_get_id(ctx.db, ctx.id, &u, &err) == -1 ||
	    warp_user_delete(ctx.db, u.username, ctx.actor, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	warp_http_flash_redirect(&ctx, "/users", "deleted");
	return (warp_http_end(&ctx));
}

/* POST /tokens: create; the token is shown once on the users page. */
int
warp_page_tokens(struct http_request *req)
{
	struct warp_ctx	ctx;
	struct warp_err	err;
	char		token[WARP_TOKEN_STRLEN];

	if (warp_http_begin(&ctx, req, WARP_M_POST | WARP_A_ADMIN) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	if (warp_token_create(ctx.db, warp_form_get(&ctx.form, "username"),
	    warp_form_get(&ctx.form, "name"), ctx.actor, token, NULL,
	    &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	warp_tpl_set(ctx.tpl, "new_token", token);
	explicit_bzero(token, sizeof(token));
	users_vars(&ctx);
	warp_http_page(&ctx, 201, "users", "Users");
	return (warp_http_end(&ctx));
}

/* POST /tokens/N/revoke */
int
warp_page_token_revoke(struct http_request *req)
{
	struct warp_ctx	ctx;
	struct warp_err	err;

	if (warp_http_begin(&ctx, req, WARP_M_POST | WARP_A_ADMIN) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	if (warp_token_revoke(ctx.db, ctx.id, ctx.actor, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	warp_http_flash_redirect(&ctx, "/users", "revoked");
	return (warp_http_end(&ctx));
}

/* GET /assets/NAME: compiled-in CSS and JS with our headers. */
int
warp_http_asset(struct http_request *req)
{
	static const struct {
		const char	*path;
		int		(*serve)(struct http_request *);
	} assets[] = {
		{ "/assets/style.css",	asset_serve_style_css },
		{ "/assets/app.js",	asset_serve_app_js },
		{ "/assets/favicon.svg", asset_serve_favicon_svg },
		{ NULL, NULL }
	};
	int	i;

	if (req->method != HTTP_METHOD_GET && req->method != HTTP_METHOD_HEAD)
		return (warp_http_notfound(req));
	for (i = 0; assets[i].path != NULL; i++) {
		if (!strcmp(req->path, assets[i].path)) {
			warp_http_headers(req);
			http_response_header(req, "cache-control",
			    "public, max-age=3600");
			return (assets[i].serve(req));
		}
	}
	return (warp_http_notfound(req));
}
