/*
 * Networks: creation with every allocation (VCID, subnet, listen port,
 * VNI, routing table, gateway keypair) and its validation, lookup, edits,
 * suspend/resume and deletion.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "warp.h"
#include "warp_db_int.h"
#include "warp_state.h"

#define NET_COLUMNS	"id, vcid, name, type, description, subnet, " \
			"expected_users, listen_port, public_key, dns, mtu, " \
			"keepalive, peer_communication, vlan_min, vlan_max, " \
			"vni, table_id, enabled, created_at, " \
			"coalesce(gateway_ip, '')"

static int	warp_network_row(struct warp_db *, sqlite3_stmt *,
		    struct warp_network *, struct warp_err *);
static int	warp_network_page_resources(struct warp_db *,
		    struct warp_network *, size_t, struct warp_err *);
static int	warp_network_load_resources(struct warp_db *,
		    struct warp_network *, struct warp_err *);
static int	warp_network_alloc_subnet(struct warp_db *,
		    const struct warp_cidr *, int, struct warp_cidr *,
		    struct warp_err *);
static int	warp_network_check_subnet(struct warp_db *,
		    const struct warp_cidr *, int64_t, struct warp_err *);
static int	warp_network_lowest_free(struct warp_db *, const char *,
		    int64_t, int64_t, int64_t *, struct warp_err *);
static int	warp_network_bulk_check(const struct warp_network_spec *,
		    const enum warp_net_type *, size_t, const char *, long,
		    long, struct warp_err *);
static int	warp_network_bulk_spec(const struct warp_network_spec *,
		    enum warp_net_type, long, struct warp_network_spec *,
		    char [][WARP_CIDR_STRLEN], char *, size_t,
		    struct warp_err *);
static int	warp_network_alloc_port(struct warp_db *,
		    const struct warp_server_config *, int *, struct warp_err *);
static int	warp_network_check_vlans(struct warp_db *, int, int, int64_t,
		    struct warp_err *);
static int	warp_network_parse_resources(const char * const *, size_t,
		    const struct warp_cidr *, struct warp_cidr *,
		    struct warp_err *);
static int	warp_network_store_resources(struct warp_db *, int64_t,
		    const struct warp_cidr *, size_t, struct warp_err *);
static int	warp_description_validate(const char *, struct warp_err *);
static int	warp_int_exists(struct warp_db *, const char *, int64_t,
		    int64_t, int *, struct warp_err *);
static int	warp_network_check_spec(const struct warp_network_spec *,
		    struct warp_network *, int *, long *, struct warp_err *);
static int	warp_network_check_size(const struct warp_network_spec *,
		    struct warp_network *, int *, long *, struct warp_err *);
static int	warp_network_taken(struct warp_db *, const char *, int64_t,
		    int64_t, const char *, struct warp_err *);
static int	warp_network_name_taken(struct warp_db *, const char *,
		    struct warp_err *);
static int	warp_network_allocate(struct warp_db *,
		    const struct warp_network_spec *,
		    const struct warp_server_config *, int,
		    struct warp_network *, struct warp_cidr *,
		    struct warp_err *);
static int	warp_network_insert(struct warp_db *, const char *,
		    struct warp_network *, const struct warp_cidr *, size_t,
		    struct warp_err *);
static void	warp_network_changed(struct warp_buf *, const char *);
static int	warp_network_edit_fields(const struct warp_network_edit *,
		    struct warp_network *, struct warp_buf *,
		    struct warp_err *);
static int	warp_network_edit_shared(struct warp_db *,
		    const struct warp_network_edit *, struct warp_network *,
		    struct warp_buf *, struct warp_err *);
static int	warp_network_edit_size(struct warp_db *,
		    const struct warp_network_edit *, struct warp_network *,
		    int *, struct warp_buf *, struct warp_err *);
static int	warp_network_size_target(const struct warp_network_edit *,
		    const struct warp_network *, struct warp_cidr *,
		    struct warp_err *);
static int	warp_network_size_given(const struct warp_network_edit *,
		    const struct warp_network *, const struct warp_cidr *, int,
		    struct warp_err *);
static int	warp_network_size_fits(struct warp_db *,
		    const struct warp_network *, const struct warp_cidr *,
		    struct warp_err *);
static int	warp_network_store_edit(struct warp_db *,
		    const struct warp_network *, struct warp_err *);

void
warp_network_spec_init(struct warp_network_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->keepalive = -1;
}

void
warp_network_edit_init(struct warp_network_edit *e)
{
	memset(e, 0, sizeof(*e));
	e->mtu = -1;
	e->keepalive = -1;
	e->peer_communication = -1;
	e->listen_port = -1;
}

/* Kernel names come from the VCID only, never from user input. */
void
warp_network_ifnames(struct warp_network *n)
{
	char	 digits[WARP_FMT_INT_LEN], vcid[WARP_FMT_INT_LEN];
	char	*d;
	size_t	 len;

	/* "%08u" of the VCID without printf (every listed network). */
	d = warp_fmt_int((long long)n->vcid, digits);
	len = strlen(d);
	memset(vcid, '0', 8);
	(void)warp_strlcpy(vcid + (len < 8 ? 8 - len : 0), d,
	    sizeof(vcid) - 8);
	warp_fmt_join(n->if_wg, sizeof(n->if_wg), "wg", vcid, "");
	warp_fmt_join(n->if_vrf, sizeof(n->if_vrf), "vrf", vcid, "");
	warp_fmt_join(n->if_br, sizeof(n->if_br), "br", vcid, "");
	warp_fmt_join(n->if_vx, sizeof(n->if_vx), "vx", vcid, "");
}

static int
warp_description_validate(const char *s, struct warp_err *err)
{
	const unsigned char	*p;

	if (s == NULL)
		return (0);
	if (strlen(s) > WARP_DESC_MAX)
		return (warp_err_input(err, "description is longer than %d "
		    "characters", WARP_DESC_MAX));
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return (warp_err_input(err, "description may not "
			    "contain control characters or line breaks"));
	}
	return (0);
}

/* Does `SELECT 1 FROM ... WHERE <col> = ?1 AND id != ?2` find a row? */
static int
warp_int_exists(struct warp_db *db, const char *sql, int64_t v, int64_t id,
    int *found, struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (warp_db_prepare_cached(db, &st, sql, err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, v);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st);
	warp_db_release(db, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "checking for a clash"));
	*found = rc == SQLITE_ROW;
	return (0);
}

static int
warp_network_row(struct warp_db *db, sqlite3_stmt *st, struct warp_network *n,
    struct warp_err *err)
{
	struct warp_err	ignore;

	memset(n, 0, sizeof(*n));
	n->id = sqlite3_column_int64(st, 0);
	n->vcid = (uint32_t)sqlite3_column_int64(st, 1);
	(void)warp_strlcpy(n->name,
	    (const char *)sqlite3_column_text(st, 2), sizeof(n->name));
	if (warp_net_type_parse((const char *)sqlite3_column_text(st, 3),
	    &n->type, err) == -1)
		return (-1);
	(void)warp_strlcpy(n->description,
	    (const char *)sqlite3_column_text(st, 4), sizeof(n->description));
	if (warp_cidr_parse((const char *)sqlite3_column_text(st, 5),
	    &n->subnet, &ignore) == -1)
		return (warp_err_system(err, "network %s has a damaged subnet",
		    n->name));
	n->gateway_ip = n->subnet.addr + 1;
	if (*(const char *)sqlite3_column_text(st, 19) != '\0' &&
	    (warp_ip_parse((const char *)sqlite3_column_text(st, 19),
	    &n->gateway_ip, &ignore) == -1 ||
	    !warp_cidr_contains(&n->subnet, n->gateway_ip)))
		return (warp_err_system(err, "network %s has a damaged gateway "
		    "address", n->name));
	n->expected_users = sqlite3_column_int(st, 6);
	n->listen_port = sqlite3_column_int(st, 7);
	(void)warp_strlcpy(n->public_key,
	    (const char *)sqlite3_column_text(st, 8), sizeof(n->public_key));
	(void)warp_strlcpy(n->dns,
	    (const char *)sqlite3_column_text(st, 9), sizeof(n->dns));
	n->mtu = sqlite3_column_int(st, 10);
	n->keepalive = sqlite3_column_int(st, 11);
	n->peer_communication = sqlite3_column_int(st, 12);
	n->vlan_min = sqlite3_column_int(st, 13);
	n->vlan_max = sqlite3_column_int(st, 14);
	n->vni = (uint32_t)sqlite3_column_int64(st, 15);
	n->table_id = sqlite3_column_int(st, 16);
	n->enabled = sqlite3_column_int(st, 17);
	n->created_at = sqlite3_column_int64(st, 18);
	warp_network_ifnames(n);
	(void)db;
	return (0);
}

