/*
 * warpd: the edge.  Every request passes warp_http_begin() (method,
 * proxy headers, forms, authentication, role, CSRF) and every response
 * warp_http_respond() (security headers).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "warp.h"
#include "warp_auth.h"
#include "warp_web.h"

#define BODY_MAX	(1024 * 1024)

int	warp_http_health(struct http_request *);
int	warp_http_notfound(struct http_request *);

static void	http_peer(struct warp_ctx *);
static int	http_read_body(struct warp_ctx *);
static int	http_auth(struct warp_ctx *);
static void	http_path_ids(struct warp_ctx *);
static int	http_json_form(struct warp_ctx *, const char *, size_t);
static void	http_common_vars(struct warp_ctx *);
static void	http_limit_vars(struct warp_ctx *);

static const struct {
	const char	*code;
	const char	*text;
} flashes[] = {
	{ "created",	"Created." },
	{ "saved",	"Saved." },
	{ "deleted",	"Deleted." },
	{ "enabled",	"Enabled." },
	{ "disabled",	"Disabled." },
	{ "suspended",	"Network suspended." },
	{ "resumed",	"Network resumed." },
	{ "rolledback",	"Rolled back: a new config version was made." },
	{ "password",	"Password changed." },
	{ "bulk",	"Endpoints created." },
	{ "applied",	"Apply requested." },
	{ "token",	"Token created." },
	{ "rotated",	"New keys: a new config version was made." },
	{ "revoked",	"Token revoked." },
	{ NULL, NULL }
};

void
warp_http_headers(struct http_request *req)
{
	http_response_header(req, "content-security-policy",
	    "default-src 'none'; script-src 'self'; style-src 'self'; "
	    "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
	    "frame-ancestors 'none'; base-uri 'none'");
	http_response_header(req, "x-content-type-options", "nosniff");
	http_response_header(req, "x-frame-options", "DENY");
	http_response_header(req, "referrer-policy", "no-referrer");
	http_response_header(req, "cross-origin-opener-policy", "same-origin");
	http_response_header(req, "cross-origin-resource-policy",
	    "same-origin");
}

void
warp_http_respond(struct http_request *req, int status, const char *ctype,
    const void *body, size_t len)
{
	warp_http_headers(req);
	http_response_header(req, "cache-control", "no-store");
	if (ctype != NULL)
		http_response_header(req, "content-type", ctype);
	http_response(req, status, body, len);
}

/* GET /healthz: 200 when the database answers, 503 otherwise. */
int
warp_http_health(struct http_request *req)
{
	struct warp_db	*db;
	char		 body[128];
	int		 n, version;

	db = warp_web_dbh();
	if (db == NULL || warp_db_schema_version(db, &version) == -1) {
		n = snprintf(body, sizeof(body),
		    "{\"status\":\"error\",\"db\":\"unavailable\"}\n");
		warp_http_respond(req, 503, "application/json", body, n);
		return (KORE_RESULT_OK);
	}
	n = snprintf(body, sizeof(body),
	    "{\"status\":\"ok\",\"db\":\"ok\",\"schema\":%d}\n", version);
	warp_http_respond(req, 200, "application/json", body, n);
	return (KORE_RESULT_OK);
}

int
warp_http_notfound(struct http_request *req)
{
	static const char	msg[] = "not found\n";

	warp_http_respond(req, 404, "text/plain; charset=utf-8", msg,
	    sizeof(msg) - 1);
	return (KORE_RESULT_OK);
}

/*
 * JSON bodies of the API become the same flat form as a url-encoded body
 * (warp_parse.c); an error is a 400 saying what was wrong.
 */
static int
http_json_form(struct warp_ctx *ctx, const char *body, size_t len)
{
	struct warp_err	err;

	warp_err_clear(&err);
	if (warp_json_form_parse(&ctx->form, body, len, &err) == -1) {
		warp_http_error(ctx, 400, err.msg);
		return (-1);
	}
	return (0);
}

