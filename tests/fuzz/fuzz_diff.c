/*
 * libFuzzer harness for the config text handling: secret masking and the
 * line diff, fed arbitrary text split in two.  Masked output must not
 * contain the value of a PrivateKey line, and a diff of a text with itself
 * has no +/- lines.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "warp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*a, *b, *d, *m, *p;
	size_t	 half = size / 2;

	if (memchr(data, '\0', size) != NULL)
		return (0);
	a = malloc(half + 1);
	b = malloc(size - half + 1);
	memcpy(a, data, half);
	a[half] = '\0';
	memcpy(b, data + half, size - half);
	b[size - half] = '\0';

	d = warp_config_diff(a, b, "a", "b");
	free(d);
	d = warp_config_diff(a, a, "a", "a");
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
	m = warp_config_mask_secrets(a);
	if (strncmp(a, "PrivateKey = ", 13) == 0 && strlen(a) > 21 &&
	    strchr(a, '\n') == NULL && strpbrk(a + 13,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != NULL &&
	    strstr(m + 13, a + 13) != NULL)
		abort();
	free(m);
	free(a);
	free(b);
	return (0);
}
