/*
 * What every parsed form must be, whichever parser made it (fuzz_form,
 * fuzz_json): bounded, NUL-free (strlen is the length), valid UTF-8.
 */
#ifndef FORM_CHECK_H
#define FORM_CHECK_H

static void
form_check_field(const struct warp_form *f, size_t i)
{
	if (f->n > WARP_FORM_MAX || strlen(f->val[i]) > WARP_FORM_VALUE_MAX ||
	    strlen(f->key[i]) > 64 ||
	    !warp_utf8_valid((const unsigned char *)f->key[i],
	    strlen(f->key[i])) ||
	    !warp_utf8_valid((const unsigned char *)f->val[i],
	    strlen(f->val[i])))
		abort();
}

/* The same pairs in the same order. */
static void
form_check_same(const struct warp_form *f, const struct warp_form *g)
{
	size_t	i;

	if (g->n != f->n)
		abort();
	for (i = 0; i < f->n; i++)
		if (strcmp(f->key[i], g->key[i]) || strcmp(f->val[i], g->val[i]))
			abort();
}

#endif