static int
http_read_body(struct warp_ctx *ctx)
{
	struct warp_err		 err;
	struct warp_buf		 body;
	const char		*ctype;
	char			 chunk[8192];
	ssize_t			 r;
	int			 rc;

	warp_buf_init(&body);
	for (;;) {
		r = http_body_read(ctx->req, chunk, sizeof(chunk));
		if (r == -1) {
			warp_buf_free(&body);
			return (warp_http_error(ctx, 400, "cannot read the "
			    "request body"));
		}
		if (r == 0)
			break;
		if (body.len + (size_t)r > BODY_MAX) {
			warp_buf_free(&body);
			return (warp_http_error(ctx, 413, "the request body "
			    "is too large"));
		}
		warp_buf_append(&body, chunk, (size_t)r);
	}
	if (memchr(body.data ? body.data : "", '\0', body.len) != NULL) {
		warp_buf_free(&body);
		return (warp_http_error(ctx, 400, "NUL bytes in the body"));
	}
	if (!http_request_header(ctx->req, "content-type", &ctype))
		ctype = "";
	rc = 0;
	warp_err_clear(&err);
	if (body.len == 0) {
		rc = 0;
	} else if (!strncasecmp(ctype, "application/json", 16)) {
		if (!(ctx->flags & WARP_A_API)) {
			rc = warp_http_error(ctx, 415, "send a form");
		} else if (http_json_form(ctx, body.data, body.len) == -1)
			rc = -1;
	} else if (!strncasecmp(ctype, "application/x-www-form-urlencoded",
	    33)) {
		if (warp_form_parse(&ctx->form, body.data, body.len,
		    &err) == -1)
			rc = warp_http_error(ctx, 400, err.msg);
	} else {
		rc = warp_http_error(ctx, 415, "unsupported content type: "
		    "send application/x-www-form-urlencoded or "
		    "application/json");
	}
	warp_buf_free(&body);
	return (rc);
}

/*
 * The client's address.  X-Real-IP and X-Forwarded-Proto are believed only
 * when the TCP peer is the configured proxy (-P ADDR / WARP_TRUST_PROXY):
 * anyone else who sends them is talking to us directly.
 */
static int
http_peer_is_proxy(const struct connection *c)
{
	const uint8_t	*v6;

	if (!warp_web_trust_proxy)
		return (0);
	if (c->family == AF_INET) {
		if (warp_web_proxy_family == AF_INET)
			return (c->addr.ipv4.sin_addr.s_addr ==
			    warp_web_proxy4.s_addr);
		return (0);
	}
	if (c->family != AF_INET6)
		return (0);
	v6 = c->addr.ipv6.sin6_addr.s6_addr;
	if (warp_web_proxy_family == AF_INET6)
		return (!memcmp(v6, warp_web_proxy6.s6_addr, 16));
	/* An IPv4 proxy seen on a dual-stack socket. */
	return (IN6_IS_ADDR_V4MAPPED(&c->addr.ipv6.sin6_addr) &&
	    !memcmp(v6 + 12, &warp_web_proxy4.s_addr, 4));
}

static void
http_peer(struct warp_ctx *ctx)
{
	struct connection	*c;
	const char		*hdr;
	struct in6_addr		 a6;
	struct in_addr		 a4;

	c = ctx->req->owner;
	ctx->addr[0] = '\0';
	if (c->family == AF_INET) {
		(void)inet_ntop(AF_INET, &c->addr.ipv4.sin_addr, ctx->addr,
		    sizeof(ctx->addr));
	} else if (c->family == AF_INET6) {
		(void)inet_ntop(AF_INET6, &c->addr.ipv6.sin6_addr, ctx->addr,
		    sizeof(ctx->addr));
	} else {
		(void)snprintf(ctx->addr, sizeof(ctx->addr), "local");
	}
	if (http_peer_is_proxy(c)) {
		if (http_request_header(ctx->req, "x-real-ip", &hdr) &&
		    (inet_pton(AF_INET, hdr, &a4) == 1 ||
		    inet_pton(AF_INET6, hdr, &a6) == 1))
			(void)snprintf(ctx->addr, sizeof(ctx->addr), "%s", hdr);
		if (http_request_header(ctx->req, "x-forwarded-proto", &hdr) &&
		    !strcmp(hdr, "https"))
			ctx->secure = 1;
	}
	warp_login_addr_key(ctx->addr, ctx->addrkey, sizeof(ctx->addrkey));
}

