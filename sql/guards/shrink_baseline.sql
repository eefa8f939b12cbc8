-- The runs the shrink window looks back over (flows/orchestration/guards.py `_window_shrink`):
-- the last $window completed runs before $run_id, none older than the newest completed run with
-- a finding --allow-shrink let through (run_warnings.stage = $allowed_stage: the portfolio an
-- operator accepted is the new baseline), each with
--   accounts: the accounts of the files it used (run_inputs), as accounts_removed.sql counts them
--   contacts: its contact points keyed as delta.csv keys them (0 once the run is archived).
WITH restart AS (
    SELECT max(r.run_id) AS run_id
    FROM runs r
    WHERE r.status = 'completed' AND r.run_id < $run_id
      AND EXISTS (SELECT 1 FROM run_warnings w WHERE w.run_id = r.run_id AND w.stage = $allowed_stage)
),
window_runs AS (
    SELECT run_id FROM runs
    WHERE status = 'completed' AND run_id < $run_id
      AND run_id >= coalesce((SELECT run_id FROM restart), '')
    ORDER BY run_id DESC
    LIMIT $window
),
acc AS (
    SELECT ri.run_id, count(DISTINCT a.account_id) AS accounts
    FROM run_inputs ri JOIN accounts a ON a.file_no = ri.file_no
    WHERE ri.run_id IN (SELECT run_id FROM window_runs)
    GROUP BY ri.run_id
),
cps AS (
    SELECT run_id, count(*) AS contacts FROM (
        SELECT DISTINCT run_id, account_id, contact_type, role, contact_key
        FROM contact_points WHERE run_id IN (SELECT run_id FROM window_runs)
    ) GROUP BY run_id
)
SELECT w.run_id, coalesce(acc.accounts, 0) AS accounts, coalesce(cps.contacts, 0) AS contacts
FROM window_runs w
LEFT JOIN acc USING (run_id)
LEFT JOIN cps USING (run_id)
ORDER BY w.run_id DESC;
