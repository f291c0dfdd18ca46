/*
 * Browser sessions and API tokens.  A token is 256 random bits given to the
 * client once; the database keeps only its BLAKE2b hash, so a copy of the
 * db cannot be replayed as a login.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "warp.h"
#include "warp_db_int.h"
#include "warp_auth.h"

#define TOKEN_PREFIX	"warp_"
#define HASH_LEN	WARP_TOKEN_HASH_LEN

static int	session_lookup(struct warp_db *, const char *, int64_t, int,
		    struct warp_session *, struct warp_err *);

void
warp_random_token(char *out, size_t outlen, size_t nbytes)
{
	uint8_t		raw[32];

	if (nbytes > sizeof(raw))
		nbytes = sizeof(raw);
	randombytes_buf(raw, nbytes);
	if (outlen < sodium_base64_ENCODED_LEN(nbytes,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING))
		warp_fatal("warp_random_token: buffer too small");
	sodium_bin2base64(out, outlen, raw, nbytes,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

/* Constant time for equal lengths; tokens have a fixed length. */
int
warp_token_equal(const char *a, const char *b)
{
	size_t	la, lb;

	if (a == NULL || b == NULL)
		return (0);
	la = strlen(a);
	lb = strlen(b);
	if (la != lb || la == 0)
		return (0);
	return (sodium_memcmp(a, b, la) == 0);
}

/* What is stored of a session or API token (and what the cache keys on). */
void
warp_token_hash(const char *token, uint8_t out[WARP_TOKEN_HASH_LEN])
{
	crypto_generichash(out, HASH_LEN, (const uint8_t *)token,
	    strlen(token), NULL, 0);
}

int
warp_session_create(struct warp_db *db, int64_t user_id, const char *addr,
    int64_t now, char token[WARP_TOKEN_STRLEN], struct warp_session *s,
    struct warp_err *err)
{
	uint8_t		 h[HASH_LEN];
	sqlite3_stmt	*st;
	int		 rc;

	memset(s, 0, sizeof(*s));
	if (warp_user_get_id(db, user_id, &s->user, err) == -1)
		return (-1);
	warp_random_token(token, WARP_TOKEN_STRLEN, 32);
	warp_random_token(s->csrf, sizeof(s->csrf), 32);
	warp_token_hash(token, h);
	if (warp_db_prepare(db, &st, "INSERT INTO sessions (token_hash, "
	    "user_id, csrf_token, remote_addr, created_at, last_seen) VALUES "
	    "(?, ?, ?, ?, ?, ?)", err) == -1)
		return (-1);
	sqlite3_bind_blob(st, 1, h, sizeof(h), SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, user_id);
	sqlite3_bind_text(st, 3, s->csrf, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, addr ? addr : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sodium_memzero(token, WARP_TOKEN_STRLEN);
		return (warp_db_sqlerr(db, err, "creating a session"));
	}
	s->id = sqlite3_last_insert_rowid(db->sql);
	s->created_at = now;
	s->last_seen = now;
	/* Sweep sessions nobody can use any more. */
	if (warp_db_prepare(db, &st, "DELETE FROM sessions WHERE last_seen < ? "
	    "OR created_at < ?", err) == 0) {
		sqlite3_bind_int64(st, 1, now - WARP_SESSION_IDLE);
		sqlite3_bind_int64(st, 2, now - WARP_SESSION_ABSOLUTE);
		(void)sqlite3_step(st);
		sqlite3_finalize(st);
	}
	return (0);
}

int
warp_session_lookup(struct warp_db *db, const char *token, int64_t now,
    struct warp_session *s, struct warp_err *err)
{
	return (session_lookup(db, token, now, 1, s, err));
}

int
warp_session_lookup_passive(struct warp_db *db, const char *token,
    int64_t now, struct warp_session *s, struct warp_err *err)
{
	return (session_lookup(db, token, now, 0, s, err));
}

