/*
 * Who may read the Prometheus metrics (the text itself is rendered by
 * src/kernel/kernel_metrics.c, next to the stored status it reports).
 * Off by default; "token" mode wants "Authorization: Bearer T" where only
 * a hash of T is stored; "loopback" mode serves scrapes from the host
 * itself that did not come through the TLS proxy.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "warp.h"
#include "warp_db_int.h"
#include "warp_traffic.h"

#define WARP_METRICS_TOKEN_MIN	16
#define WARP_METRICS_TOKEN_MAX	128

static void	warp_metrics_hash(const char *, uint8_t [32]);

static void
warp_metrics_hash(const char *token, uint8_t out[32])
{
	crypto_generichash(out, 32, (const unsigned char *)token,
	    strlen(token), (const unsigned char *)"warp-metrics", 12);
}

/*
 * config set metrics off|token|loopback, config set metrics-token
 * VALUE|generate|none.  A generated token is returned once in *shown.
 */
int
warp_metrics_config_set(struct warp_db *db, const char *key,
    const char *value, char *shown, size_t shownlen, struct warp_err *err)
{
	sqlite3_stmt	*st;
	uint8_t		 h[32], raw[24];
	char		 tok[WARP_METRICS_TOKEN_MAX + 1];
	const char	*mode = NULL;
	size_t		 i, n;
	int		 rc;

	if (shown != NULL && shownlen > 0)
		shown[0] = '\0';
	if (strcmp(key, "metrics") == 0) {
		if (strcmp(value, "off") != 0 && strcmp(value, "loopback") != 0 &&
		    strcmp(value, "token") != 0)
			return (warp_err_input(err, "metrics must be off, token "
			    "or loopback"));
		if (warp_db_prepare(db, &st, "UPDATE metrics_config SET "
		    "mode = ?1 WHERE id = 1 AND (?1 != 'token' OR "
		    "token_hash IS NOT NULL)", err) == -1)
			return (-1);
		sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return (warp_db_sqlerr(db, err, "storing metrics mode"));
		if (sqlite3_changes(db->sql) == 0)
			return (warp_err_input(err, "set a token first: warpctl "
			    "config set metrics-token generate"));
		return (0);
	}
	if (strcmp(key, "metrics-token") != 0)
		return (warp_err_input(err, "unknown metrics setting '%.32s'",
		    key));
	if (strcmp(value, "none") == 0) {
		mode = "off";
		memset(h, 0, sizeof(h));
	} else {
		if (strcmp(value, "generate") == 0) {
			randombytes_buf(raw, sizeof(raw));
			sodium_bin2base64(tok, sizeof(tok), raw, sizeof(raw),
			    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
			sodium_memzero(raw, sizeof(raw));
		} else {
			n = strlen(value);
			if (n < WARP_METRICS_TOKEN_MIN ||
			    n > WARP_METRICS_TOKEN_MAX)
				return (warp_err_input(err, "a metrics token has "
				    "%d to %d characters (or: generate, none)",
				    WARP_METRICS_TOKEN_MIN,
				    WARP_METRICS_TOKEN_MAX));
			for (i = 0; i < n; i++)
				if (!isgraph((unsigned char)value[i]))
					return (warp_err_input(err, "a metrics "
					    "token is printable ASCII without "
					    "spaces"));
			(void)snprintf(tok, sizeof(tok), "%s", value);
		}
		warp_metrics_hash(tok, h);
		mode = "token";
		if (strcmp(value, "generate") == 0 && shown != NULL)
			(void)snprintf(shown, shownlen, "%s", tok);
		sodium_memzero(tok, sizeof(tok));
	}
	if (warp_db_prepare(db, &st, "UPDATE metrics_config SET mode = ?, "
	    "token_hash = ? WHERE id = 1", err) == -1)
		return (-1);
	sqlite3_bind_text(st, 1, mode, -1, SQLITE_STATIC);
	if (strcmp(mode, "token") == 0)
		sqlite3_bind_blob(st, 2, h, sizeof(h), SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "storing the metrics token"));
	return (0);
}

/*
 * May this scrape read the metrics?  bearer: the token presented (NULL
 * if none); local: from loopback and not through the proxy.  0: yes;
 * -1 with *status 404 (off), 401 (token wanted) or 403.
 */
int
warp_metrics_allowed(struct warp_db *db, const char *bearer, int local,
    int *status, struct warp_err *err)
{
	sqlite3_stmt	*st;
	uint8_t		 h[32];
	char		 mode[16] = "off";
	int		 ok = 0, have = 0;

	*status = 500;
	if (warp_db_prepare(db, &st, "SELECT mode, token_hash FROM "
	    "metrics_config WHERE id = 1", err) == -1)
		return (-1);
	if (sqlite3_step(st) == SQLITE_ROW) {
		(void)snprintf(mode, sizeof(mode), "%s",
		    (const char *)sqlite3_column_text(st, 0));
		if (sqlite3_column_bytes(st, 1) == 32 && bearer != NULL) {
			warp_metrics_hash(bearer, h);
			ok = sodium_memcmp(h, sqlite3_column_blob(st, 1),
			    32) == 0;
			have = 1;
		}
	}
	sqlite3_finalize(st);
	if (strcmp(mode, "token") == 0) {
		if (ok)
			return (0);
		*status = 401;
		return (warp_err_input(err, have ? "the metrics token is not "
		    "valid" : "metrics need \"Authorization: Bearer TOKEN\" "
		    "(warpctl config set metrics-token ...)"));
	}
	if (strcmp(mode, "loopback") == 0) {
		if (local)
			return (0);
		*status = 403;
		return (warp_err_input(err, "metrics are served to local "
		    "scrapes only"));
	}
	*status = 404;
	return (warp_err_set(err, WARP_ENOTFOUND, "metrics are off (warpctl "
	    "config set metrics-token generate)"));
}

