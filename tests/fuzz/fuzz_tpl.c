/*
 * libFuzzer harness for the template engine with hostile values: a
 * template warpd has (the first byte picks which) is rendered with every
 * variable it names set to the input (plus a row in every list).  Escaping by default means the
 * input can add no markup: the output holds exactly as many '<', '>',
 * '"' and '\'' as the same render with a harmless value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "assets.h"
#include "warp.h"
#include "warp_web.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The compiled-in assets carry Kore's serving stubs; never called here. */
void
http_serveable(struct http_request *req, const void *d, size_t len,
    const char *etag, const char *type)
{
	(void)req; (void)d; (void)len; (void)etag; (void)type;
	abort();
}

static const struct {
	const char	*name;
	const u_int8_t	*data;
	const u_int32_t	*len;
} files[] = {
#define F(n)	{ #n, asset_##n##_html, &asset_len_##n##_html }
	F(header), F(footer), F(login), F(setup), F(error), F(dashboard),
	F(password), F(networks), F(network_new), F(network), F(network_edit),
	F(endpoint_new), F(endpoint), F(diff), F(settings), F(audit), F(users),
	{ NULL, NULL, NULL }
};

/*
 * The harness's own loops are not the code under test: no coverage
 * counters or comparison tracing in them (the fuzzer's time and its
 * comparison tables go to warp_tpl.c).
 */
#define HARNESS	__attribute__((no_sanitize("coverage")))

/* The names a template uses, in order, one per {{name}}, {{#name}}, ... */
struct keys {
	char	(*key)[64];
	size_t	 n;
};

/* Scan a template once for every {{name}}, {{#name}}, {{^name}} and {{/name}}. */
static HARNESS void
scan(const char *src, size_t len, struct keys *k)
{
	const char	*p, *end;
	char		 key[64];
	size_t		 n;

	end = src + len;
	for (p = src; p + 2 < end; p++) {
		if (p[0] != '{' || p[1] != '{')
			continue;
		p += 2;
		if (p < end && (*p == '#' || *p == '^' || *p == '/'))
			p++;
		for (n = 0; p + n < end && n < sizeof(key) - 1 &&
		    (p[n] == '_' || (p[n] >= 'a' && p[n] <= 'z') ||
		    (p[n] >= '0' && p[n] <= '9')); n++)
			key[n] = p[n];
		key[n] = '\0';
		if (n == 0)
			continue;
		k->key = reallocarray(k->key, k->n + 1, sizeof(*k->key));
		if (k->key == NULL)
			abort();
		memcpy(k->key[k->n++], key, n + 1);
	}
}

/* Template i's names: scanned on first use (they depend on i only). */
static HARNESS const struct keys *
keys(int i)
{
	static struct keys	 cache[64];
	static int		 done[64];

	if (!done[i]) {
		scan((const char *)files[i].data, *files[i].len, &cache[i]);
		done[i] = 1;
	}
	return (&cache[i]);
}

/* Set every name template i uses to v, plus a row in each (as a list). */
static void
fill(struct warp_tpl *t, int i, const char *v)
{
	const struct keys	*k = keys(i);
	struct warp_tpl		*row;
	size_t			 j;

	for (j = 0; j < k->n; j++) {
		warp_tpl_set(t, k->key[j], v);
		row = warp_tpl_push(t, k->key[j]);
		warp_tpl_set(row, k->key[j], v);
	}
}

/* How many of each markup byte the output holds. */
static HARNESS void
count(const struct warp_buf *b, size_t c[4])
{
	static const char	 mark[4] = { '<', '>', '"', '\'' };
	const char		*p, *end;
	int			 k;

	end = (const char *)b->data + b->len;
	for (k = 0; k < 4; k++) {
		c[k] = 0;
		for (p = (const char *)b->data; p < end &&
		    (p = memchr(p, mark[k], (size_t)(end - p))) != NULL; p++)
			c[k]++;
	}
}

/*
 * The render with a harmless value depends only on the template: done
 * once per template (the fuzzer's time goes to the hostile render).
 */
static int
baseline(int i, size_t c[4])
{
	static size_t	 cache[64][4];
	static int	 done[64], rc[64];
	struct warp_tpl	*a;
	struct warp_buf	 oa;
	struct warp_err	 err;

	if (!done[i]) {
		a = warp_tpl_new();
		fill(a, i, "x");
		warp_buf_init(&oa);
		rc[i] = warp_tpl_render(files[i].name, a, &oa, &err);
		if (rc[i] == 0)
			count(&oa, cache[i]);
		warp_buf_free(&oa);
		warp_tpl_free(a);
		done[i] = 1;
	}
	memcpy(c, cache[i], sizeof(cache[i]));
	return (rc[i]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct warp_tpl	*b;
	struct warp_buf	 ob;
	struct warp_err	 err;
	size_t		 ca[4], cb[4];
	char		*v;
	int		 i, n, ra, rb;

	if (size == 0)
		return (0);
	for (n = 0; files[n].name != NULL; n++)
		;
	i = data[0] % n;
	data++;
	size--;
	/* A value is non-empty (sections stay the same). */
	v = malloc(size + 2);
	v[0] = 'x';
	memcpy(v + 1, data, size);
	v[size + 1] = '\0';
	ra = baseline(i, ca);
	b = warp_tpl_new();
	fill(b, i, v);
	warp_buf_init(&ob);
	rb = warp_tpl_render(files[i].name, b, &ob, &err);
	if (ra != rb)
		abort();
	if (ra == 0) {
		count(&ob, cb);
		if (memcmp(ca, cb, sizeof(ca)) != 0)
			abort();	/* the value added markup */
	}
	warp_buf_free(&ob);
	warp_tpl_free(b);
	free(v);
	return (0);
}
