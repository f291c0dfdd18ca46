-- A network page `?page=N` (issue #11): a page of 50 out of 50,000 must
-- not step over every endpoint before it.  The endpoints of each network
-- are counted per block of 256 ids (kept by triggers in the transaction
-- of each change, as network_counts): the block a row offset falls in is
-- found by summing at most one row per block (200 for 50,000
-- endpoints), and at most 255 index entries are skipped inside it.
CREATE TABLE endpoint_blocks (
	network_id		INTEGER NOT NULL REFERENCES networks(id)
				    ON DELETE CASCADE,
	block			INTEGER NOT NULL,	-- id >> 8
	endpoints		INTEGER NOT NULL,
	PRIMARY KEY (network_id, block)
) WITHOUT ROWID;
INSERT INTO endpoint_blocks (network_id, block, endpoints)
    SELECT network_id, id >> 8, count(*) FROM endpoints
    GROUP BY network_id, id >> 8;

CREATE TRIGGER endpoint_blocks_add AFTER INSERT ON endpoints
BEGIN
	INSERT INTO endpoint_blocks (network_id, block, endpoints)
	    VALUES (NEW.network_id, NEW.id >> 8, 1)
	    ON CONFLICT (network_id, block) DO UPDATE SET
	    endpoints = endpoints + 1;
END;
CREATE TRIGGER endpoint_blocks_remove AFTER DELETE ON endpoints
BEGIN
	UPDATE endpoint_blocks SET endpoints = endpoints - 1
	    WHERE network_id = OLD.network_id AND block = OLD.id >> 8;
	DELETE FROM endpoint_blocks WHERE network_id = OLD.network_id AND
	    block = OLD.id >> 8 AND endpoints = 0;
END;
CREATE TRIGGER endpoint_blocks_move AFTER UPDATE OF id, network_id
    ON endpoints
WHEN OLD.id IS NOT NEW.id OR OLD.network_id IS NOT NEW.network_id
BEGIN
	UPDATE endpoint_blocks SET endpoints = endpoints - 1
	    WHERE network_id = OLD.network_id AND block = OLD.id >> 8;
	DELETE FROM endpoint_blocks WHERE network_id = OLD.network_id AND
	    block = OLD.id >> 8 AND endpoints = 0;
	INSERT INTO endpoint_blocks (network_id, block, endpoints)
	    VALUES (NEW.network_id, NEW.id >> 8, 1)
	    ON CONFLICT (network_id, block) DO UPDATE SET
	    endpoints = endpoints + 1;
END;
