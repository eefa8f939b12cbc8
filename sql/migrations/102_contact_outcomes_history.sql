-- 102: collectors' outcomes become a history with a numeric order and the run that stored them.
--
-- Why: an outcomes source's files used to replace everything the source delivered before, so a
-- night without the file (or a file holding only the day's dispositions) erased every earlier
-- wrong number, cease-and-desist and attorney report. Rows are now only added (a row delivered
-- again is recognised by its content and not stored twice: sql/outcomes/store.sql), and
--   * origin_seq: the row's order where it came from: its place in the delivery (files in
--     load order, then line) for a file, outcome_id for PostgreSQL. Ties on an outcome date
--     were broken by origin_id as text, where 'f.csv:9' sorts after 'f.csv:10';
--   * run_id: the run that stored it, so that run can report outcomes that name an account or
--     a contact it does not have (NULL for rows stored before, or outside a run).
-- Earlier rows get the number at the end of their origin_id ('dispositions_2.csv:10' -> 10,
-- an outcome_id as is): their order within one file, as the file had it.
ALTER TABLE contact_outcomes ADD COLUMN IF NOT EXISTS origin_seq BIGINT;
ALTER TABLE contact_outcomes ADD COLUMN IF NOT EXISTS run_id VARCHAR;
UPDATE contact_outcomes
SET origin_seq = TRY_CAST(regexp_extract(origin_id, '([0-9]+)$', 1) AS BIGINT)
WHERE origin_seq IS NULL;
