/*
 * Traffic control in the model: rate and size parsing, period turns (month
 * ends, leap days, UTC whatever TZ says), rates inherited from the
 * network, quotas, usage that never goes backwards, audit rows, bad input
 * that changes nothing; the history's roll-up, retention and chart.
 */
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "testdb.h"
#include "warp.h"
#include "warp_traffic.h"

static int64_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm	tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return ((int64_t)timegm(&tm));
}

static void
test_rate(void)
{
	static const struct {
		const char	*in;
		uint64_t	 bps;
		const char	*out;
	} good[] = {
		{ "500kbit", 500000, "500kbit" },
		{ "20mbit", 20000000, "20mbit" },
		{ "1gbit", 1000000000, "1gbit" },
		{ "1.5mbit", 1500000, "1500kbit" },
		{ "2Mbit", 2000000, "2mbit" },
		{ "8kbit", 8000, "8kbit" },
		{ "100gbit", 100000000000ULL, "100gbit" },
		{ "none", 0, "none" },
		{ "8000bit", 8000, "8kbit" },
		{ "0.1tbit", 100000000000ULL, "100gbit" },
	};
	static const char *bad[] = { "", "2", "2mb", "2 mbit", " 2mbit",
	    "-2mbit", "2.mbit", ".5mbit", "1.2345mbit", "7kbit", "101gbit",
	    "99999999999999999999mbit", "02mbit", "mbit", "2mbit ", "1e3kbit",
	    "default", "0mbit", "1tbit", NULL };
	struct warp_err	err;
	uint64_t	v;
	int		inh, i;
	char		buf[WARP_RATE_STRLEN];

	for (i = 0; i < (int)(sizeof(good) / sizeof(good[0])); i++) {
		CHECK(warp_rate_parse(good[i].in, &v, NULL, &err) == 0 &&
		    v == good[i].bps, "rate: '%s' is %llu bit/s", good[i].in,
		    (unsigned long long)good[i].bps);
		warp_rate_format(good[i].bps, buf, sizeof(buf));
		CHECK_STR(buf, good[i].out, "rate: %llu formats as %s",
		    (unsigned long long)good[i].bps, good[i].out);
	}
	for (i = 0; bad[i] != NULL; i++)
		CHECK(warp_rate_parse(bad[i], &v, NULL, &err) == -1 &&
		    err.kind == WARP_EINPUT && err.msg[0] != '\0',
		    "rate: '%s' refused (%s)", bad[i], err.msg);
	CHECK(warp_rate_parse("default", &v, &inh, &err) == 0 && inh == 1,
	    "rate: 'default' means inherit where allowed");
	CHECK(warp_rate_parse(NULL, &v, NULL, &err) == -1, "rate: NULL "
	    "refused");
}

static void
test_size(void)
{
	static const struct {
		const char	*in;
		uint64_t	 bytes;
	} good[] = {
		{ "500M", 500ULL << 20 }, { "10G", 10ULL << 30 },
		{ "1.5GiB", 3ULL << 29 }, { "750MB", 750000000ULL },
		{ "123456", 123456 }, { "4K", 4096 }, { "2T", 2ULL << 40 },
		{ "1024T", 1ULL << 50 }, { "1B", 1 }, { "none", 0 },
	};
	static const char *bad[] = { "", "0", "-1M", "1.5", "10g", "1X",
	    "1025T", "1.0001G", "M", "5 M", "1e6", "01M", "99999999999999G",
	    NULL };
	struct warp_err	err;
	uint64_t	v;
	int		i;
	char		buf[WARP_SIZE_STRLEN];

	for (i = 0; i < (int)(sizeof(good) / sizeof(good[0])); i++)
		CHECK(warp_size_parse(good[i].in, &v, &err) == 0 &&
		    v == good[i].bytes, "size: '%s' is %llu bytes", good[i].in,
		    (unsigned long long)good[i].bytes);
	for (i = 0; bad[i] != NULL; i++)
		CHECK(warp_size_parse(bad[i], &v, &err) == -1 &&
		    err.kind == WARP_EINPUT, "size: '%s' refused (%s)", bad[i],
		    err.msg);
	warp_size_format(500ULL << 20, buf, sizeof(buf));
	CHECK_STR(buf, "500M", "size: 500 MiB formats as 500M");
	warp_size_format(0, buf, sizeof(buf));
	CHECK_STR(buf, "none", "size: 0 formats as none");
}