static int
warp_network_load_resources(struct warp_db *db, struct warp_network *n,
    struct warp_err *err)
{
	return (warp_db_load_cidrs(db, "network_resources", "network_id",
	    n->id, n->resources, WARP_MAX_RESOURCES, &n->nresources, err));
}

/*
 * The resource subnets of a page of networks v[0..n) (in id order): one
 * statement over their id range, in each network's own order (rowid).
 */
static int
warp_network_page_resources(struct warp_db *db, struct warp_network *v,
    size_t n, struct warp_err *err)
{
	sqlite3_stmt	*st;
	struct warp_err	 ignore;
	size_t		 i;
	int64_t		 id;
	int		 rc;

	if (n == 0)
		return (0);
	if (warp_db_prepare_cached(db, &st, "SELECT network_id, cidr FROM "
	    "network_resources WHERE network_id BETWEEN ?1 AND ?2 "
	    "ORDER BY network_id, rowid", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, v[0].id);
	sqlite3_bind_int64(st, 2, v[n - 1].id);
	i = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		while (i < n && v[i].id < id)
			i++;
		if (i == n)
			break;
		if (v[i].id != id || v[i].nresources >= WARP_MAX_RESOURCES)
			continue;
		if (warp_cidr_parse((const char *)sqlite3_column_text(st, 1),
		    &v[i].resources[v[i].nresources], &ignore) == 0)
			v[i].nresources++;
	}
	warp_db_release(db, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "reading subnets"));
	return (0);
}

int
warp_network_get_id(struct warp_db *db, int64_t id, struct warp_network *n,
    struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (warp_db_prepare_cached(db, &st,
	    "SELECT " NET_COLUMNS " FROM networks "
	    "WHERE id = ?", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		warp_db_release(db, st);
		if (rc == SQLITE_DONE)
			return (warp_err_set(err, WARP_ENOTFOUND, "no network "
			    "with id %lld", (long long)id));
		return (warp_db_sqlerr(db, err, "reading a network"));
	}
	rc = warp_network_row(db, st, n, err);
	warp_db_release(db, st);
	if (rc == -1)
		return (-1);
	return (warp_network_load_resources(db, n, err));
}

/* A network named by its id (all digits) or its name. */
int
warp_network_get(struct warp_db *db, const char *ref, struct warp_network *n,
    struct warp_err *err)
{
	sqlite3_stmt	*st;
	int64_t		 id;
	int		 rc;

	if (ref == NULL || *ref == '\0')
		return (warp_err_input(err, "no network given"));
	if (strspn(ref, "0123456789") == strlen(ref) && strlen(ref) < 18) {
		if (warp_network_get_id(db, strtoll(ref, NULL, 10), n, err)
		    == 0)
			return (0);
		if (err->kind != WARP_ENOTFOUND)
			return (-1);
		warp_err_set(err, WARP_ENOTFOUND, "no network with id %s", ref);
		return (warp_err_field(err, WARP_F_NETWORK));
	}
	if (warp_db_prepare(db, &st, "SELECT id FROM networks WHERE name = ?",
	    err) == -1)
		return (-1);
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE) {
		warp_err_set(err, WARP_ENOTFOUND, "no network named '%.64s'",
		    ref);
		return (warp_err_field(err, WARP_F_NETWORK));
	}
	if (rc != SQLITE_ROW)
		return (warp_db_sqlerr(db, err, "looking up a network"));
	return (warp_network_get_id(db, id, n, err));
}

int
warp_network_list(struct warp_db *db, struct warp_network **out, size_t *count,
    struct warp_err *err)
{
	struct warp_page	all = { 0, 0, 0 };

	return (warp_network_list_page(db, &all, out, count, err));
}

/* Networks by id, one page of them (struct warp_page); an index walk. */
int
warp_network_list_page(struct warp_db *db, const struct warp_page *pg,
    struct warp_network **out, size_t *count, struct warp_err *err)
{
	sqlite3_stmt		*st;
	struct warp_network	*v = NULL, *nv;
	size_t			 n = 0, cap = 0;
	int			 rc;

	*out = NULL;
	*count = 0;
	if (warp_db_prepare_cached(db, &st,
	    "SELECT " NET_COLUMNS " FROM networks "
	    "WHERE id > ? ORDER BY id LIMIT ? OFFSET ?", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, pg->after);
	sqlite3_bind_int64(st, 2, pg->limit > 0 ? pg->limit : -1);
	sqlite3_bind_int64(st, 3, pg->offset);
	/* A page's rows at once: no copy of them as the array grows. */
	if (pg->limit > 0 && pg->limit <= WARP_API_LIMIT_MAX + 1) {
		cap = (size_t)pg->limit;
		/* each row is cleared as it is read (_row) */
		if ((v = malloc(cap * sizeof(*v))) == NULL)
			warp_fatal("out of memory");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
				warp_fatal("out of memory");
			v = nv;
		}
		if (warp_network_row(db, st, &v[n], err) == -1) {
			warp_db_release(db, st);
			free(v);
			return (-1);
		}
		n++;
	}
	warp_db_release(db, st);
	if (rc != SQLITE_DONE) {
		free(v);
		return (warp_db_sqlerr(db, err, "listing networks"));
	}
	if (warp_network_page_resources(db, v, n, err) == -1) {
		free(v);
		return (-1);
	}
	*out = v;
	*count = n;
	return (0);
}

void
warp_network_list_free(struct warp_network *v)
{
	free(v);
}

/* A subnet may not overlap another network's overlay subnet. */
static int
warp_network_check_subnet(struct warp_db *db, const struct warp_cidr *c,
    int64_t self, struct warp_err *err)
{
	sqlite3_stmt		*st;
	struct warp_cidr	 other;
	struct warp_err		 ignore;
	char			 buf[WARP_CIDR_STRLEN];
	int			 rc;

	if (warp_db_prepare(db, &st, "SELECT name, subnet FROM networks "
	    "WHERE id != ?", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, self);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (warp_cidr_parse((const char *)sqlite3_column_text(st, 1),
		    &other, &ignore) == -1)
			continue;
		if (warp_cidr_overlaps(c, &other)) {
			warp_cidr_format(c, buf, sizeof(buf));
			warp_err_set(err, WARP_ECONFLICT, "subnet %s overlaps "
			    "network '%s' (%s); pick another subnet", buf,
			    sqlite3_column_text(st, 0),
			    sqlite3_column_text(st, 1));
			sqlite3_finalize(st);
			return (-1);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "checking subnets"));
	return (0);
}

/* First aligned /prefix in the container that overlaps no network. */
static int
warp_network_alloc_subnet(struct warp_db *db, const struct warp_cidr *box,
    int prefix, struct warp_cidr *out, struct warp_err *err)
{
	sqlite3_stmt		*st;
	struct warp_cidr	*used = NULL, cand;
	struct warp_err		 ignore;
	size_t			 n = 0, cap = 0, i;
	uint64_t		 addr, end, size;
	int			 rc, moved;
	char			 buf[WARP_CIDR_STRLEN];

	if (prefix < box->len) {
		warp_cidr_format(box, buf, sizeof(buf));
		return (warp_err_input(err, "a /%d does not fit in the subnet "
		    "container %s", prefix, buf));
	}
	if (warp_db_prepare(db, &st, "SELECT subnet FROM networks", err) == -1)
		return (-1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			used = realloc(used, cap * sizeof(*used));
			if (used == NULL)
				warp_fatal("out of memory");
		}
		if (warp_cidr_parse((const char *)sqlite3_column_text(st, 0),
		    &used[n], &ignore) == 0)
			n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(used);
		return (warp_db_sqlerr(db, err, "reading subnets"));
	}
	size = 1ULL << (32 - prefix);
	addr = box->addr;
	end = (uint64_t)box->addr + (1ULL << (32 - box->len));
	while (addr + size <= end) {
		cand.addr = (uint32_t)addr;
		cand.len = prefix;
		moved = 0;
		for (i = 0; i < n; i++) {
			if (!warp_cidr_overlaps(&cand, &used[i]))
				continue;
			/* Skip past the clash, staying aligned. */
			addr = (uint64_t)used[i].addr +
			    (1ULL << (32 - used[i].len));
			addr = (addr + size - 1) & ~(size - 1);
			moved = 1;
			break;
		}
		if (!moved) {
			free(used);
			*out = cand;
			return (0);
		}
	}
	free(used);
	warp_cidr_format(box, buf, sizeof(buf));
	warp_err_set(err, WARP_ECONFLICT, "no free /%d left in the subnet "
	    "container %s", prefix, buf);
	return (warp_err_field(err, WARP_F_SUBNET));
}

