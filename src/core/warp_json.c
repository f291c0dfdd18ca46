/*
 * The one JSON serialiser per object, used by both `warpctl --json` and
 * the /api/v1 routes of warpd, so the two give the same document for the
 * same object.  The contract (src/web/README.md, "JSON contract"):
 * snake_case names; booleans are true/false; times are ISO 8601 UTC
 * strings ("2026-12-31T23:59:59Z") or null for "never"/"none"; numbers
 * that can be absent (vni) are null when absent; lists are arrays of
 * strings.  Output is compact (no blanks), keys in a fixed order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warp.h"
#include "warp_kernel.h"
#include "warp_traffic.h"

/* An object under construction: a comma goes before every key but one. */
struct warp_jobj {
	struct warp_buf	*b;
	int		 n;
};

static void	jopen(struct warp_jobj *, struct warp_buf *);
static void	jclose(struct warp_jobj *);
static void	jkey(struct warp_jobj *, const char *);
static void	jstr(struct warp_jobj *, const char *, const char *);
static void	jint(struct warp_jobj *, const char *, long long);
static void	jbool(struct warp_jobj *, const char *, int);
static void	jtime(struct warp_jobj *, const char *, int64_t);
static void	jcidrs(struct warp_jobj *, const char *,
		    const struct warp_cidr *, size_t);
static void	japply(struct warp_jobj *, const char *, const char *);
static void	warp_json_network_rates(struct warp_jobj *, uint64_t,
		    uint64_t);
static void	warp_json_network_facts(struct warp_buf *,
		    const struct warp_network *,
		    const struct warp_network_facts *);
static void	warp_json_peer_status(struct warp_buf *,
		    const struct warp_kernel_peer_status *);

static void
jopen(struct warp_jobj *o, struct warp_buf *b)
{
	o->b = b;
	o->n = 0;
	warp_buf_append(b, "{", 1);
}

static void
jclose(struct warp_jobj *o)
{
	warp_buf_append(o->b, "}", 1);
}

/*
 * A key: the serialisers' own constants (snake_case, nothing to
 * escape), so they are copied as they are; values are always escaped.
 */
static void
jkey(struct warp_jobj *o, const char *k)
{
	size_t	len;
	char	*p;

	len = strlen(k);
	warp_buf_reserve(o->b, len + 4);
	p = o->b->data + o->b->len;
	if (o->n++ > 0)
		*p++ = ',';
	*p++ = '"';
	memcpy(p, k, len);
	p += len;
	*p++ = '"';
	*p++ = ':';
	*p = '\0';
	o->b->len = (size_t)(p - o->b->data);
}

static void
jstr(struct warp_jobj *o, const char *k, const char *v)
{
	jkey(o, k);
	warp_buf_json_string(o->b, v);
}

static void
jint(struct warp_jobj *o, const char *k, long long v)
{
	jkey(o, k);
	warp_buf_append_int(o->b, v);
}

static void
jbool(struct warp_jobj *o, const char *k, int v)
{
	jkey(o, k);
	if (v)
		warp_buf_append(o->b, "true", 4);
	else
		warp_buf_append(o->b, "false", 5);
}

/* A time: ISO 8601 UTC, or null when 0 ("never", "none"). */
static void
jtime(struct warp_jobj *o, const char *k, int64_t t)
{
	char	buf[32];

	jkey(o, k);
	if (t == 0) {
		warp_buf_append(o->b, "null", 4);
		return;
	}
	warp_time_format(t, buf, sizeof(buf));
	warp_buf_json_string(o->b, buf);
}

static void
jcidrs(struct warp_jobj *o, const char *k, const struct warp_cidr *v,
    size_t n)
{
	char	buf[WARP_CIDR_STRLEN];
	size_t	i;

	jkey(o, k);
	warp_buf_append(o->b, "[", 1);
	for (i = 0; i < n; i++) {
		if (i > 0)
			warp_buf_append(o->b, ",", 1);
		warp_cidr_format(&v[i], buf, sizeof(buf));
		warp_buf_json_string(o->b, buf);
	}
	warp_buf_append(o->b, "]", 1);
}

/* apply_status (null: the reconciler never recorded one) and apply_error. */
static void
japply(struct warp_jobj *o, const char *status, const char *error)
{
	jkey(o, "apply_status");
	if (status[0] == '\0')
		warp_buf_append(o->b, "null", 4);
	else
		warp_buf_json_string(o->b, status);
	jstr(o, "apply_error", error);
}

/* The defaults a network's endpoints inherit, as POST takes them. */
static void
warp_json_network_rates(struct warp_jobj *o, uint64_t down, uint64_t up)
{
	char	buf[WARP_RATE_STRLEN];

	warp_rate_format(down, buf, sizeof(buf));
	jstr(o, "default_down", buf);
	jint(o, "default_down_bps", (long long)down);
	warp_rate_format(up, buf, sizeof(buf));
	jstr(o, "default_up", buf);
	jint(o, "default_up_bps", (long long)up);
}

