-- Admin at scale (issue #11): with 100,000 endpoints the dashboard, the
-- network list, the network page and the API must not count or scan all
-- of them.  The counts they show are kept by triggers in the same
-- transaction as the change that moves them (so no mutator can forget
-- one, and warpctl, warpd and a restore agree), and the lists that are
-- left get indexes.

-- Endpoints, disabled endpoints and the rx/tx bytes of their stored
-- numbers (endpoint_stats), per network.
CREATE TABLE network_counts (
	network_id		INTEGER PRIMARY KEY REFERENCES networks(id)
				    ON DELETE CASCADE,
	endpoints		INTEGER NOT NULL DEFAULT 0,
	disabled		INTEGER NOT NULL DEFAULT 0,
	rx_bytes		INTEGER NOT NULL DEFAULT 0,
	tx_bytes		INTEGER NOT NULL DEFAULT 0
);
INSERT INTO network_counts (network_id, endpoints, disabled, rx_bytes,
    tx_bytes)
    SELECT n.id,
	(SELECT count(*) FROM endpoints e WHERE e.network_id = n.id),
	(SELECT count(*) FROM endpoints e WHERE e.network_id = n.id AND
	    e.enabled = 0),
	(SELECT coalesce(sum(s.rx_bytes), 0) FROM endpoints e JOIN
	    endpoint_stats s ON s.endpoint_id = e.id WHERE e.network_id = n.id),
	(SELECT coalesce(sum(s.tx_bytes), 0) FROM endpoints e JOIN
	    endpoint_stats s ON s.endpoint_id = e.id WHERE e.network_id = n.id)
    FROM networks n;

CREATE TRIGGER network_counts_network AFTER INSERT ON networks
BEGIN
	INSERT INTO network_counts (network_id) VALUES (NEW.id);
END;
CREATE TRIGGER network_counts_add AFTER INSERT ON endpoints
BEGIN
	UPDATE network_counts SET endpoints = endpoints + 1,
	    disabled = disabled + (NEW.enabled = 0)
	    WHERE network_id = NEW.network_id;
END;
CREATE TRIGGER network_counts_remove AFTER DELETE ON endpoints
BEGIN
	UPDATE network_counts SET endpoints = endpoints - 1,
	    disabled = disabled - (OLD.enabled = 0)
	    WHERE network_id = OLD.network_id;
END;
CREATE TRIGGER network_counts_change AFTER UPDATE OF enabled, network_id
    ON endpoints
WHEN OLD.enabled IS NOT NEW.enabled OR OLD.network_id IS NOT NEW.network_id
BEGIN
	UPDATE network_counts SET endpoints = endpoints - 1,
	    disabled = disabled - (OLD.enabled = 0)
	    WHERE network_id = OLD.network_id;
	UPDATE network_counts SET endpoints = endpoints + 1,
	    disabled = disabled + (NEW.enabled = 0)
	    WHERE network_id = NEW.network_id;
END;

-- An endpoint's numbers leave its network's sums with it: BEFORE, since
-- the cascade removes its endpoint_stats row before AFTER triggers run
-- (and then endpoint_stats_remove finds no endpoint: nothing twice).
CREATE TRIGGER network_counts_stats_gone BEFORE DELETE ON endpoints
BEGIN
	UPDATE network_counts SET
	    rx_bytes = rx_bytes - coalesce((SELECT rx_bytes FROM endpoint_stats
		WHERE endpoint_id = OLD.id), 0),
	    tx_bytes = tx_bytes - coalesce((SELECT tx_bytes FROM endpoint_stats
		WHERE endpoint_id = OLD.id), 0)
	    WHERE network_id = OLD.network_id;
END;
CREATE TRIGGER endpoint_stats_add AFTER INSERT ON endpoint_stats
BEGIN
	UPDATE network_counts SET rx_bytes = rx_bytes + NEW.rx_bytes,
	    tx_bytes = tx_bytes + NEW.tx_bytes WHERE network_id =
	    (SELECT network_id FROM endpoints WHERE id = NEW.endpoint_id);
END;
CREATE TRIGGER endpoint_stats_change AFTER UPDATE OF rx_bytes, tx_bytes
    ON endpoint_stats
WHEN OLD.rx_bytes IS NOT NEW.rx_bytes OR OLD.tx_bytes IS NOT NEW.tx_bytes
BEGIN
	UPDATE network_counts SET
	    rx_bytes = rx_bytes + NEW.rx_bytes - OLD.rx_bytes,
	    tx_bytes = tx_bytes + NEW.tx_bytes - OLD.tx_bytes
	    WHERE network_id =
	    (SELECT network_id FROM endpoints WHERE id = NEW.endpoint_id);
END;
CREATE TRIGGER endpoint_stats_remove AFTER DELETE ON endpoint_stats
BEGIN
	UPDATE network_counts SET rx_bytes = rx_bytes - OLD.rx_bytes,
	    tx_bytes = tx_bytes - OLD.tx_bytes WHERE network_id =
	    (SELECT network_id FROM endpoints WHERE id = OLD.endpoint_id);
END;

-- Objects per apply status (the dashboard's pending and failed).
CREATE TABLE apply_counts (
	status			TEXT PRIMARY KEY CHECK (status IN ('pending',
				    'applied', 'failed')),
	n			INTEGER NOT NULL DEFAULT 0
);
INSERT INTO apply_counts (status, n) VALUES
	('pending', (SELECT count(*) FROM apply_status WHERE status = 'pending')),
	('applied', (SELECT count(*) FROM apply_status WHERE status = 'applied')),
	('failed', (SELECT count(*) FROM apply_status WHERE status = 'failed'));

CREATE TRIGGER apply_counts_add AFTER INSERT ON apply_status
BEGIN
	UPDATE apply_counts SET n = n + 1 WHERE status = NEW.status;
END;
CREATE TRIGGER apply_counts_remove AFTER DELETE ON apply_status
BEGIN
	UPDATE apply_counts SET n = n - 1 WHERE status = OLD.status;
END;
CREATE TRIGGER apply_counts_change AFTER UPDATE OF status ON apply_status
WHEN OLD.status IS NOT NEW.status
BEGIN
	UPDATE apply_counts SET n = n - 1 WHERE status = OLD.status;
	UPDATE apply_counts SET n = n + 1 WHERE status = NEW.status;
END;

-- The most recent problems, and the kernel-lacks banner, newest first.
CREATE INDEX apply_status_recent ON apply_status(status, updated_at);
-- Expired endpoints: only those with an expiry are in the index.
CREATE INDEX endpoints_expiry ON endpoints(expires_at) WHERE expires_at > 0;
-- Online endpoints: a range of recent handshakes.
CREATE INDEX endpoint_stats_handshake ON endpoint_stats(last_handshake);
-- The appliance's traffic chart (the dashboard): the samples of the
-- span shown, not all that are kept (400 days of them).
CREATE INDEX traffic_samples_at ON traffic_samples(bucket, at);