/*
 * The lowest free value from lo to hi of a UNIQUE column (`sql` lists the
 * used ones in that range in order, ?1 = lo, ?2 = hi): one sorted read,
 * so a bulk create of N networks costs N reads, not N squared.  0: none.
 */
static int
warp_network_lowest_free(struct warp_db *db, const char *sql, int64_t lo,
    int64_t hi, int64_t *out, struct warp_err *err)
{
	sqlite3_stmt	*st;
	int64_t		 want = lo, v;
	int		 rc;

	*out = 0;
	if (warp_db_prepare(db, &st, sql, err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, hi);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = sqlite3_column_int64(st, 0);
		if (v > want)
			break;
		if (v == want)
			want++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "reading used values"));
	if (want <= hi)
		*out = want;
	return (0);
}

static int
warp_network_alloc_port(struct warp_db *db, const struct warp_server_config *sc,
    int *port, struct warp_err *err)
{
	int64_t	p;

	if (warp_network_lowest_free(db, "SELECT listen_port FROM networks "
	    "WHERE listen_port BETWEEN ?1 AND ?2 ORDER BY listen_port",
	    sc->port_min, sc->port_max, &p, err) == -1)
		return (-1);
	if (p != 0) {
		*port = (int)p;
		return (0);
	}
	warp_err_set(err, WARP_ECONFLICT, "the listen port pool %d-%d is "
	    "exhausted (%d networks); a wider pool such as %d-%d has room",
	    sc->port_min, sc->port_max, sc->port_max - sc->port_min + 1,
	    sc->port_min, sc->port_max + 100 > WARP_PORT_MAX ? WARP_PORT_MAX :
	    sc->port_max + 100);
	return (warp_err_field(err, WARP_F_PORT_POOL));
}

/* VLAN claims of layer-2 networks may not overlap. */
static int
warp_network_check_vlans(struct warp_db *db, int lo, int hi, int64_t self,
    struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (lo == 0)
		return (0);
	if (warp_db_prepare(db, &st, "SELECT name, vlan_min, vlan_max FROM "
	    "networks WHERE id != ?1 AND vlan_min > 0 AND vlan_min <= ?3 AND "
	    "vlan_max >= ?2 LIMIT 1", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, self);
	sqlite3_bind_int(st, 2, lo);
	sqlite3_bind_int(st, 3, hi);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		warp_err_set(err, WARP_ECONFLICT, "VLAN %d-%d conflicts with "
		    "network '%s', which carries VLAN %d-%d", lo, hi,
		    sqlite3_column_text(st, 0), sqlite3_column_int(st, 1),
		    sqlite3_column_int(st, 2));
		sqlite3_finalize(st);
		return (-1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "checking VLANs"));
	return (0);
}

static int
warp_network_parse_resources(const char * const *in, size_t n,
    const struct warp_cidr *overlay, struct warp_cidr *out,
    struct warp_err *err)
{
	size_t	i, j;
	char	a[WARP_CIDR_STRLEN], b[WARP_CIDR_STRLEN];

	if (n > WARP_MAX_RESOURCES)
		return (warp_err_input(err, "at most %d resource subnets",
		    WARP_MAX_RESOURCES));
	for (i = 0; i < n; i++) {
		if (warp_cidr_parse(in[i], &out[i], err) == -1)
			return (-1);
		if (out[i].len == 0)
			return (warp_err_input(err, "resource subnet 0.0.0.0/0 "
			    "would be the whole internet; use a "
			    "secure-internet network for that"));
		if (warp_cidr_overlaps(&out[i], overlay)) {
			warp_cidr_format(overlay, a, sizeof(a));
			return (warp_err_input(err, "resource subnet %s "
			    "overlaps the network's own subnet %s", in[i], a));
		}
		for (j = 0; j < i; j++) {
			if (warp_cidr_overlaps(&out[i], &out[j])) {
				warp_cidr_format(&out[j], b, sizeof(b));
				return (warp_err_input(err, "resource subnets "
				    "%s and %s overlap", in[i], b));
			}
		}
	}
	return (0);
}

static int
warp_network_store_resources(struct warp_db *db, int64_t id,
    const struct warp_cidr *v, size_t n, struct warp_err *err)
{
	return (warp_db_replace_cidrs(db, "network_resources", "network_id", id,
	    v, n, err));
}

/*
 * Whole-number settings of a network, checked the same way on create and
 * on edit: what a message and a config version's reason call it, and its
 * range (the limits of warp.h).
 */
enum warp_net_int {
	WARP_NI_MTU,
	WARP_NI_KEEPALIVE,
	WARP_NI_PORT
};

static const struct {
	const char	*what;
	int		 min;
	int		 max;
	const char	*unit;
} warp_net_ints[] = {
	[WARP_NI_MTU] =		{ "MTU", WARP_MTU_MIN, WARP_MTU_MAX, "" },
	[WARP_NI_KEEPALIVE] =	{ "keepalive", 0, WARP_KEEPALIVE_MAX,
				  " seconds (0: off)" },
	[WARP_NI_PORT] =	{ "listen port", 1, WARP_PORT_MAX, "" },
};

static int
warp_network_int_check(enum warp_net_int which, int v, struct warp_err *err)
{
	if (v >= warp_net_ints[which].min && v <= warp_net_ints[which].max)
		return (0);
	return (warp_err_input(err, "%s %d must be from %d to %d%s",
	    warp_net_ints[which].what, v, warp_net_ints[which].min,
	    warp_net_ints[which].max, warp_net_ints[which].unit));
}

/*
 * Options that only some network types take: each is refused, with the
 * same words on create and on edit, when given for another type.
 */
#define WARP_T(t)	(1u << (t))

enum warp_net_opt {
	WARP_NO_PEER,
	WARP_NO_RESOURCES,
	WARP_NO_VLANS,
	WARP_NO_VNI
};

static const struct {
	unsigned int	 types;
	const char	*msg;
} warp_net_opts[] = {
	[WARP_NO_PEER] =	{ WARP_T(WARP_NET_SECURE_INTERNET),
	    "peer communication applies to secure-internet networks only" },
	[WARP_NO_RESOURCES] =	{ WARP_T(WARP_NET_RESOURCE_GATEWAY),
	    "resource subnets apply to resource-gateway networks only" },
	[WARP_NO_VLANS] =	{ WARP_T(WARP_NET_L2_P2P) |
				  WARP_T(WARP_NET_L2_MESH),
	    "VLANs apply to l2-p2p and l2-mesh networks only" },
	[WARP_NO_VNI] =		{ WARP_T(WARP_NET_L2_MESH),
	    "a VNI applies to l2-mesh networks only" },
};

static int
warp_network_opt_check(enum warp_net_opt opt, enum warp_net_type t,
    struct warp_err *err)
{
	if (warp_net_opts[opt].types & WARP_T(t))
		return (0);
	return (warp_err_input(err, "%s", warp_net_opts[opt].msg));
}

/*
 * Create, step 1 (no database): the spec's own fields.  Fills n with what
 * it says, and the prefix and user count with the overlay size it asks for.
 */
static int
warp_network_check_spec(const struct warp_network_spec *s,
    struct warp_network *n, int *prefix, long *users, struct warp_err *err)
{
	if (warp_name_validate("network", s->name, err) == -1 ||
	    warp_description_validate(s->description, err) == -1)
		return (-1);
	if ((int)s->type < 0 || s->type >= WARP_NET_NTYPES)
		return (warp_err_input(err, "unknown network type"));
	n->type = s->type;
	(void)snprintf(n->name, sizeof(n->name), "%s", s->name);