/* One network, with what the database says beside its row (f). */
static void
warp_json_network_facts(struct warp_buf *b, const struct warp_network *n,
    const struct warp_network_facts *f)
{
	struct warp_jobj	o, ifs;
	char			buf[WARP_CIDR_STRLEN];

	jopen(&o, b);
	jint(&o, "id", n->id);
	jint(&o, "vcid", n->vcid);
	jstr(&o, "name", n->name);
	jstr(&o, "type", warp_net_type_name(n->type));
	jstr(&o, "description", n->description);
	warp_cidr_format(&n->subnet, buf, sizeof(buf));
	jstr(&o, "subnet", buf);
	warp_ip_format(n->gateway_ip, buf, sizeof(buf));
	jstr(&o, "gateway_ip", buf);
	jint(&o, "expected_users", n->expected_users);
	jint(&o, "listen_port", n->listen_port);
	jstr(&o, "public_key", n->public_key);
	jstr(&o, "dns", n->dns);
	jint(&o, "mtu", n->mtu);
	jint(&o, "keepalive", n->keepalive);
	jbool(&o, "peer_communication", n->peer_communication);
	jcidrs(&o, "resource_subnets", n->resources, n->nresources);
	jint(&o, "vlan_min", n->vlan_min);
	jint(&o, "vlan_max", n->vlan_max);
	jkey(&o, "vni");
	if (n->vni != 0)
		warp_buf_append_int(b, (long long)n->vni);
	else
		warp_buf_append(b, "null", 4);
	jint(&o, "table", n->table_id);
	warp_json_network_rates(&o, f->down_bps, f->up_bps);
	jbool(&o, "enabled", n->enabled);
	jint(&o, "endpoints", f->endpoints);
	jkey(&o, "interfaces");
	jopen(&ifs, b);
	jstr(&ifs, "wireguard", n->if_wg);
	jstr(&ifs, "vrf", n->if_vrf);
	if (n->type == WARP_NET_L2_P2P || n->type == WARP_NET_L2_MESH)
		jstr(&ifs, "bridge", n->if_br);
	if (n->type == WARP_NET_L2_MESH)
		jstr(&ifs, "vxlan", n->if_vx);
	jclose(&ifs);
	jtime(&o, "created_at", n->created_at);
	japply(&o, f->apply_status, f->apply_error);
	jclose(&o);
}

void
warp_json_network(struct warp_buf *b, struct warp_db *db,
    const struct warp_network *n)
{
	struct warp_network_facts	f;
	struct warp_err			err;

	(void)warp_network_facts(db, n, 1, &f, &err);
	warp_json_network_facts(b, n, &f);
}

/* A page of networks (in id order): their facts in one statement. */
void
warp_json_network_list(struct warp_buf *b, struct warp_db *db,
    const struct warp_network *v, size_t n)
{
	struct warp_network_facts	*f;
	struct warp_err			 err;
	size_t				 i;

	f = warp_xcalloc(n + 1, sizeof(*f));
	(void)warp_network_facts(db, v, n, f, &err);
	warp_buf_append(b, "[", 1);
	for (i = 0; i < n; i++) {
		if (i > 0)
			warp_buf_append(b, ",", 1);
		warp_json_network_facts(b, &v[i], &f[i]);
	}
	warp_buf_append(b, "]", 1);
	free(f);
}

void
warp_json_endpoint(struct warp_buf *b, const struct warp_endpoint *e,
    int64_t now)
{
	struct warp_jobj	o;
	char			ip[WARP_IP_STRLEN];

	jopen(&o, b);
	jint(&o, "id", e->id);
	jint(&o, "network_id", e->network_id);
	jstr(&o, "network", e->network_name);
	jstr(&o, "name", e->name);
	jstr(&o, "type", warp_ep_kind_name(e->kind));
	warp_ip_format(e->overlay_ip, ip, sizeof(ip));
	jstr(&o, "overlay_ip", ip);
	jstr(&o, "public_key", e->public_key);
	jbool(&o, "private_key_held", e->has_private_key);
	jcidrs(&o, "lan_subnets", e->lans, e->nlans);
	jbool(&o, "enabled", e->enabled);
	jstr(&o, "status", warp_endpoint_status(e, now));
	jtime(&o, "expires_at", e->expires_at);
	jint(&o, "config_version", e->config_version);
	jtime(&o, "created_at", e->created_at);
	jclose(&o);
}

void
warp_json_endpoint_list(struct warp_buf *b, const struct warp_endpoint *v,
    size_t n, int64_t now)
{
	size_t	i;

	warp_buf_append(b, "[", 1);
	for (i = 0; i < n; i++) {
		if (i > 0)
			warp_buf_append(b, ",", 1);
		warp_json_endpoint(b, &v[i], now);
	}
	warp_buf_append(b, "]", 1);
}

