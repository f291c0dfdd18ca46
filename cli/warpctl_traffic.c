/*
 * warpctl commands: traffic control (issue #13).
 *
 *   set-rate EP [--down RATE] [--up RATE]
 *   set-quota EP BYTES|none [--period day|week|month|none]
 *   reset-usage EP
 *   traffic EP|NET [--since T] [--json]
 *
 * The network's default rates are create-network/edit-network
 * --default-down/--default-up (warpctl.c).  Changes take effect in the
 * kernel at the next apply.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "warpctl.h"

static int	cmd_set_rate(struct warpctl *, int, char **);
static int	cmd_set_quota(struct warpctl *, int, char **);
static int	cmd_reset_usage(struct warpctl *, int, char **);
static int	cmd_traffic(struct warpctl *, int, char **);

#define USAGE_SET_RATE	"set-rate EP [--down RATE] [--up RATE]   (RATE: " \
			"500kbit, 20mbit, 1gbit, none, default)"
#define USAGE_SET_QUOTA	"set-quota EP BYTES|none [--period " \
			"day|week|month|none]   (BYTES: 500M, 10G)"
#define USAGE_RESET	"reset-usage EP"
#define USAGE_TRAFFIC	"traffic EP|NET [--since 24h|7d|TIME] [--json]"

const struct warpctl_command warpctl_traffic_commands[] = {
	{ "set-rate", cmd_set_rate, USAGE_SET_RATE },
	{ "set-quota", cmd_set_quota, USAGE_SET_QUOTA },
	{ "reset-usage", cmd_reset_usage, USAGE_RESET },
	{ "traffic", cmd_traffic, USAGE_TRAFFIC },
	{ NULL, NULL, NULL }
};

/* getopt_long over argv[1..] with positionals collected in order. */
static int
warpctl_traffic_opts(int argc, char **argv, const struct option *opts,
    char **pos, int maxpos, int *npos, int (*each)(int, const char *, void *),
    void *arg)
{
	int	c;

	*npos = 0;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "-", opts, NULL)) != -1) {
		if (c == 1) {
			if (*npos == maxpos)
				return (-1);
			pos[(*npos)++] = optarg;
			continue;
		}
		if (c == '?' || c == ':' || each(c, optarg, arg) == -1)
			return (-1);
	}
	return (0);
}

struct rate_args {
	const char	*down;
	const char	*up;
};

static int
rate_opt(int c, const char *v, void *arg)
{
	struct rate_args	*r = arg;

	if (c == 'd')
		r->down = v;
	else if (c == 'u')
		r->up = v;
	else
		return (-1);
	return (0);
}

static int
cmd_set_rate(struct warpctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "down", required_argument, NULL, 'd' },
		{ "up", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 }
	};
	struct rate_args	 r = { NULL, NULL };
	struct warp_err		 err;
	char			*pos[1];
	int			 npos;

	warp_err_clear(&err);
	if (warpctl_traffic_opts(argc, argv, opts, pos, 1, &npos, rate_opt,
	    &r) == -1 || npos != 1 || (r.down == NULL && r.up == NULL))
		return (warpctl_usage("set-rate", USAGE_SET_RATE));
	if (warpctl_db(ctl, &err) == NULL ||
	    warp_traffic_set_rate(ctl->db, pos[0], r.down, r.up, ctl->actor,
	    &err) == -1)
		return (warpctl_fail(&err));
	return (0);
}

static int
period_opt(int c, const char *v, void *arg)
{
	if (c != 'p')
		return (-1);
	*(const char **)arg = v;
	return (0);
}

static int
cmd_set_quota(struct warpctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "period", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	struct warp_err	 err;
	const char	*period = NULL;
	char		*pos[2];
	int		 npos;

	warp_err_clear(&err);
	if (warpctl_traffic_opts(argc, argv, opts, pos, 2, &npos, period_opt,
	    &period) == -1 || npos != 2)
		return (warpctl_usage("set-quota", USAGE_SET_QUOTA));
	if (warpctl_db(ctl, &err) == NULL ||
	    warp_traffic_set_quota(ctl->db, pos[0], pos[1], period, ctl->actor,
	    &err) == -1)
		return (warpctl_fail(&err));
	return (0);
}