	if ((s->peer_communication &&
	    warp_network_opt_check(WARP_NO_PEER, n->type, err) == -1) ||
	    (s->nresources > 0 &&
	    warp_network_opt_check(WARP_NO_RESOURCES, n->type, err) == -1))
		return (-1);
	if (s->nresources == 0 && n->type == WARP_NET_RESOURCE_GATEWAY) {
		warp_err_input(err, "a resource-gateway network needs at least "
		    "one resource subnet");
		return (warp_err_field(err, WARP_F_RESOURCES));
	}
	if (((s->vlan != NULL || s->vlan_range != NULL) &&
	    warp_network_opt_check(WARP_NO_VLANS, n->type, err) == -1) ||
	    (s->vni != NULL &&
	    warp_network_opt_check(WARP_NO_VNI, n->type, err) == -1))
		return (-1);
	if (warp_vlan_parse(s->vlan, s->vlan_range, &n->vlan_min,
	    &n->vlan_max, err) == -1)
		return (-1);
	if (s->vni != NULL && warp_vni_parse(s->vni, &n->vni, err) == -1)
		return (-1);
	/* 0 (mtu, port) and -1 (keepalive) ask for the default. */
	if ((s->mtu != 0 &&
	    warp_network_int_check(WARP_NI_MTU, s->mtu, err) == -1) ||
	    (s->keepalive != -1 &&
	    warp_network_int_check(WARP_NI_KEEPALIVE, s->keepalive,
	    err) == -1) ||
	    (s->listen_port != 0 &&
	    warp_network_int_check(WARP_NI_PORT, s->listen_port, err) == -1))
		return (-1);
	if (s->dns != NULL &&
	    warp_dns_parse(s->dns, n->dns, sizeof(n->dns), err) == -1)
		return (-1);
	return (warp_network_check_size(s, n, prefix, users, err));
}

/* Create, step 1b: the overlay subnet, given or sized from expected users. */
static int
warp_network_check_size(const struct warp_network_spec *s,
    struct warp_network *n, int *prefix, long *users, struct warp_err *err)
{
	*users = s->expected_users;
	if (n->type == WARP_NET_L2_P2P) {
		if (*users > 2)
			return (warp_err_input(err, "an l2-p2p network joins "
			    "exactly 2 sites, not %ld", *users));
		*users = 6;	/* gateway + 2 sites need a /29 */
	} else if (*users == 0)
		*users = 14;
	if (warp_prefix_for_users(*users, prefix, err) == -1)
		return (-1);
	if (s->subnet == NULL)
		return (0);
	if (warp_cidr_parse(s->subnet, &n->subnet, err) == -1)
		return (-1);
	if (n->subnet.len < 16 || n->subnet.len > 30)
		return (warp_err_input(err, "overlay subnet %s must be from /16 "
		    "to /30", s->subnet));
	if (n->type == WARP_NET_L2_P2P && n->subnet.len > 29)
		return (warp_err_input(err, "an l2-p2p network needs at least a "
		    "/29 (gateway and 2 sites)"));
	if (s->expected_users > 0 && n->subnet.len > *prefix)
		return (warp_err_input(err, "subnet %s is too small for %ld "
		    "users (needs a /%d)", s->subnet, s->expected_users,
		    *prefix));
	*users = s->expected_users > 0 ? s->expected_users :
	    (1L << (32 - n->subnet.len)) - 2;
	return (0);
}

/* Whether `sql` (?1 = value, ?2 = id to skip) finds another network. */
static int
warp_network_taken(struct warp_db *db, const char *sql, int64_t v,
    int64_t self, const char *what, struct warp_err *err)
{
	int	found;

	if (warp_int_exists(db, sql, v, self, &found, err) == -1)
		return (-1);
	if (found)
		return (warp_err_set(err, WARP_ECONFLICT, "%s %lld is already "
		    "used by another network", what, (long long)v));
	return (0);
}

/*
 * Create, step 2 (inside the transaction): what must be unique or comes
 * from a pool: subnet, name, listen port, VLANs, VNI, VCID, table.
 */
static int
warp_network_allocate(struct warp_db *db, const struct warp_network_spec *s,
    const struct warp_server_config *sc, int prefix, struct warp_network *n,
    struct warp_cidr *res, struct warp_err *err)
{
	int64_t	vni;
	int	found;

	if (s->subnet != NULL) {
		if (warp_network_check_subnet(db, &n->subnet, 0, err) == -1)
			return (-1);
	} else {
		if (warp_network_alloc_subnet(db, &sc->containers[n->type],
		    prefix, &n->subnet, err) == -1)
			return (-1);
		/* Resources were checked against no overlay yet. */
		if (warp_network_parse_resources(s->resources, s->nresources,
		    &n->subnet, res, err) == -1)
			return (-1);
	}
	if (warp_network_name_taken(db, n->name, err) == -1)
		return (-1);
	if (s->listen_port > 0) {
		if (warp_network_taken(db, "SELECT 1 FROM networks WHERE "
		    "listen_port = ?1 AND id != ?2", s->listen_port, 0,
		    "listen port", err) == -1)
			return (-1);
		n->listen_port = s->listen_port;
	} else if (warp_network_alloc_port(db, sc, &n->listen_port, err) == -1)
		return (-1);
	if (warp_network_check_vlans(db, n->vlan_min, n->vlan_max, 0,
	    err) == -1)
		return (-1);
	if (n->type == WARP_NET_L2_MESH && n->vni != 0) {
		if (warp_network_taken(db, "SELECT 1 FROM networks WHERE "
		    "vni = ?1 AND id != ?2", n->vni, 0, "VNI", err) == -1)
			return (-1);
	} else if (n->type == WARP_NET_L2_MESH) {
		if (warp_network_lowest_free(db, "SELECT vni FROM networks "
		    "WHERE vni BETWEEN ?1 AND ?2 ORDER BY vni", 100,
		    WARP_VNI_MAX, &vni, err) == -1)
			return (-1);
		if (vni == 0)
			return (warp_err_set(err, WARP_ECONFLICT, "every VNI "
			    "from 100 to %d is taken", WARP_VNI_MAX));
		n->vni = (uint32_t)vni;
	}
	/* VCID: 8 random digits, unique; it also names kernel objects. */
	do {
		n->vcid = WARP_VCID_MIN + randombytes_uniform(WARP_VCID_MAX -
		    WARP_VCID_MIN + 1);
		if (warp_int_exists(db, "SELECT 1 FROM networks WHERE vcid = ?1 "
		    "AND id != ?2", n->vcid, 0, &found, err) == -1)
			return (-1);
	} while (found);
	warp_network_ifnames(n);
	if (warp_ifname_validate(n->if_vrf, err) == -1)
		return (-1);
	n->table_id = (int)n->vcid;
	if (s->dns == NULL && n->type == WARP_NET_SECURE_INTERNET)
		(void)snprintf(n->dns, sizeof(n->dns), "%s", sc->default_dns);
	n->mtu = s->mtu ? s->mtu : sc->default_mtu;
	n->keepalive = s->keepalive >= 0 ? s->keepalive : sc->default_keepalive;
	n->peer_communication = s->peer_communication ? 1 : 0;
	return (0);
}

static int
warp_network_name_taken(struct warp_db *db, const char *name,
    struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (warp_db_prepare(db, &st, "SELECT 1 FROM networks WHERE name = ?",
	    err) == -1)
		return (-1);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return (warp_err_set(err, WARP_ECONFLICT, "a network named '%s' "
		    "already exists", name));
	return (0);
}

/* Create, step 3: the gateway keypair and the row itself. */
static int
warp_network_insert(struct warp_db *db, const char *description,
    struct warp_network *n, const struct warp_cidr *res, size_t nres,
    struct warp_err *err)
{
	uint8_t		 priv[WARP_KEY_LEN], pub[WARP_KEY_LEN];
	uint8_t		*sealed = NULL;
	size_t		 sealed_len;
	sqlite3_stmt	*st;
	char		 subnet[WARP_CIDR_STRLEN];
	int		 rc;

