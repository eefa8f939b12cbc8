-- 092: the standardization caches (002, 013) lose their primary-key index.
-- At 1M accounts a first run appends 4.6M addresses, 2.8M names and 3M phones; keeping the ART
-- index of those VARCHAR keys up to date was the costliest part of the appends (for the
-- addresses 7.4 s with the index against 4.8 s without, plus 2.8 s more at commit). No reader
-- needs it: the builds, resolve and explain join on the key. One row per key is kept by the
-- append itself (sql/standardize/cache_append.sql: distinct new keys, anti-joined with the
-- cache, after the stale versions are deleted, under the database's single-writer lock).
-- The tables are rebuilt with the same columns, in the same order, the key NOT NULL as before.

CREATE TABLE std_address_cache_092 AS SELECT * FROM std_address_cache;
DROP TABLE std_address_cache;
ALTER TABLE std_address_cache_092 RENAME TO std_address_cache;
ALTER TABLE std_address_cache ALTER COLUMN addr_raw SET NOT NULL;

CREATE TABLE std_name_cache_092 AS SELECT * FROM std_name_cache;
DROP TABLE std_name_cache;
ALTER TABLE std_name_cache_092 RENAME TO std_name_cache;
ALTER TABLE std_name_cache ALTER COLUMN name_raw SET NOT NULL;

CREATE TABLE std_phone_cache_092 AS SELECT * FROM std_phone_cache;
DROP TABLE std_phone_cache;
ALTER TABLE std_phone_cache_092 RENAME TO std_phone_cache;
ALTER TABLE std_phone_cache ALTER COLUMN phone_raw SET NOT NULL;
