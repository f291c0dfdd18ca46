/*
 * warpctl: shared declarations between the command files in cli/.
 * Each command is `int cmd_xxx(struct warpctl *, int argc, char **argv)`
 * returning the process exit status (0 ok, 1 bad input, 2 system error);
 * argv[0] is the command name.
 */
#ifndef WARPCTL_H
#define WARPCTL_H

#include "warp.h"
#include "warp_traffic.h"

struct warpctl {
	const char	*db_path;	/* --db, WARP_DB or the default */
	const char	*netns;		/* --netns, NULL: from server_config */
	struct warp_db	*db;		/* opened lazily by warpctl_db() */
	char		 actor[64];	/* "cli:<user>" for the audit log */
};

struct warpctl_command {
	const char	*name;
	int		(*run)(struct warpctl *, int, char **);
	const char	*usage;
};

/* Open the database (exits through the error path if it cannot). */
struct warp_db	*warpctl_db(struct warpctl *, struct warp_err *);
/* Print an error the way every command does; returns the exit status. */
int		 warpctl_fail(const struct warp_err *);
int		 warpctl_usage(const char *, const char *);
/* Print a JSON document and a newline; frees the buffer. */
void		 warpctl_print_json(struct warp_buf *);

/* Command tables contributed by other files (NULL-terminated). */
extern const struct warpctl_command	warpctl_core_commands[];	/* warpctl.c */
extern const struct warpctl_command	warpctl_user_commands[];	/* warpctl_user.c */
extern const struct warpctl_command	warpctl_kernel_commands[];	/* warpctl_kernel.c */
extern const struct warpctl_command	warpctl_traffic_commands[];	/* warpctl_traffic.c */
extern const struct warpctl_command	warpctl_host_commands[];	/* warpctl_host.c */

/* config set metrics|metrics-token VALUE (warpctl_traffic.c). */
int		 warpctl_metrics_config(struct warpctl *, const char *,
		    const char *);

/* create-network and edit-network: the network's default rates. */
#define WARPCTL_OPT_DEFAULT_DOWN	0x200
#define WARPCTL_OPT_DEFAULT_UP		0x201
#define WARPCTL_TRAFFIC_NET_OPTIONS \
	{ "default-down", required_argument, NULL, WARPCTL_OPT_DEFAULT_DOWN }, \
	{ "default-up", required_argument, NULL, WARPCTL_OPT_DEFAULT_UP }
#endif
