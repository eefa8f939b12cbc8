-- Collectors' outcomes of an account known to the run (dated on or before its as_of), newest
-- first: what moved its contacts (issue 21). contact_key NULL = an account-wide report. An
-- account fact stored without a readable date counts from its storing run's as-of date, as
-- suppress/outcomes_account.sql applies it; outcome_time when the delivery gave one.
SELECT o.contact_type, o.contact_key, o.outcome, o.outcome_date, o.outcome_time, o.agent,
       o.origin
FROM contact_outcomes o
JOIN runs r ON r.run_id = $run_id
LEFT JOIN runs s ON o.outcome_date IS NULL AND s.run_id = o.run_id
WHERE o.account_id = $account_id AND coalesce(o.outcome_date, s.as_of, r.as_of) <= r.as_of
ORDER BY o.outcome_date DESC NULLS LAST, o.outcome_time DESC NULLS LAST, o.outcome, o.contact_key
