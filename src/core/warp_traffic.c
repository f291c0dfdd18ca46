/*
 * Traffic control in the model: rate and size parsing, period turns (UTC
 * calendar), per-endpoint rates and quotas with per-network defaults,
 * the usage the kernel counted.  The kernel side is src/kernel/kernel_tc.c
 * (shaping) and kernel_quota.c (quota counters); both read what is here.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "warp.h"
#include "warp_db_int.h"
#include "warp_traffic.h"

static int	warp_num_parse(const char *, size_t, uint64_t *, uint64_t *);
static int	warp_traffic_row(sqlite3_stmt *, struct warp_traffic *);
static int	warp_traffic_ensure(struct warp_db *, int64_t,
		    struct warp_err *);
static int	warp_traffic_audit(struct warp_db *, const char *,
		    const char *, const char *, const char *, const char *,
		    struct warp_err *);
static int	warp_traffic_rate_pair(const char *, const char *, int,
		    uint64_t *, int *, uint64_t *, int *, struct warp_err *);

static const char *warp_period_names[] = { "none", "day", "week", "month" };

/*
 * digits[.digits] of s[0..len): *whole and *milli (the fraction in
 * thousandths, at most three digits).  -1 if not a number or too large.
 */
static int
warp_num_parse(const char *s, size_t len, uint64_t *whole, uint64_t *milli)
{
	size_t	i = 0, nd = 0, nf = 0;
	int	scale = 100;

	*whole = 0;
	*milli = 0;
	while (i < len && isdigit((unsigned char)s[i])) {
		if (++nd > 17)
			return (-1);
		*whole = *whole * 10 + (uint64_t)(s[i] - '0');
		i++;
	}
	if (nd == 0)
		return (-1);
	if (nd > 1 && s[0] == '0')
		return (-1);
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && isdigit((unsigned char)s[i])) {
			if (++nf > 3)
				return (-1);
			*milli += (uint64_t)(s[i] - '0') * (uint64_t)scale;
			scale /= 10;
			i++;
		}
		if (nf == 0)
			return (-1);
	}
	return (i == len ? 0 : -1);
}

int
warp_rate_parse(const char *s, uint64_t *bps, int *inherit,
    struct warp_err *err)
{
	static const struct {
		const char	*unit;
		uint64_t	 mult;
	} units[] = {
		{ "bit", 1ULL }, { "kbit", 1000ULL }, { "mbit", 1000000ULL },
		{ "gbit", 1000000000ULL }, { "tbit", 1000000000000ULL }
	};
	uint64_t	whole, milli, v;
	size_t		i, n, ulen;

	if (inherit != NULL)
		*inherit = 0;
	if (s == NULL || *s == '\0')
		return (warp_err_input(err, "no rate given (e.g. 500kbit, "
		    "20mbit, 1gbit or none)"));
	if (strcmp(s, "none") == 0) {
		*bps = 0;
		return (0);
	}
	if (inherit != NULL && strcmp(s, "default") == 0) {
		*bps = 0;
		*inherit = 1;
		return (0);
	}
	n = strlen(s);
	for (ulen = 0; ulen < n && isalpha((unsigned char)s[n - 1 - ulen]);
	    ulen++)
		;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (ulen > 0 && strlen(units[i].unit) == ulen &&
		    strcasecmp(s + n - ulen, units[i].unit) == 0)
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		return (warp_err_input(err, "rate '%.32s': the unit must be "
		    "bit, kbit, mbit, gbit or tbit (e.g. 500kbit, 20mbit, "
		    "1gbit), or the rate 'none'", s));
	if (warp_num_parse(s, n - ulen, &whole, &milli) == -1)
		return (warp_err_input(err, "rate '%.32s' is not a number with "
		    "a unit (e.g. 500kbit, 1.5mbit)", s));
	if (whole > WARP_RATE_MAX / units[i].mult)
		goto range;
	v = whole * units[i].mult + milli * units[i].mult / 1000;
	if (v < WARP_RATE_MIN ||
	    v > WARP_RATE_MAX)
		goto range;
	*bps = v;
	return (0);
range:
	return (warp_err_input(err, "rate '%.32s' is out of range: from 8kbit "
	    "to 100gbit, or none", s));
}