	if (warp_key_generate(priv, pub) == -1)
		return (warp_err_system(err, "key generation failed"));
	warp_key_to_base64(pub, n->public_key);
	rc = warp_seal(db, "networks.private_key", priv, sizeof(priv), &sealed,
	    &sealed_len, err);
	sodium_memzero(priv, sizeof(priv));
	if (rc == -1)
		return (-1);
	warp_cidr_format(&n->subnet, subnet, sizeof(subnet));
	if (warp_db_prepare(db, &st, "INSERT INTO networks (vcid, name, type, "
	    "description, subnet, expected_users, listen_port, private_key, "
	    "public_key, dns, mtu, keepalive, peer_communication, vlan_min, "
	    "vlan_max, vni, table_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?)", err) == -1) {
		free(sealed);
		return (-1);
	}
	sqlite3_bind_int64(st, 1, n->vcid);
	sqlite3_bind_text(st, 2, n->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, warp_net_type_name(n->type), -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 4, description ? description : "", -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, subnet, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 6, n->expected_users);
	sqlite3_bind_int(st, 7, n->listen_port);
	sqlite3_bind_blob(st, 8, sealed, (int)sealed_len, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 9, n->public_key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 10, n->dns, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 11, n->mtu);
	sqlite3_bind_int(st, 12, n->keepalive);
	sqlite3_bind_int(st, 13, n->peer_communication);
	sqlite3_bind_int(st, 14, n->vlan_min);
	sqlite3_bind_int(st, 15, n->vlan_max);
	if (n->vni != 0)
		sqlite3_bind_int64(st, 16, n->vni);
	else
		sqlite3_bind_null(st, 16);
	sqlite3_bind_int(st, 17, n->table_id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	free(sealed);
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "storing the network"));
	n->id = sqlite3_last_insert_rowid(db->sql);
	return (warp_network_store_resources(db, n->id, res, nres, err));
}

/* Validate (no db), then allocate and insert in one transaction. */
int
warp_network_create(struct warp_db *db, const struct warp_network_spec *s,
    int64_t *idp, struct warp_err *err)
{
	struct warp_server_config	 sc;
	struct warp_network		 n;
	struct warp_cidr		 res[WARP_MAX_RESOURCES];
	long				 users = 0;
	int				 prefix = 0;

	memset(&n, 0, sizeof(n));
	if (warp_network_check_spec(s, &n, &prefix, &users, err) == -1 ||
	    warp_network_parse_resources(s->resources, s->nresources,
	    s->subnet != NULL ? &n.subnet : &(struct warp_cidr){ 0, 32 },
	    res, err) == -1)
		return (-1);
	n.expected_users = (int)users;
	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_server_config_get(db, &sc, err) == -1 ||
	    warp_network_allocate(db, s, &sc, prefix, &n, res, err) == -1 ||
	    warp_network_insert(db, s->description, &n, res, s->nresources,
	    err) == -1 ||
	    warp_db_mark_pending(db, "network", n.id, err) == -1 ||
	    warp_audit(db, s->actor, "network.create", "network", n.name,
	    err) == -1) {
		warp_db_rollback(db);
		return (-1);
	}
	if (warp_db_commit(db, err) == -1)
		return (-1);
	if (idp != NULL)
		*idp = n.id;
	return (0);
}

/*
 * Bulk create, step 1 (no database): the pattern, the count, the type
 * list, and that each type-bound option fits one of the listed types.
 * Subnets and ports come from the pools: one --subnet or --listen-port
 * cannot serve many networks.
 */
static int
warp_network_bulk_check(const struct warp_network_spec *t,
    const enum warp_net_type *types, size_t ntypes, const char *pattern,
    long start, long count, struct warp_err *err)
{
	unsigned int	mask = 0;
	size_t		i;

	if (pattern == NULL || strstr(pattern, "{n}") == NULL)
		return (warp_err_input(err, "the name pattern must contain "
		    "{n}, e.g. office-{n}"));
	if (strlen(pattern) > WARP_NAME_MAX)
		return (warp_err_input(err, "the name pattern is longer than %d "
		    "characters", WARP_NAME_MAX));
	if (count < 1 || count > WARP_PORT_MAX || start < 0 ||
	    start > 1000000)
		return (warp_err_input(err, "count must be from 1 to %d and "
		    "start from 0 to 1000000", WARP_PORT_MAX));
	if (ntypes == 0 || ntypes > WARP_NET_NTYPES)
		return (warp_err_input(err, "give from 1 to %d network types",
		    WARP_NET_NTYPES));
	for (i = 0; i < ntypes; i++) {
		if ((int)types[i] < 0 || types[i] >= WARP_NET_NTYPES)
			return (warp_err_input(err, "unknown network type"));
		mask |= WARP_T(types[i]);
	}
	if (t->subnet != NULL || t->listen_port != 0)
		return (warp_err_input(err, "networks created in bulk take "
		    "their subnets and listen ports from the pools (no subnet "
		    "or listen port)"));
	if ((t->peer_communication && !(mask & warp_net_opts[WARP_NO_PEER].types))
	    || (t->nresources > 0 &&
	    !(mask & warp_net_opts[WARP_NO_RESOURCES].types)) ||
	    ((t->vlan != NULL || t->vlan_range != NULL) &&
	    !(mask & warp_net_opts[WARP_NO_VLANS].types)) ||
	    (t->vni != NULL && !(mask & warp_net_opts[WARP_NO_VNI].types)))
		return (warp_err_input(err, "an option applies to none of the "
		    "listed network types (%s)", t->peer_communication &&
		    !(mask & warp_net_opts[WARP_NO_PEER].types) ?
		    warp_net_opts[WARP_NO_PEER].msg : t->nresources > 0 &&
		    !(mask & warp_net_opts[WARP_NO_RESOURCES].types) ?
		    warp_net_opts[WARP_NO_RESOURCES].msg : t->vni != NULL &&
		    !(mask & warp_net_opts[WARP_NO_VNI].types) ?
		    warp_net_opts[WARP_NO_VNI].msg :
		    warp_net_opts[WARP_NO_VLANS].msg));
	if (t->vni != NULL)
		return (warp_vni_parse(t->vni, &(uint32_t){ 0 }, err));
	return (0);
}

/*
 * Bulk create, the spec of one network of type `type`, the rank-th of
 * that type in the call: the template, less the options its type does
 * not take; its resource subnets are the template's shifted by rank
 * blocks of their own size, its VNI the template's plus rank.
 */
static int
warp_network_bulk_spec(const struct warp_network_spec *t,
    enum warp_net_type type, long rank, struct warp_network_spec *s,
    char res[][WARP_CIDR_STRLEN], char *vni, size_t vnisz,
    struct warp_err *err)
{
	struct warp_cidr	c;
	uint64_t		addr;
	uint32_t		v;
	size_t			i;

	*s = *t;
	s->type = type;
	if (!(warp_net_opts[WARP_NO_PEER].types & WARP_T(type)))
		s->peer_communication = 0;
	if (!(warp_net_opts[WARP_NO_VLANS].types & WARP_T(type)))
		s->vlan = s->vlan_range = NULL;
	if (!(warp_net_opts[WARP_NO_VNI].types & WARP_T(type)))
		s->vni = NULL;
	else if (t->vni != NULL) {
		if (warp_vni_parse(t->vni, &v, err) == -1)
			return (-1);
		if ((long)v + rank > WARP_VNI_MAX)
			return (warp_err_input(err, "VNI %s plus %ld runs past "
			    "%d", t->vni, rank, WARP_VNI_MAX));
		(void)snprintf(vni, vnisz, "%ld", (long)v + rank);
		s->vni = vni;
	}
	if (!(warp_net_opts[WARP_NO_RESOURCES].types & WARP_T(type))) {
		s->nresources = 0;
		return (0);
	}
	for (i = 0; i < t->nresources && rank > 0; i++) {
		if (warp_cidr_parse(t->resources[i], &c, err) == -1)
			return (-1);
		addr = (uint64_t)c.addr + (uint64_t)rank * (1ULL << (32 - c.len));
		if (addr + (1ULL << (32 - c.len)) > (1ULL << 32))
			return (warp_err_input(err, "resource subnet %s shifted "
			    "by %ld blocks runs past 255.255.255.255",
			    t->resources[i], rank));
		c.addr = (uint32_t)addr;
		warp_cidr_format(&c, res[i], WARP_CIDR_STRLEN);
		s->resources[i] = res[i];
	}
	return (0);
}