/* The config history of an endpoint, oldest first; the last is current. */
void
warp_json_versions(struct warp_buf *b, const struct warp_config_version *v,
    size_t n)
{
	struct warp_jobj	o;
	size_t			i;

	warp_buf_append(b, "[", 1);
	for (i = 0; i < n; i++) {
		if (i > 0)
			warp_buf_append(b, ",", 1);
		jopen(&o, b);
		jint(&o, "version", v[i].version);
		jtime(&o, "created_at", v[i].created_at);
		jbool(&o, "current", i + 1 == n);
		jstr(&o, "actor", v[i].actor);
		jstr(&o, "reason", v[i].reason);
		jclose(&o);
	}
	warp_buf_append(b, "]", 1);
}

void
warp_json_server_config(struct warp_buf *b,
    const struct warp_server_config *sc)
{
	struct warp_jobj	o, c;
	char			buf[WARP_CIDR_STRLEN];
	int			i;

	jopen(&o, b);
	jstr(&o, "public_host", sc->public_host);
	jstr(&o, "uplink", sc->uplink);
	jstr(&o, "netns", sc->netns);
	(void)snprintf(buf, sizeof(buf), "%d-%d", sc->port_min, sc->port_max);
	jstr(&o, "port_pool", buf);
	jstr(&o, "default_dns", sc->default_dns);
	jint(&o, "default_mtu", sc->default_mtu);
	jint(&o, "default_keepalive", sc->default_keepalive);
	jkey(&o, "containers");
	jopen(&c, b);
	for (i = 0; i < WARP_NET_NTYPES; i++) {
		warp_cidr_format(&sc->containers[i], buf, sizeof(buf));
		jstr(&c, warp_net_type_name((enum warp_net_type)i), buf);
	}
	jclose(&c);
	jclose(&o);
}

static void
warp_json_peer_status(struct warp_buf *b,
    const struct warp_kernel_peer_status *ps)
{
	struct warp_jobj	o;

	jopen(&o, b);
	jint(&o, "id", ps->endpoint_id);
	jstr(&o, "name", ps->name);
	jstr(&o, "public_key", ps->public_key);
	jbool(&o, "active", ps->active);
	jbool(&o, "present", ps->present);
	jtime(&o, "last_handshake", ps->last_handshake);
	jint(&o, "rx_bytes", (long long)ps->rx_bytes);
	jint(&o, "tx_bytes", (long long)ps->tx_bytes);
	jstr(&o, "remote", ps->remote);
	japply(&o, ps->apply_status, ps->apply_error);
	jclose(&o);
}

/*
 * The status document: every network with its endpoints, the stored
 * apply status and what the kernel says (kernel_read false: the numbers
 * are the ones the reconciler stored last), then the counts.
 */
void
warp_json_status(struct warp_buf *b, const struct warp_kernel_status *st,
    const struct warp_stats *counts)
{
	const struct warp_kernel_net_status	*ns;
	struct warp_jobj			 o, no;
	size_t					 i, j;
	int					 first;

	jopen(&o, b);
	jstr(&o, "netns", st->netns);
	jbool(&o, "kernel_read", st->kernel_read);
	jkey(&o, "networks");
	warp_buf_append(b, "[", 1);
	for (i = 0; i < st->nnets; i++) {
		ns = &st->nets[i];
		if (i > 0)
			warp_buf_append(b, ",", 1);
		jopen(&no, b);
		jint(&no, "id", ns->id);
		jstr(&no, "name", ns->name);
		jstr(&no, "type", ns->type);
		jstr(&no, "interface", ns->if_wg);
		jstr(&no, "vrf", ns->if_vrf);
		jbool(&no, "enabled", ns->enabled);
		jbool(&no, "present", ns->present);
		jbool(&no, "up", ns->up);
		jint(&no, "listen_port", ns->listen_port);
		japply(&no, ns->apply_status, ns->apply_error);
		jkey(&no, "endpoints");
		warp_buf_append(b, "[", 1);
		for (j = 0, first = 1; j < st->npeers; j++) {
			if (st->peers[j].network_id != ns->id)
				continue;
			if (!first)
				warp_buf_append(b, ",", 1);
			first = 0;
			warp_json_peer_status(b, &st->peers[j]);
		}
		warp_buf_append(b, "]", 1);
		jclose(&no);
	}
	warp_buf_append(b, "]", 1);
	jkey(&o, "counts");
	warp_json_status_counts(b, counts);
	jclose(&o);
}

/* The "counts" object of the status document. */
void
warp_json_status_counts(struct warp_buf *b, const struct warp_stats *counts)
{
	struct warp_jobj	co;

	jopen(&co, b);
	jint(&co, "networks", counts->networks);
	jint(&co, "endpoints", counts->endpoints);
	jint(&co, "online", counts->online);
	jint(&co, "disabled", counts->disabled);
	jint(&co, "expired", counts->expired);
	jint(&co, "pending", counts->pending);
	jint(&co, "failed", counts->failed);
	jclose(&co);
}
