-- WARP gateway schema, step 1: the whole model of DESIGN §3.
-- Applied by the migration runner inside BEGIN IMMEDIATE ... COMMIT together
-- with PRAGMA user_version; never edit a released step, add a new one.

CREATE TABLE server_config (
	id			INTEGER PRIMARY KEY CHECK (id = 1),
	public_host		TEXT NOT NULL DEFAULT '',
	uplink			TEXT NOT NULL DEFAULT '',
	netns			TEXT NOT NULL DEFAULT '',
	port_min		INTEGER NOT NULL DEFAULT 51820
				    CHECK (port_min BETWEEN 1 AND 65535),
	port_max		INTEGER NOT NULL DEFAULT 51829
				    CHECK (port_max BETWEEN port_min AND 65535),
	default_dns		TEXT NOT NULL DEFAULT '1.1.1.1, 1.0.0.1',
	default_mtu		INTEGER NOT NULL DEFAULT 1420,
	default_keepalive	INTEGER NOT NULL DEFAULT 25,
	updated_at		INTEGER NOT NULL DEFAULT (unixepoch())
);

-- Where each network type takes its overlay subnets from.
CREATE TABLE subnet_containers (
	type			TEXT PRIMARY KEY,
	cidr			TEXT NOT NULL
);

INSERT INTO server_config (id) VALUES (1);
INSERT INTO subnet_containers (type, cidr) VALUES
	('secure-internet',	'10.96.0.0/14'),
	('resource-gateway',	'10.100.0.0/14'),
	('l3vpn',		'10.104.0.0/14'),
	('l2-p2p',		'10.108.0.0/14'),
	('l2-mesh',		'10.112.0.0/14');

