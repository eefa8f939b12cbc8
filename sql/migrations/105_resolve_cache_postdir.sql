-- The post-directional of an address in resolve's evidence and variant caches.
--
-- Why: '500 E 100 N' and '500 E 100 S' (a Utah grid; DC's NW / SE quadrants likewise) are two
-- addresses, but resolve's address key (rs_addr_key) left the post-directional out, so both
-- became one contact and a record at the one confirmed the other. The key now holds it, and
-- variant merging (05_variants) must see it to keep N and S apart while still merging a
-- spelling that merely lacks it. Rows cached before this column have it NULL; the resolve SQL
-- changed with it, so the cache's state key differs and the next resolve is a full one.
ALTER TABLE resolve_cache_evidence ADD COLUMN IF NOT EXISTS postdir VARCHAR;
ALTER TABLE resolve_cache_variants ADD COLUMN IF NOT EXISTS postdir VARCHAR;