/*
 * Bulk add: count networks named from a pattern with {n} (start, start+1,
 * ...), their types cycling through types[], all in one transaction: every
 * one is created or none is, and the error names the one refused.
 */
int
warp_network_create_bulk(struct warp_db *db, const struct warp_network_spec *t,
    const enum warp_net_type *types, size_t ntypes, const char *pattern,
    long start, long count, int64_t *ids, struct warp_err *err)
{
	struct warp_network_spec	 s;
	const char			*mark;
	char				 name[WARP_NAME_MAX * 2];
	char				 res[WARP_MAX_RESOURCES][WARP_CIDR_STRLEN];
	char				 vni[24], msg[sizeof(err->msg) + 128];
	long				 i, rank[WARP_NET_NTYPES] = { 0 };
	enum warp_net_type		 type;
	int64_t				 id;

	if (warp_network_bulk_check(t, types, ntypes, pattern, start, count,
	    err) == -1)
		return (-1);
	mark = strstr(pattern, "{n}");
	if (warp_db_begin(db, err) == -1)
		return (-1);
	for (i = 0; i < count; i++) {
		type = types[(size_t)i % ntypes];
		(void)snprintf(name, sizeof(name), "%.*s%ld%s",
		    (int)(mark - pattern), pattern, start + i, mark + 3);
		if (warp_network_bulk_spec(t, type, rank[type]++, &s, res, vni,
		    sizeof(vni), err) == -1 || (s.name = name,
		    warp_network_create(db, &s, &id, err)) == -1) {
			(void)snprintf(msg, sizeof(msg), "network %ld of %ld "
			    "('%s', %s): %.400s; nothing was created", i + 1,
			    count, name, warp_net_type_name(type), err->msg);
			memcpy(err->msg, msg, sizeof(err->msg) - 1);
			err->msg[sizeof(err->msg) - 1] = '\0';
			warp_db_rollback(db);
			return (-1);
		}
		if (ids != NULL)
			ids[i] = id;
	}
	return (warp_db_commit(db, err));
}

int
warp_network_private_key(struct warp_db *db, int64_t id,
    uint8_t key[WARP_KEY_LEN], struct warp_err *err)
{
	return (warp_db_sealed_key(db, "networks", id, "private_key", key,
	    err));
}

static int
warp_network_exec_id(struct warp_db *db, const char *sql, int64_t id,
    struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (warp_db_prepare(db, &st, sql, err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "updating a network"));
	return (0);
}

int
warp_network_delete(struct warp_db *db, const char *ref, const char *actor,
    struct warp_err *err)
{
	struct warp_network	n;

	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_network_get(db, ref, &n, err) == -1 ||
	    warp_network_exec_id(db, "DELETE FROM apply_status WHERE "
	    "object_type = 'endpoint' AND object_id IN (SELECT id FROM "
	    "endpoints WHERE network_id = ?1)", n.id, err) == -1 ||
	    warp_network_exec_id(db, "DELETE FROM apply_status WHERE "
	    "object_type = 'network' AND object_id = ?1", n.id, err) == -1 ||
	    warp_network_exec_id(db, "DELETE FROM networks WHERE id = ?1",
	    n.id, err) == -1 ||
	    warp_db_mark_pending(db, "network", n.id, err) == -1 ||
	    warp_audit(db, actor, "network.delete", "network", n.name,
	    err) == -1) {
		warp_db_rollback(db);
		return (-1);
	}
	return (warp_db_commit(db, err));
}

int
warp_network_set_enabled(struct warp_db *db, const char *ref, int enabled,
    const char *actor, struct warp_err *err)
{
	struct warp_network	n;

	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_network_get(db, ref, &n, err) == -1 ||
	    warp_network_exec_id(db, enabled ? "UPDATE networks SET enabled = 1, "
	    "updated_at = unixepoch() WHERE id = ?1" : "UPDATE networks SET "
	    "enabled = 0, updated_at = unixepoch() WHERE id = ?1", n.id,
	    err) == -1 ||
	    warp_db_mark_pending(db, "network", n.id, err) == -1 ||
	    warp_audit(db, actor, enabled ? "network.resume" :
	    "network.suspend", "network", n.name, err) == -1) {
		warp_db_rollback(db);
		return (-1);
	}
	return (warp_db_commit(db, err));
}

/* Edit: name a changed field in the reason of the new config versions. */
static void
warp_network_changed(struct warp_buf *what, const char *field)
{
	warp_buf_appendf(what, "%s%s", what->len ? ", " : "", field);
}

/* Edit, step 1: the fields that need no other network to check. */
static int
warp_network_edit_fields(const struct warp_network_edit *e,
    struct warp_network *n, struct warp_buf *what, struct warp_err *err)
{
	struct {
		int	 value;		/* -1: unchanged */
		int	*field;
		int	 which;
	} ints[] = {
		{ e->mtu, &n->mtu, WARP_NI_MTU },
		{ e->keepalive, &n->keepalive, WARP_NI_KEEPALIVE },
	};
	char	dns[WARP_DNS_MAX];
	size_t	i;

	if (e->description != NULL) {
		if (warp_description_validate(e->description, err) == -1)
			return (-1);
		(void)snprintf(n->description, sizeof(n->description), "%s",
		    e->description);
		warp_network_changed(what, "description");
	}
	if (e->dns != NULL) {
		if (*e->dns == '\0')
			dns[0] = '\0';
		else if (warp_dns_parse(e->dns, dns, sizeof(dns), err) == -1)
			return (-1);
		(void)snprintf(n->dns, sizeof(n->dns), "%s", dns);
		warp_network_changed(what, "DNS");
	}
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		if (ints[i].value == -1)
			continue;
		if (warp_network_int_check(ints[i].which, ints[i].value,
		    err) == -1)
			return (-1);
		*ints[i].field = ints[i].value;
		warp_network_changed(what, warp_net_ints[ints[i].which].what);
	}
	if (e->peer_communication != -1) {
		if (warp_network_opt_check(WARP_NO_PEER, n->type, err) == -1)
			return (-1);
		n->peer_communication = e->peer_communication ? 1 : 0;
		warp_network_changed(what, "peer communication");
	}
	return (0);
}

/* Edit, step 2: the fields that must not clash with other networks. */
static int
warp_network_edit_shared(struct warp_db *db,
    const struct warp_network_edit *e, struct warp_network *n,
    struct warp_buf *what, struct warp_err *err)
{
	struct warp_cidr	res[WARP_MAX_RESOURCES];
	int			vmin, vmax;

	if (e->listen_port != -1) {
		if (warp_network_int_check(WARP_NI_PORT, e->listen_port,
		    err) == -1 ||
		    warp_network_taken(db, "SELECT 1 FROM networks WHERE "
		    "listen_port = ?1 AND id != ?2", e->listen_port, n->id,
		    "listen port", err) == -1)
			return (-1);
		n->listen_port = e->listen_port;
		warp_network_changed(what, "listen port");
	}
	if (e->set_resources) {
		if (warp_network_opt_check(WARP_NO_RESOURCES, n->type,
		    err) == -1)
			return (-1);
		if (e->nresources == 0) {
			warp_err_input(err, "a resource-gateway network needs "
			    "at least one resource subnet");
			return (warp_err_field(err, WARP_F_RESOURCES));
		}
		if (warp_network_parse_resources(e->resources, e->nresources,
		    &n->subnet, res, err) == -1 ||
		    warp_network_store_resources(db, n->id, res, e->nresources,
		    err) == -1)
			return (-1);
		warp_network_changed(what, "resource subnets");
	}
	if (e->vlan != NULL || e->vlan_range != NULL || e->clear_vlan) {
		if (warp_network_opt_check(WARP_NO_VLANS, n->type, err) == -1 ||
		    warp_vlan_parse(e->vlan, e->vlan_range, &vmin, &vmax,
		    err) == -1 ||
		    warp_network_check_vlans(db, vmin, vmax, n->id, err) == -1)
			return (-1);
		n->vlan_min = vmin;
		n->vlan_max = vmax;
		warp_network_changed(what, "VLANs");
	}
	return (0);
}