CREATE TABLE networks (
	id			INTEGER PRIMARY KEY,
	vcid			INTEGER NOT NULL UNIQUE
				    CHECK (vcid BETWEEN 10000000 AND 99999999),
	name			TEXT NOT NULL UNIQUE,
	type			TEXT NOT NULL CHECK (type IN ('secure-internet',
				    'resource-gateway', 'l3vpn', 'l2-p2p',
				    'l2-mesh')),
	description		TEXT NOT NULL DEFAULT '',
	subnet			TEXT NOT NULL UNIQUE,
	expected_users		INTEGER NOT NULL,
	listen_port		INTEGER NOT NULL UNIQUE
				    CHECK (listen_port BETWEEN 1 AND 65535),
	private_key		BLOB NOT NULL,	-- sealed with the master key
	public_key		TEXT NOT NULL,
	dns			TEXT NOT NULL DEFAULT '',
	mtu			INTEGER NOT NULL,
	keepalive		INTEGER NOT NULL,
	peer_communication	INTEGER NOT NULL DEFAULT 0,
	vlan_min		INTEGER NOT NULL DEFAULT 0
				    CHECK (vlan_min BETWEEN 0 AND 4094),
	vlan_max		INTEGER NOT NULL DEFAULT 0
				    CHECK (vlan_max BETWEEN vlan_min AND 4094),
	vni			INTEGER UNIQUE
				    CHECK (vni BETWEEN 1 AND 16777215),
	table_id		INTEGER NOT NULL UNIQUE,
	enabled			INTEGER NOT NULL DEFAULT 1,
	created_at		INTEGER NOT NULL DEFAULT (unixepoch()),
	updated_at		INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE TABLE network_resources (
	network_id		INTEGER NOT NULL REFERENCES networks(id)
				    ON DELETE CASCADE,
	cidr			TEXT NOT NULL,
	PRIMARY KEY (network_id, cidr)
);

CREATE TABLE endpoints (
	id			INTEGER PRIMARY KEY,
	network_id		INTEGER NOT NULL REFERENCES networks(id)
				    ON DELETE CASCADE,
	name			TEXT NOT NULL,
	kind			TEXT NOT NULL CHECK (kind IN ('mobile', 'cpe',
				    'gateway')),
	overlay_ip		TEXT NOT NULL,
	public_key		TEXT NOT NULL,
	private_key		BLOB,		-- sealed; NULL if the device holds it
	preshared_key		BLOB NOT NULL,	-- sealed
	enabled			INTEGER NOT NULL DEFAULT 1,
	expires_at		INTEGER,
	created_at		INTEGER NOT NULL DEFAULT (unixepoch()),
	updated_at		INTEGER NOT NULL DEFAULT (unixepoch()),
	UNIQUE (network_id, name),
	UNIQUE (network_id, overlay_ip),
	UNIQUE (public_key)
);
CREATE INDEX endpoints_network ON endpoints(network_id);

CREATE TABLE endpoint_lans (
	endpoint_id		INTEGER NOT NULL REFERENCES endpoints(id)
				    ON DELETE CASCADE,
	cidr			TEXT NOT NULL,
	PRIMARY KEY (endpoint_id, cidr)
);

-- Immutable versions of each endpoint's rendered client config.  The text
-- holds the private key, so it is sealed.  The key material in use when the
-- version was made is kept (sealed) so that a rollback restores it.
CREATE TABLE endpoint_configs (
	id			INTEGER PRIMARY KEY,
	endpoint_id		INTEGER NOT NULL REFERENCES endpoints(id)
				    ON DELETE CASCADE,
	version			INTEGER NOT NULL CHECK (version >= 1),
	content			BLOB NOT NULL,	-- sealed
	public_key		TEXT NOT NULL,
	private_key		BLOB,		-- sealed
	preshared_key		BLOB NOT NULL,	-- sealed
	lans			TEXT NOT NULL DEFAULT '',
	reason			TEXT NOT NULL,
	actor			TEXT NOT NULL DEFAULT '',
	created_at		INTEGER NOT NULL DEFAULT (unixepoch()),
	UNIQUE (endpoint_id, version)
);

CREATE TRIGGER endpoint_configs_immutable BEFORE UPDATE ON endpoint_configs
BEGIN
	SELECT RAISE(ABORT, 'config versions are immutable');
END;

CREATE TABLE users (
	id			INTEGER PRIMARY KEY,
	username		TEXT NOT NULL UNIQUE,
	password_hash		TEXT NOT NULL,	-- argon2id, libsodium string
	role			TEXT NOT NULL CHECK (role IN ('admin',
				    'operator', 'viewer')),
	must_change_password	INTEGER NOT NULL DEFAULT 0,
	created_at		INTEGER NOT NULL DEFAULT (unixepoch()),
	updated_at		INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE TABLE sessions (
	id			INTEGER PRIMARY KEY,
	token_hash		BLOB NOT NULL UNIQUE,	-- hash, never the token
	user_id			INTEGER NOT NULL REFERENCES users(id)
				    ON DELETE CASCADE,
	csrf_token		TEXT NOT NULL,
	remote_addr		TEXT NOT NULL DEFAULT '',
	created_at		INTEGER NOT NULL,
	last_seen		INTEGER NOT NULL
);

CREATE TABLE login_attempts (
	id			INTEGER PRIMARY KEY,
	username		TEXT NOT NULL,
	remote_addr		TEXT NOT NULL,
	at			INTEGER NOT NULL
);
CREATE INDEX login_attempts_who ON login_attempts(username, remote_addr, at);

CREATE TABLE api_tokens (
	id			INTEGER PRIMARY KEY,
	user_id			INTEGER NOT NULL REFERENCES users(id)
				    ON DELETE CASCADE,
	name			TEXT NOT NULL,
	token_hash		BLOB NOT NULL UNIQUE,
	created_at		INTEGER NOT NULL DEFAULT (unixepoch()),
	last_used		INTEGER
);

CREATE TABLE audit_log (
	id			INTEGER PRIMARY KEY,
	at			INTEGER NOT NULL DEFAULT (unixepoch()),
	actor			TEXT NOT NULL,
	action			TEXT NOT NULL,
	object_type		TEXT NOT NULL DEFAULT '',
	object			TEXT NOT NULL DEFAULT '',
	detail			TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);

-- Observed state, written by the reconciler.
CREATE TABLE apply_status (
	object_type		TEXT NOT NULL,	-- network, endpoint, firewall...
	object_id		INTEGER NOT NULL,
	status			TEXT NOT NULL CHECK (status IN ('pending',
				    'applied', 'failed')),
	error			TEXT NOT NULL DEFAULT '',
	updated_at		INTEGER NOT NULL DEFAULT (unixepoch()),
	PRIMARY KEY (object_type, object_id)
);

CREATE TABLE endpoint_stats (
	endpoint_id		INTEGER PRIMARY KEY REFERENCES endpoints(id)
				    ON DELETE CASCADE,
	last_handshake		INTEGER NOT NULL DEFAULT 0,
	rx_bytes		INTEGER NOT NULL DEFAULT 0,
	tx_bytes		INTEGER NOT NULL DEFAULT 0,
	remote_endpoint		TEXT NOT NULL DEFAULT '',
	updated_at		INTEGER NOT NULL DEFAULT (unixepoch())
);
