/*
 * Validation of names, VLANs, VNIs, interface names and timestamps.
 * Range checks happen here, before anything is stored or sent.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "warp.h"

static int	warp_parse_uint(const char *, unsigned long, unsigned long *);

/* Decimal, no sign, no leading zeros, no trailing junk, <= max. */
static int
warp_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long	v = 0;
	const char	*p;

	if (s == NULL || *s == '\0' || strlen(s) > 10 ||
	    (s[0] == '0' && s[1] != '\0'))
		return (-1);
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return (-1);
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > max)
		return (-1);
	*out = v;
	return (0);
}

/*
 * Network and endpoint names: 1-32 characters of letters, digits, '.',
 * '_' and '-', starting with a letter or digit, not all digits (an
 * all-digit name would read as an id).  Names never become kernel
 * interface names: those are derived from the VCID.
 */
int
warp_name_validate(const char *what, const char *s, struct warp_err *err)
{
	const char	*p;
	int		 digits_only = 1;

	if (s == NULL || *s == '\0')
		return (warp_err_input(err, "%s name is empty", what));
	if (strlen(s) > WARP_NAME_MAX)
		return (warp_err_input(err, "%s name '%.40s%s' is longer than "
		    "%d characters", what, s, strlen(s) > 40 ? "..." : "",
		    WARP_NAME_MAX));
	if (!isalnum((unsigned char)s[0]))
		return (warp_err_input(err, "%s name must start with a letter "
		    "or digit", what));
	for (p = s; *p != '\0'; p++) {
		if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '_' ||
		    *p == '.'))
			return (warp_err_input(err, "%s name may contain only "
			    "letters, digits, '.', '_' and '-' (found '%c')",
			    what, isprint((unsigned char)*p) ? *p : '?'));
		if (!isdigit((unsigned char)*p))
			digits_only = 0;
	}
	if (digits_only)
		return (warp_err_input(err, "%s name cannot be all digits "
		    "(it would read as an id)", what));
	return (0);
}

/* --vlan ID or --vlan-range A-B, at most one of them. */
int
warp_vlan_parse(const char *vlan, const char *range, int *min, int *max,
    struct warp_err *err)
{
	unsigned long	 a, b;
	char		 buf[16];
	const char	*dash;

	*min = *max = 0;
	if (vlan != NULL && range != NULL)
		return (warp_err_input(err, "give either a VLAN id or a VLAN "
		    "range, not both"));
	if (vlan != NULL) {
		if (warp_parse_uint(vlan, 4094, &a) == -1 || a < 1)
			return (warp_err_input(err, "VLAN id '%s' must be a "
			    "number from 1 to 4094", vlan));
		*min = *max = (int)a;
		return (0);
	}
	if (range == NULL)
		return (0);
	if ((dash = strchr(range, '-')) == NULL ||
	    (size_t)(dash - range) >= sizeof(buf))
		return (warp_err_input(err, "VLAN range '%s' must look like "
		    "A-B (e.g. 100-199)", range));
	memcpy(buf, range, (size_t)(dash - range));
	buf[dash - range] = '\0';
	if (warp_parse_uint(buf, 4094, &a) == -1 || a < 1 ||
	    warp_parse_uint(dash + 1, 4094, &b) == -1 || b < 1)
		return (warp_err_input(err, "VLAN range '%s': both ends must be "
		    "numbers from 1 to 4094", range));
	if (a > b)
		return (warp_err_input(err, "VLAN range '%s' runs backwards; "
		    "did you mean %lu-%lu?", range, b, a));
	*min = (int)a;
	*max = (int)b;
	return (0);
}

int
warp_vni_parse(const char *s, uint32_t *vni, struct warp_err *err)
{
	unsigned long	v;

	if (warp_parse_uint(s, 16777215, &v) == -1 || v < 1)
		return (warp_err_input(err, "VNI '%s' must be a number from 1 "
		    "to 16777215", s ? s : ""));
	*vni = (uint32_t)v;
	return (0);
}

/* A Linux interface name: 1-15 bytes, no '/', ':' or whitespace. */
int
warp_ifname_validate(const char *s, struct warp_err *err)
{
	const char	*p;

	if (s == NULL || *s == '\0')
		return (warp_err_input(err, "interface name is empty"));
	if (strlen(s) >= WARP_IFNAMSIZ)
		return (warp_err_input(err, "interface name '%s' is longer than "
		    "%d bytes", s, WARP_IFNAMSIZ - 1));
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return (warp_err_input(err, "'%s' is not an interface name", s));
	for (p = s; *p != '\0'; p++) {
		if (*p == '/' || *p == ':' || !isgraph((unsigned char)*p))
			return (warp_err_input(err, "interface name '%s' may "
			    "not contain '/', ':' or spaces", s));
	}
	return (0);
}

/* YYYY-MM-DDTHH:MM:SSZ, UTC, exactly. */
int
warp_time_parse(const char *s, int64_t *out, struct warp_err *err)
{
	struct tm	tm;
	char		check[32];
	time_t		t;
	int		y, mo, d, h, mi, se;

	if (s == NULL || strlen(s) != 20 || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ",
	    &y, &mo, &d, &h, &mi, &se) != 6)
		goto bad;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	if ((t = timegm(&tm)) == (time_t)-1)
		goto bad;
	warp_time_format((int64_t)t, check, sizeof(check));
	if (strcmp(check, s) != 0)	/* catches 2026-02-31 and friends */
		goto bad;
	*out = (int64_t)t;
	return (0);
bad:
	return (warp_err_input(err, "'%s' is not a UTC time like "
	    "2026-12-31T23:59:59Z", s ? s : ""));
}

void
warp_time_format(int64_t t, char *buf, size_t len)
{
	struct tm	tm;
	time_t		tt = (time_t)t;
	char		out[24];
	int		f[6], i;

	if (gmtime_r(&tt, &tm) == NULL) {
		(void)snprintf(buf, len, "?");
		return;
	}
	if (tm.tm_year + 1900 < 1000 || tm.tm_year + 1900 > 9999) {
		if (strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			(void)snprintf(buf, len, "?");
		return;
	}
	/* What strftime's "%Y-%m-%dT%H:%M:%SZ" writes, without it: a list
	 * prints one or two times a row. */
	f[0] = tm.tm_year + 1900;
	f[1] = tm.tm_mon + 1;
	f[2] = tm.tm_mday;
	f[3] = tm.tm_hour;
	f[4] = tm.tm_min;
	f[5] = tm.tm_sec;
	out[0] = (char)('0' + f[0] / 1000);
	out[1] = (char)('0' + f[0] / 100 % 10);
	out[2] = (char)('0' + f[0] / 10 % 10);
	out[3] = (char)('0' + f[0] % 10);
	for (i = 1; i < 6; i++) {
		out[4 + 3 * (i - 1)] = "--T::"[i - 1];
		out[5 + 3 * (i - 1)] = (char)('0' + f[i] / 10);
		out[6 + 3 * (i - 1)] = (char)('0' + f[i] % 10);
	}
	out[19] = 'Z';
	out[20] = '\0';
	if (len < 21) {		/* strftime writes nothing that does not fit */
		(void)snprintf(buf, len, "?");
		return;
	}
	memcpy(buf, out, 21);
}
