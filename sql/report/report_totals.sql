-- Headline counts of a run ($run_id). Accounts are those in the run's input files ($file_nos);
-- when their raw rows are gone (purged), the accounts the run's lineage mentions.
-- lineage_gaps counts what `SELECT count(*) FROM contact_lineage_gaps WHERE run_id = $run_id`
-- counts (migrations 008, 099): the run's contact points (one per account, type, key, role, status)
-- with no support row that reaches an input file and a record. The view builds every lineage
-- row with all its columns (match pairs, file details) only to reduce them to booleans; here
-- the support rows that do reach a file and a record are found by semi joins and the contact
-- points without one by an anti join (a fifth of the report's time at 100k accounts).
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
),
run_support AS (
    -- role: of the point it supports (the view's join, migration 099)
    SELECT cs.account_id, cs.contact_type, cs.contact_key, cs.rec_id, cs.file_no, cs.role
    FROM contact_support cs
    SEMI JOIN input_files f ON f.file_no = cs.file_no        -- the view's file_found
    WHERE cs.run_id = $run_id
),
traced AS (  -- the view's record_found, one way per line
    SELECT account_id, contact_type, contact_key, role FROM run_support s
    SEMI JOIN source_records sr ON sr.rec_id = s.rec_id
    UNION
    SELECT account_id, contact_type, contact_key, role FROM run_support s
    SEMI JOIN accounts a
           ON a.file_no = s.file_no AND a.account_id = s.account_id AND a.line_no IS NOT NULL
    WHERE s.rec_id IS NULL
    UNION
    SELECT account_id, contact_type, contact_key, role FROM run_support s
    SEMI JOIN purge_log p ON p.file_no = s.file_no AND p.purged_at IS NOT NULL
),
lineage_gaps AS (
    SELECT count(*) AS n FROM (
        SELECT DISTINCT account_id, contact_type, contact_key, role, status
        FROM contact_points WHERE run_id = $run_id) cp
    ANTI JOIN traced t
           ON t.account_id = cp.account_id AND t.contact_type = cp.contact_type
          AND t.contact_key = cp.contact_key AND t.role = cp.role
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
    (SELECT n FROM lineage_gaps)                                                       AS lineage_gaps;
