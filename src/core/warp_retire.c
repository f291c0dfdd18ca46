/*
 * Key rotation retires the old keys (issue 12): every version made with
 * another public key than the endpoint's current one keeps its text with
 * PrivateKey/PresharedKey masked (history and diff still work) and loses
 * its sealed private and preshared keys, overwritten on disk
 * (secure_delete).  A rollback to such a version re-renders with the
 * current keys (warp_config_rollback).
 */
#include <stdlib.h>
#include <string.h>

#include "warp.h"
#include "warp_db_int.h"

int
warp_config_retire_keys(struct warp_db *db, int64_t endpoint_id,
    struct warp_err *err)
{
	sqlite3_stmt	*st = NULL;
	int		*versions = NULL;
	size_t		 n = 0, cap = 0, i;
	char		*text = NULL, *masked = NULL;
	uint8_t		*sealed = NULL;
	size_t		 sealed_len;
	int		 rc = -1;

	(void)sqlite3_exec(db->sql, "PRAGMA secure_delete = ON", NULL, NULL,
	    NULL);
	if (warp_db_prepare(db, &st, "SELECT version FROM endpoint_configs "
	    "WHERE endpoint_id = ?1 AND retired = 0 AND public_key <> (SELECT "
	    "public_key FROM endpoints WHERE id = ?1)", err) == -1)
		return (-1);
	sqlite3_bind_int64(st, 1, endpoint_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			if ((versions = realloc(versions, cap *
			    sizeof(*versions))) == NULL)
				warp_fatal("out of memory");
		}
		versions[n++] = sqlite3_column_int(st, 0);
	}
	sqlite3_finalize(st);
	st = NULL;
	for (i = 0; i < n; i++) {
		if (warp_config_version_text(db, endpoint_id, versions[i],
		    &text, err) == -1)
			goto out;
		masked = warp_config_mask_secrets(text);
		if (warp_seal(db, "endpoint_configs.content", masked,
		    strlen(masked), &sealed, &sealed_len, err) == -1)
			goto out;
		if (warp_db_prepare(db, &st, "UPDATE endpoint_configs SET "
		    "content = ?, private_key = NULL, preshared_key = x'', "
		    "retired = 1 WHERE endpoint_id = ? AND version = ?",
		    err) == -1)
			goto out;
		sqlite3_bind_blob(st, 1, sealed, (int)sealed_len,
		    SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, endpoint_id);
		sqlite3_bind_int(st, 3, versions[i]);
		if (sqlite3_step(st) != SQLITE_DONE) {
			warp_db_sqlerr(db, err, "retiring old keys");
			goto out;
		}
		sqlite3_finalize(st);
		st = NULL;
		warp_config_free(text);
		text = NULL;
		free(masked);
		masked = NULL;
		free(sealed);
		sealed = NULL;
	}
	rc = 0;
out:
	if (st != NULL)
		sqlite3_finalize(st);
	warp_config_free(text);
	free(masked);
	free(sealed);
	free(versions);
	return (rc);
}
