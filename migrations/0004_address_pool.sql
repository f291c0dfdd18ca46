-- WARP gateway schema, step 4: flat overlay address allocation and
-- networks that grow (issue #11).

-- The free overlay addresses of each network, as ranges [first, last] of
-- IPv4 addresses in host order.  The lowest free address is the first row
-- of the network (one index seek), whatever the number of endpoints.  Built
-- from the endpoints on a network's first allocation (pool_ready = 0: not
-- built yet, or thrown away when the subnet changed); kept by the core on
-- every create and delete in the same transaction.
CREATE TABLE address_pool (
	network_id		INTEGER NOT NULL REFERENCES networks(id)
				    ON DELETE CASCADE,
	first			INTEGER NOT NULL,
	last			INTEGER NOT NULL CHECK (last >= first),
	PRIMARY KEY (network_id, first)
) WITHOUT ROWID;

ALTER TABLE networks ADD COLUMN pool_ready INTEGER NOT NULL DEFAULT 0;

-- The gateway's overlay address (NULL: the subnet's first host).  A grown
-- network keeps its gateway where it was, so tunnels and layer-2 setups
-- that name it keep working.
ALTER TABLE networks ADD COLUMN gateway_ip TEXT;

-- Endpoint keys are checked against the gateways' keys on every create.
CREATE INDEX networks_public_key ON networks(public_key);
