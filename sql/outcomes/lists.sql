-- Every list of the outcome vocabulary (sql/outcomes/vocabulary.sql, run first), one column
-- each, named as its macro: what Python readers and the push's check in PostgreSQL are given
-- (sources/outcomes.py outcome_lists).
SELECT good_verdicts() AS good_verdicts,
       phone_bad_verdicts() AS phone_bad_verdicts,
       address_bad_verdicts() AS address_bad_verdicts,
       bad_verdicts() AS bad_verdicts,
       verdict_outcomes() AS verdict_outcomes,
       silent_outcomes() AS silent_outcomes,
       ending_account_facts() AS ending_account_facts,
       holding_account_facts() AS holding_account_facts,
       account_fact_outcomes() AS account_fact_outcomes,
       opt_out_outcomes() AS opt_out_outcomes,
       known_outcomes() AS known_outcomes
