-- WARP gateway schema, step 9: the change journal names the endpoint
-- (issue #11, B1).  endpoint_id: the endpoint an endpoint trigger
-- journaled; old_public_key: the public key its peer had before the
-- change (an update or a delete; NULL for a new endpoint), so the root
-- side can remove the peer a re-key or a delete leaves behind without
-- reading the device.  A network all of whose rows name an endpoint and
-- none of which is shared is reconciled per endpoint
-- (src/kernel/kernel_changes.c); rows without endpoint_id (older rows,
-- the other tables' triggers) keep the per-network path.
ALTER TABLE change_journal ADD COLUMN endpoint_id INTEGER;
ALTER TABLE change_journal ADD COLUMN old_public_key TEXT;

DROP TRIGGER journal_endpoint_insert;
DROP TRIGGER journal_endpoint_delete;
DROP TRIGGER journal_endpoint_update;

CREATE TRIGGER journal_endpoint_insert AFTER INSERT ON endpoints
BEGIN
	INSERT INTO change_journal (network_id, shared, what, endpoint_id)
	    VALUES (NEW.network_id, EXISTS (SELECT 1 FROM network_traffic n
	    WHERE n.network_id = NEW.network_id AND (n.default_down_bps > 0 OR
	    n.default_up_bps > 0)), 'endpoint ' || NEW.id || ' created',
	    NEW.id);
END;

-- Before: its LANs and limits are still there to be looked at (their
-- own rows go by cascade, when the endpoint is gone, and journal nothing
-- then).
CREATE TRIGGER journal_endpoint_delete BEFORE DELETE ON endpoints
BEGIN
	INSERT INTO change_journal (network_id, shared, what, endpoint_id,
	    old_public_key) VALUES
	    (OLD.network_id,
	    EXISTS (SELECT 1 FROM endpoint_lans l WHERE
	    l.endpoint_id = OLD.id) OR
	    EXISTS (SELECT 1 FROM endpoint_traffic t WHERE
	    t.endpoint_id = OLD.id AND (t.down_bps > 0 OR t.up_bps > 0 OR
	    t.quota_bytes > 0)) OR
	    EXISTS (SELECT 1 FROM network_traffic n WHERE
	    n.network_id = OLD.network_id AND (n.default_down_bps > 0 OR
	    n.default_up_bps > 0)), 'endpoint ' || OLD.id || ' deleted',
	    OLD.id, OLD.public_key);
END;

-- Only the columns the gateway side realises (a rename or a new config
-- version changes no peer).  The old key always: a disable removes the
-- peer of the key it had, a re-key the peer of the key it no longer has.
CREATE TRIGGER journal_endpoint_update AFTER UPDATE OF network_id, kind,
    overlay_ip, public_key, preshared_key, enabled, expires_at ON endpoints
BEGIN
	INSERT INTO change_journal (network_id, shared, what, endpoint_id,
	    old_public_key) VALUES
	    (NEW.network_id, NEW.network_id != OLD.network_id OR
	    NEW.kind != OLD.kind OR NEW.overlay_ip != OLD.overlay_ip OR
	    EXISTS (SELECT 1 FROM endpoint_lans l WHERE
	    l.endpoint_id = NEW.id) OR
	    EXISTS (SELECT 1 FROM endpoint_traffic t WHERE
	    t.endpoint_id = NEW.id AND (t.down_bps > 0 OR t.up_bps > 0 OR
	    t.quota_bytes > 0)) OR
	    EXISTS (SELECT 1 FROM network_traffic n WHERE
	    n.network_id = NEW.network_id AND (n.default_down_bps > 0 OR
	    n.default_up_bps > 0)), 'endpoint ' || NEW.id || ' changed',
	    NEW.id, OLD.public_key);
END;
