/*
 * libFuzzer harness for the one Cookie header parser (warp_cookie_get in
 * src/web/warp_parse.c), which reads the session and pre-login cookies of
 * every request.  The input is split into a header and a name.
 * Invariants: a found value is non-empty, NUL-terminated within the
 * buffer and holds no ';'; a cookie set among others (any value without
 * ';', spaces or quotes at its ends) is found again exactly, and a name
 * that differs only in case is not found.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "warp.h"
#include "warp_web.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*hdr, *name, *val, out[160], *p;
	struct warp_buf	 b;
	size_t		 cut, n;

	if (size < 1)
		return (0);
	cut = data[0] % (size);
	hdr = malloc(size + 1);
	memcpy(hdr, data + 1, size - 1);
	hdr[size - 1] = '\0';
	name = hdr + (cut < size - 1 ? cut : size - 1);
	/* The parser takes a C string (the header as Kore has it). */
	if (warp_cookie_get(hdr, "warp_session", out, sizeof(out)) == 1) {
		n = strnlen(out, sizeof(out));
		if (n == 0 || n >= sizeof(out) || strchr(out, ';') != NULL)
			abort();
	}
	/* Round trip: name = the input's tail up to '=', ';' or space. */
	n = strcspn(name, "=; \t\"");
	if (n > 0 && n < 40) {
		val = strndup(name, n);
		warp_buf_init(&b);
		warp_buf_appendf(&b, "junk; %sX=2;%s=%s; %s=3", val, val,
		    val, val);
		if (warp_cookie_get(b.data, val, out, sizeof(out)) != 1 ||
		    strcmp(out, val) != 0)
			abort();
		/* Names are case-sensitive: a case-swapped name is absent. */
		warp_buf_free(&b);
		warp_buf_init(&b);
		warp_buf_appendf(&b, "%s=v", val);
		for (p = val; *p != '\0'; p++)
			if (*p >= 'a' && *p <= 'z')
				*p -= 32;
			else if (*p >= 'A' && *p <= 'Z')
				*p += 32;
		if (strncmp(val, b.data, n) != 0 &&
		    warp_cookie_get(b.data, val, out, sizeof(out)) != 0)
			abort();
		warp_buf_free(&b);
		free(val);
	}
	free(hdr);
	return (0);
}
