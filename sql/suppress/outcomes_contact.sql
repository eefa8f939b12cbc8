-- The latest outcome collectors recorded for each contact point of the account (up to as_of),
-- added to the contact subject: `outcome`, `outcome_date`, `outcome_agent` (NULL when none).
CREATE OR REPLACE TEMP TABLE sp_contact AS
WITH o AS (
    SELECT account_id, contact_type, contact_key,
           arg_max(outcome, (outcome_date, loaded_at, origin_id)) AS outcome,
           max(outcome_date) AS outcome_date,
           arg_max(agent, (outcome_date, loaded_at, origin_id)) AS outcome_agent
    FROM contact_outcomes
    WHERE outcome_date <= $as_of AND contact_key IS NOT NULL
    GROUP BY account_id, contact_type, contact_key
)
SELECT c.*, o.outcome, o.outcome_date, o.outcome_agent
FROM sp_contact c
LEFT JOIN o ON o.account_id = c.account_id AND o.contact_type = c.contact_type
           AND o.contact_key = c.contact_key;
