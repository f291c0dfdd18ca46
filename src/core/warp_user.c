/*
 * Users of the admin (web and API): argon2id password hashes, roles, and
 * login throttling per account and address.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "warp.h"
#include "warp_db_int.h"
#include "warp_auth.h"

static const char	*role_names[] = { "viewer", "operator", "admin" };

static int	user_row(sqlite3_stmt *, struct warp_user *);
static int	user_hash(const char *, char [crypto_pwhash_STRBYTES],
		    struct warp_err *);
static int	admins_left(struct warp_db *, const char *, long *,
		    struct warp_err *);

const char *
warp_role_name(enum warp_role role)
{
	return (warp_enum_name(role_names, WARP_ROLE_ADMIN + 1, (int)role,
	    "viewer"));
}

int
warp_role_parse(const char *s, enum warp_role *role, struct warp_err *err)
{
	int	v;

	if (warp_enum_parse("role", role_names, WARP_ROLE_ADMIN + 1, s, &v,
	    err) == -1)
		return (-1);
	*role = (enum warp_role)v;
	return (0);
}

int
warp_username_validate(const char *name, struct warp_err *err)
{
	size_t	i, len;

	if (name == NULL || (len = strlen(name)) == 0)
		return (warp_err_input(err, "a user name is required"));
	if (len > WARP_USER_MAX)
		return (warp_err_input(err, "user names are at most %d "
		    "characters", WARP_USER_MAX));
	for (i = 0; i < len; i++) {
		if ((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9') ||
		    (i > 0 && (name[i] == '.' || name[i] == '_' ||
		    name[i] == '-')))
			continue;
		return (warp_err_input(err, "user names use letters, digits "
		    "and . _ - (not first)"));
	}
	return (0);
}

int
warp_password_validate(const char *pw, struct warp_err *err)
{
	size_t	len;

	if (pw == NULL)
		return (warp_err_input(err, "a password is required"));
	len = strlen(pw);
	if (len < WARP_PASSWORD_MIN)
		return (warp_err_input(err, "passwords need at least %d "
		    "characters", WARP_PASSWORD_MIN));
	if (len > WARP_PASSWORD_MAX)
		return (warp_err_input(err, "passwords are at most %d "
		    "characters", WARP_PASSWORD_MAX));
	return (0);
}

/* A random password of printable characters for one-time use. */
int
warp_password_random(char *out, size_t len)
{
	static const char	set[] = "abcdefghijkmnopqrstuvwxyz"
				    "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	size_t			i;

	if (len < WARP_PASSWORD_MIN + 1)
		return (-1);
	for (i = 0; i < len - 1; i++)
		out[i] = set[randombytes_uniform(sizeof(set) - 1)];
	out[len - 1] = '\0';
	return (0);
}

static int
user_hash(const char *pw, char out[crypto_pwhash_STRBYTES],
    struct warp_err *err)
{
	/* INTERACTIVE is 64 MiB and 2 passes: above 19 MiB / 2 passes. */
	if (crypto_pwhash_str(out, pw, strlen(pw),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return (warp_err_system(err, "out of memory hashing a "
		    "password"));
	return (0);
}

static int
user_row(sqlite3_stmt *st, struct warp_user *u)
{
	enum warp_role	role;
	const char	*s;

	memset(u, 0, sizeof(*u));
	u->id = sqlite3_column_int64(st, 0);
	s = (const char *)sqlite3_column_text(st, 1);
	(void)snprintf(u->username, sizeof(u->username), "%s", s ? s : "");
	role = WARP_ROLE_VIEWER;
	(void)warp_role_parse((const char *)sqlite3_column_text(st, 2), &role,
	    NULL);
	u->role = role;
	u->must_change_password = sqlite3_column_int(st, 3);
	u->created_at = sqlite3_column_int64(st, 4);
	return (0);
}

#define USER_COLS	"id, username, role, must_change_password, created_at"

int
warp_user_count(struct warp_db *db, long *n, struct warp_err *err)
{
	sqlite3_stmt	*st;

	if (warp_db_prepare(db, &st, "SELECT count(*) FROM users", err) == -1)
		return (-1);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return (warp_db_sqlerr(db, err, "counting users"));
	}
	*n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return (0);
}

int
warp_user_create(struct warp_db *db, const char *name, const char *pw,
    enum warp_role role, int must_change, const char *actor, int64_t *id,
    struct warp_err *err)
{
	char		 hash[crypto_pwhash_STRBYTES];
	sqlite3_stmt	*st;
	int		 rc;

