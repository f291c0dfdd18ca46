/*
 * warpctl: the command-line front end of WARP gateway.  Parses arguments,
 * calls the core library, prints results.  Exit status: 0 success, 1 bad
 * input (nothing changed), 2 system error.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "warpctl.h"
#include "warp_auth.h"

#define EXIT_INPUT	1
#define EXIT_SYSTEM	2

static int	warpctl_usage_of(const char *);
static int	cmd_init(struct warpctl *, int, char **);
static int	cmd_create_network(struct warpctl *, int, char **);
static int	cmd_create_networks(struct warpctl *, int, char **);
static int	cmd_list_networks(struct warpctl *, int, char **);
static int	cmd_show_network(struct warpctl *, int, char **);
static int	cmd_edit_network(struct warpctl *, int, char **);
static int	cmd_network_state(struct warpctl *, int, char **);
static int	cmd_delete_network(struct warpctl *, int, char **);
static int	cmd_create_endpoint(struct warpctl *, int, char **);
static int	cmd_create_endpoints(struct warpctl *, int, char **);
static int	cmd_list_endpoints(struct warpctl *, int, char **);
static int	cmd_show_endpoint(struct warpctl *, int, char **);
static int	cmd_endpoint_state(struct warpctl *, int, char **);
static int	cmd_set_expiry(struct warpctl *, int, char **);
static int	cmd_set_lans(struct warpctl *, int, char **);
static int	cmd_rotate_keys(struct warpctl *, int, char **);
static int	cmd_show_config(struct warpctl *, int, char **);
static int	cmd_export_config(struct warpctl *, int, char **);
static int	cmd_qr(struct warpctl *, int, char **);
static int	cmd_history(struct warpctl *, int, char **);
static int	cmd_diff(struct warpctl *, int, char **);
static int	cmd_rollback(struct warpctl *, int, char **);
static int	cmd_config(struct warpctl *, int, char **);
static int	cmd_audit(struct warpctl *, int, char **);
static int	cmd_backup(struct warpctl *, int, char **);
static int	cmd_restore(struct warpctl *, int, char **);

const struct warpctl_command warpctl_core_commands[] = {
	{ "init", cmd_init,
	    "init [--public-host HOST] [--uplink IFACE] [--dns IP[,IP]]" },
	{ "create-network", cmd_create_network,
	    "create-network NAME --type secure-internet|resource-gateway|"
	    "l3vpn|l2-p2p|l2-mesh\n"
	    "        [--expected-users N] [--subnet CIDR] "
	    "[--peer-communication]\n"
	    "        [--resource-subnet CIDR]... [--vlan ID | --vlan-range A-B] "
	    "[--vni N]\n"
	    "        [--dns IP[,IP]] [--description TEXT] [--mtu N] "
	    "[--keepalive S] [--listen-port P]\n"
	    "        [--default-down RATE] [--default-up RATE]" },
	{ "create-networks", cmd_create_networks,
	    "create-networks PATTERN --count N --type TYPE[,TYPE]... "
	    "[--start N]\n"
	    "        [the options of create-network but --subnet and "
	    "--listen-port]\n"
	    "        (PATTERN contains {n}, e.g. office-{n}; the types take "
	    "turns; an option\n"
	    "        goes to the types that take it; the k-th "
	    "resource-gateway network's\n"
	    "        --resource-subnet is shifted by k blocks of its size, "
	    "the k-th l2-mesh's\n"
	    "        --vni by k; all or nothing)" },
	{ "list-networks", cmd_list_networks, "list-networks [--json]" },
	{ "show-network", cmd_show_network, "show-network NET [--json]" },
	{ "edit-network", cmd_edit_network,
	    "edit-network NET [--description TEXT] [--dns IP[,IP]|--dns '']\n"
	    "        [--mtu N] [--keepalive S] [--peer-communication on|off] "
	    "[--listen-port P]\n"
	    "        [--resource-subnet CIDR]... [--vlan ID | --vlan-range A-B "
	    "| --no-vlan]\n"
	    "        [--default-down RATE] [--default-up RATE]\n"
	    "        [--expected-users N] [--subnet CIDR]   (grow in place: "
	    "endpoints keep their addresses)" },
	{ "suspend-network", cmd_network_state, "suspend-network NET" },
	{ "resume-network", cmd_network_state, "resume-network NET" },
	{ "delete-network", cmd_delete_network, "delete-network NET" },
	{ "create-endpoint", cmd_create_endpoint,
	    "create-endpoint NET NAME --type mobile|cpe|gateway "
	    "[--lan-subnet CIDR]...\n"
	    "        [--public-key KEY] [--expires YYYY-MM-DDTHH:MM:SSZ]" },
	{ "create-endpoints", cmd_create_endpoints,
	    "create-endpoints NET PATTERN --count N --type mobile|cpe|gateway "
	    "[--start N]\n"
	    "        [--expires TIME]   (PATTERN contains {n}, e.g. "
	    "phone-{n})" },
	{ "list-endpoints", cmd_list_endpoints, "list-endpoints [NET] [--json]" },
	{ "show-endpoint", cmd_show_endpoint, "show-endpoint EP [--json]" },
	{ "enable-endpoint", cmd_endpoint_state, "enable-endpoint EP" },
	{ "disable-endpoint", cmd_endpoint_state, "disable-endpoint EP" },
	{ "delete-endpoint", cmd_endpoint_state, "delete-endpoint EP" },
	{ "set-expiry", cmd_set_expiry,
	    "set-expiry EP YYYY-MM-DDTHH:MM:SSZ|never" },
	{ "set-lan-subnets", cmd_set_lans,
	    "set-lan-subnets EP [--lan-subnet CIDR]..." },
	{ "rotate-keys", cmd_rotate_keys, "rotate-keys EP [--public-key KEY]" },
	{ "show-config", cmd_show_config, "show-config EP [--version N]" },
	{ "export-config", cmd_export_config,
	    "export-config EP --filename FILE [--version N]" },
	{ "qr", cmd_qr, "qr EP [--png FILE | --svg FILE]" },
	{ "history", cmd_history, "history EP [--json]" },
	{ "diff", cmd_diff, "diff EP V1 V2" },
	{ "rollback", cmd_rollback, "rollback EP VERSION" },
	{ "config", cmd_config, "config show [--json] | config set KEY VALUE" },
	{ "audit", cmd_audit, "audit [--limit N]" },
	{ "backup", cmd_backup, "backup FILE   (writes FILE and FILE.key)" },
	{ "restore", cmd_restore, "restore FILE [--key KEYFILE] [--force]" },
	{ NULL, NULL, NULL }
};

static const struct warpctl_command *warpctl_tables[] = {
	warpctl_core_commands, warpctl_user_commands, warpctl_kernel_commands,
	warpctl_traffic_commands, warpctl_host_commands
};

static const char	*warpctl_cmdname;

/*
 * The CLI's hint for an input the core named (struct warp_err field); an
 * entry with a command applies to that command only (hint NULL: the core's
 * message says it all) and comes before the general ones.
 */
static const struct {
	const char	*field;
	const char	*hint;
	const char	*cmd;
} warpctl_hints[] = {
	{ WARP_F_EXPECTED_USERS, NULL, "edit-network" },
	{ WARP_F_SUBNET,	NULL, "edit-network" },
	{ WARP_F_EXPECTED_USERS, "create a network with more "
				"--expected-users", "create-network" },
	{ WARP_F_EXPECTED_USERS, "grow the network with `warpctl edit-network "
				"NET --expected-users N`", NULL },
	{ WARP_F_SUBNET,	"give --subnet or widen the container "
				"(warpctl config set container.TYPE CIDR)",
				NULL },
	{ WARP_F_RESOURCES,	"give it with --resource-subnet CIDR", NULL },
	{ WARP_F_TYPE,		"use --type cpe or gateway", NULL },
	{ WARP_F_PUBLIC_HOST,	"give it with --public-host", NULL },
	{ WARP_F_DB,		"run `warpctl init` first (or set --db / "
				"WARP_DB)", NULL },
	{ WARP_F_SETTING_HOST,	"run `warpctl config set public-host HOST`",
				NULL },
	{ WARP_F_PORT_POOL,	"widen it with `warpctl config set port-pool "
				"LOW-HIGH`", NULL },
	{ WARP_F_VERSION,	"see `warpctl history`", NULL },
	{ WARP_F_NETWORK,	"see `warpctl list-networks`", NULL },
	{ WARP_F_ENDPOINT,	"see `warpctl list-endpoints`", NULL },
	{ NULL, NULL, NULL }
};