static void
http_path_ids(struct warp_ctx *ctx)
{
	const char	*p;
	char		*end;
	long long	 v;
	int		 k;

	k = 0;
	for (p = ctx->req->path; *p != '\0' && k < 2; p++) {
		if (p[0] != '/' || !isdigit((unsigned char)p[1]))
			continue;
		v = strtoll(p + 1, &end, 10);
		if (*end != '/' && *end != '\0' && *end != '.')
			continue;
		if (end - (p + 1) > 15)
			v = -1;		/* no such object */
		if (k++ == 0)
			ctx->id = v;
		else
			ctx->id2 = v;
	}
}

void
warp_http_set_session_cookie(struct warp_ctx *ctx, const char *token,
    int clear)
{
	char	cookie[256];

	if (clear) {
		(void)snprintf(cookie, sizeof(cookie), WARP_SESSION_COOKIE "=; "
		    "Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s",
		    ctx->secure ? "; Secure" : "");
	} else {
		(void)snprintf(cookie, sizeof(cookie), WARP_SESSION_COOKIE "=%s; "
		    "Path=/; Max-Age=%d; HttpOnly; SameSite=Strict%s", token,
		    WARP_SESSION_ABSOLUTE, ctx->secure ? "; Secure" : "");
	}
	http_response_header(ctx->req, "set-cookie", cookie);
}

/*
 * One of our cookies, by exact name (cookie names are case-sensitive;
 * Kore's http_request_cookie() is not), parsed by the one cookie parser,
 * warp_cookie_get() (fuzzed).  0 when absent, empty or longer than outlen
 * allows.
 */
int
warp_http_cookie(struct http_request *req, const char *name, char *out,
    size_t outlen)
{
	const char	*hdr;

	if (!http_request_header(req, "cookie", &hdr))
		return (0);
	return (warp_cookie_get(hdr, name, out, outlen));
}

static int
http_auth(struct warp_ctx *ctx)
{
	struct warp_err	 err;
	const char	*hdr;
	char		 token[WARP_TOKEN_STRLEN];

	warp_err_clear(&err);
	if ((ctx->flags & WARP_A_API) &&
	    http_request_header(ctx->req, "authorization", &hdr) &&
	    !strncmp(hdr, "Bearer ", 7)) {
		if (warp_token_lookup_scope(ctx->db, hdr + 7, ctx->now,
		    &ctx->user, &ctx->token_ro, &err) == -1)
			return (err.kind == WARP_ESYSTEM ? -1 : 0);
		ctx->via_token = 1;
		ctx->authed = 1;
		return (0);
	}
	if (!warp_http_cookie(ctx->req, WARP_SESSION_COOKIE, token,
	    sizeof(token)))
		return (0);
	/*
	 * The page's own refresh says so (X-Warp-Background): it must not
	 * keep an unattended session alive, so it never resets the idle clock.
	 */
	if (http_request_header(ctx->req, "x-warp-background", &hdr)) {
		if (warp_session_lookup_passive(ctx->db, token, ctx->now,
		    &ctx->sess, &err) == -1)
			return (err.kind == WARP_ESYSTEM ? -1 : 0);
	} else if (!warp_cache_session_get(token, ctx->now, &ctx->sess)) {
		if (warp_session_lookup(ctx->db, token, ctx->now, &ctx->sess,
		    &err) == -1)
			return (err.kind == WARP_ESYSTEM ? -1 : 0);
		warp_cache_session_put(token, &ctx->sess);
	}
	ctx->user = ctx->sess.user;
	ctx->authed = 1;
	return (0);
}

/*
 * Returns 0 when the handler may go on; otherwise the response has been
 * sent and the handler returns warp_http_end(ctx).
 */
