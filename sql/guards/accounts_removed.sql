-- Accounts the previous completed run ($prev_run_id) had that the current account files no
-- longer carry. The previous run's accounts are those of the files it used (run_inputs), so a
-- header-only re-delivery with --replace shows every account as removed.
WITH prev AS (
    SELECT DISTINCT a.account_id
    FROM accounts a
    JOIN run_inputs ri ON ri.file_no = a.file_no AND ri.run_id = $prev_run_id
),
cur AS (SELECT DISTINCT account_id FROM current_accounts)
SELECT count(*) AS previous, count(*) FILTER (WHERE cur.account_id IS NULL) AS removed
FROM prev LEFT JOIN cur USING (account_id);
