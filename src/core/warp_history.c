/*
 * Traffic history: rx/tx byte deltas per endpoint, rolled up as they are
 * written into buckets of a minute (kept a day), an hour (kept 31 days)
 * and a day (kept 400 days), and the server-rendered SVG chart of them.
 *
 * The privileged side feeds warp_history_record() with the kernel's peer
 * counters at every status read (warpd: once a minute).  A counter that
 * went backwards was reset (the peer was made again): its whole value is
 * new traffic.  Only endpoints that moved bytes are written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "warp.h"
#include "warp_db_int.h"
#include "warp_traffic.h"

static size_t	warp_history_tenths(char *, int64_t);

static const struct {
	int64_t	bucket;
	int64_t	keep;
} warp_history_levels[] = {
	{ 60, 86400 },
	{ 3600, 31 * 86400 },
	{ 86400, 400 * 86400 }
};

#define WARP_HISTORY_NLEVELS \
	(sizeof(warp_history_levels) / sizeof(warp_history_levels[0]))

int
warp_history_record(struct warp_db *db, const struct warp_counter_sample *s,
    size_t n, int64_t now, struct warp_err *err)
{
	sqlite3_stmt	*get = NULL, *put = NULL, *add = NULL;
	uint64_t	 lrx, ltx, drx, dtx;
	size_t		 i, l;
	int		 rc;

	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_db_prepare(db, &get, "SELECT rx_bytes, tx_bytes FROM "
	    "traffic_counters WHERE endpoint_id = ?", err) == -1 ||
	    warp_db_prepare(db, &put, "INSERT INTO traffic_counters "
	    "(endpoint_id, rx_bytes, tx_bytes, at) VALUES (?1, ?2, ?3, ?4) "
	    "ON CONFLICT (endpoint_id) DO UPDATE SET rx_bytes = ?2, "
	    "tx_bytes = ?3, at = ?4", err) == -1 ||
	    warp_db_prepare(db, &add, "INSERT INTO traffic_samples "
	    "(endpoint_id, network_id, bucket, at, rx_bytes, tx_bytes) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (endpoint_id, "
	    "bucket, at) DO UPDATE SET rx_bytes = rx_bytes + ?5, "
	    "tx_bytes = tx_bytes + ?6", err) == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		sqlite3_reset(get);
		sqlite3_bind_int64(get, 1, s[i].endpoint_id);
		rc = sqlite3_step(get);
		if (rc == SQLITE_ROW) {
			lrx = (uint64_t)sqlite3_column_int64(get, 0);
			ltx = (uint64_t)sqlite3_column_int64(get, 1);
			drx = s[i].rx_bytes >= lrx ? s[i].rx_bytes - lrx :
			    s[i].rx_bytes;
			dtx = s[i].tx_bytes >= ltx ? s[i].tx_bytes - ltx :
			    s[i].tx_bytes;
		} else if (rc == SQLITE_DONE) {
			/* First reading: it is the baseline, not traffic. */
			drx = dtx = 0;
		} else
			goto sqlerr;
		if (rc == SQLITE_ROW && drx == 0 && dtx == 0)
			continue;
		sqlite3_reset(put);
		sqlite3_bind_int64(put, 1, s[i].endpoint_id);
		sqlite3_bind_int64(put, 2, (int64_t)s[i].rx_bytes);
		sqlite3_bind_int64(put, 3, (int64_t)s[i].tx_bytes);
		sqlite3_bind_int64(put, 4, now);
		if (sqlite3_step(put) != SQLITE_DONE)
			goto sqlerr;
		if (drx == 0 && dtx == 0)
			continue;
		for (l = 0; l < WARP_HISTORY_NLEVELS; l++) {
			sqlite3_reset(add);
			sqlite3_bind_int64(add, 1, s[i].endpoint_id);
			sqlite3_bind_int64(add, 2, s[i].network_id);
			sqlite3_bind_int64(add, 3, warp_history_levels[l].bucket);
			sqlite3_bind_int64(add, 4, now - now %
			    warp_history_levels[l].bucket);
			sqlite3_bind_int64(add, 5, (int64_t)drx);
			sqlite3_bind_int64(add, 6, (int64_t)dtx);
			if (sqlite3_step(add) != SQLITE_DONE)
				goto sqlerr;
		}
	}
	sqlite3_finalize(get);
	sqlite3_finalize(put);
	sqlite3_finalize(add);
	get = put = add = NULL;
	if (warp_history_prune(db, now, err) == -1)
		goto fail;
	return (warp_db_commit(db, err));