int
warp_http_begin(struct warp_ctx *ctx, struct http_request *req, int flags)
{
	const char	*csrf;
	struct warp_err	 err;

	memset(ctx, 0, sizeof(*ctx));
	ctx->req = req;
	ctx->flags = flags;
	ctx->now = (int64_t)time(NULL);
	ctx->tpl = warp_tpl_new();
	http_peer(ctx);
	http_path_ids(ctx);

	switch (req->method) {
	case HTTP_METHOD_GET:
	case HTTP_METHOD_HEAD:
		ctx->method = WARP_M_GET;
		break;
	case HTTP_METHOD_POST:
		ctx->method = WARP_M_POST;
		break;
	case HTTP_METHOD_DELETE:
		ctx->method = WARP_M_DELETE;
		break;
	default:
		ctx->method = 0;
		break;
	}
	if ((ctx->db = warp_web_dbh()) == NULL)
		return (warp_http_error(ctx, 503, "the database is not "
		    "available"));
	warp_cache_sync(ctx->db);

	warp_err_clear(&err);
	if (req->query_string != NULL && warp_form_parse(&ctx->qs,
	    req->query_string, strlen(req->query_string), &err) == -1)
		return (warp_http_error(ctx, 400, err.msg));

	if (http_auth(ctx) == -1)
		return (warp_http_error(ctx, 500, "internal error"));
	if (ctx->authed)
		(void)snprintf(ctx->actor, sizeof(ctx->actor), "%s:%s",
		    ctx->via_token ? "api" : "web", ctx->user.username);
	/* Who you are first: an anonymous caller learns nothing else. */
	if (!(flags & WARP_A_PUBLIC) && !ctx->authed) {
		if (!(flags & WARP_A_API) && ctx->method == WARP_M_GET)
			return (warp_http_redirect(ctx, "/login"));
		return (warp_http_error(ctx, 401, "sign in first"));
	}
	if (!(flags & ctx->method))
		return (warp_http_error(ctx, 405, "method not allowed here"));
	if (ctx->method != WARP_M_GET && http_read_body(ctx) == -1)
		return (-1);
	if (flags & WARP_A_PUBLIC)
		return (0);
	if (ctx->user.must_change_password && !(flags & WARP_A_PWCHANGE)) {
		if (!(flags & WARP_A_API) && ctx->method == WARP_M_GET)
			return (warp_http_redirect(ctx, "/account/password"));
		return (warp_http_error(ctx, 403, "change your password "
		    "first"));
	}
	/* CSRF before anything else looks at the request's content. */
	if (ctx->method != WARP_M_GET && !ctx->via_token &&
	    !(flags & WARP_A_NOCSRF)) {
		if ((csrf = warp_form_get(&ctx->form, "csrf")) == NULL &&
		    !http_request_header(req, "x-csrf-token", &csrf))
			csrf = NULL;
		if (!warp_token_equal(csrf, ctx->sess.csrf))
			return (warp_http_error(ctx, 403, "invalid or missing "
			    "CSRF token: reload the page and try again"));
	}
	if (ctx->via_token && ctx->token_ro && ctx->method != WARP_M_GET)
		return (warp_http_error(ctx, 403, "this API token is "
		    "read-only"));
	if ((flags & WARP_A_ADMIN) && ctx->user.role != WARP_ROLE_ADMIN)
		return (warp_http_error(ctx, 403, "only an admin may do this"));
	if ((flags & WARP_A_WRITE) && ctx->user.role == WARP_ROLE_VIEWER)
		return (warp_http_error(ctx, 403, "viewers cannot change "
		    "anything"));
	if ((flags & WARP_A_CACHE) && ctx->method == WARP_M_GET &&
	    !ctx->via_token) {
		const char	*body;
		size_t		 len;

		ctx->cacheable = 1;
		body = warp_cache_page_get(req, ctx->sess.id, ctx->now, &len);
		if (body != NULL) {
			warp_http_respond(req, 200, "text/html; charset=utf-8",
			    body, len);
			return (-1);
		}
	}
	return (0);
}

int
warp_http_end(struct warp_ctx *ctx)
{
	if (ctx->db != NULL)
		warp_db_read_end(ctx->db);
	warp_form_free(&ctx->form);
	warp_form_free(&ctx->qs);
	warp_tpl_free(ctx->tpl);
	ctx->tpl = NULL;
	return (KORE_RESULT_OK);
}

int
warp_http_status_for(const struct warp_err *err)
{
	switch (err->kind) {
	case WARP_EINPUT:
		return (400);
	case WARP_ENOTFOUND:
		return (404);
	case WARP_ECONFLICT:
		return (409);
	default:
		return (500);
	}
}

