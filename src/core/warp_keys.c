/*
 * WireGuard keys (X25519 via libsodium) and sealing of secrets at rest.
 *
 * Sealed blob: 0x01 || 24-byte nonce || XChaCha20-Poly1305(plaintext), with
 * the column's name as associated data so a sealed value cannot be moved
 * to another column.  The 32-byte master key lives in a separate 0600 file
 * (see warp_db.c): a copy of the db alone reveals no key.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "warp.h"
#include "warp_db_int.h"

#define SEAL_VERSION	0x01
#define SEAL_NONCE	crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define SEAL_ABYTES	crypto_aead_xchacha20poly1305_ietf_ABYTES

/* As `wg genkey`: random bytes, clamped for X25519. */
int
warp_key_generate(uint8_t priv[WARP_KEY_LEN], uint8_t pub[WARP_KEY_LEN])
{
	randombytes_buf(priv, WARP_KEY_LEN);
	priv[0] &= 248;
	priv[31] = (priv[31] & 127) | 64;
	return (warp_key_public(priv, pub));
}

int
warp_key_public(const uint8_t priv[WARP_KEY_LEN], uint8_t pub[WARP_KEY_LEN])
{
	return (crypto_scalarmult_curve25519_base(pub, priv) == 0 ? 0 : -1);
}

void
warp_key_psk(uint8_t psk[WARP_KEY_LEN])
{
	randombytes_buf(psk, WARP_KEY_LEN);
}

void
warp_key_to_base64(const uint8_t key[WARP_KEY_LEN],
    char b64[WARP_KEY_B64_LEN + 1])
{
	sodium_bin2base64(b64, WARP_KEY_B64_LEN + 1, key, WARP_KEY_LEN,
	    sodium_base64_VARIANT_ORIGINAL);
}

/* Exactly 44 characters of standard base64 decoding to 32 bytes. */
int
warp_key_from_base64(const char *b64, uint8_t key[WARP_KEY_LEN])
{
	size_t		 len;
	const char	*end;
	char		 again[WARP_KEY_B64_LEN + 1];

	if (b64 == NULL || strlen(b64) != WARP_KEY_B64_LEN)
		return (-1);
	if (sodium_base642bin(key, WARP_KEY_LEN, b64, WARP_KEY_B64_LEN, NULL,
	    &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    len != WARP_KEY_LEN || *end != '\0')
		return (-1);
	/* Refuse non-canonical encodings (stray low bits in the last char). */
	warp_key_to_base64(key, again);
	if (strcmp(again, b64) != 0)
		return (-1);
	return (0);
}

int
warp_seal(struct warp_db *db, const char *context, const void *plain,
    size_t len, uint8_t **out, size_t *outlen, struct warp_err *err)
{
	uint8_t			*blob;
	unsigned long long	 clen;

	if (!db->has_master_key)
		return (warp_err_system(err, "the master key is not loaded"));
	*outlen = 1 + SEAL_NONCE + len + SEAL_ABYTES;
	blob = warp_xcalloc(1, *outlen);
	blob[0] = SEAL_VERSION;
	randombytes_buf(blob + 1, SEAL_NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(blob + 1 + SEAL_NONCE, &clen,
	    plain, len, (const uint8_t *)context, strlen(context), NULL,
	    blob + 1, db->master_key);
	*out = blob;
	return (0);
}

/* The plaintext is NUL-terminated for convenience; free with
 * warp_secret_free(p, len + 1). */
int
warp_unseal(struct warp_db *db, const char *context, const uint8_t *blob,
    size_t len, uint8_t **out, size_t *outlen, struct warp_err *err)
{
	uint8_t			*plain;
	unsigned long long	 plen;

	if (!db->has_master_key)
		return (warp_err_system(err, "the master key is not loaded"));
	if (blob == NULL || len < 1 + SEAL_NONCE + SEAL_ABYTES ||
	    blob[0] != SEAL_VERSION)
		return (warp_err_system(err, "a sealed %s is malformed",
		    context));
	plain = warp_xcalloc(1, len - 1 - SEAL_NONCE - SEAL_ABYTES + 1);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &plen, NULL,
	    blob + 1 + SEAL_NONCE, len - 1 - SEAL_NONCE, (const uint8_t *)context,
	    strlen(context), blob + 1, db->master_key) != 0) {
		free(plain);
		return (warp_err_system(err, "cannot decrypt a sealed %s: wrong "
		    "master key or damaged database", context));
	}
	plain[plen] = '\0';
	*out = plain;
	*outlen = (size_t)plen;
	return (0);
}

void
warp_secret_free(void *p, size_t len)
{
	if (p == NULL)
		return;
	sodium_memzero(p, len);
	free(p);
}
