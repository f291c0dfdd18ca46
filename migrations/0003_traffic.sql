-- WARP gateway schema, step 3: traffic control (issue #13).

-- Per-network defaults that endpoints inherit (bit/s, 0: unlimited).
CREATE TABLE network_traffic (
	network_id		INTEGER PRIMARY KEY REFERENCES networks(id)
				    ON DELETE CASCADE,
	default_down_bps	INTEGER NOT NULL DEFAULT 0
				    CHECK (default_down_bps >= 0),
	default_up_bps		INTEGER NOT NULL DEFAULT 0
				    CHECK (default_up_bps >= 0)
);

-- Per endpoint: rates (NULL: the network's default, 0: unlimited) and the
-- quota with what was counted in the current period.  quota_gen changes
-- whenever the kernel's quota object must start again (a new limit, a
-- reset, a period turn): it is part of that object's name.
CREATE TABLE endpoint_traffic (
	endpoint_id		INTEGER PRIMARY KEY REFERENCES endpoints(id)
				    ON DELETE CASCADE,
	down_bps		INTEGER CHECK (down_bps >= 0),
	up_bps			INTEGER CHECK (up_bps >= 0),
	quota_bytes		INTEGER NOT NULL DEFAULT 0
				    CHECK (quota_bytes >= 0),
	quota_period		TEXT NOT NULL DEFAULT 'none'
				    CHECK (quota_period IN ('none', 'day',
				    'week', 'month')),
	period_start		INTEGER NOT NULL DEFAULT 0,
	used_bytes		INTEGER NOT NULL DEFAULT 0
				    CHECK (used_bytes >= 0),
	quota_gen		INTEGER NOT NULL DEFAULT 0,
	updated_at		INTEGER NOT NULL DEFAULT (unixepoch())
);

-- Traffic history: rx/tx byte deltas per endpoint in buckets of 60 s
-- (kept a day), 3600 s (kept 31 days) and 86400 s (kept 400 days).
CREATE TABLE traffic_samples (
	endpoint_id		INTEGER NOT NULL REFERENCES endpoints(id)
				    ON DELETE CASCADE,
	network_id		INTEGER NOT NULL REFERENCES networks(id)
				    ON DELETE CASCADE,
	bucket			INTEGER NOT NULL CHECK (bucket IN (60, 3600,
				    86400)),
	at			INTEGER NOT NULL,	-- bucket start, UTC
	rx_bytes		INTEGER NOT NULL DEFAULT 0,
	tx_bytes		INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (endpoint_id, bucket, at)
);
CREATE INDEX traffic_samples_net ON traffic_samples(network_id, bucket, at);

-- The last kernel counter readings, to turn them into deltas.
CREATE TABLE traffic_counters (
	endpoint_id		INTEGER PRIMARY KEY REFERENCES endpoints(id)
				    ON DELETE CASCADE,
	rx_bytes		INTEGER NOT NULL DEFAULT 0,
	tx_bytes		INTEGER NOT NULL DEFAULT 0,
	at			INTEGER NOT NULL DEFAULT 0
);

-- Prometheus /metrics: off by default; 'token' wants the bearer token
-- whose hash is kept here, 'loopback' serves local, unproxied scrapes.
CREATE TABLE metrics_config (
	id			INTEGER PRIMARY KEY CHECK (id = 1),
	mode			TEXT NOT NULL DEFAULT 'off'
				    CHECK (mode IN ('off', 'token', 'loopback')),
	token_hash		BLOB
);
INSERT INTO metrics_config (id) VALUES (1);
