/*
 * warpd: the HTML template renderer.  Escapes by default.
 *
 * Templates live in templates/ (NAME.html) and are compiled into the binary.
 * Syntax (a small mustache):
 *
 *	{{name}}		the value of name, HTML-escaped
 *	{{#name}}..{{/name}}	a list: once per item; a value: once if it
 *				is set, non-empty and not "0"
 *	{{^name}}..{{/name}}	once if name is unset, empty, "0" or an
 *				empty list
 *	{{>other}}		the template other.html, same values
 *
 * There is no syntax for raw output.  A value is written unescaped only if
 * the C code stored it with warp_tpl_html() (server-made SVG, for one), so
 * a template cannot forget to escape.  Names are looked up in the current
 * list item first, then outwards.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "assets.h"
#include "warp.h"
#include "warp_web.h"

#define TPL_NAME_MAX	48
#define TPL_DEPTH_MAX	16
#define TPL_CHUNK	(16 * 1024)

enum tpl_vtype { TPL_STR, TPL_HTML, TPL_LIST };

/*
 * A page sets a few thousand names and values: their bytes go into the
 * root's chunks (one malloc per 16 KiB, one free of each at the end), not
 * a strdup and a free each; names are found by length and hash first.
 */
struct tpl_chunk {
	struct tpl_chunk	*next;
	size_t			 used;
	size_t			 cap;
	char			 data[];
};

struct tpl_val {
	const char		*key;
	size_t			 keylen;
	uint32_t		 hash;
	enum tpl_vtype		 type;
	const char		*str;
	struct warp_tpl		**items;
	size_t			 nitems;
	size_t			 capitems;
};

struct warp_tpl {
	struct warp_tpl		*parent;
	struct warp_tpl		*root;		/* owns the chunks */
	struct tpl_chunk	*chunks;
	struct tpl_val		*vals;
	size_t			 nvals;
	size_t			 capvals;
};

enum tpl_ntype { N_TEXT, N_VAR, N_SECTION, N_INVERTED, N_PARTIAL };

struct tpl_node {
	enum tpl_ntype		 type;
	const char		*text;
	size_t			 len;
	char			 name[TPL_NAME_MAX];
	size_t			 namelen;
	uint32_t		 hash;
	struct tpl_node		*child;		/* sections */
	struct tpl_node		*next;
};

struct tpl_file {
	const char		*name;
	const u_int8_t		*data;
	const u_int32_t		*len;
	struct tpl_node		*root;
	int			 parsed;
};

#define TPL(n)	{ #n, asset_##n##_html, &asset_len_##n##_html, NULL, 0 }

/* Every template; a missing file is a compile error, not a 500. */
static struct tpl_file	tpl_files[] = {
	TPL(header),
	TPL(footer),
	TPL(login),
	TPL(setup),
	TPL(error),
	TPL(dashboard),
	TPL(password),
	TPL(networks),
	TPL(network_new),
	TPL(network),
	TPL(network_edit),
	TPL(endpoint_new),
	TPL(endpoint),
	TPL(diff),
	TPL(settings),
	TPL(audit),
	TPL(users),
	TPL(traffic_endpoint),
	TPL(traffic_network),
	TPL(traffic_dashboard),
	{ NULL, NULL, NULL, NULL, 0 }
};

static uint32_t		 tpl_hash(const char *, size_t);
static const char	*tpl_strdup(struct warp_tpl *, const char *, size_t);
static struct tpl_val	*tpl_val_get(struct warp_tpl *, const char *, size_t,
			    uint32_t, int);
static struct tpl_val	*tpl_lookup(struct warp_tpl *, const char *, size_t,
			    uint32_t);
static struct tpl_node	*tpl_parse(const char *, size_t, const char **,
			    const char *, int *, struct warp_err *);
static void		 tpl_nodes_free(struct tpl_node *);
static struct tpl_file	*tpl_file(const char *, struct warp_err *);
static int		 tpl_exec(struct tpl_node *, struct warp_tpl *,
			    struct warp_buf *, int, struct warp_err *);
static int		 tpl_truthy(struct tpl_val *);
static struct tpl_val	*tpl_val_make(struct warp_tpl *, const char *);

struct warp_tpl *
warp_tpl_new(void)
{
	struct warp_tpl	*t;

	t = warp_xcalloc(1, sizeof(struct warp_tpl));
	t->root = t;
	return (t);
}

