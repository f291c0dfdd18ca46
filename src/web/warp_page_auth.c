/*
 * warpd: sign-in, sign-out, first-run admin, password change.
 *
 * The login and setup forms come before any session, so they carry their
 * own CSRF token: a random value in an HttpOnly, SameSite=Strict cookie
 * and the same value in a hidden field (double submit).
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "warp.h"
#include "warp_auth.h"
#include "warp_web.h"

#define PRE_COOKIE	"warp_pre"

int	warp_page_login(struct http_request *);
int	warp_page_logout(struct http_request *);
int	warp_page_setup(struct http_request *);
int	warp_page_password(struct http_request *);

static void	pre_token_issue(struct warp_ctx *);
static int	pre_token_check(struct warp_ctx *);
static int	start_session(struct warp_ctx *, int64_t, const char *);

static void
pre_token_issue(struct warp_ctx *ctx)
{
	char	tok[WARP_CSRF_STRLEN], cookie[160];

	warp_random_token(tok, sizeof(tok), 32);
	(void)snprintf(cookie, sizeof(cookie), PRE_COOKIE "=%s; Path=/; "
	    "Max-Age=3600; HttpOnly; SameSite=Strict%s", tok,
	    ctx->secure ? "; Secure" : "");
	http_response_header(ctx->req, "set-cookie", cookie);
	warp_tpl_set(ctx->tpl, "pre", tok);
}

static int
pre_token_check(struct warp_ctx *ctx)
{
	char	tok[WARP_CSRF_STRLEN];

	if (!warp_http_cookie(ctx->req, PRE_COOKIE, tok, sizeof(tok)))
		return (0);
	return (warp_token_equal(tok, warp_form_get(&ctx->form, "csrf")));
}

/* A fresh session for this browser; any session it had is ended. */
static int
start_session(struct warp_ctx *ctx, int64_t user_id, const char *to)
{
	struct warp_err		err;
	struct warp_session	sess;
	char			token[WARP_TOKEN_STRLEN], old[WARP_TOKEN_STRLEN];

	warp_err_clear(&err);
	if (warp_http_cookie(ctx->req, WARP_SESSION_COOKIE, old, sizeof(old)))
		(void)warp_session_destroy(ctx->db, old, &err);
	if (warp_session_create(ctx->db, user_id, ctx->addr, ctx->now, token,
	    &sess, &err) == -1)
		return (warp_http_fail(ctx, &err));
	warp_http_set_session_cookie(ctx, token, 0);
	sodium_memzero(token, sizeof(token));
	return (warp_http_redirect(ctx, to));
}

