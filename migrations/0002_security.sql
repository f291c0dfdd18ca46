-- Login limits (issue 12): failures are read per address (IPv6 by /64)
-- across user names, per account across addresses, and swept by time.
CREATE INDEX login_attempts_addr ON login_attempts(remote_addr, at);
CREATE INDEX login_attempts_at ON login_attempts(at);

-- Pre-login form tokens are single use: a used nonce is remembered until
-- the token would have expired anyway.
CREATE TABLE login_nonces (
	nonce			BLOB PRIMARY KEY,
	expires			INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX login_nonces_expires ON login_nonces(expires);

-- API tokens: an optional expiry (NULL: never) and a scope; a read-only
-- token may only GET.
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'write'
    CHECK (scope IN ('read', 'write'));

-- Key rotation retires the old keys: older versions keep their text with
-- the keys masked and lose their private and preshared keys.  That is the
-- one change a version may undergo.
ALTER TABLE endpoint_configs ADD COLUMN retired INTEGER NOT NULL DEFAULT 0;
DROP TRIGGER endpoint_configs_immutable;
CREATE TRIGGER endpoint_configs_immutable BEFORE UPDATE ON endpoint_configs
WHEN NOT (OLD.retired = 0 AND NEW.retired = 1 AND NEW.id = OLD.id AND
    NEW.endpoint_id = OLD.endpoint_id AND NEW.version = OLD.version AND
    NEW.public_key = OLD.public_key AND NEW.lans = OLD.lans AND
    NEW.reason = OLD.reason AND NEW.actor = OLD.actor AND
    NEW.created_at = OLD.created_at AND NEW.private_key IS NULL AND
    length(NEW.preshared_key) = 0)
BEGIN
	SELECT RAISE(ABORT, 'config versions are immutable (they can only be retired)');
END;
