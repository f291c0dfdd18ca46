/*
 * warpd, the web admin (Kore): shared declarations of the src/web files.
 *
 * Process model: the Kore parent runs as root and is the only process that
 * may change the kernel; it takes nothing from the workers but a fixed,
 * typed, length-checked "apply now" message and re-reads the desired state
 * from the database itself.  Workers run as the unprivileged `runas` user,
 * chrooted into the database directory, under seccomp.
 *
 * A handler is small: warp_http_begin() (method, authentication, role,
 * CSRF, form parsing), one call into the core, then a page, a redirect or
 * an error.
 */
#ifndef WARP_WEB_H
#define WARP_WEB_H

#include <netinet/in.h>

#include <stdint.h>

#include "warp.h"
#include "warp_auth.h"

struct http_request;

/* Parent <-> worker messages (KORE_MSG_APP_BASE + n). */
#define WARP_MSG_APPLY		(200 + 1)
#define WARP_MSG_APPLY_MAGIC	0x57415041	/* "WAPA" */

/*
 * scope: WARP_APPLY_CHANGES after an edit (the parent reconciles what
 * the change journal names), WARP_APPLY_FULL from the timers (drift
 * repair, expiry, and the handshake and traffic figures).
 */
#define WARP_APPLY_FULL		0
#define WARP_APPLY_CHANGES	1

struct warp_msg_apply {
	uint32_t	magic;		/* WARP_MSG_APPLY_MAGIC */
	uint32_t	version;	/* 2 */
	uint32_t	scope;		/* WARP_APPLY_FULL, _CHANGES */
};

/* The worker's database handle (opened in kore_worker_configure). */
extern struct warp_db	*warp_web_db;
extern int		 warp_web_trust_proxy;
/* The proxy whose X-Real-IP / X-Forwarded-Proto are believed (-P ADDR). */
extern int		 warp_web_proxy_family;		/* AF_INET(6) */
extern struct in_addr	 warp_web_proxy4;
extern struct in6_addr	 warp_web_proxy6;
int			 warp_web_set_proxy(const char *);

/* warpd.c */
struct warp_db	*warp_web_dbh(void);
void		 warp_web_request_apply(uint32_t);
const char	*warp_web_db_path(void);

/* Parsed form or query string: bounded, NUL-free, valid UTF-8. */
#define WARP_FORM_MAX		128
#define WARP_FORM_VALUE_MAX	65536

struct warp_form {
	size_t		 n;
	char		*key[WARP_FORM_MAX];
	char		*val[WARP_FORM_MAX];
};

int		 warp_form_parse(struct warp_form *, const char *, size_t,
		    struct warp_err *);
void		 warp_form_free(struct warp_form *);
const char	*warp_form_get(const struct warp_form *, const char *);
size_t		 warp_form_all(const struct warp_form *, const char *,
		    const char **, size_t);
/* warp_parse.c: the request parsers, Kore-free (fuzzed alone). */
int		 warp_utf8_valid(const unsigned char *, size_t);
int		 warp_json_form_parse(struct warp_form *, const char *, size_t,
		    struct warp_err *);
int		 warp_cookie_get(const char *, const char *, char *, size_t);

/* What a handler needs (warp_http_begin). */
#define WARP_M_GET	0x01
#define WARP_M_POST	0x02
#define WARP_M_DELETE	0x04

#define WARP_A_PUBLIC	0x0100	/* no sign-in needed */
#define WARP_A_WRITE	0x0200	/* operator or admin */
#define WARP_A_ADMIN	0x0400	/* admin only */
#define WARP_A_API	0x0800	/* JSON errors, token auth allowed */
#define WARP_A_NOCSRF	0x1000	/* POST that checks its own token */
#define WARP_A_PWCHANGE	0x2000	/* allowed while a password change is due */
#define WARP_A_CACHE	0x4000	/* GET page without side effects: cacheable */

struct warp_ctx {
	struct http_request	*req;
	struct warp_db		*db;
	int			 flags;
	int			 method;	/* WARP_M_* */
	int			 authed;
	int			 via_token;
	int			 token_ro;	/* read-only API token */
	struct warp_session	 sess;		/* when signed in by cookie */
	struct warp_user	 user;
	char			 actor[64];	/* "web:<user>" */
	char			 addr[64];
	char			 addrkey[WARP_LOGIN_ADDRKEY_MAX];	/* IPv6: /64 */
	int			 secure;	/* behind TLS */
	int			 cacheable;
	struct warp_form	 form;		/* POST body */
	struct warp_form	 qs;		/* query string */
	int64_t			 now;
	int64_t			 id;		/* first number in the path */
	int64_t			 id2;		/* second number in the path */
	struct warp_tpl		*tpl;
};

