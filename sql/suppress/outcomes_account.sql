-- Account facts collectors reported (contact_outcomes up to as_of), added to the account
-- subject of the suppression rules: a cease-and-desist, attorney representation, a dispute or
-- a confirmed death recorded on a call counts like the flag in the account export. The date of
-- the latest such report goes with it, for the reason a collector reads.
CREATE OR REPLACE TEMP TABLE sp_account AS
WITH o AS (
    SELECT account_id,
           max(outcome_date) FILTER (WHERE outcome = 'cease_and_desist') AS cd,
           max(outcome_date) FILTER (WHERE outcome = 'attorney') AS att,
           max(outcome_date) FILTER (WHERE outcome = 'dispute') AS dis,
           max(outcome_date) FILTER (WHERE outcome = 'deceased_confirmed') AS dec
    FROM contact_outcomes
    WHERE outcome_date <= $as_of
      AND outcome IN ('cease_and_desist', 'attorney', 'dispute', 'deceased_confirmed')
    GROUP BY account_id
)
SELECT a.*,
       o.cd IS NOT NULL AS outcome_cease_and_desist, o.cd AS outcome_cease_and_desist_date,
       o.att IS NOT NULL AS outcome_attorney, o.att AS outcome_attorney_date,
       o.dis IS NOT NULL AS outcome_dispute, o.dis AS outcome_dispute_date,
       o.dec IS NOT NULL AS outcome_deceased, o.dec AS outcome_deceased_date
FROM sp_account a
LEFT JOIN o ON o.account_id = a.account_id;