static int
cmd_reset_usage(struct warpctl *ctl, int argc, char **argv)
{
	struct warp_err	err;

	warp_err_clear(&err);
	if (argc != 2 || argv[1][0] == '-')
		return (warpctl_usage("reset-usage", USAGE_RESET));
	if (warpctl_db(ctl, &err) == NULL ||
	    warp_traffic_reset_usage(ctl->db, argv[1], ctl->actor, &err) == -1)
		return (warpctl_fail(&err));
	return (0);
}

struct traffic_args {
	int		 json;
	const char	*since;
};

static int
traffic_opt(int c, const char *v, void *arg)
{
	struct traffic_args	*t = arg;

	if (c == 'j')
		t->json = 1;
	else if (c == 's')
		t->since = v;
	else
		return (-1);
	return (0);
}

/* The history part of `traffic`: JSON member or text lines. */
static int
warpctl_history(struct warpctl *ctl, int64_t ep, int64_t net, int64_t since,
    int json, struct warp_buf *b, struct warp_err *err)
{
	struct warp_history	h;
	struct tm		tm;
	time_t			tt;
	char			when[32], rx[WARP_SIZE_STRLEN];
	char			tx[WARP_SIZE_STRLEN];
	size_t			i;

	if (warp_history_get(ctl->db, ep, net, since, time(NULL), &h,
	    err) == -1)
		return (-1);
	if (json) {
		warp_buf_appendf(b, ",\"history\":{");
		warp_history_json(&h, b);
		warp_buf_appendf(b, "}");
	} else {
		warp_size_format(h.rx_total, rx, sizeof(rx));
		warp_size_format(h.tx_total, tx, sizeof(tx));
		warp_time_format(since, when, sizeof(when));
		warp_buf_appendf(b, "history since %s, per %llds: rx %s, "
		    "tx %s\n", when, (long long)h.bucket,
		    h.rx_total ? rx : "0", h.tx_total ? tx : "0");
		for (i = 0; i < h.n; i++) {
			tt = (time_t)h.points[i].at;
			if (gmtime_r(&tt, &tm) == NULL ||
			    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ",
			    &tm) == 0)
				continue;
			warp_buf_appendf(b, "  %s  rx %12llu  tx %12llu\n",
			    when, (unsigned long long)h.points[i].rx_bytes,
			    (unsigned long long)h.points[i].tx_bytes);
		}
	}
	warp_history_free(&h);
	return (0);
}

static void
warpctl_traffic_text(const char *name, const struct warp_traffic *t)
{
	char	down[WARP_RATE_STRLEN], up[WARP_RATE_STRLEN];
	char	quota[WARP_SIZE_STRLEN], used[WARP_SIZE_STRLEN];

	warp_rate_format(t->down_bps, down, sizeof(down));
	warp_rate_format(t->up_bps, up, sizeof(up));
	warp_size_format(t->quota_bytes, quota, sizeof(quota));
	warp_size_format(t->used_bytes, used, sizeof(used));
	printf("%-24s down %s%s, up %s%s", name, down,
	    t->down_inherited ? " (network default)" : "", up,
	    t->up_inherited ? " (network default)" : "");
	if (t->quota_bytes > 0)
		printf(", quota %s per %s, used %s (%llu bytes)%s", quota,
		    t->period == WARP_PERIOD_NONE ? "ever" :
		    warp_period_name(t->period), t->used_bytes ? used : "0",
		    (unsigned long long)t->used_bytes,
		    t->exceeded ? ", quota-exceeded" : "");
	printf("\n");
}

