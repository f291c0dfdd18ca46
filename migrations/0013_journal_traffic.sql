-- WARP gateway schema, step 13: the change journal tells a change of
-- rate limits or quotas from one beyond them (issue #11, the incremental
-- apply of traffic limits).  traffic = 1: the network's traffic control
-- and quota objects may differ (an endpoint with limits of its own or of
-- its network's defaults created, deleted, enabled, disabled, re-keyed;
-- the root side reconciles that network's peers, its devices' qdiscs and
-- its endpoints' quota objects only, src/kernel/kernel_changes.c).  The
-- rows of the traffic tables' own triggers (0005: what = 'endpoint N
-- traffic' or 'network traffic', shared = 1, no endpoint) are read as
-- traffic rows by warp_state_journal_read; the endpoint triggers are
-- re-created here with shared for what still reaches past the peers and
-- the limits: a LAN (routes, firewall sets) or a changed network, kind
-- or address.  SQLite cannot alter a trigger, so each one is written
-- again whole, one column added.
ALTER TABLE change_journal ADD COLUMN traffic INTEGER NOT NULL DEFAULT 0
    CHECK (traffic IN (0, 1));
DROP TRIGGER journal_endpoint_insert;
DROP TRIGGER journal_endpoint_delete;
DROP TRIGGER journal_endpoint_update;
CREATE TRIGGER journal_endpoint_insert AFTER INSERT ON endpoints
BEGIN
	INSERT INTO change_journal (network_id, shared, traffic, what,
	    endpoint_id) VALUES (NEW.network_id, 0, EXISTS (SELECT 1 FROM
	    network_traffic n WHERE n.network_id = NEW.network_id AND
	    (n.default_down_bps > 0 OR n.default_up_bps > 0)),
	    'endpoint ' || NEW.id || ' created', NEW.id);
END;
-- Before: its LANs and limits are still there to be looked at (their
-- own rows go by cascade, when the endpoint is gone, and journal nothing
-- then).
CREATE TRIGGER journal_endpoint_delete BEFORE DELETE ON endpoints
BEGIN
	INSERT INTO change_journal (network_id, shared, traffic, what,
	    endpoint_id, old_public_key, old_overlay_ip) VALUES
	    (OLD.network_id,
	    EXISTS (SELECT 1 FROM endpoint_lans l WHERE
	    l.endpoint_id = OLD.id),
	    EXISTS (SELECT 1 FROM endpoint_traffic t WHERE
	    t.endpoint_id = OLD.id AND (t.down_bps > 0 OR t.up_bps > 0 OR
	    t.quota_bytes > 0)) OR
	    EXISTS (SELECT 1 FROM network_traffic n WHERE
	    n.network_id = OLD.network_id AND (n.default_down_bps > 0 OR
	    n.default_up_bps > 0)), 'endpoint ' || OLD.id || ' deleted',
	    OLD.id, OLD.public_key, OLD.overlay_ip);
END;
-- Only the columns the gateway side realises (a rename or a new config
-- version changes no peer); the old key and address always (0012).
CREATE TRIGGER journal_endpoint_update AFTER UPDATE OF network_id, kind,
    overlay_ip, public_key, preshared_key, enabled, expires_at ON endpoints
BEGIN
	INSERT INTO change_journal (network_id, shared, traffic, what,
	    endpoint_id, old_public_key, old_overlay_ip) VALUES
	    (NEW.network_id, NEW.network_id != OLD.network_id OR
	    NEW.kind != OLD.kind OR NEW.overlay_ip != OLD.overlay_ip OR
	    EXISTS (SELECT 1 FROM endpoint_lans l WHERE
	    l.endpoint_id = NEW.id),
	    EXISTS (SELECT 1 FROM endpoint_traffic t WHERE
	    t.endpoint_id = NEW.id AND (t.down_bps > 0 OR t.up_bps > 0 OR
	    t.quota_bytes > 0)) OR
	    EXISTS (SELECT 1 FROM network_traffic n WHERE
	    n.network_id = NEW.network_id AND (n.default_down_bps > 0 OR
	    n.default_up_bps > 0)), 'endpoint ' || NEW.id || ' changed',
	    NEW.id, OLD.public_key, OLD.overlay_ip);
END;
