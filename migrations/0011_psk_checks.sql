-- WARP gateway schema, step 11: a check of each endpoint's sealed
-- preshared key (issue #11, B3).  mac is a keyed hash, under a key only
-- the root side derives from the master key, of the endpoint's id, the
-- sealed value as stored and the key it opens to (warp_seal_check): a
-- full apply that finds this mac for the preshared key the kernel's peer
-- has knows the row holds that key without opening it.  Written by the
-- root side only; a row it cannot verify (a new sealed value, a worker's
-- write, another master key) is opened as before.  Reveals nothing of
-- the key without the master key.
CREATE TABLE endpoint_psk_checks (
	endpoint_id	INTEGER PRIMARY KEY REFERENCES endpoints(id)
			    ON DELETE CASCADE,
	mac		BLOB NOT NULL
);
