/*
 * libFuzzer harness for the traffic parsers (rates, sizes, periods,
 * --since): no
 * crash, every accepted value within its documented range, and every
 * accepted value formats back to text that parses to the same value.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warp.h"
#include "warp_traffic.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct warp_err		err;
	enum warp_period	p;
	uint64_t		v, v2;
	int			inh;
	int64_t			t;
	char			*s, buf[64];

	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';

	if (warp_rate_parse(s, &v, &inh, &err) == 0) {
		if (!inh && v != 0 && (v < WARP_RATE_MIN || v > WARP_RATE_MAX))
			abort();
		warp_rate_format(v, buf, sizeof(buf));
		if (warp_rate_parse(buf, &v2, NULL, &err) != 0 || v != v2)
			abort();
	} else if (err.kind != WARP_EINPUT || err.msg[0] == '\0')
		abort();
	if (warp_size_parse(s, &v, &err) == 0) {
		if (v > WARP_SIZE_MAX)
			abort();
		(void)snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
		if (v != 0 && (warp_size_parse(buf, &v2, &err) != 0 ||
		    v != v2))
			abort();
		warp_size_format(v, buf, sizeof(buf));
	} else if (err.kind != WARP_EINPUT || err.msg[0] == '\0')
		abort();
	if (warp_period_parse(s, &p, &err) == 0 &&
	    strcmp(warp_period_name(p), s) != 0)
		abort();
	(void)warp_period_next(WARP_PERIOD_MONTH, (int64_t)size * 86400 * 31);
	if (warp_since_parse(s, 2000000000, &t, &err) == 0 &&
	    (t > 2000000000 || (t < 2000000000 - 400LL * 86400 &&
	    strchr(s, 'T') == NULL)))
		abort();
	free(s);
	return (0);
}
