/* Validators and parsers: good input accepted canonically, bad refused. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "warp.h"
#include "warp_traffic.h"

static void
test_ip(void)
{
	struct warp_err	err;
	uint32_t	ip;
	char		buf[WARP_IP_STRLEN];
	const char	*bad[] = { "", "1.2.3", "1.2.3.4.5", "256.1.1.1",
	    "01.2.3.4", "1.2.3.4 ", " 1.2.3.4", "1..3.4", "a.b.c.d", "-1.2.3.4",
	    "1.2.3.4/32", "0x1.2.3.4", NULL };
	int		i;

	CHECK(warp_ip_parse("192.0.2.10", &ip, &err) == 0 && ip == 0xc000020a,
	    "ip: 192.0.2.10 parses");
	warp_ip_format(ip, buf, sizeof(buf));
	CHECK_STR(buf, "192.0.2.10", "ip: formats back");
	CHECK(warp_ip_parse("0.0.0.0", &ip, &err) == 0 && ip == 0,
	    "ip: 0.0.0.0 parses");
	for (i = 0; bad[i] != NULL; i++)
		CHECK(warp_ip_parse(bad[i], &ip, &err) == -1 &&
		    err.kind == WARP_EINPUT, "ip: '%s' refused", bad[i]);
}

static void
test_cidr(void)
{
	struct warp_err		err;
	struct warp_cidr	c, d;
	char			buf[WARP_CIDR_STRLEN];
	const char		*bad[] = { "10.0.0.0", "10.0.0.0/", "10.0.0.0/33",
	    "10.0.0.0/08", "10.0.0.0/-1", "10.0.0/24", "10.0.0.0/24 ",
	    "10.0.0.0/2a", "/24", NULL };
	int			i;

	CHECK(warp_cidr_parse("10.20.0.0/24", &c, &err) == 0 &&
	    c.addr == 0x0a140000 && c.len == 24, "cidr: 10.20.0.0/24 parses");
	warp_cidr_format(&c, buf, sizeof(buf));
	CHECK_STR(buf, "10.20.0.0/24", "cidr: formats back");
	CHECK(warp_cidr_parse("0.0.0.0/0", &c, &err) == 0 && c.len == 0,
	    "cidr: 0.0.0.0/0 parses");
	CHECK(warp_cidr_parse("10.0.0.1/24", &c, &err) == -1 &&
	    strstr(err.msg, "did you mean 10.0.0.0/24") != NULL,
	    "cidr: host bits refused with a suggestion");
	for (i = 0; bad[i] != NULL; i++)
		CHECK(warp_cidr_parse(bad[i], &c, &err) == -1,
		    "cidr: '%s' refused", bad[i]);
	warp_cidr_parse("10.0.0.0/16", &c, &err);
	warp_cidr_parse("10.0.5.0/24", &d, &err);
	CHECK(warp_cidr_overlaps(&c, &d) && warp_cidr_overlaps(&d, &c),
	    "cidr: /16 and contained /24 overlap");
	warp_cidr_parse("10.1.0.0/24", &d, &err);
	CHECK(!warp_cidr_overlaps(&c, &d), "cidr: disjoint prefixes do not "
	    "overlap");
	CHECK(warp_cidr_contains(&c, 0x0a00ffff) &&
	    !warp_cidr_contains(&c, 0x0a010000), "cidr: contains");
}

static void
test_sizing(void)
{
	struct {
		long	users;
		int	prefix;
	} t[] = { { 1, 30 }, { 2, 30 }, { 3, 29 }, { 6, 29 }, { 7, 28 },
	    { 14, 28 }, { 15, 27 }, { 30, 27 }, { 31, 26 }, { 126, 25 },
	    { 127, 24 }, { 254, 24 }, { 255, 23 }, { 65534, 16 } };
	struct warp_err	err;
	size_t		i;
	int		p;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK(warp_prefix_for_users(t[i].users, &p, &err) == 0 &&
		    p == t[i].prefix, "sizing: %ld users -> /%d", t[i].users,
		    t[i].prefix);
	CHECK(warp_prefix_for_users(0, &p, &err) == -1, "sizing: 0 refused");
	CHECK(warp_prefix_for_users(65535, &p, &err) == -1 &&
	    strstr(err.msg, "/16") != NULL, "sizing: beyond a /16 refused");
}

static void
test_vlan_vni(void)
{
	struct warp_err	err;
	int		lo, hi;
	uint32_t	vni;
	const char	*badvlan[] = { "0", "4095", "-1", "01", "1x", "", NULL };
	const char	*badrange[] = { "10", "0-10", "10-4095", "20-10",
	    "a-b", "10-", "-10", NULL };
	const char	*badvni[] = { "0", "16777216", "-5", "007", "1e3", "",
	    NULL };
	int		i;

	CHECK(warp_vlan_parse("1", NULL, &lo, &hi, &err) == 0 && lo == 1 &&
	    hi == 1, "vlan: 1 accepted");
	CHECK(warp_vlan_parse("4094", NULL, &lo, &hi, &err) == 0 && lo == 4094,
	    "vlan: 4094 accepted");
	CHECK(warp_vlan_parse(NULL, "100-199", &lo, &hi, &err) == 0 &&
	    lo == 100 && hi == 199, "vlan: range 100-199 accepted");
	CHECK(warp_vlan_parse(NULL, NULL, &lo, &hi, &err) == 0 && lo == 0,
	    "vlan: none is untagged");
	CHECK(warp_vlan_parse("5", "1-9", &lo, &hi, &err) == -1 &&
	    strstr(err.msg, "not both") != NULL, "vlan: id and range refused");
	for (i = 0; badvlan[i] != NULL; i++)
		CHECK(warp_vlan_parse(badvlan[i], NULL, &lo, &hi, &err) == -1 &&
		    strstr(err.msg, "1 to 4094") != NULL, "vlan: '%s' refused",
		    badvlan[i]);
	for (i = 0; badrange[i] != NULL; i++)
		CHECK(warp_vlan_parse(NULL, badrange[i], &lo, &hi, &err) == -1,
		    "vlan range: '%s' refused", badrange[i]);
	CHECK(warp_vni_parse("1", &vni, &err) == 0 && vni == 1,
	    "vni: 1 accepted");
	CHECK(warp_vni_parse("16777215", &vni, &err) == 0 && vni == 16777215,
	    "vni: 16777215 accepted");
	for (i = 0; badvni[i] != NULL; i++)
		CHECK(warp_vni_parse(badvni[i], &vni, &err) == -1,
		    "vni: '%s' refused", badvni[i]);
}

static void
test_names(void)
{
	struct warp_err	err;
	const char	*good[] = { "office", "a", "Site-B_2.lan",
	    "abcdefghijklmnopqrstuvwxyz012345", "1st-floor", NULL };
	const char	*bad[] = { "", "abcdefghijklmnopqrstuvwxyz0123456",
	    "-x", ".x", "a b", "a/b", "<script>", "naïve", "12345", "a\nb",
	    NULL };
	int		i;

	for (i = 0; good[i] != NULL; i++)
		CHECK(warp_name_validate("network", good[i], &err) == 0,
		    "name: '%s' accepted", good[i]);
	for (i = 0; bad[i] != NULL; i++)
		CHECK(warp_name_validate("network", bad[i], &err) == -1 &&
		    err.kind == WARP_EINPUT, "name: bad name #%d refused (%s)",
		    i, err.msg);
	CHECK(warp_ifname_validate("wg12345678", &err) == 0,
	    "ifname: wg12345678 accepted");
	CHECK(warp_ifname_validate("vrf123456789012", &err) == 0,
	    "ifname: 15 bytes accepted");
	CHECK(warp_ifname_validate("vrf1234567890123", &err) == -1,
	    "ifname: 16 bytes refused (IFNAMSIZ)");
	CHECK(warp_ifname_validate("a/b", &err) == -1 &&
	    warp_ifname_validate("a b", &err) == -1 &&
	    warp_ifname_validate("", &err) == -1, "ifname: bad characters "
	    "refused");
}

static void
test_time_dns_host(void)
{
	struct warp_err	err;
	int64_t		t;
	char		buf[WARP_DNS_MAX];

	CHECK(warp_time_parse("2030-01-02T03:04:05Z", &t, &err) == 0 &&
	    t == 1893553445, "time: UTC timestamp parses");
	CHECK(warp_time_parse("2030-02-31T00:00:00Z", &t, &err) == -1,
	    "time: 31 February refused");
	CHECK(warp_time_parse("2030-01-02 03:04:05", &t, &err) == -1 &&
	    warp_time_parse("2030-01-02T03:04:05+01:00", &t, &err) == -1,
	    "time: other formats refused");
	CHECK(warp_dns_parse("1.1.1.1,9.9.9.9", buf, sizeof(buf), &err) == 0,
	    "dns: two IPv4 servers accepted");
	CHECK_STR(buf, "1.1.1.1, 9.9.9.9", "dns: normalised");
	CHECK(warp_dns_parse("2606:4700:4700::1111, 1.1.1.1", buf, sizeof(buf),
	    &err) == 0, "dns: IPv6 accepted");
	CHECK(warp_dns_parse("1.1.1.1,,2.2.2.2", buf, sizeof(buf), &err) == -1 &&
	    warp_dns_parse("dns.google", buf, sizeof(buf), &err) == -1 &&
	    warp_dns_parse("1.1.1.1,2.2.2.2,3.3.3.3,4.4.4.4,5.5.5.5", buf,
	    sizeof(buf), &err) == -1 && warp_dns_parse("", buf, sizeof(buf),
	    &err) == -1, "dns: malformed lists refused");
	CHECK(warp_host_validate("vpn.example.com", &err) == 0 &&
	    warp_host_validate("203.0.113.9", &err) == 0 &&
	    warp_host_validate("2001:db8::1", &err) == 0,
	    "host: name, IPv4 and IPv6 accepted");
	CHECK(warp_host_validate("bad host", &err) == -1 &&
	    warp_host_validate("-a.example", &err) == -1 &&
	    warp_host_validate("", &err) == -1 &&
	    warp_host_validate("a..b", &err) == -1, "host: bad names refused");
}

static void
test_keys(void)
{
	uint8_t	priv[32], pub[32], pub2[32], back[32];
	char	b64[45];

	warp_key_generate(priv, pub);
	CHECK((priv[0] & 7) == 0 && (priv[31] & 0x80) == 0 &&
	    (priv[31] & 0x40) != 0, "keys: private key clamped as wg genkey");
	warp_key_public(priv, pub2);
	CHECK(memcmp(pub, pub2, 32) == 0, "keys: public key derivable");
	warp_key_to_base64(pub, b64);
	CHECK(strlen(b64) == 44 && b64[43] == '=', "keys: base64 is 44 "
	    "characters with padding");
	CHECK(warp_key_from_base64(b64, back) == 0 && memcmp(back, pub, 32) == 0,
	    "keys: base64 round trip");
	CHECK(warp_key_from_base64("short", back) == -1 &&
	    warp_key_from_base64("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!=",
	    back) == -1, "keys: malformed base64 refused");
	b64[42] = b64[42] == 'A' ? 'B' : 'A';	/* non-canonical low bits */
	CHECK(warp_key_from_base64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=",
	    back) == -1, "keys: non-canonical encoding refused");
}

