/*
 * WireGuard keys (X25519 via libsodium) and sealing of secrets at rest.
 *
 * The 32-byte master key lives in a separate root-only file (see
 * warp_db.c): a copy of the db alone reveals no key.  The web workers
 * never hold it; they get only the two keys derived from it that they
 * need (warp_db_worker_keys):
 *
 *   work key   KDF(master, 1, "warpseal"): XChaCha20-Poly1305 for the
 *              secrets a worker must read to render and serve client
 *              configs (endpoints' private and preshared keys, config
 *              text);
 *   root pair  X25519, secret KDF(master, 2, "warpseal"): the gateway's
 *              own private keys (networks.private_key) are sealed to its
 *              public half, which a worker holds to seal a new network's
 *              key but cannot open.  Only the reconciler (root) reads
 *              them.
 *
 * Sealed blob, by its first byte:
 *   0x01  legacy: XChaCha20-Poly1305 under the master key itself; opened
 *         by root only, and sealed again as 0x02/0x03 by warp_db_reseal()
 *         (warpd's root parent at start, and restore);
 *   0x02  nonce(24) || XChaCha20-Poly1305 under the work key;
 *   0x03  crypto_box_seal(hash16(context) || secret) to the root pair.
 *
 * A seal check (warp_seal_check, root only): SipHash-2-4 (128-bit) under
 * KDF(master, 3 or 4, "warpseal") of a row's id, its sealed value and
 * the key it opens to: an endpoint's preshared key (3, WARP_SEAL_PSK),
 * or the public key of a network's private key (4, WARP_SEAL_NETKEY).
 * The reconciler stores it when it has opened a value, and later
 * compares a key the kernel shows it (a peer's preshared key, a device's
 * public key) without opening the value again: the check matches only
 * if root itself saw that value open to that key.  One subkey per kind,
 * so a check of one kind never passes for the other.
 * The column's name ("table.column") is the associated data (0x01, 0x02)
 * or the hash prefix (0x03), so a sealed value cannot be moved to
 * another column.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "warp.h"
#include "warp_db_int.h"

#define SEAL_LEGACY	0x01	/* under the master key: before 0x02/0x03 */
#define SEAL_WORK	0x02	/* under the work key */
#define SEAL_ROOT	0x03	/* sealed box to the root pair */
#define SEAL_TAG	16	/* hash of the column, inside a 0x03 box */
#define SEAL_KDF_CONTEXT	"warpseal"
#define SEAL_KDF_WORK	1
#define SEAL_KDF_ROOT	2
#define SEAL_KDF_CHECK	3	/* + enum warp_seal_kind */
#define SEAL_CHECK_MAXIN	256	/* id, secret and sealed value hashed */
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

/* The columns only root reads: sealed to the root pair. */
static int
warp_seal_root_only(const char *context)
{
	return (strcmp(context, "networks.private_key") == 0);
}

static void
warp_keys_work(const uint8_t master[WARP_MASTER_KEY_LEN],
    uint8_t work[WARP_MASTER_KEY_LEN])
{
	crypto_kdf_derive_from_key(work, WARP_MASTER_KEY_LEN, SEAL_KDF_WORK,
	    SEAL_KDF_CONTEXT, master);
}

static void
warp_keys_root(const uint8_t master[WARP_MASTER_KEY_LEN],
    uint8_t sk[crypto_box_SECRETKEYBYTES], uint8_t pk[crypto_box_PUBLICKEYBYTES])
{
	crypto_kdf_derive_from_key(sk, crypto_box_SECRETKEYBYTES,
	    SEAL_KDF_ROOT, SEAL_KDF_CONTEXT, master);
	crypto_scalarmult_curve25519_base(pk, sk);
}

/*
 * The check of kind of row id's sealed value blob opening to key (see
 * the top of this file); -1 without the master key (a worker), for an
 * unknown kind or for a value too long to be a sealed key.
 */