int
warp_page_login(struct http_request *req)
{
	struct warp_ctx		 ctx;
	struct warp_user	 u;
	struct warp_err		 err;
	const char		*name, *pw;
	char			 retry[32];
	long			 users;
	int			 wait, rc;

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_M_POST |
	    WARP_A_PUBLIC | WARP_A_NOCSRF) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	if (warp_user_count(ctx.db, &users, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	if (users == 0) {
		warp_http_redirect(&ctx, "/setup");
		return (warp_http_end(&ctx));
	}
	if (ctx.method == WARP_M_GET) {
		pre_token_issue(&ctx);
		warp_http_page(&ctx, 200, "login", "Sign in");
		return (warp_http_end(&ctx));
	}

	if (!pre_token_check(&ctx)) {
		warp_http_error(&ctx, 403, "invalid or missing CSRF token: "
		    "reload the sign-in page and try again");
		return (warp_http_end(&ctx));
	}
	name = warp_form_get(&ctx.form, "username");
	pw = warp_form_get(&ctx.form, "password");
	if (name == NULL || pw == NULL || *name == '\0' ||
	    strlen(name) > WARP_USER_MAX) {
		warp_http_error(&ctx, 400, "enter a user name and a password");
		return (warp_http_end(&ctx));
	}
	rc = warp_login_throttled(ctx.db, name, ctx.addr, ctx.now, &wait,
	    &err);
	if (rc == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	if (rc == 1) {
		(void)snprintf(retry, sizeof(retry), "%d", wait);
		http_response_header(req, "retry-after", retry);
		warp_http_error(&ctx, 429, "too many failed sign-ins for this "
		    "account from your address; try again later");
		return (warp_http_end(&ctx));
	}
	if (warp_user_verify(ctx.db, name, pw, &u, &err) == -1) {
		if (err.kind == WARP_ESYSTEM) {
			warp_http_fail(&ctx, &err);
			return (warp_http_end(&ctx));
		}
		(void)warp_login_failed(ctx.db, name, ctx.addr, ctx.now, &err);
		/* Name the user in the log, never the password. */
		kore_log(LOG_NOTICE, "warpd: failed sign-in for '%.32s' from "
		    "%s", name, ctx.addr);
		pre_token_issue(&ctx);
		warp_tpl_set(ctx.tpl, "error", "Wrong user name or password.");
		warp_tpl_set(ctx.tpl, "username", name);
		warp_http_page(&ctx, 401, "login", "Sign in");
		return (warp_http_end(&ctx));
	}
	(void)warp_login_succeeded(ctx.db, name, ctx.addr, &err);
	(void)snprintf(ctx.actor, sizeof(ctx.actor), "web:%s", u.username);
	(void)warp_audit(ctx.db, ctx.actor, "login", "user", u.username, &err);
	start_session(&ctx, u.id, u.must_change_password ?
	    "/account/password" : "/");
	return (warp_http_end(&ctx));
}

int
warp_page_logout(struct http_request *req)
{
	struct warp_ctx	ctx;
	struct warp_err	err;
	char		token[WARP_TOKEN_STRLEN];

	if (warp_http_begin(&ctx, req, WARP_M_POST | WARP_A_PWCHANGE) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	if (warp_http_cookie(req, WARP_SESSION_COOKIE, token, sizeof(token)))
		(void)warp_session_destroy(ctx.db, token, &err);
	(void)warp_audit(ctx.db, ctx.actor, "logout", "user",
	    ctx.user.username, &err);
	warp_http_set_session_cookie(&ctx, NULL, 1);
	warp_http_redirect(&ctx, "/login");
	return (warp_http_end(&ctx));
}

/* First run: create the first admin while no user exists. */
int
warp_page_setup(struct http_request *req)
{
	struct warp_ctx	 ctx;
	struct warp_err	 err;
	const char	*name, *pw, *pw2;
	int64_t		 id;
	long		 users;

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_M_POST |
	    WARP_A_PUBLIC | WARP_A_NOCSRF) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	if (warp_user_count(ctx.db, &users, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	if (users > 0) {
		warp_http_error(&ctx, 404, "setup is done: sign in");
		return (warp_http_end(&ctx));
	}
	if (ctx.method == WARP_M_GET) {
		pre_token_issue(&ctx);
		warp_http_page(&ctx, 200, "setup", "First run");
		return (warp_http_end(&ctx));
	}
	if (!pre_token_check(&ctx)) {
		warp_http_error(&ctx, 403, "invalid or missing CSRF token: "
		    "reload the page and try again");
		return (warp_http_end(&ctx));
	}
	name = warp_form_get(&ctx.form, "username");
	pw = warp_form_get(&ctx.form, "password");
	pw2 = warp_form_get(&ctx.form, "password2");
	if (pw == NULL || pw2 == NULL || strcmp(pw, pw2) != 0) {
		warp_http_error(&ctx, 400, "the two passwords differ");
		return (warp_http_end(&ctx));
	}
	if (warp_user_create(ctx.db, name, pw, WARP_ROLE_ADMIN, 0,
	    "web:setup", &id, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	start_session(&ctx, id, "/");
	return (warp_http_end(&ctx));
}

int
warp_page_password(struct http_request *req)
{
	struct warp_ctx		 ctx;
	struct warp_user	 u;
	struct warp_err		 err;
	const char		*cur, *pw, *pw2;

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_M_POST |
	    WARP_A_PWCHANGE) == -1)
		return (warp_http_end(&ctx));
	if (ctx.via_token) {
		warp_http_error(&ctx, 403, "not with an API token");
		return (warp_http_end(&ctx));
	}
	if (ctx.method == WARP_M_GET) {
		warp_tpl_set_int(ctx.tpl, "must_change",
		    ctx.user.must_change_password);
		warp_http_page(&ctx, 200, "password", "Change password");
		return (warp_http_end(&ctx));
	}
	warp_err_clear(&err);
	cur = warp_form_get(&ctx.form, "current");
	pw = warp_form_get(&ctx.form, "password");
	pw2 = warp_form_get(&ctx.form, "password2");
	if (pw == NULL || pw2 == NULL || strcmp(pw, pw2) != 0) {
		warp_http_error(&ctx, 400, "the two new passwords differ");
		return (warp_http_end(&ctx));
	}
	if (warp_password_validate(pw, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	if (warp_user_verify(ctx.db, ctx.user.username, cur, &u, &err) == -1) {
		if (err.kind == WARP_ESYSTEM)
			warp_http_fail(&ctx, &err);
		else
			warp_http_error(&ctx, 400, "the current password is "
			    "wrong");
		return (warp_http_end(&ctx));
	}
	/* Ends every session of the user, this one included. */
	if (warp_user_set_password(ctx.db, ctx.user.username, pw, 0,
	    ctx.actor, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	start_session(&ctx, ctx.user.id, "/?done=password");
	return (warp_http_end(&ctx));
}
