/*
 * warpd: responses.  Every response the application sends goes through
 * warp_http_respond(), which adds the security headers.
 */
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "warp.h"
#include "warp_web.h"

int	warp_http_health(struct http_request *);
int	warp_http_notfound(struct http_request *);

void	warp_http_headers(struct http_request *);
void	warp_http_respond(struct http_request *, int, const char *,
	    const void *, size_t);

void
warp_http_headers(struct http_request *req)
{
	http_response_header(req, "content-security-policy",
	    "default-src 'none'; script-src 'self'; style-src 'self'; "
	    "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
	    "frame-ancestors 'none'; base-uri 'none'");
	http_response_header(req, "x-content-type-options", "nosniff");
	http_response_header(req, "x-frame-options", "DENY");
	http_response_header(req, "referrer-policy", "no-referrer");
	http_response_header(req, "cross-origin-opener-policy", "same-origin");
	http_response_header(req, "cache-control", "no-store");
}

void
warp_http_respond(struct http_request *req, int status, const char *ctype,
    const void *body, size_t len)
{
	warp_http_headers(req);
	if (ctype != NULL)
		http_response_header(req, "content-type", ctype);
	http_response(req, status, body, len);
}

/* GET /healthz: 200 when the database answers, 503 otherwise. */
int
warp_http_health(struct http_request *req)
{
	struct warp_db	*db;
	char		 body[128];
	int		 n, version;

	db = warp_web_dbh();
	if (db == NULL || warp_db_user_version(db->sql, &version) == -1) {
		n = snprintf(body, sizeof(body),
		    "{\"status\":\"error\",\"db\":\"unavailable\"}\n");
		warp_http_respond(req, 503, "application/json", body, n);
		return (KORE_RESULT_OK);
	}
	n = snprintf(body, sizeof(body),
	    "{\"status\":\"ok\",\"db\":\"ok\",\"schema\":%d}\n", version);
	warp_http_respond(req, 200, "application/json", body, n);
	return (KORE_RESULT_OK);
}

int
warp_http_notfound(struct http_request *req)
{
	static const char	msg[] = "not found\n";

	warp_http_respond(req, 404, "text/plain; charset=utf-8", msg,
	    sizeof(msg) - 1);
	return (KORE_RESULT_OK);
}