/* `active`: a person did something, so the idle clock starts again. */
static int
session_lookup(struct warp_db *db, const char *token, int64_t now,
    int active, struct warp_session *s, struct warp_err *err)
{
	uint8_t		 h[HASH_LEN];
	sqlite3_stmt	*st;
	const char	*csrf;
	int64_t		 user_id;
	int		 rc, expired;

	memset(s, 0, sizeof(*s));
	if (token == NULL || strlen(token) >= WARP_TOKEN_STRLEN)
		return (warp_err_set(err, WARP_ENOTFOUND, "no session"));
	warp_token_hash(token, h);
	if (warp_db_prepare_cached(db, &st, "SELECT id, user_id, csrf_token, "
	    "created_at, last_seen FROM sessions WHERE token_hash = ?",
	    err) == -1)
		return (-1);
	sqlite3_bind_blob(st, 1, h, sizeof(h), SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		warp_db_release(db, st);
		if (rc == SQLITE_DONE)
			return (warp_err_set(err, WARP_ENOTFOUND,
			    "no session"));
		return (warp_db_sqlerr(db, err, "reading a session"));
	}
	s->id = sqlite3_column_int64(st, 0);
	user_id = sqlite3_column_int64(st, 1);
	csrf = (const char *)sqlite3_column_text(st, 2);
	(void)snprintf(s->csrf, sizeof(s->csrf), "%s", csrf ? csrf : "");
	s->created_at = sqlite3_column_int64(st, 3);
	s->last_seen = sqlite3_column_int64(st, 4);
	warp_db_release(db, st);

	expired = now - s->last_seen > WARP_SESSION_IDLE ||
	    now - s->created_at > WARP_SESSION_ABSOLUTE;
	if (expired) {
		if (warp_db_prepare(db, &st, "DELETE FROM sessions WHERE "
		    "id = ?", err) == 0) {
			sqlite3_bind_int64(st, 1, s->id);
			(void)sqlite3_step(st);
			warp_db_release(db, st);
		}
		return (warp_err_set(err, WARP_ENOTFOUND, "session expired"));
	}
	if (warp_user_get_id(db, user_id, &s->user, err) == -1)
		return (-1);
	/* Writing last_seen on every request costs; a minute is precise. */
	if (active && now - s->last_seen >= 60) {
		if (warp_db_prepare(db, &st, "UPDATE sessions SET last_seen = ? "
		    "WHERE id = ?", err) == -1)
			return (-1);
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_int64(st, 2, s->id);
		(void)sqlite3_step(st);
		warp_db_release(db, st);
		s->last_seen = now;
	}
	return (0);
}

int
warp_session_destroy(struct warp_db *db, const char *token,
    struct warp_err *err)
{
	uint8_t		 h[HASH_LEN];
	sqlite3_stmt	*st;
	int		 rc;

	if (token == NULL)
		return (0);
	warp_token_hash(token, h);
	if (warp_db_prepare(db, &st, "DELETE FROM sessions WHERE "
	    "token_hash = ?", err) == -1)
		return (-1);
	sqlite3_bind_blob(st, 1, h, sizeof(h), SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "ending a session"));
	return (0);
}

/* End every session of a user except `keep` (0: all). */
int
warp_session_destroy_user(struct warp_db *db, int64_t user_id, int64_t keep,
    struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (warp_db_prepare(db, &st, "DELETE FROM sessions WHERE user_id = ? "
	    "AND id <> ?", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, keep);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "ending sessions"));
	return (0);
}

int
warp_token_create(struct warp_db *db, const char *username, const char *name,
    const char *actor, char token[WARP_TOKEN_STRLEN], int64_t *id,
    struct warp_err *err)
{
	return (warp_token_create_opts(db, username, name, 0, 0, actor, token,
	    id, err));
}

int
warp_token_create_opts(struct warp_db *db, const char *username,
    const char *name, int64_t expires, int read_only, const char *actor,
    char token[WARP_TOKEN_STRLEN], int64_t *id, struct warp_err *err)
{
	struct warp_user	 u;
	uint8_t			 h[HASH_LEN];
	char			 rnd[48];
	sqlite3_stmt		*st;
	int			 rc;

	if (warp_name_validate("token", name, err) == -1)
		return (-1);
	if (expires < 0)
		return (warp_err_input(err, "a token's expiry must be a time in "
		    "the future"));
	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_user_get(db, username, &u, err) == -1)
		goto fail;
	warp_random_token(rnd, sizeof(rnd), 32);
	(void)snprintf(token, WARP_TOKEN_STRLEN, TOKEN_PREFIX "%s", rnd);
	sodium_memzero(rnd, sizeof(rnd));
	warp_token_hash(token, h);
	if (warp_db_prepare(db, &st, "INSERT INTO api_tokens (user_id, name, "
	    "token_hash, expires_at, scope) VALUES (?, ?, ?, ?, ?)",
	    err) == -1)
		goto fail;
	sqlite3_bind_int64(st, 1, u.id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 3, h, sizeof(h), SQLITE_TRANSIENT);
	if (expires > 0)
		sqlite3_bind_int64(st, 4, expires);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_text(st, 5, read_only ? "read" : "write", -1,
	    SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		warp_db_sqlerr(db, err, "creating a token");
		goto fail;
	}
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(db->sql);
	if (warp_audit(db, actor, "token.create", "user", username, err) == -1)
		goto fail;
	return (warp_db_commit(db, err));
fail:
	sodium_memzero(token, WARP_TOKEN_STRLEN);
	warp_db_rollback(db);
	return (-1);
}

int
warp_token_list(struct warp_db *db, struct warp_token **out, size_t *n,
    struct warp_err *err)
{
	sqlite3_stmt		*st;
	struct warp_token	*v;
	size_t			 cap, len;
	const char		*s;
	int			 rc;