void
warp_rate_format(uint64_t bps, char *buf, size_t len)
{
	static const struct {
		const char	*unit;
		uint64_t	 mult;
	} units[] = {
		{ "gbit", 1000000000ULL }, { "mbit", 1000000ULL },
		{ "kbit", 1000ULL }
	};
	size_t	i;

	char	digits[WARP_FMT_INT_LEN];

	/* Without printf: every network of a list shows two. */
	if (bps == 0) {
		(void)warp_strlcpy(buf, "none", len);
		return;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (bps < units[i].mult || bps % units[i].mult != 0)
			continue;
		warp_fmt_join(buf, len, warp_fmt_int((long long)(bps /
		    units[i].mult), digits), units[i].unit, "");
		return;
	}
	if (bps > (uint64_t)INT64_MAX) {
		(void)snprintf(buf, len, "%llubit", (unsigned long long)bps);
		return;
	}
	warp_fmt_join(buf, len, warp_fmt_int((long long)bps, digits), "bit",
	    "");
}

int
warp_size_parse(const char *s, uint64_t *bytes, struct warp_err *err)
{
	static const struct {
		const char	*unit;
		uint64_t	 mult;
	} units[] = {
		{ "", 1ULL }, { "B", 1ULL },
		{ "K", 1ULL << 10 }, { "KiB", 1ULL << 10 }, { "KB", 1000ULL },
		{ "M", 1ULL << 20 }, { "MiB", 1ULL << 20 }, { "MB", 1000000ULL },
		{ "G", 1ULL << 30 }, { "GiB", 1ULL << 30 },
		{ "GB", 1000000000ULL },
		{ "T", 1ULL << 40 }, { "TiB", 1ULL << 40 },
		{ "TB", 1000000000000ULL }
	};
	uint64_t	whole, milli, v;
	size_t		i, n, ulen;

	if (s == NULL || *s == '\0')
		return (warp_err_input(err, "no size given (e.g. 500M, 10G or "
		    "none)"));
	if (strcmp(s, "none") == 0) {
		*bytes = 0;
		return (0);
	}
	n = strlen(s);
	for (ulen = 0; ulen < n && isalpha((unsigned char)s[n - 1 - ulen]);
	    ulen++)
		;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].unit) == ulen &&
		    strcmp(s + n - ulen, units[i].unit) == 0)
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		return (warp_err_input(err, "size '%.32s': the unit must be K, "
		    "M, G, T (powers of 1024; also KiB..TiB), KB, MB, GB, TB "
		    "(powers of 1000) or none for bytes", s));
	if (warp_num_parse(s, n - ulen, &whole, &milli) == -1)
		return (warp_err_input(err, "size '%.32s' is not a number with "
		    "a unit (e.g. 500M, 1.5G)", s));
	if (units[i].mult == 1 && milli != 0)
		return (warp_err_input(err, "size '%.32s': bytes are whole",
		    s));
	if (whole > WARP_SIZE_MAX / units[i].mult)
		goto range;
	v = whole * units[i].mult + milli * units[i].mult / 1000;
	if (v == 0 || v > WARP_SIZE_MAX)
		goto range;
	*bytes = v;
	return (0);
range:
	return (warp_err_input(err, "size '%.32s' is out of range: from 1 "
	    "byte to 1024T (1PiB), or none", s));
}

void
warp_size_format(uint64_t n, char *buf, size_t len)
{
	static const char	*units[] = { "K", "M", "G", "T" };
	int			 i;

	if (n == 0) {
		(void)snprintf(buf, len, "none");
		return;
	}
	for (i = 3; i >= 0; i--) {
		uint64_t	m = 1ULL << (10 * (i + 1));

		if (n >= m && n % m == 0) {
			(void)snprintf(buf, len, "%llu%s",
			    (unsigned long long)(n / m), units[i]);
			return;
		}
		if (n >= m * 10) {
			(void)snprintf(buf, len, "%.1f%s", (double)n /
			    (double)m, units[i]);
			return;
		}
	}
	(void)snprintf(buf, len, "%lluB", (unsigned long long)n);
}

