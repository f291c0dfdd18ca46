/*
 * Paging of the lists the edges show (issue #11, admin at scale): the
 * one parser of the `?page=` (the web pages) and `?after=&limit=` (the
 * API) parameters, so that a list of 50,000 endpoints is never read
 * whole to show 50 of them.  The queries that take a struct warp_page
 * live beside their tables (warp_network.c, warp_endpoint.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "warp.h"

static int	warp_page_int(const char *, int64_t, int64_t, int64_t *);

/* A whole number in [min, max], digits only; 0 when it is not one. */
static int
warp_page_int(const char *s, int64_t min, int64_t max, int64_t *v)
{
	char		*end;
	long long	 n;

	if (s == NULL || *s == '\0' || strlen(s) > 18 ||
	    strspn(s, "0123456789") != strlen(s))
		return (0);
	n = strtoll(s, &end, 10);
	if (*end != '\0' || n < min || n > max)
		return (0);
	*v = n;
	return (1);
}

/*
 * `?page=N` of a list of `total` rows shown `per` to a page: N from 1 to
 * the last page (1 for an empty list); absent means 1.  Fills pg (offset,
 * limit) and *pages.
 */
int
warp_page_number(const char *s, int64_t total, int per, struct warp_page *pg,
    int64_t *page, int64_t *pages, struct warp_err *err)
{
	memset(pg, 0, sizeof(*pg));
	*pages = total > 0 ? (total + per - 1) / per : 1;
	*page = 1;
	if (s != NULL && !warp_page_int(s, 1, *pages, page))
		return (warp_err_input(err, "page must be a whole number from "
		    "1 to %lld", (long long)*pages));
	pg->offset = (*page - 1) * per;
	pg->limit = per;
	return (0);
}

/*
 * `?after=ID&limit=N` of the API: the rows whose id is greater than ID
 * (absent: from the first), at most N (1 to max; absent: dflt).
 */
int
warp_page_keyset(const char *after, const char *limit, int dflt, int max,
    struct warp_page *pg, struct warp_err *err)
{
	int64_t	v;

	memset(pg, 0, sizeof(*pg));
	pg->limit = dflt;
	if (after != NULL) {
		if (!warp_page_int(after, 0, INT64_MAX, &v))
			return (warp_err_input(err, "after must be the id of "
			    "the last row of the previous page (a whole number "
			    ">= 0)"));
		pg->after = v;
	}
	if (limit != NULL) {
		if (!warp_page_int(limit, 1, max, &v))
			return (warp_err_input(err, "limit must be a whole "
			    "number from 1 to %d", max));
		pg->limit = (int)v;
	}
	return (0);
}
