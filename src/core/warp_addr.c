/*
 * Strict parsing of IPv4 addresses, prefixes, DNS server lists and host
 * names, and subnet sizing.  Anything not in canonical form is refused with
 * a message saying what would be accepted.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warp.h"

static int	warp_ip_parse_quiet(const char *, uint32_t *);

/* Dotted quad, decimal, no leading zeros, nothing around it. */
static int
warp_ip_parse_quiet(const char *s, uint32_t *out)
{
	uint32_t	 v = 0;
	int		 octet, digits, i;

	for (i = 0; i < 4; i++) {
		if (i > 0) {
			if (*s != '.')
				return (-1);
			s++;
		}
		octet = 0;
		digits = 0;
		while (*s >= '0' && *s <= '9') {
			if (digits > 0 && octet == 0)
				return (-1);	/* leading zero */
			octet = octet * 10 + (*s - '0');
			if (octet > 255)
				return (-1);
			digits++;
			s++;
		}
		if (digits == 0)
			return (-1);
		v = (v << 8) | (uint32_t)octet;
	}
	if (*s != '\0')
		return (-1);
	*out = v;
	return (0);
}

int
warp_ip_parse(const char *s, uint32_t *out, struct warp_err *err)
{
	if (s == NULL || warp_ip_parse_quiet(s, out) == -1)
		return (warp_err_input(err, "'%s' is not an IPv4 address "
		    "(expected e.g. 192.0.2.10)", s ? s : ""));
	return (0);
}

void
warp_ip_format(uint32_t ip, char *buf, size_t len)
{
	char	out[WARP_IP_STRLEN], *p = out;
	int	i, o;

	/* "%u.%u.%u.%u" without printf: lists print one or two a row. */
	for (i = 24; i >= 0; i -= 8) {
		o = (int)((ip >> i) & 0xff);
		if (o >= 100)
			*p++ = (char)('0' + o / 100);
		if (o >= 10)
			*p++ = (char)('0' + o / 10 % 10);
		*p++ = (char)('0' + o % 10);
		if (i > 0)
			*p++ = '.';
	}
	*p = '\0';
	(void)warp_strlcpy(buf, out, len);
}

uint32_t
warp_cidr_mask(int len)
{
	if (len <= 0)
		return (0);
	return (0xffffffffU << (32 - len));
}

int
warp_cidr_parse(const char *s, struct warp_cidr *out, struct warp_err *err)
{
	char		 buf[32], fixed[WARP_CIDR_STRLEN];
	const char	*slash, *p;
	uint32_t	 ip;
	int		 len = 0;
	struct warp_cidr c;

	if (s == NULL || (slash = strchr(s, '/')) == NULL ||
	    (size_t)(slash - s) >= sizeof(buf))
		return (warp_err_input(err, "'%s' is not a subnet in CIDR "
		    "notation (expected e.g. 10.20.0.0/24)", s ? s : ""));
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (warp_ip_parse_quiet(buf, &ip) == -1)
		return (warp_err_input(err, "'%s': '%s' is not an IPv4 address "
		    "(expected e.g. 10.20.0.0/24)", s, buf));
	p = slash + 1;
	if (*p == '\0' || strlen(p) > 2 || (p[0] == '0' && p[1] != '\0'))
		return (warp_err_input(err, "'%s': prefix length must be a "
		    "number from 0 to 32", s));
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return (warp_err_input(err, "'%s': prefix length must "
			    "be a number from 0 to 32", s));
		len = len * 10 + (*p - '0');
	}
	if (len > 32)
		return (warp_err_input(err, "'%s': prefix length must be a "
		    "number from 0 to 32", s));
	c.addr = ip & warp_cidr_mask(len);
	c.len = len;
	if (c.addr != ip) {
		warp_cidr_format(&c, fixed, sizeof(fixed));
		return (warp_err_input(err, "'%s' has host bits set; did you "
		    "mean %s?", s, fixed));
	}
	*out = c;
	return (0);
}

void
warp_cidr_format(const struct warp_cidr *c, char *buf, size_t len)
{
	char	ip[WARP_IP_STRLEN], bits[WARP_FMT_INT_LEN];

	warp_ip_format(c->addr, ip, sizeof(ip));
	warp_fmt_join(buf, len, ip, "/", warp_fmt_int(c->len, bits));
}