int
warp_period_parse(const char *s, enum warp_period *p, struct warp_err *err)
{
	size_t	i;

	for (i = 0; s != NULL && i < sizeof(warp_period_names) /
	    sizeof(warp_period_names[0]); i++) {
		if (strcmp(s, warp_period_names[i]) == 0) {
			*p = (enum warp_period)i;
			return (0);
		}
	}
	return (warp_err_input(err, "period '%.32s' is not one of day, week, "
	    "month, none", s ? s : ""));
}

const char *
warp_period_name(enum warp_period p)
{
	if ((size_t)p >= sizeof(warp_period_names) /
	    sizeof(warp_period_names[0]))
		return ("none");
	return (warp_period_names[p]);
}

/* Days are UTC days; weeks start on Monday; months on the 1st. */
int64_t
warp_period_start(enum warp_period p, int64_t t)
{
	struct tm	tm;
	time_t		tt = (time_t)t;
	int64_t		days;

	if (t < 0)
		t = 0;
	days = t / 86400;
	switch (p) {
	case WARP_PERIOD_DAY:
		return (days * 86400);
	case WARP_PERIOD_WEEK:
		/* 1970-01-01 was a Thursday: Monday is 3 days before. */
		return ((days - (days + 3) % 7) * 86400);
	case WARP_PERIOD_MONTH:
		if (gmtime_r(&tt, &tm) == NULL)
			return (0);
		tm.tm_mday = 1;
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		return ((int64_t)timegm(&tm));
	default:
		return (0);
	}
}

int64_t
warp_period_next(enum warp_period p, int64_t t)
{
	struct tm	tm;
	time_t		tt;

	switch (p) {
	case WARP_PERIOD_DAY:
		return (warp_period_start(p, t) + 86400);
	case WARP_PERIOD_WEEK:
		return (warp_period_start(p, t) + 7 * 86400);
	case WARP_PERIOD_MONTH:
		tt = (time_t)warp_period_start(p, t);
		if (gmtime_r(&tt, &tm) == NULL)
			return (0);
		tm.tm_mon++;	/* timegm normalises December + 1 */
		return ((int64_t)timegm(&tm));
	default:
		return (0);
	}
}

/* ------------------------------------------------------------- the db */

#define TR_COLUMNS	"e.id, e.network_id, e.overlay_ip, " \
			"t.down_bps, t.up_bps, " \
			"coalesce(nt.default_down_bps, 0), " \
			"coalesce(nt.default_up_bps, 0), " \
			"coalesce(t.quota_bytes, 0), " \
			"coalesce(t.quota_period, 'none'), " \
			"coalesce(t.period_start, 0), " \
			"coalesce(t.used_bytes, 0), coalesce(t.quota_gen, 0)"
#define TR_FROM		" FROM endpoints e " \
			"LEFT JOIN endpoint_traffic t ON t.endpoint_id = e.id " \
			"LEFT JOIN network_traffic nt ON " \
			"nt.network_id = e.network_id "

static int
warp_traffic_row(sqlite3_stmt *st, struct warp_traffic *t)
{
	struct warp_err	ignore;

	memset(t, 0, sizeof(*t));
	t->endpoint_id = sqlite3_column_int64(st, 0);
	t->network_id = sqlite3_column_int64(st, 1);
	if (warp_ip_parse((const char *)sqlite3_column_text(st, 2),
	    &t->overlay_ip, &ignore) == -1)
		return (-1);
	if (sqlite3_column_type(st, 3) == SQLITE_NULL) {
		t->down_bps = (uint64_t)sqlite3_column_int64(st, 5);
		t->down_inherited = 1;
	} else
		t->down_bps = (uint64_t)sqlite3_column_int64(st, 3);
	if (sqlite3_column_type(st, 4) == SQLITE_NULL) {
		t->up_bps = (uint64_t)sqlite3_column_int64(st, 6);
		t->up_inherited = 1;
	} else
		t->up_bps = (uint64_t)sqlite3_column_int64(st, 4);
	t->quota_bytes = (uint64_t)sqlite3_column_int64(st, 7);
	if (warp_period_parse((const char *)sqlite3_column_text(st, 8),
	    &t->period, &ignore) == -1)
		return (-1);
	t->period_start = sqlite3_column_int64(st, 9);
	t->used_bytes = (uint64_t)sqlite3_column_int64(st, 10);
	t->quota_gen = sqlite3_column_int64(st, 11);
	t->exceeded = t->quota_bytes > 0 && t->used_bytes >= t->quota_bytes;
	return (0);
}