/* The web's hint for an input the core named (struct warp_err field). */
static const struct {
	const char	*field;
	const char	*hint;
} http_hints[] = {
	{ WARP_F_EXPECTED_USERS, "edit the network (Edit) and raise its "
				"\"Expected users\": it grows in place" },
	{ WARP_F_SUBNET,	"enter a Subnet, or widen the subnet container "
				"in Settings" },
	{ WARP_F_RESOURCES,	"enter them under \"Resource subnets\"" },
	{ WARP_F_TYPE,		"choose the kind cpe or gateway" },
	{ WARP_F_PUBLIC_HOST,	"enter the public host in Settings" },
	{ WARP_F_SETTING_HOST,	"enter the public host in Settings" },
	{ WARP_F_PORT_POOL,	"widen the listen port pool in Settings" },
	{ WARP_F_VERSION,	"the endpoint's History lists its versions" },
	{ NULL, NULL }
};

int
warp_http_fail(struct warp_ctx *ctx, const struct warp_err *err)
{
	char	msg[sizeof(err->msg) + 128];
	int	status, i;

	status = warp_http_status_for(err);
	if (status == 500) {
		/* Core messages carry no secrets; keep them off the page. */
		kore_log(LOG_ERR, "warpd: %s %s: %s",
		    http_method_text(ctx->req->method), ctx->req->path,
		    err->msg);
		return (warp_http_error(ctx, 500, "internal error; see the "
		    "warpd log"));
	}
	for (i = 0; err->field[0] != '\0' && http_hints[i].field != NULL; i++)
		if (strcmp(http_hints[i].field, err->field) == 0) {
			(void)snprintf(msg, sizeof(msg), "%s; %s", err->msg,
			    http_hints[i].hint);
			return (warp_http_error(ctx, status, msg));
		}
	return (warp_http_error(ctx, status, err->msg));
}

/* The limits of warp.h, for the forms' min and max attributes. */
static void
http_limit_vars(struct warp_ctx *ctx)
{
	static const struct {
		const char	*name;
		long long	 value;
	} lim[] = {
		{ "lim_mtu_min", WARP_MTU_MIN },
		{ "lim_mtu_max", WARP_MTU_MAX },
		{ "lim_keepalive_max", WARP_KEEPALIVE_MAX },
		{ "lim_port_max", WARP_PORT_MAX },
		{ "lim_users_max", WARP_USERS_MAX },
		{ "lim_vlan_max", WARP_VLAN_MAX },
		{ "lim_vni_max", WARP_VNI_MAX },
		{ "lim_name_max", WARP_NAME_MAX },
		{ "lim_desc_max", WARP_DESC_MAX },
	};
	size_t	i;

	for (i = 0; i < sizeof(lim) / sizeof(lim[0]); i++)
		warp_tpl_set_int(ctx->tpl, lim[i].name, lim[i].value);
}

/* Who is signed in, for the page header. */
static void
http_common_vars(struct warp_ctx *ctx)
{
	if (!ctx->authed || ctx->via_token)
		return;
	warp_tpl_set(ctx->tpl, "me", ctx->user.username);
	warp_tpl_set(ctx->tpl, "my_role", warp_role_name(ctx->user.role));
	warp_tpl_set(ctx->tpl, "csrf", ctx->sess.csrf);
	warp_tpl_set_int(ctx->tpl, "can_write",
	    ctx->user.role != WARP_ROLE_VIEWER);
	warp_tpl_set_int(ctx->tpl, "is_admin",
	    ctx->user.role == WARP_ROLE_ADMIN);
}

