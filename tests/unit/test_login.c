/*
 * Sign-in limits and the root side's database settings (issue 12): the
 * address key (IPv6 by /64), the back-off curve, the policy's verdicts,
 * single-use pre-login tokens, log quoting; every connection defensive
 * with trusted_schema off.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "testdb.h"
#include "warp_auth.h"

static void
fail_n(struct warp_db *db, const char *name, const char *addr, int n,
    int64_t at)
{
	struct warp_err	err;
	int		i;

	for (i = 0; i < n; i++)
		(void)warp_login_failed(db, name, addr, at, &err);
}

int
main(void)
{
	struct warp_db			*db;
	struct warp_err			 err;
	struct warp_login_verdict	 v;
	uint8_t				 key[WARP_PRELOGIN_KEYLEN], nonce[16];
	char				 k[WARP_LOGIN_ADDRKEY_MAX], tok[64], q[80];
	int64_t				 now = 1800000000, issued;
	sqlite3_stmt			*st;
	int				 ts;

	warp_login_addr_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd", k, sizeof(k));
	CHECK_STR(k, "2001:db8:1:2::/64", "an IPv6 address counts by its /64");
	warp_login_addr_key("::ffff:192.0.2.9", k, sizeof(k));
	CHECK_STR(k, "192.0.2.9", "an IPv4-mapped address counts as IPv4");
	warp_login_addr_key("192.0.2.9", k, sizeof(k));
	CHECK_STR(k, "192.0.2.9", "IPv4 as is");
	CHECK(warp_login_backoff(4) == 0 && warp_login_backoff(5) == 1 &&
	    warp_login_backoff(6) == 2 && warp_login_backoff(9) == 16 &&
	    warp_login_backoff(10) == 30 && warp_login_backoff(1000) == 30,
	    "back-off: none before 5 failures, then 1, 2, 4 ... s, at most 30");

	db = testdb_open();
	warp_err_clear(&err);
	CHECK(warp_login_policy(db, "alice", "192.0.2.1", now, &v, &err) == 0 &&
	    v.action == WARP_LOGIN_GO, "no failures: go");
	fail_n(db, "alice", "192.0.2.1", 3, now - 10);
	fail_n(db, "alice", "192.0.2.2", 2, now);
	CHECK(warp_login_policy(db, "alice", "192.0.2.1", now, &v, &err) == 0 &&
	    v.action == WARP_LOGIN_REFUSE && v.retry >= 1,
	    "5 account failures: an address that failed on it is refused");
	CHECK(warp_login_policy(db, "alice", "192.0.2.50", now, &v, &err) ==
	    0 && v.action == WARP_LOGIN_WAIT && v.until == now + 1,
	    "a clean address is held until the back-off ends, not refused");
	CHECK(warp_login_policy(db, "alice", "192.0.2.50", now + 1, &v,
	    &err) == 0 && v.action == WARP_LOGIN_GO, "and then it may try");
	fail_n(db, "x", "198.51.100.1", WARP_LOGIN_ADDR_MAX, now);
	CHECK(warp_login_policy(db, "fresh-name", "198.51.100.1", now, &v,
	    &err) == 0 && v.action == WARP_LOGIN_REFUSE,
	    "20 failures from an address refuse any user name there");

	randombytes_buf(key, sizeof(key));
	warp_prelogin_mint(key, now, tok);
	CHECK(warp_prelogin_verify(key, tok, now + 5, nonce, &issued) == 1 &&
	    issued == now, "a fresh pre-login token verifies");
	CHECK(warp_prelogin_verify(key, tok, now + WARP_PRELOGIN_TTL + 1,
	    nonce, &issued) == 0, "an old one does not");
	tok[3] = tok[3] == 'A' ? 'B' : 'A';
	CHECK(warp_prelogin_verify(key, tok, now, nonce, &issued) == 0,
	    "a forged one does not");
	CHECK(warp_login_nonce_use(db, nonce, 16, now + 600, now, &err) == 0 &&
	    warp_login_nonce_use(db, nonce, 16, now + 600, now, &err) == -1 &&
	    err.kind == WARP_ECONFLICT, "a form token is good once");

	warp_str_quote("ro\"ot\r\n\\x\xc3\xa9", 32, q, sizeof(q));
	CHECK_STR(q, "\"ro\\x22ot\\x0d\\x0a\\x5cx\\xc3\\xa9\"",
	    "log quoting escapes quotes, CR/LF, backslash and non-ASCII");

	/* Root's (and everyone's) connections. */
	CHECK(sqlite3_exec(db->sql, "PRAGMA writable_schema = ON; UPDATE "
	    "sqlite_schema SET sql = sql WHERE name = 'users'", NULL, NULL,
	    NULL) != SQLITE_OK, "defensive mode: the schema cannot be "
	    "written through writable_schema");
	ts = -1;
	if (sqlite3_prepare_v2(db->sql, "PRAGMA trusted_schema", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		ts = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	CHECK(ts == 0, "trusted_schema is off");
	{
		char	fp[65];

		testdb_fingerprint(db, fp);	/* (shared helper) */
	}
	testdb_close(db);
	return (check_done());
}