/*
 * Edit, step 3a: the subnet an edit of the size asks for.  Expected users
 * only ever grow it: to the one larger prefix that contains the current
 * subnet.  A given subnet (other than the current one) must contain the
 * current one or lie inside it.
 */
static int
warp_network_size_target(const struct warp_network_edit *e,
    const struct warp_network *n, struct warp_cidr *to, struct warp_err *err)
{
	int	prefix = 32;

	*to = n->subnet;
	if (e->expected_users != 0 &&
	    warp_prefix_for_users(e->expected_users, &prefix, err) == -1)
		return (warp_err_field(err, WARP_F_EXPECTED_USERS));
	if (e->subnet != NULL) {
		if (warp_cidr_parse(e->subnet, to, err) == -1)
			return (warp_err_field(err, WARP_F_SUBNET));
		/* A form sends the subnet it showed with the users it asks. */
		if (to->addr != n->subnet.addr || to->len != n->subnet.len)
			return (warp_network_size_given(e, n, to, prefix, err));
	}
	if (prefix < n->subnet.len) {
		to->len = prefix;
		to->addr = n->subnet.addr & warp_cidr_mask(prefix);
	}
	return (0);
}

/* Edit, step 3a': a subnet given that differs from the current one. */
static int
warp_network_size_given(const struct warp_network_edit *e,
    const struct warp_network *n, const struct warp_cidr *to, int prefix,
    struct warp_err *err)
{
	char	cur[WARP_CIDR_STRLEN];

	warp_cidr_format(&n->subnet, cur, sizeof(cur));
	if (to->len < 16 || to->len > 30) {
		warp_err_input(err, "overlay subnet %s must be from /16 to /30",
		    e->subnet);
		return (warp_err_field(err, WARP_F_SUBNET));
	}
	if (to->len > prefix) {
		warp_err_input(err, "subnet %s is too small for %ld users "
		    "(needs a /%d)", e->subnet, e->expected_users, prefix);
		return (warp_err_field(err, WARP_F_SUBNET));
	}
	if (!warp_cidr_overlaps(to, &n->subnet)) {
		warp_err_input(err, "subnet %s does not contain network '%s''s "
		    "subnet %s: a network grows in place (its endpoints keep "
		    "their addresses), e.g. to a shorter prefix of %s",
		    e->subnet, n->name, cur, cur);
		return (warp_err_field(err, WARP_F_SUBNET));
	}
	return (0);
}

/*
 * Edit, step 3b: every address in use (the gateway's, the endpoints') is a
 * host address of the new subnet, and its overlay overlaps no resource or
 * LAN subnet of the network.
 */
static int
warp_network_size_fits(struct warp_db *db, const struct warp_network *n,
    const struct warp_cidr *to, struct warp_err *err)
{
	sqlite3_stmt		*st;
	struct warp_cidr	 lan;
	struct warp_err		 ignore;
	uint32_t		 a, last;
	size_t			 i;
	char			 buf[WARP_CIDR_STRLEN];
	int			 rc, bad = 0;

	warp_cidr_format(to, buf, sizeof(buf));
	last = to->addr + (uint32_t)((1ULL << (32 - to->len)) - 1);
	if (n->gateway_ip <= to->addr || n->gateway_ip >= last) {
		warp_err_input(err, "subnet %s would leave out the gateway's "
		    "address; a network shrinks only around the addresses in "
		    "use", buf);
		return (warp_err_field(err, WARP_F_SUBNET));
	}
	for (i = 0; i < n->nresources; i++) {
		if (warp_cidr_overlaps(to, &n->resources[i]))
			return (warp_err_input(err, "subnet %s would overlap "
			    "the network's resource subnet; change that first",
			    buf));
	}
	if (warp_db_prepare(db, &st, "SELECT e.name, e.overlay_ip, l.cidr FROM "
	    "endpoints e LEFT JOIN endpoint_lans l ON l.endpoint_id = e.id "
	    "WHERE e.network_id = ?", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, n->id);
	while (!bad && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (warp_ip_parse((const char *)sqlite3_column_text(st, 1), &a,
		    &ignore) == 0 && (a <= to->addr || a >= last)) {
			warp_err_set(err, WARP_ECONFLICT, "network '%s' cannot "
			    "shrink to %s: endpoint '%s' uses %s; a network "
			    "shrinks only around the addresses in use", n->name,
			    buf, sqlite3_column_text(st, 0),
			    sqlite3_column_text(st, 1));
			bad = 1;
		} else if (sqlite3_column_type(st, 2) != SQLITE_NULL &&
		    warp_cidr_parse((const char *)sqlite3_column_text(st, 2),
		    &lan, &ignore) == 0 && warp_cidr_overlaps(to, &lan)) {
			warp_err_set(err, WARP_ECONFLICT, "subnet %s would "
			    "overlap LAN subnet %s of site '%s'", buf,
			    sqlite3_column_text(st, 2),
			    sqlite3_column_text(st, 0));
			bad = 1;
		}
	}
	sqlite3_finalize(st);
	if (bad)
		return (warp_err_field(err, WARP_F_SUBNET));
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "checking the new subnet"));
	return (0);
}

/*
 * Edit, step 3: the size.  *moved: the subnet changed (the address pool
 * is rebuilt for it).  The gateway keeps its address, stored from now on.
 */
static int
warp_network_edit_size(struct warp_db *db, const struct warp_network_edit *e,
    struct warp_network *n, int *moved, struct warp_buf *what,
    struct warp_err *err)
{
	struct warp_cidr	to;
	long			count;

	*moved = 0;
	if (e->subnet == NULL && (e->expected_users == 0 ||
	    e->expected_users == n->expected_users))
		return (0);	/* a form sends the size it showed */
	if (warp_network_size_target(e, n, &to, err) == -1)
		return (-1);
	if (to.addr == n->subnet.addr && to.len == n->subnet.len &&
	    (e->expected_users == 0 || e->expected_users == n->expected_users))
		return (0);
	if (n->type == WARP_NET_L2_P2P) {
		warp_err_input(err, "an l2-p2p network joins exactly 2 sites; "
		    "its size does not change");
		return (warp_err_field(err, e->subnet != NULL ? WARP_F_SUBNET :
		    WARP_F_EXPECTED_USERS));
	}
	count = warp_network_count_endpoints(db, n->id);
	if (e->expected_users != 0 && e->expected_users != n->expected_users &&
	    e->expected_users < count) {
		warp_err_input(err, "network '%s' has %ld endpoints; expected "
		    "users cannot be fewer", n->name, count);
		return (warp_err_field(err, WARP_F_EXPECTED_USERS));
	}
	if (to.addr != n->subnet.addr || to.len != n->subnet.len) {
		if (warp_network_check_subnet(db, &to, n->id, err) == -1 ||
		    warp_network_size_fits(db, n, &to, err) == -1)
			return (warp_err_field(err, WARP_F_SUBNET));
		n->subnet = to;
		*moved = 1;
		warp_network_changed(what, "subnet");
	}
	if (e->expected_users != 0 && e->expected_users != n->expected_users) {
		n->expected_users = (int)e->expected_users;
		warp_network_changed(what, "expected users");
	} else if (*moved && e->expected_users == 0)
		n->expected_users = (int)((1L << (32 - to.len)) - 2);
	return (0);
}

