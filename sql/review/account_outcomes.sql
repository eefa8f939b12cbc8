-- The collectors' outcomes recorded against one account (contact_outcomes, migrations 018, 102,
-- 112), newest first, as the account page lists them: the columns compliance reads (what
-- happened, when, on which contact, who recorded it, where the row came from). The page masks
-- the contact and, for viewers, the agent (flows/review/pages.py, account_outcomes).
SELECT outcome_date, outcome_time, outcome, contact_type, contact, contact_key, agent,
       origin, origin_id, run_id
FROM contact_outcomes
WHERE account_id = $account_id
ORDER BY outcome_date DESC NULLS LAST, outcome_time DESC NULLS LAST, origin, origin_seq DESC
LIMIT $limit;
