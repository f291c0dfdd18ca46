/*
 * Sign-in limits, decided before any password hash (issue 12):
 *
 *  - per address across user names: WARP_LOGIN_ADDR_MAX failures in the
 *    window (an IPv6 address counts by its /64, which one host can own);
 *  - per (account, address): WARP_LOGIN_MAX_FAILURES failures;
 *  - per account, whatever the address: an exponential back-off after
 *    WARP_LOGIN_BACKOFF_FROM failures, at most WARP_LOGIN_BACKOFF_MAX
 *    seconds.  An address that has failed on the account is refused until
 *    the back-off ends; an address with no failure on it is held (not
 *    refused) until then, so an attacker cannot lock the owner out: the
 *    right password from a clean address signs in after the delay at most.
 *
 * Also the single-use pre-login form token (a MAC over a nonce and its
 * issue time; the nonce is remembered once used) and quoting of user
 * input for log lines.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "warp.h"
#include "warp_db_int.h"
#include "warp_auth.h"

#define PRE_NONCE	16
#define PRE_MAC		16
#define PRE_RAW		(PRE_NONCE + 8 + PRE_MAC)

static int	login_count(struct warp_db *, const char *, const char *,
		    const char *, int64_t, int64_t *, int64_t *, int64_t *,
		    struct warp_err *);

/* The key a client's failures are counted under: IPv4 as is, IPv6 by /64. */
void
warp_login_addr_key(const char *addr, char *out, size_t outlen)
{
	struct in6_addr	a6;
	struct in_addr	a4;
	char		buf[INET6_ADDRSTRLEN];

	if (addr == NULL)
		addr = "";
	if (inet_pton(AF_INET, addr, &a4) == 1) {
		(void)inet_ntop(AF_INET, &a4, buf, sizeof(buf));
		(void)snprintf(out, outlen, "%s", buf);
		return;
	}
	if (inet_pton(AF_INET6, addr, &a6) != 1) {
		(void)snprintf(out, outlen, "%.63s", addr);
		return;
	}
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		memcpy(&a4, &a6.s6_addr[12], sizeof(a4));
		(void)inet_ntop(AF_INET, &a4, buf, sizeof(buf));
		(void)snprintf(out, outlen, "%s", buf);
		return;
	}
	memset(&a6.s6_addr[8], 0, 8);
	(void)inet_ntop(AF_INET6, &a6, buf, sizeof(buf));
	(void)snprintf(out, outlen, "%s/64", buf);
}

/* Seconds an account waits after its n-th failure in the window. */
int
warp_login_backoff(int64_t failures)
{
	int64_t	d;

	if (failures < WARP_LOGIN_BACKOFF_FROM)
		return (0);
	d = failures - WARP_LOGIN_BACKOFF_FROM;
	if (d >= 6)
		return (WARP_LOGIN_BACKOFF_MAX);
	d = (int64_t)1 << d;
	return (d > WARP_LOGIN_BACKOFF_MAX ? WARP_LOGIN_BACKOFF_MAX : (int)d);
}