int
warpctl_fail(const struct warp_err *err)
{
	const char	*hint = NULL;
	int		 i;

	for (i = 0; err->field[0] != '\0' && warpctl_hints[i].field != NULL;
	    i++) {
		if (strcmp(warpctl_hints[i].field, err->field) != 0 ||
		    (warpctl_hints[i].cmd != NULL && (warpctl_cmdname == NULL ||
		    strcmp(warpctl_hints[i].cmd, warpctl_cmdname) != 0)))
			continue;
		hint = warpctl_hints[i].hint;
		break;
	}
	fprintf(stderr, "warpctl: %s%s%s\n", err->msg[0] ? err->msg :
	    "unknown error", hint != NULL ? "; " : "",
	    hint != NULL ? hint : "");
	return (err->kind == WARP_ESYSTEM ? EXIT_SYSTEM : EXIT_INPUT);
}

int
warpctl_usage(const char *cmd, const char *usage)
{
	fprintf(stderr, "warpctl %s: bad arguments\nusage: warpctl %s\n", cmd,
	    usage);
	return (EXIT_INPUT);
}

/* Usage error for a command of this file, with its usage line. */
static int
warpctl_usage_of(const char *cmd)
{
	int	i;

	for (i = 0; warpctl_core_commands[i].name != NULL; i++) {
		if (strcmp(warpctl_core_commands[i].name, cmd) == 0)
			return (warpctl_usage(cmd,
			    warpctl_core_commands[i].usage));
	}
	return (warpctl_usage(cmd, cmd));
}

static int
warpctl_bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "warpctl %s: ", warpctl_cmdname);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	return (EXIT_INPUT);
}

struct warp_db *
warpctl_db(struct warpctl *ctl, struct warp_err *err)
{
	if (ctl->db == NULL &&
	    warp_db_open(&ctl->db, ctl->db_path, 0, err) == -1)
		return (NULL);
	return (ctl->db);
}

/* Strict non-negative integer option. */
static int
warpctl_int(const char *what, const char *s, long min, long max, long *out)
{
	char	*end;
	long	 v;

	errno = 0;
	if (s == NULL || *s == '\0' || (s[0] == '0' && s[1] != '\0'))
		goto bad;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		goto bad;
	*out = v;
	return (0);
bad:
	fprintf(stderr, "warpctl %s: %s must be a number from %ld to %ld, not "
	    "'%s'\n", warpctl_cmdname, what, min, max, s ? s : "");
	return (-1);
}

/*
 * getopt_long over a command's own arguments (argv[0] is the command);
 * positional arguments are collected into pos[].
 */
struct warpctl_args {
	char	*pos[8];
	int	 npos;
};

static int
warpctl_getopt(int argc, char **argv, const struct option *opts, int *ch,
    struct warpctl_args *a)
{
	int	c;

	opterr = 0;
	for (;;) {
		c = getopt_long(argc, argv, "-", opts, NULL);
		if (c == 1) {	/* positional, in order */
			if (a->npos >= (int)(sizeof(a->pos) / sizeof(a->pos[0])))
				return (warpctl_bad("too many arguments "
				    "(at '%s')", optarg));
			a->pos[a->npos++] = optarg;
			continue;
		}
		break;
	}
	if (c == '?' || c == ':') {
		if (optopt != 0)
			return (warpctl_bad("option -%c is unknown or needs a "
			    "value", (char[]){ (char)optopt, '\0' }));
		return (warpctl_bad("option '%s' is unknown or needs a value",
		    argv[optind - 1]));
	}
	*ch = c;
	return (0);
}

/* Commands whose only option is --json. */
static int
warpctl_json_opts(int argc, char **argv, struct warpctl_args *a, int *json)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	int	ch;

	*json = 0;
	for (;;) {
		if (warpctl_getopt(argc, argv, opts, &ch, a) != 0)
			return (-1);
		if (ch == -1)
			return (0);
		*json = 1;
	}
}

/* Options create-network and edit-network share; 1: not one of them. */
static int
warpctl_net_option(int ch, int *mtu, int *keepalive, int *port,
    const char **dns, const char **desc, const char **vlan,
    const char **vlan_range, int *rc)
{
	long	v;

	*rc = 0;
	switch (ch) {
	case 'm':
		if (warpctl_int("--mtu", optarg, WARP_MTU_MIN, WARP_MTU_MAX,
		    &v) == -1)
			*rc = -1;
		else
			*mtu = (int)v;
		return (0);
	case 'k':
		if (warpctl_int("--keepalive", optarg, 0,
		    WARP_KEEPALIVE_MAX, &v) == -1)
			*rc = -1;
		else
			*keepalive = (int)v;
		return (0);
	case 'l':
		if (warpctl_int("--listen-port", optarg, 1,
		    WARP_PORT_MAX, &v) == -1)
			*rc = -1;
		else
			*port = (int)v;
		return (0);
	case 'd':
		*dns = optarg;
		return (0);
	case 'D':
		*desc = optarg;
		return (0);
	case 'v':
		*vlan = optarg;
		return (0);
	case 'V':
		*vlan_range = optarg;
		return (0);
	}
	return (1);
}

void
warpctl_print_json(struct warp_buf *b)
{
	fwrite(b->data ? b->data : "", 1, b->len, stdout);
	fputc('\n', stdout);
	warp_buf_free(b);
}

/* ---------------------------------------------------------------- init */

static int
cmd_init(struct warpctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "public-host", required_argument, NULL, 'h' },
		{ "uplink", required_argument, NULL, 'u' },
		{ "dns", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	struct warpctl_args	 a = { .npos = 0 };
	struct warp_err		 err;
	struct warp_db		*db = NULL;
	struct warp_server_config sc;
	const char		*host = NULL, *uplink = NULL, *dns = NULL;
	char			 pw[32], dnsbuf[WARP_DNS_MAX];
	char			 dhost[WARP_HOST_MAX], dev[WARP_IFNAMSIZ];
	struct stat		 st;
	long			 users;
	int			 ch, existed;

	warp_err_clear(&err);
	for (;;) {
		if (warpctl_getopt(argc, argv, opts, &ch, &a) != 0)
			return (EXIT_INPUT);
		if (ch == -1)
			break;
		if (ch == 'h')
			host = optarg;
		else if (ch == 'u')
			uplink = optarg;
		else
			dns = optarg;
	}
	if (a.npos != 0)
		return (warpctl_usage_of("init"));
	/* Check everything before the database is created. */
	if ((host != NULL && warp_host_validate(host, &err) == -1) ||
	    (uplink != NULL && warp_ifname_validate(uplink, &err) == -1) ||
	    (dns != NULL && warp_dns_parse(dns, dnsbuf, sizeof(dnsbuf),
	    &err) == -1))
		return (warpctl_fail(&err));
	/* Detect before anything is created, so a failure leaves nothing. */
	if (host == NULL || uplink == NULL) {
		if (warp_detect_public_address(dhost, sizeof(dhost), dev,
		    sizeof(dev), &err) == -1) {
			if (host == NULL)
				return (warpctl_fail(&err));
		} else {
			if (host == NULL)
				host = dhost;
			if (uplink == NULL)
				uplink = dev;
		}
		warp_err_clear(&err);
	}
	existed = stat(ctl->db_path, &st) == 0;
	if (warp_db_open(&db, ctl->db_path, WARP_DB_CREATE, &err) == -1)
		return (warpctl_fail(&err));
	if (warp_server_init(db, host, uplink, &err) == -1 ||
	    (dns != NULL && warp_server_config_set(db, "default-dns", dnsbuf,
	    &err) == -1) ||
	    warp_audit(db, ctl->actor, "server.init", "server", "", &err) == -1)
		goto fail;
	if (warp_server_config_get(db, &sc, &err) == -1 ||
	    warp_user_count(db, &users, &err) == -1)
		goto fail;
	printf("%s %s\npublic host: %s\nuplink: %s\nlisten port pool: %d-%d\n",
	    existed ? "updated" : "initialised", ctl->db_path, sc.public_host,
	    sc.uplink[0] ? sc.uplink : "(none)", sc.port_min, sc.port_max);
	if (users == 0) {
		if (warp_password_random(pw, sizeof(pw)) == -1 ||
		    warp_user_create(db, "admin", pw, WARP_ROLE_ADMIN, 1,
		    ctl->actor, NULL, &err) == -1)
			goto fail;
		printf("web admin user: admin\none-time password: %s "
		    "(a new one must be chosen at the first sign-in)\n", pw);
		explicit_bzero(pw, sizeof(pw));
	}
	warp_db_close(db);
	return (0);
fail:
	warp_db_close(db);
	return (warpctl_fail(&err));
}

