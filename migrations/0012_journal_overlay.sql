-- WARP gateway schema, step 12: the change journal keeps the overlay
-- address an endpoint had (issue #11, the incremental apply of the
-- layer-2 types).  A layer-2 endpoint is more than a peer: its GRE TAP
-- port (l2-p2p, named after the host part of that address) or its VXLAN
-- replication entry (l2-mesh, to that address).  When it is deleted its
-- row is gone, so the root side needs the address from here to remove
-- that port or entry without dumping the network's ports
-- (src/kernel/kernel_changes.c, kernel_l2.c).  A changed address itself
-- is a shared change (the full apply), as before.
ALTER TABLE change_journal ADD COLUMN old_overlay_ip TEXT;

DROP TRIGGER journal_endpoint_delete;
DROP TRIGGER journal_endpoint_update;

-- Before: its LANs and limits are still there to be looked at (their
-- own rows go by cascade, when the endpoint is gone, and journal nothing
-- then).
CREATE TRIGGER journal_endpoint_delete BEFORE DELETE ON endpoints
BEGIN
	INSERT INTO change_journal (network_id, shared, what, endpoint_id,
	    old_public_key, old_overlay_ip) VALUES
	    (OLD.network_id,
	    EXISTS (SELECT 1 FROM endpoint_lans l WHERE
	    l.endpoint_id = OLD.id) OR
	    EXISTS (SELECT 1 FROM endpoint_traffic t WHERE
	    t.endpoint_id = OLD.id AND (t.down_bps > 0 OR t.up_bps > 0 OR
	    t.quota_bytes > 0)) OR
	    EXISTS (SELECT 1 FROM network_traffic n WHERE
	    n.network_id = OLD.network_id AND (n.default_down_bps > 0 OR
	    n.default_up_bps > 0)), 'endpoint ' || OLD.id || ' deleted',
	    OLD.id, OLD.public_key, OLD.overlay_ip);
END;

-- Only the columns the gateway side realises (a rename or a new config
-- version changes no peer).  The old key and address always: a disable
-- removes the peer of the key it had (and a layer-2 endpoint's port or
-- entry), a re-key the peer of the key it no longer has.
CREATE TRIGGER journal_endpoint_update AFTER UPDATE OF network_id, kind,
    overlay_ip, public_key, preshared_key, enabled, expires_at ON endpoints
BEGIN
	INSERT INTO change_journal (network_id, shared, what, endpoint_id,
	    old_public_key, old_overlay_ip) VALUES
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
	    NEW.id, OLD.public_key, OLD.overlay_ip);
END;