int
warp_http_error(struct warp_ctx *ctx, int status, const char *msg)
{
	struct warp_buf	out;
	struct warp_err	err;

	warp_buf_init(&out);
	if (ctx->flags & WARP_A_API) {
		warp_buf_appendf(&out, "{\"error\":");
		warp_buf_json_string(&out, msg);
		warp_buf_appendf(&out, ",\"status\":%d}\n", status);
		if (status == 401)
			http_response_header(ctx->req, "www-authenticate",
			    "Bearer");
		warp_http_respond(ctx->req, status, "application/json",
		    out.data, out.len);
		warp_buf_free(&out);
		return (-1);
	}
	if (ctx->tpl == NULL)
		ctx->tpl = warp_tpl_new();
	warp_tpl_set(ctx->tpl, "message", msg);
	warp_tpl_set_int(ctx->tpl, "status", status);
	warp_tpl_set(ctx->tpl, "title", http_status_text(status));
	http_common_vars(ctx);
	warp_err_clear(&err);
	if (warp_tpl_render("error", ctx->tpl, &out, &err) == -1) {
		kore_log(LOG_ERR, "warpd: %s", err.msg);
		warp_buf_free(&out);
		warp_http_respond(ctx->req, status, "text/plain; "
		    "charset=utf-8", msg, strlen(msg));
		return (-1);
	}
	warp_http_respond(ctx->req, status, "text/html; charset=utf-8",
	    out.data, out.len);
	warp_buf_free(&out);
	return (-1);
}

int
warp_http_redirect(struct warp_ctx *ctx, const char *location)
{
	http_response_header(ctx->req, "location", location);
	warp_http_respond(ctx->req, 303, NULL, NULL, 0);
	return (-1);
}

int
warp_http_flash_redirect(struct warp_ctx *ctx, const char *path,
    const char *code)
{
	char	loc[512];

	(void)snprintf(loc, sizeof(loc), "%s%sdone=%s", path,
	    strchr(path, '?') ? "&" : "?", code);
	return (warp_http_redirect(ctx, loc));
}

int
warp_http_page(struct warp_ctx *ctx, int status, const char *name,
    const char *title)
{
	struct warp_buf	 out;
	struct warp_err	 err;
	const char	*done;
	int		 i;

	warp_tpl_set(ctx->tpl, "title", title);
	http_common_vars(ctx);
	http_limit_vars(ctx);
	if ((done = warp_form_get(&ctx->qs, "done")) != NULL) {
		for (i = 0; flashes[i].code != NULL; i++)
			if (!strcmp(flashes[i].code, done))
				warp_tpl_set(ctx->tpl, "flash",
				    flashes[i].text);
	}
	warp_buf_init(&out);
	warp_err_clear(&err);
	if (warp_tpl_render(name, ctx->tpl, &out, &err) == -1) {
		warp_buf_free(&out);
		kore_log(LOG_ERR, "warpd: rendering %s: %s", name, err.msg);
		return (warp_http_error(ctx, 500, "internal error"));
	}
	if (ctx->cacheable && status == 200)
		warp_cache_page_put(ctx->req, ctx->sess.id, ctx->now, out.data,
		    out.len);
	warp_http_respond(ctx->req, status, "text/html; charset=utf-8",
	    out.data, out.len);
	warp_buf_free(&out);
	return (0);
}

/*
 * `?page=N` of a page listing `total` rows: the rows of that page in pg,
 * and the pager's variables (pages, page, prev, next) when there is more
 * than one.  -1: answered (400, a page that does not exist).
 */
int
warp_http_pager(struct warp_ctx *ctx, int64_t total, struct warp_page *pg)
{
	struct warp_err	err;
	int64_t		page, pages;

	warp_err_clear(&err);
	if (warp_page_number(warp_form_get(&ctx->qs, "page"), total,
	    WARP_PAGE_ROWS, pg, &page, &pages, &err) == -1)
		return (warp_http_error(ctx, 400, err.msg));
	if (pages > 1) {
		warp_tpl_set_int(ctx->tpl, "pages", pages);
		warp_tpl_set_int(ctx->tpl, "page", page);
		if (page > 1)
			warp_tpl_set_int(ctx->tpl, "prev", page - 1);
		if (page < pages)
			warp_tpl_set_int(ctx->tpl, "next", page + 1);
	}
	return (0);
}

/*
 * The API's `?after=ID&limit=N` (README, JSON API): pg asks the core for
 * one row more than the limit, so that warp_http_next_link() knows
 * whether there is a next page.  -1: answered (400).
 */
int
warp_http_keyset(struct warp_ctx *ctx, struct warp_page *pg)
{
	struct warp_err	err;

	warp_err_clear(&err);
	if (warp_page_keyset(warp_form_get(&ctx->qs, "after"),
	    warp_form_get(&ctx->qs, "limit"), WARP_API_LIMIT,
	    WARP_API_LIMIT_MAX, pg, &err) == -1)
		return (warp_http_error(ctx, 400, err.msg));
	pg->limit++;
	return (0);
}