/* ------------------------------------------------------------ networks */

static void
warpctl_network_text(const struct warp_network *n, long endpoints)
{
	char	buf[WARP_CIDR_STRLEN], gw[WARP_IP_STRLEN];
	size_t	i;

	warp_cidr_format(&n->subnet, buf, sizeof(buf));
	warp_ip_format(n->gateway_ip, gw, sizeof(gw));
	printf("id:              %lld\nname:            %s\nvcid:            "
	    "%u\ntype:            %s\n", (long long)n->id, n->name, n->vcid,
	    warp_net_type_name(n->type));
	if (n->description[0])
		printf("description:     %s\n", n->description);
	printf("state:           %s\nsubnet:          %s (gateway %s)\n"
	    "listen port:     %d\npublic key:      %s\n", n->enabled ?
	    "enabled" : "suspended", buf, gw, n->listen_port, n->public_key);
	printf("dns:             %s\nmtu:             %d\nkeepalive:       %d\n",
	    n->dns[0] ? n->dns : "(none)", n->mtu, n->keepalive);
	if (n->type == WARP_NET_SECURE_INTERNET)
		printf("peers:           %s\n", n->peer_communication ?
		    "mesh (peer communication on)" : "hub-and-spoke");
	for (i = 0; i < n->nresources; i++) {
		warp_cidr_format(&n->resources[i], buf, sizeof(buf));
		printf("resource subnet: %s\n", buf);
	}
	if (n->vlan_min > 0)
		printf("vlans:           %d-%d\n", n->vlan_min, n->vlan_max);
	if (n->vni != 0)
		printf("vni:             %u\n", n->vni);
	printf("interfaces:      %s %s", n->if_wg, n->if_vrf);
	if (n->type == WARP_NET_L2_P2P || n->type == WARP_NET_L2_MESH)
		printf(" %s", n->if_br);
	if (n->type == WARP_NET_L2_MESH)
		printf(" %s", n->if_vx);
	printf("\nrouting table:   %d\nendpoints:       %ld\n", n->table_id,
	    endpoints);
}

/* What create-network and create-networks are given. */
struct warpctl_create {
	struct warp_network_spec s;
	enum warp_net_type	 types[WARP_NET_NTYPES];
	size_t			 ntypes;
	const char		*rate[2];	/* --default-down, --default-up */
	long			 count;		/* create-networks only */
	long			 start;
};

/* --type: one type, or (create-networks) a comma list of them. */
static int
warpctl_create_types(const char *arg, int bulk, struct warpctl_create *c)
{
	struct warp_err	 err;
	char		 buf[128], *p, *tok, *save = NULL;

	warp_err_clear(&err);
	c->ntypes = 0;
	if (!bulk || strchr(arg, ',') == NULL) {
		if (warp_net_type_parse(arg, &c->types[0], &err) == -1)
			return (warpctl_fail(&err));
		c->ntypes = 1;
		return (0);
	}
	if (strlen(arg) >= sizeof(buf))
		return (warpctl_bad("%s", "--type: too long a list"));
	(void)snprintf(buf, sizeof(buf), "%s", arg);
	for (p = buf; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL) {
		if (c->ntypes == WARP_NET_NTYPES)
			return (warpctl_bad("--type: at most %s types", "5"));
		if (warp_net_type_parse(tok, &c->types[c->ntypes++],
		    &err) == -1)
			return (warpctl_fail(&err));
	}
	return (c->ntypes == 0 ? warpctl_bad("%s", "--type: no type given") :
	    0);
}

/* The options of create-network (bulk 0) or create-networks (bulk 1). */
static int
warpctl_create_opts(struct warpctl *ctl, int argc, char **argv, int bulk,
    struct warpctl_args *a, struct warpctl_create *c)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "expected-users", required_argument, NULL, 'e' },
		{ "subnet", required_argument, NULL, 's' },
		{ "peer-communication", no_argument, NULL, 'p' },
		{ "resource-subnet", required_argument, NULL, 'r' },
		{ "vlan", required_argument, NULL, 'v' },
		{ "vlan-range", required_argument, NULL, 'V' },
		{ "vni", required_argument, NULL, 'n' },
		{ "dns", required_argument, NULL, 'd' },
		{ "description", required_argument, NULL, 'D' },
		{ "mtu", required_argument, NULL, 'm' },
		{ "keepalive", required_argument, NULL, 'k' },
		{ "listen-port", required_argument, NULL, 'l' },
		{ "count", required_argument, NULL, 'c' },
		{ "start", required_argument, NULL, 'S' },
		WARPCTL_TRAFFIC_NET_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct warp_network_spec	*s = &c->s;
	long				 v;
	int				 ch, rc;

	memset(c, 0, sizeof(*c));
	warp_network_spec_init(s);
	s->actor = ctl->actor;
	c->start = 1;
	for (;;) {
		if (warpctl_getopt(argc, argv, opts, &ch, a) != 0)
			return (EXIT_INPUT);
		if (ch == -1)
			break;
		switch (ch) {
		case 't':
			if ((rc = warpctl_create_types(optarg, bulk, c)) != 0)
				return (rc);
			break;
		case 'e':
			if (warpctl_int("--expected-users", optarg, 1,
			    WARP_USERS_MAX, &v) == -1)
				return (EXIT_INPUT);
			s->expected_users = v;
			break;
		case 's':
			s->subnet = optarg;
			break;
		case 'p':
			s->peer_communication = 1;
			break;
		case 'r':
			if (s->nresources == WARP_MAX_RESOURCES)
				return (warpctl_bad("at most %s resource "
				    "subnets", "64"));
			s->resources[s->nresources++] = optarg;
			break;
		case 'n':
			s->vni = optarg;
			break;
		case 'c':
		case 'S':
			if (!bulk)
				return (warpctl_bad("%s", "--count and --start "
				    "belong to create-networks"));
			if (warpctl_int(ch == 'c' ? "--count" : "--start",
			    optarg, ch == 'c' ? 1 : 0, ch == 'c' ?
			    WARP_PORT_MAX : 1000000, &v) == -1)
				return (EXIT_INPUT);
			*(ch == 'c' ? &c->count : &c->start) = v;
			break;
		case WARPCTL_OPT_DEFAULT_DOWN:
		case WARPCTL_OPT_DEFAULT_UP:
			c->rate[ch - WARPCTL_OPT_DEFAULT_DOWN] = optarg;
			break;
		default:
			if (warpctl_net_option(ch, &s->mtu, &s->keepalive,
			    &s->listen_port, &s->dns, &s->description, &s->vlan,
			    &s->vlan_range, &rc) == 0 && rc == -1)
				return (EXIT_INPUT);
		}
	}
	if (a->npos != 1)
		return (warpctl_usage_of(bulk ? "create-networks" :
		    "create-network"));
	if (bulk && c->count == 0)
		return (warpctl_bad("%s", "--count N is required (how many "
		    "networks)"));
	if (c->ntypes == 0)
		return (warpctl_bad("%s", "--type is required (secure-internet, "
		    "resource-gateway, l3vpn, l2-p2p or l2-mesh)"));
	s->type = c->types[0];
	s->name = a->pos[0];
	return (0);
}

