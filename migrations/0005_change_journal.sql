-- WARP gateway schema, step 5: the change journal of the incremental
-- apply (issue #11).

-- One row per change of something the kernel realises, written by the
-- triggers below in the transaction of the change itself: every writer
-- (web, API, warpctl, bulk add, restore's inserts) is caught without the
-- core having to remember it.  network_id: the network whose kernel state
-- changed (NULL: appliance-wide).  shared = 1: the change reaches past
-- that network's WireGuard peers (its links, routes, firewall sets, rate
-- limits or quotas, the server settings), and the root side runs the full
-- apply for it; shared = 0: only that network's peers can differ.
CREATE TABLE change_journal (
	seq			INTEGER PRIMARY KEY AUTOINCREMENT,
	network_id		INTEGER,
	shared			INTEGER NOT NULL CHECK (shared IN (0, 1)),
	what			TEXT NOT NULL,
	at			INTEGER NOT NULL DEFAULT (unixepoch())
);

-- The last sequence the root side applied (warp_kernel_apply and
-- warp_kernel_apply_changes advance it; journal rows up to it are
-- dropped then).  The database is writable by the web workers, so a
-- forged row here or in the journal can at worst hold a change back
-- until the periodic full reconcile (warpd: every 60 s), which reads
-- everything and needs no journal.
CREATE TABLE journal_applied (
	id			INTEGER PRIMARY KEY CHECK (id = 1),
	seq			INTEGER NOT NULL DEFAULT 0
);
INSERT INTO journal_applied (id, seq) VALUES (1, 0);

-- Does an endpoint carry a rate or a quota (its own or its network's
-- default)?  Then the traffic rooms, which are appliance-wide, change too.
-- Expressed in each trigger as:
--   EXISTS (SELECT 1 FROM endpoint_traffic t WHERE t.endpoint_id = X.id
--     AND (t.down_bps > 0 OR t.up_bps > 0 OR t.quota_bytes > 0))
--   OR EXISTS (SELECT 1 FROM network_traffic n WHERE n.network_id =
--     X.network_id AND (n.default_down_bps > 0 OR n.default_up_bps > 0))

CREATE TRIGGER journal_endpoint_insert AFTER INSERT ON endpoints
BEGIN
	INSERT INTO change_journal (network_id, shared, what) VALUES
	    (NEW.network_id, EXISTS (SELECT 1 FROM network_traffic n WHERE
	    n.network_id = NEW.network_id AND (n.default_down_bps > 0 OR
	    n.default_up_bps > 0)), 'endpoint ' || NEW.id || ' created');
END;

-- Before: its LANs and limits are still there to be looked at (their
-- own rows go by cascade, when the endpoint is gone, and journal nothing
-- then).
CREATE TRIGGER journal_endpoint_delete BEFORE DELETE ON endpoints
BEGIN
	INSERT INTO change_journal (network_id, shared, what) VALUES
	    (OLD.network_id,
	    EXISTS (SELECT 1 FROM endpoint_lans l WHERE
	    l.endpoint_id = OLD.id) OR
	    EXISTS (SELECT 1 FROM endpoint_traffic t WHERE
	    t.endpoint_id = OLD.id AND (t.down_bps > 0 OR t.up_bps > 0 OR
	    t.quota_bytes > 0)) OR
	    EXISTS (SELECT 1 FROM network_traffic n WHERE
	    n.network_id = OLD.network_id AND (n.default_down_bps > 0 OR
	    n.default_up_bps > 0)), 'endpoint ' || OLD.id || ' deleted');
END;

-- Only the columns the gateway side realises (a rename or a new config
-- version changes no peer).
CREATE TRIGGER journal_endpoint_update AFTER UPDATE OF network_id, kind,
    overlay_ip, public_key, preshared_key, enabled, expires_at ON endpoints
BEGIN
	INSERT INTO change_journal (network_id, shared, what) VALUES
	    (NEW.network_id, NEW.network_id != OLD.network_id OR
	    NEW.kind != OLD.kind OR NEW.overlay_ip != OLD.overlay_ip OR
	    EXISTS (SELECT 1 FROM endpoint_lans l WHERE
	    l.endpoint_id = NEW.id) OR
	    EXISTS (SELECT 1 FROM endpoint_traffic t WHERE
	    t.endpoint_id = NEW.id AND (t.down_bps > 0 OR t.up_bps > 0 OR
	    t.quota_bytes > 0)) OR
	    EXISTS (SELECT 1 FROM network_traffic n WHERE
	    n.network_id = NEW.network_id AND (n.default_down_bps > 0 OR
	    n.default_up_bps > 0)), 'endpoint ' || NEW.id || ' changed');
END;

-- A site's LANs are routes and firewall set elements.
CREATE TRIGGER journal_lan_insert AFTER INSERT ON endpoint_lans
BEGIN
	INSERT INTO change_journal (network_id, shared, what)
	    SELECT network_id, 1, 'endpoint ' || NEW.endpoint_id || ' lans'
	    FROM endpoints WHERE id = NEW.endpoint_id;
END;

CREATE TRIGGER journal_lan_delete AFTER DELETE ON endpoint_lans
BEGIN
	INSERT INTO change_journal (network_id, shared, what)
	    SELECT network_id, 1, 'endpoint ' || OLD.endpoint_id || ' lans'
	    FROM endpoints WHERE id = OLD.endpoint_id;
END;

-- Rates and quotas: only the limits (used_bytes and period_start move
-- with every traffic sample; quota_gen turns start a new quota object).
CREATE TRIGGER journal_ep_traffic_insert AFTER INSERT ON endpoint_traffic
BEGIN
	INSERT INTO change_journal (network_id, shared, what)
	    SELECT network_id, 1, 'endpoint ' || NEW.endpoint_id || ' traffic'
	    FROM endpoints WHERE id = NEW.endpoint_id;
END;

CREATE TRIGGER journal_ep_traffic_update AFTER UPDATE OF down_bps, up_bps,
    quota_bytes, quota_period, quota_gen ON endpoint_traffic
BEGIN
	INSERT INTO change_journal (network_id, shared, what)
	    SELECT network_id, 1, 'endpoint ' || NEW.endpoint_id || ' traffic'
	    FROM endpoints WHERE id = NEW.endpoint_id;
END;

CREATE TRIGGER journal_ep_traffic_delete AFTER DELETE ON endpoint_traffic
BEGIN
	INSERT INTO change_journal (network_id, shared, what)
	    SELECT network_id, 1, 'endpoint ' || OLD.endpoint_id || ' traffic'
	    FROM endpoints WHERE id = OLD.endpoint_id;
END;

CREATE TRIGGER journal_net_traffic_insert AFTER INSERT ON network_traffic
BEGIN
	INSERT INTO change_journal (network_id, shared, what) VALUES
	    (NEW.network_id, 1, 'network traffic');
END;

CREATE TRIGGER journal_net_traffic_update AFTER UPDATE ON network_traffic
BEGIN
	INSERT INTO change_journal (network_id, shared, what) VALUES
	    (NEW.network_id, 1, 'network traffic');
END;

CREATE TRIGGER journal_net_traffic_delete AFTER DELETE ON network_traffic
BEGIN
	INSERT INTO change_journal (network_id, shared, what) VALUES
	    (OLD.network_id, 1, 'network traffic');
END;

-- A network's own row: links, addresses, routes, firewall chains and the
-- appliance-wide sets.  Not pool_ready (address bookkeeping), description,
-- dns or expected_users alone (client configs only; a grown subnet
-- changes subnet too).
CREATE TRIGGER journal_network_insert AFTER INSERT ON networks
BEGIN
	INSERT INTO change_journal (network_id, shared, what) VALUES
	    (NEW.id, 1, 'network created');
END;

CREATE TRIGGER journal_network_delete AFTER DELETE ON networks
BEGIN
	INSERT INTO change_journal (network_id, shared, what) VALUES
	    (OLD.id, 1, 'network deleted');
END;

CREATE TRIGGER journal_network_update AFTER UPDATE OF vcid, name, type,
    subnet, listen_port, private_key, public_key, mtu, keepalive,
    peer_communication, vlan_min, vlan_max, vni, table_id, enabled,
    gateway_ip ON networks
BEGIN
	INSERT INTO change_journal (network_id, shared, what) VALUES
	    (NEW.id, 1, 'network changed');
END;

CREATE TRIGGER journal_resource_insert AFTER INSERT ON network_resources
BEGIN
	INSERT INTO change_journal (network_id, shared, what) VALUES
	    (NEW.network_id, 1, 'network resources');
END;

CREATE TRIGGER journal_resource_delete AFTER DELETE ON network_resources
BEGIN
	INSERT INTO change_journal (network_id, shared, what) VALUES
	    (OLD.network_id, 1, 'network resources');
END;

CREATE TRIGGER journal_server_update AFTER UPDATE ON server_config
BEGIN
	INSERT INTO change_journal (network_id, shared, what) VALUES
	    (NULL, 1, 'server settings');
END;