static int
login_count(struct warp_db *db, const char *sql, const char *a,
    const char *b, int64_t since, int64_t *count, int64_t *oldest,
    int64_t *newest, struct warp_err *err)
{
	sqlite3_stmt	*st;

	if (warp_db_prepare(db, &st, sql, err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_text(st, 2, a, -1, SQLITE_TRANSIENT);
	if (b != NULL)
		sqlite3_bind_text(st, 3, b, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return (warp_db_sqlerr(db, err, "reading login attempts"));
	}
	*count = sqlite3_column_int64(st, 0);
	*oldest = sqlite3_column_int64(st, 1);
	*newest = sqlite3_column_int64(st, 2);
	sqlite3_finalize(st);
	return (0);
}

int
warp_login_policy(struct warp_db *db, const char *name, const char *addrkey,
    int64_t now, struct warp_login_verdict *v, struct warp_err *err)
{
	int64_t	n, oldest, newest, since, until;

	memset(v, 0, sizeof(*v));
	v->action = WARP_LOGIN_GO;
	since = now - WARP_LOGIN_WINDOW;
	if (name == NULL)
		name = "";
	if (addrkey == NULL)
		addrkey = "";

	/* The address, across user names (password spraying). */
	if (login_count(db, "SELECT count(*), min(at), max(at) FROM "
	    "login_attempts WHERE at > ? AND remote_addr = ?", addrkey, NULL,
	    since, &n, &oldest, &newest, err) == -1)
		return (-1);
	if (n >= WARP_LOGIN_ADDR_MAX) {
		v->action = WARP_LOGIN_REFUSE;
		v->retry = oldest + WARP_LOGIN_WINDOW - now;
		v->why = "too many failed sign-ins from your address";
		goto out;
	}
	/* This account from this address. */
	if (login_count(db, "SELECT count(*), min(at), max(at) FROM "
	    "login_attempts WHERE at > ? AND username = ? AND "
	    "remote_addr = ?", name, addrkey, since, &n, &oldest, &newest,
	    err) == -1)
		return (-1);
	v->dirty = n > 0;
	if (n >= WARP_LOGIN_MAX_FAILURES) {
		v->action = WARP_LOGIN_REFUSE;
		v->retry = oldest + WARP_LOGIN_WINDOW - now;
		v->why = "too many failed sign-ins for this account from your "
		    "address";
		goto out;
	}
	/* This account from anywhere: the back-off. */
	if (login_count(db, "SELECT count(*), min(at), max(at) FROM "
	    "login_attempts WHERE at > ? AND username = ?", name, NULL,
	    since, &n, &oldest, &newest, err) == -1)
		return (-1);
	v->failures = n;
	until = newest + warp_login_backoff(n);
	if (n > 0 && until > now) {
		v->until = until;
		if (v->dirty) {
			v->action = WARP_LOGIN_REFUSE;
			v->retry = until - now;
			v->why = "this account is backing off after failed "
			    "sign-ins";
		} else
			v->action = WARP_LOGIN_WAIT;
	}
out:
	if (v->action == WARP_LOGIN_REFUSE && v->retry < 1)
		v->retry = 1;
	return (0);
}

/*
 * Remember a pre-login nonce as used.  WARP_ECONFLICT when it already was:
 * the form was submitted before.
 */
int
warp_login_nonce_use(struct warp_db *db, const uint8_t *nonce, size_t len,
    int64_t expires, int64_t now, struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	/* Sweep now and then: one write per sign-in form, not two. */
	if (randombytes_uniform(32) == 0) {
		if (warp_db_prepare(db, &st, "DELETE FROM login_nonces WHERE "
		    "expires < ?", err) == -1)
			return (-1);
		sqlite3_bind_int64(st, 1, now);
		(void)sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (warp_db_prepare(db, &st, "INSERT INTO login_nonces (nonce, "
	    "expires) VALUES (?, ?)", err) == -1)
		return (-1);
	sqlite3_bind_blob(st, 1, nonce, (int)len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, expires);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT)
		return (warp_err_set(err, WARP_ECONFLICT, "this sign-in form "
		    "was already used: reload the page and try again"));
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "recording a sign-in form"));
	return (0);
}

static void
prelogin_mac(const uint8_t key[WARP_PRELOGIN_KEYLEN], const uint8_t *msg,
    size_t len, uint8_t mac[PRE_MAC])
{
	crypto_generichash(mac, PRE_MAC, msg, len, key, WARP_PRELOGIN_KEYLEN);
}