int
warp_traffic_get(struct warp_db *db, int64_t endpoint_id,
    struct warp_traffic *t, struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (warp_db_prepare_cached(db, &st, "SELECT " TR_COLUMNS TR_FROM
	    "WHERE e.id = ?", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, endpoint_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = warp_traffic_row(st, t) == 0 ? SQLITE_DONE : SQLITE_ERROR;
	else if (rc == SQLITE_DONE)
		rc = SQLITE_NOTFOUND;
	warp_db_release(db, st);
	if (rc == SQLITE_NOTFOUND)
		return (warp_err_set(err, WARP_ENOTFOUND, "no endpoint with id "
		    "%lld", (long long)endpoint_id));
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "reading traffic limits"));
	return (0);
}

int
warp_traffic_list(struct warp_db *db, int64_t network_id,
    struct warp_traffic **out, size_t *nout, struct warp_err *err)
{
	sqlite3_stmt		*st;
	struct warp_traffic	*v = NULL;
	size_t			 n = 0, cap = 0;
	int			 rc;

	*out = NULL;
	*nout = 0;
	/*
	 * From the rows that have limits: the endpoints with their own row,
	 * then those without one in networks with defaults (a scan of every
	 * endpoint, as a LEFT JOIN from endpoints is, reads the whole table
	 * on each full apply to find none).
	 */
	if (warp_db_prepare_cached(db, &st, "SELECT " TR_COLUMNS
	    " FROM endpoint_traffic t JOIN endpoints e ON e.id = t.endpoint_id "
	    "LEFT JOIN network_traffic nt ON nt.network_id = e.network_id "
	    "WHERE (?1 = 0 OR e.network_id = ?1) UNION ALL SELECT " TR_COLUMNS
	    " FROM network_traffic nt JOIN endpoints e ON "
	    "e.network_id = nt.network_id LEFT JOIN endpoint_traffic t ON "
	    "t.endpoint_id = e.id WHERE (nt.default_down_bps > 0 OR "
	    "nt.default_up_bps > 0) AND t.endpoint_id IS NULL AND "
	    "(?1 = 0 OR e.network_id = ?1) ORDER BY 1", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, network_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((v = reallocarray(v, cap, sizeof(*v))) == NULL)
				warp_fatal("reallocarray");
		}
		if (warp_traffic_row(st, &v[n]) == 0)
			n++;
	}
	warp_db_release(db, st);
	if (rc != SQLITE_DONE) {
		free(v);
		return (warp_db_sqlerr(db, err, "reading traffic limits"));
	}
	*out = v;
	*nout = n;
	return (0);
}

void
warp_traffic_list_free(struct warp_traffic *v)
{
	free(v);
}

const struct warp_traffic *
warp_traffic_find(const struct warp_traffic *v, size_t n, int64_t id)
{
	size_t	lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v[mid].endpoint_id == id)
			return (&v[mid]);
		if (v[mid].endpoint_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (NULL);
}

int
warp_traffic_exceeded(struct warp_db *db, int64_t id)
{
	struct warp_traffic	t;
	struct warp_err		err;

	return (warp_traffic_get(db, id, &t, &err) == 0 && t.exceeded);
}

