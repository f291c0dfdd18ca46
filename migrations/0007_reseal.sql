-- The web workers no longer hold the master key (src/core/warp_keys.c):
-- secrets sealed under it (blob version 0x01) are sealed again under the
-- key derived for them (0x02), by root, once.  A config version may now
-- also undergo that: the same secret, sealed again, nothing else changed.
DROP TRIGGER endpoint_configs_immutable;
CREATE TRIGGER endpoint_configs_immutable BEFORE UPDATE ON endpoint_configs
WHEN NOT (NEW.id = OLD.id AND NEW.endpoint_id = OLD.endpoint_id AND
    NEW.version = OLD.version AND NEW.public_key = OLD.public_key AND
    NEW.lans = OLD.lans AND NEW.reason = OLD.reason AND
    NEW.actor = OLD.actor AND NEW.created_at = OLD.created_at AND (
    (OLD.retired = 0 AND NEW.retired = 1 AND NEW.private_key IS NULL AND
     length(NEW.preshared_key) = 0) OR
    (NEW.retired = OLD.retired AND
     (NEW.content IS OLD.content OR (substr(OLD.content, 1, 1) = x'01' AND
      substr(NEW.content, 1, 1) = x'02')) AND
     (NEW.private_key IS OLD.private_key OR
      (substr(OLD.private_key, 1, 1) = x'01' AND
       substr(NEW.private_key, 1, 1) = x'02')) AND
     (NEW.preshared_key IS OLD.preshared_key OR
      (substr(OLD.preshared_key, 1, 1) = x'01' AND
       substr(NEW.preshared_key, 1, 1) = x'02')))))
BEGIN
	SELECT RAISE(ABORT, 'config versions are immutable (they can only be retired)');
END;
