-- Fold a completed run's emitted contacts into contact_first_added (migration 093): run by
-- flows/audit/runs.py finish_run in the transaction that marks $run_id completed, so the table
-- always equals "the first completed run that emitted each contact", the rule the import
-- layouts' date_added states (sql/exports/export_macros.sql export_first_added). Emitted: a
-- debtor contact point not suppressed. Two statements instead of an upsert: the table has no
-- key index (see the migration), and the single writer keeps one row per key.
--
-- The run's emitted contacts are selected once (fa_emitted). A contact already recorded gets this run's date only when this run is dated earlier (a run
-- for an as-of date before the recorded one: a backfill or a replay); otherwise it keeps its
-- first date.
CREATE OR REPLACE TEMP TABLE fa_emitted AS
SELECT DISTINCT cp.account_id, cp.contact_type, cp.contact_key, r.as_of, r.run_id
FROM contact_points cp
JOIN runs r ON r.run_id = cp.run_id
WHERE cp.run_id = $run_id AND cp.role = 'debtor' AND cp.status <> 'suppressed'
  AND cp.contact_key IS NOT NULL AND r.as_of IS NOT NULL;

UPDATE contact_first_added f
SET date_added = n.as_of, run_id = n.run_id
FROM fa_emitted n
WHERE f.account_id = n.account_id AND f.contact_type = n.contact_type
  AND f.contact_key = n.contact_key
  AND (n.as_of < f.date_added OR (n.as_of = f.date_added AND n.run_id < f.run_id));

INSERT INTO contact_first_added
SELECT n.account_id, n.contact_type, n.contact_key, n.as_of AS date_added, n.run_id
FROM fa_emitted n
WHERE NOT EXISTS (
    SELECT 1 FROM contact_first_added f
    WHERE f.account_id = n.account_id AND f.contact_type = n.contact_type
      AND f.contact_key = n.contact_key);

DROP TABLE fa_emitted;