static int
warp_traffic_ensure(struct warp_db *db, int64_t id, struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (warp_db_prepare(db, &st, "INSERT INTO endpoint_traffic "
	    "(endpoint_id) VALUES (?) ON CONFLICT DO NOTHING", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "storing traffic limits"));
	return (0);
}

static int
warp_traffic_audit(struct warp_db *db, const char *actor, const char *action,
    const char *type, const char *object, const char *detail,
    struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (warp_db_prepare(db, &st, "INSERT INTO audit_log (actor, action, "
	    "object_type, object, detail) VALUES (?, ?, ?, ?, ?)", err) == -1)
		return (-1);
	sqlite3_bind_text(st, 1, actor ? actor : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, object, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, detail, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "writing the audit log"));
	return (0);
}

static int
warp_traffic_rate_pair(const char *down, const char *up, int inherit_ok,
    uint64_t *dv, int *dinh, uint64_t *uv, int *uinh, struct warp_err *err)
{
	struct warp_err	e2;

	if (down != NULL && warp_rate_parse(down, dv, inherit_ok ? dinh : NULL,
	    &e2) == -1)
		return (warp_err_input(err, "down: %s", e2.msg));
	if (up != NULL && warp_rate_parse(up, uv, inherit_ok ? uinh : NULL,
	    &e2) == -1)
		return (warp_err_input(err, "up: %s", e2.msg));
	return (0);
}

int
warp_traffic_check_rate(const char *down, const char *up, int inherit_ok,
    struct warp_err *err)
{
	uint64_t	dv, uv;
	int		di = 0, ui = 0;

	return (warp_traffic_rate_pair(down, up, inherit_ok, &dv, &di, &uv,
	    &ui, err));
}

int
warp_traffic_set_rate(struct warp_db *db, const char *ref, const char *down,
    const char *up, const char *actor, struct warp_err *err)
{
	struct warp_endpoint	 e;
	sqlite3_stmt		*st = NULL;
	uint64_t		 dv = 0, uv = 0;
	int			 di = 0, ui = 0, rc;
	char			 obj[2 * WARP_NAME_MAX + 2], detail[128];

	if (down == NULL && up == NULL)
		return (warp_err_input(err, "give --down RATE and/or --up RATE "
		    "(e.g. 20mbit, none, default)"));
	if (warp_traffic_rate_pair(down, up, 1, &dv, &di, &uv, &ui,
	    err) == -1)
		return (-1);
	if (warp_endpoint_get(db, ref, &e, err) == -1)
		return (-1);
	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_traffic_ensure(db, e.id, err) == -1)
		goto out;
	if (warp_db_prepare(db, &st, "UPDATE endpoint_traffic SET "
	    "down_bps = CASE WHEN ?2 THEN down_bps WHEN ?3 THEN NULL ELSE ?4 "
	    "END, up_bps = CASE WHEN ?5 THEN up_bps WHEN ?6 THEN NULL ELSE ?7 "
	    "END, updated_at = unixepoch() WHERE endpoint_id = ?1", err) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, e.id);
	sqlite3_bind_int(st, 2, down == NULL);
	sqlite3_bind_int(st, 3, di);
	sqlite3_bind_int64(st, 4, (int64_t)dv);
	sqlite3_bind_int(st, 5, up == NULL);
	sqlite3_bind_int(st, 6, ui);
	sqlite3_bind_int64(st, 7, (int64_t)uv);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		warp_db_sqlerr(db, err, "storing the rate");
		goto out;
	}
	(void)snprintf(obj, sizeof(obj), "%s/%s", e.network_name, e.name);
	(void)snprintf(detail, sizeof(detail), "down %s up %s",
	    down ? down : "unchanged", up ? up : "unchanged");
	if (warp_traffic_audit(db, actor, "endpoint.rate", "endpoint", obj,
	    detail, err) == -1)
		goto out;
	if (warp_db_mark_pending(db, "endpoint", e.id, err) == -1)
		goto out;
	return (warp_db_commit(db, err));
out:
	warp_db_rollback(db);
	return (-1);
}

