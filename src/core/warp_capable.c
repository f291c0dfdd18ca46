/*
 * Can this kernel realise networks?  The reconciler records, per object,
 * why it failed; a kernel without a feature every network needs (VRF on
 * the build machines) fails them all with "the kernel lacks <feature>".
 * The dashboard says so once, at the top, instead of a row per object.
 */
#include <stdio.h>
#include <string.h>

#include "warp.h"
#include "warp_db_int.h"

/*
 * 1 and the missing feature in buf when the last apply failed a network
 * because the kernel lacks a feature; 0 when it did not; -1 on error.
 */
int
warp_kernel_lacks(struct warp_db *db, char *buf, size_t len,
    struct warp_err *err)
{
	sqlite3_stmt	*st;
	const char	*e, *p;
	int		 rc;

	if (len > 0)
		buf[0] = '\0';
	if (warp_db_prepare(db, &st, "SELECT error FROM apply_status WHERE "
	    "object_type = 'network' AND status = 'failed' AND "
	    "instr(error, '" WARP_KERNEL_LACKS "') > 0 ORDER BY updated_at DESC "
	    "LIMIT 1", err) == -1)
		return (-1);
	rc = 0;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (e = (const char *)sqlite3_column_text(st, 0)) != NULL &&
	    (p = strstr(e, WARP_KERNEL_LACKS)) != NULL) {
		(void)snprintf(buf, len, "%s", p + strlen(WARP_KERNEL_LACKS));
		rc = 1;
	}
	sqlite3_finalize(st);
	return (rc);
}

/* How many objects failed for that reason (hidden behind the banner). */
int
warp_kernel_lacks_count(struct warp_db *db, int64_t *n, struct warp_err *err)
{
	sqlite3_stmt	*st;

	*n = 0;
	if (warp_db_prepare(db, &st, "SELECT count(*) FROM apply_status "
	    "WHERE status = 'failed' AND instr(error, '" WARP_KERNEL_LACKS "') > 0",
	    err) == -1)
		return (-1);
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return (0);
}