/*
 * The paging headers of an API list: X-Total-Count, and a Link to the
 * next page (rel="next", after last_id, the last id shown) when the
 * core found the extra row (last_id 0: this was the last page).
 */
void
warp_http_next_link(struct warp_ctx *ctx, const struct warp_page *pg,
    int64_t total, int64_t last_id)
{
	char	buf[512];

	(void)snprintf(buf, sizeof(buf), "%lld", (long long)total);
	http_response_header(ctx->req, "x-total-count", buf);
	if (last_id <= 0)
		return;
	(void)snprintf(buf, sizeof(buf), "<%s?after=%lld&limit=%d>; "
	    "rel=\"next\"", ctx->req->path, (long long)last_id,
	    pg->limit - 1);
	http_response_header(ctx->req, "link", buf);
}

int
warp_http_json(struct warp_ctx *ctx, int status, struct warp_buf *body)
{
	warp_http_respond(ctx->req, status, "application/json",
	    body->data, body->len);
	return (0);
}

/*
 * Something in the desired state changed: the core has marked it pending
 * in the same transaction; ask the privileged parent to reconcile.
 */
void
warp_http_changed(struct warp_ctx *ctx)
{
	(void)ctx;
	warp_web_request_apply(WARP_APPLY_CHANGES);
}

/*
 * CIDRs from a form: one field with them separated by blanks, commas or
 * newlines (a textarea), or the key repeated (a JSON array).  Up to max
 * go into list, pointing into the form or into *buf (free it after the
 * core call).  -1: answered (too many).
 */
int
warp_form_cidrs(struct warp_ctx *ctx, const char *key, const char *what,
    const char **list, size_t max, size_t *n, char **buf)
{
	const char	*v[WARP_FORM_MAX];
	char		*p, *save, msg[96];
	size_t		 nv, i;

	*n = 0;
	*buf = NULL;
	nv = warp_form_all(&ctx->form, key, v, WARP_FORM_MAX);
	if (nv > max)
		goto toomany;
	if (nv > 1) {
		for (i = 0; i < nv; i++)
			list[(*n)++] = v[i];
		return (0);
	}
	if (nv == 0)
		return (0);
	*buf = warp_xstrdup(v[0]);
	for (p = strtok_r(*buf, " ,\r\n\t", &save); p != NULL;
	    p = strtok_r(NULL, " ,\r\n\t", &save)) {
		if (*n == max)
			goto toomany;
		list[(*n)++] = p;
	}
	return (0);
toomany:
	free(*buf);
	*buf = NULL;
	(void)snprintf(msg, sizeof(msg), "too many %s (at most %zu)", what,
	    max);
	return (warp_http_error(ctx, 400, msg));
}

/* A form field, NULL when absent or empty. */
const char *
warp_form_str(struct warp_ctx *ctx, const char *key)
{
	const char	*v;

	v = warp_form_get(&ctx->form, key);
	if (v == NULL || *v == '\0')
		return (NULL);
	return (v);
}

/* An optional whole number in [min, max]; 0 when empty.  -1: answered. */
int
warp_form_int(struct warp_ctx *ctx, const char *key, long min, long max,
    long *out)
{
	const char	*v;
	char		*end, msg[160];
	long		 n;

	*out = 0;
	if ((v = warp_form_str(ctx, key)) == NULL)
		return (0);
	n = strtol(v, &end, 10);
	if (*end != '\0' || strlen(v) > 12 || n < min || n > max) {
		(void)snprintf(msg, sizeof(msg), "%s must be a whole number "
		    "from %ld to %ld", key, min, max);
		warp_http_error(ctx, 400, msg);
		return (-1);
	}
	*out = n;
	return (0);
}

int
warp_form_intv(struct warp_ctx *ctx, const char *key, int min, int max,
    int *out, int dflt)
{
	long	n;

	*out = dflt;
	if (warp_form_str(ctx, key) == NULL)
		return (0);
	if (warp_form_int(ctx, key, min, max, &n) == -1)
		return (-1);
	*out = (int)n;
	return (0);
}