int
warp_traffic_set_quota(struct warp_db *db, const char *ref, const char *bytes,
    const char *period, const char *actor, struct warp_err *err)
{
	struct warp_endpoint	 e;
	struct warp_traffic	 cur;
	sqlite3_stmt		*st = NULL;
	enum warp_period	 p = WARP_PERIOD_NONE;
	uint64_t		 q;
	int64_t			 now = time(NULL), start;
	int			 rc;
	char			 obj[2 * WARP_NAME_MAX + 2], detail[128];

	if (warp_size_parse(bytes, &q, err) == -1)
		return (-1);
	if (period != NULL && warp_period_parse(period, &p, err) == -1)
		return (-1);
	if (q == 0 && period != NULL && p != WARP_PERIOD_NONE)
		return (warp_err_input(err, "a period needs a quota (not "
		    "none)"));
	if (warp_endpoint_get(db, ref, &e, err) == -1)
		return (-1);
	if (warp_traffic_get(db, e.id, &cur, err) == -1)
		return (-1);
	if (period == NULL)
		p = q == 0 ? WARP_PERIOD_NONE : cur.period;
	/* The same period keeps what was counted in it; a new one starts. */
	start = p == cur.period && cur.period_start != 0 ? cur.period_start :
	    (p == WARP_PERIOD_NONE ? now : warp_period_start(p, now));
	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_traffic_ensure(db, e.id, err) == -1)
		goto out;
	if (warp_db_prepare(db, &st, "UPDATE endpoint_traffic SET "
	    "quota_bytes = ?2, quota_period = ?3, period_start = ?4, "
	    "used_bytes = CASE WHEN quota_period = ?3 THEN used_bytes ELSE 0 "
	    "END, quota_gen = quota_gen + 1, updated_at = unixepoch() "
	    "WHERE endpoint_id = ?1", err) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, e.id);
	sqlite3_bind_int64(st, 2, (int64_t)q);
	sqlite3_bind_text(st, 3, warp_period_name(p), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, start);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		warp_db_sqlerr(db, err, "storing the quota");
		goto out;
	}
	(void)snprintf(obj, sizeof(obj), "%s/%s", e.network_name, e.name);
	(void)snprintf(detail, sizeof(detail), "quota %s period %s", bytes,
	    warp_period_name(p));
	if (warp_traffic_audit(db, actor, "endpoint.quota", "endpoint", obj,
	    detail, err) == -1)
		goto out;
	if (warp_db_mark_pending(db, "endpoint", e.id, err) == -1)
		goto out;
	return (warp_db_commit(db, err));
out:
	warp_db_rollback(db);
	return (-1);
}

int
warp_traffic_reset_usage(struct warp_db *db, const char *ref,
    const char *actor, struct warp_err *err)
{
	struct warp_endpoint	 e;
	sqlite3_stmt		*st = NULL;
	int			 rc;
	char			 obj[2 * WARP_NAME_MAX + 2];

	if (warp_endpoint_get(db, ref, &e, err) == -1)
		return (-1);
	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_traffic_ensure(db, e.id, err) == -1)
		goto out;
	if (warp_db_prepare(db, &st, "UPDATE endpoint_traffic SET "
	    "used_bytes = 0, quota_gen = quota_gen + 1, "
	    "updated_at = unixepoch() WHERE endpoint_id = ?", err) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, e.id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		warp_db_sqlerr(db, err, "resetting the usage");
		goto out;
	}
	(void)snprintf(obj, sizeof(obj), "%s/%s", e.network_name, e.name);
	if (warp_traffic_audit(db, actor, "endpoint.reset-usage", "endpoint",
	    obj, "", err) == -1)
		goto out;
	if (warp_db_mark_pending(db, "endpoint", e.id, err) == -1)
		goto out;
	return (warp_db_commit(db, err));
out:
	warp_db_rollback(db);
	return (-1);
}