void
warp_tpl_free(struct warp_tpl *t)
{
	struct tpl_chunk	*c, *next;
	size_t			 i, j;

	if (t == NULL)
		return;
	for (i = 0; i < t->nvals; i++) {
		for (j = 0; j < t->vals[i].nitems; j++)
			warp_tpl_free(t->vals[i].items[j]);
		free(t->vals[i].items);
	}
	free(t->vals);
	for (c = t->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(t);
}

/* FNV-1a: names are compared by length and hash before their bytes. */
static uint32_t
tpl_hash(const char *s, size_t len)
{
	uint32_t	h = 2166136261U;
	size_t		i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619U;
	}
	return (h);
}

/* A copy of s[0..len) and a NUL in the root's chunks, freed with it. */
static const char *
tpl_strdup(struct warp_tpl *t, const char *s, size_t len)
{
	struct warp_tpl		*r = t->root;
	struct tpl_chunk	*c = r->chunks;
	char			*p;
	size_t			 cap;

	if (c == NULL || c->cap - c->used < len + 1) {
		cap = len + 1 > TPL_CHUNK / 4 ? len + 1 : TPL_CHUNK;
		c = warp_xcalloc(1, sizeof(*c) + cap);
		c->cap = cap;
		if (cap == TPL_CHUNK || r->chunks == NULL) {
			c->next = r->chunks;
			r->chunks = c;
		} else {
			/* A large value alone: the current chunk stays. */
			c->next = r->chunks->next;
			r->chunks->next = c;
		}
	}
	p = c->data + c->used;
	memcpy(p, s, len);
	p[len] = '\0';
	c->used += len + 1;
	return (p);
}

static struct tpl_val *
tpl_val_get(struct warp_tpl *t, const char *key, size_t len, uint32_t hash,
    int create)
{
	struct tpl_val	*v;
	size_t		 i;

	for (i = 0; i < t->nvals; i++) {
		v = &t->vals[i];
		if (v->hash == hash && v->keylen == len &&
		    memcmp(v->key, key, len) == 0)
			return (v);
	}
	if (!create)
		return (NULL);
	if (t->nvals == t->capvals) {
		t->capvals = t->capvals ? t->capvals * 2 : 8;
		t->vals = realloc(t->vals, t->capvals * sizeof(*t->vals));
		if (t->vals == NULL)
			warp_fatal("out of memory");
	}
	v = &t->vals[t->nvals++];
	memset(v, 0, sizeof(*v));
	v->key = tpl_strdup(t, key, len);
	v->keylen = len;
	v->hash = hash;
	return (v);
}

/* The value named key in t, made (empty) if it is not there yet. */
static struct tpl_val *
tpl_val_make(struct warp_tpl *t, const char *key)
{
	size_t	len = strlen(key);

	return (tpl_val_get(t, key, len, tpl_hash(key, len), 1));
}

static void
tpl_set(struct warp_tpl *t, const char *key, const char *value,
    enum tpl_vtype type)
{
	struct tpl_val	*v;

	if (value == NULL)
		value = "";
	v = tpl_val_make(t, key);
	v->type = type;
	v->str = tpl_strdup(t, value, strlen(value));
}

void
warp_tpl_set(struct warp_tpl *t, const char *key, const char *value)
{
	tpl_set(t, key, value, TPL_STR);
}

/* Trusted markup made by the server (never user input). */
void
warp_tpl_html(struct warp_tpl *t, const char *key, const char *html)
{
	tpl_set(t, key, html, TPL_HTML);
}