/* warp_fmt_int (pages and lists print numbers without printf). */
static void
test_fmt_int(void)
{
	static const long long	 v[] = { 0, 7, -1, 42, 1000000, -987654321,
	    LLONG_MAX, LLONG_MIN };
	char			 buf[WARP_FMT_INT_LEN], want[32];
	size_t			 i, same = 0;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		(void)snprintf(want, sizeof(want), "%lld", v[i]);
		same += strcmp(warp_fmt_int(v[i], buf), want) == 0;
	}
	CHECK(same == sizeof(v) / sizeof(v[0]), "warp_fmt_int writes what "
	    "%%lld writes, LLONG_MIN and LLONG_MAX included (%zu of %zu)",
	    same, sizeof(v) / sizeof(v[0]));
}

/*
 * The formatters the lists use instead of printf write what printf and
 * strftime wrote: addresses, subnets, times, rates, interface names and
 * copies cut to their buffers (5,000 random values each, and the edges).
 */
static void
test_fmt_noprintf(void)
{
	static const uint64_t	 rates[] = { 0, 1, 999, 1000, 1500, 2000000,
	    3000000000ULL, 1000000001ULL, 18446744073709551615ULL };
	struct warp_network	 n;
	struct warp_cidr	 c;
	struct tm		 tm;
	char			 got[64], want[64], tbuf[40];
	time_t			 tt;
	uint32_t		 ip;
	size_t			 i, bad = 0, k;
	int64_t			 t;

	srandom(11);
	for (i = 0; i < 5000 + 3; i++) {
		ip = i == 0 ? 0 : i == 1 ? 0xffffffffU : i == 2 ? 0x0a000001U :
		    (uint32_t)random() ^ ((uint32_t)random() << 16);
		warp_ip_format(ip, got, sizeof(got));
		(void)snprintf(want, sizeof(want), "%u.%u.%u.%u", ip >> 24,
		    (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
		bad += strcmp(got, want) != 0;
		for (k = 0; k < 18; k += 5) {	/* cut short as snprintf */
			warp_ip_format(ip, got, k);
			(void)snprintf(want, k, "%u.%u.%u.%u", ip >> 24,
			    (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
			bad += k > 0 && strcmp(got, want) != 0;
		}
		c.addr = ip;
		c.len = (int)(i % 33);
		warp_cidr_format(&c, got, sizeof(got));
		(void)snprintf(want, sizeof(want), "%u.%u.%u.%u/%d", ip >> 24,
		    (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff, c.len);
		bad += strcmp(got, want) != 0;
		t = i == 0 ? 0 : i == 1 ? 253402300799LL : i == 2 ?
		    951782400LL : (int64_t)(random() % 4102444800LL);
		warp_time_format(t, got, sizeof(got));
		tt = (time_t)t;
		(void)gmtime_r(&tt, &tm);
		(void)strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
		bad += strcmp(got, want) != 0;
		memset(&n, 0, sizeof(n));
		n.vcid = i == 0 ? 0 : i == 1 ? 4294967295U :
		    (uint32_t)(10000000 + random() % 90000000);
		warp_network_ifnames(&n);
		(void)snprintf(want, sizeof(want), "wg%08u", n.vcid);
		bad += strcmp(n.if_wg, want) != 0;
		(void)snprintf(want, sizeof(want), "vrf%08u", n.vcid);
		bad += strncmp(n.if_vrf, want, sizeof(n.if_vrf) - 1) != 0;
	}
	CHECK(bad == 0, "addresses, subnets, times and interface names "
	    "without printf: what printf and strftime write, also cut to a "
	    "short buffer (%zu differ)", bad);
	warp_time_format(0, tbuf, 10);
	CHECK(strcmp(tbuf, "?") == 0, "a time that does not fit: \"?\"");
	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		warp_rate_format(rates[i], got, sizeof(got));
		if (rates[i] == 0)
			(void)snprintf(want, sizeof(want), "none");
		else if (rates[i] % 1000000000ULL == 0)
			(void)snprintf(want, sizeof(want), "%llugbit",
			    (unsigned long long)(rates[i] / 1000000000ULL));
		else if (rates[i] >= 1000000 && rates[i] % 1000000 == 0)
			(void)snprintf(want, sizeof(want), "%llumbit",
			    (unsigned long long)(rates[i] / 1000000));
		else if (rates[i] >= 1000 && rates[i] % 1000 == 0)
			(void)snprintf(want, sizeof(want), "%llukbit",
			    (unsigned long long)(rates[i] / 1000));
		else
			(void)snprintf(want, sizeof(want), "%llubit",
			    (unsigned long long)rates[i]);
		bad += strcmp(got, want) != 0;
	}
	CHECK(bad == 0, "rates without printf: none, gbit, mbit, kbit, bit as "
	    "before, the largest included");
	CHECK(warp_strlcpy(got, "abcdef", 4) == 6 && strcmp(got, "abc") == 0 &&
	    warp_strlcpy(got, NULL, sizeof(got)) == 0 && got[0] == '\0',
	    "warp_strlcpy cuts to its buffer and says how long the source is");
	warp_fmt_join(got, 6, "ab", "cd", "ef");
	CHECK(strcmp(got, "abcde") == 0, "warp_fmt_join cuts as snprintf");
}

/* The JSON string writer as it was (one append per run): the reference. */
static void
json_string_ref(struct warp_buf *b, const char *s)
{
	const unsigned char	*p;
	char			 u[8];

	warp_buf_append(b, "\"", 1);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"':	warp_buf_append(b, "\\\"", 2); break;
		case '\\':	warp_buf_append(b, "\\\\", 2); break;
		case '\n':	warp_buf_append(b, "\\n", 2); break;
		case '\r':	warp_buf_append(b, "\\r", 2); break;
		case '\t':	warp_buf_append(b, "\\t", 2); break;
		case '<':	warp_buf_append(b, "\\u003c", 6); break;
		default:
			if (*p < 0x20) {
				(void)snprintf(u, sizeof(u), "\\u%04x", *p);
				warp_buf_append(b, u, 6);
			} else
				warp_buf_append(b, (const char *)p, 1);
		}
	}
	warp_buf_append(b, "\"", 1);
}

/*
 * warp_buf_json_string (every string of the API) writes what the
 * reference writes for 3,000 random strings of every byte but NUL, from
 * empty to 3,000 bytes and mostly escapes, appended after other text.
 */
static void
test_json_string(void)
{
	struct warp_buf	a, b;
	char		s[3001];
	size_t		i, k, len, bad = 0;

	srandom(5);
	for (i = 0; i < 3000; i++) {
		len = (size_t)random() % (i % 10 == 0 ? 3000 : 40);
		for (k = 0; k < len; k++)
			s[k] = i % 3 == 0 ? "\"<\\\n\x01a"[random() % 6] :
			    (char)(1 + random() % 255);
		s[len] = '\0';
		warp_buf_init(&a);
		warp_buf_init(&b);
		warp_buf_append(&a, "x:", 2);
		warp_buf_append(&b, "x:", 2);
		warp_buf_json_string(&a, s);
		json_string_ref(&b, s);
		bad += a.len != b.len || memcmp(a.data, b.data, a.len) != 0 ||
		    a.data[a.len] != '\0';
		warp_buf_free(&a);
		warp_buf_free(&b);
	}
	warp_buf_init(&a);
	warp_buf_json_string(&a, NULL);
	CHECK(bad == 0 && strcmp(a.data, "\"\"") == 0, "JSON strings: what the "
	    "one-append-per-run writer wrote, on 3,000 random strings of "
	    "every byte but NUL, mostly escapes included (%zu differ); NULL "
	    "is \"\"", bad);
	warp_buf_free(&a);
}

int
main(void)
{
	test_ip();
	test_cidr();
	test_sizing();
	test_vlan_vni();
	test_names();
	test_time_dns_host();
	test_keys();
	test_fmt_int();
	test_fmt_noprintf();
	test_json_string();
	return (check_done());
}
