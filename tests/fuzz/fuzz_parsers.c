/*
 * libFuzzer harness for the core's input parsers (everything that takes
 * text from an admin, a form or the CLI): addresses, prefixes, DNS lists,
 * host names, names, VLANs, VNIs, interface names, timestamps and keys.
 * Besides not crashing, every accepted value must format back to a value
 * that parses to the same thing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "warp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct warp_err		err;
	struct warp_cidr	c, c2;
	uint32_t		ip, ip2, vni;
	int64_t			t, t2;
	int			lo, hi, p;
	uint8_t			key[32];
	char			*s, buf[300], dns[WARP_DNS_MAX];

	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';

	if (warp_ip_parse(s, &ip, &err) == 0) {
		warp_ip_format(ip, buf, sizeof(buf));
		if (warp_ip_parse(buf, &ip2, &err) != 0 || ip != ip2 ||
		    strcmp(buf, s) != 0)
			abort();
	}
	if (warp_cidr_parse(s, &c, &err) == 0) {
		warp_cidr_format(&c, buf, sizeof(buf));
		if (warp_cidr_parse(buf, &c2, &err) != 0 || c.addr != c2.addr ||
		    c.len != c2.len || !warp_cidr_overlaps(&c, &c2))
			abort();
	}
	if (warp_dns_parse(s, dns, sizeof(dns), &err) == 0 &&
	    warp_dns_parse(dns, buf, sizeof(buf), &err) != 0)
		abort();
	(void)warp_host_validate(s, &err);
	(void)warp_name_validate("fuzz", s, &err);
	(void)warp_ifname_validate(s, &err);
	if (warp_vlan_parse(s, NULL, &lo, &hi, &err) == 0 &&
	    (lo < 1 || lo > 4094 || lo != hi))
		abort();
	if (warp_vlan_parse(NULL, s, &lo, &hi, &err) == 0 &&
	    (lo < 1 || hi > 4094 || lo > hi))
		abort();
	if (warp_vni_parse(s, &vni, &err) == 0 && (vni < 1 || vni > 16777215))
		abort();
	if (warp_time_parse(s, &t, &err) == 0) {
		warp_time_format(t, buf, sizeof(buf));
		if (warp_time_parse(buf, &t2, &err) != 0 || t != t2)
			abort();
	}
	if (warp_key_from_base64(s, key) == 0) {
		warp_key_to_base64(key, buf);
		if (strcmp(buf, s) != 0)
			abort();
	}
	if (size <= 8 && size > 0) {
		long	users = 0;

		memcpy(&users, data, size < sizeof(users) ? size : sizeof(users));
		if (warp_prefix_for_users(users, &p, &err) == 0 &&
		    (p < 16 || p > 30 || (1L << (32 - p)) - 2 < users))
			abort();
	}
	free(s);
	return (0);
}
