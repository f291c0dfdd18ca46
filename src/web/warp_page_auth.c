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
#include <kore/tasks.h>

#include "warp.h"
#include "warp_auth.h"
#include "warp_web.h"

#define PRE_COOKIE	"warp_pre"

int	warp_page_login(struct http_request *);
int	warp_page_logout(struct http_request *);
int	warp_page_setup(struct http_request *);
int	warp_page_password(struct http_request *);

static void	pre_token_issue(struct warp_ctx *);
static int	pre_token_check(struct warp_ctx *, uint8_t [WARP_PRELOGIN_NONCELEN],
		    int64_t *);
static int	pre_token_spend(struct warp_ctx *, const uint8_t *, int64_t);
static int	start_session(struct warp_ctx *, int64_t, const char *);

static void
pre_token_issue(struct warp_ctx *ctx)
{
	char	tok[WARP_PRELOGIN_STRLEN], cookie[200];

	warp_prelogin_mint(warp_gate_prelogin_key(), ctx->now, tok);
	(void)snprintf(cookie, sizeof(cookie), PRE_COOKIE "=%s; Path=/; "
	    "Max-Age=%d; HttpOnly; SameSite=Strict%s", tok, WARP_PRELOGIN_TTL,
	    ctx->secure ? "; Secure" : "");
	http_response_header(ctx->req, "set-cookie", cookie);
	warp_tpl_set(ctx->tpl, "pre", tok);
}

/*
 * The form's token: the same value in the cookie and the field (double
 * submit), minted by us, younger than WARP_PRELOGIN_TTL.  Single use: the
 * caller spends it with pre_token_spend() before any real work.
 */
static int
pre_token_check(struct warp_ctx *ctx, uint8_t nonce[WARP_PRELOGIN_NONCELEN],
    int64_t *issued)
{
	char	tok[WARP_PRELOGIN_STRLEN];

	if (!warp_http_cookie(ctx->req, PRE_COOKIE, tok, sizeof(tok)))
		return (0);
	if (!warp_token_equal(tok, warp_form_get(&ctx->form, "csrf")))
		return (0);
	return (warp_prelogin_verify(warp_gate_prelogin_key(), tok, ctx->now,
	    nonce, issued));
}

