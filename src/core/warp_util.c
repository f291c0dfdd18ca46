/*
 * Errors, growable buffers and allocation helpers shared by the core.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "warp.h"

int
warp_err_set(struct warp_err *err, int kind, const char *fmt, ...)
{
	va_list		ap;

	if (err == NULL)
		return (-1);
	err->kind = kind;
	err->field[0] = '\0';
	va_start(ap, fmt);
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return (-1);
}

void
warp_err_clear(struct warp_err *err)
{
	err->kind = WARP_OK;
	err->msg[0] = '\0';
	err->field[0] = '\0';
}

/* Name the input at fault (after warp_err_set); returns -1 like it. */
int
warp_err_field(struct warp_err *err, const char *field)
{
	if (err != NULL)
		(void)snprintf(err->field, sizeof(err->field), "%s", field);
	return (-1);
}

void
warp_fatal(const char *fmt, ...)
{
	va_list		ap;

	va_start(ap, fmt);
	fprintf(stderr, "fatal: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

void *
warp_xcalloc(size_t n, size_t sz)
{
	void	*p;

	if ((p = calloc(n ? n : 1, sz ? sz : 1)) == NULL)
		warp_fatal("out of memory");
	return (p);
}

char *
warp_xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		warp_fatal("out of memory");
	return (p);
}

void
warp_buf_init(struct warp_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

/* Room for `more` bytes and a NUL after what is there. */
void
warp_buf_reserve(struct warp_buf *b, size_t more)
{
	size_t	 cap;
	char	*p;

	if (b->len + more + 1 <= b->cap)
		return;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1)
		cap *= 2;
	if ((p = realloc(b->data, cap)) == NULL)
		warp_fatal("out of memory");
	b->data = p;
	b->cap = cap;
}

void
warp_buf_append(struct warp_buf *b, const char *s, size_t len)
{
	warp_buf_reserve(b, len);
	memcpy(b->data + b->len, s, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void
warp_buf_appendf(struct warp_buf *b, const char *fmt, ...)
{
	va_list		ap;
	int		n;

	/* One pass when it fits (it nearly always does): formatting twice,
	 * once to measure, was a fifth of a JSON list's instructions. */
	warp_buf_reserve(b, 64);
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		warp_fatal("vsnprintf");
	if ((size_t)n >= b->cap - b->len) {
		warp_buf_reserve(b, (size_t)n);
		va_start(ap, fmt);
		(void)vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

/*
 * A decimal integer, without printf (lists and pages print thousands of
 * them): NUL-terminated at the end of out, the first digit returned.
 */
char *
warp_fmt_int(long long v, char out[WARP_FMT_INT_LEN])
{
	char			*p = out + WARP_FMT_INT_LEN;
	unsigned long long	 u;

	u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	*--p = '\0';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (v < 0)
		*--p = '-';
	return (p);
}

/*
 * snprintf(dst, size, "%s", src) without printf (a list copies a few
 * strings per row): at most size - 1 bytes and a NUL; strlen(src).
 */
size_t
warp_strlcpy(char *dst, const char *src, size_t size)
{
	size_t	len, n;

	if (src == NULL)
		src = "";
	len = strlen(src);
	if (size == 0)
		return (len);
	n = len < size - 1 ? len : size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return (len);
}

/* snprintf(dst, size, "%s%s%s", a, b, c) without printf. */
void
warp_fmt_join(char *dst, size_t size, const char *a, const char *b,
    const char *c)
{
	size_t	n;

	if (size == 0)
		return;
	n = warp_strlcpy(dst, a, size);
	if (n >= size)
		return;
	n += warp_strlcpy(dst + n, b, size - n);
	if (n >= size)
		return;
	(void)warp_strlcpy(dst + n, c, size - n);
}

void
warp_buf_append_int(struct warp_buf *b, long long v)
{
	char	 out[WARP_FMT_INT_LEN], *p;

	p = warp_fmt_int(v, out);
	warp_buf_append(b, p, (size_t)(out + sizeof(out) - 1 - p));
}

/*
 * Append s as a JSON string literal, quotes included.  Plain bytes are
 * copied straight into the buffer (room for all of them reserved once);
 * a byte that needs an escape (control characters, '"', '\\', and '<',
 * which keeps JSON safe to embed in HTML) is written as one.
 */
void
warp_buf_json_string(struct warp_buf *b, const char *s)
{
	const unsigned char	*p;
	size_t			 len;
	char			*q;

	if (s == NULL)
		s = "";
	len = strlen(s);
	warp_buf_reserve(b, len + 2);
	q = b->data + b->len;
	*q++ = '"';
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p >= 0x20 && *p != '"' && *p != '\\' && *p != '<') {
			*q++ = (char)*p;
			continue;
		}
		b->len = (size_t)(q - b->data);
		switch (*p) {
		case '"':
			warp_buf_append(b, "\\\"", 2);
			break;
		case '\\':
			warp_buf_append(b, "\\\\", 2);
			break;
		case '\n':
			warp_buf_append(b, "\\n", 2);
			break;
		case '\r':
			warp_buf_append(b, "\\r", 2);
			break;
		case '\t':
			warp_buf_append(b, "\\t", 2);
			break;
		case '<':
			warp_buf_append(b, "\\u003c", 6);
			break;
		default:
			warp_buf_appendf(b, "\\u%04x", *p);
			break;
		}
		/* Room again for the rest and the closing quote. */
		warp_buf_reserve(b, len - (size_t)((const char *)p + 1 - s) +
		    2);
		q = b->data + b->len;
	}
	*q++ = '"';
	*q = '\0';
	b->len = (size_t)(q - b->data);
}

/* Hand the bytes to the caller (never NULL); the buffer is empty after. */
char *
warp_buf_release(struct warp_buf *b)
{
	char	*p;

	if (b->data == NULL)
		return (warp_xstrdup(""));
	p = b->data;
	warp_buf_init(b);
	return (p);
}

void
warp_buf_free(struct warp_buf *b)
{
	free(b->data);
	warp_buf_init(b);
}

/*
 * Write a file only its owner may read (configs with keys, master keys):
 * mode 0600 from the start, through a temporary name, synced, then
 * renamed over `path`.
 */
int
warp_file_write_private(const char *path, const void *data, size_t len,
    struct warp_err *err)
{
	char	*tmp;
	int	 fd, ok, rc = -1;

	if (asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) == -1)
		warp_fatal("out of memory");
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1) {
		warp_err_system(err, "cannot write %s: %s", path,
		    strerror(errno));
	} else {
		ok = write(fd, data, len) == (ssize_t)len && fsync(fd) == 0;
		if (close(fd) == -1)
			ok = 0;
		if (ok && rename(tmp, path) == 0)
			rc = 0;
		else {
			warp_err_system(err, "cannot write %s: %s", path,
			    strerror(errno));
			(void)unlink(tmp);
		}
	}
	free(tmp);
	return (rc);
}

const char *
warp_enum_name(const char * const *names, int n, int v, const char *dflt)
{
	if (v < 0 || v >= n)
		return (dflt);
	return (names[v]);
}

/* The value whose name is s; the refusal lists every name. */
int
warp_enum_parse(const char *what, const char * const *names, int n,
    const char *s, int *v, struct warp_err *err)
{
	struct warp_buf	known;
	int		i;

	for (i = 0; s != NULL && i < n; i++) {
		if (strcmp(s, names[i]) == 0) {
			*v = i;
			return (0);
		}
	}
	warp_buf_init(&known);
	for (i = 0; i < n; i++)
		warp_buf_appendf(&known, "%s%s", i ? ", " : "", names[i]);
	warp_err_input(err, "%s '%s' is not one of %s", what, s ? s : "",
	    known.data);
	warp_buf_free(&known);
	return (-1);
}
