/*
 * warpd: the parsers of what a request brings, without Kore (so the
 * fuzzers in tests/fuzz link them alone): url-encoded forms and query
 * strings, the API's JSON bodies (into the same flat form), and the
 * Cookie header.  Everything is bounded, NUL-free and valid UTF-8.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warp.h"
#include "warp_web.h"

struct json {
	const char	*p, *end;
	struct warp_err	*err;
};

static int	parse_hexval(int);
static char	*parse_urldecode(const char *, size_t, struct warp_err *);
static int	json_ws(struct json *);
static int	json_string(struct json *, struct warp_buf *);
static int	json_scalar(struct json *, struct warp_buf *, int *);
static int	json_add(struct warp_form *, const char *, const char *,
		    struct warp_err *);
static int	json_member(struct json *, struct warp_form *, const char *);

static int
parse_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

int
warp_utf8_valid(const unsigned char *s, size_t len)
{
	size_t		i, n, k;
	unsigned int	cp;

	for (i = 0; i < len; i += n) {
		if (s[i] < 0x80) {
			n = 1;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			n = 2;
			cp = s[i] & 0x1f;
		} else if ((s[i] & 0xf0) == 0xe0) {
			n = 3;
			cp = s[i] & 0x0f;
		} else if ((s[i] & 0xf8) == 0xf0) {
			n = 4;
			cp = s[i] & 0x07;
		} else
			return (0);
		if (i + n > len)
			return (0);
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return (0);
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
		    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return (0);
	}
	return (1);
}

/* Percent-decode; refuse NUL, bad escapes and invalid UTF-8. */
static char *
parse_urldecode(const char *s, size_t len, struct warp_err *err)
{
	char	*out;
	size_t	 i, o;
	int	 hi, lo;

	out = warp_xcalloc(1, len + 1);
	for (i = o = 0; i < len; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%') {
			if (i + 2 >= len)
				goto bad;
			hi = parse_hexval((unsigned char)s[i + 1]);
			lo = parse_hexval((unsigned char)s[i + 2]);
			if (hi == -1 || lo == -1 || (hi == 0 && lo == 0))
				goto bad;
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (s[i] == '\0') {
			goto bad;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	if (!warp_utf8_valid((unsigned char *)out, o)) {
		free(out);
		warp_err_input(err, "the form is not valid UTF-8");
		return (NULL);
	}
	return (out);
bad:
	free(out);
	warp_err_input(err, "malformed form encoding");
	return (NULL);
}

int
warp_form_parse(struct warp_form *f, const char *s, size_t len,
    struct warp_err *err)
{
	const char	*p, *end, *amp, *eq;

	end = s + len;
	for (p = s; p < end; p = amp + 1) {
		if ((amp = memchr(p, '&', end - p)) == NULL)
			amp = end;
		if (amp == p)
			continue;
		if (f->n == WARP_FORM_MAX)
			return (warp_err_input(err, "too many form fields "
			    "(at most %d)", WARP_FORM_MAX));
		if ((eq = memchr(p, '=', amp - p)) == NULL)
			eq = amp;
		if ((size_t)(amp - eq) > WARP_FORM_VALUE_MAX)
			return (warp_err_input(err, "a form field is too long"));
		if (eq - p > 64)
			return (warp_err_input(err, "a form field name is too "
			    "long"));
		if ((f->key[f->n] = parse_urldecode(p, eq - p, err)) == NULL)
			return (-1);
		f->val[f->n] = parse_urldecode(eq < amp ? eq + 1 : amp,
		    eq < amp ? (size_t)(amp - eq - 1) : 0, err);
		if (f->val[f->n] == NULL) {
			free(f->key[f->n]);
			return (-1);
		}
		f->n++;
	}
	return (0);
}

void
warp_form_free(struct warp_form *f)
{
	size_t	i;

	for (i = 0; i < f->n; i++) {
		free(f->key[i]);
		free(f->val[i]);
	}
	f->n = 0;
}

const char *
warp_form_get(const struct warp_form *f, const char *key)
{
	size_t	i;

	for (i = 0; i < f->n; i++)
		if (!strcmp(f->key[i], key))
			return (f->val[i]);
	return (NULL);
}

size_t
warp_form_all(const struct warp_form *f, const char *key, const char **out,
    size_t max)
{
	size_t	i, n;

	for (i = n = 0; i < f->n && n < max; i++)
		if (!strcmp(f->key[i], key) && f->val[i][0] != '\0')
			out[n++] = f->val[i];
	return (n);
}

/*
 * JSON bodies of the API (RFC 8259, strict) become the same flat form:
 * an object whose values are strings, numbers, true/false/null or arrays
 * of strings; an array gives one field per element.
 */
static int
json_ws(struct json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
	return (j->p < j->end);
}

static int
json_hex4(struct json *j, unsigned int *cp)
{
	int	i, h;

	if (j->end - j->p < 4)
		return (-1);
	for (*cp = 0, i = 0; i < 4; i++) {
		if ((h = parse_hexval((unsigned char)j->p[i])) == -1)
			return (-1);
		*cp = (*cp << 4) | (unsigned int)h;
	}
	j->p += 4;
	return (0);
}

static void
json_utf8(struct warp_buf *b, unsigned int cp)
{
	char	u[4];

	if (cp < 0x80) {
		u[0] = (char)cp;
		warp_buf_append(b, u, 1);
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		warp_buf_append(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		warp_buf_append(b, u, 3);
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		warp_buf_append(b, u, 4);
	}
}

/* A string at j->p (the opening quote) into b; -1 if malformed. */
static int
json_string(struct json *j, struct warp_buf *b)
{
	unsigned int	 cp, lo;
	unsigned char	 c;
	const char	*esc = "\"\\/bfnrt", *val = "\"\\/\b\f\n\r\t", *s;

	if (j->p >= j->end || *j->p != '"')
		return (-1);
	for (j->p++; j->p < j->end; ) {
		c = (unsigned char)*j->p++;
		if (c == '"')
			return (b->len > WARP_FORM_VALUE_MAX ? -1 : 0);
		if (c < 0x20)
			return (-1);
		if (c != '\\') {
			warp_buf_append(b, (const char *)&c, 1);
			continue;
		}
		if (j->p >= j->end)
			return (-1);
		c = (unsigned char)*j->p++;
		if (c != 'u') {
			if (c == '\0' || (s = strchr(esc, c)) == NULL)
				return (-1);
			warp_buf_append(b, val + (s - esc), 1);
			continue;
		}
		if (json_hex4(j, &cp) == -1 || cp == 0 ||
		    (cp >= 0xdc00 && cp <= 0xdfff))
			return (-1);
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (j->end - j->p < 2 || j->p[0] != '\\' ||
			    j->p[1] != 'u')
				return (-1);
			j->p += 2;
			if (json_hex4(j, &lo) == -1 || lo < 0xdc00 ||
			    lo > 0xdfff)
				return (-1);
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
		json_utf8(b, cp);
	}
	return (-1);
}

/*
 * A value that is not an array or object: a string, a number (integers
 * as written, others rounded, as before) or a literal.  *isstr says which.
 */
static int
json_scalar(struct json *j, struct warp_buf *b, int *isstr)
{
	const char	*s = j->p, *q;
	char		 num[64];
	int		 frac = 0;

	*isstr = 0;
	if (*j->p == '"') {
		*isstr = 1;
		return (json_string(j, b));
	}
	if ((size_t)(j->end - j->p) >= 4 && !strncmp(j->p, "true", 4)) {
		j->p += 4;
		warp_buf_append(b, "1", 1);
		return (0);
	}
	if ((size_t)(j->end - j->p) >= 5 && !strncmp(j->p, "false", 5)) {
		j->p += 5;
		warp_buf_append(b, "0", 1);
		return (0);
	}
	if ((size_t)(j->end - j->p) >= 4 && !strncmp(j->p, "null", 4)) {
		j->p += 4;
		warp_buf_append(b, "", 0);
		return (0);
	}
	/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
	q = j->p;
	if (q < j->end && *q == '-')
		q++;
	if (q >= j->end || *q < '0' || *q > '9')
		return (-1);
	if (*q == '0')
		q++;
	else
		while (q < j->end && *q >= '0' && *q <= '9')
			q++;
	if (q < j->end && *q == '.') {
		frac = 1;
		if (++q >= j->end || *q < '0' || *q > '9')
			return (-1);
		while (q < j->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < j->end && (*q == 'e' || *q == 'E')) {
		frac = 1;
		if (++q < j->end && (*q == '+' || *q == '-'))
			q++;
		if (q >= j->end || *q < '0' || *q > '9')
			return (-1);
		while (q < j->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q - s >= (long)sizeof(num))
		return (-1);
	memcpy(num, s, (size_t)(q - s));
	num[q - s] = '\0';
	j->p = q;
	if (frac)
		warp_buf_appendf(b, "%.0f", strtod(num, NULL));
	else
		warp_buf_append(b, num, strlen(num));
	return (0);
}

static int
json_add(struct warp_form *f, const char *key, const char *val,
    struct warp_err *err)
{
	if (f->n >= WARP_FORM_MAX)
		return (warp_err_input(err, "too many fields (at most %d)",
		    WARP_FORM_MAX));
	if (strlen(val) > WARP_FORM_VALUE_MAX)
		return (warp_err_input(err, "a field is too long"));
	if (!warp_utf8_valid((const unsigned char *)key, strlen(key)) ||
	    !warp_utf8_valid((const unsigned char *)val, strlen(val)))
		return (warp_err_input(err, "a field is not UTF-8"));
	f->key[f->n] = warp_xstrdup(key);
	f->val[f->n] = warp_xstrdup(val);
	f->n++;
	return (0);
}

/* A value into b: NUL inside (from \u0000) is refused by json_string. */
static int
json_member(struct json *j, struct warp_form *f, const char *key)
{
	struct warp_buf	 v;
	int		 isstr, rc = -1;

	warp_buf_init(&v);
	if (*j->p == '{') {
		warp_err_input(j->err, "nested objects are not accepted");
		goto out;
	}
	if (*j->p == '[') {
		j->p++;
		if (!json_ws(j))
			goto bad;
		if (*j->p == ']') {
			j->p++;
			rc = 0;
			goto out;
		}
		for (;;) {
			if (*j->p != '"') {
				warp_err_input(j->err, "arrays hold strings "
				    "only");
				goto out;
			}
			v.len = 0;
			if (json_string(j, &v) == -1)
				goto bad;
			warp_buf_append(&v, "", 0);
			if (json_add(f, key, v.data != NULL ? v.data : "",
			    j->err) == -1)
				goto out;
			if (!json_ws(j))
				goto bad;
			if (*j->p == ']') {
				j->p++;
				rc = 0;
				goto out;
			}
			if (*j->p++ != ',' || !json_ws(j))
				goto bad;
		}
	}
	if (json_scalar(j, &v, &isstr) == -1)
		goto bad;
	rc = json_add(f, key, v.data != NULL ? v.data : "", j->err);
	goto out;
bad:
	warp_err_input(j->err, "the body is not valid JSON");
out:
	warp_buf_free(&v);
	return (rc);
}

int
warp_json_form_parse(struct warp_form *f, const char *body, size_t len,
    struct warp_err *err)
{
	struct json	 j;
	struct warp_buf	 key;
	int		 rc = -1;

	j.p = body;
	j.end = body + len;
	j.err = err;
	warp_buf_init(&key);
	if (!json_ws(&j))
		goto bad;
	if (*j.p != '{') {
		warp_err_input(err, "the body must be a JSON object");
		goto out;
	}
	j.p++;
	if (!json_ws(&j))
		goto bad;
	if (*j.p == '}') {
		j.p++;
		goto end;
	}
	for (;;) {
		key.len = 0;
		if (json_string(&j, &key) == -1)
			goto bad;
		warp_buf_append(&key, "", 0);
		if (key.data == NULL || strlen(key.data) > 64 ||
		    strlen(key.data) != key.len) {
			warp_err_input(err, "bad field name");
			goto out;
		}
		if (!json_ws(&j) || *j.p++ != ':' || !json_ws(&j))
			goto bad;
		if (json_member(&j, f, key.data) == -1)
			goto out;
		if (!json_ws(&j))
			goto bad;
		if (*j.p == '}') {
			j.p++;
			break;
		}
		if (*j.p++ != ',' || !json_ws(&j))
			goto bad;
	}
end:
	if (json_ws(&j))
		goto bad;	/* something after the object */
	rc = 0;
	goto out;
bad:
	warp_err_input(err, "the body is not valid JSON");
out:
	warp_buf_free(&key);
	if (rc == -1)
		warp_form_free(f);
	return (rc);
}

/*
 * One cookie of a Cookie header (RFC 6265 5.4: "a=b; c=d"), by exact
 * name (names are case-sensitive), the first if repeated; its value
 * without optional double quotes.  1 found (into out), 0 absent, empty,
 * malformed or longer than outlen allows.
 */
int
warp_cookie_get(const char *header, const char *name, char *out,
    size_t outlen)
{
	const char	*p, *end, *eq, *v;
	size_t		 nlen = strlen(name), vlen;

	for (p = header; p != NULL && *p != '\0'; p = end) {
		while (*p == ' ' || *p == '\t')
			p++;
		if ((end = strchr(p, ';')) == NULL)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq != NULL && (size_t)(eq - p) == nlen &&
		    !strncmp(p, name, nlen)) {
			v = eq + 1;
			vlen = (size_t)(end - v);
			while (vlen > 0 && (v[vlen - 1] == ' ' ||
			    v[vlen - 1] == '\t'))
				vlen--;
			if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
				v++;
				vlen -= 2;
			}
			if (vlen == 0 || vlen >= outlen)
				return (0);
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			return (1);
		}
		if (*end == ';')
			end++;
	}
	return (0);
}
