-- WARP gateway schema, step 14: a check of each network's sealed private
-- key (issue #11, B3), as 0011 is of the endpoints' preshared keys.  mac
-- is a keyed hash, under a key only the root side derives from the
-- master key (another one than 0011's), of the network's id, the sealed
-- value as stored and the public key of the private key it opens to
-- (warp_seal_check): a full apply whose WireGuard device shows that
-- public key (the kernel derives it from the private key it holds), the
-- one the network's row carries, knows the device holds the stored key
-- without opening it.  Written by the root side only; a row it cannot
-- verify (a new sealed value, a worker's write, another master key) is
-- opened as before.  Reveals nothing of the key without the master key.
CREATE TABLE network_key_checks (
	network_id	INTEGER PRIMARY KEY REFERENCES networks(id)
			    ON DELETE CASCADE,
	mac		BLOB NOT NULL
);