static void
test_periods(void)
{
	struct warp_err		err;
	enum warp_period	p;

	/* Whatever the local zone, periods are UTC. */
	setenv("TZ", "Pacific/Kiritimati", 1);
	tzset();
	CHECK(warp_period_next(WARP_PERIOD_MONTH, utc(2024, 1, 31, 23, 59,
	    59)) == utc(2024, 2, 1, 0, 0, 0), "month: Jan 31 turns on Feb 1");
	CHECK(warp_period_next(WARP_PERIOD_MONTH, utc(2024, 2, 29, 12, 0,
	    0)) == utc(2024, 3, 1, 0, 0, 0), "month: leap Feb 29 turns on "
	    "Mar 1");
	CHECK(warp_period_next(WARP_PERIOD_MONTH, utc(2023, 2, 28, 0, 0,
	    0)) == utc(2023, 3, 1, 0, 0, 0), "month: Feb 28 of a common year "
	    "turns on Mar 1");
	CHECK(warp_period_next(WARP_PERIOD_MONTH, utc(2023, 12, 31, 23, 59,
	    59)) == utc(2024, 1, 1, 0, 0, 0), "month: December turns into "
	    "the next year");
	CHECK(warp_period_start(WARP_PERIOD_MONTH, utc(2024, 3, 1, 0, 0,
	    0)) == utc(2024, 3, 1, 0, 0, 0), "month: the turn itself starts "
	    "the new period");
	CHECK(warp_period_start(WARP_PERIOD_MONTH, utc(2024, 2, 29, 23, 59,
	    59)) == utc(2024, 2, 1, 0, 0, 0), "month: Feb 29 belongs to "
	    "February");
	CHECK(warp_period_next(WARP_PERIOD_DAY, utc(2024, 2, 28, 23, 0,
	    0)) == utc(2024, 2, 29, 0, 0, 0), "day: Feb 28 turns into the "
	    "leap day");
	CHECK(warp_period_next(WARP_PERIOD_DAY, utc(2024, 2, 29, 0, 0,
	    0)) == utc(2024, 3, 1, 0, 0, 0), "day: the leap day turns into "
	    "Mar 1");
	CHECK(warp_period_start(WARP_PERIOD_WEEK, utc(2024, 2, 29, 15, 0,
	    0)) == utc(2024, 2, 26, 0, 0, 0), "week: Thursday Feb 29 is in "
	    "the week of Monday Feb 26");
	CHECK(warp_period_next(WARP_PERIOD_WEEK, utc(2024, 2, 29, 15, 0,
	    0)) == utc(2024, 3, 4, 0, 0, 0), "week: it turns on Monday Mar 4");
	CHECK(warp_period_start(WARP_PERIOD_WEEK, utc(2024, 3, 3, 23, 59,
	    59)) == utc(2024, 2, 26, 0, 0, 0), "week: Sunday is the week's "
	    "last day");
	CHECK(warp_period_start(WARP_PERIOD_WEEK, utc(1970, 1, 1, 0, 0,
	    0)) == utc(1969, 12, 29, 0, 0, 0), "week: the epoch's week began "
	    "on Monday Dec 29, 1969");
	CHECK(warp_period_next(WARP_PERIOD_NONE, utc(2024, 1, 1, 0, 0, 0)) ==
	    0, "none: never turns");
	CHECK(warp_period_parse("month", &p, &err) == 0 &&
	    p == WARP_PERIOD_MONTH, "period: month parses");
	CHECK(warp_period_parse("year", &p, &err) == -1 &&
	    err.kind == WARP_EINPUT, "period: year refused");
	unsetenv("TZ");
	tzset();
}