sqlerr:
	warp_db_sqlerr(db, err, "recording traffic history");
fail:
	if (get != NULL)
		sqlite3_finalize(get);
	if (put != NULL)
		sqlite3_finalize(put);
	if (add != NULL)
		sqlite3_finalize(add);
	warp_db_rollback(db);
	return (-1);
}

/* "30m", "24h", "7d", "400d" before now, or YYYY-MM-DDTHH:MM:SSZ. */
int
warp_since_parse(const char *s, int64_t now, int64_t *since,
    struct warp_err *err)
{
	char		*end;
	long long	 v;
	int64_t		 unit;

	if (s == NULL || *s == '\0')
		return (warp_err_input(err, "no time given (e.g. 24h, 7d or "
		    "2026-01-31T00:00:00Z)"));
	if (s[0] >= '1' && s[0] <= '9' && strlen(s) <= 8) {
		v = strtoll(s, &end, 10);
		unit = *end == 'm' ? 60 : *end == 'h' ? 3600 : *end == 'd' ?
		    86400 : 0;
		if (unit == 0 || end[1] != '\0' || v * unit > 400LL * 86400)
			return (warp_err_input(err, "--since '%.32s': give "
			    "minutes, hours or days up to 400d (30m, 24h, 7d) "
			    "or a time YYYY-MM-DDTHH:MM:SSZ", s));
		*since = now - v * unit;
		return (0);
	}
	if (warp_time_parse(s, since, err) == -1)
		return (-1);
	if (*since > now)
		return (warp_err_input(err, "--since is in the future"));
	return (0);
}

/* Bounded retention: each level keeps its own span. */
int
warp_history_prune(struct warp_db *db, int64_t now, struct warp_err *err)
{
	sqlite3_stmt	*st;
	size_t		 l;
	int		 rc;

	if (warp_db_prepare(db, &st, "DELETE FROM traffic_samples WHERE "
	    "bucket = ? AND at < ?", err) == -1)
		return (-1);
	for (l = 0; l < WARP_HISTORY_NLEVELS; l++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, warp_history_levels[l].bucket);
		sqlite3_bind_int64(st, 2, now - warp_history_levels[l].keep);
		if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return (warp_db_sqlerr(db, err, "pruning history"));
		}
	}
	sqlite3_finalize(st);
	return (0);
}

/* The finest level that still holds all of [since, now]. */
int64_t
warp_history_bucket(int64_t since, int64_t now)
{
	size_t	l;

	for (l = 0; l < WARP_HISTORY_NLEVELS; l++)
		if (now - since <= warp_history_levels[l].keep)
			return (warp_history_levels[l].bucket);
	return (warp_history_levels[WARP_HISTORY_NLEVELS - 1].bucket);
}

/*
 * Points of one endpoint (endpoint_id > 0), one network (network_id > 0)
 * or everything (both 0) since a time, oldest first, summed per bucket.
 */
