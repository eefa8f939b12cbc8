-- account_flags.csv: every flag with its confidence, evidence in words and supporting records
SELECT account_id, flag, confidence, evidence, records, run_id
FROM account_flags
WHERE run_id = $run_id
ORDER BY account_id, flag, confidence DESC
