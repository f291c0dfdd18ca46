/*
 * warpd: a worker's memory of recent answers, so that reading the same
 * page again does not cost the same queries again.
 *
 * Everything here is dropped as soon as the database changes: the core's
 * warp_db_epoch() moves on a commit by any other connection (the other
 * worker, warpctl, the parent) and on one by this worker.
 * Logging out, a password change or a revoked session is a database
 * change, so a cached session never outlives its row.  Pages are also
 * keyed by the session and by a 10-second clock bucket (relative times
 * such as "handshake 40s ago" are at most that stale).
 * WARP_PAGE_CACHE=0 in warpd's environment keeps no page (sessions are
 * still remembered): what bench/admin_scale measures as "uncached".
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "warp.h"
#include "warp_auth.h"
#include "warp_web.h"

#define SESS_SLOTS	64
#define PAGE_SLOTS	128
#define PAGE_MAX	(512 * 1024)
#define PAGE_KEY_MAX	512

struct sess_slot {
	int			used;
	uint8_t			hash[WARP_TOKEN_HASH_LEN];
	struct warp_session	sess;
};

struct page_slot {
	int		 used;
	int64_t		 session_id;
	int64_t		 bucket;
	char		 key[PAGE_KEY_MAX];
	char		*body;
	size_t		 len;
};

static struct sess_slot	 sessions[SESS_SLOTS];
static struct page_slot	 pages[PAGE_SLOTS];
static size_t		 sess_next, page_next;
static int64_t		 last_dv = -1, last_changes = -1;
static int		 pages_off = -1;

static void	cache_flush(void);
static int	cache_pages_off(void);

static int
cache_pages_off(void)
{
	const char	*v;

	if (pages_off == -1)
		pages_off = (v = getenv("WARP_PAGE_CACHE")) != NULL &&
		    strcmp(v, "0") == 0;
	return (pages_off);
}

static void
cache_flush(void)
{
	size_t	i;

	sodium_memzero(sessions, sizeof(sessions));
	for (i = 0; i < PAGE_SLOTS; i++) {
		free(pages[i].body);
		pages[i].body = NULL;
		pages[i].used = 0;
	}
}

/* Call once per request before using the cache. */
void
warp_cache_sync(struct warp_db *db)
{
	int64_t		dv, ch;

	warp_db_epoch(db, &dv, &ch);
	if (dv == -1 || dv != last_dv || ch != last_changes)
		cache_flush();
	last_dv = dv;
	last_changes = ch;
}

/*
 * A session the core vouched for in this database epoch, as long as the
 * core would not have to touch it (last_seen is refreshed each minute).
 */
int
warp_cache_session_get(const char *token, int64_t now, struct warp_session *s)
{
	uint8_t	h[WARP_TOKEN_HASH_LEN];
	size_t	i;

	warp_token_hash(token, h);
	for (i = 0; i < SESS_SLOTS; i++) {
		if (!sessions[i].used ||
		    sodium_memcmp(sessions[i].hash, h, sizeof(h)) != 0)
			continue;
		if (now - sessions[i].sess.last_seen >= 60 ||
		    now - sessions[i].sess.created_at > WARP_SESSION_ABSOLUTE)
			return (0);
		*s = sessions[i].sess;
		return (1);
	}
	return (0);
}

void
warp_cache_session_put(const char *token, const struct warp_session *s)
{
	struct sess_slot	*slot;

	slot = &sessions[sess_next++ % SESS_SLOTS];
	warp_token_hash(token, slot->hash);
	slot->sess = *s;
	slot->used = 1;
}

static int
page_key(struct http_request *req, char *key, size_t len)
{
	int	n;

	n = snprintf(key, len, "%s?%s", req->path,
	    req->query_string ? req->query_string : "");
	return (n >= 0 && (size_t)n < len);
}

const char *
warp_cache_page_get(struct http_request *req, int64_t session_id,
    int64_t now, size_t *len)
{
	char	key[PAGE_KEY_MAX];
	size_t	i;

	if (cache_pages_off() || !page_key(req, key, sizeof(key)))
		return (NULL);
	for (i = 0; i < PAGE_SLOTS; i++) {
		if (pages[i].used && pages[i].session_id == session_id &&
		    pages[i].bucket == now / 10 && !strcmp(pages[i].key, key)) {
			*len = pages[i].len;
			return (pages[i].body);
		}
	}
	return (NULL);
}

void
warp_cache_page_put(struct http_request *req, int64_t session_id,
    int64_t now, const char *body, size_t len)
{
	struct page_slot	*slot;

	if (len > PAGE_MAX || cache_pages_off())
		return;
	slot = &pages[page_next++ % PAGE_SLOTS];
	if (!page_key(req, slot->key, sizeof(slot->key))) {
		slot->used = 0;
		return;
	}
	free(slot->body);
	slot->body = warp_xcalloc(1, len + 1);
	memcpy(slot->body, body, len);
	slot->len = len;
	slot->session_id = session_id;
	slot->bucket = now / 10;
	slot->used = 1;
}