/* A fresh pre-login token: nonce, issue time, MAC; base64url. */
void
warp_prelogin_mint(const uint8_t key[WARP_PRELOGIN_KEYLEN], int64_t now,
    char out[WARP_PRELOGIN_STRLEN])
{
	uint8_t		raw[PRE_RAW];
	uint64_t	t;
	int		i;

	randombytes_buf(raw, PRE_NONCE);
	t = (uint64_t)now;
	for (i = 0; i < 8; i++)
		raw[PRE_NONCE + i] = (uint8_t)(t >> (56 - 8 * i));
	prelogin_mac(key, raw, PRE_NONCE + 8, raw + PRE_NONCE + 8);
	sodium_bin2base64(out, WARP_PRELOGIN_STRLEN, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* 1 when tok is ours and younger than WARP_PRELOGIN_TTL; the nonce out. */
int
warp_prelogin_verify(const uint8_t key[WARP_PRELOGIN_KEYLEN],
    const char *tok, int64_t now, uint8_t nonce[WARP_PRELOGIN_NONCELEN],
    int64_t *issued)
{
	uint8_t		raw[PRE_RAW + 4], mac[PRE_MAC];
	uint64_t	t;
	size_t		len;
	int		i;

	if (tok == NULL || strlen(tok) >= WARP_PRELOGIN_STRLEN)
		return (0);
	if (sodium_base642bin(raw, sizeof(raw), tok, strlen(tok), NULL, &len,
	    NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    len != PRE_RAW)
		return (0);
	prelogin_mac(key, raw, PRE_NONCE + 8, mac);
	if (sodium_memcmp(mac, raw + PRE_NONCE + 8, PRE_MAC) != 0)
		return (0);
	t = 0;
	for (i = 0; i < 8; i++)
		t = t << 8 | raw[PRE_NONCE + i];
	if ((int64_t)t > now + 60 || now - (int64_t)t > WARP_PRELOGIN_TTL)
		return (0);
	memcpy(nonce, raw, PRE_NONCE);
	if (issued != NULL)
		*issued = (int64_t)t;
	return (1);
}

/*
 * User input for a log line: in double quotes, at most max input bytes,
 * with \ " and every byte outside printable ASCII as \xNN, so nothing
 * typed can start a new line or forge a field.
 */
void
warp_str_quote(const char *in, size_t max, char *out, size_t outlen)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i, o;
	unsigned char		c;

	if (outlen < 3) {
		if (outlen > 0)
			out[0] = '\0';
		return;
	}
	o = 0;
	out[o++] = '"';
	for (i = 0; in != NULL && in[i] != '\0' && i < max; i++) {
		c = (unsigned char)in[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			if (o + 2 >= outlen)
				break;
			out[o++] = (char)c;
			continue;
		}
		if (o + 5 >= outlen)
			break;
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 0xf];
	}
	out[o++] = '"';
	out[o] = '\0';
}

/*
 * The stored argon2id string of a user, for a check off the event loop.
 * *found is 0 for an unknown name (then nothing else is filled).
 */
int
warp_user_get_hash(struct warp_db *db, const char *name, struct warp_user *u,
    char hash[WARP_PWHASH_STRLEN], int *found, struct warp_err *err)
{
	sqlite3_stmt	*st;
	const char	*h;
	int		 rc;

	*found = 0;
	hash[0] = '\0';
	if (warp_db_prepare(db, &st, "SELECT id, password_hash FROM users "
	    "WHERE username = ?", err) == -1)
		return (-1);
	sqlite3_bind_text(st, 1, name ? name : "", -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		h = (const char *)sqlite3_column_text(st, 1);
		if (h != NULL && strlen(h) < WARP_PWHASH_STRLEN) {
			(void)snprintf(hash, WARP_PWHASH_STRLEN, "%s", h);
			*found = 1;
			u->id = sqlite3_column_int64(st, 0);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "reading a user"));
	if (*found && warp_user_get_id(db, u->id, u, err) == -1) {
		sodium_memzero(hash, WARP_PWHASH_STRLEN);
		*found = 0;
		return (-1);
	}
	return (0);
}