int
warp_seal_check(struct warp_db *db, enum warp_seal_kind kind, int64_t id,
    const uint8_t *blob, size_t len, const uint8_t key[WARP_KEY_LEN],
    uint8_t out[WARP_SEAL_CHECK_LEN])
{
	uint8_t	in[SEAL_CHECK_MAXIN];
	size_t	i;

	if (!db->has_master_key || blob == NULL ||
	    (kind != WARP_SEAL_PSK && kind != WARP_SEAL_NETKEY) ||
	    len > sizeof(in) - 8 - WARP_KEY_LEN)
		return (-1);
	if (!(db->has_check_key & (1 << kind))) {
		crypto_kdf_derive_from_key(db->check_key[kind],
		    sizeof(db->check_key[kind]), SEAL_KDF_CHECK + kind,
		    SEAL_KDF_CONTEXT, db->master_key);
		db->has_check_key |= 1 << kind;
	}
	for (i = 0; i < 8; i++)
		in[i] = (uint8_t)((uint64_t)id >> (8 * i));
	memcpy(in + 8, key, WARP_KEY_LEN);
	memcpy(in + 8 + WARP_KEY_LEN, blob, len);
	crypto_shorthash_siphashx24(out, in, 8 + WARP_KEY_LEN + len,
	    db->check_key[kind]);
	sodium_memzero(in, sizeof(in));
	return (0);
}

/* What a web worker gets instead of the master key. */
void
warp_keys_worker_derive(const uint8_t master[WARP_MASTER_KEY_LEN],
    struct warp_worker_keys *wk)
{
	uint8_t	sk[crypto_box_SECRETKEYBYTES];

	warp_keys_work(master, wk->work);
	warp_keys_root(master, sk, wk->root_pub);
	sodium_memzero(sk, sizeof(sk));
}

/* The work key and the root public key, from the master or a worker's. */
static int
warp_keys_get(struct warp_db *db, struct warp_worker_keys *wk,
    struct warp_err *err)
{
	if (db->has_master_key) {
		/* Derived once per loaded key: the root public key costs a
		 * scalar multiplication, and a bulk add or an apply seals or
		 * opens one value per endpoint. */
		if (!db->has_derived_keys) {
			warp_keys_work(db->master_key, db->derived_keys.work);
			warp_keys_root(db->master_key, db->root_sk,
			    db->derived_keys.root_pub);
			db->has_derived_keys = 1;
		}
		*wk = db->derived_keys;
		return (0);
	}
	if (db->has_worker_keys) {
		*wk = db->worker_keys;
		return (0);
	}
	return (warp_err_system(err, "the master key is not loaded"));
}

static void
warp_seal_tag(const char *context, uint8_t tag[SEAL_TAG])
{
	crypto_generichash(tag, SEAL_TAG, (const uint8_t *)context,
	    strlen(context), NULL, 0);
}

int
warp_seal(struct warp_db *db, const char *context, const void *plain,
    size_t len, uint8_t **out, size_t *outlen, struct warp_err *err)
{
	struct warp_worker_keys	 wk;
	uint8_t			*blob, *tagged;
	unsigned long long	 clen;

	if (warp_keys_get(db, &wk, err) == -1)
		return (-1);
	if (warp_seal_root_only(context)) {
		tagged = warp_xcalloc(1, SEAL_TAG + len);
		warp_seal_tag(context, tagged);
		memcpy(tagged + SEAL_TAG, plain, len);
		*outlen = 1 + crypto_box_SEALBYTES + SEAL_TAG + len;
		blob = warp_xcalloc(1, *outlen);
		blob[0] = SEAL_ROOT;
		(void)crypto_box_seal(blob + 1, tagged, SEAL_TAG + len,
		    wk.root_pub);
		warp_secret_free(tagged, SEAL_TAG + len);
	} else {
		*outlen = 1 + SEAL_NONCE + len + SEAL_ABYTES;
		blob = warp_xcalloc(1, *outlen);
		blob[0] = SEAL_WORK;
		randombytes_buf(blob + 1, SEAL_NONCE);
		crypto_aead_xchacha20poly1305_ietf_encrypt(blob + 1 + SEAL_NONCE,
		    &clen, plain, len, (const uint8_t *)context,
		    strlen(context), NULL, blob + 1, wk.work);
	}
	sodium_memzero(&wk, sizeof(wk));
	*out = blob;
	return (0);
}