	if (warp_username_validate(name, err) == -1 ||
	    warp_password_validate(pw, err) == -1)
		return (-1);
	if ((int)role < 0 || role > WARP_ROLE_ADMIN)
		return (warp_err_input(err, "unknown role"));
	if (user_hash(pw, hash, err) == -1)
		return (-1);
	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_db_prepare(db, &st, "INSERT INTO users (username, "
	    "password_hash, role, must_change_password) VALUES (?, ?, ?, ?)",
	    err) == -1)
		goto fail;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, warp_role_name(role), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, must_change ? 1 : 0);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT) {
		warp_err_set(err, WARP_ECONFLICT, "user '%s' already exists",
		    name);
		goto fail;
	}
	if (rc != SQLITE_DONE) {
		warp_db_sqlerr(db, err, "creating a user");
		goto fail;
	}
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(db->sql);
	if (warp_audit(db, actor, "user.create", "user", name, err) == -1)
		goto fail;
	sodium_memzero(hash, sizeof(hash));
	return (warp_db_commit(db, err));
fail:
	sodium_memzero(hash, sizeof(hash));
	warp_db_rollback(db);
	return (-1);
}

/*
 * The first admin (warpd's /setup): only while no user exists, decided
 * inside the write transaction that creates it, so concurrent first-run
 * requests make exactly one.  WARP_ECONFLICT once a user exists.
 */
int
warp_user_create_first(struct warp_db *db, const char *name, const char *pw,
    const char *actor, int64_t *id, struct warp_err *err)
{
	long	n;

	if (warp_username_validate(name, err) == -1 ||
	    warp_password_validate(pw, err) == -1)
		return (-1);
	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_user_count(db, &n, err) == -1)
		goto fail;
	if (n > 0) {
		warp_err_set(err, WARP_ECONFLICT, "setup is done already: "
		    "sign in");
		goto fail;
	}
	if (warp_user_create(db, name, pw, WARP_ROLE_ADMIN, 0, actor, id,
	    err) == -1)
		goto fail;
	return (warp_db_commit(db, err));
fail:
	warp_db_rollback(db);
	return (-1);
}

