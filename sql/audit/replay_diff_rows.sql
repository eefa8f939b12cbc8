-- Suppression decisions and account flags that differ between run $original and its replay
-- $replay, into the temp table replay_row_diffs: a row of one run that the other lacks
-- (multiset difference: EXCEPT ALL both ways), every column but run_id compared, a flag's
-- confidence to 1e-9. A decision whose action or reason changed shows as one missing and one
-- added row.
CREATE OR REPLACE TEMP TABLE replay_row_diffs AS
WITH so AS (SELECT * EXCLUDE (run_id) FROM suppressions WHERE run_id = $original),
sr AS (SELECT * EXCLUDE (run_id) FROM suppressions WHERE run_id = $replay),
fo AS (
    SELECT * EXCLUDE (run_id) REPLACE (round(confidence, 9) AS confidence)
    FROM account_flags WHERE run_id = $original
),
fr AS (
    SELECT * EXCLUDE (run_id) REPLACE (round(confidence, 9) AS confidence)
    FROM account_flags WHERE run_id = $replay
)
SELECT 'suppression' AS what, 'missing' AS change, account_id, contact_type, contact_key, role,
       rule AS name, action AS detail
FROM (SELECT * FROM so EXCEPT ALL SELECT * FROM sr)
UNION ALL
SELECT 'suppression', 'added', account_id, contact_type, contact_key, role, rule, action
FROM (SELECT * FROM sr EXCEPT ALL SELECT * FROM so)
UNION ALL
SELECT 'flag', 'missing', account_id, NULL, NULL, NULL, flag, CAST(confidence AS VARCHAR)
FROM (SELECT * FROM fo EXCEPT ALL SELECT * FROM fr)
UNION ALL
SELECT 'flag', 'added', account_id, NULL, NULL, NULL, flag, CAST(confidence AS VARCHAR)
FROM (SELECT * FROM fr EXCEPT ALL SELECT * FROM fo);
