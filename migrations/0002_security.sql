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
