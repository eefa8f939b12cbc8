-- The probe behind matchers/suppress.py outcome_fact_columns: one account per account fact of
-- the outcome vocabulary, each with that fact reported, and one account ('') without any
-- report. outcomes_account.sql then runs over them; a fact's columns are those whose value
-- differs from the account without one. outcomes_known is the one reader's input it needs.
CREATE TEMP TABLE sp_probe AS SELECT unnest(account_fact_outcomes()) AS f;
CREATE TEMP TABLE sp_account AS SELECT f AS account_id FROM sp_probe;
INSERT INTO sp_account VALUES ('');
CREATE TEMP MACRO outcomes_known(d) AS TABLE
    SELECT f AS account_id, f AS outcome, d AS outcome_date FROM sp_probe;