int
warp_user_get(struct warp_db *db, const char *name, struct warp_user *u,
    struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (warp_db_prepare_cached(db, &st, "SELECT " USER_COLS " FROM users "
	    "WHERE username = ?", err) == -1)
		return (-1);
	sqlite3_bind_text(st, 1, name ? name : "", -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		user_row(st, u);
	warp_db_release(db, st);
	if (rc == SQLITE_ROW)
		return (0);
	if (rc == SQLITE_DONE)
		return (warp_err_set(err, WARP_ENOTFOUND, "no user '%s'",
		    name ? name : ""));
	return (warp_db_sqlerr(db, err, "reading a user"));
}

int
warp_user_get_id(struct warp_db *db, int64_t id, struct warp_user *u,
    struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (warp_db_prepare_cached(db, &st, "SELECT " USER_COLS " FROM users "
	    "WHERE id = ?", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		user_row(st, u);
	warp_db_release(db, st);
	if (rc == SQLITE_ROW)
		return (0);
	if (rc == SQLITE_DONE)
		return (warp_err_set(err, WARP_ENOTFOUND, "no user #%lld",
		    (long long)id));
	return (warp_db_sqlerr(db, err, "reading a user"));
}

int
warp_user_list(struct warp_db *db, struct warp_user **out, size_t *n,
    struct warp_err *err)
{
	sqlite3_stmt		*st;
	struct warp_user	*v;
	size_t			 cap, len;
	int			 rc;

	*out = NULL;
	*n = 0;
	if (warp_db_prepare_cached(db, &st, "SELECT " USER_COLS " FROM users "
	    "ORDER BY username", err) == -1)
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
		user_row(st, &v[len++]);
	}
	warp_db_release(db, st);
	if (rc != SQLITE_DONE) {
		free(v);
		return (warp_db_sqlerr(db, err, "listing users"));
	}
	*out = v;
	*n = len;
	return (0);
}

void
warp_user_list_free(struct warp_user *v)
{
	free(v);
}

static int
admins_left(struct warp_db *db, const char *except, long *n,
    struct warp_err *err)
{
	sqlite3_stmt	*st;

	if (warp_db_prepare(db, &st, "SELECT count(*) FROM users WHERE "
	    "role = 'admin' AND username <> ?", err) == -1)
		return (-1);
	sqlite3_bind_text(st, 1, except, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return (warp_db_sqlerr(db, err, "counting admins"));
	}
	*n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return (0);
}

/*
 * A new password ends every session of that user (the caller makes a new
 * one for the browser that changed it) and revokes the user's API tokens:
 * whoever had the old password may have made one.
 */
int
warp_user_set_password(struct warp_db *db, const char *name, const char *pw,
    int must_change, const char *actor, struct warp_err *err)
{
	struct warp_user	 u;
	char			 hash[crypto_pwhash_STRBYTES];
	sqlite3_stmt		*st;
	int			 rc;

	if (warp_password_validate(pw, err) == -1)
		return (-1);
	if (warp_user_get(db, name, &u, err) == -1)
		return (-1);
	if (user_hash(pw, hash, err) == -1)
		return (-1);
	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_db_prepare(db, &st, "UPDATE users SET password_hash = ?, "
	    "must_change_password = ?, updated_at = unixepoch() WHERE id = ?",
	    err) == -1)
		goto fail;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, must_change ? 1 : 0);
	sqlite3_bind_int64(st, 3, u.id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		warp_db_sqlerr(db, err, "changing a password");
		goto fail;
	}
	if (warp_session_destroy_user(db, u.id, 0, err) == -1 ||
	    warp_token_revoke_user(db, u.id, err) == -1 ||
	    warp_audit(db, actor, "user.password", "user", name, err) == -1)
		goto fail;
	sodium_memzero(hash, sizeof(hash));
	return (warp_db_commit(db, err));
fail:
	sodium_memzero(hash, sizeof(hash));
	warp_db_rollback(db);
	return (-1);
}

int
warp_user_set_role(struct warp_db *db, const char *name, enum warp_role role,
    const char *actor, struct warp_err *err)
{
	struct warp_user	 u;
	sqlite3_stmt		*st;
	long			 admins;
	int			 rc;

	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_user_get(db, name, &u, err) == -1)
		goto fail;
	if (u.role == WARP_ROLE_ADMIN && role != WARP_ROLE_ADMIN) {
		if (admins_left(db, name, &admins, err) == -1)
			goto fail;
		if (admins == 0) {
			warp_err_set(err, WARP_ECONFLICT, "'%s' is the last "
			    "admin; make another user admin first", name);
			goto fail;
		}
	}
	if (warp_db_prepare(db, &st, "UPDATE users SET role = ?, updated_at = "
	    "unixepoch() WHERE id = ?", err) == -1)
		goto fail;
	sqlite3_bind_text(st, 1, warp_role_name(role), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, u.id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		warp_db_sqlerr(db, err, "changing a role");
		goto fail;
	}
	if (warp_audit(db, actor, "user.role", "user", name, err) == -1)
		goto fail;
	return (warp_db_commit(db, err));
fail:
	warp_db_rollback(db);
	return (-1);
}

int
warp_user_delete(struct warp_db *db, const char *name, const char *actor,
    struct warp_err *err)
{
	struct warp_user	 u;
	sqlite3_stmt		*st;
	long			 admins;
	int			 rc;

	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_user_get(db, name, &u, err) == -1)
		goto fail;
	if (u.role == WARP_ROLE_ADMIN) {
		if (admins_left(db, name, &admins, err) == -1)
			goto fail;
		if (admins == 0) {
			warp_err_set(err, WARP_ECONFLICT, "'%s' is the last "
			    "admin and cannot be deleted", name);
			goto fail;
		}
	}
	/* Sessions and tokens go with the user (ON DELETE CASCADE). */
	if (warp_db_prepare(db, &st, "DELETE FROM users WHERE id = ?",
	    err) == -1)
		goto fail;
	sqlite3_bind_int64(st, 1, u.id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		warp_db_sqlerr(db, err, "deleting a user");
		goto fail;
	}
	if (warp_audit(db, actor, "user.delete", "user", name, err) == -1)
		goto fail;
	return (warp_db_commit(db, err));
