/*
 * warpd: dashboard and network pages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "warp.h"
#include "warp_auth.h"
#include "warp_web.h"
#include "warp_traffic.h"
#include "warp_web_traffic.h"

int	warp_page_dashboard(struct http_request *);
int	warp_page_networks(struct http_request *);
int	warp_page_network_new(struct http_request *);
int	warp_page_network(struct http_request *);
int	warp_page_network_edit(struct http_request *);
int	warp_page_network_toggle(struct http_request *);
int	warp_page_network_delete(struct http_request *);
int	warp_page_apply(struct http_request *);

static const char *type_labels[WARP_NET_NTYPES] = {
	"Secure Internet", "Remote Resource Gateway", "L3VPN Gateway",
	"L2 Point-to-Point", "L2 Mesh"
};

void
warp_fmt_bytes(char *buf, size_t len, int64_t n)
{
	const char	*u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	char		 digits[WARP_FMT_INT_LEN];
	double		 v;
	int		 i;

	v = (double)n;
	for (i = 0; v >= 1024 && i < 4; i++)
		v /= 1024;
	if (i == 0)	/* most rows: no printf */
		warp_fmt_join(buf, len, warp_fmt_int(n, digits), " B", "");
	else
		(void)snprintf(buf, len, "%.1f %s", v, u[i]);
}

void
warp_fmt_ago(char *buf, size_t len, int64_t then, int64_t now)
{
	int64_t	d;

	if (then <= 0) {
		(void)warp_strlcpy(buf, "never", len);
		return;
	}
	d = now - then;
	if (d < 0)
		d = 0;
	if (d < 120)
		(void)snprintf(buf, len, "%llds ago", (long long)d);
	else if (d < 7200)
		(void)snprintf(buf, len, "%lldmin ago", (long long)d / 60);
	else if (d < 172800)
		(void)snprintf(buf, len, "%lldh ago", (long long)d / 3600);
	else
		(void)snprintf(buf, len, "%lld days ago", (long long)d / 86400);
}

const char *
warp_net_type_label(enum warp_net_type t)
{
	if ((int)t < 0 || t >= WARP_NET_NTYPES)
		return ("?");
	return (type_labels[t]);
}

/* Apply status of one object: "applied", "pending", "failed" or "-". */
void
warp_apply_state(struct warp_db *db, const char *type, int64_t id,
    char *state, size_t slen, char *error, size_t elen)
{
	struct warp_apply_status	a;

	warp_apply_status_get(db, type, id, &a);
	(void)snprintf(state, slen, "%s", a.status[0] ? a.status : "-");
	if (error != NULL)
		(void)snprintf(error, elen, "%s", a.error);
}

/* A tiny server-made bar picture of rx (up) and tx (down). */
static void
traffic_svg(struct warp_tpl *t, int64_t rx, int64_t tx, int64_t max)
{
	char	svg[512], a[WARP_FMT_INT_LEN], b[WARP_FMT_INT_LEN];
	char	head[320];
	int	wr, wt;

	if (max <= 0)
		max = 1;
	wr = (int)(rx * 200 / max);
	wt = (int)(tx * 200 / max);
	/* Pieces joined without printf: the dashboard draws 50. */
	warp_fmt_join(head, sizeof(head), "<svg xmlns=\"http://www.w3.org/"
	    "2000/svg\" width=\"204\" height=\"22\" role=\"img\" "
	    "aria-label=\"traffic\"><rect x=\"2\" y=\"2\" width=\"",
	    warp_fmt_int(wr > 0 ? wr : 1, a), "\" height=\"8\" "
	    "fill=\"#1f6feb\"/><rect x=\"2\" y=\"12\" width=\"");
	warp_fmt_join(svg, sizeof(svg), head, warp_fmt_int(wt > 0 ? wt : 1,
	    b), "\" height=\"8\" fill=\"#2da44e\"/></svg>");
	warp_tpl_html(t, "svg", svg);
}

