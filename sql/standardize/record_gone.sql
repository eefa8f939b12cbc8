-- The record identities to drop before an incremental build (matchers/standardize.py): records
-- no longer current (their file superseded or purged). rec_phones rows are keyed by the same
-- rec_ids, so one list serves both tables.
CREATE OR REPLACE TEMP TABLE _std_rec_gone AS
SELECT s.rec_id FROM rec_std s
ANTI JOIN current_source_records r ON r.rec_id = s.rec_id
UNION
SELECT p.rec_id FROM rec_phones p
ANTI JOIN current_source_records r ON r.rec_id = p.rec_id;
