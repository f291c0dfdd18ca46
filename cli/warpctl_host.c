/*
 * warpctl commands: the host around the gateway (src/kernel/kernel_host.c).
 *
 *   host-firewall [--ssh-port N] [--remove]
 *			the base input policy, table inet warp_host: SSH
 *			(default 22), 80, 443, the WireGuard port pool of
 *			the database, replies, ICMP; drop the rest; and
 *			IPv4 forwarding on.  --remove: the table only.
 *			warp-firewall.service runs both.
 *   dev-uplink [--netns NAME] [--remove]
 *			`make run`: a veth uplink with NAT for the gateway
 *			namespace (default: the one in the database), the
 *			port pool forwarded to it.  --remove: the table,
 *			the pair and the namespace.
 *
 * Both print one line per step and "sent N" (0: nothing was changed).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warpctl.h"
#include "warp_kernel.h"

#define HOST_FW_USAGE	"host-firewall [--ssh-port N] [--remove]"
#define DEV_UPLINK_USAGE "dev-uplink [--netns NAME] [--remove]"

static int	cmd_host_firewall(struct warpctl *, int, char **);
static int	cmd_dev_uplink(struct warpctl *, int, char **);
static int	warpctl_port(const char *, const char *, uint16_t *);
static int	warpctl_pool(struct warpctl *, struct warp_server_config *,
		    struct warp_err *);
static int	warpctl_host_done(int, struct warp_buf *,
		    const struct warp_err *);

const struct warpctl_command warpctl_host_commands[] = {
	{ "host-firewall", cmd_host_firewall, HOST_FW_USAGE },
	{ "dev-uplink", cmd_dev_uplink, DEV_UPLINK_USAGE },
	{ NULL, NULL, NULL }
};

static int
warpctl_port(const char *cmd, const char *s, uint16_t *out)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *s == '0' || errno != 0 || *end != '\0' || v < 1 ||
	    v > 65535) {
		fprintf(stderr, "warpctl %s: --ssh-port must be a number from "
		    "1 to 65535, not '%s'\n", cmd, s);
		return (-1);
	}
	*out = (uint16_t)v;
	return (0);
}

/* The server settings: the port pool and the gateway's namespace. */
static int
warpctl_pool(struct warpctl *ctl, struct warp_server_config *cfg,
    struct warp_err *err)
{
	struct warp_db	*db;

	if ((db = warpctl_db(ctl, err)) == NULL)
		return (-1);
	return (warp_server_config_get(db, cfg, err));
}

static int
warpctl_host_done(int rc, struct warp_buf *plan, const struct warp_err *err)
{
	if (plan->len > 0)
		fwrite(plan->data, 1, plan->len, stdout);
	warp_buf_free(plan);
	fflush(stdout);
	return (rc == -1 ? warpctl_fail(err) : 0);
}

static int
cmd_host_firewall(struct warpctl *ctl, int argc, char **argv)
{
	struct warp_server_config	cfg;
	struct warp_host_fw		fw;
	struct warp_err			err;
	struct warp_buf			plan;
	uint64_t			sent;
	int				i, remove = 0, rc;

	memset(&fw, 0, sizeof(fw));
	fw.ssh_port = 22;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--remove") == 0)
			remove = 1;
		else if (strcmp(argv[i], "--ssh-port") == 0 && i + 1 < argc) {
			if (warpctl_port(argv[0], argv[++i], &fw.ssh_port) == -1)
				return (1);
		} else if (strncmp(argv[i], "--ssh-port=", 11) == 0) {
			if (warpctl_port(argv[0], argv[i] + 11,
			    &fw.ssh_port) == -1)
				return (1);
		} else
			return (warpctl_usage(argv[0], HOST_FW_USAGE));
	}
	/* Removing needs no settings: it works without a database too. */
	if (!remove) {
		if (warpctl_pool(ctl, &cfg, &err) == -1)
			return (warpctl_fail(&err));
		fw.port_min = (uint16_t)cfg.port_min;
		fw.port_max = (uint16_t)cfg.port_max;
	}
	warp_buf_init(&plan);
	rc = warp_host_firewall(&fw, remove, &plan, &sent, &err);
	return (warpctl_host_done(rc, &plan, &err));
}

static int
cmd_dev_uplink(struct warpctl *ctl, int argc, char **argv)
{
	struct warp_server_config	cfg;
	struct warp_host_uplink		u;
	struct warp_err			err;
	struct warp_buf			plan;
	uint64_t			sent;
	const char			*netns = ctl->netns;
	int				i, remove = 0, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--remove") == 0)
			remove = 1;
		else if (strcmp(argv[i], "--netns") == 0 && i + 1 < argc)
			netns = argv[++i];
		else if (strncmp(argv[i], "--netns=", 8) == 0)
			netns = argv[i] + 8;
		else
			return (warpctl_usage(argv[0], DEV_UPLINK_USAGE));
	}
	memset(&cfg, 0, sizeof(cfg));
	if ((!remove || netns == NULL) && warpctl_pool(ctl, &cfg, &err) == -1)
		return (warpctl_fail(&err));
	memset(&u, 0, sizeof(u));
	u.netns = netns != NULL ? netns : cfg.netns;
	u.port_min = (uint16_t)cfg.port_min;
	u.port_max = (uint16_t)cfg.port_max;
	warp_buf_init(&plan);
	rc = warp_host_uplink(&u, remove, &plan, &sent, &err);
	return (warpctl_host_done(rc, &plan, &err));
}
