/*
 * libFuzzer harness for the API's JSON body parser (src/web/warp_parse.c:
 * an object of strings, numbers, literals and string arrays into the flat
 * form every handler reads).  Invariants: a parsed body is bounded,
 * NUL-free and valid UTF-8; the pairs, written back as a JSON object of
 * strings (warp_buf_json_string, as the API's answers are), parse to the
 * same pairs; a refusal leaves no field behind and says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "warp.h"
#include "warp_web.h"
#include "form_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct warp_form	*f, *g;
	struct warp_err		 err;
	struct warp_buf		 b;
	size_t			 i;

	f = calloc(1, sizeof(*f));
	g = calloc(1, sizeof(*g));
	warp_err_clear(&err);
	if (warp_json_form_parse(f, (const char *)data, size, &err) == 0) {
		warp_buf_init(&b);
		warp_buf_append(&b, "{", 1);
		for (i = 0; i < f->n; i++) {
			form_check_field(f, i);
			if (i > 0)
				warp_buf_append(&b, ",", 1);
			warp_buf_json_string(&b, f->key[i]);
			warp_buf_append(&b, ":", 1);
			warp_buf_json_string(&b, f->val[i]);
		}
		warp_buf_append(&b, "}", 1);
		if (warp_json_form_parse(g, b.data, b.len, &err) != 0)
			abort();
		form_check_same(f, g);
		warp_buf_free(&b);
	} else if (f->n != 0 || err.msg[0] == '\0')
		abort();
	warp_form_free(f);
	warp_form_free(g);
	free(f);
	free(g);
	return (0);
}
