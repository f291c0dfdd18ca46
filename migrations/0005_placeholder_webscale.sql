-- Placeholder so that 0006 is in sequence on the webscale branch: two
-- other branches bring a 0005 (change journal, reseal).  When merging,
-- delete this file and renumber 0006_admin_indexes.sql after theirs.
SELECT 1;
