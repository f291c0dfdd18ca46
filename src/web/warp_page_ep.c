/*
 * warpd: endpoint pages: add, bulk add, detail, config download, QR,
 * enable/disable, expiry, delete, history, diff and rollback.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "warp.h"
#include "warp_auth.h"
#include "warp_web.h"
#include "warp_web_traffic.h"

#define BULK_MAX	1000

int	warp_page_endpoint_new(struct http_request *);
int	warp_page_endpoint_create(struct http_request *);
int	warp_page_endpoint_bulk(struct http_request *);
int	warp_page_endpoint(struct http_request *);
int	warp_page_endpoint_reveal(struct http_request *);
int	warp_page_endpoint_config(struct http_request *);
int	warp_page_endpoint_qr(struct http_request *);
int	warp_page_endpoint_action(struct http_request *);
int	warp_page_endpoint_diff(struct http_request *);
int	warp_page_endpoint_rollback(struct http_request *);

static int	endpoint_show(struct warp_ctx *, int);

/* "YYYY-MM-DDTHH:MM" from a datetime-local input, as UTC, for the core. */
int
warp_web_expiry(const char *in, char *out, size_t len)
{
	size_t	n;

	if (in == NULL || *in == '\0')
		return (0);
	n = strlen(in);
	if (n == 16)
		(void)snprintf(out, len, "%s:00Z", in);
	else if (n == 19)
		(void)snprintf(out, len, "%sZ", in);
	else
		(void)snprintf(out, len, "%s", in);
	return (1);
}

static int
load_endpoint(struct warp_ctx *ctx, struct warp_endpoint *e)
{
	struct warp_err	err;

	warp_err_clear(&err);
	if (ctx->id <= 0)
		return (warp_http_error(ctx, 404, "no such endpoint"));
	if (warp_endpoint_get_id(ctx->db, ctx->id, e, &err) == -1)
		return (warp_http_fail(ctx, &err));
	return (0);
}