static int
cmd_create_network(struct warpctl *ctl, int argc, char **argv)
{
	struct warpctl_args	a = { .npos = 0 };
	struct warpctl_create	c;
	struct warp_err		err;
	int64_t			id;
	int			rc;

	warp_err_clear(&err);
	if ((rc = warpctl_create_opts(ctl, argc, argv, 0, &a, &c)) != 0)
		return (rc);
	if (warp_traffic_check_rate(c.rate[0], c.rate[1], 0, &err) == -1 ||
	    warpctl_db(ctl, &err) == NULL ||
	    warp_traffic_network_create(ctl->db, &c.s, c.rate[0], c.rate[1],
	    ctl->actor, &id, &err) == -1)
		return (warpctl_fail(&err));
	printf("%lld\n", (long long)id);
	return (0);
}

/*
 * Bulk add of networks: names from a pattern, types cycling through the
 * --type list, all in one transaction (every one or none); prints the ids.
 */
static int
cmd_create_networks(struct warpctl *ctl, int argc, char **argv)
{
	struct warpctl_args	 a = { .npos = 0 };
	struct warpctl_create	 c;
	struct warp_err		 err;
	int64_t			*ids;
	long			 i;
	int			 rc;

	warp_err_clear(&err);
	if ((rc = warpctl_create_opts(ctl, argc, argv, 1, &a, &c)) != 0)
		return (rc);
	if (warp_traffic_check_rate(c.rate[0], c.rate[1], 0, &err) == -1 ||
	    warpctl_db(ctl, &err) == NULL)
		return (warpctl_fail(&err));
	ids = warp_xcalloc((size_t)c.count, sizeof(*ids));
	if (warp_traffic_network_create_bulk(ctl->db, &c.s, c.types,
	    c.ntypes, a.pos[0], c.start, c.count, c.rate[0], c.rate[1],
	    ctl->actor, ids, &err) == -1) {
		free(ids);
		return (warpctl_fail(&err));
	}
	for (i = 0; i < c.count; i++)
		printf("%lld\n", (long long)ids[i]);
	free(ids);
	return (0);
}

static int
cmd_list_networks(struct warpctl *ctl, int argc, char **argv)
{
	struct warpctl_args	 a = { .npos = 0 };
	struct warp_network	*v;
	struct warp_err		 err;
	struct warp_buf		 b;
	char			 sub[WARP_CIDR_STRLEN];
	size_t			 n, i;
	int			 json = 0;

	warp_err_clear(&err);
	if (warpctl_json_opts(argc, argv, &a, &json) != 0)
		return (EXIT_INPUT);
	if (a.npos != 0)
		return (warpctl_usage("list-networks", "list-networks [--json]"));
	if (warpctl_db(ctl, &err) == NULL ||
	    warp_network_list(ctl->db, &v, &n, &err) == -1)
		return (warpctl_fail(&err));
	if (json) {
		warp_buf_init(&b);
		warp_json_network_list(&b, ctl->db, v, n);
		warpctl_print_json(&b);
	} else {
		printf("%-5s %-8s %-20s %-16s %-18s %-6s %-9s %s\n", "ID",
		    "VCID", "NAME", "TYPE", "SUBNET", "PORT", "STATE",
		    "ENDPOINTS");
		for (i = 0; i < n; i++) {
			warp_cidr_format(&v[i].subnet, sub, sizeof(sub));
			printf("%-5lld %-8u %-20s %-16s %-18s %-6d %-9s %ld\n",
			    (long long)v[i].id, v[i].vcid, v[i].name,
			    warp_net_type_name(v[i].type), sub,
			    v[i].listen_port, v[i].enabled ? "enabled" :
			    "suspended", warp_network_count_endpoints(ctl->db,
			    v[i].id));
		}
	}
	warp_network_list_free(v);
	return (0);
}

static int
cmd_show_network(struct warpctl *ctl, int argc, char **argv)
{
	struct warpctl_args	a = { .npos = 0 };
	struct warp_network	n;
	struct warp_err		err;
	struct warp_buf		b;
	int			json = 0;

	warp_err_clear(&err);
	if (warpctl_json_opts(argc, argv, &a, &json) != 0)
		return (EXIT_INPUT);
	if (a.npos != 1)
		return (warpctl_usage("show-network", "show-network NET "
		    "[--json]"));
	if (warpctl_db(ctl, &err) == NULL ||
	    warp_network_get(ctl->db, a.pos[0], &n, &err) == -1)
		return (warpctl_fail(&err));
	if (json) {
		warp_buf_init(&b);
		warp_json_network(&b, ctl->db, &n);
		warpctl_print_json(&b);
	} else
		warpctl_network_text(&n,
		    warp_network_count_endpoints(ctl->db, n.id));
	return (0);
}

static int
cmd_edit_network(struct warpctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "description", required_argument, NULL, 'D' },
		{ "dns", required_argument, NULL, 'd' },
		{ "mtu", required_argument, NULL, 'm' },
		{ "keepalive", required_argument, NULL, 'k' },
		{ "peer-communication", required_argument, NULL, 'p' },
		{ "listen-port", required_argument, NULL, 'l' },
		{ "resource-subnet", required_argument, NULL, 'r' },
		{ "vlan", required_argument, NULL, 'v' },
		{ "vlan-range", required_argument, NULL, 'V' },
		{ "no-vlan", no_argument, NULL, 'N' },
		{ "expected-users", required_argument, NULL, 'e' },
		{ "subnet", required_argument, NULL, 's' },
		WARPCTL_TRAFFIC_NET_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct warpctl_args		a = { .npos = 0 };
	struct warp_network_edit	e;
	long				v;
	struct warp_network		n;
	struct warp_err			err;
	int				ch, rc, other = 0;
	const char			*rate[2] = { NULL, NULL };

	warp_err_clear(&err);
	warp_network_edit_init(&e);
	for (;;) {
		if (warpctl_getopt(argc, argv, opts, &ch, &a) != 0)
			return (EXIT_INPUT);
		if (ch == -1)
			break;
		if (ch == WARPCTL_OPT_DEFAULT_DOWN ||
		    ch == WARPCTL_OPT_DEFAULT_UP) {
			rate[ch - WARPCTL_OPT_DEFAULT_DOWN] = optarg;
			continue;
		}
		other = 1;
		switch (ch) {
		case 'p':
			if (strcmp(optarg, "on") == 0)
				e.peer_communication = 1;
			else if (strcmp(optarg, "off") == 0)
				e.peer_communication = 0;
			else
				return (warpctl_bad("--peer-communication takes "
				    "on or off, not '%s'", optarg));
			break;
		case 'r':
			if (e.nresources == WARP_MAX_RESOURCES)
				return (warpctl_bad("at most %s resource "
				    "subnets", "64"));
			e.resources[e.nresources++] = optarg;
			e.set_resources = 1;
			break;
		case 'N':
			e.clear_vlan = 1;
			break;
		case 'e':
			if (warpctl_int("--expected-users", optarg, 1,
			    WARP_USERS_MAX, &v) == -1)
				return (EXIT_INPUT);
			e.expected_users = v;
			break;
		case 's':
			e.subnet = optarg;
			break;
		default:
			if (warpctl_net_option(ch, &e.mtu, &e.keepalive,
			    &e.listen_port, &e.dns, &e.description, &e.vlan,
			    &e.vlan_range, &rc) == 0 && rc == -1)
				return (EXIT_INPUT);
		}
	}
	if (a.npos != 1)
		return (warpctl_usage_of("edit-network"));
	if (e.clear_vlan && (e.vlan != NULL || e.vlan_range != NULL))
		return (warpctl_bad("%s", "--no-vlan cannot be combined with "
		    "--vlan or --vlan-range"));
	if (warp_traffic_check_rate(rate[0], rate[1], 0, &err) == -1)
		return (warpctl_fail(&err));
	if (warpctl_db(ctl, &err) == NULL ||
	    warp_network_get(ctl->db, a.pos[0], &n, &err) == -1 ||
	    warp_db_begin(ctl->db, &err) == -1)
		return (warpctl_fail(&err));
	if ((other && warp_network_update(ctl->db, a.pos[0], &e, ctl->actor,
	    &err) == -1) || warp_traffic_set_defaults(ctl->db, n.id, rate[0],
	    rate[1], ctl->actor, &err) == -1 ||
	    warp_db_commit(ctl->db, &err) == -1) {
		warp_db_rollback(ctl->db);
		return (warpctl_fail(&err));
	}
	return (0);
}