int
warp_traffic_set_defaults(struct warp_db *db, int64_t network_id,
    const char *down, const char *up, const char *actor, struct warp_err *err)
{
	struct warp_network	 n;
	sqlite3_stmt		*st = NULL;
	uint64_t		 dv = 0, uv = 0;
	int			 di = 0, ui = 0, rc;
	char			 detail[128];

	if (down == NULL && up == NULL)
		return (0);
	if (warp_traffic_rate_pair(down, up, 0, &dv, &di, &uv, &ui,
	    err) == -1)
		return (-1);
	if (warp_network_get_id(db, network_id, &n, err) == -1)
		return (-1);
	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_db_prepare(db, &st, "INSERT INTO network_traffic "
	    "(network_id, default_down_bps, default_up_bps) "
	    "VALUES (?1, coalesce(?2, 0), coalesce(?3, 0)) "
	    "ON CONFLICT (network_id) DO UPDATE SET "
	    "default_down_bps = coalesce(?2, default_down_bps), "
	    "default_up_bps = coalesce(?3, default_up_bps)", err) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, network_id);
	if (down != NULL)
		sqlite3_bind_int64(st, 2, (int64_t)dv);
	if (up != NULL)
		sqlite3_bind_int64(st, 3, (int64_t)uv);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		warp_db_sqlerr(db, err, "storing the network's default rates");
		goto out;
	}
	(void)snprintf(detail, sizeof(detail), "default down %s up %s",
	    down ? down : "unchanged", up ? up : "unchanged");
	if (warp_traffic_audit(db, actor, "network.rate", "network", n.name,
	    detail, err) == -1)
		goto out;
	if (warp_db_mark_pending(db, "network", n.id, err) == -1)
		goto out;
	return (warp_db_commit(db, err));
out:
	warp_db_rollback(db);
	return (-1);
}

/*
 * A new network with its default rates (NULL: none), in one transaction:
 * bad rates are refused before anything is written.
 */
int
warp_traffic_network_create(struct warp_db *db,
    const struct warp_network_spec *spec, const char *down, const char *up,
    const char *actor, int64_t *id, struct warp_err *err)
{
	if (warp_traffic_check_rate(down, up, 0, err) == -1)
		return (-1);
	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_network_create(db, spec, id, err) == -1 ||
	    warp_traffic_set_defaults(db, *id, down, up, actor, err) == -1 ||
	    warp_db_commit(db, err) == -1) {
		warp_db_rollback(db);
		return (-1);
	}
	return (0);
}

int
warp_traffic_network_create_bulk(struct warp_db *db,
    const struct warp_network_spec *tmpl, const enum warp_net_type *types,
    size_t ntypes, const char *pattern, long start, long count,
    const char *down, const char *up, const char *actor, int64_t *ids,
    struct warp_err *err)
{
	long	i;

	if (warp_traffic_check_rate(down, up, 0, err) == -1)
		return (-1);
	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_network_create_bulk(db, tmpl, types, ntypes, pattern, start,
	    count, ids, err) == -1)
		goto fail;
	for (i = 0; i < count && (down != NULL || up != NULL); i++)
		if (warp_traffic_set_defaults(db, ids[i], down, up, actor,
		    err) == -1)
			goto fail;
	return (warp_db_commit(db, err));
fail:
	warp_db_rollback(db);
	return (-1);
}