int
warp_cidr_overlaps(const struct warp_cidr *a, const struct warp_cidr *b)
{
	uint32_t	m;

	m = warp_cidr_mask(a->len < b->len ? a->len : b->len);
	return ((a->addr & m) == (b->addr & m));
}

int
warp_cidr_contains(const struct warp_cidr *c, uint32_t ip)
{
	return ((ip & warp_cidr_mask(c->len)) == c->addr);
}

/*
 * Smallest subnet with at least `users` usable addresses (DESIGN §2:
 * 2 -> /30, 3-6 -> /29, 7-14 -> /28, ... 127-254 -> /24, up to /16).
 */
int
warp_prefix_for_users(long users, int *prefix, struct warp_err *err)
{
	int	p;

	if (users < 1 || users > 65534)
		return (warp_err_input(err, "expected users must be from 1 to "
		    "65534 (a /16 is the largest overlay subnet), not %ld",
		    users));
	for (p = 30; p >= 16; p--) {
		if ((1L << (32 - p)) - 2 >= users)
			break;
	}
	*prefix = p;
	return (0);
}

/*
 * "IP[,IP]..." of IPv4/IPv6 DNS servers, at most 4; normalised to "a, b".
 */
int
warp_dns_parse(const char *s, char *out, size_t outlen, struct warp_err *err)
{
	char		 item[64];
	const char	*p, *end;
	size_t		 n, count = 0;
	unsigned char	 tmp[16];
	struct warp_buf	 b;

	warp_buf_init(&b);
	p = s;
	if (s == NULL || *s == '\0')
		return (warp_err_input(err, "DNS server list is empty "
		    "(expected e.g. 1.1.1.1,9.9.9.9)"));
	for (;;) {
		while (*p == ' ')
			p++;
		end = p + strcspn(p, ",");
		n = (size_t)(end - p);
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (n == 0 || n >= sizeof(item)) {
			warp_buf_free(&b);
			return (warp_err_input(err, "DNS server list '%s' has "
			    "an empty or overlong entry", s));
		}
		memcpy(item, p, n);
		item[n] = '\0';
		if (strchr(item, ':') != NULL ?
		    inet_pton(AF_INET6, item, tmp) != 1 :
		    warp_ip_parse_quiet(item, (uint32_t *)(void *)tmp) == -1) {
			warp_buf_free(&b);
			return (warp_err_input(err, "DNS server '%s' is not an "
			    "IPv4 or IPv6 address", item));
		}
		if (++count > 4) {
			warp_buf_free(&b);
			return (warp_err_input(err, "at most 4 DNS servers"));
		}
		warp_buf_appendf(&b, "%s%s", count > 1 ? ", " : "", item);
		if (*end == '\0')
			break;
		p = end + 1;
	}
	if (b.len >= outlen) {
		warp_buf_free(&b);
		return (warp_err_input(err, "DNS server list is too long"));
	}
	memcpy(out, b.data, b.len + 1);
	warp_buf_free(&b);
	return (0);
}

/* A public host: IPv4, IPv6 or a DNS name. */
int
warp_host_validate(const char *s, struct warp_err *err)
{
	unsigned char	 tmp[16];
	uint32_t	 ip;
	size_t		 label = 0, total;
	const char	*p;

	if (s == NULL || *s == '\0')
		return (warp_err_input(err, "public host is empty"));
	total = strlen(s);
	if (warp_ip_parse_quiet(s, &ip) == 0)
		return (0);
	if (strchr(s, ':') != NULL) {
		if (inet_pton(AF_INET6, s, tmp) == 1)
			return (0);
		return (warp_err_input(err, "'%s' is not an IPv6 address", s));
	}
	if (total > 253)
		goto bad;
	for (p = s; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				goto bad;
			label = 0;
			continue;
		}
		if (!(isalnum((unsigned char)*p) || *p == '-'))
			goto bad;
		if (label == 0 && *p == '-')
			goto bad;
		if (++label > 63)
			goto bad;
	}
	if (label == 0 || p[-1] == '-')
		goto bad;
	return (0);
bad:
	return (warp_err_input(err, "'%s' is not a valid host name or IP "
	    "address", s));
}
