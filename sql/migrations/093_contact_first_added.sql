-- 093: contact_first_added, the date each account's contact was first emitted.
-- The import layouts' `date_added` is the as-of date of the first completed run that emitted a
-- contact (debtor, not suppressed) for the account. It was found by scanning contact_points of
-- every run ever kept (sql/exports/export_macros.sql, before this migration): emit's cost grew
-- with the history, by a whole portfolio's contact points per nightly run kept (5.3M rows a run
-- at 1M accounts, and retention keeps runs for years). This table holds that answer, one row
-- per (account, type, key), folded in when a run completes (sql/audit/first_added_fold.sql,
-- flows/audit/runs.py finish_run, in the transaction that marks the run completed), so a run
-- that fails or is abandoned adds nothing. run_id names the run that first emitted it (lineage).
-- No primary-key index: its upkeep is what migration 092 removed from the caches; the fold
-- keeps one row per key itself (the database has a single writer).
-- Backfilled from the completed runs already kept, the same rule as the scan it replaces.

CREATE TABLE IF NOT EXISTS contact_first_added (
    account_id   VARCHAR NOT NULL,
    contact_type VARCHAR NOT NULL,  -- address | phone | email
    contact_key  VARCHAR NOT NULL,  -- contact_points.contact_key
    date_added   DATE    NOT NULL,  -- as-of date of the first completed run that emitted it
    run_id       VARCHAR NOT NULL   -- that run (the earliest run id on a tie of as-of dates)
);

INSERT INTO contact_first_added
SELECT cp.account_id, cp.contact_type, cp.contact_key,
       min(r.as_of) AS date_added,
       arg_min(r.run_id, (r.as_of, r.run_id)) AS run_id
FROM contact_points cp
JOIN runs r ON r.run_id = cp.run_id
WHERE r.status = 'completed' AND cp.role = 'debtor' AND cp.status <> 'suppressed'
  AND r.as_of IS NOT NULL AND cp.contact_key IS NOT NULL
GROUP BY cp.account_id, cp.contact_type, cp.contact_key;
