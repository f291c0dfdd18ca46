/*
 * libFuzzer harness for what the sign-in path takes from outside before
 * any password check: the pre-login token (cookie and form field), the
 * client address (X-Real-IP from the proxy) and user names quoted for the
 * log.  Invariants: a forged token never verifies, an address key is
 * bounded and NUL-terminated, a quoted string is one printable line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "warp.h"
#include "warp_auth.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t	key[WARP_PRELOGIN_KEYLEN];
	static int	init;
	uint8_t		nonce[WARP_PRELOGIN_NONCELEN];
	int64_t		issued;
	char		*s, k[WARP_LOGIN_ADDRKEY_MAX], q[200];
	size_t		i;

	if (!init) {
		if (sodium_init() == -1)
			abort();
		randombytes_buf(key, sizeof(key));
		init = 1;
	}
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	/* Nobody can forge the MAC without the key. */
	if (warp_prelogin_verify(key, s, 1800000000, nonce, &issued) == 1)
		abort();
	warp_login_addr_key(s, k, sizeof(k));
	if (memchr(k, '\0', sizeof(k)) == NULL)
		abort();
	warp_str_quote(s, 32, q, sizeof(q));
	if (q[0] != '"' || strlen(q) < 2 || q[strlen(q) - 1] != '"')
		abort();
	for (i = 1; i + 1 < strlen(q); i++)
		if ((unsigned char)q[i] < 0x20 || (unsigned char)q[i] >= 0x7f ||
		    q[i] == '"')
			abort();
	free(s);
	return (0);
}