/* 0x01 (master) and 0x02 (work key): XChaCha20-Poly1305. */
static int
warp_unseal_aead(const uint8_t key[WARP_MASTER_KEY_LEN], const char *context,
    const uint8_t *blob, size_t len, uint8_t **out, size_t *outlen)
{
	uint8_t			*plain;
	unsigned long long	 plen;

	if (len < 1 + SEAL_NONCE + SEAL_ABYTES)
		return (-1);
	plain = warp_xcalloc(1, len - 1 - SEAL_NONCE - SEAL_ABYTES + 1);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &plen, NULL,
	    blob + 1 + SEAL_NONCE, len - 1 - SEAL_NONCE, (const uint8_t *)context,
	    strlen(context), blob + 1, key) != 0) {
		free(plain);
		return (-1);
	}
	plain[plen] = '\0';
	*out = plain;
	*outlen = (size_t)plen;
	return (0);
}

/* 0x03: sealed to the root pair; the tag must name this column. */
static int
warp_unseal_root(struct warp_db *db, const char *context, const uint8_t *blob,
    size_t len, uint8_t **out, size_t *outlen)
{
	struct warp_worker_keys	wk;
	struct warp_err		e2;
	uint8_t			tag[SEAL_TAG], *tagged, *plain;
	size_t			tlen;
	int			rc;

	if (len < 1 + crypto_box_SEALBYTES + SEAL_TAG ||
	    warp_keys_get(db, &wk, &e2) == -1)	/* root: db->root_sk */
		return (-1);
	tlen = len - 1 - crypto_box_SEALBYTES;
	tagged = warp_xcalloc(1, tlen);
	rc = crypto_box_seal_open(tagged, blob + 1, len - 1, wk.root_pub,
	    db->root_sk);
	sodium_memzero(&wk, sizeof(wk));
	warp_seal_tag(context, tag);
	if (rc != 0 || sodium_memcmp(tag, tagged, SEAL_TAG) != 0) {
		warp_secret_free(tagged, tlen);
		return (-1);
	}
	plain = warp_xcalloc(1, tlen - SEAL_TAG + 1);
	memcpy(plain, tagged + SEAL_TAG, tlen - SEAL_TAG);
	warp_secret_free(tagged, tlen);
	*out = plain;
	*outlen = tlen - SEAL_TAG;
	return (0);
}

/* The plaintext is NUL-terminated for convenience; free with
 * warp_secret_free(p, len + 1). */
int
warp_unseal(struct warp_db *db, const char *context, const uint8_t *blob,
    size_t len, uint8_t **out, size_t *outlen, struct warp_err *err)
{
	struct warp_worker_keys	wk;
	int			rc;

	if (!db->has_master_key && !db->has_worker_keys)
		return (warp_err_system(err, "the master key is not loaded"));
	if (blob == NULL || len < 1)
		return (warp_err_system(err, "a sealed %s is malformed",
		    context));
	switch (blob[0]) {
	case SEAL_LEGACY:
	case SEAL_ROOT:
		if (!db->has_master_key && blob[0] == SEAL_LEGACY)
			return (warp_err_system(err, "a sealed %s is still "
			    "under the master key (from before the workers' "
			    "own key): restart warpd to seal it again",
			    context));
		if (!db->has_master_key)
			return (warp_err_system(err, "a sealed %s is the "
			    "gateway's alone: only root opens it", context));
		rc = blob[0] == SEAL_ROOT ?
		    warp_unseal_root(db, context, blob, len, out, outlen) : warp_unseal_aead(db->master_key, context, blob,
		    len, out, outlen);
		break;
	case SEAL_WORK:
		if (warp_keys_get(db, &wk, err) == -1)
			return (-1);
		rc = warp_unseal_aead(wk.work, context, blob, len, out, outlen);
		sodium_memzero(&wk, sizeof(wk));
		break;
	default:
		return (warp_err_system(err, "a sealed %s is malformed",
		    context));
	}
	if (rc == -1)
		return (warp_err_system(err, "cannot decrypt a sealed %s: wrong "
		    "master key or damaged database", context));
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
