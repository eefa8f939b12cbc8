-- Collectors' outcomes of an account known to the run (dated on or before its as_of), newest
-- first: what moved its contacts (issue 21). contact_key NULL = an account-wide report.
SELECT o.contact_type, o.contact_key, o.outcome, o.outcome_date, o.agent, o.origin
FROM contact_outcomes o
JOIN runs r ON r.run_id = $run_id
WHERE o.account_id = $account_id AND o.outcome_date <= r.as_of
ORDER BY o.outcome_date DESC, o.outcome, o.contact_key
