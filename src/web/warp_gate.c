/*
 * warpd: what the sign-in limits need across workers, in one shared page
 * mapped by the parent before the workers fork:
 *
 *  - the global cap on argon2id checks in flight (WARP_GATE_HASHES), each
 *    worker's share counted apart so a worker that dies and restarts gives
 *    its share back;
 *  - per-account claims: one password check per account at a time, so
 *    requests held through a back-off from many addresses are let through
 *    one by one, not all at once when it ends;
 *  - the key of the pre-login form tokens (random per start).
 *
 * Nothing here is a secret worth more than an hour: the key only
 * authenticates pre-login form tokens that expire after 10 minutes.
 */
#include <sys/mman.h>

#include <stdint.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include <kore/kore.h>

#include "warp.h"
#include "warp_auth.h"
#include "warp_web.h"

#define GATE_WORKERS	256
#define GATE_CLAIMS	256
#define GATE_PROBE	8

struct gate_claim {
	uint64_t	key;
	int64_t		until_ms;
	uint16_t	owner;
};

struct gate_shm {
	volatile int		lock;
	uint32_t		inflight;
	uint32_t		worker[GATE_WORKERS];
	struct gate_claim	claim[GATE_CLAIMS];
	uint8_t			prekey[WARP_PRELOGIN_KEYLEN];
	uint32_t		hash_ms;	/* one argon2id check, measured */
};

static struct gate_shm	*gate;
static uint16_t		 gate_me;
static uint32_t		 gate_hash_ms = 250;

static void	gate_lock(void);
static void	gate_unlock(void);
static uint64_t	gate_key(const char *);

/*
 * Held for a few instructions, never across a call that can block; a
 * holder killed inside is taken over after a long spin.
 */
static void
gate_lock(void)
{
	unsigned long	spins;

	for (spins = 0; __atomic_test_and_set(&gate->lock, __ATOMIC_ACQUIRE);
	    spins++) {
		if (spins > 100000000UL) {
			__atomic_clear(&gate->lock, __ATOMIC_RELEASE);
			spins = 0;
		}
	}
}

static void
gate_unlock(void)
{
	__atomic_clear(&gate->lock, __ATOMIC_RELEASE);
}

static uint64_t
gate_key(const char *name)
{
	uint8_t		h[8];
	uint64_t	k;
	int		i;

	crypto_generichash(h, sizeof(h), (const uint8_t *)name, strlen(name),
	    gate->prekey, sizeof(gate->prekey));
	for (k = 0, i = 0; i < 8; i++)
		k = k << 8 | h[i];
	return (k == 0 ? 1 : k);
}

uint64_t
warp_gate_now_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* Parent, before the workers fork. */
void
warp_gate_init(void)
{
	char		pw[24], out[crypto_pwhash_STRBYTES];
	uint64_t	t0;

	gate = mmap(NULL, sizeof(*gate), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (gate == MAP_FAILED)
		fatal("warpd: cannot map the sign-in gate");
	memset(gate, 0, sizeof(*gate));
	randombytes_buf(gate->prekey, sizeof(gate->prekey));

	/*
	 * How long one check takes here: an unknown user name is answered
	 * after about as long, without the work (and without a slot).
	 */
	randombytes_buf(pw, sizeof(pw) - 1);
	pw[sizeof(pw) - 1] = '\0';
	t0 = warp_gate_now_ms();
	if (crypto_pwhash_str(out, pw, sizeof(pw) - 1,
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0)
		gate->hash_ms = (uint32_t)(warp_gate_now_ms() - t0);
	sodium_memzero(pw, sizeof(pw));
	if (gate->hash_ms == 0)
		gate->hash_ms = 250;
}

/* A worker starts (or restarts): give back what its predecessor held. */
void
warp_gate_worker(uint16_t id)
{
	int	i;

	gate_me = id % GATE_WORKERS;
	gate_hash_ms = gate->hash_ms;
	gate_lock();
	gate->inflight -= gate->worker[gate_me];
	gate->worker[gate_me] = 0;
	for (i = 0; i < GATE_CLAIMS; i++) {
		if (gate->claim[i].key != 0 && gate->claim[i].owner == gate_me)
			memset(&gate->claim[i], 0, sizeof(gate->claim[i]));
	}
	gate_unlock();
}

const uint8_t *
warp_gate_prelogin_key(void)
{
	return (gate->prekey);
}

/* 0: a check may start; -1: WARP_GATE_HASHES are running already. */
int
warp_gate_hash_acquire(void)
{
	int	rc;

	rc = -1;
	gate_lock();
	if (gate->inflight < WARP_GATE_HASHES) {
		gate->inflight++;
		gate->worker[gate_me]++;
		rc = 0;
	}
	gate_unlock();
	return (rc);
}

void
warp_gate_hash_release(uint64_t took_ms)
{
	gate_lock();
	if (gate->worker[gate_me] > 0) {
		gate->worker[gate_me]--;
		gate->inflight--;
	}
	gate_unlock();
	/* A running average of what a check costs now. */
	if (took_ms > 0 && took_ms < 60000)
		gate_hash_ms = (uint32_t)((gate_hash_ms * 7 + took_ms) / 8);
}

uint32_t
warp_gate_hash_ms(void)
{
	return (gate_hash_ms);
}

/* 1: this request may check the account's password now (until released). */
int
warp_gate_claim(const char *name, uint64_t now_ms, uint64_t hold_ms)
{
	struct gate_claim	*c, *free_slot;
	uint64_t		 key;
	int			 i, rc;

	key = gate_key(name);
	free_slot = NULL;
	rc = 0;
	gate_lock();
	for (i = 0; i < GATE_PROBE; i++) {
		c = &gate->claim[(key + i) % GATE_CLAIMS];
		if (c->key == key) {
			if ((uint64_t)c->until_ms > now_ms)
				goto out;	/* someone is checking it */
			free_slot = c;
			break;
		}
		if (free_slot == NULL && (c->key == 0 ||
		    (uint64_t)c->until_ms <= now_ms))
			free_slot = c;
	}
	/* A full neighbourhood: the oldest claim there gives way. */
	if (free_slot == NULL)
		free_slot = &gate->claim[key % GATE_CLAIMS];
	free_slot->key = key;
	free_slot->until_ms = (int64_t)(now_ms + hold_ms);
	free_slot->owner = gate_me;
	rc = 1;
out:
	gate_unlock();
	return (rc);
}

void
warp_gate_unclaim(const char *name)
{
	struct gate_claim	*c;
	uint64_t		 key;
	int			 i;

	key = gate_key(name);
	gate_lock();
	for (i = 0; i < GATE_PROBE; i++) {
		c = &gate->claim[(key + i) % GATE_CLAIMS];
		if (c->key == key && c->owner == gate_me) {
			memset(c, 0, sizeof(*c));
			break;
		}
	}
	gate_unlock();
}
