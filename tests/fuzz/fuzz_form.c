/*
 * libFuzzer harness for the url-encoded form and query-string parser
 * (src/web/warp_parse.c), which takes every POST body and query string.
 * Invariants: a parsed form is bounded, NUL-free and valid UTF-8; the
 * pairs, percent-encoded again and parsed, come back the same; lookups
 * find the first of a repeated key.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "warp.h"
#include "warp_web.h"
#include "form_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
encode(struct warp_buf *b, const char *s)
{
	static const char	hex[] = "0123456789ABCDEF";
	char			e[3];

	for (; *s != '\0'; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		    *s == '.' || *s == '~') {
			warp_buf_append(b, s, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hex[(unsigned char)*s >> 4];
		e[2] = hex[(unsigned char)*s & 15];
		warp_buf_append(b, e, 3);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct warp_form	*f, *g;
	struct warp_err		 err;
	struct warp_buf		 b;
	size_t			 i, j;

	f = calloc(1, sizeof(*f));
	g = calloc(1, sizeof(*g));
	warp_err_clear(&err);
	if (warp_form_parse(f, (const char *)data, size, &err) == 0) {
		warp_buf_init(&b);
		for (i = 0; i < f->n; i++) {
			form_check_field(f, i);
			for (j = 0; j < i; j++)
				if (!strcmp(f->key[j], f->key[i]))
					break;
			if (warp_form_get(f, f->key[i]) != f->val[j])
				abort();	/* the first one wins */
			if (i > 0)
				warp_buf_append(&b, "&", 1);
			encode(&b, f->key[i]);
			warp_buf_append(&b, "=", 1);
			encode(&b, f->val[i]);
		}
		/* Empty keys vanish only as "&&"; "=" alone is an empty key. */
		if (b.len > 0 && warp_form_parse(g, b.data, b.len, &err) == 0)
			form_check_same(f, g);
		else if (b.len > 0 && strlen(err.msg) == 0)
			abort();
		warp_buf_free(&b);
	} else if (err.msg[0] == '\0')
		abort();	/* a refusal says why */
	warp_form_free(f);
	warp_form_free(g);
	free(f);
	free(g);
	return (0);
}
