-- Collectors' outcomes of an account known to the run, newest first: what moved its contacts
-- (issue 21). contact_key NULL = an account-wide report. Which reports a run knows is
-- outcomes_known (sql/outcomes/latest.sql, run first), the rule resolve and suppress apply: an
-- undated fact counts from the as-of date of the run that stored it. outcome_time when the
-- delivery gave one.
SELECT o.contact_type, o.contact_key, o.outcome, o.outcome_date, o.outcome_time, o.agent,
       o.origin
FROM outcomes_known((SELECT as_of FROM runs WHERE run_id = $run_id)) o
WHERE o.account_id = $account_id
ORDER BY o.outcome_date DESC NULLS LAST, o.outcome_time DESC NULLS LAST, o.outcome, o.contact_key
