-- Account files this run loaded that look like the whole portfolio while the profile says the
-- files are increments: the file carries at least $min_share of the previous completed run's
-- accounts that are still current, yet not all of them. Under `delivery: increments` the others
-- stay current and keep being worked; if the export is a snapshot, they are closed accounts.
-- Accounts no longer current (a same-name file replaced with --replace) are not counted: they
-- left as the operator meant.
WITH prev AS (
    SELECT DISTINCT a.account_id
    FROM accounts a
    JOIN run_inputs ri ON ri.file_no = a.file_no AND ri.run_id = $prev_run_id
),
still AS (
    SELECT p.account_id FROM prev p
    WHERE EXISTS (SELECT 1 FROM current_accounts c WHERE c.account_id = p.account_id)
),
new_files AS (
    SELECT file_no, file_name FROM input_files
    WHERE run_id = $run_id AND source = 'accounts' AND status = 'loaded'
),
per_file AS (
    SELECT f.file_no, f.file_name,
           count(DISTINCT a.account_id) FILTER (WHERE s.account_id IS NOT NULL) AS carried
    FROM new_files f
    JOIN accounts a ON a.file_no = f.file_no
    LEFT JOIN still s ON s.account_id = a.account_id
    GROUP BY ALL
)
SELECT f.file_name, f.carried, (SELECT count(*) FROM still) AS previous,
       (SELECT count(*) FROM still) - f.carried AS missing
FROM per_file f
WHERE f.carried >= $min_share * (SELECT count(*) FROM still)
  AND f.carried < (SELECT count(*) FROM still)
ORDER BY f.file_no;
