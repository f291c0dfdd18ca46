/*
 * The line diff of two config versions (history view, `warpctl diff`):
 * Myers' O(ND) algorithm in its linear-space form (the middle snake,
 * divide and conquer), so memory is O(N + M) and time O((N + M) D).
 *
 * Bounded: a side over WARP_DIFF_MAX_LINES lines or WARP_DIFF_MAX_BYTES
 * is refused with a message; the search stops after WARP_DIFF_WORK_MAX
 * steps, and what is still unresolved then is shown as lines removed and
 * added (a correct diff, not a minimal one; the stats say so).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warp.h"

struct diff {
	char		**la, **lb;	/* lines of the masked texts */
	uint32_t	 *ha, *hb;	/* their hashes */
	char		 *da, *db;	/* 1: line removed from a / added in b */
	long		 *v1, *v2;	/* the two searches' furthest x per diagonal */
	struct warp_diff_stats *st;
};

static char	**diff_lines(const char *, size_t *, uint32_t **);
static void	  diff_seq(struct diff *, long, long, long, long);
static int	  diff_bisect(struct diff *, long, long, long, long, long *,
		    long *);

static int
diff_eq(const struct diff *d, long i, long j)
{
	return (d->ha[i] == d->hb[j] && strcmp(d->la[i], d->lb[j]) == 0);
}

/* Split in place (a copy); the copy is v[-1], the lines v[0..n). */
static char **
diff_lines(const char *text, size_t *count, uint32_t **hash)
{
	char		*copy, *p, **v;
	uint32_t	*h;
	size_t		 n, i;

	copy = warp_xstrdup(text);
	for (n = 0, p = copy; *p != '\0'; n++) {
		p += strcspn(p, "\n");
		if (*p == '\n')
			p++;
	}
	v = warp_xcalloc(n + 1, sizeof(*v));
	h = warp_xcalloc(n + 1, sizeof(*h));
	v[0] = copy;
	for (i = 0, p = copy; i < n; i++) {
		v[1 + i] = p;
		h[i] = 2166136261u;	/* FNV-1a */
		for (; *p != '\n' && *p != '\0'; p++)
			h[i] = (h[i] ^ (uint8_t)*p) * 16777619u;
		if (*p == '\n')
			*p++ = '\0';
	}
	*count = n;
	*hash = h;
	return (v);
}

/* Mark a[x0..x1) removed and b[y0..y1) added (no search). */
static void
diff_replace(struct diff *d, long x0, long x1, long y0, long y1)
{
	if (x1 > x0)
		memset(d->da + x0, 1, (size_t)(x1 - x0));
	if (y1 > y0)
		memset(d->db + y0, 1, (size_t)(y1 - y0));
}

/* The shortest edit script of a[x0..x1) into b[y0..y1), as marks. */
static void
diff_seq(struct diff *d, long x0, long x1, long y0, long y1)
{
	long	xm, ym;
	int	rc;

	/* Common head and tail are never part of the script. */
	while (x0 < x1 && y0 < y1 && diff_eq(d, x0, y0)) {
		x0++;
		y0++;
		d->st->work++;
	}
	while (x0 < x1 && y0 < y1 && diff_eq(d, x1 - 1, y1 - 1)) {
		x1--;
		y1--;
		d->st->work++;
	}
	if (x0 == x1 || y0 == y1) {
		diff_replace(d, x0, x1, y0, y1);
		return;
	}
	rc = d->st->work > WARP_DIFF_WORK_MAX ? -1 :
	    diff_bisect(d, x0, x1, y0, y1, &xm, &ym);
	if (rc != 0) {
		/* 1: no line in common, the replacement is minimal. */
		if (rc == -1)
			d->st->replaced = 1;
		diff_replace(d, x0, x1, y0, y1);
		return;
	}
	diff_seq(d, x0, xm, y0, ym);
	diff_seq(d, xm, x1, ym, y1);
}

/*
 * Myers' middle snake: search forward from the start and backward from
 * the end, d steps at a time, until the paths overlap; that point splits
 * the problem in two with half the edits each (so the recursion is
 * O(log D) deep).  -1 when the work bound is reached, 1 when the two
 * have no line in common (no overlap within (n + m) / 2 steps).
 */
