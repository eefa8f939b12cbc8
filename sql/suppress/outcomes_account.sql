-- Account facts collectors reported (contact_outcomes up to as_of), added to the account
-- subject of the suppression rules: a cease-and-desist, attorney representation, a dispute or
-- a confirmed death recorded on a call counts like the flag in the account export. The date of
-- the latest such report goes with it, for the reason a collector reads (NULL when the only
-- report has no readable date).
-- Each account fact of the vocabulary (account_fact_outcomes(), sql/outcomes/vocabulary.sql)
-- has its columns here, named for the rules (tests/test_outcome_vocabulary.py checks that this
-- file names every one of them and no other outcome).
-- The reports are those the run knows (outcomes_known, sql/outcomes/latest.sql): one stored
-- without a readable date counts from the as-of date of the run that stored it.
CREATE OR REPLACE TEMP TABLE sp_account AS
WITH o AS (
    SELECT o.account_id,
           bool_or(o.outcome = 'cease_and_desist') AS cd_any,
           max(o.outcome_date) FILTER (WHERE o.outcome = 'cease_and_desist') AS cd,
           bool_or(o.outcome = 'attorney') AS att_any,
           max(o.outcome_date) FILTER (WHERE o.outcome = 'attorney') AS att,
           bool_or(o.outcome = 'dispute') AS dis_any,
           max(o.outcome_date) FILTER (WHERE o.outcome = 'dispute') AS dis,
           bool_or(o.outcome = 'deceased_confirmed') AS dec_any,
           max(o.outcome_date) FILTER (WHERE o.outcome = 'deceased_confirmed') AS dec
    FROM outcomes_known($as_of) o  -- sql/outcomes/latest.sql
    WHERE list_contains(account_fact_outcomes(), o.outcome)  -- sql/outcomes/vocabulary.sql
    GROUP BY o.account_id
)
SELECT a.*,
       coalesce(o.cd_any, false) AS outcome_cease_and_desist, o.cd AS outcome_cease_and_desist_date,
       coalesce(o.att_any, false) AS outcome_attorney, o.att AS outcome_attorney_date,
       coalesce(o.dis_any, false) AS outcome_dispute, o.dis AS outcome_dispute_date,
       coalesce(o.dec_any, false) AS outcome_deceased, o.dec AS outcome_deceased_date
FROM sp_account a
LEFT JOIN o ON o.account_id = a.account_id;