static int
pre_token_spend(struct warp_ctx *ctx, const uint8_t *nonce, int64_t issued)
{
	struct warp_err	err;

	warp_err_clear(&err);
	if (warp_login_nonce_use(ctx->db, nonce, WARP_PRELOGIN_NONCELEN,
	    issued + WARP_PRELOGIN_TTL + 60, ctx->now, &err) == -1) {
		if (err.kind == WARP_ECONFLICT)
			warp_http_error(ctx, 403, err.msg);
		else
			warp_http_fail(ctx, &err);
		return (-1);
	}
	return (0);
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

/*
 * POST /login runs in stages (Kore calls the handler again after a
 * KORE_RESULT_RETRY once the request is woken):
 *
 *   new   form token, then the limits of warp_login_policy(): refuse (429),
 *         hold until the account's back-off ends, or go on;
 *   held  a timer woke us: decide again;
 *   go    one check per account at a time (claim), at most
 *         WARP_GATE_HASHES checks in flight on the machine (503 above);
 *         argon2id runs in a task thread, so the worker keeps serving
 *         pages while it runs; an unknown user name is answered after
 *         about the time of a check, without doing one;
 *   hash / fake  the outcome.
 */
#define LOGIN_NEW	0
#define LOGIN_HELD	1
#define LOGIN_HASH	2
#define LOGIN_FAKE	3

#define LOGIN_GRACE_MS	2000	/* held beyond the back-off, at most */
#define LOGIN_CLAIM_MS	15000	/* a check taking longer lets the next in */
#define LOGIN_POLL_MS	100	/* held behind another check of the account */

struct login_state {
	struct kore_task	 task;		/* first: login_task() casts */
	int			 stage;
	int			 claimed;
	int			 hashing;
	int			 known;
	struct kore_timer	*timer;
	uint64_t		 deadline_ms;
	uint64_t		 started_ms;
	struct warp_user	 user;
	char			 name[WARP_USER_MAX + 1];
	char			 pw[WARP_PASSWORD_MAX + 1];
	char			 hash[WARP_PWHASH_STRLEN];
};

static int	login_task(struct kore_task *);
static void	login_wake(void *, u_int64_t);
static void	login_hold(struct http_request *, struct login_state *,
		    uint64_t);
static void	login_release(struct login_state *, uint64_t);
static void	login_onfree(struct http_request *);
static int	login_go(struct warp_ctx *, struct login_state *);
static int	login_decide(struct warp_ctx *, struct login_state *);
static void	login_outcome(struct warp_ctx *, struct login_state *, int);
static void	login_refuse(struct warp_ctx *, int, int, const char *);

/* Task thread: the only place a password is hashed at sign-in. */
static int
login_task(struct kore_task *t)
{
	struct login_state	*st = (struct login_state *)t;

	return (crypto_pwhash_str_verify(st->hash, st->pw,
	    strlen(st->pw)) == 0 ? 1 : 0);
}

static void
login_wake(void *arg, u_int64_t now)
{
	struct http_request	*req = arg;
	struct login_state	*st;

	(void)now;
	if ((st = http_state_get(req)) != NULL)
		st->timer = NULL;	/* Kore frees a one-shot timer */
	http_request_wakeup(req);
}

static void
login_hold(struct http_request *req, struct login_state *st, uint64_t ms)
{
	st->stage = LOGIN_HELD;
	st->timer = kore_timer_add(login_wake, ms ? ms : 1, req,
	    KORE_TIMER_ONESHOT);
	http_request_sleep(req);
}

static void
login_release(struct login_state *st, uint64_t took)
{
	if (st->hashing) {
		warp_gate_hash_release(took);
		st->hashing = 0;
	}
	if (st->claimed) {
		warp_gate_unclaim(st->name);
		st->claimed = 0;
	}
	sodium_memzero(st->pw, sizeof(st->pw));
	sodium_memzero(st->hash, sizeof(st->hash));
}

/* Kore frees the request (done, or the client went away). */
static void
login_onfree(struct http_request *req)
{
	struct login_state	*st;

	if ((st = http_state_get(req)) == NULL)
		return;
	if (st->timer != NULL) {
		kore_timer_remove(st->timer);
		st->timer = NULL;
	}
	/* Kore calls us again until the task is done with our buffers. */
	if (st->hashing && !kore_task_finished(&st->task))
		return;
	login_release(st, 0);
}

static void
login_refuse(struct warp_ctx *ctx, int status, int retry, const char *why)
{
	char	buf[32];

	(void)snprintf(buf, sizeof(buf), "%d", retry > 0 ? retry : 1);
	http_response_header(ctx->req, "retry-after", buf);
	warp_http_error(ctx, status, why);
}

/* The limits, again after every hold: they may have moved meanwhile. */
static int
login_decide(struct warp_ctx *ctx, struct login_state *st)
{
	struct warp_login_verdict	v;
	struct warp_err			err;
	uint64_t			now_ms, until_ms;

	warp_err_clear(&err);
	if (warp_login_policy(ctx->db, st->name, ctx->addrkey, ctx->now, &v,
	    &err) == -1) {
		warp_http_fail(ctx, &err);
		return (-1);
	}
	now_ms = warp_gate_now_ms();
	if (v.action == WARP_LOGIN_REFUSE) {
		login_refuse(ctx, 429, v.retry, v.why);
		return (-1);
	}
	if (v.action == WARP_LOGIN_WAIT) {
		until_ms = (uint64_t)v.until * 1000;
		if (st->deadline_ms == 0)
			st->deadline_ms = until_ms + LOGIN_GRACE_MS;
		if (until_ms > st->deadline_ms) {
			login_refuse(ctx, 429, (int)((until_ms - now_ms) /
			    1000) + 1, "this account is backing off after "
			    "failed sign-ins; try again later");
			return (-1);
		}
		login_hold(ctx->req, st, until_ms > now_ms ?
		    until_ms - now_ms : 1);
		return (1);
	}
	return (login_go(ctx, st));
}

/* Past the limits: claim the account, then check (or pretend to). */
static int
login_go(struct warp_ctx *ctx, struct login_state *st)
{
	struct warp_err	err;
	uint64_t	now_ms;

	now_ms = warp_gate_now_ms();
	if (!warp_gate_claim(st->name, now_ms, LOGIN_CLAIM_MS)) {
		/* Another request is checking this account right now. */
		if (st->deadline_ms == 0)
			st->deadline_ms = now_ms + LOGIN_GRACE_MS;
		if (now_ms + LOGIN_POLL_MS > st->deadline_ms) {
			login_refuse(ctx, 429, 1, "this account is being "
			    "signed in to right now; try again");
			return (-1);
		}
		login_hold(ctx->req, st, LOGIN_POLL_MS);
		return (1);
	}
	st->claimed = 1;
	warp_err_clear(&err);
	if (warp_user_get_hash(ctx->db, st->name, &st->user, st->hash,
	    &st->known, &err) == -1) {
		login_release(st, 0);
		warp_http_fail(ctx, &err);
		return (-1);
	}
	st->started_ms = now_ms;
	if (!st->known) {
		/* As long as a check takes, without the work or a slot. */
		st->stage = LOGIN_FAKE;
		st->timer = kore_timer_add(login_wake, warp_gate_hash_ms() +
		    randombytes_uniform(warp_gate_hash_ms() / 4 + 1), ctx->req,
		    KORE_TIMER_ONESHOT);
		http_request_sleep(ctx->req);
		return (1);
	}
	if (warp_gate_hash_acquire() == -1) {
		login_release(st, 0);
		login_refuse(ctx, 503, 1, "too many sign-ins are being "
		    "checked right now; try again in a moment");
		return (-1);
	}
	st->hashing = 1;
	st->stage = LOGIN_HASH;
	kore_task_create(&st->task, login_task);
	kore_task_bind_request(&st->task, ctx->req);
	kore_task_run(&st->task);
	return (1);
}

static void
login_outcome(struct warp_ctx *ctx, struct login_state *st, int good)
{
	struct warp_err	err;
	char		qname[WARP_USER_MAX * 4 + 3];

	warp_err_clear(&err);
	if (!good) {
		(void)warp_login_failed(ctx->db, st->name, ctx->addrkey,
		    ctx->now, &err);
		/*
		 * Quoted and escaped; an unknown name is only counted (people
		 * type passwords into that field).
		 */
		warp_str_quote(st->name, WARP_USER_MAX, qname, sizeof(qname));
		if (st->known)
			kore_log(LOG_NOTICE, "warpd: failed sign-in for user "
			    "%s from %s", qname, ctx->addr);
		else
			kore_log(LOG_NOTICE, "warpd: failed sign-in for an "
			    "unknown user name (%zu bytes) from %s",
			    strlen(st->name), ctx->addr);
		pre_token_issue(ctx);
		warp_tpl_set(ctx->tpl, "error", "Wrong user name or password.");
		warp_tpl_set(ctx->tpl, "username", st->name);
		warp_http_page(ctx, 401, "login", "Sign in");
		return;
	}
	(void)warp_login_succeeded(ctx->db, st->name, ctx->addrkey, &err);
	(void)snprintf(ctx->actor, sizeof(ctx->actor), "web:%s",
	    st->user.username);
	(void)warp_audit(ctx->db, ctx->actor, "login", "user",
	    st->user.username, &err);
	start_session(ctx, st->user.id, st->user.must_change_password ?
	    "/account/password" : "/");
}

int
warp_page_login(struct http_request *req)
{
	struct warp_ctx		 ctx;
	struct login_state	*st;
	struct warp_err		 err;
	const char		*name, *pw;
	uint8_t			 nonce[WARP_PRELOGIN_NONCELEN];
	int64_t			 issued;
	long			 users;
	int			 rc, good;

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_M_POST |
	    WARP_A_PUBLIC | WARP_A_NOCSRF) == -1)
		return (warp_http_end(&ctx));

	if ((st = http_state_get(req)) != NULL) {
		switch (st->stage) {
		case LOGIN_HELD:
			rc = login_decide(&ctx, st);
			break;
		case LOGIN_HASH:
			if (!kore_task_finished(&st->task)) {
				http_request_sleep(req);
				rc = 1;
				break;
			}
			good = kore_task_result(&st->task) == 1;
			login_release(st, warp_gate_now_ms() - st->started_ms);
			login_outcome(&ctx, st, good);
			rc = 0;
			break;
		default:
			login_release(st, 0);
			login_outcome(&ctx, st, 0);
			rc = 0;
			break;
		}
		warp_http_end(&ctx);
		return (rc == 1 ? KORE_RESULT_RETRY : KORE_RESULT_OK);
	}

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

	if (!pre_token_check(&ctx, nonce, &issued)) {
		warp_http_error(&ctx, 403, "invalid, expired or missing form "
		    "token: reload the sign-in page and try again");
		return (warp_http_end(&ctx));
	}
	name = warp_form_get(&ctx.form, "username");
	pw = warp_form_get(&ctx.form, "password");
	if (name == NULL || pw == NULL || *name == '\0' ||
	    strlen(name) > WARP_USER_MAX || strlen(pw) > WARP_PASSWORD_MAX) {
		warp_http_error(&ctx, 400, "enter a user name and a password");
		return (warp_http_end(&ctx));
	}
	st = http_state_create(req, sizeof(*st), login_onfree);
	(void)snprintf(st->name, sizeof(st->name), "%s", name);
	(void)snprintf(st->pw, sizeof(st->pw), "%s", pw);

	/* Limits first: a refused request spends nothing, not even a write. */
	{
		struct warp_login_verdict	v;

		if (warp_login_policy(ctx.db, st->name, ctx.addrkey, ctx.now,
		    &v, &err) == -1) {
			warp_http_fail(&ctx, &err);
			return (warp_http_end(&ctx));
		}
		if (v.action == WARP_LOGIN_REFUSE) {
			login_refuse(&ctx, 429, v.retry, v.why);
			return (warp_http_end(&ctx));
		}
	}
	if (pre_token_spend(&ctx, nonce, issued) == -1)
		return (warp_http_end(&ctx));
	rc = login_decide(&ctx, st);
	warp_http_end(&ctx);
	return (rc == 1 ? KORE_RESULT_RETRY : KORE_RESULT_OK);
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
	uint8_t		 nonce[WARP_PRELOGIN_NONCELEN];
	int64_t		 id, issued;
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
	if (!pre_token_check(&ctx, nonce, &issued)) {
		warp_http_error(&ctx, 403, "invalid, expired or missing form "
		    "token: reload the page and try again");
		return (warp_http_end(&ctx));
	}
	if (pre_token_spend(&ctx, nonce, issued) == -1)
		return (warp_http_end(&ctx));
	name = warp_form_get(&ctx.form, "username");
	pw = warp_form_get(&ctx.form, "password");
	pw2 = warp_form_get(&ctx.form, "password2");
	if (pw == NULL || pw2 == NULL || strcmp(pw, pw2) != 0) {
		warp_http_error(&ctx, 400, "the two passwords differ");
		return (warp_http_end(&ctx));
	}
	/* Counted again inside the transaction: one admin, whatever races. */
	if (warp_user_create_first(ctx.db, name, pw, "web:setup", &id,
	    &err) == -1) {
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