fail:
	warp_db_rollback(db);
	return (-1);
}

/*
 * Check a password.  An unknown user costs the same argon2id work as a
 * known one, so timing does not tell which names exist.
 */
int
warp_user_verify(struct warp_db *db, const char *name, const char *pw,
    struct warp_user *u, struct warp_err *err)
{
	static char	 dummy[crypto_pwhash_STRBYTES];
	sqlite3_stmt	*st;
	char		 hash[crypto_pwhash_STRBYTES];
	int		 rc, found;

	if (pw == NULL || strlen(pw) > WARP_PASSWORD_MAX)
		return (warp_err_input(err, "wrong user name or password"));
	if (warp_db_prepare(db, &st, "SELECT " USER_COLS ", password_hash "
	    "FROM users WHERE username = ?", err) == -1)
		return (-1);
	sqlite3_bind_text(st, 1, name ? name : "", -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	found = 0;
	if (rc == SQLITE_ROW) {
		user_row(st, u);
		(void)snprintf(hash, sizeof(hash), "%s",
		    (const char *)sqlite3_column_text(st, 5));
		found = 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "reading a user"));
	if (!found) {
		if (dummy[0] == '\0' && user_hash("not-a-real-password",
		    dummy, err) == -1)
			return (-1);
		/* The result is irrelevant: the user does not exist. */
		rc = crypto_pwhash_str_verify(dummy, pw, strlen(pw));
		return (warp_err_input(err, "wrong user name or password"));
	}
	rc = crypto_pwhash_str_verify(hash, pw, strlen(pw));
	sodium_memzero(hash, sizeof(hash));
	if (rc != 0)
		return (warp_err_input(err, "wrong user name or password"));
	return (0);
}

/* Failures of (name, addr) in the window; *retry is when one expires. */
int
warp_login_throttled(struct warp_db *db, const char *name, const char *addr,
    int64_t now, int *retry, struct warp_err *err)
{
	sqlite3_stmt	*st;
	int64_t		 count, oldest;

	*retry = 0;
	if (warp_db_prepare(db, &st, "SELECT count(*), min(at) FROM "
	    "login_attempts WHERE username = ? AND remote_addr = ? AND "
	    "at > ?", err) == -1)
		return (-1);
	sqlite3_bind_text(st, 1, name ? name : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, addr ? addr : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, now - WARP_LOGIN_WINDOW);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return (warp_db_sqlerr(db, err, "reading login attempts"));
	}
	count = sqlite3_column_int64(st, 0);
	oldest = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	if (count < WARP_LOGIN_MAX_FAILURES)
		return (0);
	*retry = (int)(oldest + WARP_LOGIN_WINDOW - now);
	if (*retry < 1)
		*retry = 1;
	return (1);
}

int
warp_login_failed(struct warp_db *db, const char *name, const char *addr,
    int64_t now, struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (warp_db_prepare(db, &st, "INSERT INTO login_attempts (username, "
	    "remote_addr, at) VALUES (?, ?, ?)", err) == -1)
		return (-1);
	sqlite3_bind_text(st, 1, name ? name : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, addr ? addr : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "recording a login attempt"));
	/*
	 * Keep the table small: drop what no window can see any more (now
	 * and then: under a flood, one write per failure, not two).
	 */
	if (randombytes_uniform(16) != 0)
		return (0);
	if (warp_db_prepare(db, &st, "DELETE FROM login_attempts WHERE at < ?",
	    err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, now - WARP_LOGIN_WINDOW);
	(void)sqlite3_step(st);
	sqlite3_finalize(st);
	return (0);
}

int
warp_login_succeeded(struct warp_db *db, const char *name, const char *addr,
    struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (warp_db_prepare(db, &st, "DELETE FROM login_attempts WHERE "
	    "username = ? AND remote_addr = ?", err) == -1)
		return (-1);
	sqlite3_bind_text(st, 1, name ? name : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, addr ? addr : "", -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "clearing login attempts"));
	return (0);
}
