-- Placeholder: step 2 is reserved for the security branch, which lands
-- first; the lead drops this file (or renumbers 0003) at the merge.
SELECT 1;
