-- 013: every standardization cache row records the standardizer version that wrote it.
-- The caches of 002 are keyed by raw strings and kept across runs, so after an upgrade that
-- changes parsing (Pub 28 tables, the usaddress fallback, phonenumbers' metadata, nickname
-- rules) old rows kept their old form while new strings got the new one: one address could
-- standardize two ways in one database. std_version is the hash of the code, SQL and library
-- versions that determine the row (matchers.address.address_std_version, matchers.names.
-- name_std_version, matchers.phones.phone_std_version). Standardization reads a cached row only
-- when its version is the running one, recomputes the other values in use, and deletes every row
-- of another version in the same transaction as it appends the new ones.
--
-- A column per row rather than one state row per cache: a state row vouches for every row of its
-- table, including rows appended afterwards by code that does not stamp them (an older checkout
-- run against this database, a test fixture, a racing writer of another version), and can only
-- invalidate a whole cache at once. A per-row stamp is checked in the same anti-join that finds
-- new strings (WHERE on the column: no extra pass), survives a crash half-way through a
-- re-standardization (the rows already rewritten stay valid) and tells an auditor which code
-- produced any cached form. Cost: one dictionary-compressed VARCHAR that is constant per version.
--
-- Additive: rows written before this migration get NULL, which matches no version, so the next
-- standardize run recomputes and replaces them. Nothing else changes meaning.

ALTER TABLE std_address_cache ADD COLUMN std_version VARCHAR;
ALTER TABLE std_name_cache ADD COLUMN std_version VARCHAR;
ALTER TABLE std_phone_cache ADD COLUMN std_version VARCHAR;
