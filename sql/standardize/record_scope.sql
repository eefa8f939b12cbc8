-- The records whose identities this build writes (build_rec_std.sql, build_rec_phones.sql): the
-- current records rec_std does not hold. After a full build's DELETE that is every current
-- record; on an incremental build, the new ones (matchers/standardize.py). Ingest gives every
-- record a rec_id; a row without one could never be found again here, so it is not built (the
-- matcher's sides skip such rows too).
CREATE OR REPLACE TEMP TABLE _std_rec_scope AS
SELECT r.rec_id FROM current_source_records r
ANTI JOIN rec_std s ON s.rec_id = r.rec_id
WHERE r.rec_id IS NOT NULL;
