-- 012: blocking has two caps (sql/match/blocking_blocks.sql): `block_cap` for the passes keyed on
-- what identifies a person or household, `name_block_cap` for the passes keyed on names and
-- places only. The cached candidate set and oversized blocks depend on both, so the cache state
-- records both; a state written before this migration (NULL here) does not match any settings
-- and makes the next link run a full one.

ALTER TABLE match_cache_state ADD COLUMN name_block_cap BIGINT;