int	warp_http_begin(struct warp_ctx *, struct http_request *, int);
int	warp_http_end(struct warp_ctx *);
int	warp_http_error(struct warp_ctx *, int, const char *);
int	warp_http_fail(struct warp_ctx *, const struct warp_err *);
int	warp_http_redirect(struct warp_ctx *, const char *);
int	warp_http_page(struct warp_ctx *, int, const char *, const char *);
int	warp_http_json(struct warp_ctx *, int, struct warp_buf *);
int	warp_http_pager(struct warp_ctx *, int64_t, struct warp_page *);
int	warp_http_keyset(struct warp_ctx *, struct warp_page *);
void	warp_http_next_link(struct warp_ctx *, const struct warp_page *,
	    int64_t, int64_t);
int	warp_http_flash_redirect(struct warp_ctx *, const char *,
	    const char *);
void	warp_http_headers(struct http_request *);
void	warp_http_respond(struct http_request *, int, const char *,
	    const void *, size_t);
void	warp_http_set_session_cookie(struct warp_ctx *, const char *, int);
#define WARP_SESSION_COOKIE	"warp_session"
int	warp_http_cookie(struct http_request *, const char *, char *, size_t);
int	warp_http_status_for(const struct warp_err *);
void	warp_http_changed(struct warp_ctx *);

const char	*warp_form_str(struct warp_ctx *, const char *);
int		 warp_form_cidrs(struct warp_ctx *, const char *, const char *,
		    const char **, size_t, size_t *, char **);
int		 warp_form_int(struct warp_ctx *, const char *, long, long,
		    long *);
int		 warp_form_intv(struct warp_ctx *, const char *, int, int,
		    int *, int);

int		 warp_http_notfound(struct http_request *);
int		 warp_web_expiry(const char *, char *, size_t);

/* warp_page_net.c */
void		 warp_fmt_bytes(char *, size_t, int64_t);
void		 warp_fmt_ago(char *, size_t, int64_t, int64_t);
const char	*warp_net_type_label(enum warp_net_type);
void		 warp_apply_state(struct warp_db *, const char *, int64_t,
		    char *, size_t, char *, size_t);

int		 warp_web_network_spec(struct warp_ctx *,
		    struct warp_network_spec *, char **);
#define WARP_EDIT_FORM	1	/* the HTML form: it sends every field */
#define WARP_EDIT_API	2	/* JSON: absent fields stay as they are */
int		 warp_web_network_edit(struct warp_ctx *,
		    const struct warp_network *, struct warp_network_edit *,
		    char **, int);

/* warp_cache.c */
void		 warp_cache_sync(struct warp_db *);
int		 warp_cache_session_get(const char *, int64_t,
		    struct warp_session *);
void		 warp_cache_session_put(const char *,
		    const struct warp_session *);
const char	*warp_cache_page_get(struct http_request *, int64_t, int64_t,
		    size_t *);
void		 warp_cache_page_put(struct http_request *, int64_t, int64_t,
		    const char *, size_t);

/* warp_gate.c: sign-in limits shared by the workers. */
#define WARP_GATE_HASHES	2	/* argon2id checks in flight, all workers */
void		 warp_gate_init(void);
void		 warp_gate_worker(uint16_t);
uint64_t	 warp_gate_now_ms(void);
const uint8_t	*warp_gate_prelogin_key(void);
int		 warp_gate_hash_acquire(void);
void		 warp_gate_hash_release(uint64_t);
uint32_t	 warp_gate_hash_ms(void);
int		 warp_gate_claim(const char *, uint64_t, uint64_t);
void		 warp_gate_unclaim(const char *);

/* warp_tpl.c */
struct warp_tpl;
struct warp_tpl	*warp_tpl_new(void);
void		 warp_tpl_free(struct warp_tpl *);
void		 warp_tpl_set(struct warp_tpl *, const char *, const char *);
void		 warp_tpl_setf(struct warp_tpl *, const char *, const char *,
		    ...) __attribute__((format(printf, 3, 4)));
void		 warp_tpl_set_int(struct warp_tpl *, const char *, long long);
void		 warp_tpl_html(struct warp_tpl *, const char *, const char *);
struct warp_tpl	*warp_tpl_push(struct warp_tpl *, const char *);
void		 warp_tpl_list(struct warp_tpl *, const char *);
void		 warp_tpl_escape(struct warp_buf *, const char *);
int		 warp_tpl_check(struct warp_err *);
int		 warp_tpl_render(const char *, struct warp_tpl *,
		    struct warp_buf *, struct warp_err *);
#endif
