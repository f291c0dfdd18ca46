-- Admin at scale (issue #11): the appliance's totals in one row, the
-- networks per type in one row each, and the busiest network's traffic
-- (the scale of the dashboard's bars) at the end of an index, so the
-- dashboard and /api/v1/status?counts=1 read a handful of rows however
-- many networks there are.  Summing network_counts (one row per
-- network) four times, grouping the networks by type and finding the
-- largest rx/tx were three quarters of an uncached dashboard with 1,000
-- networks and 100,000 endpoints (callgrind).  Kept by triggers in the
-- transaction of each change, as network_counts (0006).

-- The sums of network_counts' columns: + a new row, + NEW - OLD on a
-- change, - a row that goes (a network deleted, by cascade).
CREATE TABLE appliance_counts (
	id			INTEGER PRIMARY KEY CHECK (id = 1),
	endpoints		INTEGER NOT NULL DEFAULT 0,
	disabled		INTEGER NOT NULL DEFAULT 0,
	rx_bytes		INTEGER NOT NULL DEFAULT 0,
	tx_bytes		INTEGER NOT NULL DEFAULT 0
);
INSERT INTO appliance_counts (id, endpoints, disabled, rx_bytes, tx_bytes)
    SELECT 1, coalesce(sum(endpoints), 0), coalesce(sum(disabled), 0),
	coalesce(sum(rx_bytes), 0), coalesce(sum(tx_bytes), 0)
    FROM network_counts;

CREATE TRIGGER appliance_counts_add AFTER INSERT ON network_counts
BEGIN
	UPDATE appliance_counts SET endpoints = endpoints + NEW.endpoints,
	    disabled = disabled + NEW.disabled,
	    rx_bytes = rx_bytes + NEW.rx_bytes,
	    tx_bytes = tx_bytes + NEW.tx_bytes WHERE id = 1;
END;
CREATE TRIGGER appliance_counts_change AFTER UPDATE ON network_counts
BEGIN
	UPDATE appliance_counts SET
	    endpoints = endpoints + NEW.endpoints - OLD.endpoints,
	    disabled = disabled + NEW.disabled - OLD.disabled,
	    rx_bytes = rx_bytes + NEW.rx_bytes - OLD.rx_bytes,
	    tx_bytes = tx_bytes + NEW.tx_bytes - OLD.tx_bytes WHERE id = 1;
END;
CREATE TRIGGER appliance_counts_remove AFTER DELETE ON network_counts
BEGIN
	UPDATE appliance_counts SET endpoints = endpoints - OLD.endpoints,
	    disabled = disabled - OLD.disabled,
	    rx_bytes = rx_bytes - OLD.rx_bytes,
	    tx_bytes = tx_bytes - OLD.tx_bytes WHERE id = 1;
END;

-- Networks per type (the dashboard's "by type").
CREATE TABLE network_type_counts (
	type			TEXT PRIMARY KEY,
	n			INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
INSERT INTO network_type_counts (type, n)
    SELECT type, count(*) FROM networks GROUP BY type;

CREATE TRIGGER network_type_counts_add AFTER INSERT ON networks
BEGIN
	INSERT INTO network_type_counts (type, n) VALUES (NEW.type, 1)
	    ON CONFLICT (type) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER network_type_counts_remove AFTER DELETE ON networks
BEGIN
	UPDATE network_type_counts SET n = n - 1 WHERE type = OLD.type;
END;
CREATE TRIGGER network_type_counts_change AFTER UPDATE OF type ON networks
WHEN OLD.type IS NOT NEW.type
BEGIN
	UPDATE network_type_counts SET n = n - 1 WHERE type = OLD.type;
	INSERT INTO network_type_counts (type, n) VALUES (NEW.type, 1)
	    ON CONFLICT (type) DO UPDATE SET n = n + 1;
END;

-- max(max(rx_bytes, tx_bytes)) is the last entry of this index.
CREATE INDEX network_counts_peak ON network_counts(max(rx_bytes, tx_bytes));
