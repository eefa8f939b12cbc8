-- contact_verdicts(): collectors' verdicts on an account's contact (right party, wrong number,
-- disconnected, returned mail or moved), each with `day_time`: its time of day (migration 114)
-- when every verdict of that day on that contact has one, else NULL. Within a day, verdicts are
-- ordered by day_time, then the later load, then the later row where it came from (origin_seq:
-- the row's place in its delivery, or the platform's outcome_id, a number: as text, 'f.csv:9'
-- sorted after 'f.csv:10'); a row delivered or pulled again is not stored again, so it never
-- flips a decision. Why the time first: a right party at 10:00 and a wrong number at 16:00 are
-- in that order whatever the order of the file's rows, which decided before (the same events
-- left the number callable or suppressed). Why only when every one has a time: a report with a
-- date alone (the PostgreSQL pull, a file without times, rows stored before 112) happened at an
-- unknown hour of that day, so it is neither before nor after a timed one, and that day keeps
-- the load order it always had.
-- The one ordering resolve (rs_outcome_last: what an outcome does to confidence and status),
-- suppress (sp_contact: what the rules read) and calibration (calibrate/outcome_labels.sql: the
-- first verdict after a run) use, so they cannot disagree on which report came last.
-- Which outcomes are verdicts: verdict_outcomes() of sql/outcomes/vocabulary.sql, run first
-- (the one declaration of the outcome lists, which the push's check at push time is given too).

CREATE OR REPLACE TEMP MACRO contact_verdicts() AS TABLE
SELECT *,
       CASE WHEN count(*) OVER same_day = count(outcome_time) OVER same_day
            THEN outcome_time END AS day_time
FROM contact_outcomes
WHERE contact_key IS NOT NULL
  AND list_contains(verdict_outcomes(), outcome)
WINDOW same_day AS (PARTITION BY account_id, contact_type, contact_key, outcome_date);

-- latest_contact_outcomes(as_of): the latest verdict collectors recorded on each account's
-- contact up to as_of. A right-party contact after a wrong number means the number is good
-- again, and the reverse. Other outcomes say nothing about whether the contact reaches the
-- consumer and never replace a verdict: a no-answer logged after a wrong number used to put
-- the number back in use, and a dispute or cease-and-desist recorded against a number is an
-- account fact (suppress/outcomes_account.sql), not a sign the number is right.
CREATE OR REPLACE TEMP MACRO latest_contact_outcomes(as_of) AS TABLE
SELECT account_id, contact_type, contact_key,
       arg_max(outcome, (outcome_date, day_time, loaded_at, origin_seq)) AS outcome,
       max(outcome_date) AS outcome_date,
       arg_max(agent, (outcome_date, day_time, loaded_at, origin_seq)) AS agent
FROM contact_verdicts()
WHERE outcome_date <= as_of
GROUP BY account_id, contact_type, contact_key;

-- outcomes_known(as_of): the collectors' reports a run as of `as_of` knows: dated on or before
-- it, or stored without a readable date (account facts and opt-outs, sql/outcomes/store.sql) by
-- a run as of that day or earlier: such a report counts from the as-of date of the run that
-- stored it, the latest day it can have been made (without a storing run, e.g. the run was
-- purged, every run applies it). The one rule the account facts (suppress/outcomes_account.sql)
-- and the opt-outs (suppress/contact_subject.sql) read.
CREATE OR REPLACE TEMP MACRO outcomes_known(as_of) AS TABLE
SELECT o.*
FROM contact_outcomes o
LEFT JOIN runs r ON o.outcome_date IS NULL AND r.run_id = o.run_id
WHERE coalesce(o.outcome_date, r.as_of, as_of) <= as_of;
