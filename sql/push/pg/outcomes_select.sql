SELECT outcome_id, account_id, contact_type, contact, outcome, outcome_date, agent FROM contact_outcomes;