int
warp_page_dashboard(struct http_request *req)
{
	struct warp_ctx			 ctx;
	struct warp_tpl			*row;
	struct warp_err			 err;
	struct warp_stats		 st;
	struct warp_apply_status	*probs;
	struct warp_net_traffic		*tr;
	struct warp_audit_filter	 af;
	struct warp_audit_entry		*au;
	char				 b1[32], b2[32], b3[32], at[32], lacks[256];
	char				 line[80];
	int64_t				 max, hidden;
	int				 banner;
	size_t				 i, n;

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_A_CACHE) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	warp_db_read_begin(ctx.db);	/* reads only, ended by _end */
	if (warp_stats_get(ctx.db, ctx.now, &st, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	warp_tpl_set_int(ctx.tpl, "net_total", st.networks);
	for (i = 0; i < WARP_NET_NTYPES; i++) {
		row = warp_tpl_push(ctx.tpl, "types");
		warp_tpl_set(row, "label", type_labels[i]);
		warp_tpl_set_int(row, "count", st.by_type[i]);
	}
	warp_tpl_set_int(ctx.tpl, "ep_total", st.endpoints);
	warp_tpl_set_int(ctx.tpl, "ep_online", st.online);
	warp_tpl_set_int(ctx.tpl, "ep_disabled", st.disabled);
	warp_tpl_set_int(ctx.tpl, "ep_expired", st.expired);
	warp_fmt_bytes(b1, sizeof(b1), st.rx_bytes + st.tx_bytes);
	warp_fmt_bytes(b2, sizeof(b2), st.rx_bytes);
	warp_fmt_bytes(b3, sizeof(b3), st.tx_bytes);
	warp_tpl_set(ctx.tpl, "traffic", b1);
	warp_tpl_set(ctx.tpl, "rx", b2);
	warp_tpl_set(ctx.tpl, "tx", b3);

	warp_tpl_set_int(ctx.tpl, "pending", st.pending);
	warp_tpl_set_int(ctx.tpl, "failed", st.failed);
	warp_tpl_set(ctx.tpl, "apply_state", st.failed ? "failed" :
	    st.pending ? "pending" : "applied");
	/* A kernel that cannot realise any network: one line, not a row
	 * per object. */
	banner = warp_kernel_lacks(ctx.db, lacks, sizeof(lacks), &err) == 1;
	hidden = 0;
	if (banner && warp_kernel_lacks_count(ctx.db, &hidden, &err) == 0) {
		warp_tpl_set(ctx.tpl, "kernel_lacks", lacks);
		warp_tpl_set_int(ctx.tpl, "kernel_hidden", hidden);
	}
	warp_tpl_set_int(ctx.tpl, "has_problems",
	    st.pending + st.failed - hidden);
	if (warp_apply_status_problems(ctx.db, 20, banner ?
	    WARP_KERNEL_LACKS : NULL, &probs, &n, &err) == 0) {
		for (i = 0; i < n; i++) {
			row = warp_tpl_push(ctx.tpl, "problems");
			warp_tpl_setf(row, "object", "%s #%lld",
			    probs[i].object_type, (long long)probs[i].object_id);
			warp_tpl_set(row, "status", probs[i].status);
			warp_tpl_set(row, "error", probs[i].error);
			warp_time_format(probs[i].updated_at, at, sizeof(at));
			warp_tpl_set(row, "at", at);
		}
		warp_apply_status_list_free(probs);
	}

	warp_tpl_list(ctx.tpl, "nets");
	if (warp_stats_traffic(ctx.db, 50, &tr, &n, &max, &err) == 0) {
		for (i = 0; i < n; i++) {
			row = warp_tpl_push(ctx.tpl, "nets");
			warp_tpl_set_int(row, "id", tr[i].id);
			warp_tpl_set(row, "name", tr[i].name);
			traffic_svg(row, tr[i].rx_bytes, tr[i].tx_bytes, max);
			warp_fmt_bytes(b2, sizeof(b2), tr[i].rx_bytes);
			warp_fmt_bytes(b3, sizeof(b3), tr[i].tx_bytes);
			warp_fmt_join(b1, sizeof(b1), "rx ", b2, " · tx ");
			warp_fmt_join(line, sizeof(line), b1, b3, "");
			warp_tpl_set(row, "bytes", line);
		}
		warp_stats_traffic_free(tr);
	}
	memset(&af, 0, sizeof(af));
	af.limit = 10;
	if (warp_audit_list(ctx.db, &af, &au, &n, &err) == 0) {
		for (i = 0; i < n; i++) {
			row = warp_tpl_push(ctx.tpl, "audit");
			warp_time_format(au[i].at, at, sizeof(at));
			warp_tpl_set(row, "at", at);
			warp_tpl_set(row, "actor", au[i].actor);
			warp_tpl_set(row, "action", au[i].action);
			warp_tpl_setf(row, "object", "%s %s", au[i].object_type,
			    au[i].object);
		}
		warp_audit_list_free(au);
	}
	warp_traffic_page_chart(&ctx, 0, 0);
	warp_http_page(&ctx, 200, "dashboard", "Dashboard");
	return (warp_http_end(&ctx));
}

/*
 * A network spec from a form (or JSON body).  *res holds the strings the
 * spec points into; free it after the create.  -1: answered.
 */
int
warp_web_network_spec(struct warp_ctx *ctx, struct warp_network_spec *spec,
    char **res)
{
	struct warp_err	 err;
	const char	*v, *key;

	*res = NULL;
	warp_err_clear(&err);
	warp_network_spec_init(spec);
	spec->actor = ctx->actor;
	spec->name = warp_form_get(&ctx->form, "name");
	if (warp_net_type_parse(warp_form_get(&ctx->form, "type"),
	    &spec->type, &err) == -1)
		return (warp_http_fail(ctx, &err));
	spec->description = warp_form_get(&ctx->form, "description");
	if (warp_form_int(ctx, "expected_users", 2, WARP_USERS_MAX,
	    &spec->expected_users) == -1 ||
	    warp_form_intv(ctx, "mtu", WARP_MTU_MIN, WARP_MTU_MAX, &spec->mtu,
	    0) == -1 ||
	    warp_form_intv(ctx, "keepalive", 0, WARP_KEEPALIVE_MAX,
	    &spec->keepalive, -1) == -1 ||
	    warp_form_intv(ctx, "listen_port", 1, WARP_PORT_MAX,
	    &spec->listen_port, 0) == -1)
		return (-1);
	spec->subnet = warp_form_str(ctx, "subnet");
	spec->vlan = warp_form_str(ctx, "vlan");
	spec->vlan_range = warp_form_str(ctx, "vlan_range");
	spec->vni = warp_form_str(ctx, "vni");
	spec->dns = warp_form_str(ctx, "dns");
	v = warp_form_get(&ctx->form, "peer_communication");
	spec->peer_communication = v != NULL && (!strcmp(v, "1") ||
	    !strcmp(v, "on"));
	/* The form's name, or the JSON contract's (the API). */
	key = warp_form_get(&ctx->form, "resources") != NULL ? "resources" :
	    "resource_subnets";
	return (warp_form_cidrs(ctx, key, "resource subnets", spec->resources,
	    WARP_MAX_RESOURCES, &spec->nresources, res));
}

/* GET /networks[?page=P] (WARP_PAGE_ROWS a page), POST /networks (create). */
int
warp_page_networks(struct http_request *req)
{
	struct warp_ctx			 ctx;
	struct warp_network		*nets;
	struct warp_network_facts	*facts;
	struct warp_network_spec	 spec;
	struct warp_page		 pg;
	struct warp_tpl			*row;
	struct warp_err			 err;
	char				 cidr[WARP_CIDR_STRLEN];
	char				*res, loc[64];
	size_t				 i, n;
	int64_t				 id;
	long				 total;

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_M_POST |
	    WARP_A_CACHE | (req->method == HTTP_METHOD_POST ?
	    WARP_A_WRITE : 0)) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);

	if (ctx.method == WARP_M_POST) {
		res = NULL;
		if (warp_web_network_spec(&ctx, &spec, &res) == -1) {
			free(res);
			return (warp_http_end(&ctx));
		}
		if (warp_network_create(ctx.db, &spec, &id, &err) == -1) {
			free(res);
			warp_http_fail(&ctx, &err);
			return (warp_http_end(&ctx));
		}
		free(res);
		warp_http_changed(&ctx);
		(void)snprintf(loc, sizeof(loc), "/networks/%lld",
		    (long long)id);
		warp_http_flash_redirect(&ctx, loc, "created");
		return (warp_http_end(&ctx));
	}

	warp_db_read_begin(ctx.db);	/* reads only, ended by _end */
	if (warp_network_count(ctx.db, &total, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	if (warp_http_pager(&ctx, total, &pg) == -1)
		return (warp_http_end(&ctx));
	if (warp_network_list_page(ctx.db, &pg, &nets, &n, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	facts = warp_xcalloc(n + 1, sizeof(*facts));
	(void)warp_network_facts(ctx.db, nets, n, facts, &err);
	warp_tpl_set_int(ctx.tpl, "net_count", total);
	warp_tpl_list(ctx.tpl, "networks");
	for (i = 0; i < n; i++) {
		row = warp_tpl_push(ctx.tpl, "networks");
		warp_tpl_set_int(row, "id", nets[i].id);
		warp_tpl_set(row, "name", nets[i].name);
		warp_tpl_set(row, "type", warp_net_type_label(nets[i].type));
		warp_tpl_set_int(row, "vcid", nets[i].vcid);
		warp_cidr_format(&nets[i].subnet, cidr, sizeof(cidr));
		warp_tpl_set(row, "subnet", cidr);
		warp_tpl_set_int(row, "port", nets[i].listen_port);
		warp_tpl_set_int(row, "endpoints", facts[i].endpoints);
		warp_tpl_set(row, "state", nets[i].enabled ? "enabled" :
		    "suspended");
		warp_tpl_set(row, "apply", facts[i].apply_status[0] ?
		    facts[i].apply_status : "-");
	}
	free(facts);
	warp_network_list_free(nets);
	warp_http_page(&ctx, 200, "networks", "Networks");
	return (warp_http_end(&ctx));
}

/* GET /networks/new[?type=T] */
int
warp_page_network_new(struct http_request *req)
{
	struct warp_ctx			ctx;
	struct warp_server_config	sc;
	struct warp_err			err;
	enum warp_net_type		t;
	const char			*type;
	char				cidr[WARP_CIDR_STRLEN];

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_A_WRITE) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	if ((type = warp_form_get(&ctx.qs, "type")) != NULL) {
		if (warp_net_type_parse(type, &t, &err) == -1 ||
		    warp_server_config_get(ctx.db, &sc, &err) == -1) {
			warp_http_fail(&ctx, &err);
			return (warp_http_end(&ctx));
		}
		warp_tpl_set(ctx.tpl, "type", warp_net_type_name(t));
		warp_tpl_set(ctx.tpl, "type_label", warp_net_type_label(t));
		warp_cidr_format(&sc.containers[t], cidr, sizeof(cidr));
		warp_tpl_set(ctx.tpl, "container", cidr);
		warp_tpl_set_int(ctx.tpl, "port_min", sc.port_min);
		warp_tpl_set_int(ctx.tpl, "port_max", sc.port_max);
		warp_tpl_set(ctx.tpl, "default_dns", sc.default_dns);
		warp_tpl_set_int(ctx.tpl, "default_mtu", sc.default_mtu);
		warp_tpl_set_int(ctx.tpl, "default_keepalive",
		    sc.default_keepalive);
		warp_tpl_set_int(ctx.tpl, "is_si",
		    t == WARP_NET_SECURE_INTERNET);
		warp_tpl_set_int(ctx.tpl, "is_rg",
		    t == WARP_NET_RESOURCE_GATEWAY);
		warp_tpl_set_int(ctx.tpl, "is_l2", t == WARP_NET_L2_P2P ||
		    t == WARP_NET_L2_MESH);
		warp_tpl_set_int(ctx.tpl, "is_mesh", t == WARP_NET_L2_MESH);
	}
	warp_http_page(&ctx, 200, "network_new", "New network");
	return (warp_http_end(&ctx));
}

static int
load_network(struct warp_ctx *ctx, struct warp_network *n)
{
	struct warp_err	err;

	warp_err_clear(&err);
	if (ctx->id <= 0)
		return (warp_http_error(ctx, 404, "no such network"));
	if (warp_network_get_id(ctx->db, ctx->id, n, &err) == -1)
		return (warp_http_fail(ctx, &err));
	return (0);
}

static void
network_vars(struct warp_ctx *ctx, struct warp_network *n)
{
	struct warp_buf	 b;
	char		 cidr[WARP_CIDR_STRLEN], ip[WARP_IP_STRLEN];
	char		 st[16], errmsg[512];
	size_t		 i;

	warp_tpl_set_int(ctx->tpl, "id", n->id);
	warp_tpl_set(ctx->tpl, "name", n->name);
	warp_tpl_set(ctx->tpl, "type_label", warp_net_type_label(n->type));
	warp_tpl_set(ctx->tpl, "description", n->description);
	warp_tpl_set_int(ctx->tpl, "vcid", n->vcid);
	warp_cidr_format(&n->subnet, cidr, sizeof(cidr));
	warp_tpl_set(ctx->tpl, "subnet", cidr);
	warp_ip_format(n->gateway_ip, ip, sizeof(ip));
	warp_tpl_set(ctx->tpl, "gateway", ip);
	warp_tpl_set_int(ctx->tpl, "port", n->listen_port);
	warp_tpl_set(ctx->tpl, "dns", n->dns);
	warp_tpl_set_int(ctx->tpl, "mtu", n->mtu);
	warp_tpl_set_int(ctx->tpl, "keepalive", n->keepalive);
	warp_tpl_set(ctx->tpl, "peer", n->type != WARP_NET_SECURE_INTERNET ?
	    "-" : n->peer_communication ? "mesh" : "hub-and-spoke");
	warp_tpl_set_int(ctx->tpl, "peer_on", n->peer_communication);
	if (n->vlan_min == 0)
		warp_tpl_set(ctx->tpl, "vlan", "untagged");
	else if (n->vlan_min == n->vlan_max)
		warp_tpl_set_int(ctx->tpl, "vlan", n->vlan_min);
	else
		warp_tpl_setf(ctx->tpl, "vlan", "%d-%d", n->vlan_min,
		    n->vlan_max);
	if (n->vlan_min != 0 && n->vlan_min == n->vlan_max)
		warp_tpl_set_int(ctx->tpl, "vlan_id", n->vlan_min);
	else if (n->vlan_min != 0)
		warp_tpl_setf(ctx->tpl, "vlan_range", "%d-%d", n->vlan_min,
		    n->vlan_max);
	if (n->vni)
		warp_tpl_set_int(ctx->tpl, "vni", n->vni);
	else
		warp_tpl_set(ctx->tpl, "vni", "-");
	warp_tpl_setf(ctx->tpl, "ifnames", "%s %s%s%s%s%s", n->if_wg,
	    n->if_vrf, n->if_br[0] ? " " : "", n->if_br,
	    n->if_vx[0] ? " " : "", n->if_vx);
	warp_buf_init(&b);
	for (i = 0; i < n->nresources; i++) {
		warp_cidr_format(&n->resources[i], cidr, sizeof(cidr));
		warp_buf_appendf(&b, "%s%s", i ? "\n" : "", cidr);
	}
	warp_buf_append(&b, "", 1);
	warp_tpl_set(ctx->tpl, "resources", b.data);
	warp_buf_free(&b);
	warp_tpl_set(ctx->tpl, "public_key", n->public_key);
	warp_tpl_set(ctx->tpl, "state", n->enabled ? "enabled" : "suspended");
	warp_tpl_set(ctx->tpl, "toggle_action", n->enabled ? "suspend" :
	    "resume");
	warp_tpl_set(ctx->tpl, "toggle_label", n->enabled ? "Suspend" :
	    "Resume");
	warp_tpl_set_int(ctx->tpl, "is_si", n->type == WARP_NET_SECURE_INTERNET);
	warp_tpl_set_int(ctx->tpl, "is_rg",
	    n->type == WARP_NET_RESOURCE_GATEWAY);
	warp_tpl_set_int(ctx->tpl, "is_l2", n->type == WARP_NET_L2_P2P ||
	    n->type == WARP_NET_L2_MESH);
	warp_apply_state(ctx->db, "network", n->id, st, sizeof(st), errmsg,
	    sizeof(errmsg));
	warp_tpl_set(ctx->tpl, "apply", st);
	warp_tpl_set(ctx->tpl, "apply_error", errmsg);
	warp_tpl_set_int(ctx->tpl, "ep_count",
	    warp_network_count_endpoints(ctx->db, n->id));
}

/*
 * GET /networks/N[?page=P]: the network and one page of its endpoints
 * (WARP_PAGE_ROWS; the core reads them with one indexed query: a network
 * may hold 50,000).  A page that does not exist is a 400.
 */
int
warp_page_network(struct http_request *req)
{
	struct warp_ctx			 ctx;
	struct warp_network		 n;
	struct warp_endpoint		*eps;
	struct warp_endpoint_stats	*st;
	struct warp_tpl			*row;
	struct warp_err			 err;
	struct warp_page		 pg;
	char				 buf[32], ip[WARP_IP_STRLEN];
	size_t				 i, neps;

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_A_CACHE) == -1)
		return (warp_http_end(&ctx));
	warp_db_read_begin(ctx.db);	/* reads only, ended by _end */
	if (load_network(&ctx, &n) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	network_vars(&ctx, &n);

	if (warp_http_pager(&ctx, warp_network_count_endpoints(ctx.db, n.id),
	    &pg) == -1)
		return (warp_http_end(&ctx));
	warp_tpl_list(ctx.tpl, "endpoints");
	if (warp_endpoint_page(ctx.db, n.id, pg.offset, pg.limit,
	    &eps, &st, &neps, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	for (i = 0; i < neps; i++) {
		row = warp_tpl_push(ctx.tpl, "endpoints");
		warp_tpl_set_int(row, "id", eps[i].id);
		warp_tpl_set(row, "name", eps[i].name);
		warp_tpl_set(row, "kind", warp_ep_kind_name(eps[i].kind));
		warp_ip_format(eps[i].overlay_ip, ip, sizeof(ip));
		warp_tpl_set(row, "ip", ip);
		warp_tpl_set(row, "status", warp_endpoint_status(&eps[i],
		    ctx.now));
		warp_tpl_set(row, "toggle", eps[i].enabled ? "disable" :
		    "enable");
		warp_fmt_ago(buf, sizeof(buf), st[i].last_handshake, ctx.now);
		warp_tpl_set(row, "handshake", buf);
		warp_fmt_bytes(buf, sizeof(buf), st[i].rx_bytes);
		warp_tpl_set(row, "rx", buf);
		warp_fmt_bytes(buf, sizeof(buf), st[i].tx_bytes);
		warp_tpl_set(row, "tx", buf);
		warp_tpl_set_int(row, "version", eps[i].config_version);
	}
	warp_endpoint_page_free(eps, st);
	warp_traffic_page_network(&ctx, n.id);
	warp_http_page(&ctx, 200, "network", n.name);
	return (warp_http_end(&ctx));
}

/*
 * The edit of a network from the form (WARP_EDIT_FORM: an unticked box or
 * an emptied VLAN field means off) or from the API's JSON (WARP_EDIT_API:
 * what is absent stays as it is; "vlan": null clears the VLANs).  *res
 * holds the resource subnets' text; free it after the update.
 */
int
warp_web_network_edit(struct warp_ctx *ctx, const struct warp_network *n,
    struct warp_network_edit *ed, char **res, int how)
{
	const char	*v, *key;

	*res = NULL;
	warp_network_edit_init(ed);
	ed->description = warp_form_get(&ctx->form, "description");
	ed->dns = how == WARP_EDIT_API ? warp_form_get(&ctx->form, "dns") :
	    warp_form_str(ctx, "dns");
	if (warp_form_intv(ctx, "mtu", WARP_MTU_MIN, WARP_MTU_MAX, &ed->mtu,
	    -1) == -1 ||
	    warp_form_intv(ctx, "keepalive", 0, WARP_KEEPALIVE_MAX,
	    &ed->keepalive, -1) == -1 ||
	    warp_form_intv(ctx, "listen_port", 1, WARP_PORT_MAX,
	    &ed->listen_port, -1) == -1 ||
	    warp_form_int(ctx, "expected_users", 1, WARP_USERS_MAX,
	    &ed->expected_users) == -1)
		return (-1);
	ed->subnet = warp_form_str(ctx, "subnet");
	if (warp_form_get(&ctx->form, how == WARP_EDIT_API ?
	    "peer_communication" : "peer_communication_present") != NULL) {
		v = warp_form_get(&ctx->form, "peer_communication");
		ed->peer_communication = v != NULL && (!strcmp(v, "1") ||
		    !strcmp(v, "on"));
	}
	key = warp_form_get(&ctx->form, "resources") != NULL ? "resources" :
	    "resource_subnets";
	if ((how == WARP_EDIT_API || n->type == WARP_NET_RESOURCE_GATEWAY) &&
	    warp_form_get(&ctx->form, key) != NULL) {
		ed->set_resources = 1;
		if (warp_form_cidrs(ctx, key, "resource subnets", ed->resources,
		    WARP_MAX_RESOURCES, &ed->nresources, res) == -1)
			return (-1);
	}
	if (how == WARP_EDIT_API) {
		ed->vlan = warp_form_str(ctx, "vlan");
		ed->vlan_range = warp_form_str(ctx, "vlan_range");
		ed->clear_vlan = ed->vlan == NULL && ed->vlan_range == NULL &&
		    (warp_form_get(&ctx->form, "vlan") != NULL ||
		    warp_form_get(&ctx->form, "vlan_range") != NULL);
	} else if (n->type == WARP_NET_L2_P2P || n->type == WARP_NET_L2_MESH) {
		ed->vlan = warp_form_str(ctx, "vlan");
		ed->vlan_range = warp_form_str(ctx, "vlan_range");
		if (ed->vlan == NULL && ed->vlan_range == NULL &&
		    n->vlan_min != 0)
			ed->clear_vlan = 1;
	}
	return (0);
}

/* GET/POST /networks/N/edit */
int
warp_page_network_edit(struct http_request *req)
{
	struct warp_ctx			 ctx;
	struct warp_network		 n;
	struct warp_network_edit	 ed;
	struct warp_err			 err;
	char				 ref[32], loc[64], *res;

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_M_POST |
	    WARP_A_WRITE) == -1 || load_network(&ctx, &n) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	if (ctx.method == WARP_M_GET) {
		network_vars(&ctx, &n);
		warp_tpl_set_int(ctx.tpl, "expected_users", n.expected_users);
		warp_tpl_set_int(ctx.tpl, "endpoint_count",
		    warp_network_count_endpoints(ctx.db, n.id));
		warp_tpl_set_int(ctx.tpl, "is_p2p", n.type == WARP_NET_L2_P2P);
		warp_http_page(&ctx, 200, "network_edit", n.name);
		return (warp_http_end(&ctx));
	}
	if (warp_web_network_edit(&ctx, &n, &ed, &res, WARP_EDIT_FORM) == -1) {
		free(res);
		return (warp_http_end(&ctx));
	}
	(void)snprintf(ref, sizeof(ref), "%lld", (long long)n.id);
	if (warp_network_update(ctx.db, ref, &ed, ctx.actor, &err) == -1) {
		free(res);
		/* The create form's hints do not fit an edit's refusals. */
		err.field[0] = '\0';
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	free(res);
	warp_http_changed(&ctx);
	(void)snprintf(loc, sizeof(loc), "/networks/%lld", (long long)n.id);
	warp_http_flash_redirect(&ctx, loc, "saved");
	return (warp_http_end(&ctx));
}

/* POST /networks/N/suspend, /networks/N/resume */
int
warp_page_network_toggle(struct http_request *req)
{
	struct warp_ctx		ctx;
	struct warp_network	n;
	struct warp_err		err;
	char			ref[32], loc[64];
	int			on;

	if (warp_http_begin(&ctx, req, WARP_M_POST | WARP_A_WRITE) == -1 ||
	    load_network(&ctx, &n) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	on = strstr(req->path, "/resume") != NULL;
	(void)snprintf(ref, sizeof(ref), "%lld", (long long)n.id);
	if (warp_network_set_enabled(ctx.db, ref, on, ctx.actor, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	warp_http_changed(&ctx);
	(void)snprintf(loc, sizeof(loc), "/networks/%lld", (long long)n.id);
	warp_http_flash_redirect(&ctx, loc, on ? "resumed" : "suspended");
	return (warp_http_end(&ctx));
}

/* GET /networks/N/delete asks; POST deletes. */
int
warp_page_network_delete(struct http_request *req)
{
	struct warp_ctx		ctx;
	struct warp_network	n;
	struct warp_err		err;
	char			ref[32];

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_M_POST |
	    WARP_A_WRITE) == -1 || load_network(&ctx, &n) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	if (ctx.method == WARP_M_GET) {
		network_vars(&ctx, &n);
		warp_tpl_set_int(ctx.tpl, "confirm_delete", 1);
		warp_http_page(&ctx, 200, "network_edit", n.name);
		return (warp_http_end(&ctx));
	}
	(void)snprintf(ref, sizeof(ref), "%lld", (long long)n.id);
	if (warp_network_delete(ctx.db, ref, ctx.actor, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	warp_http_changed(&ctx);
	warp_http_flash_redirect(&ctx, "/networks", "deleted");
	return (warp_http_end(&ctx));
}

/* POST /apply: ask the parent to reconcile now. */
int
warp_page_apply(struct http_request *req)
{
	struct warp_ctx	ctx;
	struct warp_err	err;

	if (warp_http_begin(&ctx, req, WARP_M_POST | WARP_A_WRITE) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	(void)warp_audit(ctx.db, ctx.actor, "apply", "", "", &err);
	warp_http_changed(&ctx);
	warp_http_flash_redirect(&ctx, "/", "applied");
	return (warp_http_end(&ctx));
}