static int
warp_network_store_edit(struct warp_db *db, const struct warp_network *n,
    struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	char		 subnet[WARP_CIDR_STRLEN], gw[WARP_IP_STRLEN];

	warp_cidr_format(&n->subnet, subnet, sizeof(subnet));
	warp_ip_format(n->gateway_ip, gw, sizeof(gw));
	if (warp_db_prepare(db, &st, "UPDATE networks SET description = ?, "
	    "dns = ?, mtu = ?, keepalive = ?, peer_communication = ?, "
	    "listen_port = ?, vlan_min = ?, vlan_max = ?, subnet = ?10, "
	    "expected_users = ?11, gateway_ip = ?12, updated_at = "
	    "unixepoch() WHERE id = ?9", err) == -1)
		return (-1);
	sqlite3_bind_text(st, 10, subnet, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 11, n->expected_users);
	sqlite3_bind_text(st, 12, gw, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 1, n->description, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, n->dns, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, n->mtu);
	sqlite3_bind_int(st, 4, n->keepalive);
	sqlite3_bind_int(st, 5, n->peer_communication);
	sqlite3_bind_int(st, 6, n->listen_port);
	sqlite3_bind_int(st, 7, n->vlan_min);
	sqlite3_bind_int(st, 8, n->vlan_max);
	sqlite3_bind_int64(st, 9, n->id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (warp_db_sqlerr(db, err, "updating the network"));
	return (0);
}

/*
 * Edit a network.  Every endpoint whose rendered config changes as a result
 * gets a new config version whose reason names the changed fields.
 */
int
warp_network_update(struct warp_db *db, const char *ref,
    const struct warp_network_edit *e, const char *actor, struct warp_err *err)
{
	struct warp_network	n;
	struct warp_buf		what;
	char			reason[128];
	int			moved;

	warp_buf_init(&what);
	if (warp_db_begin(db, err) == -1)
		return (-1);
	if (warp_network_get(db, ref, &n, err) == -1 ||
	    warp_network_edit_fields(e, &n, &what, err) == -1 ||
	    warp_network_edit_size(db, e, &n, &moved, &what, err) == -1 ||
	    warp_network_edit_shared(db, e, &n, &what, err) == -1 ||
	    (moved && warp_pool_reset(db, n.id, err) == -1))
		goto fail;
	if (what.len == 0) {
		warp_err_input(err, "nothing to change");
		goto fail;
	}
	(void)snprintf(reason, sizeof(reason), "network edited: %s",
	    what.data);
	if (warp_network_store_edit(db, &n, err) == -1 ||
	    warp_config_refresh_network(db, n.id, reason, actor, err) == -1 ||
	    warp_db_mark_pending(db, "network", n.id, err) == -1 ||
	    warp_audit(db, actor, "network.update", "network", n.name,
	    err) == -1)
		goto fail;
	warp_buf_free(&what);
	return (warp_db_commit(db, err));
fail:
	warp_buf_free(&what);
	warp_db_rollback(db);
	return (-1);
}

int
warp_network_count(struct warp_db *db, long *n, struct warp_err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	*n = 0;
	if (warp_db_prepare_cached(db, &st, "SELECT count(*) FROM networks",
	    err) == -1)
		return (-1);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	warp_db_release(db, st);
	if (rc != SQLITE_ROW)
		return (warp_db_sqlerr(db, err, "counting networks"));
	return (0);
}

/*
 * How many endpoints a network has (0 when it cannot be read): the
 * counter the schema's triggers keep (network_counts), one row.
 */
long
warp_network_count_endpoints(struct warp_db *db, int64_t id)
{
	sqlite3_stmt	*st;
	struct warp_err	 err;
	long		 n = 0;

	if (warp_db_prepare_cached(db, &st, "SELECT endpoints FROM "
	    "network_counts WHERE network_id = ?", &err) == -1)
		return (0);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	warp_db_release(db, st);
	return (n);
}

/* ------------------------------------------------- the reconciler's check */

/* A raw resource row is at most this long; longer is malformed. */
#define WARP_NET_RESTEXT	64

/* The resource list as stored (every row), through the edge's parser. */
static int
warp_network_resource_rows(struct warp_db *db, const struct warp_network *n,
    struct warp_err *err)
{
	sqlite3_stmt		*st;
	struct warp_cidr	*out;
	char			(*text)[WARP_NET_RESTEXT];
	const char		*in[WARP_MAX_RESOURCES + 1], *t;
	size_t			 count = 0;
	int			 rc, ret;

	if (warp_db_prepare_cached(db, &st,
	    "SELECT cidr FROM network_resources "
	    "WHERE network_id = ? ORDER BY rowid", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, n->id);
	text = warp_xcalloc(WARP_MAX_RESOURCES + 1, sizeof(*text));
	out = warp_xcalloc(WARP_MAX_RESOURCES + 1, sizeof(*out));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (count <= WARP_MAX_RESOURCES) {
			t = (const char *)sqlite3_column_text(st, 0);
			if (t == NULL || strlen(t) >= WARP_NET_RESTEXT)
				t = "(malformed)";
			(void)snprintf(text[count], sizeof(text[count]), "%s", t);
			in[count] = text[count];
		}
		count++;
	}
	warp_db_release(db, st);
	if (rc != SQLITE_DONE)
		ret = warp_db_sqlerr(db, err, "reading resource subnets");
	else
		ret = warp_network_parse_resources(in, count, &n->subnet, out,
		    err);
	free(text);
	free(out);
	return (ret);
}

/* Names, table and VLAN/VNI: what the kernel objects are made of. */
static int
warp_network_kernel_fields(const struct warp_network *n, struct warp_err *err)
{
	struct warp_network	d;
	const char		*have[4], *want[4];
	size_t			 i;

	if (n->vcid < WARP_VCID_MIN || n->vcid > WARP_VCID_MAX)
		return (warp_err_input(err, "VCID %u is not %d-%d: the interface "
		    "names derived from it are not the network's", n->vcid,
		    WARP_VCID_MIN, WARP_VCID_MAX));
	memset(&d, 0, sizeof(d));
	d.vcid = n->vcid;
	warp_network_ifnames(&d);
	have[0] = n->if_wg; have[1] = n->if_vrf;
	have[2] = n->if_br; have[3] = n->if_vx;
	want[0] = d.if_wg; want[1] = d.if_vrf;
	want[2] = d.if_br; want[3] = d.if_vx;
	for (i = 0; i < 4; i++) {
		if (strcmp(have[i], want[i]) != 0)
			return (warp_err_input(err, "interface name %s is not "
			    "derived from VCID %u (%s)", have[i], n->vcid,
			    want[i]));
		if (warp_ifname_validate(have[i], err) == -1)
			return (-1);
	}
	if (n->table_id != (int)n->vcid)
		return (warp_err_input(err, "routing table %d is not the "
		    "network's own (%u, its VCID)", n->table_id, n->vcid));
	if ((n->type == WARP_NET_L2_P2P || n->type == WARP_NET_L2_MESH) &&
	    (n->vlan_min < 0 || n->vlan_max > WARP_VLAN_MAX ||
	    n->vlan_min > n->vlan_max || (n->vlan_max > 0 && n->vlan_min < 1)))
		return (warp_err_input(err, "VLANs %d-%d are not within 1-%d",
		    n->vlan_min, n->vlan_max, WARP_VLAN_MAX));
	if (n->type == WARP_NET_L2_MESH && (n->vni < 1 || n->vni > WARP_VNI_MAX))
		return (warp_err_input(err, "VNI %u is not within 1-%d", n->vni,
		    WARP_VNI_MAX));
	return (0);
}

/*
 * The root side trusts nothing a worker can write (issue #12): a network
 * as the reconciler loaded it, checked again with the edge's validators
 * and the rules of allocation (names and table from the VCID).  err
 * names the first fault, in words for the network's apply status.
 */
int
warp_network_revalidate(struct warp_db *db, const struct warp_network *n,
    struct warp_err *err)
{
	uint8_t	key[WARP_KEY_LEN];
	char	dns[WARP_DNS_MAX], net[WARP_CIDR_STRLEN];

	if (warp_name_validate("network", n->name, err) == -1 ||
	    warp_network_kernel_fields(n, err) == -1 ||
	    warp_network_int_check(WARP_NI_MTU, n->mtu, err) == -1 ||
	    warp_network_int_check(WARP_NI_KEEPALIVE, n->keepalive, err) == -1 ||
	    warp_network_int_check(WARP_NI_PORT, n->listen_port, err) == -1)
		return (-1);
	if (n->subnet.len < WARP_PREFIX_MIN || n->subnet.len > WARP_PREFIX_MAX ||
	    (n->subnet.addr & ~warp_cidr_mask(n->subnet.len)) != 0) {
		warp_cidr_format(&n->subnet, net, sizeof(net));
		return (warp_err_input(err, "overlay subnet %s is not a /%d to "
		    "/%d network", net, WARP_PREFIX_MIN, WARP_PREFIX_MAX));
	}
	if (warp_key_from_base64(n->public_key, key) == -1)
		return (warp_err_input(err, "its public key is not a WireGuard "
		    "key"));
	if (n->dns[0] != '\0' && warp_dns_parse(n->dns, dns, sizeof(dns),
	    err) == -1)
		return (-1);
	return (warp_network_resource_rows(db, n, err));
}
