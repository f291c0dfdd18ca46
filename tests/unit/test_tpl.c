/*
 * The template engine (src/web/warp_tpl.c) with the templates warpd
 * compiles in: values are escaped, a name set again takes its last
 * value, a list item's names shadow the page's and the page's show
 * through, an empty list takes the {{^name}} branch, and values of any
 * size (the engine keeps them in 16 KiB chunks of the page's, large ones
 * alone) come out whole, also among thousands of rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "check.h"
#include "warp.h"
#include "warp_web.h"

/* The compiled-in assets carry Kore's serving stubs; never called here. */
void
http_serveable(struct http_request *req, const void *d, size_t len,
    const char *etag, const char *type)
{
	(void)req; (void)d; (void)len; (void)etag; (void)type;
	abort();
}

static size_t
count(const char *hay, const char *needle)
{
	size_t	n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return (n);
}

static void
test_values(void)
{
	struct warp_tpl	*t;
	struct warp_buf	 out;
	struct warp_err	 err;
	char		*big;

	t = warp_tpl_new();
	warp_tpl_set(t, "title", "first");
	warp_tpl_set(t, "title", "<b>\"T\" & 'x'</b>");
	warp_tpl_set_int(t, "status", 418);
	big = malloc(100001);
	memset(big, 'm', 100000);
	big[100000] = '\0';
	big[0] = '<';
	warp_tpl_set(t, "message", big);
	warp_buf_init(&out);
	CHECK(warp_tpl_render("error", t, &out, &err) == 0, "error page "
	    "renders");
	CHECK(strstr(out.data, "&lt;b&gt;&quot;T&quot; &amp; &#39;x&#39;&lt;/b"
	    "&gt;") != NULL && strstr(out.data, "first") == NULL &&
	    strstr(out.data, "<b>") == NULL, "a value set twice: the last, "
	    "escaped");
	memset(big, 'm', 100000);
	CHECK(strstr(out.data, "&lt;") != NULL && strstr(out.data, big + 1) !=
	    NULL && strstr(out.data, "418") != NULL, "a value of 100,000 bytes "
	    "comes out whole (escaped), next to a number");
	warp_buf_free(&out);
	free(big);
	warp_tpl_free(t);
}

static void
test_lists(void)
{
	struct warp_tpl	*t, *row;
	struct warp_buf	 out;
	struct warp_err	 err;
	char		 name[64], want[96];
	size_t		 i, found = 0;

	t = warp_tpl_new();
	warp_tpl_list(t, "networks");
	warp_tpl_set(t, "title", "Networks");
	warp_buf_init(&out);
	CHECK(warp_tpl_render("networks", t, &out, &err) == 0 &&
	    strstr(out.data, "No networks yet.") != NULL, "an empty list: the "
	    "{{^networks}} branch");
	warp_buf_free(&out);
	warp_tpl_set(t, "state", "page-state");
	warp_tpl_set_int(t, "can_write", 1);
	for (i = 0; i < 3000; i++) {
		row = warp_tpl_push(t, "networks");
		(void)snprintf(name, sizeof(name), "net-%zu<%zu>", i, i);
		warp_tpl_set(row, "name", name);
		warp_tpl_set_int(row, "id", (long long)i);
		if (i % 2 == 0)
			warp_tpl_set(row, "state", "row-state");
	}
	warp_buf_init(&out);
	CHECK(warp_tpl_render("networks", t, &out, &err) == 0, "3,000 rows "
	    "render");
	for (i = 0; i < 3000; i++) {
		(void)snprintf(want, sizeof(want), "<a href=\"/networks/%zu\">"
		    "net-%zu&lt;%zu&gt;</a>", i, i, i);
		found += strstr(out.data, want) != NULL;
	}
	CHECK(found == 3000 && strstr(out.data, "No networks yet.") == NULL,
	    "every row once with its own escaped name and id (%zu of 3000)",
	    found);
	CHECK(count(out.data, "<td>row-state</td>") == 1500 &&
	    count(out.data, "<td>page-state</td>") == 1500 &&
	    strstr(out.data, "id=\"new-network\"") != NULL, "a row's own "
	    "value shadows the page's (1,500), the page's shows through in the "
	    "others (1,500) and in sections outside the list");
	warp_buf_free(&out);
	warp_tpl_free(t);
}

int
main(void)
{
	struct warp_err	err;

	CHECK(warp_tpl_check(&err) == 0, "every compiled-in template parses");
	test_values();
	test_lists();
	return (check_done());
}