static int
cmd_network_state(struct warpctl *ctl, int argc, char **argv)
{
	struct warp_err	err;
	int		resume = strcmp(argv[0], "resume-network") == 0;

	warp_err_clear(&err);
	if (argc != 2 || argv[1][0] == '-')
		return (warpctl_usage(argv[0], resume ? "resume-network NET" :
		    "suspend-network NET"));
	if (warpctl_db(ctl, &err) == NULL ||
	    warp_network_set_enabled(ctl->db, argv[1], resume, ctl->actor,
	    &err) == -1)
		return (warpctl_fail(&err));
	return (0);
}

static int
cmd_delete_network(struct warpctl *ctl, int argc, char **argv)
{
	struct warp_err	err;

	warp_err_clear(&err);
	if (argc != 2 || argv[1][0] == '-')
		return (warpctl_usage(argv[0], "delete-network NET"));
	if (warpctl_db(ctl, &err) == NULL ||
	    warp_network_delete(ctl->db, argv[1], ctl->actor, &err) == -1)
		return (warpctl_fail(&err));
	return (0);
}

/* ----------------------------------------------------------- endpoints */

static int
warpctl_lan_option(struct warp_endpoint_spec *s, const char *arg)
{
	if (s->nlans == WARP_MAX_LANS)
		return (warpctl_bad("at most %s LAN subnets", "32"));
	s->lans[s->nlans++] = arg;
	return (0);
}

static int
cmd_create_endpoint(struct warpctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "lan-subnet", required_argument, NULL, 'l' },
		{ "public-key", required_argument, NULL, 'k' },
		{ "expires", required_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 }
	};
	struct warpctl_args		a = { .npos = 0 };
	struct warp_endpoint_spec	s;
	struct warp_err			err;
	int64_t				id;
	int				ch, have_type = 0;

	warp_err_clear(&err);
	warp_endpoint_spec_init(&s);
	for (;;) {
		if (warpctl_getopt(argc, argv, opts, &ch, &a) != 0)
			return (EXIT_INPUT);
		if (ch == -1)
			break;
		switch (ch) {
		case 't':
			if (warp_ep_kind_parse(optarg, &s.kind, &err) == -1)
				return (warpctl_fail(&err));
			have_type = 1;
			break;
		case 'l':
			if (warpctl_lan_option(&s, optarg) != 0)
				return (EXIT_INPUT);
			break;
		case 'k':
			s.public_key = optarg;
			break;
		case 'x':
			s.expires = optarg;
			break;
		}
	}
	if (a.npos != 2)
		return (warpctl_usage_of("create-endpoint"));
	if (!have_type)
		return (warpctl_bad("%s", "--type is required (mobile, cpe or "
		    "gateway)"));
	s.name = a.pos[1];
	if (warpctl_db(ctl, &err) == NULL ||
	    warp_endpoint_create(ctl->db, a.pos[0], &s, ctl->actor, &id,
	    &err) == -1)
		return (warpctl_fail(&err));
	printf("%lld\n", (long long)id);
	return (0);
}

/*
 * Bulk add: N endpoints named from a pattern, all in one transaction, so
 * either every one is created or none is.
 */
static int
cmd_create_endpoints(struct warpctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'c' },
		{ "start", required_argument, NULL, 's' },
		{ "expires", required_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 }
	};
	struct warpctl_args		a = { .npos = 0 };
	struct warp_endpoint_spec	s;
	struct warp_err			err;
	int64_t				*ids;
	long				count = 0, start = 1, i, failed;
	int				ch, have_type = 0;

	warp_err_clear(&err);
	warp_endpoint_spec_init(&s);
	for (;;) {
		if (warpctl_getopt(argc, argv, opts, &ch, &a) != 0)
			return (EXIT_INPUT);
		if (ch == -1)
			break;
		switch (ch) {
		case 't':
			if (warp_ep_kind_parse(optarg, &s.kind, &err) == -1)
				return (warpctl_fail(&err));
			have_type = 1;
			break;
		case 'c':
			if (warpctl_int("--count", optarg, 1, 65534,
			    &count) == -1)
				return (EXIT_INPUT);
			break;
		case 's':
			if (warpctl_int("--start", optarg, 0, 1000000,
			    &start) == -1)
				return (EXIT_INPUT);
			break;
		case 'x':
			s.expires = optarg;
			break;
		}
	}
	if (a.npos != 2 || count == 0 || !have_type)
		return (warpctl_usage_of("create-endpoints"));
	if (warpctl_db(ctl, &err) == NULL)
		return (warpctl_fail(&err));
	ids = warp_xcalloc((size_t)count, sizeof(*ids));
	if (warp_endpoint_create_bulk(ctl->db, a.pos[0], a.pos[1], start, count,
	    &s, ctl->actor, ids, &failed, &err) == -1) {
		free(ids);
		return (warpctl_fail(&err));
	}
	for (i = 0; i < count; i++)
		printf("%lld\n", (long long)ids[i]);
	free(ids);
	return (0);
}

static int
cmd_list_endpoints(struct warpctl *ctl, int argc, char **argv)
{
	struct warpctl_args	 a = { .npos = 0 };
	struct warp_endpoint	*v;
	struct warp_network	 n;
	struct warp_err		 err;
	struct warp_buf		 b;
	char			 ip[WARP_IP_STRLEN];
	int64_t			 now = (int64_t)time(NULL), netid = 0;
	size_t			 count, i;
	int			 json = 0;

	warp_err_clear(&err);
	if (warpctl_json_opts(argc, argv, &a, &json) != 0)
		return (EXIT_INPUT);
	if (a.npos > 1)
		return (warpctl_usage("list-endpoints", "list-endpoints [NET] "
		    "[--json]"));
	if (warpctl_db(ctl, &err) == NULL)
		return (warpctl_fail(&err));
	if (a.npos == 1) {
		if (warp_network_get(ctl->db, a.pos[0], &n, &err) == -1)
			return (warpctl_fail(&err));
		netid = n.id;
	}
	if (warp_endpoint_list(ctl->db, netid, &v, &count, &err) == -1)
		return (warpctl_fail(&err));
	if (json) {
		warp_buf_init(&b);
		warp_json_endpoint_list(&b, v, count, now);
		warpctl_print_json(&b);
	} else {
		printf("%-6s %-20s %-20s %-8s %-15s %-9s %-4s %s\n", "ID",
		    "NETWORK", "NAME", "TYPE", "OVERLAY", "STATUS", "VER",
		    "PUBLIC KEY");
		for (i = 0; i < count; i++) {
			warp_ip_format(v[i].overlay_ip, ip, sizeof(ip));
			printf("%-6lld %-20s %-20s %-8s %-15s %-9s %-4d %s\n",
			    (long long)v[i].id, v[i].network_name, v[i].name,
			    warp_ep_kind_name(v[i].kind), ip,
			    warp_endpoint_status(&v[i], now),
			    v[i].config_version, v[i].public_key);
		}
	}
	warp_endpoint_list_free(v);
	return (0);
}

