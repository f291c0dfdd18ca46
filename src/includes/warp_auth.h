/*
 * WARP gateway: users, sessions, API tokens and login throttling.  Core
 * (src/core/warp_user.c, src/core/warp_session.c) because both warpd and
 * warpctl use it.  Same conventions as warp.h: 0 / -1 with a warp_err.
 *
 * Secrets: passwords are stored only as argon2id strings (libsodium
 * crypto_pwhash_str, 64 MiB / 2 passes); session and API tokens are 256
 * random bits handed to the client once and stored only as a BLAKE2b hash.
 */
#ifndef WARP_AUTH_H
#define WARP_AUTH_H

#include <stdint.h>

#include "warp.h"

#define WARP_USER_MAX		32	/* user names: [A-Za-z0-9._-] */
#define WARP_PASSWORD_MIN	10
#define WARP_PASSWORD_MAX	256
#define WARP_TOKEN_STRLEN	64	/* printable token + NUL, at most */
#define WARP_CSRF_STRLEN	44	/* base64url of 32 bytes + NUL */

#define WARP_SESSION_IDLE	(30 * 60)	/* seconds */
#define WARP_SESSION_ABSOLUTE	(12 * 60 * 60)
#define WARP_LOGIN_WINDOW	(15 * 60)
#define WARP_LOGIN_MAX_FAILURES	5

enum warp_role {
	WARP_ROLE_VIEWER = 0,	/* reads only */
	WARP_ROLE_OPERATOR,	/* changes networks, endpoints, configs */
	WARP_ROLE_ADMIN		/* and users, tokens, server settings */
};

const char	*warp_role_name(enum warp_role);
int		 warp_role_parse(const char *, enum warp_role *,
		    struct warp_err *);

struct warp_user {
	int64_t		id;
	char		username[WARP_USER_MAX + 1];
	enum warp_role	role;
	int		must_change_password;
	int64_t		created_at;
};

int	warp_username_validate(const char *, struct warp_err *);
int	warp_password_validate(const char *, struct warp_err *);
int	warp_user_count(struct warp_db *, long *, struct warp_err *);
int	warp_user_create(struct warp_db *, const char *, const char *,
	    enum warp_role, int, const char *, int64_t *, struct warp_err *);
int	warp_user_get(struct warp_db *, const char *, struct warp_user *,
	    struct warp_err *);
int	warp_user_get_id(struct warp_db *, int64_t, struct warp_user *,
	    struct warp_err *);
int	warp_user_list(struct warp_db *, struct warp_user **, size_t *,
	    struct warp_err *);
void	warp_user_list_free(struct warp_user *);
int	warp_user_set_password(struct warp_db *, const char *, const char *,
	    int, const char *, struct warp_err *);
int	warp_user_set_role(struct warp_db *, const char *, enum warp_role,
	    const char *, struct warp_err *);
int	warp_user_delete(struct warp_db *, const char *, const char *,
	    struct warp_err *);
/* 0 and *user filled when the password matches; WARP_EINPUT otherwise. */
int	warp_user_verify(struct warp_db *, const char *, const char *,
	    struct warp_user *, struct warp_err *);
int	warp_password_random(char *, size_t);

/* Login throttling: per (account, address), a sliding window. */
int	warp_login_throttled(struct warp_db *, const char *, const char *,
	    int64_t, int *, struct warp_err *);
int	warp_login_failed(struct warp_db *, const char *, const char *,
	    int64_t, struct warp_err *);
int	warp_login_succeeded(struct warp_db *, const char *, const char *,
	    struct warp_err *);

/* Browser sessions. */
struct warp_session {
	int64_t			id;
	struct warp_user	user;
	char			csrf[WARP_CSRF_STRLEN];
	int64_t			created_at;
	int64_t			last_seen;
};

int	warp_session_create(struct warp_db *, int64_t, const char *, int64_t,
	    char [WARP_TOKEN_STRLEN], struct warp_session *,
	    struct warp_err *);
/* WARP_ENOTFOUND for unknown, idle or expired tokens (then deleted). */
int	warp_session_lookup(struct warp_db *, const char *, int64_t,
	    struct warp_session *, struct warp_err *);
int	warp_session_destroy(struct warp_db *, const char *,
	    struct warp_err *);
int	warp_session_destroy_user(struct warp_db *, int64_t, int64_t,
	    struct warp_err *);

/* API tokens ("warp_" + 43 base64url characters). */
struct warp_token {
	int64_t		id;
	char		name[WARP_NAME_MAX + 1];
	char		username[WARP_USER_MAX + 1];
	int64_t		created_at;
	int64_t		last_used;	/* 0: never */
};

int	warp_token_create(struct warp_db *, const char *, const char *,
	    const char *, char [WARP_TOKEN_STRLEN], int64_t *,
	    struct warp_err *);
int	warp_token_list(struct warp_db *, struct warp_token **, size_t *,
	    struct warp_err *);
void	warp_token_list_free(struct warp_token *);
int	warp_token_revoke(struct warp_db *, int64_t, const char *,
	    struct warp_err *);
int	warp_token_lookup(struct warp_db *, const char *, int64_t,
	    struct warp_user *, struct warp_err *);

/* Random url-safe string of n bytes of entropy (n <= 32). */
#define WARP_TOKEN_HASH_LEN	32
void	warp_random_token(char *, size_t, size_t);
void	warp_token_hash(const char *, uint8_t [WARP_TOKEN_HASH_LEN]);
int	warp_token_equal(const char *, const char *);
#endif
