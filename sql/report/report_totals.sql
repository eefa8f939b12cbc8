-- Headline counts of a run ($run_id). Accounts are those in the run's input files ($file_nos);
-- when their raw rows are gone (purged), the accounts the run's lineage mentions.
WITH files AS (SELECT unnest($file_nos::BIGINT[]) AS file_no),
acct_raw AS (
    SELECT count(DISTINCT a.account_id) AS n FROM accounts a
    WHERE a.file_no IN (SELECT file_no FROM files)
),
acct_lineage AS (
    SELECT count(DISTINCT account_id) AS n FROM (
        SELECT account_id FROM contact_points WHERE run_id = $run_id
        UNION ALL SELECT account_id FROM match_pairs WHERE run_id = $run_id
        UNION ALL SELECT account_id FROM account_flags WHERE run_id = $run_id)
)
SELECT
    CASE WHEN (SELECT n FROM acct_raw) > 0 THEN (SELECT n FROM acct_raw)
         ELSE (SELECT n FROM acct_lineage) END                                         AS accounts,
    (SELECT n FROM acct_raw) > 0                                                       AS accounts_from_files,
    (SELECT count(*) FROM match_pairs WHERE run_id = $run_id AND role = 'debtor')      AS matched,
    (SELECT count(*) FROM match_pairs WHERE run_id = $run_id AND role = 'associate')   AS associates,
    (SELECT count(*) FROM match_pairs WHERE run_id = $run_id AND role = 'rejected')    AS rejected,
    (SELECT count(*) FROM contact_points WHERE run_id = $run_id AND status <> 'suppressed') AS emitted,
    (SELECT count(*) FROM contact_points WHERE run_id = $run_id AND status = 'suppressed')  AS suppressed,
    (SELECT count(*) FROM quarantine WHERE run_id = $run_id)                           AS quarantined,
    (SELECT count(*) FROM contact_lineage_gaps WHERE run_id = $run_id)                 AS lineage_gaps;
