/*
 * warpd, the web admin (Kore): shared declarations of the src/web files.
 *
 * Process model: the Kore parent runs as root and is the only process that
 * may change the kernel; it takes nothing from the workers but a fixed,
 * typed, length-checked "apply now" message and re-reads the desired state
 * from the database itself.  Workers run as the unprivileged `runas` user,
 * chrooted into the database directory, under seccomp.
 */
#ifndef WARP_WEB_H
#define WARP_WEB_H

#include <stdint.h>

#include "warp.h"

struct http_request;

/* Parent <-> worker messages (KORE_MSG_APP_BASE + n). */
#define WARP_MSG_APPLY		(200 + 1)
#define WARP_MSG_APPLY_MAGIC	0x57415041	/* "WAPA" */

struct warp_msg_apply {
	uint32_t	magic;		/* WARP_MSG_APPLY_MAGIC */
	uint32_t	version;	/* 1 */
};

/* The worker's database handle (opened in kore_worker_configure). */
extern struct warp_db	*warp_web_db;

/* warpd.c */
struct warp_db	*warp_web_dbh(void);
void		 warp_web_request_apply(void);
const char	*warp_web_db_path(void);
#endif