static int
cmd_show_endpoint(struct warpctl *ctl, int argc, char **argv)
{
	struct warpctl_args	a = { .npos = 0 };
	struct warp_endpoint	e;
	struct warp_err		err;
	struct warp_buf		b;
	char			buf[WARP_CIDR_STRLEN], t[32];
	int64_t			now = (int64_t)time(NULL);
	size_t			i;
	int			json = 0;

	warp_err_clear(&err);
	if (warpctl_json_opts(argc, argv, &a, &json) != 0)
		return (EXIT_INPUT);
	if (a.npos != 1)
		return (warpctl_usage("show-endpoint", "show-endpoint EP "
		    "[--json]"));
	if (warpctl_db(ctl, &err) == NULL ||
	    warp_endpoint_get(ctl->db, a.pos[0], &e, &err) == -1)
		return (warpctl_fail(&err));
	if (json) {
		warp_buf_init(&b);
		warp_json_endpoint(&b, &e, now);
		warpctl_print_json(&b);
		return (0);
	}
	warp_ip_format(e.overlay_ip, buf, sizeof(buf));
	printf("id:              %lld\nnetwork:         %s\nname:            "
	    "%s\ntype:            %s\noverlay address: %s\nstatus:          "
	    "%s\npublic key:      %s\nprivate key:     %s\n", (long long)e.id,
	    e.network_name, e.name, warp_ep_kind_name(e.kind), buf,
	    warp_endpoint_status(&e, now), e.public_key, e.has_private_key ?
	    "held by the gateway (encrypted)" : "held by the device only");
	for (i = 0; i < e.nlans; i++) {
		warp_cidr_format(&e.lans[i], buf, sizeof(buf));
		printf("lan subnet:      %s\n", buf);
	}
	if (e.expires_at) {
		warp_time_format(e.expires_at, t, sizeof(t));
		printf("expires:         %s\n", t);
	}
	printf("config version:  %d\n", e.config_version);
	return (0);
}

static int
cmd_endpoint_state(struct warpctl *ctl, int argc, char **argv)
{
	struct warp_err	err;
	int		rc;

	warp_err_clear(&err);
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: warpctl %s EP\n", argv[0]);
		return (EXIT_INPUT);
	}
	if (warpctl_db(ctl, &err) == NULL)
		return (warpctl_fail(&err));
	if (strcmp(argv[0], "delete-endpoint") == 0)
		rc = warp_endpoint_delete(ctl->db, argv[1], ctl->actor, &err);
	else
		rc = warp_endpoint_set_enabled(ctl->db, argv[1],
		    strcmp(argv[0], "enable-endpoint") == 0, ctl->actor, &err);
	return (rc == -1 ? warpctl_fail(&err) : 0);
}

static int
cmd_set_expiry(struct warpctl *ctl, int argc, char **argv)
{
	struct warp_err	err;

	warp_err_clear(&err);
	if (argc != 3)
		return (warpctl_usage(argv[0], "set-expiry EP "
		    "YYYY-MM-DDTHH:MM:SSZ|never"));
	if (warpctl_db(ctl, &err) == NULL ||
	    warp_endpoint_set_expiry(ctl->db, argv[1], strcmp(argv[2],
	    "never") == 0 ? NULL : argv[2], ctl->actor, &err) == -1)
		return (warpctl_fail(&err));
	return (0);
}

static int
cmd_set_lans(struct warpctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lan-subnet", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 }
	};
	struct warpctl_args		a = { .npos = 0 };
	struct warp_endpoint_spec	s;
	struct warp_err			err;
	int				ch;

	warp_err_clear(&err);
	warp_endpoint_spec_init(&s);
	for (;;) {
		if (warpctl_getopt(argc, argv, opts, &ch, &a) != 0)
			return (EXIT_INPUT);
		if (ch == -1)
			break;
		if (warpctl_lan_option(&s, optarg) != 0)
			return (EXIT_INPUT);
	}
	if (a.npos != 1)
		return (warpctl_usage("set-lan-subnets", "set-lan-subnets EP "
		    "[--lan-subnet CIDR]..."));
	if (warpctl_db(ctl, &err) == NULL ||
	    warp_endpoint_set_lans(ctl->db, a.pos[0], s.lans, s.nlans, NULL,
	    ctl->actor, &err) == -1)
		return (warpctl_fail(&err));
	return (0);
}

static int
cmd_rotate_keys(struct warpctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "public-key", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	struct warpctl_args	 a = { .npos = 0 };
	struct warp_err		 err;
	const char		*key = NULL;
	int			 ch;

	warp_err_clear(&err);
	for (;;) {
		if (warpctl_getopt(argc, argv, opts, &ch, &a) != 0)
			return (EXIT_INPUT);
		if (ch == -1)
			break;
		key = optarg;
	}
	if (a.npos != 1)
		return (warpctl_usage("rotate-keys", "rotate-keys EP "
		    "[--public-key KEY]"));
	if (warpctl_db(ctl, &err) == NULL ||
	    warp_endpoint_rotate_keys(ctl->db, a.pos[0], key, ctl->actor,
	    &err) == -1)
		return (warpctl_fail(&err));
	return (0);
}

/* ------------------------------------------------------------- configs */

/* The endpoint's config text: the latest version or a given one. */
static int
warpctl_config_text(struct warpctl *ctl, const char *ref, long version,
    struct warp_endpoint *e, char **text, struct warp_err *err)
{
	if (warpctl_db(ctl, err) == NULL ||
	    warp_endpoint_get(ctl->db, ref, e, err) == -1 ||
	    warp_config_version_text(ctl->db, e->id, (int)version, text,
	    err) == -1)
		return (-1);
	return (0);
}

static int
warpctl_version_opts(int argc, char **argv, const struct option *extra,
    struct warpctl_args *a, long *version, const char **file)
{
	struct option	opts[4];
	int		ch, n = 0;

	opts[n++] = (struct option){ "version", required_argument, NULL, 'V' };
	if (extra != NULL)
		opts[n++] = *extra;
	opts[n] = (struct option){ NULL, 0, NULL, 0 };
	for (;;) {
		if (warpctl_getopt(argc, argv, opts, &ch, a) != 0)
			return (-1);
		if (ch == -1)
			break;
		if (ch == 'V') {
			if (warpctl_int("--version", optarg, 1, 1000000,
			    version) == -1)
				return (-1);
		} else
			*file = optarg;
	}
	return (0);
}

static int
cmd_show_config(struct warpctl *ctl, int argc, char **argv)
{
	struct warpctl_args	 a = { .npos = 0 };
	struct warp_endpoint	 e;
	struct warp_err		 err;
	char			*text;
	const char		*unused = NULL;
	long			 version = 0;

	warp_err_clear(&err);
	if (warpctl_version_opts(argc, argv, NULL, &a, &version, &unused) != 0)
		return (EXIT_INPUT);
	if (a.npos != 1)
		return (warpctl_usage("show-config", "show-config EP "
		    "[--version N]"));
	if (warpctl_config_text(ctl, a.pos[0], version, &e, &text, &err) == -1)
		return (warpctl_fail(&err));
	fputs(text, stdout);
	warp_config_free(text);
	return (0);
}

