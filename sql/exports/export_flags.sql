-- account_flags.csv: every flag with its confidence, evidence in words and supporting records.
-- legal_hold: Y when a legal_hold rule (SCRA) holds the account from legal action this run; the
-- same on each of the account's flags, so a reader filtering one flag still sees it.
SELECT f.account_id, f.flag, f.confidence, f.evidence, f.records, f.run_id,
       CASE WHEN lg.account_id IS NULL THEN 'N' ELSE 'Y' END AS legal_hold
FROM account_flags f
LEFT JOIN (SELECT DISTINCT account_id FROM suppressions
           WHERE run_id = $run_id AND contact_type IS NULL AND action = 'legal_hold') lg
       ON lg.account_id = f.account_id
WHERE f.run_id = $run_id
ORDER BY f.account_id, f.flag, f.confidence DESC
