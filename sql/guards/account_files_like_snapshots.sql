-- Account files this run loaded that look like the whole portfolio while the profile says the
-- files are increments (flows/orchestration/guards.py _snapshot_hints): the file carries at least
-- $min_share of the previous completed run's accounts that are still current, yet not all of
-- them. Under `delivery: increments` the others stay current and keep being worked; if the
-- export is a snapshot, they are closed accounts.
--
-- Counted against the files the new one looks like a new version of, not the whole portfolio:
-- the usual "base file + update files" pattern (accounts.csv re-sent, accounts_upd_n03.csv of
-- ten new accounts still current) is increments working as meant. So an account carried by
-- another current account file that the new file is no version of (it carries less than
-- $min_share of that file's accounts: an update file of new accounts) is not counted at all:
-- not missing from the new file, and not in `previous`. What is left:
--   previous: the previous run's accounts still current and carried by no such update file,
--   carried:  those of them the new file holds,
--   missing:  the others, carried only by the earlier file(s) named in `versions_of`.
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
new_accounts AS (
    SELECT DISTINCT f.file_no, a.account_id FROM new_files f JOIN accounts a USING (file_no)
),
other_accounts AS (  -- the other current account files' accounts
    SELECT DISTINCT i.file_no, i.file_name, a.account_id
    FROM input_files i JOIN accounts a ON a.file_no = i.file_no
    WHERE i.source = 'accounts' AND i.status = 'loaded'
      AND i.file_no NOT IN (SELECT file_no FROM new_files)
),
overlap AS (  -- per new file and other file: the share of the other's accounts the new one holds
    SELECT n.file_no, o.file_no AS other_no, any_value(o.file_name) AS other_name,
           count(DISTINCT o.account_id) FILTER (WHERE na.account_id IS NOT NULL)
               / count(DISTINCT o.account_id)::DOUBLE AS share
    FROM new_files n
    CROSS JOIN other_accounts o
    LEFT JOIN new_accounts na ON na.file_no = n.file_no AND na.account_id = o.account_id
    GROUP BY n.file_no, o.file_no
),
counted AS (  -- per new file: the still-current accounts no update file next to it carries
    SELECT n.file_no, s.account_id
    FROM new_files n, still s
    WHERE NOT EXISTS (
        SELECT 1 FROM other_accounts o
        JOIN overlap v ON v.file_no = n.file_no AND v.other_no = o.file_no
        WHERE o.account_id = s.account_id AND v.share < $min_share)
),
per_file AS (
    SELECT f.file_no, f.file_name,
           count(c.account_id) AS previous,
           count(c.account_id) FILTER (WHERE na.account_id IS NOT NULL) AS carried
    FROM new_files f
    LEFT JOIN counted c ON c.file_no = f.file_no
    LEFT JOIN new_accounts na ON na.file_no = f.file_no AND na.account_id = c.account_id
    GROUP BY f.file_no, f.file_name
)
SELECT f.file_name, f.carried, f.previous, f.previous - f.carried AS missing,
       (SELECT list(DISTINCT v.other_name ORDER BY v.other_name) FROM overlap v
        WHERE v.file_no = f.file_no AND v.share >= $min_share) AS versions_of
FROM per_file f
WHERE f.carried >= $min_share * f.previous
  AND f.carried < f.previous
ORDER BY f.file_no;
