-- account_flags.csv
SELECT account_id, flag, confidence, evidence, run_id
FROM account_flags
WHERE run_id = $run_id
ORDER BY account_id, flag, confidence DESC