int
warp_history_get(struct warp_db *db, int64_t endpoint_id, int64_t network_id,
    int64_t since, int64_t now, struct warp_history *h, struct warp_err *err)
{
	sqlite3_stmt	*st;
	size_t		 cap = 0;
	char		 sql[256];
	int		 rc;

	memset(h, 0, sizeof(*h));
	h->bucket = warp_history_bucket(since, now);
	h->since = since;
	h->until = now;
	/* One statement per scope, so that each is a range of its own index
	 * (the primary key, traffic_samples_net, traffic_samples_at): an
	 * "?3 = 0 OR endpoint_id = ?3" would scan every sample kept. */
	(void)snprintf(sql, sizeof(sql), "SELECT at, sum(rx_bytes), "
	    "sum(tx_bytes) FROM traffic_samples WHERE %s AND bucket = ?1 AND "
	    "at >= ?2 - ?2 %% ?1 GROUP BY at ORDER BY at", endpoint_id != 0 ?
	    "endpoint_id = ?3" : network_id != 0 ? "network_id = ?4 AND "
	    "?3 = 0" : "?3 = 0 AND ?4 = 0");
	if (warp_db_prepare_cached(db, &st, sql, err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, h->bucket);
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_int64(st, 3, endpoint_id);
	sqlite3_bind_int64(st, 4, network_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (h->n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((h->points = reallocarray(h->points, cap,
			    sizeof(*h->points))) == NULL)
				warp_fatal("reallocarray");
		}
		h->points[h->n].at = sqlite3_column_int64(st, 0);
		h->points[h->n].rx_bytes = (uint64_t)sqlite3_column_int64(st, 1);
		h->points[h->n].tx_bytes = (uint64_t)sqlite3_column_int64(st, 2);
		h->rx_total += h->points[h->n].rx_bytes;
		h->tx_total += h->points[h->n].tx_bytes;
		h->n++;
	}
	warp_db_release(db, st);
	if (rc != SQLITE_DONE) {
		warp_history_free(h);
		return (warp_db_sqlerr(db, err, "reading traffic history"));
	}
	return (0);
}

void
warp_history_free(struct warp_history *h)
{
	free(h->points);
	h->points = NULL;
	h->n = 0;
}

void
warp_history_json(const struct warp_history *h, struct warp_buf *b)
{
	size_t	i;

	warp_buf_appendf(b, "\"bucket_seconds\":%lld,\"since\":%lld,"
	    "\"until\":%lld,\"rx_bytes\":%llu,\"tx_bytes\":%llu,\"points\":[",
	    (long long)h->bucket, (long long)h->since, (long long)h->until,
	    (unsigned long long)h->rx_total, (unsigned long long)h->tx_total);
	for (i = 0; i < h->n; i++)
		warp_buf_appendf(b, "%s{\"at\":%lld,\"rx_bytes\":%llu,"
		    "\"tx_bytes\":%llu}", i ? "," : "",
		    (long long)h->points[i].at,
		    (unsigned long long)h->points[i].rx_bytes,
		    (unsigned long long)h->points[i].tx_bytes);
	warp_buf_append(b, "]", 1);
}

/*
 * An SVG line chart of the history, rx and tx, one x step per bucket
 * from since to until (buckets without traffic are zero).  Made of
 * elements and presentation attributes only (no style attribute, no
 * script), so the page's CSP needs nothing more.  The text in it is
 * numbers and unit names only.
 */
/* "X.x" of a value in tenths (>= 0) into out (24 bytes), without printf. */
static size_t
warp_history_tenths(char *out, int64_t v)
{
	char	 buf[24], *p = buf + sizeof(buf);
	size_t	 n;

	if (v < 0)
		v = 0;
	*--p = (char)('0' + v % 10);
	*--p = '.';
	v /= 10;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	n = (size_t)(buf + sizeof(buf) - p);
	memcpy(out, p, n);
	return (n);
}

char *
warp_history_svg(const struct warp_history *h)
{
	struct warp_buf	 b;
	const int	 W = 600, H = 160, L = 56, R = 8, T = 10, B = 24;
	int64_t		 first, nb, k, i;
	uint64_t	 max = 1, v;
	size_t		 p;
	int64_t		 x, y;
	char		 lbl[WARP_SIZE_STRLEN], when[32], tmp[24], y0[8];
	char		*xs, *q;
	int		 s;
	struct tm	 tm;
	time_t		 tt;

	first = h->since - h->since % h->bucket;
	nb = (h->until - first) / h->bucket + 1;
	if (nb < 2)
		nb = 2;
	if (nb > 2000)
		nb = 2000;
	for (p = 0; p < h->n; p++) {
		if (h->points[p].rx_bytes > max)
			max = h->points[p].rx_bytes;
		if (h->points[p].tx_bytes > max)
			max = h->points[p].tx_bytes;
	}
	warp_buf_init(&b);
	warp_buf_appendf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
	    "role=\"img\" aria-label=\"traffic per %lld s\">", W, H, W, H,
	    (long long)h->bucket);
	warp_buf_appendf(&b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" "
	    "height=\"%d\" fill=\"none\" stroke=\"#c9d1d9\"/>", L, T,
	    W - L - R, H - T - B);
	warp_size_format(max, lbl, sizeof(lbl));
	warp_buf_appendf(&b, "<text x=\"%d\" y=\"%d\" font-size=\"10\" "
	    "text-anchor=\"end\" fill=\"#57606a\">%s</text>", L - 4, T + 8,
	    lbl);
	warp_buf_appendf(&b, "<text x=\"%d\" y=\"%d\" font-size=\"10\" "
	    "text-anchor=\"end\" fill=\"#57606a\">0</text>", L - 4, H - B);
	for (k = 0; k < 2; k++) {
		tt = (time_t)(k == 0 ? first : h->until);
		if (gmtime_r(&tt, &tm) == NULL ||
		    strftime(when, sizeof(when), h->bucket >= 86400 ?
		    "%Y-%m-%d" : "%m-%d %H:%M", &tm) == 0)
			(void)snprintf(when, sizeof(when), "?");
		warp_buf_appendf(&b, "<text x=\"%d\" y=\"%d\" font-size=\"10\" "
		    "text-anchor=\"%s\" fill=\"#57606a\">%s UTC</text>",
		    k == 0 ? L : W - R, H - 8, k == 0 ? "start" : "end", when);
	}
	/*
	 * The x of each point (the same for rx and tx) and the y of a zero,
	 * as text once: 8 bytes each, the length in the last.  In tenths,
	 * printed as integers: a day of minutes is 2,882 points, and %.1f
	 * of a double cost more than all the page's queries.
	 */
	xs = warp_xcalloc((size_t)nb, 8);
	for (i = 0; i < nb; i++) {
		x = L * 10 + ((W - L - R) * 10 * i * 2 + (nb - 1)) /
		    ((nb - 1) * 2);
		xs[i * 8 + 7] = (char)warp_history_tenths(tmp, x);
		memcpy(xs + i * 8, tmp, (size_t)xs[i * 8 + 7]);
	}
	y0[7] = (char)warp_history_tenths(tmp, (H - B) * 10);
	memcpy(y0, tmp, (size_t)y0[7]);
	for (s = 0; s < 2; s++) {
		warp_buf_appendf(&b, "<polyline fill=\"none\" stroke=\"%s\" "
		    "stroke-width=\"1.5\" class=\"%s\" points=\"",
		    s == 0 ? "#1f6feb" : "#d29922", s == 0 ? "rx" : "tx");
		p = 0;
		warp_buf_reserve(&b, (size_t)nb * 24);
		q = b.data + b.len;
		for (i = 0; i < nb; i++) {
			v = 0;
			while (p < h->n && h->points[p].at < first +
			    i * h->bucket)
				p++;
			if (p < h->n && h->points[p].at == first + i * h->bucket)
				v = s == 0 ? h->points[p].rx_bytes :
				    h->points[p].tx_bytes;
			if (i > 0)
				*q++ = ' ';
			memcpy(q, xs + i * 8, 8);
			q += xs[i * 8 + 7];
			*q++ = ',';
			if (v == 0) {
				memcpy(q, y0, 8);
				q += y0[7];
				continue;
			}
			y = (H - B) * 10 - (int64_t)(((double)(H - T - B) *
			    10 * (double)v / (double)max) + 0.5);
			q += warp_history_tenths(q, y);
		}
		b.len = (size_t)(q - b.data);
		b.data[b.len] = '\0';
		warp_buf_appendf(&b, "\"/>");
	}
	free(xs);
	warp_buf_appendf(&b, "<text x=\"%d\" y=\"%d\" font-size=\"10\" "
	    "fill=\"#1f6feb\">rx</text><text x=\"%d\" y=\"%d\" "
	    "font-size=\"10\" fill=\"#d29922\">tx</text></svg>", L + 6, T + 12,
	    L + 26, T + 12);
	return (warp_buf_release(&b));
}