static int
diff_bisect(struct diff *d, long x0, long x1, long y0, long y1, long *xm,
    long *ym)
{
	long	n = x1 - x0, m = y1 - y0, maxd = (n + m + 1) / 2;
	long	off = maxd, delta = n - m, dd, k, ko, x, y, xr;
	long	k1s = 0, k1e = 0, k2s = 0, k2e = 0;
	long	*v1 = d->v1, *v2 = d->v2;
	int	front = (delta & 1) != 0;

	for (k = 0; k < 2 * maxd + 2; k++)
		v1[k] = v2[k] = -1;
	d->st->work += (size_t)maxd;
	v1[off + 1] = v2[off + 1] = 0;
	for (dd = 0; dd < maxd; dd++) {
		for (k = -dd + k1s; k <= dd - k1e; k += 2) {
			/* Checked per diagonal: at most one snake over. */
			if (d->st->work > WARP_DIFF_WORK_MAX)
				return (-1);
			ko = off + k;
			x = (k == -dd || (k != dd && v1[ko - 1] < v1[ko + 1])) ?
			    v1[ko + 1] : v1[ko - 1] + 1;
			y = x - k;
			while (x < n && y < m && diff_eq(d, x0 + x, y0 + y)) {
				x++;
				y++;
				d->st->work++;
			}
			d->st->work++;
			v1[ko] = x;
			if (x > n)
				k1e += 2;
			else if (y > m)
				k1s += 2;
			else if (front && off + delta - k >= 0 &&
			    off + delta - k < 2 * maxd && v2[off + delta - k] !=
			    -1 && x >= n - v2[off + delta - k]) {
				*xm = x0 + x;
				*ym = y0 + y;
				return (0);
			}
		}
		for (k = -dd + k2s; k <= dd - k2e; k += 2) {
			if (d->st->work > WARP_DIFF_WORK_MAX)
				return (-1);
			ko = off + k;
			x = (k == -dd || (k != dd && v2[ko - 1] < v2[ko + 1])) ?
			    v2[ko + 1] : v2[ko - 1] + 1;
			y = x - k;
			while (x < n && y < m && diff_eq(d, x1 - x - 1,
			    y1 - y - 1)) {
				x++;
				y++;
				d->st->work++;
			}
			d->st->work++;
			v2[ko] = x;
			if (x > n)
				k2e += 2;
			else if (y > m)
				k2s += 2;
			else if (!front && off + delta - k >= 0 &&
			    off + delta - k < 2 * maxd && v1[off + delta - k] !=
			    -1) {
				xr = v1[off + delta - k];
				if (xr >= n - x) {
					*xm = x0 + xr;
					*ym = y0 + off + xr - (off + delta - k);
					return (0);
				}
			}
		}
	}
	return (1);
}

/*
 * The diff of two texts, secrets masked, in unified style without hunks:
 * every line is shown.  Refuses (-1, err) a side that is too large.
 */
int
warp_config_diff(const char *a, const char *b, const char *label_a,
    const char *label_b, char **out, struct warp_diff_stats *stp,
    struct warp_err *err)
{
	struct warp_diff_stats	 st0;
	struct diff		 d;
	struct warp_buf		 o;
	char			*ma, *mb;
	size_t			 na, nb, i, j, v;

	*out = NULL;
	if (strlen(a) > WARP_DIFF_MAX_BYTES || strlen(b) > WARP_DIFF_MAX_BYTES)
		return (warp_err_input(err, "%s is too large to compare (over "
		    "%d bytes)", strlen(a) > WARP_DIFF_MAX_BYTES ? label_a :
		    label_b, WARP_DIFF_MAX_BYTES));
	memset(&d, 0, sizeof(d));
	d.st = stp != NULL ? stp : &st0;
	memset(d.st, 0, sizeof(*d.st));
	ma = warp_config_mask_secrets(a);
	mb = warp_config_mask_secrets(b);
	d.la = diff_lines(ma, &na, &d.ha);
	d.lb = diff_lines(mb, &nb, &d.hb);
	free(ma);
	free(mb);
	if (na > WARP_DIFF_MAX_LINES || nb > WARP_DIFF_MAX_LINES) {
		warp_err_input(err, "%s is too large to compare (%zu lines; "
		    "the limit is %d)", na > nb ? label_a : label_b,
		    na > nb ? na : nb, WARP_DIFF_MAX_LINES);
		goto out;
	}
	/* Skip the copy's slot: la[i] is line i. */
	d.la++;
	d.lb++;
	d.da = warp_xcalloc(na + 1, 1);
	d.db = warp_xcalloc(nb + 1, 1);
	v = 2 * ((na + nb + 1) / 2) + 2;
	d.v1 = warp_xcalloc(v, sizeof(long));
	d.v2 = warp_xcalloc(v, sizeof(long));
	d.st->bytes = strlen(a) + strlen(b) + 2 +
	    (na + nb + 2) * (sizeof(char *) + sizeof(uint32_t) + 1) +
	    2 * v * sizeof(long);
	diff_seq(&d, 0, (long)na, 0, (long)nb);

	warp_buf_init(&o);
	warp_buf_appendf(&o, "--- %s\n+++ %s\n", label_a, label_b);
	for (i = j = 0; i < na || j < nb;) {
		if (i < na && d.da[i]) {
			warp_buf_appendf(&o, "-%s\n", d.la[i++]);
			d.st->removed++;
		} else if (j < nb && d.db[j]) {
			warp_buf_appendf(&o, "+%s\n", d.lb[j++]);
			d.st->added++;
		} else if (i < na && j < nb) {
			warp_buf_appendf(&o, " %s\n", d.la[i]);
			i++;
			j++;
		} else
			break;	/* (marks always pair up the rest) */
	}
	*out = warp_buf_release(&o);
	d.la--;
	d.lb--;
out:
	free(d.la[0]);
	free(d.la);
	free(d.lb[0]);
	free(d.lb);
	free(d.ha);
	free(d.hb);
	free(d.da);
	free(d.db);
	free(d.v1);
	free(d.v2);
	return (*out != NULL ? 0 : -1);
}