void
warp_tpl_setf(struct warp_tpl *t, const char *key, const char *fmt, ...)
{
	va_list		 ap;
	char		 buf[256], *s;
	int		 n;

	/* Most values fit on the stack: no vasprintf and free for them. */
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		warp_fatal("vsnprintf");
	if ((size_t)n < sizeof(buf)) {
		tpl_set(t, key, buf, TPL_STR);
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		warp_fatal("out of memory");
	va_end(ap);
	tpl_set(t, key, s, TPL_STR);
	free(s);
}

void
warp_tpl_set_int(struct warp_tpl *t, const char *key, long long n)
{
	char	 buf[WARP_FMT_INT_LEN];

	/* The decimal digits without printf (a page sets hundreds). */
	tpl_set(t, key, warp_fmt_int(n, buf), TPL_STR);
}

/* Append a new item to the list `key` and return it. */
struct warp_tpl *
warp_tpl_push(struct warp_tpl *t, const char *key)
{
	struct tpl_val	*v;
	struct warp_tpl	*item;

	v = tpl_val_make(t, key);
	if (v->type != TPL_LIST) {
		v->str = NULL;
		v->type = TPL_LIST;
	}
	if (v->nitems == v->capitems) {
		v->capitems = v->capitems ? v->capitems * 2 : 8;
		v->items = realloc(v->items, v->capitems * sizeof(*v->items));
		if (v->items == NULL)
			warp_fatal("out of memory");
	}
	item = warp_xcalloc(1, sizeof(*item));
	item->parent = t;
	item->root = t->root;
	v->items[v->nitems++] = item;
	return (item);
}

/* Declare `key` as a list even if nothing is pushed (for {{^key}}). */
void
warp_tpl_list(struct warp_tpl *t, const char *key)
{
	struct tpl_val	*v;

	v = tpl_val_make(t, key);
	if (v->type != TPL_LIST) {
		v->str = NULL;
		v->type = TPL_LIST;
	}
}

static struct tpl_val *
tpl_lookup(struct warp_tpl *t, const char *key, size_t len, uint32_t hash)
{
	struct tpl_val	*v;

	for (; t != NULL; t = t->parent)
		if ((v = tpl_val_get(t, key, len, hash, 0)) != NULL)
			return (v);
	return (NULL);
}

void
warp_tpl_escape(struct warp_buf *out, const char *s)
{
	const char	*p, *start;

	for (start = p = s; *p != '\0'; p++) {
		const char	*rep;

		switch (*p) {
		case '&':	rep = "&amp;"; break;
		case '<':	rep = "&lt;"; break;
		case '>':	rep = "&gt;"; break;
		case '"':	rep = "&quot;"; break;
		case '\'':	rep = "&#39;"; break;
		default:	continue;
		}
		if (p > start)
			warp_buf_append(out, start, p - start);
		warp_buf_append(out, rep, strlen(rep));
		start = p + 1;
	}
	if (p > start)
		warp_buf_append(out, start, p - start);
}

/*
 * Parse src[0..len) into nodes until the end or the closing tag of
 * `closing` (then *rest points past it).
 */
static struct tpl_node *
tpl_parse(const char *src, size_t len, const char **rest, const char *closing,
    int *ok, struct warp_err *err)
{
	struct tpl_node	*head, **tail, *n;
	const char	*p, *end, *open, *close, *inner;
	size_t		 namelen;
	char		 sigil;

	head = NULL;
	tail = &head;
	p = src;
	end = src + len;
	*ok = 1;

	while (p < end) {
		open = memmem(p, end - p, "{{", 2);
		if (open == NULL)
			open = end;
		if (open > p) {
			n = warp_xcalloc(1, sizeof(*n));
			n->type = N_TEXT;
			n->text = p;
			n->len = open - p;
			*tail = n;
			tail = &n->next;
		}
		if (open == end) {
			p = end;
			break;
		}
		close = memmem(open + 2, end - open - 2, "}}", 2);
		if (close == NULL) {
			warp_err_system(err, "unclosed {{ in a template");
			goto fail;
		}
		inner = open + 2;
		sigil = 0;
		if (*inner == '#' || *inner == '^' || *inner == '/' ||
		    *inner == '>')
			sigil = *inner++;
		while (inner < close && isspace((unsigned char)*inner))
			inner++;
		namelen = close - inner;
		while (namelen > 0 && isspace((unsigned char)inner[namelen - 1]))
			namelen--;
		if (namelen == 0 || namelen >= TPL_NAME_MAX) {
			warp_err_system(err, "bad tag name in a template");
			goto fail;
		}
		p = close + 2;

		if (sigil == '/') {
			if (closing == NULL || strlen(closing) != namelen ||
			    memcmp(closing, inner, namelen) != 0) {
				warp_err_system(err, "unexpected {{/%.*s}}",
				    (int)namelen, inner);
				goto fail;
			}
			*rest = p;
			return (head);
		}

		n = warp_xcalloc(1, sizeof(*n));
		memcpy(n->name, inner, namelen);
		n->name[namelen] = '\0';
		n->namelen = namelen;
		n->hash = tpl_hash(n->name, namelen);
		*tail = n;
		tail = &n->next;
		switch (sigil) {
		case '#':
		case '^':
			n->type = sigil == '#' ? N_SECTION : N_INVERTED;
			n->child = tpl_parse(p, end - p, &p, n->name, ok, err);
			if (!*ok)
				goto fail;
			break;
		case '>':
			n->type = N_PARTIAL;
			break;
		default:
			n->type = N_VAR;
			break;
		}
	}
	if (closing != NULL) {
		warp_err_system(err, "{{#%s}} is never closed", closing);
		goto fail;
	}
	*rest = p;
	return (head);
fail:
	*ok = 0;
	tpl_nodes_free(head);
	return (NULL);
}

static void
tpl_nodes_free(struct tpl_node *n)
{
	struct tpl_node	*next;

	for (; n != NULL; n = next) {
		next = n->next;
		tpl_nodes_free(n->child);
		free(n);
	}
}

static struct tpl_file *
tpl_file(const char *name, struct warp_err *err)
{
	struct tpl_file	*f;
	const char	*rest;
	int		 ok;

	for (f = tpl_files; f->name != NULL; f++) {
		if (strcmp(f->name, name) != 0)
			continue;
		if (!f->parsed) {
			f->root = tpl_parse((const char *)f->data, *f->len,
			    &rest, NULL, &ok, err);
			if (!ok) {
				warp_err_system(err, "template %s: %s", name,
				    err->msg);
				return (NULL);
			}
			f->parsed = 1;
		}
		return (f);
	}
	warp_err_system(err, "no template %s", name);
	return (NULL);
}

/* Parse every template once: a broken one stops warpd at start. */
int
warp_tpl_check(struct warp_err *err)
{
	struct tpl_file	*f;

	for (f = tpl_files; f->name != NULL; f++)
		if (tpl_file(f->name, err) == NULL)
			return (-1);
	return (0);
}

static int
tpl_truthy(struct tpl_val *v)
{
	if (v == NULL)
		return (0);
	if (v->type == TPL_LIST)
		return (v->nitems > 0);
	return (v->str != NULL && v->str[0] != '\0' && strcmp(v->str, "0"));
}

static int
tpl_exec(struct tpl_node *n, struct warp_tpl *t, struct warp_buf *out,
    int depth, struct warp_err *err)
{
	struct tpl_file	*f;
	struct tpl_val	*v;
	size_t		 i;

	if (depth > TPL_DEPTH_MAX)
		return (warp_err_system(err, "templates nest too deep"));
	for (; n != NULL; n = n->next) {
		switch (n->type) {
		case N_TEXT:
			warp_buf_append(out, n->text, n->len);
			break;
		case N_VAR:
			v = tpl_lookup(t, n->name, n->namelen, n->hash);
			if (v == NULL || v->type == TPL_LIST)
				break;
			if (v->type == TPL_HTML)
				warp_buf_append(out, v->str, strlen(v->str));
			else
				warp_tpl_escape(out, v->str);
			break;
		case N_SECTION:
			v = tpl_lookup(t, n->name, n->namelen, n->hash);
			if (v != NULL && v->type == TPL_LIST) {
				for (i = 0; i < v->nitems; i++)
					if (tpl_exec(n->child, v->items[i],
					    out, depth + 1, err) == -1)
						return (-1);
			} else if (tpl_truthy(v)) {
				if (tpl_exec(n->child, t, out, depth + 1,
				    err) == -1)
					return (-1);
			}
			break;
		case N_INVERTED:
			if (!tpl_truthy(tpl_lookup(t, n->name, n->namelen,
			    n->hash)) &&
			    tpl_exec(n->child, t, out, depth + 1, err) == -1)
				return (-1);
			break;
		case N_PARTIAL:
			if ((f = tpl_file(n->name, err)) == NULL)
				return (-1);
			if (tpl_exec(f->root, t, out, depth + 1, err) == -1)
				return (-1);
			break;
		}
	}
	return (0);
}

int
warp_tpl_render(const char *name, struct warp_tpl *t, struct warp_buf *out,
    struct warp_err *err)
{
	struct tpl_file	*f;

	if ((f = tpl_file(name, err)) == NULL)
		return (-1);
	return (tpl_exec(f->root, t, out, 0, err));
}