	*out = NULL;
	*n = 0;
	if (warp_db_prepare(db, &st, "SELECT t.id, t.name, u.username, "
	    "t.created_at, coalesce(t.last_used, 0), coalesce(t.expires_at, 0), "
	    "t.scope = 'read' FROM api_tokens t JOIN users u ON "
	    "u.id = t.user_id ORDER BY t.id", err) == -1)
		return (-1);
	cap = 8;
	len = 0;
	v = warp_xcalloc(cap, sizeof(*v));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			cap *= 2;
			if ((v = realloc(v, cap * sizeof(*v))) == NULL)
				warp_fatal("out of memory");
		}
		memset(&v[len], 0, sizeof(v[len]));
		v[len].id = sqlite3_column_int64(st, 0);
		s = (const char *)sqlite3_column_text(st, 1);
		(void)snprintf(v[len].name, sizeof(v[len].name), "%s",
		    s ? s : "");
		s = (const char *)sqlite3_column_text(st, 2);
		(void)snprintf(v[len].username, sizeof(v[len].username), "%s",
		    s ? s : "");
		v[len].created_at = sqlite3_column_int64(st, 3);
		v[len].last_used = sqlite3_column_int64(st, 4);
		v[len].expires_at = sqlite3_column_int64(st, 5);
		v[len].read_only = sqlite3_column_int(st, 6);
		len++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return (warp_db_sqlerr(db, err, "listing tokens"));
	}
	*out = v;
	*n = len;
	return (0);
}

void
warp_token_list_free(struct warp_token *v)
{
	free(v);
}

int
warp_token_revoke(struct warp_db *db, int64_t id, const char *actor,
    struct warp_err *err)
{
	sqlite3_stmt	*st;
	char		 obj[32];
	int		 rc;

	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_db_prepare(db, &st, "DELETE FROM api_tokens WHERE id = ?",
	    err) == -1)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		warp_db_sqlerr(db, err, "revoking a token");
		goto fail;
	}
	if (sqlite3_changes(db->sql) == 0) {
		warp_err_set(err, WARP_ENOTFOUND, "no token #%lld",
		    (long long)id);
		goto fail;
	}
	(void)snprintf(obj, sizeof(obj), "%lld", (long long)id);
	if (warp_audit(db, actor, "token.revoke", "token", obj, err) == -1)
		goto fail;
	return (warp_db_commit(db, err));
fail:
	warp_db_rollback(db);
	return (-1);
}

int
warp_token_lookup(struct warp_db *db, const char *token, int64_t now,
    struct warp_user *u, struct warp_err *err)
{
	int	ro;

	return (warp_token_lookup_scope(db, token, now, u, &ro, err));
}

int
warp_token_lookup_scope(struct warp_db *db, const char *token, int64_t now,
    struct warp_user *u, int *read_only, struct warp_err *err)
{
	uint8_t		 h[HASH_LEN];
	sqlite3_stmt	*st;
	int64_t		 id, user_id, last, expires;
	int		 rc;

	*read_only = 1;

	if (token == NULL || strncmp(token, TOKEN_PREFIX,
	    strlen(TOKEN_PREFIX)) != 0 || strlen(token) >= WARP_TOKEN_STRLEN)
		return (warp_err_set(err, WARP_ENOTFOUND, "unknown token"));
	warp_token_hash(token, h);
	if (warp_db_prepare_cached(db, &st, "SELECT id, user_id, "
	    "coalesce(last_used, 0), coalesce(expires_at, 0), scope <> 'write' "
	    "FROM api_tokens WHERE token_hash = ?", err) == -1)
		return (-1);
	sqlite3_bind_blob(st, 1, h, sizeof(h), SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		warp_db_release(db, st);
		if (rc == SQLITE_DONE)
			return (warp_err_set(err, WARP_ENOTFOUND,
			    "unknown token"));
		return (warp_db_sqlerr(db, err, "reading a token"));
	}
	id = sqlite3_column_int64(st, 0);
	user_id = sqlite3_column_int64(st, 1);
	last = sqlite3_column_int64(st, 2);
	expires = sqlite3_column_int64(st, 3);
	*read_only = sqlite3_column_int(st, 4);
	warp_db_release(db, st);
	if (expires > 0 && now >= expires)
		return (warp_err_set(err, WARP_ENOTFOUND, "token expired"));
	if (warp_user_get_id(db, user_id, u, err) == -1)
		return (-1);
	if (now - last >= 60 && warp_db_prepare(db, &st, "UPDATE api_tokens "
	    "SET last_used = ? WHERE id = ?", err) == 0) {
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_int64(st, 2, id);
		(void)sqlite3_step(st);
		warp_db_release(db, st);
	}
	return (0);
}

/* Every API token of a user (a new password; user deletion cascades). */
int
warp_token_revoke_user(struct warp_db *db, int64_t user_id,
    struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (warp_db_prepare(db, &st, "DELETE FROM api_tokens WHERE "
	    "user_id = ?", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, user_id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "revoking tokens"));
	return (0);
}