static int
cmd_export_config(struct warpctl *ctl, int argc, char **argv)
{
	static const struct option file = { "filename", required_argument,
	    NULL, 'f' };
	struct warpctl_args	 a = { .npos = 0 };
	struct warp_endpoint	 e;
	struct warp_err		 err;
	const char		*path = NULL;
	char			*text;
	long			 version = 0;
	int			 rc;

	warp_err_clear(&err);
	if (warpctl_version_opts(argc, argv, &file, &a, &version, &path) != 0)
		return (EXIT_INPUT);
	if (a.npos != 1 || path == NULL)
		return (warpctl_usage("export-config", "export-config EP "
		    "--filename FILE [--version N]"));
	if (warpctl_config_text(ctl, a.pos[0], version, &e, &text, &err) == -1)
		return (warpctl_fail(&err));
	rc = warp_file_write_private(path, text, strlen(text), &err);
	warp_config_free(text);
	if (rc == -1)
		return (warpctl_fail(&err));
	return (0);
}

static int
cmd_qr(struct warpctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "png", required_argument, NULL, 'p' },
		{ "svg", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	struct warpctl_args	 a = { .npos = 0 };
	struct warp_endpoint	 e;
	struct warp_err		 err;
	const char		*png = NULL, *svg = NULL;
	char			*text, *out = NULL;
	uint8_t			*bin = NULL;
	size_t			 len = 0;
	int			 ch, rc;

	warp_err_clear(&err);
	for (;;) {
		if (warpctl_getopt(argc, argv, opts, &ch, &a) != 0)
			return (EXIT_INPUT);
		if (ch == -1)
			break;
		if (ch == 'p')
			png = optarg;
		else
			svg = optarg;
	}
	if (a.npos != 1 || (png != NULL && svg != NULL))
		return (warpctl_usage("qr", "qr EP [--png FILE | --svg FILE]"));
	if (warpctl_config_text(ctl, a.pos[0], 0, &e, &text, &err) == -1)
		return (warpctl_fail(&err));
	if (png != NULL) {
		rc = warp_qr_png(text, &bin, &len, &err);
		if (rc == 0)
			rc = warp_file_write_private(png, bin, len, &err);
	} else if (svg != NULL) {
		rc = warp_qr_svg(text, &out, &err);
		if (rc == 0)
			rc = warp_file_write_private(svg, out, strlen(out),
			    &err);
	} else {
		rc = warp_qr_terminal(text, &out, &err);
		if (rc == 0)
			fputs(out, stdout);
	}
	warp_config_free(text);
	free(bin);
	free(out);
	return (rc == -1 ? warpctl_fail(&err) : 0);
}

static int
cmd_history(struct warpctl *ctl, int argc, char **argv)
{
	struct warpctl_args		 a = { .npos = 0 };
	struct warp_endpoint		 e;
	struct warp_config_version	*v;
	struct warp_err			 err;
	struct warp_buf			 b;
	char				 t[32];
	size_t				 n, i;
	int				 json = 0;

	warp_err_clear(&err);
	if (warpctl_json_opts(argc, argv, &a, &json) != 0)
		return (EXIT_INPUT);
	if (a.npos != 1)
		return (warpctl_usage("history", "history EP [--json]"));
	if (warpctl_db(ctl, &err) == NULL ||
	    warp_endpoint_get(ctl->db, a.pos[0], &e, &err) == -1 ||
	    warp_config_history(ctl->db, e.id, &v, &n, &err) == -1)
		return (warpctl_fail(&err));
	if (json) {
		warp_buf_init(&b);
		warp_json_versions(&b, v, n);
		warpctl_print_json(&b);
		free(v);
		return (0);
	}
	printf("%-7s %-20s %-20s %s\n", "VERSION", "CREATED", "BY", "REASON");
	for (i = 0; i < n; i++) {
		warp_time_format(v[i].created_at, t, sizeof(t));
		printf("%-7d %-20s %-20s %s%s\n", v[i].version, t, v[i].actor,
		    v[i].reason, i + 1 == n ? " (current)" : "");
	}
	free(v);
	return (0);
}

static int
cmd_diff(struct warpctl *ctl, int argc, char **argv)
{
	struct warp_endpoint	 e;
	struct warp_err		 err;
	char			*a = NULL, *b = NULL, *d, la[96], lb[96];
	long			 v1, v2;
	int			 rc = 0;

	warp_err_clear(&err);
	warpctl_cmdname = "diff";
	if (argc != 4)
		return (warpctl_usage("diff", "diff EP V1 V2"));
	if (warpctl_int("V1", argv[2], 1, 1000000, &v1) == -1 ||
	    warpctl_int("V2", argv[3], 1, 1000000, &v2) == -1)
		return (EXIT_INPUT);
	if (warpctl_config_text(ctl, argv[1], v1, &e, &a, &err) == -1 ||
	    warp_config_version_text(ctl->db, e.id, (int)v2, &b, &err) == -1)
		rc = warpctl_fail(&err);
	else {
		(void)snprintf(la, sizeof(la), "%s/%s version %ld",
		    e.network_name, e.name, v1);
		(void)snprintf(lb, sizeof(lb), "%s/%s version %ld",
		    e.network_name, e.name, v2);
		if (warp_config_diff(a, b, la, lb, &d, NULL, &err) == -1)
			rc = warpctl_fail(&err);
		else
			fputs(d, stdout);
		free(d);
	}
	warp_config_free(a);
	warp_config_free(b);
	return (rc);
}

static int
cmd_rollback(struct warpctl *ctl, int argc, char **argv)
{
	struct warp_err	err;
	long		version;
	int		newv;

	warp_err_clear(&err);
	if (argc != 3)
		return (warpctl_usage("rollback", "rollback EP VERSION"));
	if (warpctl_int("VERSION", argv[2], 1, 1000000, &version) == -1)
		return (EXIT_INPUT);
	if (warpctl_db(ctl, &err) == NULL ||
	    warp_config_rollback(ctl->db, argv[1], (int)version, ctl->actor,
	    &newv, &err) == -1)
		return (warpctl_fail(&err));
	printf("%d\n", newv);
	return (0);
}

/* ----------------------------------------------------- server settings */

static int
cmd_config(struct warpctl *ctl, int argc, char **argv)
{
	struct warp_server_config	sc;
	struct warp_err			err;
	struct warp_buf			b;
	char				buf[WARP_CIDR_STRLEN];
	int				i, json;

	warp_err_clear(&err);
	if (argc == 4 && strcmp(argv[1], "set") == 0 &&
	    strncmp(argv[2], "metrics", 7) == 0)
		return (warpctl_metrics_config(ctl, argv[2], argv[3]));
	if (argc == 4 && strcmp(argv[1], "set") == 0) {
		if (warpctl_db(ctl, &err) == NULL ||
		    warp_server_config_set(ctl->db, argv[2], argv[3],
		    &err) == -1 ||
		    warp_audit(ctl->db, ctl->actor, "server.config", "server",
		    argv[2], &err) == -1)
			return (warpctl_fail(&err));
		return (0);
	}
	json = argc == 3 && strcmp(argv[2], "--json") == 0;
	if (!(argc == 2 || json) || strcmp(argv[1], "show") != 0)
		return (warpctl_usage("config", "config show [--json] | config "
		    "set KEY VALUE"));
	if (warpctl_db(ctl, &err) == NULL ||
	    warp_server_config_get(ctl->db, &sc, &err) == -1)
		return (warpctl_fail(&err));
	warp_buf_init(&b);
	if (json) {
		warp_json_server_config(&b, &sc);
		warpctl_print_json(&b);
		return (0);
	}
	printf("public-host        %s\nuplink             %s\nnetns              "
	    "%s\nport-pool          %d-%d\ndefault-dns        %s\n"
	    "default-mtu        %d\ndefault-keepalive  %d\n", sc.public_host,
	    sc.uplink, sc.netns[0] ? sc.netns : "(host namespace)", sc.port_min,
	    sc.port_max, sc.default_dns, sc.default_mtu, sc.default_keepalive);
	for (i = 0; i < WARP_NET_NTYPES; i++) {
		warp_cidr_format(&sc.containers[i], buf, sizeof(buf));
		printf("container.%-8s %s%s\n",
		    warp_net_type_name((enum warp_net_type)i),
		    (int)strlen(warp_net_type_name((enum warp_net_type)i)) > 8 ?
		    " " : "", buf);
	}
	return (0);
}

