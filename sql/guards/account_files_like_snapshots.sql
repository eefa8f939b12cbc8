-- Account files this run loaded that look like the whole portfolio while the profile says the
-- files are increments: the file carries at least $min_share of the previous completed run's
-- accounts, yet some of them are not in it. Under `delivery: increments` those stay current
-- and keep being worked; if the export is a snapshot, they are closed accounts.
WITH prev AS (
    SELECT DISTINCT a.account_id
    FROM accounts a
    JOIN run_inputs ri ON ri.file_no = a.file_no AND ri.run_id = $prev_run_id
),
new_files AS (
    SELECT file_no, file_name FROM input_files
    WHERE run_id = $run_id AND source = 'accounts' AND status = 'loaded'
),
per_file AS (
    SELECT f.file_no, f.file_name,
           count(DISTINCT a.account_id) FILTER (WHERE p.account_id IS NOT NULL) AS carried
    FROM new_files f
    JOIN accounts a ON a.file_no = f.file_no
    LEFT JOIN prev p ON p.account_id = a.account_id
    GROUP BY ALL
)
SELECT f.file_name, f.carried, (SELECT count(*) FROM prev) AS previous,
       (SELECT count(*) FROM prev) - f.carried AS missing
FROM per_file f
WHERE f.carried >= $min_share * (SELECT count(*) FROM prev)
  AND f.carried < (SELECT count(*) FROM prev)
ORDER BY f.file_no;
