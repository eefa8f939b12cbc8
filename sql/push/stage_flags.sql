-- The run's account flags, one row per (account_id, flag): the strongest evidence.
SELECT account_id, flag, max(confidence) AS confidence,
       arg_max(evidence, confidence) AS evidence
FROM account_flags
WHERE run_id = $run_id
GROUP BY account_id, flag
