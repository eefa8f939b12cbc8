-- latest_contact_outcomes(as_of): the latest verdict collectors recorded on each account's
-- contact up to as_of: right party, wrong number, disconnected, returned mail or moved. A
-- right-party contact after a wrong number means the number is good again, and the reverse.
-- Other outcomes say nothing about whether the contact reaches the consumer and never replace
-- a verdict: a no-answer logged after a wrong number used to put the number back in use, and
-- a dispute or cease-and-desist recorded against a number is an account fact
-- (suppress/outcomes_account.sql), not a sign the number is right. Ties on the date go to the
-- later load, then the later row where it came from (origin_seq: the row's place in its
-- delivery, or the platform's outcome_id, a number: as text, 'f.csv:9' sorted after
-- 'f.csv:10'); a row delivered or pulled again is not stored again, so it never flips a decision.
-- The one definition resolve (rs_outcome_last: what an outcome does to confidence and status)
-- and suppress (sp_contact: what the rules read) use, so the two stages cannot disagree on
-- which report is the latest.
CREATE OR REPLACE TEMP MACRO latest_contact_outcomes(as_of) AS TABLE
SELECT account_id, contact_type, contact_key,
       arg_max(outcome, (outcome_date, loaded_at, origin_seq)) AS outcome,
       max(outcome_date) AS outcome_date,
       arg_max(agent, (outcome_date, loaded_at, origin_seq)) AS agent
FROM contact_outcomes
WHERE outcome_date <= as_of AND contact_key IS NOT NULL
  AND outcome IN ('right_party', 'wrong_number', 'disconnected', 'returned_mail', 'moved')
GROUP BY account_id, contact_type, contact_key;