static int
cmd_traffic(struct warpctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "since", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	struct traffic_args	 ta = { 0, NULL };
	struct warp_err		 err;
	struct warp_endpoint	 e, *eps = NULL;
	struct warp_network	 n;
	struct warp_traffic	 t;
	struct warp_buf		 b;
	uint64_t		 ddown, dup;
	char			*pos[1], down[WARP_RATE_STRLEN];
	char			 up[WARP_RATE_STRLEN], name[80];
	size_t			 neps = 0, i;
	int64_t			 since;
	int			 npos, json;

	warp_err_clear(&err);
	if (warpctl_traffic_opts(argc, argv, opts, pos, 1, &npos, traffic_opt,
	    &ta) == -1 || npos != 1)
		return (warpctl_usage("traffic", USAGE_TRAFFIC));
	json = ta.json;
	if (warp_since_parse(ta.since ? ta.since : "24h", time(NULL), &since,
	    &err) == -1)
		return (warpctl_fail(&err));
	if (warpctl_db(ctl, &err) == NULL)
		return (warpctl_fail(&err));
	warp_buf_init(&b);
	if (strchr(pos[0], '/') != NULL ||
	    warp_network_get(ctl->db, pos[0], &n, &err) == -1) {
		if (warp_endpoint_get(ctl->db, pos[0], &e, &err) == -1 ||
		    warp_traffic_get(ctl->db, e.id, &t, &err) == -1)
			return (warpctl_fail(&err));
		if (json) {
			warp_buf_appendf(&b, "{\"endpoint\":%lld,\"name\":",
			    (long long)e.id);
			warp_buf_json_string(&b, e.name);
			warp_buf_appendf(&b, ",\"network\":");
			warp_buf_json_string(&b, e.network_name);
			warp_buf_appendf(&b, ",\"status\":\"%s\",",
			    warp_endpoint_status(&e, time(NULL)));
			warp_traffic_json(&t, &b);
			if (warpctl_history(ctl, e.id, 0, since, 1, &b,
			    &err) == -1)
				goto fail;
			warp_buf_appendf(&b, "}\n");
		} else {
			(void)snprintf(name, sizeof(name), "%s/%s",
			    e.network_name, e.name);
			warpctl_traffic_text(name, &t);
			if (warpctl_history(ctl, e.id, 0, since, 0, &b,
			    &err) == -1)
				goto fail;
		}
		goto print;
	}
	if (warp_traffic_defaults(ctl->db, n.id, &ddown, &dup, &err) == -1 ||
	    warp_endpoint_list(ctl->db, n.id, &eps, &neps, &err) == -1)
		return (warpctl_fail(&err));
	warp_rate_format(ddown, down, sizeof(down));
	warp_rate_format(dup, up, sizeof(up));
	if (json) {
		warp_buf_appendf(&b, "{\"network\":%lld,\"name\":",
		    (long long)n.id);
		warp_buf_json_string(&b, n.name);
		warp_buf_appendf(&b, ",\"default_down\":\"%s\","
		    "\"default_down_bps\":%llu,\"default_up\":\"%s\","
		    "\"default_up_bps\":%llu,\"endpoints\":[", down,
		    (unsigned long long)ddown, up, (unsigned long long)dup);
	} else
		printf("network %s: default down %s, up %s\n", n.name, down, up);
	for (i = 0; i < neps; i++) {
		if (warp_traffic_get(ctl->db, eps[i].id, &t, &err) == -1) {
			warp_endpoint_list_free(eps);
			warp_buf_free(&b);
			return (warpctl_fail(&err));
		}
		if (json) {
			warp_buf_appendf(&b, "%s{\"endpoint\":%lld,\"name\":",
			    i ? "," : "", (long long)eps[i].id);
			warp_buf_json_string(&b, eps[i].name);
			warp_buf_appendf(&b, ",\"status\":\"%s\",",
			    warp_endpoint_status(&eps[i], time(NULL)));
			warp_traffic_json(&t, &b);
			warp_buf_appendf(&b, "}");
		} else {
			(void)snprintf(name, sizeof(name), "  %s",
			    eps[i].name);
			warpctl_traffic_text(name, &t);
		}
	}
	if (json)
		warp_buf_appendf(&b, "]");
	warp_endpoint_list_free(eps);
	if (warpctl_history(ctl, 0, n.id, since, json, &b, &err) == -1)
		goto fail;
	if (json)
		warp_buf_appendf(&b, "}\n");
print:
	if (b.len > 0)
		fwrite(b.data, 1, b.len, stdout);
	warp_buf_free(&b);
	return (0);
fail:
	warp_buf_free(&b);
	return (warpctl_fail(&err));
}

/*
 * config set metrics off|token|loopback, config set metrics-token
 * VALUE|generate|none: a generated token is printed once; the audit log
 * names the setting, never the token.
 */
int
warpctl_metrics_config(struct warpctl *ctl, const char *key,
    const char *value)
{
	struct warp_err	err;
	char		shown[160];

	warp_err_clear(&err);
	if (warpctl_db(ctl, &err) == NULL ||
	    warp_metrics_config_set(ctl->db, key, value, shown, sizeof(shown),
	    &err) == -1 ||
	    warp_audit(ctl->db, ctl->actor, "server.config", "server", key,
	    &err) == -1)
		return (warpctl_fail(&err));
	if (shown[0] != '\0')
		printf("%s\n", shown);
	explicit_bzero(shown, sizeof(shown));
	return (0);
}