static int
cmd_audit(struct warpctl *ctl, int argc, char **argv)
{
	struct warp_audit_filter	 f;
	struct warp_audit_entry		*v;
	struct warp_err			 err;
	char				 t[32];
	size_t				 i, n;
	long				 limit = 50;

	warp_err_clear(&err);
	if (argc == 3 && strcmp(argv[1], "--limit") == 0) {
		if (warpctl_int("--limit", argv[2], 1, 100000, &limit) == -1)
			return (EXIT_INPUT);
	} else if (argc != 1)
		return (warpctl_usage("audit", "audit [--limit N]"));
	memset(&f, 0, sizeof(f));
	f.limit = (int)limit;
	if (warpctl_db(ctl, &err) == NULL ||
	    warp_audit_list(ctl->db, &f, &v, &n, &err) == -1)
		return (warpctl_fail(&err));
	for (i = 0; i < n; i++) {
		warp_time_format(v[i].at, t, sizeof(t));
		printf("%s  %-16s %-22s %s %s\n", t, v[i].actor, v[i].action,
		    v[i].object_type, v[i].object);
	}
	warp_audit_list_free(v);
	return (0);
}

/* ------------------------------------------------------ backup/restore */

static int
cmd_backup(struct warpctl *ctl, int argc, char **argv)
{
	struct warp_err	err;

	warp_err_clear(&err);
	if (argc != 2 || argv[1][0] == '-')
		return (warpctl_usage_of("backup"));
	if (warpctl_db(ctl, &err) == NULL ||
	    warp_db_backup(ctl->db, argv[1], &err) == -1 ||
	    warp_audit(ctl->db, ctl->actor, "server.backup", "server", argv[1],
	    &err) == -1)
		return (warpctl_fail(&err));
	printf("wrote %s and its master key %s.key; keep the key apart from "
	    "the database copy\n", argv[1], argv[1]);
	return (0);
}

static int
cmd_restore(struct warpctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct warpctl_args	 a = { .npos = 0 };
	struct warp_err		 err;
	struct warp_db		*db = NULL;
	const char		*key = NULL;
	long			 nets = 0;
	int			 ch, force = 0;

	warp_err_clear(&err);
	for (;;) {
		if (warpctl_getopt(argc, argv, opts, &ch, &a) != 0)
			return (EXIT_INPUT);
		if (ch == -1)
			break;
		if (ch == 'k')
			key = optarg;
		else
			force = 1;
	}
	if (a.npos != 1)
		return (warpctl_usage_of("restore"));
	if (access(a.pos[0], R_OK) != 0) {
		fprintf(stderr, "warpctl: cannot read the backup %s: %s\n",
		    a.pos[0], strerror(errno));
		return (EXIT_INPUT);
	}
	if (warp_db_open(&db, ctl->db_path, WARP_DB_CREATE, &err) == -1)
		return (warpctl_fail(&err));
	(void)warp_network_count(db, &nets, &err);
	if (nets > 0 && !force) {
		warp_db_close(db);
		fprintf(stderr, "warpctl: %s holds %ld networks; restoring "
		    "replaces them all: add --force\n", ctl->db_path, nets);
		return (EXIT_INPUT);
	}
	if (warp_db_restore(db, a.pos[0], key, &err) == -1 ||
	    warp_audit(db, ctl->actor, "server.restore", "server", a.pos[0],
	    &err) == -1) {
		warp_db_close(db);
		return (warpctl_fail(&err));
	}
	warp_db_close(db);
	printf("restored %s from %s; run `warpctl apply` to bring the kernel "
	    "in line\n", ctl->db_path, a.pos[0]);
	return (0);
}

/* ---------------------------------------------------------------- main */

static void
usage(FILE *fp)
{
	size_t	t;
	int	i;

	fprintf(fp, "usage: warpctl [--db PATH] [--netns NAME] COMMAND "
	    "[ARGS]\n\ncommands:\n");
	for (t = 0; t < sizeof(warpctl_tables) / sizeof(warpctl_tables[0]);
	    t++) {
		for (i = 0; warpctl_tables[t][i].name != NULL; i++)
			fprintf(fp, "  %s\n", warpctl_tables[t][i].usage);
	}
	fprintf(fp, "\nThe database is --db, else $WARP_DB, else %s.\n"
	    "A network is named by id or name, an endpoint by id or "
	    "network/name.\n", WARP_DB_DEFAULT);
}

int
main(int argc, char **argv)
{
	struct warpctl			 ctl;
	const struct warpctl_command	*cmd = NULL;
	struct passwd			*pw;
	const char			*who;
	size_t				 t;
	int				 i, rc;

	memset(&ctl, 0, sizeof(ctl));
	ctl.db_path = warp_db_default_path();
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			ctl.db_path = argv[++i];
		else if (strncmp(argv[i], "--db=", 5) == 0)
			ctl.db_path = argv[i] + 5;
		else if (strcmp(argv[i], "--netns") == 0 && i + 1 < argc)
			ctl.netns = argv[++i];
		else if (strncmp(argv[i], "--netns=", 8) == 0)
			ctl.netns = argv[i] + 8;
		else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return (0);
		} else {
			fprintf(stderr, "warpctl: unknown option '%s' (see "
			    "warpctl --help)\n", argv[i]);
			return (EXIT_INPUT);
		}
	}
	if (i >= argc) {
		usage(stderr);
		return (EXIT_INPUT);
	}
	if (strcmp(argv[i], "help") == 0) {
		usage(stdout);
		return (0);
	}
	if (ctl.netns != NULL && *ctl.netns != '\0') {
		struct warp_err	err;

		if (warp_ifname_validate(ctl.netns, &err) == -1) {
			fprintf(stderr, "warpctl: --netns: %s\n", err.msg);
			return (EXIT_INPUT);
		}
	}
	if ((who = getenv("SUDO_USER")) == NULL || *who == '\0')
		who = (pw = getpwuid(getuid())) != NULL ? pw->pw_name : "?";
	(void)snprintf(ctl.actor, sizeof(ctl.actor), "cli:%.40s", who);

	for (t = 0; cmd == NULL &&
	    t < sizeof(warpctl_tables) / sizeof(warpctl_tables[0]); t++) {
		for (rc = 0; warpctl_tables[t][rc].name != NULL; rc++) {
			if (strcmp(warpctl_tables[t][rc].name, argv[i]) == 0) {
				cmd = &warpctl_tables[t][rc];
				break;
			}
		}
	}
	if (cmd == NULL) {
		fprintf(stderr, "warpctl: unknown command '%s' (see warpctl "
		    "--help)\n", argv[i]);
		return (EXIT_INPUT);
	}
	warpctl_cmdname = cmd->name;
	optind = 0;	/* GNU getopt: full reset for the command's options */
	rc = cmd->run(&ctl, argc - i, argv + i);
	warp_db_close(ctl.db);
	fflush(stdout);
	if (ferror(stdout)) {
		fprintf(stderr, "warpctl: cannot write output\n");
		return (EXIT_SYSTEM);
	}
	return (rc);
}