int
warp_traffic_defaults(struct warp_db *db, int64_t network_id, uint64_t *down,
    uint64_t *up, struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	*down = *up = 0;
	if (warp_db_prepare_cached(db, &st, "SELECT default_down_bps, "
	    "default_up_bps FROM network_traffic WHERE network_id = ?",
	    err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, network_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*down = (uint64_t)sqlite3_column_int64(st, 0);
		*up = (uint64_t)sqlite3_column_int64(st, 1);
		rc = SQLITE_DONE;
	}
	if (rc != SQLITE_DONE)
		(void)warp_db_sqlerr(db, err, "reading default rates");
	warp_db_release(db, st);
	return (rc == SQLITE_DONE ? 0 : -1);
}

int
warp_traffic_turn(struct warp_db *db, int64_t now, struct warp_err *err)
{
	struct warp_traffic	*v = NULL;
	sqlite3_stmt		*st = NULL;
	size_t			 n = 0, i;
	int			 rc;

	if (warp_traffic_list(db, 0, &v, &n, err) == -1)
		return (-1);
	for (i = 0; i < n; i++) {
		if (v[i].period == WARP_PERIOD_NONE ||
		    warp_period_next(v[i].period, v[i].period_start) > now)
			continue;
		if (st == NULL && warp_db_prepare(db, &st, "UPDATE "
		    "endpoint_traffic SET used_bytes = 0, period_start = ?2, "
		    "quota_gen = quota_gen + 1 WHERE endpoint_id = ?1 AND "
		    "quota_gen = ?3", err) == -1)
			goto fail;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, v[i].endpoint_id);
		sqlite3_bind_int64(st, 2, warp_period_start(v[i].period, now));
		sqlite3_bind_int64(st, 3, v[i].quota_gen);
		if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
			warp_db_sqlerr(db, err, "turning a quota period");
			goto fail;
		}
	}
	if (st != NULL)
		sqlite3_finalize(st);
	warp_traffic_list_free(v);
	return (0);
fail:
	if (st != NULL)
		sqlite3_finalize(st);
	warp_traffic_list_free(v);
	return (-1);
}

int
warp_traffic_store_usage(struct warp_db *db,
    const struct warp_usage_sample *s, size_t n, struct warp_err *err)
{
	sqlite3_stmt	*st = NULL;
	size_t		 i;

	if (n == 0)
		return (0);
	if (warp_db_begin(db, err) == -1)
		return (-1);
	/* Never backwards: a recreated counter starts from what is stored. */
	if (warp_db_prepare(db, &st, "UPDATE endpoint_traffic SET used_bytes = "
	    "max(used_bytes, min(?3, quota_bytes)) WHERE endpoint_id = ?1 AND "
	    "quota_gen = ?2 AND quota_bytes > 0 AND "
	    "used_bytes < min(?3, quota_bytes)", err) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, s[i].endpoint_id);
		sqlite3_bind_int64(st, 2, s[i].gen);
		sqlite3_bind_int64(st, 3, s[i].consumed > INT64_MAX ?
		    INT64_MAX : (int64_t)s[i].consumed);
		if (sqlite3_step(st) != SQLITE_DONE) {
			warp_db_sqlerr(db, err, "storing quota usage");
			goto out;
		}
	}
	sqlite3_finalize(st);
	return (warp_db_commit(db, err));
out:
	if (st != NULL)
		sqlite3_finalize(st);
	warp_db_rollback(db);
	return (-1);
}

void
warp_traffic_json(const struct warp_traffic *t, struct warp_buf *b)
{
	char	down[WARP_RATE_STRLEN], up[WARP_RATE_STRLEN];
	char	quota[WARP_SIZE_STRLEN];

	warp_rate_format(t->down_bps, down, sizeof(down));
	warp_rate_format(t->up_bps, up, sizeof(up));
	warp_size_format(t->quota_bytes, quota, sizeof(quota));
	warp_buf_appendf(b, "\"rate_down\":\"%s\",\"rate_down_bps\":%llu,"
	    "\"rate_down_inherited\":%s,\"rate_up\":\"%s\","
	    "\"rate_up_bps\":%llu,\"rate_up_inherited\":%s,"
	    "\"quota\":\"%s\",\"quota_bytes\":%llu,\"quota_period\":\"%s\","
	    "\"quota_used_bytes\":%llu,\"quota_period_start\":%lld,"
	    "\"quota_next_reset\":%lld,\"quota_exceeded\":%s",
	    down, (unsigned long long)t->down_bps,
	    t->down_inherited ? "true" : "false", up,
	    (unsigned long long)t->up_bps, t->up_inherited ? "true" : "false",
	    quota, (unsigned long long)t->quota_bytes,
	    warp_period_name(t->period), (unsigned long long)t->used_bytes,
	    (long long)t->period_start,
	    (long long)warp_period_next(t->period, t->period_start),
	    t->exceeded ? "true" : "false");
}
