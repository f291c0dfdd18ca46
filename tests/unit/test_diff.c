/*
 * The config diff is linear in memory and bounded in work: two configs
 * of 10,000 lines each are compared with what the diff allocates counted
 * (the old LCS table was (N+1)(M+1) cells: 400 MB here) and its steps
 * counted against the O((N+M)D) bound; the result is a minimal, correct
 * diff; oversized inputs are refused with a message; inputs that differ
 * everywhere stop at the work bound and are shown as a replacement.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "warp.h"

static char *
config(size_t lines, size_t every, const char *tag)
{
	struct warp_buf	b;
	size_t		i;

	warp_buf_init(&b);
	warp_buf_appendf(&b, "[Interface]\nPrivateKey = SECRETsecret%s=\n", tag);
	for (i = 2; i < lines; i++) {
		if (every != 0 && i % every == 0)
			warp_buf_appendf(&b, "# line %zu changed in %s\n", i, tag);
		else
			warp_buf_appendf(&b, "AllowedIPs = 10.%zu.%zu.0/24\n",
			    i / 256, i % 256);
	}
	return (warp_buf_release(&b));
}

static size_t
count_lines(const char *d, char c)
{
	const char	*p;
	size_t		 n = 0;

	for (p = d; p != NULL && *p != '\0'; p = strchr(p, '\n'),
	    p = p ? p + 1 : NULL)
		if (*p == c && strncmp(p, "--- ", 4) != 0 &&
		    strncmp(p, "+++ ", 4) != 0)
			n++;
	return (n);
}

int
main(void)
{
	struct warp_diff_stats	 st;
	struct warp_err		 err;
	struct warp_buf		 big;
	char			*a, *b, *d;
	size_t			 n = 10000, in, i;

	/* 10,000 lines each; 100 lines changed (every 100th) plus the key. */
	a = config(n, 0, "a");
	b = config(n, 100, "b");
	in = strlen(a) + strlen(b);
	warp_err_clear(&err);
	CHECK(warp_config_diff(a, b, "v1", "v2", &d, &st, &err) == 0,
	    "two 10,000-line configs compare");
	CHECK(st.removed == 99 + 1 && st.added == 99 + 1 && !st.replaced,
	    "the diff is minimal: %zu removed, %zu added (want 100 each: 99 "
	    "changed lines and the key line)", st.removed, st.added);
	CHECK(count_lines(d, '-') == st.removed &&
	    count_lines(d, '+') == st.added &&
	    count_lines(d, ' ') == n - 100,
	    "the output has those lines and %zu unchanged ones", n - 100);
	CHECK(strstr(d, "SECRETsecret") == NULL,
	    "the private keys are masked in the diff");
	/* Linear memory: a few words per line, the texts themselves. */
	CHECK(st.bytes <= 2 * in + 64 * (2 * n + 2),
	    "the diff allocated %zu bytes besides its output for %zu input "
	    "bytes and %zu lines (bound %zu; the LCS table was %zu)",
	    st.bytes, in, 2 * n, 2 * in + 64 * (2 * n + 2),
	    (n + 1) * (n + 1) * sizeof(uint32_t));
	/* O((N+M)D) work, D = 200 edits. */
	CHECK(st.work <= 4 * (2 * n) * (st.added + st.removed + 1),
	    "the search took %zu steps, within 4(N+M)D = %zu",
	    st.work, 4 * (2 * n) * (st.added + st.removed + 1));
	printf("# diff 2 x %zu lines: %zu steps, %zu bytes\n", n, st.work,
	    st.bytes);
	free(d);

	/* Identical inputs: no edits, linear steps. */
	CHECK(warp_config_diff(a, a, "v1", "v1", &d, &st, &err) == 0 &&
	    st.added == 0 && st.removed == 0 && st.work <= 2 * n,
	    "a config against itself: no edits in %zu steps", st.work);
	free(d);
	free(b);

	/* Everything differs: the work bound holds, a replacement is shown. */
	b = config(n, 1, "b");
	CHECK(warp_config_diff(a, b, "v1", "v2", &d, &st, &err) == 0 &&
	    st.replaced && st.work <= WARP_DIFF_WORK_MAX + 2 * n + 2 &&
	    st.removed == n - 1 && st.added == n - 1,
	    "two configs that share 1 line of 10,000: %zu steps (bound %d "
	    "and one snake), shown as %zu removed, %zu added",
	    st.work, WARP_DIFF_WORK_MAX, st.removed, st.added);
	free(d);
	free(b);

	/* Over the line limit: refused, with a message. */
	warp_buf_init(&big);
	for (i = 0; i <= WARP_DIFF_MAX_LINES; i++)
		warp_buf_append(&big, "x\n", 2);
	b = warp_buf_release(&big);
	warp_err_clear(&err);
	CHECK(warp_config_diff(a, b, "v1", "v9", &d, &st, &err) == -1 &&
	    d == NULL && strstr(err.msg, "v9 is too large to compare") != NULL,
	    "a side over %d lines is refused: %s", WARP_DIFF_MAX_LINES,
	    err.msg);
	free(b);
	b = malloc(WARP_DIFF_MAX_BYTES + 2);
	memset(b, 'y', WARP_DIFF_MAX_BYTES + 1);
	b[WARP_DIFF_MAX_BYTES + 1] = '\0';
	warp_err_clear(&err);
	CHECK(warp_config_diff(b, a, "v3", "v1", &d, &st, &err) == -1 &&
	    strstr(err.msg, "v3 is too large") != NULL,
	    "a side over %d bytes is refused: %s", WARP_DIFF_MAX_BYTES,
	    err.msg);
	free(b);

	/* Small cases against the known answer. */
	CHECK(warp_config_diff("a\nb\nc\n", "a\nc\nd\n", "x", "y", &d, &st,
	    &err) == 0 && strcmp(d, "--- x\n+++ y\n a\n-b\n c\n+d\n") == 0,
	    "a b c -> a c d: -b, +d");
	free(d);
	CHECK(warp_config_diff("", "p\n", "x", "y", &d, &st, &err) == 0 &&
	    strcmp(d, "--- x\n+++ y\n+p\n") == 0, "empty -> one line");
	free(d);
	free(a);
	return (check_done());
}