/* GET /networks/N/endpoints/new */
int
warp_page_endpoint_new(struct http_request *req)
{
	struct warp_ctx		ctx;
	struct warp_network	n;
	struct warp_err		err;

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_A_WRITE) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	if (warp_network_get_id(ctx.db, ctx.id, &n, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	warp_tpl_set_int(ctx.tpl, "net_id", n.id);
	warp_tpl_set(ctx.tpl, "net_name", n.name);
	warp_http_page(&ctx, 200, "endpoint_new", "Add endpoints");
	return (warp_http_end(&ctx));
}

/* POST /networks/N/endpoints */
int
warp_page_endpoint_create(struct http_request *req)
{
	struct warp_ctx			 ctx;
	struct warp_endpoint_spec	 spec;
	struct warp_err			 err;
	char				 ref[32], loc[64], exp[40];
	char				*lans;
	int64_t				 id;

	if (warp_http_begin(&ctx, req, WARP_M_POST | WARP_A_WRITE) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	warp_endpoint_spec_init(&spec);
	spec.name = warp_form_get(&ctx.form, "name");
	if (warp_ep_kind_parse(warp_form_str(&ctx, "kind") ?
	    warp_form_str(&ctx, "kind") : "mobile", &spec.kind, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	spec.public_key = warp_form_str(&ctx, "public_key");
	if (warp_web_expiry(warp_form_str(&ctx, "expires"), exp, sizeof(exp)))
		spec.expires = exp;
	if (warp_form_cidrs(&ctx, "lans", "LAN subnets", spec.lans,
	    WARP_MAX_LANS, &spec.nlans, &lans) == -1)
		return (warp_http_end(&ctx));
	(void)snprintf(ref, sizeof(ref), "%lld", (long long)ctx.id);
	if (warp_endpoint_create(ctx.db, ref, &spec, ctx.actor, &id,
	    &err) == -1) {
		free(lans);
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	free(lans);
	warp_http_changed(&ctx);
	(void)snprintf(loc, sizeof(loc), "/endpoints/%lld", (long long)id);
	warp_http_flash_redirect(&ctx, loc, "created");
	return (warp_http_end(&ctx));
}

/*
 * POST /networks/N/endpoints/bulk: COUNT endpoints named from PATTERN
 * ("{n}" is the number), all or none (the core's bulk add).
 */
int
warp_page_endpoint_bulk(struct http_request *req)
{
	struct warp_ctx			 ctx;
	struct warp_endpoint_spec	 spec;
	struct warp_err			 err;
	const char			*pat;
	char				 ref[32], loc[64];
	long				 count, start, bad;

	if (warp_http_begin(&ctx, req, WARP_M_POST | WARP_A_WRITE) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	if ((pat = warp_form_str(&ctx, "pattern")) == NULL) {
		warp_http_error(&ctx, 400, "a name pattern is required, e.g. "
		    "user-{n}");
		return (warp_http_end(&ctx));
	}
	if (strlen(pat) > WARP_NAME_MAX) {
		warp_http_error(&ctx, 400, "the name pattern is too long");
		return (warp_http_end(&ctx));
	}
	if (warp_form_int(&ctx, "count", 1, BULK_MAX, &count) == -1 ||
	    warp_form_int(&ctx, "start", 0, 999999, &start) == -1)
		return (warp_http_end(&ctx));
	if (count == 0) {
		warp_http_error(&ctx, 400, "how many endpoints? (1 to 1000)");
		return (warp_http_end(&ctx));
	}
	if (warp_form_str(&ctx, "start") == NULL)
		start = 1;
	warp_endpoint_spec_init(&spec);
	if (warp_ep_kind_parse(warp_form_str(&ctx, "kind") ?
	    warp_form_str(&ctx, "kind") : "mobile", &spec.kind, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	(void)snprintf(ref, sizeof(ref), "%lld", (long long)ctx.id);
	/* The core's message already says which one and that none was made. */
	if (warp_endpoint_create_bulk(ctx.db, ref, pat, start, count, &spec,
	    ctx.actor, NULL, &bad, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	warp_http_changed(&ctx);
	(void)snprintf(loc, sizeof(loc), "/networks/%lld", (long long)ctx.id);
	warp_http_flash_redirect(&ctx, loc, "bulk");
	return (warp_http_end(&ctx));
}

static int
endpoint_show(struct warp_ctx *ctx, int reveal)
{
	struct warp_endpoint		 e;
	struct warp_config_version	*vers;
	struct warp_tpl			*row;
	struct warp_err			 err;
	struct warp_buf			 b;
	struct warp_endpoint_stats	 es;
	const char			*qa, *qb;
	char				*text, *shown, *svg, *fname;
	char				 buf[48], ip[WARP_IP_STRLEN];
	char				 cidr[WARP_CIDR_STRLEN];
	size_t				 i, n;
	int				 version;

	if (load_endpoint(ctx, &e) == -1)
		return (-1);
	warp_err_clear(&err);
	warp_tpl_set_int(ctx->tpl, "id", e.id);
	warp_tpl_set(ctx->tpl, "name", e.name);
	warp_tpl_set_int(ctx->tpl, "net_id", e.network_id);
	warp_tpl_set(ctx->tpl, "net_name", e.network_name);
	warp_tpl_set(ctx->tpl, "kind", warp_ep_kind_name(e.kind));
	warp_tpl_set(ctx->tpl, "status", warp_endpoint_status(&e, ctx->now));
	warp_tpl_set(ctx->tpl, "toggle", e.enabled ? "disable" : "enable");
	warp_tpl_set(ctx->tpl, "toggle_label", e.enabled ? "Disable" :
	    "Enable");
	warp_ip_format(e.overlay_ip, ip, sizeof(ip));
	warp_tpl_set(ctx->tpl, "ip", ip);
	warp_tpl_set(ctx->tpl, "public_key", e.public_key);
	warp_tpl_set_int(ctx->tpl, "has_private", e.has_private_key);
	warp_buf_init(&b);
	for (i = 0; i < e.nlans; i++) {
		warp_cidr_format(&e.lans[i], cidr, sizeof(cidr));
		warp_buf_appendf(&b, "%s%s", i ? ", " : "", cidr);
	}
	warp_buf_append(&b, "", 1);
	warp_tpl_set(ctx->tpl, "lans", b.len > 1 ? b.data : "-");
	warp_tpl_set(ctx->tpl, "lans_input", b.data);
	warp_tpl_set_int(ctx->tpl, "site", e.kind != WARP_EP_MOBILE);
	warp_buf_free(&b);
	if (e.expires_at) {
		warp_time_format(e.expires_at, buf, sizeof(buf));
		warp_tpl_set(ctx->tpl, "expires", buf);
		/* datetime-local wants YYYY-MM-DDTHH:MM */
		if (strlen(buf) >= 16)
			buf[16] = '\0';
		warp_tpl_set(ctx->tpl, "expires_input", buf);
	} else
		warp_tpl_set(ctx->tpl, "expires", "never");
	if (warp_endpoint_stats_get(ctx->db, e.id, &es, &err) == 0) {
		warp_fmt_ago(buf, sizeof(buf), es.last_handshake, ctx->now);
		warp_tpl_set(ctx->tpl, "handshake", buf);
		warp_fmt_bytes(buf, sizeof(buf), es.rx_bytes);
		warp_tpl_set(ctx->tpl, "rx", buf);
		warp_fmt_bytes(buf, sizeof(buf), es.tx_bytes);
		warp_tpl_set(ctx->tpl, "tx", buf);
	}

	if (warp_config_current(ctx->db, e.id, &text, &version, &err) == -1)
		return (warp_http_fail(ctx, &err));
	warp_tpl_set_int(ctx->tpl, "version", version);
	fname = warp_config_filename(&e);
	warp_tpl_set(ctx->tpl, "filename", fname);
	free(fname);
	if (reveal) {
		warp_tpl_set(ctx->tpl, "config", text);
		warp_tpl_set_int(ctx->tpl, "revealed", 1);
		if (warp_qr_svg(text, &svg, &err) == 0) {
			/* Made by libqrencode from our own text: trusted. */
			warp_tpl_html(ctx->tpl, "qr_svg", svg);
			free(svg);
		}
	} else {
		shown = warp_config_mask_secrets(text);
		warp_tpl_set(ctx->tpl, "config", shown);
		warp_config_free(shown);
	}
	warp_config_free(text);

	if (warp_config_history(ctx->db, e.id, &vers, &n, &err) == -1)
		return (warp_http_fail(ctx, &err));
	qa = n > 1 ? NULL : "";
	qb = NULL;
	for (i = 0; i < n; i++) {
		row = warp_tpl_push(ctx->tpl, "versions");
		warp_tpl_set_int(row, "v", vers[i].version);
		warp_tpl_set_int(row, "current", vers[i].version == version);
		warp_time_format(vers[i].created_at, buf, sizeof(buf));
		warp_tpl_set(row, "at", buf);
		warp_tpl_set(row, "reason", vers[i].reason);
		warp_tpl_set(row, "actor", vers[i].actor);
		/* Preselect the two newest versions for a diff. */
		warp_tpl_set_int(row, "is_b", vers[i].version == version);
		warp_tpl_set_int(row, "is_a", vers[i].version ==
		    (version > 1 ? version - 1 : version));
	}
	(void)qa;
	(void)qb;
	free(vers);
	warp_traffic_page_endpoint(ctx, e.id);
	return (warp_http_page(ctx, 200, "endpoint", e.name));
}

/* GET /endpoints/N */
int
warp_page_endpoint(struct http_request *req)
{
	struct warp_ctx	ctx;

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_A_CACHE) == -1)
		return (warp_http_end(&ctx));
	(void)endpoint_show(&ctx, 0);
	return (warp_http_end(&ctx));
}

/* POST /endpoints/N/reveal: the page with the private key and QR code. */
int
warp_page_endpoint_reveal(struct http_request *req)
{
	struct warp_ctx	ctx;
	struct warp_err	err;
	char		obj[32];

	/* Revealing changes nothing, but it shows a secret: CSRF + audit. */
	if (warp_http_begin(&ctx, req, WARP_M_POST | WARP_A_WRITE) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	(void)snprintf(obj, sizeof(obj), "%lld", (long long)ctx.id);
	(void)warp_audit_defer(ctx.db, ctx.actor, "config.reveal", "endpoint",
	    obj);
	(void)endpoint_show(&ctx, 1);
	return (warp_http_end(&ctx));
}

/* GET /endpoints/N/config: the .conf as a download. */
int
warp_page_endpoint_config(struct http_request *req)
{
	struct warp_ctx		 ctx;
	struct warp_endpoint	 e;
	struct warp_err		 err;
	char			*text, *fname, disp[96], obj[32];

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_A_WRITE) == -1 ||
	    load_endpoint(&ctx, &e) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	if (warp_config_current(ctx.db, e.id, &text, NULL, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	(void)snprintf(obj, sizeof(obj), "%lld", (long long)e.id);
	(void)warp_audit_defer(ctx.db, ctx.actor, "config.download",
	    "endpoint", obj);
	/* The core's file name is [a-zA-Z0-9_=+.-]: safe in a header. */
	fname = warp_config_filename(&e);
	(void)snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"",
	    fname);
	free(fname);
	http_response_header(req, "content-disposition", disp);
	warp_http_respond(req, 200, "text/plain; charset=utf-8", text,
	    strlen(text));
	warp_config_free(text);
	return (warp_http_end(&ctx));
}

/* GET /endpoints/N/qr.svg and /endpoints/N/qr.png */
int
warp_page_endpoint_qr(struct http_request *req)
{
	struct warp_ctx		 ctx;
	struct warp_endpoint	 e;
	struct warp_err		 err;
	char			*text, *svg, obj[32];
	uint8_t			*png;
	size_t			 len;

	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_A_WRITE |
	    ((strncmp(req->path, "/api/", 5) == 0) ? WARP_A_API : 0)) == -1 ||
	    load_endpoint(&ctx, &e) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	if (warp_config_current(ctx.db, e.id, &text, NULL, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	(void)snprintf(obj, sizeof(obj), "%lld", (long long)e.id);
	/* Queued, not written now: a view never waits for the lock. */
	(void)warp_audit_defer(ctx.db, ctx.actor, "config.qr", "endpoint", obj);
	if (strstr(req->path, ".png") != NULL) {
		if (warp_qr_png(text, &png, &len, &err) == -1) {
			warp_config_free(text);
			warp_http_fail(&ctx, &err);
			return (warp_http_end(&ctx));
		}
		warp_http_respond(req, 200, "image/png", png, len);
		free(png);
	} else {
		if (warp_qr_svg(text, &svg, &err) == -1) {
			warp_config_free(text);
			warp_http_fail(&ctx, &err);
			return (warp_http_end(&ctx));
		}
		warp_http_respond(req, 200, "image/svg+xml", svg, strlen(svg));
		free(svg);
	}
	warp_config_free(text);
	return (warp_http_end(&ctx));
}

/* POST /endpoints/N/{enable,disable,delete,rotate,lans,expiry} */
int
warp_page_endpoint_action(struct http_request *req)
{
	struct warp_ctx		 ctx;
	struct warp_endpoint	 e;
	struct warp_err		 err;
	const char		*act, *done;
	char			 ref[32], loc[64], exp[40];
	int			 rc;

	if (warp_http_begin(&ctx, req, WARP_M_POST | WARP_A_WRITE) == -1 ||
	    load_endpoint(&ctx, &e) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	act = strrchr(req->path, '/') + 1;
	(void)snprintf(ref, sizeof(ref), "%lld", (long long)e.id);
	(void)snprintf(loc, sizeof(loc), "/endpoints/%lld", (long long)e.id);
	if (!strcmp(act, "enable") || !strcmp(act, "disable")) {
		rc = warp_endpoint_set_enabled(ctx.db, ref,
		    !strcmp(act, "enable"), ctx.actor, &err);
		done = !strcmp(act, "enable") ? "enabled" : "disabled";
	} else if (!strcmp(act, "delete")) {
		rc = warp_endpoint_delete(ctx.db, ref, ctx.actor, &err);
		(void)snprintf(loc, sizeof(loc), "/networks/%lld",
		    (long long)e.network_id);
		done = "deleted";
	} else if (!strcmp(act, "rotate")) {
		/* New keypair and PSK: a new config version. */
		rc = warp_endpoint_rotate_keys(ctx.db, ref, NULL, ctx.actor,
		    &err);
		done = "rotated";
	} else if (!strcmp(act, "lans")) {
		const char	*list[WARP_MAX_LANS];
		char		*lans;
		size_t		 nl;

		if (warp_form_cidrs(&ctx, "lans", "LAN subnets", list,
		    WARP_MAX_LANS, &nl, &lans) == -1)
			return (warp_http_end(&ctx));
		rc = warp_endpoint_set_lans(ctx.db, ref, list, nl,
		    "LAN subnets changed", ctx.actor, &err);
		free(lans);
		done = "saved";
	} else if (!strcmp(act, "expiry")) {
		rc = warp_endpoint_set_expiry(ctx.db, ref,
		    warp_web_expiry(warp_form_str(&ctx, "expires"), exp,
		    sizeof(exp)) ? exp : NULL, ctx.actor, &err);
		done = "saved";
	} else {
		warp_http_error(&ctx, 404, "no such action");
		return (warp_http_end(&ctx));
	}
	if (rc == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	warp_http_changed(&ctx);
	/* Back to where the button was (network list or endpoint page). */
	if (warp_form_str(&ctx, "back") != NULL)
		(void)snprintf(loc, sizeof(loc), "/networks/%lld",
		    (long long)e.network_id);
	warp_http_flash_redirect(&ctx, loc, done);
	return (warp_http_end(&ctx));
}

/* GET /endpoints/N/diff?a=V1&b=V2 */
int
warp_page_endpoint_diff(struct http_request *req)
{
	struct warp_ctx		 ctx;
	struct warp_endpoint	 e;
	struct warp_tpl		*row;
	struct warp_err		 err;
	const char		*qa, *qb;
	char			*ta, *tb, *diff, *line, *save, la[16], lb[16];
	long			 a, b;
	int			 rc;

	/* Viewers see no config text anywhere (config, QR, API): nor here. */
	if (warp_http_begin(&ctx, req, WARP_M_GET | WARP_A_WRITE) == -1 ||
	    load_endpoint(&ctx, &e) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	qa = warp_form_get(&ctx.qs, "a");
	qb = warp_form_get(&ctx.qs, "b");
	a = qa ? strtol(qa, NULL, 10) : 0;
	b = qb ? strtol(qb, NULL, 10) : 0;
	if (a < 1 || b < 1 || a > 1000000 || b > 1000000) {
		warp_http_error(&ctx, 400, "choose two versions (a and b)");
		return (warp_http_end(&ctx));
	}
	if (warp_config_version_text(ctx.db, e.id, (int)a, &ta, &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	if (warp_config_version_text(ctx.db, e.id, (int)b, &tb, &err) == -1) {
		warp_config_free(ta);
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	(void)snprintf(la, sizeof(la), "v%ld", a);
	(void)snprintf(lb, sizeof(lb), "v%ld", b);
	rc = warp_config_diff(ta, tb, la, lb, &diff, NULL, &err);
	warp_config_free(ta);
	warp_config_free(tb);
	if (rc == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	for (line = strtok_r(diff, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		row = warp_tpl_push(ctx.tpl, "lines");
		warp_tpl_set(row, "cls", line[0] == '+' ? "add" :
		    line[0] == '-' ? "del" : "ctx");
		warp_tpl_set(row, "text", line);
	}
	free(diff);
	warp_tpl_set_int(ctx.tpl, "id", e.id);
	warp_tpl_set(ctx.tpl, "name", e.name);
	warp_tpl_set_int(ctx.tpl, "a", a);
	warp_tpl_set_int(ctx.tpl, "b", b);
	warp_http_page(&ctx, 200, "diff", e.name);
	return (warp_http_end(&ctx));
}

/* POST /endpoints/N/rollback (version in the form or query) */
int
warp_page_endpoint_rollback(struct http_request *req)
{
	struct warp_ctx		 ctx;
	struct warp_endpoint	 e;
	struct warp_err		 err;
	const char		*v;
	char			 ref[32], loc[64], *end;
	long			 version;
	int			 newv;

	if (warp_http_begin(&ctx, req, WARP_M_POST | WARP_A_WRITE) == -1 ||
	    load_endpoint(&ctx, &e) == -1)
		return (warp_http_end(&ctx));
	warp_err_clear(&err);
	if ((v = warp_form_str(&ctx, "version")) == NULL)
		v = warp_form_get(&ctx.qs, "version");
	version = v ? strtol(v, &end, 10) : 0;
	if (v == NULL || *end != '\0' || version < 1 || version > 1000000) {
		warp_http_error(&ctx, 400, "which version? (a number from the "
		    "history)");
		return (warp_http_end(&ctx));
	}
	(void)snprintf(ref, sizeof(ref), "%lld", (long long)e.id);
	if (warp_config_rollback(ctx.db, ref, (int)version, ctx.actor, &newv,
	    &err) == -1) {
		warp_http_fail(&ctx, &err);
		return (warp_http_end(&ctx));
	}
	warp_http_changed(&ctx);
	(void)snprintf(loc, sizeof(loc), "/endpoints/%lld", (long long)e.id);
	warp_http_flash_redirect(&ctx, loc, "rolledback");
	return (warp_http_end(&ctx));
}