static void
test_db(void)
{
	struct warp_db			*db = testdb_open();
	struct warp_network_spec	 ns;
	struct warp_endpoint_spec	 es;
	struct warp_endpoint		 e;
	struct warp_traffic		 t, *v;
	struct warp_usage_sample	 s;
	struct warp_err			 err;
	int64_t				 net, a, b, c;
	const struct warp_traffic	*ct;
	size_t				 n;
	char				 fp1[65], fp2[65];
	sqlite3_stmt			*st;
	int				 audits = 0;

	warp_network_spec_init(&ns);
	ns.name = "office";
	ns.type = WARP_NET_SECURE_INTERNET;
	warp_endpoint_spec_init(&es);
	es.kind = WARP_EP_MOBILE;
	CHECK(warp_network_create(db, &ns, &net, &err) == 0, "db: network");
	es.name = "a";
	CHECK(warp_endpoint_create(db, "office", &es, "t", &a, &err) == 0,
	    "db: endpoint a");
	es.name = "b";
	CHECK(warp_endpoint_create(db, "office", &es, "t", &b, &err) == 0,
	    "db: endpoint b");

	CHECK(warp_traffic_list(db, 0, &v, &n, &err) == 0 && n == 0,
	    "db: nothing limited at first");
	warp_traffic_list_free(v);
	CHECK(warp_traffic_set_defaults(db, net, "10mbit", "2mbit", "t",
	    &err) == 0, "db: network defaults 10mbit/2mbit");
	CHECK(warp_traffic_set_rate(db, "office/a", "2mbit", NULL, "t",
	    &err) == 0, "db: a gets 2mbit down");
	CHECK(warp_traffic_get(db, a, &t, &err) == 0 &&
	    t.down_bps == 2000000 && !t.down_inherited && t.up_bps == 2000000 &&
	    t.up_inherited, "db: a: own down, inherited up");
	CHECK(warp_traffic_get(db, b, &t, &err) == 0 &&
	    t.down_bps == 10000000 && t.down_inherited, "db: b inherits "
	    "10mbit down");
	CHECK(warp_traffic_set_rate(db, "office/b", "none", NULL, "t",
	    &err) == 0 && warp_traffic_get(db, b, &t, &err) == 0 &&
	    t.down_bps == 0 && !t.down_inherited, "db: b: none overrides the "
	    "default");
	CHECK(warp_traffic_set_rate(db, "office/b", "default", NULL, "t",
	    &err) == 0 && warp_traffic_get(db, b, &t, &err) == 0 &&
	    t.down_bps == 10000000 && t.down_inherited, "db: b: default "
	    "inherits again");
	CHECK(warp_traffic_list(db, net, &v, &n, &err) == 0 && n == 2 &&
	    warp_traffic_find(v, n, b) != NULL, "db: both listed for the "
	    "kernel");
	warp_traffic_list_free(v);
	/* One without a row of its own: the network's defaults list it. */
	es.name = "c";
	CHECK(warp_endpoint_create(db, "office", &es, "t", &c, &err) == 0,
	    "db: endpoint c, no limits of its own");
	ct = NULL;
	CHECK(warp_traffic_list(db, 0, &v, &n, &err) == 0 && n == 3 &&
	    v[0].endpoint_id < v[1].endpoint_id &&
	    v[1].endpoint_id < v[2].endpoint_id &&
	    (ct = warp_traffic_find(v, n, c)) != NULL &&
	    ct->down_bps == 10000000 && ct->down_inherited &&
	    ct->up_bps == 2000000, "db: the kernel's list: a, b and c (the "
	    "network's 10mbit/2mbit), by id");
	warp_traffic_list_free(v);

	/* Bad input changes nothing. */
	testdb_fingerprint(db, fp1);
	CHECK(warp_traffic_set_rate(db, "office/a", "2mbit", "7bit", "t",
	    &err) == -1 && err.kind == WARP_EINPUT, "db: a bad up rate is "
	    "refused (%s)", err.msg);
	CHECK(warp_traffic_set_rate(db, "office/nobody", "2mbit", NULL, "t",
	    &err) == -1 && err.kind == WARP_ENOTFOUND, "db: a rate for an "
	    "unknown endpoint is refused");
	CHECK(warp_traffic_set_quota(db, "office/nobody", "5M", NULL, "t",
	    &err) == -1 && err.kind == WARP_ENOTFOUND, "db: a quota on an "
	    "unknown endpoint is refused");
	CHECK(warp_traffic_set_quota(db, "office/a", "5Q", NULL, "t",
	    &err) == -1 && err.kind == WARP_EINPUT, "db: a bad size is "
	    "refused");
	CHECK(warp_traffic_set_quota(db, "office/a", "5M", "fortnight", "t",
	    &err) == -1 && err.kind == WARP_EINPUT, "db: a bad period is "
	    "refused");
	CHECK(warp_traffic_set_defaults(db, net, "fast", NULL, "t",
	    &err) == -1, "db: a bad default is refused");
	CHECK(warp_traffic_set_defaults(db, net, "default", NULL, "t",
	    &err) == -1, "db: a network default cannot inherit");
	testdb_fingerprint(db, fp2);
	CHECK_STR(fp2, fp1, "db: refused changes left every row as it was");

	/* Quota, usage, status. */
	CHECK(warp_traffic_set_quota(db, "office/a", "1M", "month", "t",
	    &err) == 0, "db: a gets 1M a month");
	CHECK(warp_traffic_get(db, a, &t, &err) == 0 &&
	    t.quota_bytes == 1048576 && t.period == WARP_PERIOD_MONTH &&
	    t.period_start == warp_period_start(WARP_PERIOD_MONTH,
	    time(NULL)), "db: the period starts at this month's turn");
	s.endpoint_id = a;
	s.gen = t.quota_gen;
	s.consumed = 500000;
	CHECK(warp_traffic_store_usage(db, &s, 1, &err) == 0 &&
	    warp_traffic_get(db, a, &t, &err) == 0 && t.used_bytes == 500000,
	    "db: a sample is stored");
	s.consumed = 1000;
	CHECK(warp_traffic_store_usage(db, &s, 1, &err) == 0 &&
	    warp_traffic_get(db, a, &t, &err) == 0 && t.used_bytes == 500000,
	    "db: a lower reading (a counter reset) never lowers usage");
	s.gen = t.quota_gen - 1;
	s.consumed = 900000;
	CHECK(warp_traffic_store_usage(db, &s, 1, &err) == 0 &&
	    warp_traffic_get(db, a, &t, &err) == 0 && t.used_bytes == 500000,
	    "db: a reading of an older generation is ignored");
	s.gen = t.quota_gen;
	s.consumed = 5000000;
	CHECK(warp_traffic_store_usage(db, &s, 1, &err) == 0 &&
	    warp_traffic_get(db, a, &t, &err) == 0 &&
	    t.used_bytes == 1048576 && t.exceeded, "db: usage is capped at "
	    "the quota and the quota is exceeded");
	CHECK(warp_endpoint_get_id(db, a, &e, &err) == 0 &&
	    strcmp(warp_endpoint_status(&e, time(NULL)),
	    "quota-exceeded") == 0, "db: the endpoint's status is "
	    "quota-exceeded");
	CHECK(warp_traffic_turn(db, time(NULL), &err) == 0 &&
	    warp_traffic_get(db, a, &t, &err) == 0 && t.exceeded,
	    "db: no turn inside the period");
	CHECK(warp_traffic_turn(db, warp_period_next(WARP_PERIOD_MONTH,
	    time(NULL)), &err) == 0 && warp_traffic_get(db, a, &t, &err) == 0 &&
	    t.used_bytes == 0 && !t.exceeded && t.quota_gen == s.gen + 1 &&
	    t.period_start == warp_period_next(WARP_PERIOD_MONTH, time(NULL)),
	    "db: at the month's turn usage starts again at 0, new generation");
	s.gen = t.quota_gen;
	CHECK(warp_traffic_store_usage(db, &s, 1, &err) == 0 &&
	    warp_traffic_reset_usage(db, "office/a", "t", &err) == 0 &&
	    warp_traffic_get(db, a, &t, &err) == 0 && t.used_bytes == 0 &&
	    t.quota_gen == s.gen + 1, "db: reset-usage clears usage, new "
	    "generation");
	CHECK(warp_traffic_set_quota(db, "office/a", "none", NULL, "t",
	    &err) == 0 && warp_traffic_get(db, a, &t, &err) == 0 &&
	    t.quota_bytes == 0 && t.period == WARP_PERIOD_NONE,
	    "db: quota none removes it");

	if (sqlite3_prepare_v2(db->sql, "SELECT count(*) FROM audit_log WHERE "
	    "action IN ('endpoint.rate', 'endpoint.quota', "
	    "'endpoint.reset-usage', 'network.rate') AND detail != '' OR "
	    "action = 'endpoint.reset-usage'", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		audits = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	CHECK(audits == 7, "db: every limit and quota change is audited "
	    "(%d rows)", audits);
	testdb_close(db);
}

static void
test_history(void)
{
	struct warp_db			*db = testdb_open();
	struct warp_network_spec	 ns;
	struct warp_endpoint_spec	 es;
	struct warp_counter_sample	 c;
	struct warp_history		 h;
	struct warp_err			 err;
	int64_t				 net, a, t0, since;
	char				*svg;
	int				 ok;

	warp_network_spec_init(&ns);
	ns.name = "hist";
	ns.type = WARP_NET_SECURE_INTERNET;
	warp_endpoint_spec_init(&es);
	es.kind = WARP_EP_MOBILE;
	es.name = "a";
	CHECK(warp_network_create(db, &ns, &net, &err) == 0 &&
	    warp_endpoint_create(db, "hist", &es, "t", &a, &err) == 0,
	    "history: a network and an endpoint");
	t0 = utc(2024, 2, 29, 23, 0, 0);	/* an hour before a month end */
	c.endpoint_id = a;
	c.network_id = net;
	c.rx_bytes = 1000000;
	c.tx_bytes = 500;
	CHECK(warp_history_record(db, &c, 1, t0, &err) == 0 &&
	    warp_history_get(db, a, 0, t0 - 3600, t0, &h, &err) == 0 &&
	    h.n == 0, "history: the first reading is a baseline, not traffic");
	warp_history_free(&h);
	/* 60 minutes of 1000 rx / 10 tx a minute. */
	ok = 1;
	for (int i = 1; i <= 60; i++) {
		c.rx_bytes += 1000;
		c.tx_bytes += 10;
		ok &= warp_history_record(db, &c, 1, t0 + i * 60, &err) == 0;
	}
	CHECK(ok, "history: an hour of samples recorded");
	CHECK(warp_history_get(db, a, 0, t0, t0 + 3600, &h, &err) == 0 &&
	    h.bucket == 60 && h.n == 60 && h.rx_total == 60000 &&
	    h.tx_total == 600 && h.points[0].rx_bytes == 1000,
	    "history: minute points for the last hour (%zu points)", h.n);
	warp_history_free(&h);
	CHECK(warp_history_get(db, 0, net, t0 + 3600 - 2 * 86400, t0 + 3600,
	    &h, &err) == 0 && h.bucket == 3600 && h.n == 2 &&
	    h.points[0].at == t0 && h.points[0].rx_bytes == 59000 &&
	    h.points[1].at == utc(2024, 3, 1, 0, 0, 0) &&
	    h.points[1].rx_bytes == 1000 && h.rx_total == 60000,
	    "history: rolled up into hours, split at the month's turn (UTC)");
	warp_history_free(&h);
	CHECK(warp_history_get(db, 0, 0, t0 + 3600 - 60 * 86400, t0 + 3600,
	    &h, &err) == 0 && h.bucket == 86400 && h.n == 2 &&
	    h.points[0].at == utc(2024, 2, 29, 0, 0, 0) &&
	    h.points[0].tx_bytes == 590 && h.points[1].tx_bytes == 10,
	    "history: and into days (the leap day and March 1)");
	warp_history_free(&h);
	/* A counter that went backwards was reset: all of it is new. */
	c.rx_bytes = 300;
	c.tx_bytes = 0;
	CHECK(warp_history_record(db, &c, 1, t0 + 3660, &err) == 0 &&
	    warp_history_get(db, a, 0, t0 + 3660, t0 + 3660, &h, &err) == 0 &&
	    h.n == 1 && h.rx_total == 300, "history: a counter reset counts "
	    "the new value, loses nothing");
	warp_history_free(&h);
	/* Retention: a day of minutes, 31 days of hours. */
	CHECK(warp_history_prune(db, t0 + 2 * 86400, &err) == 0 &&
	    warp_history_get(db, a, 0, t0 - 60, t0 + 2 * 86400 - 86400 + 1,
	    &h, &err) == 0, "history: prune after two days");
	warp_history_free(&h);
	CHECK(warp_history_get(db, a, 0, t0, t0 + 86400, &h, &err) == 0 &&
	    h.bucket == 60 && h.n == 0 && warp_history_prune(db, t0 +
	    2 * 86400, &err) == 0, "history: minute points older than a day "
	    "are gone");
	warp_history_free(&h);
	CHECK(warp_history_get(db, a, 0, t0, t0 + 30 * 86400, &h, &err) == 0 &&
	    h.bucket == 3600 && h.rx_total == 60300, "history: the hours are "
	    "kept");
	svg = warp_history_svg(&h);
	CHECK(svg != NULL && strncmp(svg, "<svg ", 5) == 0 &&
	    strstr(svg, "</svg>") != NULL && strstr(svg, "<polyline") != NULL &&
	    strstr(svg, "style=") == NULL && strstr(svg, "<script") == NULL &&
	    strstr(svg, " on") == NULL, "history: the SVG chart has lines, "
	    "no style attribute, no script");
	free(svg);
	warp_history_free(&h);
	CHECK(warp_history_prune(db, t0 + 40 * 86400, &err) == 0 &&
	    warp_history_get(db, a, 0, t0, t0 + 40 * 86400, &h, &err) == 0 &&
	    h.bucket == 86400 && h.rx_total == 60300, "history: after 40 days "
	    "only the days are left, with every byte");
	warp_history_free(&h);
	CHECK(warp_since_parse("24h", 100000, &since, &err) == 0 &&
	    since == 100000 - 86400 && warp_since_parse("7d", 1000000, &since,
	    &err) == 0 && since == 1000000 - 7 * 86400 &&
	    warp_since_parse("2024-02-29T00:00:00Z", t0, &since, &err) == 0 &&
	    since == utc(2024, 2, 29, 0, 0, 0), "since: 24h, 7d, a time");
	CHECK(warp_since_parse("0h", t0, &since, &err) == -1 &&
	    warp_since_parse("401d", t0, &since, &err) == -1 &&
	    warp_since_parse("5y", t0, &since, &err) == -1 &&
	    warp_since_parse("2099-01-01T00:00:00Z", t0, &since, &err) == -1 &&
	    warp_since_parse("", t0, &since, &err) == -1, "since: bad input "
	    "refused");
	testdb_close(db);
}

int
main(void)
{
	test_rate();
	test_size();
	test_periods();
	test_db();
	test_history();
	return (check_done());
}
