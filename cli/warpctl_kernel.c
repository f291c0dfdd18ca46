/*
 * warpctl commands: kernel.
 *
 *   apply [--changes] [--dry-run]	reconcile the kernel with the database,
 *			print the plan (--changes: only what the change
 *			journal names since the last apply; see
 *			src/kernel/kernel_changes.c)
 *   status [--json] [--stored]	networks and endpoints: apply status and
 *			the kernel's view (--stored: the numbers the
 *			reconciler stored last, as /api/v1/status shows)
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "warpctl.h"
#include "warp_kernel.h"

static int	cmd_apply(struct warpctl *, int, char **);
static int	cmd_status(struct warpctl *, int, char **);
static void	warpctl_ago(int64_t, int64_t, char *, size_t);
static void	warpctl_bytes(uint64_t, char *, size_t);

const struct warpctl_command warpctl_kernel_commands[] = {
	{ "apply", cmd_apply, "apply [--changes] [--dry-run]" },
	{ "status", cmd_status, "status [--json] [--stored]" },
	{ NULL, NULL, NULL }
};

static int
cmd_apply(struct warpctl *ctl, int argc, char **argv)
{
	struct warp_err	 err;
	struct warp_db	*db;
	struct warp_buf	 plan;
	int		 i, dry_run = 0, changes = 0, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0 ||
		    strcmp(argv[i], "-n") == 0)
			dry_run = 1;
		else if (strcmp(argv[i], "--changes") == 0)
			changes = 1;
		else
			return (warpctl_usage("apply",
			    "apply [--changes] [--dry-run]"));
	}
	if ((db = warpctl_db(ctl, &err)) == NULL)
		return (warpctl_fail(&err));
	warp_buf_init(&plan);
	if (changes)
		rc = warp_kernel_apply_changes(db, ctl->netns, dry_run, &plan,
		    &err);
	else
		rc = warp_kernel_apply(db, ctl->netns, dry_run, &plan, &err);
	if (plan.len > 0)
		fwrite(plan.data, 1, plan.len, stdout);
	warp_buf_free(&plan);
	if (rc == -1)
		return (warpctl_fail(&err));
	if (!dry_run)
		(void)warp_audit(db, ctl->actor, "apply", "kernel", "", &err);
	return (0);
}

static void
warpctl_ago(int64_t t, int64_t now, char *buf, size_t len)
{
	int64_t	d = now - t;

	if (t == 0)
		(void)snprintf(buf, len, "never");
	else if (d < 120)
		(void)snprintf(buf, len, "%llds ago", (long long)d);
	else if (d < 7200)
		(void)snprintf(buf, len, "%lldm ago", (long long)(d / 60));
	else
		(void)snprintf(buf, len, "%lldh ago", (long long)(d / 3600));
}

static void
warpctl_bytes(uint64_t n, char *buf, size_t len)
{
	if (n < 10240)
		(void)snprintf(buf, len, "%lluB", (unsigned long long)n);
	else if (n < 10 * 1024 * 1024)
		(void)snprintf(buf, len, "%lluKiB", (unsigned long long)n / 1024);
	else
		(void)snprintf(buf, len, "%lluMiB",
		    (unsigned long long)n / (1024 * 1024));
}

static int
cmd_status(struct warpctl *ctl, int argc, char **argv)
{
	struct warp_err			 err;
	struct warp_db			*db;
	struct warp_kernel_status	 st;
	const struct warp_kernel_net_status *ns;
	const struct warp_kernel_peer_status *ps;
	struct warp_stats		 counts;
	struct warp_buf			 b;
	char				 hs[32], rx[32], tx[32];
	int64_t				 now = time(NULL);
	size_t				 i, j;
	int				 json = 0, stored = 0, rc;

	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--stored") == 0)
			stored = 1;
		else
			return (warpctl_usage("status", "status [--json] "
			    "[--stored]"));
	}
	if ((db = warpctl_db(ctl, &err)) == NULL)
		return (warpctl_fail(&err));
	rc = stored ? warp_status_stored(db, &st, &err) :
	    warp_kernel_status(db, ctl->netns, &st, &err);
	if (rc == -1)
		return (warpctl_fail(&err));
	if (json) {
		if (warp_stats_get(db, now, &counts, &err) == -1) {
			warp_kernel_status_free(&st);
			return (warpctl_fail(&err));
		}
		warp_buf_init(&b);
		warp_json_status(&b, &st, &counts);
		warpctl_print_json(&b);
		warp_kernel_status_free(&st);
		return (0);
	}
	printf("namespace: %s%s\n", st.netns[0] ? st.netns : "(host)",
	    st.kernel_read ? "" : " (does not exist: nothing applied yet)");
	for (i = 0; i < st.nnets; i++) {
		ns = &st.nets[i];
		printf("\n%-20s %-16s %-11s %-8s %s%s port %d%s%s\n", ns->name,
		    ns->type, ns->if_wg,
		    ns->apply_status[0] ? ns->apply_status : "pending",
		    !ns->enabled ? "suspended, " : "",
		    ns->present ? (ns->up ? "up" : "down") : "absent",
		    ns->listen_port, ns->apply_error[0] ? " -- " : "",
		    ns->apply_error);
		for (j = 0; j < st.npeers; j++) {
			ps = &st.peers[j];
			if (ps->network_id != ns->id)
				continue;
			warpctl_ago(ps->last_handshake, now, hs, sizeof(hs));
			warpctl_bytes(ps->rx_bytes, rx, sizeof(rx));
			warpctl_bytes(ps->tx_bytes, tx, sizeof(tx));
			printf("  %-20s %-8s %-8s %-7s handshake %-9s rx %-8s "
			    "tx %-8s %s%s%s\n", ps->name,
			    ps->apply_status[0] ? ps->apply_status : "pending",
			    ps->active ? "active" : "inactive",
			    ps->present ? "peer" : "no-peer", hs, rx, tx,
			    ps->remote[0] ? ps->remote : "-",
			    ps->apply_error[0] ? " -- " : "", ps->apply_error);
		}
	}
	warp_kernel_status_free(&st);
	return (0);
}
