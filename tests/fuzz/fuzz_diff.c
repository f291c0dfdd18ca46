/*
 * libFuzzer harness for the config text handling: secret masking and the
 * line diff, fed arbitrary text split in two.  Masked output must not
 * contain the value of a PrivateKey line; a diff of a text with itself
 * has no +/- lines; the diff of a and b gives back (masked) a from its
 * ' ' and '-' lines and b from its ' ' and '+' lines, within the work
 * and memory bounds, with as few +/- lines as a quadratic LCS finds
 * (for small inputs).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "warp.h"

/*
 * The harness's own loops are not the code under test: no coverage
 * counters or comparison tracing in them (the fuzzer's time and its
 * comparison tables go to warp_diff.c and the masking).
 */
#define HARNESS	__attribute__((no_sanitize("coverage")))

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Rebuild one side from the diff's lines: keep ' ' and `mark` lines. */
static HARNESS char *
side(const char *d, char mark)
{
	struct warp_buf	 b;
	const char	*p, *eol;

	warp_buf_init(&b);
	warp_buf_append(&b, "", 0);
	p = strchr(d, '\n') + 1;	/* the two header lines */
	p = strchr(p, '\n') + 1;
	for (; *p != '\0'; p = eol + 1) {
		eol = strchr(p, '\n');
		if (*p == ' ' || *p == mark) {
			warp_buf_append(&b, p + 1, (size_t)(eol - p));
		}
	}
	return (warp_buf_release(&b));
}

/*
 * Each line of t ends in '\n' in the diff: compare with that added.
 * m is t masked (warp_config_mask_secrets, done once per side).
 */
static HARNESS void
check_side(const char *d, const char *m, char mark)
{
	char	*got, *want;
	size_t	 n;

	n = strlen(m);
	want = malloc(n + 2);
	memcpy(want, m, n + 1);
	if (n > 0 && want[n - 1] != '\n') {
		want[n] = '\n';
		want[n + 1] = '\0';
	}
	got = side(d, mark);
	if (strcmp(got, want) != 0)
		abort();
	free(got);
	free(want);
}

/* Lines of a masked text m, for the reference LCS. */
static HARNESS size_t
split(const char *m, char **out, size_t max, char **copy)
{
	char	*p;
	size_t	 n = 0;

	*copy = strdup(m);
	for (p = *copy; *p != '\0' && n < max; n++) {
		out[n] = p;
		p += strcspn(p, "\n");
		if (*p == '\n')
			*p++ = '\0';
	}
	return (*p == '\0' ? n : max + 1);
}

/* strcmp() == 0 without the fuzzer's strcmp hook (not the code under test). */
static HARNESS int
same(const char *x, const char *y)
{
	while (*x != '\0' && *x == *y) {
		x++;
		y++;
	}
	return (*x == *y);
}

/*
 * The quadratic LCS the diff replaced: the fewest +/- lines possible.
 * ma and mb are the two sides masked.
 */
static HARNESS void
check_minimal(const char *ma, const char *mb, const struct warp_diff_stats *st)
{
	static char	*la[48], *lb[48];
	static uint16_t	 t[49][49];
	char		*ca, *cb;
	size_t		 na, nb, i, j;

	na = split(ma, la, 48, &ca);
	nb = split(mb, lb, 48, &cb);
	if (na <= 48 && nb <= 48 && !st->replaced) {
		for (i = na + 1; i-- > 0;)
			for (j = nb + 1; j-- > 0;)
				t[i][j] = (i == na || j == nb) ? 0 :
				    same(la[i], lb[j]) ? t[i + 1][j + 1] + 1 :
				    t[i + 1][j] > t[i][j + 1] ? t[i + 1][j] :
				    t[i][j + 1];
		if (st->removed != na - t[0][0] || st->added != nb - t[0][0])
			abort();
	}
	free(ca);
	free(cb);
}

static void
check_sides(const char *d, const char *a, const char *b, const char *ma,
    const char *mb, const struct warp_diff_stats *st)
{
	check_minimal(ma, mb, st);
	check_side(d, ma, '-');
	check_side(d, mb, '+');
	if (st->work > WARP_DIFF_WORK_MAX + strlen(a) + strlen(b) + 2 ||
	    st->bytes > 64 * (strlen(a) + strlen(b) + 8))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct warp_diff_stats	 st;
	struct warp_err		 err;
	char			*a, *b, *d, *ma, *mb, *p;
	size_t			 half = size / 2;

	if (memchr(data, '\0', size) != NULL)
		return (0);
	a = malloc(half + 1);
	b = malloc(size - half + 1);
	memcpy(a, data, half);
	a[half] = '\0';
	memcpy(b, data + half, size - half);
	b[size - half] = '\0';

	if (warp_config_diff(a, b, "a", "b", &d, &st, &err) == -1)
		abort();
	ma = warp_config_mask_secrets(a);
	mb = warp_config_mask_secrets(b);
	check_sides(d, a, b, ma, mb, &st);
	free(d);
	if (warp_config_diff(a, a, "a", "a", &d, NULL, &err) == -1)
		abort();
	for (p = strchr(d, '\n'); p != NULL && p[1] != '\0';
	    p = strchr(p + 1, '\n')) {
		/* skip the two header lines */
		if (strncmp(p + 1, "+++ ", 4) == 0)
			continue;
		if (p[1] == '+' || p[1] == '-')
			abort();
	}
	free(d);
	/*
	 * A one-line "PrivateKey = VALUE": VALUE may not survive masking.
	 * (VALUE with an upper-case letter cannot occur by chance in the
	 * mask's own lower-case text.)
	 */
	if (strncmp(a, "PrivateKey = ", 13) == 0 && strlen(a) > 21 &&
	    strchr(a, '\n') == NULL && strpbrk(a + 13,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != NULL &&
	    strstr(ma + 13, a + 13) != NULL)
		abort();
	free(ma);
	free(mb);
	free(a);
	free(b);
	return (0);
}
